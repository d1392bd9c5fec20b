/*
 * Unit tests for the ELF loader (loader/elf_loader.c). The good input is a
 * real guest program built by the project (ELF_GUEST_PATH); every malformed
 * input is that program copied into memory with one header field patched, so
 * no binary test files are kept in the repository. Host executables (a
 * dynamically linked one and glibc static ones) must be refused too.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <elf.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elf_loader.h"

/* The partition size the kernel gives a process. */
#define PARTITION (64UL << 20)
#define PAGE	  4096UL

/* The file under test (a private copy, free to patch) and the partition. */
static uint8_t *file;
static size_t file_size;
static uint8_t *partition;
static char err[256];

/* Reads a whole file into malloc'ed memory. */
static uint8_t *read_whole(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	cr_assert_gt(len, 0, "%s is empty", path);
	rewind(f);
	buf = malloc((size_t)len);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*size = (size_t)len;
	return buf;
}

/* Replaces the file under test with the contents of path. */
static void use_file(const char *path)
{
	free(file);
	file = read_whole(path, &file_size);
}

static void setup(void)
{
	use_file(ELF_GUEST_PATH);
	partition = mmap(NULL, PARTITION, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	cr_assert_neq(partition, MAP_FAILED);
	elf_version(EV_CURRENT);
}

static void teardown(void)
{
	free(file);
	file = NULL;
	munmap(partition, PARTITION);
}

TestSuite(elf, .init = setup, .fini = teardown);

static Elf64_Ehdr *ehdr(void)
{
	return (Elf64_Ehdr *)file;
}

static Elf64_Phdr *phdr(unsigned i)
{
	cr_assert_lt(i, ehdr()->e_phnum);
	return (Elf64_Phdr *)(file + ehdr()->e_phoff) + i;
}

/* The nth (0-based) program header of the given type; the test fails without one. */
static Elf64_Phdr *phdr_of_type(uint32_t type, unsigned nth)
{
	for (unsigned i = 0; i < ehdr()->e_phnum; i++)
		if (phdr(i)->p_type == type && nth-- == 0)
			return phdr(i);
	cr_assert_fail("the guest binary has no program header of type %u", type);
	return NULL;
}

/* The file offset of a virtual address inside a PT_LOAD's file part. */
static size_t offset_of_vaddr(uint64_t vaddr)
{
	for (unsigned i = 0; i < ehdr()->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(i);

		if (ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr &&
		    vaddr - ph->p_vaddr < ph->p_filesz)
			return ph->p_offset + (vaddr - ph->p_vaddr);
	}
	cr_assert_fail("address %#lx is not in the file", (unsigned long)vaddr);
	return 0;
}

/* The value of a dynamic tag of the guest binary. */
static uint64_t dynamic_value(int64_t tag)
{
	const Elf64_Phdr *dyn = phdr_of_type(PT_DYNAMIC, 0);
	const Elf64_Dyn *d = (const Elf64_Dyn *)(file + dyn->p_offset);

	for (; d->d_tag != DT_NULL; d++)
		if (d->d_tag == tag)
			return d->d_un.d_val;
	cr_assert_fail("no dynamic tag %ld", (long)tag);
	return 0;
}

/* The guest's relocation table (in the file) and its entry count. */
static Elf64_Rela *relocations(size_t *count)
{
	*count = dynamic_value(DT_RELASZ) / sizeof(Elf64_Rela);
	cr_assert_gt(*count, 0, "the guest binary has no relocations to test with");
	return (Elf64_Rela *)(file + offset_of_vaddr(dynamic_value(DT_RELA)));
}

/* Loads the file under test into the partition, which must succeed. */
static struct load_result load_good(void)
{
	struct load_result r;
	int rc =
	    hook_load_elf(file, file_size, (uintptr_t)partition, PARTITION, &r, err, sizeof err);

	cr_assert_eq(rc, 0, "load failed: %s", err);
	return r;
}

/* Asserts that loading the file under test (its first size bytes) into a
 * partition of max_len bytes fails with an error containing fragment. */
static void expect_load_rejects(size_t size, size_t max_len, const char *fragment)
{
	struct load_result r;

	err[0] = 0;
	cr_assert_eq(hook_load_elf(file, size, (uintptr_t)partition, max_len, &r, err, sizeof err),
		     -1, "hook_load_elf accepted it (wanted \"%s\")", fragment);
	cr_assert_not_null(strstr(err, fragment), "load error \"%s\" lacks \"%s\"", err, fragment);
}

/* Asserts that validation and loading both reject, with fragment in the reason. */
static void expect_rejects_sized(size_t size, size_t max_len, const char *fragment)
{
	err[0] = 0;
	cr_assert_eq(elf_validate(file, size, max_len, err, sizeof err), -1,
		     "elf_validate accepted it (wanted \"%s\")", fragment);
	cr_assert_not_null(strstr(err, fragment), "error \"%s\" lacks \"%s\"", err, fragment);
	expect_load_rejects(size, max_len, fragment);
}

static void expect_rejects(const char *fragment)
{
	expect_rejects_sized(file_size, PARTITION, fragment);
}

/* ---- the good binary ---- */

/* The guest binary validates, and loading it yields a result whose regions,
 * entry point, bias and end all lie inside the partition. */
Test(elf, guest_loads_inside_partition)
{
	struct load_result r;
	uintptr_t base = (uintptr_t)partition;
	int entry_regions = 0;

	cr_assert_eq(elf_validate(file, file_size, PARTITION, err, sizeof err), 0, "%s", err);
	r = load_good();
	cr_assert_eq(r.bias, base);
	cr_assert_gt(r.region_count, 0);
	cr_assert_leq(r.region_count, LOAD_REGIONS_MAX);
	for (unsigned i = 0; i < r.region_count; i++) {
		const struct load_region *g = &r.regions[i];

		cr_assert_eq(g->start % PAGE, 0, "region %u start not page-aligned", i);
		cr_assert_eq(g->len % PAGE, 0, "region %u length not page-aligned", i);
		cr_assert(g->start >= base && g->len <= PARTITION &&
			      g->start - base <= PARTITION - g->len,
			  "region %u outside the partition", i);
		if (r.entry >= g->start && r.entry < g->start + g->len)
			entry_regions += (g->prot & HOOK_PROT_EXEC) != 0;
	}
	cr_assert_eq(entry_regions, 1, "entry %#lx not in one executable region",
		     (unsigned long)r.entry);
	cr_assert_eq(r.entry, base + ehdr()->e_entry);
	cr_assert_eq(r.image_end % PAGE, 0);
	cr_assert(r.image_end > base && r.image_end <= base + PARTITION);
	cr_assert_eq(r.phnum, ehdr()->e_phnum);
	cr_assert_eq(
	    memcmp((void *)r.phdr, file + ehdr()->e_phoff, ehdr()->e_phnum * sizeof(Elf64_Phdr)), 0,
	    "AT_PHDR does not point at the program headers");
}

/* Copies every PT_LOAD's file bytes to its address in dst, with no relocation. */
static void plain_copy(uint8_t *dst)
{
	for (unsigned i = 0; i < ehdr()->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(i);

		if (ph->p_type == PT_LOAD)
			memcpy(dst + ph->p_vaddr, file + ph->p_offset, ph->p_filesz);
	}
}

/* The loaded image equals a plain copy of the segments except at the
 * R_X86_64_RELATIVE sites, each of which holds base + addend. */
Test(elf, relocations_applied_exactly_at_relative_sites)
{
	struct load_result r = load_good();
	size_t span = r.image_end - r.bias, count;
	const Elf64_Rela *rela = relocations(&count);
	uint8_t *copy = calloc(1, span);

	cr_assert_not_null(copy);
	plain_copy(copy);
	for (size_t i = 0; i < count; i++) {
		uint64_t want = r.bias + (uint64_t)rela[i].r_addend, got;

		cr_assert_eq(ELF64_R_TYPE(rela[i].r_info), R_X86_64_RELATIVE);
		memcpy(&got, partition + rela[i].r_offset, sizeof got);
		cr_assert_eq(got, want, "relocation %zu at %#lx", i,
			     (unsigned long)rela[i].r_offset);
		/* the site checked, make the copy agree so the rest can be compared */
		memcpy(copy + rela[i].r_offset, &want, sizeof want);
	}
	for (size_t off = 0; off < span; off++)
		cr_assert_eq(partition[off], copy[off], "byte %#zx changed by no relocation", off);
	free(copy);
}

/* The function symbol named name, from the file's symbol table. */
static GElf_Sym function_symbol(const char *name)
{
	Elf *e = elf_memory((char *)file, file_size);
	Elf_Scn *scn = NULL;
	GElf_Sym found = {0};

	cr_assert_not_null(e);
	while (!found.st_value && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (gelf_getsym(data, (int)i, &sym) &&
			    GELF_ST_TYPE(sym.st_info) == STT_FUNC &&
			    (s = elf_strptr(e, sh.sh_link, sym.st_name)) && strcmp(s, name) == 0)
				found = sym;
		}
	}
	elf_end(e);
	cr_assert_neq(found.st_value, 0, "no symbol %s", name);
	cr_assert_gt(found.st_size, 1, "symbol %s has no size", name);
	return found;
}

