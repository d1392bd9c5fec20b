/*
 * Stage 1 of the boot: the command line, the image, the boot-info structure.
 *
 * Everything that can be wrong with the input is found here, before any guest
 * runs: the image is validated completely (loader/image.c) and every failure
 * is one line on stderr with exit status 1 (2 for usage errors). Then the host
 * is prepared, kernel_main (stage 2) starts init, the sandbox closes and the
 * vCPUs run until init exits; its status becomes archk's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "../host/host.h"
#include "build_key.h"
#include "devices.h"
#include "image.h"
#include "elf_loader.h"

#define EXIT_BOOT_FAILED 1
#define EXIT_USAGE	 2

static const char usage_text[] =
    "Usage: archk [OPTIONS] IMAGE [-- PROGRAM [ARG...]]\n"
    "Boots the signed store IMAGE and runs its /bin/init, or runs PROGRAM from the\n"
    "image as a batch job (a bare NAME means /bin/NAME). archk exits with the status\n"
    "of init or PROGRAM.\n"
    "\n"
    "  --cpus N             virtual CPUs (default: the host's core count)\n"
    "  --isolation MODE     strict, process (default) or off; see docs/architecture.md\n"
    "  --trace              print every guest system call to stderr\n"
    "  --log-level LEVEL    error, warn (default), info or debug\n"
    "  --trust KEYFILE      also trust packages signed by this public key\n"
    "  --slice-us N         timeslice in microseconds (default 10000)\n"
    "  --huge-pages         back partitions with transparent huge pages (cheaper\n"
    "                       mprotect on hosts where huge pages are; not the default:\n"
    "                       on the PVM guests archk is tested on they cost 3-4x more)\n"
    "  --no-huge-pages      4 KiB pages (the default)\n"
    "  --strict-buffers     make the buffer of an I/O queue request inaccessible to\n"
    "                       the guest until its completion (finds misuse)\n"
    "  --no-sandbox         do not restrict archk's own system calls\n"
    "  --no-gate            give guests no call gate: every system call traps\n"
    "  --env NAME=VALUE     put NAME in init's environment (repeatable)\n"
    "  --env-file FILE      put the NAME=VALUE lines of FILE in init's environment\n"
    "  --disk FILE[,ro][,direct]\n"
    "                       attach FILE as a disk (disk0, disk1, ...; repeatable);\n"
    "                       direct: bypass the host's page cache (O_DIRECT)\n"
    "  --home FILE[,size=N[K|M|G]]\n"
    "                       the home: FILE as a disk for homefs, at /home (made\n"
    "                       sparse, 256M by default, if missing)\n"
    "  --share DIR[:NAME][,ro]\n"
    "                       share the host directory DIR as share:NAME (NAME: the\n"
    "                       last part of DIR by default; repeatable)\n"
    "  --net                attach the socket device (net): guests may connect to\n"
    "                       loopback addresses and listen nowhere, unless:\n"
    "  --net-listen ADDR:PORT[-PORT]\n"
    "                       let guests listen there (repeatable; implies --net)\n"
    "  --net-connect ADDR:PORT[-PORT]\n"
    "                       let guests connect there instead of loopback only\n"
    "                       (repeatable; ADDR may be *, [IPv6], ADDR/BITS)\n"
    "  --gdb [ADDR]:PORT[,proc=NAME|first]\n"
    "                       serve the GDB remote protocol for one guest process,\n"
    "                       stopped before its first instruction (loopback only;\n"
    "                       ADDR 127.0.0.1 by default, or localhost; PORT 0: any)\n"
    "  --gdb-any-address    allow --gdb on a non-loopback address\n"
    "  --debug-net-syscalls set sockets up with system calls, not io_uring (as on\n"
    "                       kernels before 6.11)\n"
    "  --debug-host-fault KIND\n"
    "                       fault on purpose in archk itself after boot (segv,\n"
    "                       syscall, or gate: in the first call through the call\n"
    "                       gate), to check its diagnostics\n"
    "  --help               show this help\n"
    "  --version            show the version\n"
    "\n"
    "Exit status: the program's exit code; 128+N if it died of signal N;\n"
    "1 if archk could not boot; 2 for usage errors; 70 for internal errors;\n"
    "130 after Ctrl-a x on a terminal.\n";

/* init's environment: NAME=VALUE strings, a later one replacing an earlier NAME. */
struct environment {
	uint32_t count;
	size_t bytes; /* of the strings with their NULs */
	const char *entries[ARCHK_SPAWN_ENVC_MAX];
};

