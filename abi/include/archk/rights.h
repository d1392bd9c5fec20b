/*
 * Entitlements (rights) carried by a handle. Each system call declares the
 * rights it needs; duplicate and transfer can only keep or drop rights.
 */
#ifndef ARCHK_RIGHTS_H
#define ARCHK_RIGHTS_H

#define ARCHK_RIGHT_DUPLICATE	 (1u << 0)  /* handle_duplicate may copy it */
#define ARCHK_RIGHT_TRANSFER	 (1u << 1)  /* may be given to another process */
#define ARCHK_RIGHT_READ	 (1u << 2)  /* read data or state */
#define ARCHK_RIGHT_WRITE	 (1u << 3)  /* write data or state */
#define ARCHK_RIGHT_EXECUTE	 (1u << 4)  /* run as a program */
#define ARCHK_RIGHT_MAP		 (1u << 5)  /* map into a partition */
#define ARCHK_RIGHT_GET_PROPERTY (1u << 6)  /* read metadata */
#define ARCHK_RIGHT_SET_PROPERTY (1u << 7)  /* change metadata */
#define ARCHK_RIGHT_ENUMERATE	 (1u << 8)  /* list or open children */
#define ARCHK_RIGHT_DESTROY	 (1u << 9)  /* destroy the object */
#define ARCHK_RIGHT_SIGNAL	 (1u << 10) /* raise signals on it */
#define ARCHK_RIGHT_WAIT	 (1u << 11) /* wait on it */
#define ARCHK_RIGHT_INSPECT	 (1u << 12) /* read identity and accounting */
#define ARCHK_RIGHT_MANAGE	 (1u << 13) /* create processes/threads under it */

#define ARCHK_RIGHTS_ALL ((1u << 14) - 1)

/* Passed to handle_duplicate to keep exactly the rights the source has. */
#define ARCHK_RIGHTS_SAME 0xffffffffu

#endif
