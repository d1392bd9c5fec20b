/*
 * Error codes. Every system call returns a value >= 0 on success or one of
 * these small negative numbers. archk_strerror() in the runtime names them.
 */
#ifndef ARCHK_ERRORS_H
#define ARCHK_ERRORS_H

#define ARCHK_OK		0
#define ARCHK_ERR_BAD_SYSCALL	(-1)  /* no system call with that number */
#define ARCHK_ERR_HND_INVALID	(-2)  /* not a live handle of the calling process */
#define ARCHK_ERR_WRONG_TYPE	(-3)  /* handle names an object of another type */
#define ARCHK_ERR_ACCESS_DENIED (-4)  /* handle lacks a right the call needs */
#define ARCHK_ERR_INVALID_ARGS	(-5)  /* an argument is out of its range */
#define ARCHK_ERR_BAD_ADDRESS	(-6)  /* a pointer/length is outside the caller's memory */
#define ARCHK_ERR_NO_MEMORY	(-7)  /* out of memory or out of a per-process limit */
#define ARCHK_ERR_SHOULD_WAIT	(-8)  /* would block; try again later */
#define ARCHK_ERR_CANCELLED	(-9)  /* the operation was cancelled */
#define ARCHK_ERR_PEER_CLOSED	(-10) /* the other side went away */
#define ARCHK_ERR_NOT_FOUND	(-11) /* no such name */
#define ARCHK_ERR_NOT_SUPPORTED (-12) /* the object does not implement the operation */
#define ARCHK_ERR_BAD_ELF	(-13) /* executable rejected by the loader */
#define ARCHK_ERR_TOO_LONG	(-14) /* a name or argument list exceeds its limit */
#define ARCHK_ERR_BAD_STATE	(-15) /* the object is not in a state that allows the call */
#define ARCHK_ERR_IO		(-16) /* the host reported an I/O error */
#define ARCHK_ERR_TIMED_OUT	(-17) /* the deadline passed first */
#define ARCHK_ERR_BUSY		(-18) /* the buffer belongs to a request still in flight */
#define ARCHK_ERR_NO_SPACE	(-19) /* the device or filesystem is full */
#define ARCHK_ERR_READ_ONLY	(-20) /* the object or device refuses writes */
#define ARCHK_ERR_EXISTS	(-21) /* the name exists already */
#define ARCHK_ERR_NOT_EMPTY	(-22) /* the directory is not empty */
#define ARCHK_ERR_IS_DIR	(-23) /* a directory where a file is needed */
#define ARCHK_ERR_NOT_DIR	(-24) /* a file where a directory is needed */
#define ARCHK_ERR_CONN_REFUSED	(-25) /* nobody accepts connections there */
#define ARCHK_ERR_CONN_RESET	(-26) /* the peer reset the connection */
#define ARCHK_ERR_ADDR_IN_USE	(-27) /* the address or port is taken */
#define ARCHK_ERR_UNREACHABLE	(-28) /* no route to the host or network */
#define ARCHK_ERR_CORRUPT	(-29) /* stored data failed its integrity check */

#define ARCHK_ERR_LAST ARCHK_ERR_CORRUPT

/* Names indexed by -code, for tables like archk_strerror's. */
#define ARCHK_ERROR_NAMES                                                                          \
	{                                                                                          \
		"OK", "BAD_SYSCALL", "HND_INVALID", "WRONG_TYPE", "ACCESS_DENIED", "INVALID_ARGS", \
		    "BAD_ADDRESS", "NO_MEMORY", "SHOULD_WAIT", "CANCELLED", "PEER_CLOSED",         \
		    "NOT_FOUND", "NOT_SUPPORTED", "BAD_ELF", "TOO_LONG", "BAD_STATE", "IO",        \
		    "TIMED_OUT", "BUSY", "NO_SPACE", "READ_ONLY", "EXISTS", "NOT_EMPTY", "IS_DIR", \
		    "NOT_DIR", "CONN_REFUSED", "CONN_RESET", "ADDR_IN_USE", "UNREACHABLE",         \
		    "CORRUPT",                                                                     \
	}

#endif