struct options {
	const char *image;
	int argc; /* of the batch program, 0 for init */
	char **argv;
	struct environment env;
	char program_path[ARCHK_PATH_MAX + 1]; /* argv[0], or /bin/NAME for a bare NAME */
	struct image_trust trust;
	unsigned vcpus;
	int isolation;
	int log_level;
	unsigned slice_us;
	bool trace, huge_pages, sandbox, strict_buffers, gate;
	int host_fault;	 /* --debug-host-fault: 0 none, 1 segv, 2 syscall, 3 gate */
	const char *gdb; /* --gdb ADDR:PORT[,proc=NAME|first] */
	bool gdb_any_address;
	const char *debug_process;
};

static __attribute__((noreturn)) void usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "archk: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'archk --help'.\n");
	exit(EXIT_USAGE);
}

/* A decimal number within [min, max], or a usage error naming the option. */
static unsigned parse_number(const char *option, const char *text, unsigned min, unsigned max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno || end == text || *end || v < min || v > max || text[0] == '-') {
		char what[64];

		snprintf(what, sizeof(what), "%s needs a number from %u to %u, not '%%s'", option,
			 min, max);
		usage_error(what, text);
	}
	return (unsigned)v;
}

static int parse_choice(const char *option, const char *text, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(text, names[i]) == 0)
			return i;
	char what[64];
	snprintf(what, sizeof(what), "unknown %s '%%s'", option);
	usage_error(what, text);
}

/* Adds NAME=VALUE to env; false (with why set) if it is not NAME=VALUE or does not fit. */
static bool env_add(struct environment *env, const char *entry, const char **why)
{
	const char *eq = strchr(entry, '=');
	size_t name_len = eq ? (size_t)(eq - entry) : 0;

	*why = "not NAME=VALUE";
	if (name_len == 0)
		return false;
	for (uint32_t i = 0; i < env->count; i++) {
		if (strncmp(env->entries[i], entry, name_len + 1) == 0) {
			env->bytes -= strlen(env->entries[i]) + 1;
			env->entries[i] = env->entries[--env->count];
			break;
		}
	}
	*why = "the environment is full (1024 entries, 65536 bytes with the arguments)";
	if (env->count == ARCHK_SPAWN_ENVC_MAX ||
	    env->bytes + strlen(entry) + 1 > ARCHK_SPAWN_ARGS_MAX)
		return false;
	env->bytes += strlen(entry) + 1;
	env->entries[env->count++] = entry;
	return true;
}

/*
 * --env-file: every line NAME=VALUE, taken as it is (no quotes); empty lines
 * and lines starting with # are skipped. An unreadable file exits 1, a bad
 * line 2.
 */
static void env_read_file(struct environment *env, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	const char *why;

	if (!f) {
		fprintf(stderr, "archk: cannot read %s: %s\n", path, strerror(errno));
		exit(EXIT_BOOT_FAILED);
	}
	for (unsigned n = 1; (len = getline(&line, &cap, f)) >= 0; n++) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0 || line[0] == '#')
			continue;
		if (!env_add(env, strdup(line), &why)) {
			fprintf(stderr, "archk: %s:%u: %s\n", path, n, why);
			exit(EXIT_USAGE);
		}
	}
	free(line);
	fclose(f);
}

enum {
	OPT_CPUS = 256,
	OPT_ISOLATION,
	OPT_TRACE,
	OPT_LOG_LEVEL,
	OPT_TRUST,
	OPT_SLICE,
	OPT_NO_HUGE,
	OPT_HUGE,
	OPT_STRICT_BUFFERS,
	OPT_NO_SANDBOX,
	OPT_NO_GATE,
	OPT_ENV,
	OPT_ENV_FILE,
	OPT_HOST_FAULT,
	OPT_GDB,
	OPT_GDB_ANY,
	OPT_DISK,
	OPT_SHARE,
	OPT_HOME,
	OPT_NET,
	OPT_NET_LISTEN,
	OPT_NET_CONNECT,
	OPT_NET_SYSCALLS,
	OPT_HELP,
	OPT_VERSION
};

