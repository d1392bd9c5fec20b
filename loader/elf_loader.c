/*
 * ELF loading with libelf. Validation happens completely before anything is
 * written: every program header is checked against the file and against the
 * partition, so a hostile file gets one line of explanation and nothing else.
 *
 * Read-only segments (code and constants) are mapped straight from the store
 * image's file (MAP_PRIVATE, their final protection) rather than copied into
 * the partition: no memory of the partition is touched for them, so no huge
 * page has to be zeroed, and every process running a program shares the page
 * cache's copy of its code. Relocations only ever touch writable segments
 * (check_relocations), so a mapped segment holds exactly the signed file
 * bytes; a debugger writing a breakpoint gets a private copy of that page.
 * Writable segments, and any segment that cannot be mapped, are copied.
 */
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "elf_loader.h"

#define PAGE	     4096UL
#define MAX_PHDRS    64
#define RELA_ENTSIZE sizeof(Elf64_Rela)

/* What validation learned, for the loading step. */
struct elf_plan {
	GElf_Ehdr ehdr;
	size_t phnum;
	GElf_Phdr loads[LOAD_REGIONS_MAX];
	unsigned load_count;
	GElf_Phdr dynamic;
	int has_dynamic;
	uint64_t span; /* bytes from vaddr 0 to the end of the last segment, page-aligned */
	uint64_t phdr_vaddr;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* The identification bytes, checked by hand so libelf only ever sees
 * native-endian 64-bit files (it then never writes to the image). */
static int check_ident(const uint8_t *file, size_t size, char *err, size_t errlen)
{
	if (size < sizeof(Elf64_Ehdr))
		return fail(err, errlen, "not an ELF file (only %zu bytes)", size);
	if (memcmp(file, ELFMAG, SELFMAG) != 0)
		return fail(err, errlen, "not an ELF file (bad magic)");
	if (file[EI_CLASS] != ELFCLASS64)
		return fail(err, errlen, "not a 64-bit ELF file");
	if (file[EI_DATA] != ELFDATA2LSB)
		return fail(err, errlen, "not a little-endian ELF file");
	if (file[EI_VERSION] != EV_CURRENT)
		return fail(err, errlen, "unknown ELF version %u", file[EI_VERSION]);
	return 0;
}

static int check_ehdr(const GElf_Ehdr *eh, size_t size, char *err, size_t errlen)
{
	if (eh->e_machine != EM_X86_64)
		return fail(err, errlen, "not an x86-64 executable (machine %u)", eh->e_machine);
	if (eh->e_type == ET_EXEC)
		return fail(err, errlen,
			    "not position-independent (ET_EXEC); build it as static-pie");
	if (eh->e_type != ET_DYN)
		return fail(err, errlen, "not an executable (ELF type %u)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return fail(err, errlen, "bad program header size %u", eh->e_phentsize);
	if (eh->e_phnum == 0 || eh->e_phnum > MAX_PHDRS)
		return fail(err, errlen, "bad program header count %u", eh->e_phnum);
	if (eh->e_phoff > size || (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return fail(err, errlen, "program headers outside the file");
	return 0;
}

/* One PT_LOAD: inside the file, inside the partition, after the previous one. */
static int check_load(struct elf_plan *plan, const GElf_Phdr *ph, size_t i, size_t size,
		      size_t max_len, char *err, size_t errlen)
{
	uint64_t end;

	if (plan->load_count == LOAD_REGIONS_MAX)
		return fail(err, errlen, "too many loadable segments (max %d)", LOAD_REGIONS_MAX);
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return fail(err, errlen,
			    "segment %zu lies outside the file (offset %#lx, size %#lx)", i,
			    (unsigned long)ph->p_offset, (unsigned long)ph->p_filesz);
	if (ph->p_filesz > ph->p_memsz)
		return fail(err, errlen, "segment %zu: file size exceeds memory size", i);
	if (ph->p_vaddr > max_len || ph->p_memsz > max_len - ph->p_vaddr)
		return fail(err, errlen,
			    "segment %zu is too big for a partition (%#lx bytes at %#lx)", i,
			    (unsigned long)ph->p_memsz, (unsigned long)ph->p_vaddr);
	if ((ph->p_vaddr - ph->p_offset) % PAGE != 0)
		return fail(err, errlen, "segment %zu is not page-aligned", i);
	if (plan->load_count > 0) {
		const GElf_Phdr *prev = &plan->loads[plan->load_count - 1];
		uint64_t prev_end = (prev->p_vaddr + prev->p_memsz + PAGE - 1) & ~(PAGE - 1);

		if ((ph->p_vaddr & ~(PAGE - 1)) < prev_end)
			return fail(err, errlen, "segment %zu overlaps the previous segment", i);
	}
	end = (ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1);
	if (end > max_len)
		return fail(err, errlen, "segment %zu is too big for a partition", i);
	plan->span = end;
	plan->loads[plan->load_count++] = *ph;
	return 0;
}

static int check_phdrs(Elf *e, struct elf_plan *plan, size_t size, size_t max_len, char *err,
		       size_t errlen)
{
	for (size_t i = 0; i < plan->phnum; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph))
			return fail(err, errlen, "unreadable program header %zu", i);
		switch (ph.p_type) {
		case PT_INTERP:
			return fail(err, errlen,
				    "dynamically linked (has an interpreter); build it "
				    "as static-pie");
		case PT_TLS:
			return fail(err, errlen,
				    "uses thread-local storage, which archk does not "
				    "support yet");
		case PT_LOAD:
			if (check_load(plan, &ph, i, size, max_len, err, errlen) < 0)
				return -1;
			break;
		case PT_DYNAMIC:
			if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset)
				return fail(err, errlen, "dynamic section outside the file");
			plan->dynamic = ph;
			plan->has_dynamic = 1;
			break;
		case PT_PHDR:
			plan->phdr_vaddr = ph.p_vaddr;
			break;
		}
	}
	if (plan->load_count == 0)
		return fail(err, errlen, "no loadable segments");
	if (!plan->has_dynamic)
		return fail(err, errlen, "not a static-pie executable (no dynamic section)");
	return 0;
}

/* Is [vaddr, vaddr+len) inside a loaded segment with the given flag (0: any)? */
static const GElf_Phdr *segment_of(const struct elf_plan *plan, uint64_t vaddr, uint64_t len,
				   uint32_t flag)
{
	for (unsigned i = 0; i < plan->load_count; i++) {
		const GElf_Phdr *ph = &plan->loads[i];

		if (vaddr >= ph->p_vaddr && len <= ph->p_memsz &&
		    vaddr - ph->p_vaddr <= ph->p_memsz - len && (ph->p_flags & flag) == flag)
			return ph;
	}
	return NULL;
}

/*
 * Where the relocation table is, from the dynamic section; only RELA allowed.
 * Entries are always read from the file, never from the image being written,
 * so a relocation cannot rewrite a later entry after it was checked.
 */
struct rela_table {
	uint64_t vaddr, size;
	uint64_t file_offset;
};

/* The file offset of [vaddr, vaddr+len) if it lies in one segment's file bytes. */
static int file_offset_of(const struct elf_plan *plan, uint64_t vaddr, uint64_t len,
			  uint64_t *offset)
{
	for (unsigned i = 0; i < plan->load_count; i++) {
		const GElf_Phdr *ph = &plan->loads[i];

		if (vaddr >= ph->p_vaddr && len <= ph->p_filesz &&
		    vaddr - ph->p_vaddr <= ph->p_filesz - len) {
			*offset = ph->p_offset + (vaddr - ph->p_vaddr);
			return 0;
		}
	}
	return -1;
}

static int read_dynamic(const uint8_t *file, const struct elf_plan *plan, struct rela_table *t,
			char *err, size_t errlen)
{
	size_t count = plan->dynamic.p_filesz / sizeof(Elf64_Dyn);
	Elf64_Dyn d;

	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < count; i++) {
		/* memcpy: nothing makes the section's file offset aligned. */
		memcpy(&d, file + plan->dynamic.p_offset + i * sizeof(d), sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		switch (d.d_tag) {
		case DT_NEEDED:
			return fail(err, errlen, "needs a shared library; build it as static-pie");
		case DT_REL:
		case DT_RELR:
			return fail(err, errlen,
				    "uses REL/RELR relocations; only RELA is supported");
		case DT_TEXTREL:
			return fail(err, errlen, "has relocations in read-only segments");
		case DT_RELA:
			t->vaddr = d.d_un.d_ptr;
			break;
		case DT_RELASZ:
			t->size = d.d_un.d_val;
			break;
		case DT_RELAENT:
			if (d.d_un.d_val != RELA_ENTSIZE)
				return fail(err, errlen, "bad relocation entry size");
			break;
		case DT_JMPREL:
			return fail(err, errlen, "has PLT relocations; build it as static-pie");
		}
	}
	if (t->size % RELA_ENTSIZE != 0)
		return fail(err, errlen, "relocation table size is not a multiple of its entries");
	if (t->size && file_offset_of(plan, t->vaddr, t->size, &t->file_offset) < 0)
		return fail(err, errlen, "relocation table outside the loaded segments");
	return 0;
}

/* Checks every relocation is R_X86_64_RELATIVE (or NONE) on a writable word. */
static int check_relocations(const uint8_t *file, const struct elf_plan *plan,
			     const struct rela_table *t, char *err, size_t errlen)
{
	for (uint64_t off = 0; off < t->size; off += RELA_ENTSIZE) {
		Elf64_Rela r;

		memcpy(&r, file + t->file_offset + off, sizeof(r));
		if (ELF64_R_TYPE(r.r_info) == R_X86_64_NONE)
			continue;
		if (ELF64_R_TYPE(r.r_info) != R_X86_64_RELATIVE)
			return fail(err, errlen, "unsupported relocation type %lu at %#lx",
				    (unsigned long)ELF64_R_TYPE(r.r_info),
				    (unsigned long)r.r_offset);
		if (!segment_of(plan, r.r_offset, 8, PF_W))
			return fail(err, errlen, "relocation at %#lx outside writable segments",
				    (unsigned long)r.r_offset);
	}
	return 0;
}

/* Reads and checks the headers; fills plan. */
static int plan_load(const uint8_t *file, size_t size, size_t max_len, struct elf_plan *plan,
		     char *err, size_t errlen)
{
	Elf *e;
	int rc = -1;

	memset(plan, 0, sizeof(*plan));
	if (check_ident(file, size, err, errlen) < 0)
		return -1;
	elf_version(EV_CURRENT);
	e = elf_memory((char *)file, size);
	if (!e)
		return fail(err, errlen, "unreadable ELF file: %s", elf_errmsg(-1));
	if (!gelf_getehdr(e, &plan->ehdr))
		fail(err, errlen, "unreadable ELF header: %s", elf_errmsg(-1));
	else if (check_ehdr(&plan->ehdr, size, err, errlen) == 0) {
		plan->phnum = plan->ehdr.e_phnum;
		rc = check_phdrs(e, plan, size, max_len, err, errlen);
	}
	elf_end(e);
	if (rc == 0 && !segment_of(plan, plan->ehdr.e_entry, 1, PF_X))
		rc = fail(err, errlen, "entry point %#lx is not in an executable segment",
			  (unsigned long)plan->ehdr.e_entry);
	return rc;
}

/* Every check, in order, before a single byte is written. */
static int validate(const uint8_t *file, size_t size, size_t max_len, struct elf_plan *plan,
		    struct rela_table *rela, char *err, size_t errlen)
{
	if (plan_load(file, size, max_len, plan, err, errlen) < 0 ||
	    read_dynamic(file, plan, rela, err, errlen) < 0 ||
	    check_relocations(file, plan, rela, err, errlen) < 0)
		return -1;
	return 0;
}

int elf_validate(const uint8_t *file, size_t size, size_t max_len, char *err, size_t errlen)
{
	struct elf_plan plan;
	struct rela_table rela;

	return validate(file, size, max_len, &plan, &rela, err, errlen);
}

/* The store image files are mapped from (elf_loader_use_image). */
static struct {
	const uint8_t *base;
	size_t size;
	int fd;
} store = {.fd = -1};

void elf_loader_use_image(const uint8_t *base, size_t size, int fd)
{
	store.base = base;
	store.size = size;
	store.fd = fd;
}

static int prot_of(uint32_t flags)
{
	return (flags & PF_R ? HOOK_PROT_READ : 0) | (flags & PF_W ? HOOK_PROT_WRITE : 0) |
	       (flags & PF_X ? HOOK_PROT_EXEC : 0);
}

/* Where the program headers are in memory (AT_PHDR), trusting PT_PHDR only
 * when it points into a loaded segment. */
static uint64_t phdr_vaddr(const struct elf_plan *plan)
{
	uint64_t bytes = plan->phnum * sizeof(Elf64_Phdr);

	if (plan->phdr_vaddr && segment_of(plan, plan->phdr_vaddr, bytes, 0))
		return plan->phdr_vaddr;
	for (unsigned i = 0; i < plan->load_count; i++) {
		const GElf_Phdr *ph = &plan->loads[i];

		if (plan->ehdr.e_phoff >= ph->p_offset &&
		    plan->ehdr.e_phoff - ph->p_offset < ph->p_filesz)
			return ph->p_vaddr + (plan->ehdr.e_phoff - ph->p_offset);
	}
	return 0;
}

static int mmap_prot(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

/* Are the bytes [from, to) of the store image all zero? */
static int store_zero(uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		if (store.base[i])
			return 0;
	return 1;
}

/*
 * Maps the read-only segment ph of file (a file of the store image) at
 * image + vaddr, page-granular, from the image's descriptor. The pages hold
 * the segment and, around it, only further bytes of the same file, or the
 * image's zero padding after its end (checked: a foreign image might put a
 * manifest there). Returns 0 if mapped; -1 if the segment must be copied
 * instead (writable, zero-filled, not from the image, or the host refused,
 * for instance PROT_EXEC on a noexec mount); -2 if the host refused and left
 * the range unusable.
 */
static int map_segment(const uint8_t *file, size_t size, const GElf_Phdr *ph, uint8_t *image)
{
	uint64_t file_start, page_off, len, end;
	uint8_t *addr;

	if (store.fd < 0 || (ph->p_flags & PF_W) || ph->p_filesz == 0 ||
	    ph->p_filesz != ph->p_memsz || file < store.base ||
	    (size_t)(file - store.base) > store.size || size > store.size - (file - store.base))
		return -1;
	file_start = (uint64_t)(file - store.base);
	page_off = ph->p_offset & ~(PAGE - 1);
	len = ((ph->p_offset + ph->p_filesz + PAGE - 1) & ~(PAGE - 1)) - page_off;
	end = file_start + page_off + len;
	if (file_start % PAGE != 0 || end > store.size || !store_zero(file_start + size, end))
		return -1;
	addr = image + (ph->p_vaddr & ~(PAGE - 1));
	if (mmap(addr, len, mmap_prot(ph->p_flags), MAP_PRIVATE | MAP_FIXED, store.fd,
		 (off_t)(file_start + page_off)) != MAP_FAILED)
		return 0;
	/* Copy instead; older kernels may have unmapped the range on failure. */
	if (mmap(addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
		 0) == MAP_FAILED)
		return -2;
	return -1;
}

int hook_load_elf(const uint8_t *file, size_t size, uintptr_t base, size_t max_len,
		  struct load_result *out, char *err, size_t errlen)
{
	struct elf_plan plan;
	struct rela_table rela;
	uint8_t *image = (uint8_t *)base;

	if (validate(file, size, max_len, &plan, &rela, err, errlen) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < plan.load_count; i++) {
		const GElf_Phdr *ph = &plan.loads[i];
		uint64_t start = ph->p_vaddr & ~(PAGE - 1);

		int mapped = map_segment(file, size, ph, image);

		if (mapped == -2)
			return fail(err, errlen, "cannot map segment %u", i);
		if (mapped < 0)
			memcpy(image + ph->p_vaddr, file + ph->p_offset, ph->p_filesz);
		out->regions[i] = (struct load_region){
		    base + start, ((ph->p_vaddr + ph->p_memsz + PAGE - 1) & ~(PAGE - 1)) - start,
		    prot_of(ph->p_flags)};
	}
	for (uint64_t off = 0; off < rela.size; off += RELA_ENTSIZE) {
		Elf64_Rela r;

		memcpy(&r, file + rela.file_offset + off, sizeof(r));
		if (ELF64_R_TYPE(r.r_info) == R_X86_64_RELATIVE) {
			uint64_t value = base + (uint64_t)r.r_addend;

			memcpy(image + r.r_offset, &value, sizeof(value));
		}
	}
	out->region_count = plan.load_count;
	out->entry = base + plan.ehdr.e_entry;
	out->bias = base;
	out->image_end = base + plan.span;
	out->phdr = base + phdr_vaddr(&plan);
	out->phnum = (unsigned)plan.phnum;
	return 0;
}

/* The function symbol covering offset, from the executable's .symtab. */
int hook_symbolize(const uint8_t *file, size_t size, uint64_t offset, char *name, size_t len)
{
	Elf_Scn *scn = NULL;
	Elf *e;
	int found = -1;

	if (check_ident(file, size, name, len) < 0)
		return -1;
	elf_version(EV_CURRENT);
	e = elf_memory((char *)file, size);
	if (!e)
		return -1;
	while (found < 0 && (scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			const char *s;

			if (!gelf_getsym(data, (int)i, &sym) ||
			    GELF_ST_TYPE(sym.st_info) != STT_FUNC || offset < sym.st_value ||
			    offset - sym.st_value >= sym.st_size)
				continue;
			s = elf_strptr(e, sh.sh_link, sym.st_name);
			if (s) {
				snprintf(name, len, "%s", s);
				found = 0;
				break;
			}
		}
	}
	elf_end(e);
	return found;
}
