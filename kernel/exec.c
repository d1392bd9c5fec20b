/*
 * Spawning a process from a store file: a fresh partition, the ELF image
 * loaded by the loader (code mapped from the image file, data copied), the
 * initial stack (argv, environment, auxiliary vector, named handles), one thread at the
 * entry point, queued on the spawning vCPU.
 *
 * Partition layout (offsets from its base; docs/architecture.md has a picture):
 *   [0, 2 MiB)                   guard: never accessible
 *   [2 MiB, image end)           the executable's segments, code first
 *   [image end, size - 26 MiB)   heap, handed to the runtime's malloc
 *   [size - 26 MiB, size - 10 MiB) mapping window: vmo_map and mem_map_anon
 *                                place mappings here; inaccessible elsewhere
 *   [size - 10 MiB, size - 8 MiB) guard: catches stack overflow
 *   [size - 8 MiB, size)         stack, growing down from the top
 * Everything private (data, heap, mappings, stack) lies above the code, so
 * closing a partition is one mprotect. Guests are linked with 2 MiB segment
 * alignment and regions are widened to 2 MiB, so mprotect never splits a
 * huge page (mappings are page-granular and are not widened).
 */
#include <stdio.h>
#include <string.h>
#include <archk/startup.h>
#include "debug.h"
#include "exec.h"
#include "scheduler.h"
#include "vm.h"

#define HUGE_PAGE    (2UL << 20)
#define IMAGE_OFFSET HUGE_PAGE
#define STACK_BYTES  (8UL << 20)
#define STACK_GUARD  HUGE_PAGE
#define MIN_HEAP     (1UL << 20)
#define MAP_WINDOW   ARCHK_MAP_BYTES_MAX /* 2 MiB-aligned at both ends */

/* Linux auxiliary vector types that static-pie startup code expects. */
#define AT_NULL	  0
#define AT_IGNORE 1
#define AT_PHDR	  3
#define AT_PHENT  4
#define AT_PHNUM  5
#define AT_PAGESZ 6
#define AT_BASE	  7
#define AT_ENTRY  9
#define AT_RANDOM 25

/* Grows the initial stack downwards inside the partition. */
struct stack_builder {
	uintptr_t sp;
	uintptr_t limit;
};

/* Reserves len bytes aligned to align and returns their guest address. */
static uintptr_t stack_push(struct stack_builder *s, const void *data, size_t len, size_t align)
{
	s->sp = ALIGN_DOWN(s->sp - len, align);
	KASSERT(s->sp >= s->limit);
	if (data)
		memcpy((void *)s->sp, data, len);
	return s->sp;
}

/* The last path component: the default process name. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Bytes of the argument and environment strings, to refuse huge ones early. */
static size_t strings_bytes(const struct spawn_request *req)
{
	size_t total = 0;

	for (uint32_t i = 0; i < req->argc; i++)
		total += strlen(req->argv[i]) + 1;
	for (uint32_t i = 0; i < req->envc; i++)
		total += strlen(req->envp[i]) + 1;
	return total;
}

/* Pushes count strings, the last highest, and records their guest addresses. */
static void push_strings(struct stack_builder *s, const char *const *strings, uint32_t count,
			 uintptr_t *addr)
{
	for (uint32_t i = count; i-- > 0;)
		addr[i] = stack_push(s, strings[i], strlen(strings[i]) + 1, 1);
}