/* Is offset named "main" by hook_symbolize? */
static bool symbolizes_as_main(uint64_t offset)
{
	char name[64];

	return hook_symbolize(file, file_size, offset, name, sizeof name) == 0 &&
	       strcmp(name, "main") == 0;
}

/* Offsets from main's first to its last byte are named "main"; the byte after
 * it is not, and the ELF header, which no function covers, has no name. */
Test(elf, symbolize_names_main)
{
	GElf_Sym main_sym = function_symbol("main");
	char name[64];

	cr_assert(symbolizes_as_main(main_sym.st_value));
	cr_assert(symbolizes_as_main(main_sym.st_value + 5));
	cr_assert(symbolizes_as_main(main_sym.st_value + main_sym.st_size - 1));
	cr_assert_not(symbolizes_as_main(main_sym.st_value + main_sym.st_size));
	cr_assert_eq(hook_symbolize(file, file_size, 0, name, sizeof name), -1);
}

/* ---- loading from a store image ---- */

/* An image file holding the file under test one page in, as the store lays files out. */
struct test_image {
	int fd;
	uint8_t *map;
	size_t size;
};

static struct test_image make_image(void)
{
	struct test_image img = {.size = PAGE + (file_size + PAGE - 1) / PAGE * PAGE};

	img.fd = memfd_create("elf-test-image", MFD_CLOEXEC);
	cr_assert_geq(img.fd, 0);
	cr_assert_eq(ftruncate(img.fd, (off_t)img.size), 0);
	cr_assert_eq(pwrite(img.fd, file, file_size, PAGE), (ssize_t)file_size);
	img.map = mmap(NULL, img.size, PROT_READ, MAP_PRIVATE, img.fd, 0);
	cr_assert_neq(img.map, MAP_FAILED);
	elf_loader_use_image(img.map, img.size, img.fd);
	return img;
}

