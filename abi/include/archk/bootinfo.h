/*
 * The boot-info structure stage 1 (loader/) hands to stage 2 (kernel_main).
 * It describes everything the kernel may use: the guest arena, the store,
 * the devices and the configuration from the command line. It holds no
 * pointers to host objects, only memory the kernel may read.
 */
#ifndef ARCHK_BOOTINFO_H
#define ARCHK_BOOTINFO_H

#include <archk/types.h>

#define ARCHK_BOOTINFO_MAGIC   0x4f4f424b48435241ULL /* "ARCHKBOO" */
#define ARCHK_BOOTINFO_VERSION 4

/* One file of the validated store. */
struct archk_boot_file {
	const char *path; /* relative, not NUL-terminated */
	uint32_t path_len;
	uint32_t mode;	     /* ARCHK_MODE_* */
	const uint8_t *data; /* page-aligned, read-only */
	uint64_t size;
};

enum archk_isolation {
	ARCHK_ISOLATION_OFF = 0,     /* partitions always accessible */
	ARCHK_ISOLATION_PROCESS = 1, /* accessible only while the process runs */
	ARCHK_ISOLATION_STRICT = 2,  /* at most one process accessible at any time */
};

enum archk_device_kind {
	ARCHK_DEVICE_CONSOLE = 1, /* the terminal: host_fd input, output, error */
	ARCHK_DEVICE_ENTROPY = 2, /* host_fd[0]: a source of random bytes */
	ARCHK_DEVICE_CLOCK = 3,	  /* the host's clocks */
	ARCHK_DEVICE_BLOCK = 4,	  /* host_fd[0]: the disk's image file of size bytes */
	ARCHK_DEVICE_SHARE = 5,	  /* host_fd[0]: the shared host directory (O_PATH) */
	ARCHK_DEVICE_SOCKET = 6,  /* host sockets (--net), under the host's policy */
};

#define ARCHK_BOOT_DEVICE_RO 1u /* flags: the device refuses writes */
/* flags of the console: host_fd[n] is a terminal (ARCHK_BOOT_DEVICE_TERMINAL << n). */
#define ARCHK_BOOT_DEVICE_TERMINAL 2u

struct archk_boot_device {
	uint32_t kind;	    /* enum archk_device_kind */
	uint32_t flags;	    /* ARCHK_BOOT_DEVICE_* */
	char name[16];	    /* its name on the bus, NUL-terminated */
	int64_t host_fd[3]; /* opened by stage 1 (unused ones are -1) */
	uint64_t size;	    /* block: bytes */
};

#define ARCHK_BOOT_DEVICES_MAX 16

struct archk_bootinfo {
	uint64_t magic;
	uint32_t version;
	uint32_t vcpu_count;

	/* The guest arena: partition_size-byte slots; slot 0 is reserved for archk. */
	uint64_t arena_base;
	uint64_t arena_size;
	uint64_t partition_size;

	/* The store, sorted by path (memcmp order, shorter first on a tie). */
	const struct archk_boot_file *files;
	uint32_t file_count;
	uint32_t device_count;
	struct archk_boot_device devices[ARCHK_BOOT_DEVICES_MAX];

	uint32_t isolation;	 /* enum archk_isolation */
	uint32_t trace;		 /* print each guest system call */
	int32_t log_level;	 /* 0 error .. 3 debug */
	uint32_t slice_us;	 /* the timeslice */
	uint32_t strict_buffers; /* buffers of requests in flight are made inaccessible */

	/*
	 * What to run: argv of init, or of the batch program after "--" (the
	 * kernel then starts /bin/init -- argv..., and init runs the program).
	 */
	uint32_t init_argc;
	uint32_t batch; /* 1: init_argv came from the command line */
	const char *const *init_argv;
	const char *init_path; /* argv's store path: argv[0], or /bin/NAME for a bare NAME */
	/* init's environment: init_envc strings "NAME=VALUE" (--env, --env-file). */
	uint32_t init_envc;
	const char *const *init_envp;

	/* Process to debug (--gdb): a name, "first", or NULL for none. */
	const char *debug_process;

	/* The time page's guest address (read-only for guests; archk updates it). */
	uint64_t time_page;

	/* The call gate's address (ARCHK_AT_GATE); 0 with --no-gate. */
	uint64_t gate;
};

#endif