/* Writes argc, argv, envp and auxv as the Linux x86-64 ABI lays them out. */
static void build_stack(struct process *p, const struct load_result *res,
			const struct spawn_request *req, const struct archk_named_handle *handles,
			uint32_t handle_count, struct guest_context *ctx)
{
	/* Big; safe because the kernel lock is held. */
	static uintptr_t argv_addr[ARCHK_SPAWN_ARGC_MAX], envp_addr[ARCHK_SPAWN_ENVC_MAX];
	struct stack_builder s = {p->base + p->size, p->base + p->size - STACK_BYTES};
	struct archk_startup startup = {0};
	uint8_t random[16];
	uint64_t *word;

	push_strings(&s, req->envp, req->envc, envp_addr);
	push_strings(&s, req->argv, req->argc, argv_addr);
	startup.name = (const char *)stack_push(&s, p->name, strlen(p->name) + 1, 1);
	hook_random(random, sizeof(random));
	uintptr_t random_addr = stack_push(&s, random, sizeof(random), 16);

	startup.version = ARCHK_STARTUP_VERSION;
	startup.handle_count = handle_count;
	startup.handles = (const struct archk_named_handle *)stack_push(
	    &s, handles, sizeof(*handles) * handle_count, 16);
	startup.heap_base = (void *)p->heap_base;
	startup.heap_size = p->heap_size;
	startup.image_base = (void *)res->bias;
	startup.stack_limit = (void *)(p->base + p->size - STACK_BYTES);
	startup.koid = p->obj.koid;
	startup.time_page = (const struct archk_time_page *)kconfig.boot->time_page;
	uintptr_t startup_addr = stack_push(&s, &startup, sizeof(startup), 16);

	/* Without a call gate (--no-gate) its entry is AT_IGNORE. */
	const uint64_t auxv[] = {AT_PHDR,
				 res->phdr,
				 AT_PHNUM,
				 res->phnum,
				 AT_PHENT,
				 56,
				 AT_PAGESZ,
				 PAGE_SIZE,
				 AT_BASE,
				 res->bias,
				 AT_ENTRY,
				 res->entry,
				 AT_RANDOM,
				 random_addr,
				 ARCHK_AT_STARTUP,
				 startup_addr,
				 kconfig.boot->gate ? ARCHK_AT_GATE : AT_IGNORE,
				 kconfig.boot->gate,
				 AT_NULL,
				 0};
	size_t words = 1 + req->argc + 1 + req->envc + 1 + ARRAY_SIZE(auxv);

	/* The ABI wants rsp 16-byte aligned at argc. */
	s.sp = ALIGN_DOWN(s.sp - words * 8, 16);
	KASSERT(s.sp >= s.limit);
	word = (uint64_t *)s.sp;
	*word++ = req->argc;
	for (uint32_t i = 0; i < req->argc; i++)
		*word++ = argv_addr[i];
	*word++ = 0; /* end of argv */
	for (uint32_t i = 0; i < req->envc; i++)
		*word++ = envp_addr[i];
	*word++ = 0; /* end of envp */
	memcpy(word, auxv, sizeof(auxv));

	ctx->rsp = s.sp;
	ctx->rip = res->entry;
	ctx->rflags = RFLAGS_INITIAL;
	ctx->full_restore = 1;
}

/*
 * Widens each region to 2 MiB boundaries over the unused gaps beside it, so
 * that opening and closing the partition never splits a transparent huge
 * page (the gaps hold nothing; only zeros become readable).
 */
static void align_regions(struct process *p)
{
	for (unsigned i = 0; i < p->region_count; i++) {
		struct load_region *r = &p->regions[i];
		uintptr_t low = i ? p->regions[i - 1].start + p->regions[i - 1].len : p->base;
		uintptr_t high =
		    i + 1 < p->region_count ? p->regions[i + 1].start : p->base + p->size;
		uintptr_t start = ALIGN_DOWN(r->start, HUGE_PAGE);
		uintptr_t end = ALIGN_UP(r->start + r->len, HUGE_PAGE);

		if (start < low)
			start = r->start;
		if (end > high)
			end = r->start + r->len;
		r->len = end - start;
		r->start = start;
	}
}

/*
 * The partition's regions in address order: the loaded segments, the heap
 * after them, the stack at the top; the mapping window between heap and
 * stack guard starts empty. private_start is where the first writable
 * region begins: what lies below (code) never changes protection.
 */