static void drop_image(struct test_image *img)
{
	elf_loader_use_image(NULL, 0, -1);
	munmap(img->map, img->size);
	close(img->fd);
}

/* Does the host mapping at addr come from the test image file? */
static bool mapped_from_image(const void *addr)
{
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	bool found = false;

	cr_assert_not_null(maps);
	while (!found && fgets(line, sizeof line, maps)) {
		unsigned long start, end;

		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && (uintptr_t)addr >= start &&
		    (uintptr_t)addr < end)
			found = strstr(line, "elf-test-image") != NULL;
	}
	fclose(maps);
	return found;
}

/* Read-only segments are mapped from the image file, private to the
 * partition; writable ones are copied (and relocated) as before. */
Test(elf, read_only_segments_mapped_from_image)
{
	struct test_image img = make_image();
	struct load_result r;
	int mapped = 0;

	cr_assert_eq(hook_load_elf(img.map + PAGE, file_size, (uintptr_t)partition, PARTITION, &r,
				   err, sizeof err),
		     0, "%s", err);
	for (unsigned i = 0; i < ehdr()->e_phnum; i++) {
		const Elf64_Phdr *ph = phdr(i);
		uint8_t *at = partition + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		cr_assert_eq(mapped_from_image(at), !(ph->p_flags & PF_W), "segment %u", i);
		if (!(ph->p_flags & PF_W)) {
			cr_assert_eq(memcmp(at, file + ph->p_offset, ph->p_filesz), 0);
			mapped++;
		}
	}
	cr_assert_gt(mapped, 0, "the guest binary has no read-only segment");
	drop_image(&img);
}