/* The long option named text ("--NAME" or "--NAME=VALUE"), or NULL if none is named so. */
static const struct option *long_option(const struct option *options, const char *text)
{
	size_t len = strcspn(text + 2, "=");

	for (const struct option *opt = options; opt->name; opt++)
		if (strlen(opt->name) == len && strncmp(opt->name, text + 2, len) == 0)
			return opt;
	return NULL;
}

/*
 * getopt_long takes any unambiguous abbreviation (--cpu for --cpus), which
 * would make a typo mean something: every "--NAME" before the end must be a
 * whole option name. The word after an option that takes a separate value is
 * that value, not an option.
 */
static void check_whole_names(int end, char **argv, const struct option *options)
{
	for (int i = 1; i < end; i++) {
		const struct option *opt;
		char what[160];

		if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0')
			continue;
		opt = long_option(options, argv[i]);
		if (opt) {
			i += opt->has_arg == required_argument && !strchr(argv[i], '=');
			continue;
		}
		for (opt = options; opt->name; opt++)
			if (strncmp(opt->name, argv[i] + 2, strcspn(argv[i] + 2, "=")) == 0)
				break;
		snprintf(what, sizeof(what), "unknown option '%%s'%s%s%s",
			 opt->name ? " (did you mean --" : "", opt->name ? opt->name : "",
			 opt->name ? "?)" : "");
		usage_error(what, argv[i]);
	}
}