static void set_regions(struct process *p, const struct load_result *res)
{
	struct load_region *r = p->regions;
	uintptr_t stack = p->base + p->size - STACK_BYTES;
	uintptr_t window = stack - STACK_GUARD - MAP_WINDOW;
	unsigned n = 0;

	for (unsigned i = 0; i < res->region_count; i++)
		r[n++] = res->regions[i];
	p->heap_base = res->image_end;
	p->heap_size = window - res->image_end;
	map_area_init(&p->maps, window, MAP_WINDOW);
	/* Merge the heap into a read-write segment that ends where it starts. */
	if (r[n - 1].prot == (HOOK_PROT_READ | HOOK_PROT_WRITE) &&
	    r[n - 1].start + r[n - 1].len == p->heap_base)
		r[n - 1].len += p->heap_size;
	else
		r[n++] = (struct load_region){p->heap_base, p->heap_size,
					      HOOK_PROT_READ | HOOK_PROT_WRITE};
	r[n++] = (struct load_region){stack, STACK_BYTES, HOOK_PROT_READ | HOOK_PROT_WRITE};
	p->region_count = n;
	align_regions(p);
	p->private_start = p->base + p->size;
	for (unsigned i = n; i-- > 0 && (r[i].prot & HOOK_PROT_WRITE);)
		p->private_start = r[i].start;
}

/* Installs the named handles in the child and lists them for its startup block. */
static long install_handles(struct process *p, const struct spawn_request *req,
			    struct archk_named_handle *out)
{
	for (uint32_t i = 0; i < req->handle_count; i++) {
		long value =
		    handle_install(&p->handles, req->handles[i].obj, req->handles[i].rights);

		if (value < 0)
			return value;
		memset(&out[i], 0, sizeof(out[i]));
		memcpy(out[i].name, req->handles[i].name, sizeof(out[i].name));
		out[i].handle = (archk_handle_t)value;
	}
	return 0;
}

/* Undoes a spawn that failed half-way: the process never ran. */
static long spawn_fail(struct process *p, long err)
{
	struct archk_exit_status status = {.reason = ARCHK_EXIT_KILLED};

	process_exit(p, &status);
	return err;
}

long exec_spawn(const struct spawn_request *req, struct process **out)
{
	struct archk_named_handle named[ARCHK_SPAWN_HANDLES_MAX];
	struct load_result res;
	struct process *p;
	struct thread *t;
	char why[160];
	long err;

	if (req->argc == 0 || req->argc > ARCHK_SPAWN_ARGC_MAX ||
	    req->envc > ARCHK_SPAWN_ENVC_MAX || req->handle_count > ARCHK_SPAWN_HANDLES_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if (strings_bytes(req) > ARCHK_SPAWN_ARGS_MAX)
		return ARCHK_ERR_TOO_LONG;
	p = process_create(req->name ? req->name : base_name(req->argv[0]));
	if (!p)
		return ARCHK_ERR_NO_MEMORY;
	p->start_ns = hook_clock(ARCHK_CLOCK_MONOTONIC);
	snprintf(p->image_path, sizeof(p->image_path), "%.*s", (int)req->exe->path_len,
		 req->exe->path);
	if ((err = vm_partition_alloc(p)) < 0)
		return spawn_fail(p, err);
	if (hook_load_elf(req->exe->data, req->exe->size, p->base + IMAGE_OFFSET,
			  p->size - IMAGE_OFFSET - MIN_HEAP - MAP_WINDOW - STACK_GUARD -
			      STACK_BYTES,
			  &res, why, sizeof(why)) < 0) {
		klog(LOG_ERROR, "cannot run %s: %s", p->image_path, why);
		return spawn_fail(p, ARCHK_ERR_BAD_ELF);
	}
	set_regions(p, &res);
	p->image = req->exe;
	p->bias = res.bias;
	p->image_end = res.image_end;
	if ((err = install_handles(p, req, named)) < 0)
		return spawn_fail(p, err);
	t = thread_create(p);
	if (!t)
		return spawn_fail(p, ARCHK_ERR_NO_MEMORY);
	build_stack(p, &res, req, named, req->handle_count, t->ctx);
	/* Everything was writable while loading; now the final protections. */
	vm_protect_new(p);
	hook_image_loaded(p->image_path, p->bias, p->obj.koid, req->exe->data, req->exe->size);
	debug_process_created(p);
	sched_start_spawned(t);
	*out = p;
	return 0;
}