/* A write into a mapped code page (a debugger's breakpoint) stays private:
 * the image, and so every other process running the program, is unchanged. */
Test(elf, writes_to_mapped_code_stay_private)
{
	struct test_image img = make_image();
	struct load_result r;
	uint8_t *entry;

	cr_assert_eq(hook_load_elf(img.map + PAGE, file_size, (uintptr_t)partition, PARTITION, &r,
				   err, sizeof err),
		     0, "%s", err);
	entry = (uint8_t *)r.entry;
	cr_assert(mapped_from_image(entry));
	cr_assert_eq(
	    mprotect((void *)((uintptr_t)entry & ~(PAGE - 1)), PAGE, PROT_READ | PROT_WRITE), 0);
	*entry = 0xcc;
	cr_assert_eq(img.map[PAGE + ehdr()->e_entry], file[ehdr()->e_entry]);
	cr_assert_neq(file[ehdr()->e_entry], 0xcc);
	drop_image(&img);
}

/* Without an image (or for a file outside it) everything is copied. */
Test(elf, file_outside_image_is_copied)
{
	struct test_image img = make_image();
	struct load_result r = load_good(); /* the malloc'ed copy, not the image */

	cr_assert_not(mapped_from_image((void *)r.entry));
	drop_image(&img);
}

/* ---- identification and ELF header ---- */

Test(elf, rejects_empty_and_tiny_files)
{
	expect_rejects_sized(0, PARTITION, "only 0 bytes");
	expect_rejects_sized(10, PARTITION, "only 10 bytes");
}

Test(elf, rejects_bad_magic)
{
	file[EI_MAG1] = 'X';
	expect_rejects("bad magic");
}

Test(elf, rejects_32_bit_class)
{
	file[EI_CLASS] = ELFCLASS32;
	expect_rejects("not a 64-bit ELF");
}

Test(elf, rejects_big_endian)
{
	file[EI_DATA] = ELFDATA2MSB;
	expect_rejects("not a little-endian ELF");
}

Test(elf, rejects_wrong_machine)
{
	ehdr()->e_machine = EM_AARCH64;
	expect_rejects("not an x86-64 executable");
}

Test(elf, rejects_et_exec)
{
	ehdr()->e_type = ET_EXEC;
	expect_rejects("ET_EXEC");
}

Test(elf, rejects_et_rel)
{
	ehdr()->e_type = ET_REL;
	expect_rejects("not an executable (ELF type 1)");
}

Test(elf, rejects_zero_program_headers)
{
	ehdr()->e_phnum = 0;
	expect_rejects("bad program header count 0");
}

/* Program headers starting at the end of the file, or at a huge offset. */
Test(elf, rejects_program_headers_outside_file)
{
	ehdr()->e_phoff = file_size;
	expect_rejects("program headers outside the file");
	ehdr()->e_phoff = UINT64_MAX - 8;
	expect_rejects("program headers outside the file");
}