static void parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"cpus", required_argument, NULL, OPT_CPUS},
	    {"isolation", required_argument, NULL, OPT_ISOLATION},
	    {"trace", no_argument, NULL, OPT_TRACE},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"trust", required_argument, NULL, OPT_TRUST},
	    {"slice-us", required_argument, NULL, OPT_SLICE},
	    {"huge-pages", no_argument, NULL, OPT_HUGE},
	    {"no-huge-pages", no_argument, NULL, OPT_NO_HUGE},
	    {"strict-buffers", no_argument, NULL, OPT_STRICT_BUFFERS},
	    {"no-sandbox", no_argument, NULL, OPT_NO_SANDBOX},
	    {"no-gate", no_argument, NULL, OPT_NO_GATE},
	    {"env", required_argument, NULL, OPT_ENV},
	    {"env-file", required_argument, NULL, OPT_ENV_FILE},
	    {"debug-host-fault", required_argument, NULL, OPT_HOST_FAULT},
	    {"gdb", required_argument, NULL, OPT_GDB},
	    {"gdb-any-address", no_argument, NULL, OPT_GDB_ANY},
	    {"disk", required_argument, NULL, OPT_DISK},
	    {"share", required_argument, NULL, OPT_SHARE},
	    {"home", required_argument, NULL, OPT_HOME},
	    {"net", no_argument, NULL, OPT_NET},
	    {"net-listen", required_argument, NULL, OPT_NET_LISTEN},
	    {"net-connect", required_argument, NULL, OPT_NET_CONNECT},
	    {"debug-net-syscalls", no_argument, NULL, OPT_NET_SYSCALLS},
	    {"help", no_argument, NULL, OPT_HELP},
	    {"version", no_argument, NULL, OPT_VERSION},
	    {0},
	};
	static const char *const isolations[] = {"off", "process", "strict"};
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	static const char *const host_faults[] = {"none", "segv", "syscall", "gate"};
	char err[256];
	const char *why;
	int c;

	int end = 1; /* options and the image come before "--", the program after */

	while (end < argc && strcmp(argv[end], "--") != 0)
		end++;
	if (end < argc) {
		o->argc = argc - end - 1;
		o->argv = argv + end + 1;
		if (o->argc == 0)
			usage_error("%s", "no program given after --");
		/* A bare NAME is /bin/NAME, as the shell runs it; argv[0] stays as typed. */
		snprintf(o->program_path, sizeof(o->program_path), "%s%s",
			 strchr(o->argv[0], '/') ? "" : "/bin/", o->argv[0]);
	}
	check_whole_names(end, argv, longopts);
	opterr = 0;
	while ((c = getopt_long(end, argv, ":", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CPUS:
			o->vcpus = parse_number("--cpus", optarg, 1, 64);
			break;
		case OPT_ISOLATION:
			o->isolation = parse_choice("isolation mode", optarg, isolations, 3);
			break;
		case OPT_TRACE:
			o->trace = true;
			break;
		case OPT_LOG_LEVEL:
			o->log_level = parse_choice("log level", optarg, levels, 4);
			break;
		case OPT_TRUST:
			if (image_trust_add_file(&o->trust, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "archk: %s\n", err);
				exit(EXIT_BOOT_FAILED);
			}
			break;
		case OPT_SLICE:
			o->slice_us = parse_number("--slice-us", optarg, 100, 10000000);
			break;
		case OPT_NO_HUGE:
		case OPT_HUGE:
			o->huge_pages = c == OPT_HUGE;
			break;
		case OPT_STRICT_BUFFERS:
			o->strict_buffers = true;
			break;
		case OPT_NO_SANDBOX:
			o->sandbox = false;
			break;
		case OPT_NO_GATE:
			o->gate = false;
			break;
		case OPT_ENV:
			if (!env_add(&o->env, optarg, &why)) {
				snprintf(err, sizeof(err), "--env '%%s': %s", why);
				usage_error(err, optarg);
			}
			break;
		case OPT_ENV_FILE:
			env_read_file(&o->env, optarg);
			break;
		case OPT_GDB:
			o->gdb = optarg;
			break;
		case OPT_GDB_ANY:
			o->gdb_any_address = true;
			break;
		case OPT_DISK:
		case OPT_SHARE:
		case OPT_HOME:
			if ((c == OPT_DISK    ? devices_add_disk
			     : c == OPT_SHARE ? devices_add_share
					      : devices_set_home)(optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "archk: %s\n", err);
				exit(EXIT_BOOT_FAILED);
			}
			break;
		case OPT_NET:
			host_opts.net = true;
			break;
		case OPT_NET_LISTEN:
		case OPT_NET_CONNECT:
			if (devices_net_rule(c == OPT_NET_LISTEN, optarg, err, sizeof(err)) < 0)
				usage_error("%s", err);
			break;
		case OPT_NET_SYSCALLS:
			host_opts.net_syscalls = true;
			break;
		case OPT_HOST_FAULT:
			o->host_fault = parse_choice("host fault kind", optarg, host_faults, 4);
			break;
		case OPT_HELP:
			fputs(usage_text, stdout);
			exit(0);
		case OPT_VERSION:
			printf("archk %s\n", ARCHK_VERSION);
			exit(0);
		case ':':
			usage_error("option '%s' needs a value", argv[optind - 1]);
		default:
			usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= end)
		usage_error("%s", "no image given");
	o->image = argv[optind++];
	if (optind < end)
		usage_error("unexpected argument '%s' (put the program after --)", argv[optind]);
}

/* Copies the validated store into the boot-info file list. */
static struct archk_boot_file *boot_files(const struct image *img)
{
	struct archk_boot_file *files = calloc(img->file_count + 1, sizeof(*files));

	for (uint32_t i = 0; files && i < img->file_count; i++) {
		files[i].path = img->files[i].path;
		files[i].path_len = img->files[i].path_len;
		files[i].mode = img->files[i].mode;
		files[i].data = img->files[i].data;
		files[i].size = img->files[i].size;
	}
	return files;
}

static void build_bootinfo(const struct options *o, const struct image *img,
			   struct archk_bootinfo *boot)
{
	static const char *const init_argv[] = {"/bin/init"};

	memset(boot, 0, sizeof(*boot));
	boot->magic = ARCHK_BOOTINFO_MAGIC;
	boot->version = ARCHK_BOOTINFO_VERSION;
	boot->vcpu_count = o->vcpus;
	boot->arena_base = ARENA_BASE;
	boot->arena_size = ARENA_SIZE;
	boot->partition_size = PARTITION_SIZE;
	boot->files = boot_files(img);
	boot->file_count = img->file_count;
	devices_fill(boot);
	boot->isolation = (uint32_t)o->isolation;
	boot->trace = o->trace;
	boot->strict_buffers = o->strict_buffers;
	boot->log_level = o->log_level;
	boot->slice_us = o->slice_us;
	boot->batch = o->argc > 0;
	boot->init_argc = o->argc > 0 ? (uint32_t)o->argc : 1;
	boot->init_argv = o->argc > 0 ? (const char *const *)o->argv : init_argv;
	boot->init_envc = o->env.count;
	boot->init_envp = o->env.entries;
	boot->init_path = o->argc > 0 ? o->program_path : init_argv[0];
	boot->debug_process = o->debug_process;
	boot->gate = o->gate ? gate_address() : 0;
}

/* Prepares signals, memory and rings, then the kernel; 0 when init is ready. */
static int boot_host(const struct options *o, struct archk_bootinfo *boot)
{
	if (memory_init() < 0)
		return -1;
	if (trap_init() < 0) {
		fprintf(stderr, "archk: cannot install signal handlers: %s\n", strerror(errno));
		return -1;
	}
	int err = vcpu_prepare(o->vcpus);
	if (err >= 0)
		err = timer_prepare();
	if (err >= 0 && !(boot->time_page = timepage_prepare()))
		err = -ENOMEM;
	if (err < 0) {
		fprintf(stderr, "archk: cannot create io_uring rings: %s\n", strerror(-err));
		return -1;
	}
	sandbox_prepare();
	return kernel_main(boot) < 0 ? -1 : 0;
}

/* Closes the doors before any guest runs: the guest trap, then the allow-list. */
static int seal(const struct options *o)
{
	if (trap_install_filter() < 0) {
		fprintf(stderr, "archk: cannot install the seccomp trap: %s\n", strerror(errno));
		return -1;
	}
	if (o->sandbox) {
		int err = sandbox_install(o->gdb != NULL);
		if (err < 0) {
			fprintf(stderr, "archk: cannot install the sandbox: %s\n", strerror(-err));
			return -1;
		}
	}
	return 0;
}

/* --debug-host-fault: proves that a bug in archk is reported, not hidden. */
static void fault_on_purpose(int kind)
{
	int *volatile bad = (int *)16;

	if (kind == 1)
		*bad = 0;
	else
		syscall(SYS_getppid); /* not on the sandbox's allow-list */
}

/*
 * Which process --gdb debugs without proc=: a batch job's program (init
 * starts it, under the last part of its path, after the drivers of the
 * image's /etc/init.conf), else the first process, init.
 */
static const char *default_debug_process(const struct options *o)
{
	if (o->argc == 0)
		return "first";
	const char *slash = strrchr(o->argv[0], '/');
	return slash ? slash + 1 : o->argv[0];
}

int main(int argc, char **argv)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct options o = {
	    .vcpus = cores > 0 && cores <= 64 ? (unsigned)cores : 1,
	    .isolation = ARCHK_ISOLATION_PROCESS,
	    .log_level = LOG_WARN,
	    .slice_us = 10000,
	    .huge_pages = false, /* see --huge-pages: dearer switches on the hosts we run on */
	    .sandbox = true,
	    .gate = true,
	};
	struct archk_bootinfo boot;
	struct image img;
	char err[512];

	memcpy(o.trust.keys[o.trust.count++], archk_build_public_key, IMAGE_KEY_BYTES);
	parse_options(argc, argv, &o);
	int rc = image_open(o.image, &o.trust, &img, err, sizeof(err));
	if (rc < 0) {
		/* One line that says what to do about a signer archk does not know. */
		fprintf(stderr, "archk: %s%s%s%s\n", err,
			rc == IMAGE_UNTRUSTED
			    ? "; to boot it anyway, pass --trust KEYFILE with the "
			      "signer's public key (archk trusts its build key, "
			    : "",
			rc == IMAGE_UNTRUSTED ? ARCHK_BUILD_KEY : "",
			rc == IMAGE_UNTRUSTED ? ", and the keys given with --trust)" : "");
		return EXIT_BOOT_FAILED;
	}
	elf_loader_use_image(img.base, img.size, img.fd);

	host_opts.huge_pages = o.huge_pages;
	host_opts.share_ops = devices_share_count() > 0;
	host_opts.gate_fault = o.host_fault == 3;
	if (o.gdb && (rc = gdbserver_setup(o.gdb, o.gdb_any_address, &o.debug_process)) < 0)
		return rc == GDBSERVER_BAD_SPEC ? EXIT_USAGE : EXIT_BOOT_FAILED;
	if (o.gdb && !o.debug_process)
		o.debug_process = default_debug_process(&o);
	terminal_setup(); /* before any thread; undone on every way out */
	build_bootinfo(&o, &img, &boot);
	if (!boot.files || boot_host(&o, &boot) < 0 || seal(&o) < 0)
		return EXIT_BOOT_FAILED;
	if (o.host_fault && !host_opts.gate_fault)
		fault_on_purpose(o.host_fault);
	if (gdbserver_start() < 0 || timer_start() < 0)
		return EXIT_BOOT_FAILED;
	int status = vcpu_run_all();
	gdbserver_finish();
	return status;
}
