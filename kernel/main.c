/*
 * Stage 2 of the boot: bring up the kernel's tables from the boot-info
 * structure and start init (or the batch program named after "--"), which
 * receives the full set of named handles from the kernel.
 */
#include <string.h>
#include "debug.h"
#include "device.h"
#include "console.h"
#include "ioq.h"
#include "pipe.h"
#include "store.h"
#include "table.h"
#include "syscall.h"
#include "vmo.h"

/* The store file at path if it is an executable; otherwise NULL after one line saying why. */
static const struct archk_boot_file *executable(const char *path)
{
	const char *rel = path;
	const struct archk_boot_file *f;

	while (*rel == '/')
		rel++;
	if (!(f = store_find(rel, strlen(rel))))
		klog(LOG_ERROR, "%s: not found in the image", path);
	else if (!(f->mode & ARCHK_MODE_EXEC))
		klog(LOG_ERROR, "%s: not executable", path);
	return f && (f->mode & ARCHK_MODE_EXEC) ? f : NULL;
}

/*
 * init's arguments: the command line's, or in batch mode "/bin/init --"
 * and then the batch program's (init runs it after the drivers start).
 * An image without /bin/init (an SDK user's own) runs the batch program
 * itself as the first process.
 */
static uint32_t init_arguments(const struct archk_bootinfo *boot, bool through_init,
			       const char **argv)
{
	static const char *const prefix[] = {"/bin/init", "--"};
	uint32_t n = 0;

	if (through_init) {
		argv[n++] = prefix[0];
		argv[n++] = prefix[1];
	}
	for (uint32_t i = 0; i < boot->init_argc && n < ARCHK_SPAWN_ARGC_MAX; i++)
		argv[n++] = boot->init_argv[i];
	return n;
}

/* Starts the first process with in, out, err, root and process handles. */
static int start_init(const struct archk_bootinfo *boot)
{
	static const char *argv[ARCHK_SPAWN_ARGC_MAX];
	bool through_init = boot->batch && store_find("bin/init", strlen("bin/init"));
	uint32_t argc = init_arguments(boot, through_init, argv);
	const char *path = through_init ? argv[0] : boot->init_path;
	struct spawn_handle handles[] = {
	    {"in", console_object(0),
	     ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_ENUMERATE},
	    {"out", console_object(1), ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY},
	    {"err", console_object(2), ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY},
	    {"root", store_root(),
	     ARCHK_RIGHT_READ | ARCHK_RIGHT_EXECUTE | ARCHK_RIGHT_ENUMERATE |
		 ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_MAP},
	    {"process", spawner_object(),
	     ARCHK_RIGHT_MANAGE | ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHTS_PROCESS},
	    {"resource", resource_object(), ARCHK_RIGHT_MANAGE},
	    {"devices", device_bus(), ARCHK_RIGHTS_BUS},
	};
	struct spawn_request req = {
	    .argc = argc,
	    .argv = argv,
	    .envc = boot->init_envc,
	    .envp = boot->init_envp,
	    .handle_count = ARRAY_SIZE(handles),
	    .handles = handles,
	};
	struct process *init;
	long err;

	for (size_t i = 0; i < ARRAY_SIZE(handles); i++)
		handles[i].rights |= ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER;
	/* A batch program that cannot be run is found out before anything runs. */
	if (boot->batch && !executable(boot->init_path))
		return ARCHK_ERR_NOT_FOUND;
	if (!(req.exe = executable(path)))
		return ARCHK_ERR_NOT_FOUND;
	if ((err = exec_spawn(&req, &init)) < 0) {
		if (err != ARCHK_ERR_BAD_ELF)
			klog(LOG_ERROR, "cannot start %s: %ld", path, err);
		return (int)err;
	}
	init->is_init = true;
	return 0;
}

/*
 * Boot stage 2, on the boot thread before any vCPU runs. It takes the
 * kernel lock like every other entry into the kernel, so that the code it
 * shares with the vCPUs (spawning init) finds it held.
 */
int kernel_main(const struct archk_bootinfo *boot)
{
	int err;

	if (boot->magic != ARCHK_BOOTINFO_MAGIC || boot->version != ARCHK_BOOTINFO_VERSION)
		kpanic("boot info has a wrong magic or version");
	kconfig.boot = boot;
	kconfig.isolation = (int)boot->isolation;
	kconfig.log_level = boot->log_level;
	kconfig.trace = boot->trace;
	kconfig.strict_buffers = boot->strict_buffers;
	kconfig.slice_ns = (int64_t)(boot->slice_us ? boot->slice_us : 10000) * 1000;
	if (boot->debug_process)
		debug_init(boot->debug_process);
	syscall_check_table();

	if ((err = vm_init(boot)) < 0 || (err = proc_init()) < 0 ||
	    (err = console_init(boot)) < 0 || (err = store_init(boot)) < 0 ||
	    (err = spawner_init()) < 0 || (err = futex_init()) < 0 || (err = vmo_init()) < 0 ||
	    (err = vmo_io_init()) < 0 || (err = resource_init()) < 0 || (err = waiter_init()) < 0 ||
	    (err = event_init()) < 0 || (err = channel_init()) < 0 || (err = port_init()) < 0 ||
	    (err = io_init()) < 0 || (err = ioq_init()) < 0 || (err = table_init()) < 0 ||
	    (err = pipe_init()) < 0) {
		klog(LOG_ERROR, "kernel initialisation failed: %d", err);
		return err;
	}
	hook_lock();
	if ((err = device_init(boot)) == 0)
		err = start_init(boot);
	hook_unlock();
	return err;
}
