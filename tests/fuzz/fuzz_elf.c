/*
 * libFuzzer harness for the ELF loader (loader/elf_loader.c). Every input is
 * validated; an accepted one is loaded into a heap buffer exactly the size of
 * the partition, so AddressSanitizer catches any write outside it, and the
 * load result is checked against the partition's bounds. hook_symbolize reads
 * the same hostile files (for crash reports), so it is fuzzed too.
 */
#include <stdlib.h>
#include <string.h>

#include "../../loader/elf_loader.h"

/* Small enough to allocate per input, large enough for real guest programs. */
#define PARTITION (1UL << 20)

/* True if [start, start+len) lies inside the partition at base. */
static int inside(uintptr_t base, uintptr_t start, size_t len)
{
	return start >= base && len <= PARTITION && start - base <= PARTITION - len;
}

/* Aborts (a finding) if an accepted load describes memory outside the partition. */
static void check_result(uintptr_t base, const struct load_result *r)
{
	int entry_ok = 0;

	if (r->bias != base || r->region_count > LOAD_REGIONS_MAX ||
	    !inside(base, base, r->image_end - base))
		abort();
	for (unsigned i = 0; i < r->region_count; i++) {
		const struct load_region *g = &r->regions[i];

		if (!inside(base, g->start, g->len))
			abort();
		if ((g->prot & HOOK_PROT_EXEC) && r->entry >= g->start &&
		    r->entry - g->start < g->len)
			entry_ok = 1;
	}
	if (!entry_ok)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256], name[64];
	struct load_result r;
	uint8_t *partition;

	hook_symbolize(data, size, size / 2, name, sizeof name);
	if (elf_validate(data, size, PARTITION, err, sizeof err) < 0)
		return 0;
	partition = malloc(PARTITION);
	if (!partition)
		return 0;
	if (hook_load_elf(data, size, (uintptr_t)partition, PARTITION, &r, err, sizeof err) == 0)
		check_result((uintptr_t)partition, &r);
	free(partition);
	return 0;
}
