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

/*
 * The rights of the handle a call creates for a new object, per object type
 * (docs/abi.md section 5 gives each value and the call that hands it out).
 */
#define ARCHK_RIGHTS_PROCESS                                                                       \
	(ARCHK_RIGHT_WAIT | ARCHK_RIGHT_INSPECT | ARCHK_RIGHT_DESTROY | ARCHK_RIGHT_DUPLICATE |    \
	 ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_GET_PROPERTY)
#define ARCHK_RIGHTS_THREAD                                                                        \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_MANAGE |    \
	 ARCHK_RIGHT_INSPECT)
#define ARCHK_RIGHTS_FILE                                                                          \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_EXECUTE |   \
	 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_MAP)
#define ARCHK_RIGHTS_DIR (ARCHK_RIGHTS_FILE | ARCHK_RIGHT_ENUMERATE)
#define ARCHK_RIGHTS_VMO                                                                           \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_MAP | ARCHK_RIGHT_GET_PROPERTY)
#define ARCHK_RIGHTS_EVENT                                                                         \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_SIGNAL |    \
	 ARCHK_RIGHT_INSPECT)
#define ARCHK_RIGHTS_CHANNEL                                                                       \
	(ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |          \
	 ARCHK_RIGHT_INSPECT)
#define ARCHK_RIGHTS_PORT                                                                          \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_WAIT | ARCHK_RIGHT_INSPECT)
/* No TRANSFER: an I/O queue's rings live in its creator's partition. */
#define ARCHK_RIGHTS_IOQ                                                                           \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_WAIT |         \
	 ARCHK_RIGHT_GET_PROPERTY)
#define ARCHK_RIGHTS_TABLE                                                                         \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_WAIT | ARCHK_RIGHT_MANAGE | ARCHK_RIGHT_GET_PROPERTY)
/* A pipe's two ends (pipe_create): the read end reads, the write end writes. */
#define ARCHK_RIGHTS_PIPE_READ                                                                     \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE |  \
	 ARCHK_RIGHT_TRANSFER)
#define ARCHK_RIGHTS_PIPE_WRITE                                                                    \
	(ARCHK_RIGHT_WRITE | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE | \
	 ARCHK_RIGHT_TRANSFER)
/* An interrupt event (OPEN "interrupt" on the console's in): the holder waits and clears. */
#define ARCHK_RIGHTS_INTERRUPT                                                                     \
	(ARCHK_RIGHT_WAIT | ARCHK_RIGHT_SIGNAL | ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER)
/* A device: config (READ, WRITE), queues (MAP), doorbell (SIGNAL), interrupt (WAIT). */
#define ARCHK_RIGHTS_DEVICE                                                                        \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_MAP | ARCHK_RIGHT_SIGNAL | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_GET_PROPERTY)
/* The device list init receives: it lists and opens devices. */
#define ARCHK_RIGHTS_BUS                                                                           \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE | \
	 ARCHK_RIGHT_GET_PROPERTY)
/* The most a served object's handle may carry (table_object_create's RIGHTS_SAME). */
#define ARCHK_RIGHTS_SERVED                                                                        \
	(ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE |     \
	 ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_DESTROY | ARCHK_RIGHT_GET_PROPERTY |                  \
	 ARCHK_RIGHT_SET_PROPERTY | ARCHK_RIGHT_WAIT | ARCHK_RIGHT_MAP | ARCHK_RIGHT_MANAGE)

#endif