/* Entry points in a non-executable segment and outside every segment. */
Test(elf, rejects_entry_outside_executable_segments)
{
	ehdr()->e_entry = phdr_of_type(PT_LOAD, 1)->p_vaddr;
	expect_rejects("not in an executable segment");
	ehdr()->e_entry = PARTITION / 2;
	expect_rejects("not in an executable segment");
}

/* ---- program headers ---- */

/* An interpreter request, made by retyping the PT_GNU_STACK header. */
Test(elf, rejects_interpreter)
{
	phdr_of_type(PT_GNU_STACK, 0)->p_type = PT_INTERP;
	expect_rejects("interpreter");
}

/* Files cut at half of their loadable bytes (inside the first segment) and
 * inside the last segment. (Half of the whole file would still hold every
 * segment: only the section headers, which loading ignores, come later.) */
Test(elf, rejects_truncated_file)
{
	const Elf64_Phdr *last = phdr_of_type(PT_LOAD, 1);
	size_t loadable_end = last->p_offset + last->p_filesz;

	expect_rejects_sized(loadable_end / 2, PARTITION, "segment 0 lies outside the file");
	expect_rejects_sized(loadable_end - 1, PARTITION, "segment 1 lies outside the file");
}

Test(elf, rejects_file_size_above_memory_size)
{
	Elf64_Phdr *ph = phdr_of_type(PT_LOAD, 1);

	ph->p_memsz = ph->p_filesz - 1;
	expect_rejects("file size exceeds memory size");
}

/* p_offset + p_filesz wrapping around 64 bits, from either field. */
Test(elf, rejects_offset_plus_size_overflow)
{
	Elf64_Phdr *ph = phdr_of_type(PT_LOAD, 1);

	ph->p_offset = 0x10;
	ph->p_filesz = UINT64_MAX - 8;
	ph->p_memsz = UINT64_MAX;
	expect_rejects("outside the file");
	ph->p_offset = UINT64_MAX - 0xfff;
	ph->p_filesz = 0x2000;
	expect_rejects("outside the file");
}

/* A segment placed at the partition's end, one whose size wraps, and a
 * partition too small for the whole program. */
Test(elf, rejects_segment_beyond_partition)
{
	Elf64_Phdr *ph = phdr_of_type(PT_LOAD, 1);
	const Elf64_Phdr saved = *ph;

	ph->p_vaddr = PARTITION + (saved.p_vaddr % PAGE);
	expect_rejects("too big for a partition");
	*ph = saved;
	ph->p_memsz = UINT64_MAX - PAGE;
	expect_rejects("too big for a partition");
	*ph = saved;
	expect_rejects_sized(file_size, PAGE, "too big for a partition");
}

/* The second PT_LOAD moved onto the first one's pages (alignment kept). */
Test(elf, rejects_overlapping_segments)
{
	Elf64_Phdr *ph = phdr_of_type(PT_LOAD, 1);

	ph->p_vaddr = ph->p_offset;
	expect_rejects("overlaps the previous segment");
}

/* A relocation other than RELATIVE (here R_X86_64_64) stops the load. */
Test(elf, rejects_unsupported_relocation)
{
	size_t count;
	Elf64_Rela *rela = relocations(&count);

	rela[0].r_info = ELF64_R_INFO(0, R_X86_64_64);
	expect_load_rejects(file_size, PARTITION, "unsupported relocation type 1");
}

/* ---- host executables ---- */

Test(elf, rejects_dynamically_linked_host_binary)
{
	use_file("/bin/true");
	expect_rejects("interpreter");
}

/* Skips unless the build could link this kind of native executable. */
static void use_native(const char *path)
{
	if (!path[0])
		cr_skip_test("the toolchain cannot build this native executable");
	use_file(path);
}

Test(elf, rejects_static_non_pie_host_binary)
{
	use_native(ELF_STATIC_PATH);
	expect_rejects("ET_EXEC");
}

/* glibc static-pie has PT_TLS and IRELATIVE relocations: refused up front. */
Test(elf, rejects_glibc_static_pie)
{
	use_native(ELF_STATIC_PIE_PATH);
	expect_rejects("thread-local storage");
}
