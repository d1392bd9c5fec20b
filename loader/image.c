/*
 * Validator for rootfs.img, the read-only store (docs/image-format.md).
 *
 * The checks run in the order the format document lists, each bounds check
 * before the read it protects, so that any input, however malformed, is
 * either accepted whole or rejected with one line saying what and where.
 */
#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* A byte range of the image claimed by one structure (for the layout check). */
struct region {
	uint64_t offset;
	uint64_t size;
	const char *kind; /* "header", "package table", "manifest of package", "file" */
	const char *name; /* package name or file path; NULL for header and table */
	uint32_t name_len;
};

/* State of one image_parse call. */
struct parser {
	const uint8_t *buf;
	uint64_t size;
	const struct image_trust *trust;
	struct image *img;
	uint64_t table_offset;
	uint32_t files_declared; /* file count in the header */
	struct region *regions;
	uint32_t region_count;
	char *err;
	size_t errlen;
};

/* Write a formatted one-line message into err, tolerating a NULL or empty err. */
static void format_error(char *err, size_t errlen, const char *fmt, va_list ap)
{
	if (err && errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
}

/* Record a parse error; returns -1 so callers can "return fail(...)". */
__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	format_error(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Record an error about a file on disk, "path: message"; returns -1. */
__attribute__((format(printf, 4, 5))) static int fail_path(char *err, size_t errlen,
							   const char *path, const char *fmt, ...)
{
	char message[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	if (err && errlen > 0)
		snprintf(err, errlen, "%s: %s", path, message);
	return -1;
}

/* Check that [offset, offset + size) lies inside the image, without overflow; what names it. */
static int check_range(struct parser *p, const char *what, uint64_t offset, uint64_t size)
{
	if (offset > p->size)
		return fail(p, "%s offset %llu outside image", what, (unsigned long long)offset);
	if (size > p->size - offset)
		return fail(p, "%s offset %llu size %llu runs past end of image (%llu bytes)", what,
			    (unsigned long long)offset, (unsigned long long)size,
			    (unsigned long long)p->size);
	return 0;
}

/* Remember that a structure occupies [offset, offset + size). */
static void add_region(struct parser *p, uint64_t offset, uint64_t size, const char *kind,
		       const char *name, uint32_t name_len)
{
	p->regions[p->region_count++] = (struct region){offset, size, kind, name, name_len};
}

/* BLAKE2b-256 of [data, data + size) compared with expected. */
static bool hash_matches(const uint8_t *data, uint64_t size, const uint8_t *expected)
{
	uint8_t hash[IMAGE_HASH_BYTES];

	crypto_generichash(hash, sizeof hash, data, size, NULL, 0);
	return memcmp(hash, expected, sizeof hash) == 0;
}

/* Magic, version and checksum: is this an intact version-1 header? */
static int check_header_identity(struct parser *p)
{
	const uint8_t *h = p->buf;
	uint32_t version;

	if (p->size == 0)
		return fail(p, "empty image");
	if (p->size < IMAGE_HEADER_SIZE)
		return fail(p, "truncated: %llu bytes is smaller than the %d-byte header",
			    (unsigned long long)p->size, IMAGE_HEADER_SIZE);
	if (memcmp(h + IMAGE_HDR_MAGIC, IMAGE_MAGIC, 8) != 0)
		return fail(p, "bad magic");
	version = image_load32(h + IMAGE_HDR_VERSION);
	if (version != IMAGE_VERSION)
		return fail(p, "unsupported version %u (expected %u)", version, IMAGE_VERSION);
	if (!hash_matches(h, IMAGE_HDR_HEADER_HASH, h + IMAGE_HDR_HEADER_HASH))
		return fail(p, "header checksum mismatch");
	return 0;
}

/* The image size field against the real size and the limits. */
static int check_header_size(struct parser *p)
{
	unsigned long long declared = image_load64(p->buf + IMAGE_HDR_IMAGE_SIZE);
	unsigned long long actual = p->size;

	if (declared > actual)
		return fail(p, "truncated: header says %llu bytes, file has %llu", declared,
			    actual);
	if (declared < actual)
		return fail(p, "trailing data: header says %llu bytes, file has %llu", declared,
			    actual);
	if (declared > IMAGE_MAX_SIZE)
		return fail(p, "image size %llu exceeds the 4 GiB limit", declared);
	if (declared % IMAGE_PAGE_SIZE != 0)
		return fail(p, "image size %llu is not a multiple of %u", declared,
			    IMAGE_PAGE_SIZE);
	return 0;
}

/* Counts, the reserved field, and the package table's place and hash. */
static int check_header_table(struct parser *p)
{
	const uint8_t *h = p->buf;
	uint32_t packages = image_load32(h + IMAGE_HDR_PACKAGE_COUNT);
	uint64_t table_size = image_load64(h + IMAGE_HDR_TABLE_SIZE);

	p->table_offset = image_load64(h + IMAGE_HDR_TABLE_OFFSET);
	p->files_declared = image_load32(h + IMAGE_HDR_FILE_COUNT);
	if (image_load32(h + IMAGE_HDR_RESERVED) != 0)
		return fail(p, "reserved header field is not zero");
	if (packages == 0)
		return fail(p, "image has no packages");
	if (packages > IMAGE_MAX_PACKAGES)
		return fail(p, "too many packages (%u, limit %u)", packages, IMAGE_MAX_PACKAGES);
	if (p->files_declared > IMAGE_MAX_FILES)
		return fail(p, "too many files (%u, limit %u)", p->files_declared, IMAGE_MAX_FILES);
	if (table_size != (uint64_t)packages * IMAGE_ENTRY_SIZE)
		return fail(p, "package table size %llu, expected %u entries of %d bytes",
			    (unsigned long long)table_size, packages, IMAGE_ENTRY_SIZE);
	if (check_range(p, "package table", p->table_offset, table_size) < 0)
		return -1;
	if (!hash_matches(p->buf + p->table_offset, table_size, h + IMAGE_HDR_TABLE_HASH))
		return fail(p, "package table checksum mismatch");
	p->img->package_count = packages;
	return 0;
}

/* Allocate the index (files, packages) and the region list the header announces. */
static int allocate_index(struct parser *p)
{
	uint32_t files = p->files_declared;
	uint32_t packages = p->img->package_count;

	p->img->files = calloc(files ? files : 1, sizeof *p->img->files);
	p->img->packages = calloc(packages, sizeof *p->img->packages);
	p->regions = calloc(2 + packages + files, sizeof *p->regions);
	if (!p->img->files || !p->img->packages || !p->regions)
		return fail(p, "out of memory for %u files", files);
	add_region(p, 0, IMAGE_HEADER_SIZE, "header", NULL, 0);
	add_region(p, p->table_offset, (uint64_t)packages * IMAGE_ENTRY_SIZE, "package table", NULL,
		   0);
	return 0;
}

/* Package names are 1..63 bytes of letters, digits and "._+-". */
static bool is_name_byte(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '+' || c == '-';
}

/* Validate table entry i's name field (NUL-padded with zeros) and copy it out. */
static int read_package_name(struct parser *p, const uint8_t *field, uint32_t i, char *name)
{
	size_t len = strnlen((const char *)field, 64);

	if (len == 0)
		return fail(p, "package table entry %u: empty name", i);
	if (len == 64)
		return fail(p, "package table entry %u: name not NUL-terminated", i);
	for (size_t j = 0; j < len; j++)
		if (!is_name_byte(field[j]))
			return fail(p, "package table entry %u: name has invalid byte 0x%02x", i,
				    field[j]);
	for (size_t j = len; j < 64; j++)
		if (field[j] != 0)
			return fail(p, "package table entry %u: name padding is not zero", i);
	memcpy(name, field, len + 1);
	for (uint32_t k = 0; k < i; k++)
		if (strcmp(p->img->packages[k].name, name) == 0)
			return fail(p, "package \"%s\": duplicate package name", name);
	return 0;
}

/* Is key in the trust list? A NULL list trusts every key. */
static bool is_trusted(const struct image_trust *trust, const uint8_t *key)
{
	if (!trust)
		return true;
	for (unsigned i = 0; i < trust->count && i < IMAGE_TRUST_MAX; i++)
		if (memcmp(trust->keys[i], key, IMAGE_KEY_BYTES) == 0)
			return true;
	return false;
}

/*
 * Check a manifest path: 1..1024 bytes, no NUL or control bytes (so it prints
 * on one line), relative, and no empty, "." or ".." component.
 */
static int check_path(struct parser *p, const char *package, uint32_t entry, const uint8_t *path,
		      uint32_t len)
{
	uint32_t start = 0;

	if (len == 0 || len > IMAGE_PATH_MAX)
		return fail(p, "package \"%s\": file entry %u: path length %u not in 1..%u",
			    package, entry, len, IMAGE_PATH_MAX);
	for (uint32_t j = 0; j < len; j++)
		if (path[j] < 0x20 || path[j] == 0x7f)
			return fail(p, "package \"%s\": file entry %u: path has byte 0x%02x at %u",
				    package, entry, path[j], j);
	if (path[0] == '/')
		return fail(p, "file \"%.*s\": path is absolute", (int)len, path);
	for (uint32_t j = 0; j <= len; j++) {
		if (j < len && path[j] != '/')
			continue;
		if (j == start)
			return fail(p, "file \"%.*s\": empty path component", (int)len, path);
		if ((j - start == 1 && path[start] == '.') ||
		    (j - start == 2 && path[start] == '.' && path[start + 1] == '.'))
			return fail(p, "file \"%.*s\": \".\" or \"..\" path component", (int)len,
				    path);
		start = j + 1;
	}
	return 0;
}

/* Check a file's mode and data range, and point f->data at its bytes. */
static int place_file_data(struct parser *p, struct image_file *f, uint64_t offset)
{
	char what[IMAGE_PATH_MAX + 32];

	if (f->mode & ~ARCHK_MODE_EXEC)
		return fail(p, "file \"%.*s\": unknown mode bits 0x%x", (int)f->path_len, f->path,
			    f->mode);
	if (f->size == 0 && offset != 0)
		return fail(p, "file \"%.*s\": empty file with data offset %llu (must be 0)",
			    (int)f->path_len, f->path, (unsigned long long)offset);
	if (offset % IMAGE_PAGE_SIZE != 0)
		return fail(p, "file \"%.*s\": data offset %llu is not a multiple of %u",
			    (int)f->path_len, f->path, (unsigned long long)offset, IMAGE_PAGE_SIZE);
	snprintf(what, sizeof what, "file \"%.*s\": data", (int)f->path_len, f->path);
	if (check_range(p, what, offset, f->size) < 0)
		return -1;
	if (f->size > 0)
		add_region(p, offset, f->size, "file", f->path, f->path_len);
	f->data = p->buf + offset;
	return 0;
}

/* Parse the file entry at *pos of package's manifest into the next image_file; advance *pos. */
static int parse_file_entry(struct parser *p, uint32_t package, const uint8_t *manifest,
			    uint64_t manifest_size, uint64_t *pos, uint32_t entry)
{
	const char *name = p->img->packages[package].name;
	const uint8_t *e = manifest + *pos;
	struct image_file *f = &p->img->files[p->img->file_count];
	uint32_t path_len;

	if (manifest_size - *pos < IMAGE_FILE_ENTRY_SIZE)
		return fail(p, "package \"%s\": file entry %u runs past end of manifest", name,
			    entry);
	path_len = image_load32(e + IMAGE_FILE_PATH_LEN);
	if (path_len > manifest_size - *pos - IMAGE_FILE_ENTRY_SIZE)
		return fail(p, "package \"%s\": file entry %u: path runs past end of manifest",
			    name, entry);
	if (check_path(p, name, entry, e + IMAGE_FILE_ENTRY_SIZE, path_len) < 0)
		return -1;
	f->path = (const char *)e + IMAGE_FILE_ENTRY_SIZE;
	f->path_len = path_len;
	f->mode = image_load32(e + IMAGE_FILE_MODE);
	f->size = image_load64(e + IMAGE_FILE_SIZE);
	f->package = package;
	f->hash = e + IMAGE_FILE_HASH;
	if (place_file_data(p, f, image_load64(e + IMAGE_FILE_DATA_OFFSET)) < 0)
		return -1;
	p->img->file_count++;
	*pos += IMAGE_FILE_ENTRY_SIZE + path_len;
	return 0;
}

/* Parse package i's signed manifest: magic, the bound package name, then its file entries. */
static int parse_manifest(struct parser *p, uint32_t i, const uint8_t *m, uint64_t size)
{
	struct image_package *pkg = &p->img->packages[i];
	size_t name_len = strlen(pkg->name);
	uint64_t pos;

	if (size < IMAGE_MAN_HEADER_SIZE)
		return fail(p, "package \"%s\": manifest too short (%llu bytes)", pkg->name,
			    (unsigned long long)size);
	if (memcmp(m + IMAGE_MAN_MAGIC, IMAGE_MANIFEST_MAGIC, 8) != 0)
		return fail(p, "package \"%s\": bad manifest magic", pkg->name);
	if (image_load32(m + IMAGE_MAN_NAME_LEN) != name_len ||
	    size - IMAGE_MAN_HEADER_SIZE < name_len ||
	    memcmp(m + IMAGE_MAN_HEADER_SIZE, pkg->name, name_len) != 0)
		return fail(p, "package \"%s\": manifest is for another package", pkg->name);
	pkg->file_count = image_load32(m + IMAGE_MAN_FILE_COUNT);
	if (pkg->file_count > p->files_declared - p->img->file_count)
		return fail(p, "package \"%s\": %u files exceed the header's file count %u",
			    pkg->name, pkg->file_count, p->files_declared);
	pos = IMAGE_MAN_HEADER_SIZE + name_len;
	for (uint32_t k = 0; k < pkg->file_count; k++)
		if (parse_file_entry(p, i, m, size, &pos, k) < 0)
			return -1;
	if (pos != size)
		return fail(p, "package \"%s\": %llu bytes after the last manifest entry",
			    pkg->name, (unsigned long long)(size - pos));
	return 0;
}

/* Validate table entry i: name, manifest range, trusted signer, signature, then the manifest. */
static int check_package(struct parser *p, uint32_t i)
{
	const uint8_t *e = p->buf + p->table_offset + (uint64_t)i * IMAGE_ENTRY_SIZE;
	struct image_package *pkg = &p->img->packages[i];
	uint64_t offset = image_load64(e + IMAGE_ENT_MANIFEST_OFFSET);
	uint64_t size = image_load64(e + IMAGE_ENT_MANIFEST_SIZE);
	char what[64];
	char hex[2 * IMAGE_KEY_BYTES + 1];

	if (read_package_name(p, e + IMAGE_ENT_NAME, i, pkg->name) < 0)
		return -1;
	memcpy(pkg->key, e + IMAGE_ENT_KEY, IMAGE_KEY_BYTES);
	snprintf(what, sizeof what, "package table entry %u: manifest", i);
	if (check_range(p, what, offset, size) < 0)
		return -1;
	if (!is_trusted(p->trust, pkg->key)) {
		sodium_bin2hex(hex, sizeof hex, pkg->key, IMAGE_KEY_BYTES);
		fail(p, "package \"%s\": signed by untrusted key %s", pkg->name, hex);
		return IMAGE_UNTRUSTED;
	}
	if (crypto_sign_verify_detached(e + IMAGE_ENT_SIGNATURE, p->buf + offset, size, pkg->key) !=
	    0)
		return fail(p, "package \"%s\": signature does not verify", pkg->name);
	add_region(p, offset, size, "manifest of package", pkg->name, strlen(pkg->name));
	return parse_manifest(p, i, p->buf + offset, size);
}

/* Order two paths: memcmp order, the shorter first when one is a prefix of the other. */
static int compare_paths(const char *a, size_t a_len, const char *b, size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c != 0)
		return c;
	return (a_len > b_len) - (a_len < b_len);
}

/* qsort comparator for struct image_file, by path. */
static int compare_files(const void *a, const void *b)
{
	const struct image_file *fa = a, *fb = b;

	return compare_paths(fa->path, fa->path_len, fb->path, fb->path_len);
}

/* Report a path listed twice (in one package or two). */
static int fail_duplicate(struct parser *p, const struct image_file *a, const struct image_file *b)
{
	const struct image_package *pkgs = p->img->packages;

	if (a->package == b->package)
		return fail(p, "file \"%.*s\": listed twice in package \"%s\"", (int)a->path_len,
			    a->path, pkgs[a->package].name);
	return fail(p, "file \"%.*s\": in both packages \"%s\" and \"%s\"", (int)a->path_len,
		    a->path, pkgs[a->package].name, pkgs[b->package].name);
}

/* Reject a file whose parent directory path is itself a file (e.g. "bin" and "bin/sh"). */
static int check_parents_not_files(struct parser *p, const struct image_file *f)
{
	for (uint32_t j = 1; j < f->path_len; j++)
		if (f->path[j] == '/' && image_find(p->img, f->path, j))
			return fail(p, "file \"%.*s\": is also the directory of \"%.*s\"", (int)j,
				    f->path, (int)f->path_len, f->path);
	return 0;
}

/* Sort the files by path and reject duplicates and file/directory clashes. */
static int check_unique_paths(struct parser *p)
{
	struct image *img = p->img;

	qsort(img->files, img->file_count, sizeof *img->files, compare_files);
	for (uint32_t i = 1; i < img->file_count; i++)
		if (compare_files(&img->files[i - 1], &img->files[i]) == 0)
			return fail_duplicate(p, &img->files[i - 1], &img->files[i]);
	for (uint32_t i = 0; i < img->file_count; i++)
		if (check_parents_not_files(p, &img->files[i]) < 0)
			return -1;
	return 0;
}

/* qsort comparator for regions: by offset, the smaller first at equal offsets. */
static int compare_regions(const void *a, const void *b)
{
	const struct region *ra = a, *rb = b;

	if (ra->offset != rb->offset)
		return (ra->offset > rb->offset) - (ra->offset < rb->offset);
	return (ra->size > rb->size) - (ra->size < rb->size);
}

/* Describe a region for a message, e.g. `file "bin/sh"` or "package table". */
static void describe_region(const struct region *r, char *out, size_t len)
{
	if (r->name)
		snprintf(out, len, "%s \"%.*s\"", r->kind, (int)r->name_len, r->name);
	else
		snprintf(out, len, "%s", r->kind);
}

/* Check that bytes [from, to) of the image are all zero. */
static int check_zero(struct parser *p, uint64_t from, uint64_t to)
{
	for (uint64_t at = from; at < to; at++)
		if (p->buf[at] != 0)
			return fail(p, "nonzero padding byte at offset %llu",
				    (unsigned long long)at);
	return 0;
}

/*
 * Check that no two structures overlap and that every byte no structure
 * claims is zero, so that every byte of the image is covered by a check.
 */
static int check_layout(struct parser *p)
{
	const struct region *furthest = NULL;
	uint64_t end = 0;
	char a[IMAGE_PATH_MAX + 32], b[IMAGE_PATH_MAX + 32];

	qsort(p->regions, p->region_count, sizeof *p->regions, compare_regions);
	for (uint32_t i = 0; i < p->region_count; i++) {
		const struct region *r = &p->regions[i];

		if (r->offset < end) {
			describe_region(r, a, sizeof a);
			describe_region(furthest, b, sizeof b);
			return fail(p, "%s overlaps %s at offset %llu", a, b,
				    (unsigned long long)r->offset);
		}
		if (check_zero(p, end, r->offset) < 0)
			return -1;
		end = r->offset + r->size;
		furthest = r;
	}
	return check_zero(p, end, p->size);
}

/* Check each file's contents against the BLAKE2b-256 hash in its manifest. */
static int check_file_hashes(struct parser *p)
{
	for (uint32_t i = 0; i < p->img->file_count; i++) {
		const struct image_file *f = &p->img->files[i];

		if (!hash_matches(f->data, f->size, f->hash))
			return fail(p, "file \"%.*s\": hash mismatch", (int)f->path_len, f->path);
	}
	return 0;
}

/* Run every check of the format document in its order. */
static int parse(struct parser *p)
{
	if (sodium_init() < 0)
		return fail(p, "libsodium failed to initialise");
	if (check_header_identity(p) < 0 || check_header_size(p) < 0 || check_header_table(p) < 0 ||
	    allocate_index(p) < 0)
		return -1;
	for (uint32_t i = 0; i < p->img->package_count; i++) {
		int rc = check_package(p, i);

		if (rc < 0)
			return rc; /* IMAGE_UNTRUSTED passes through */
	}
	if (p->img->file_count != p->files_declared)
		return fail(p, "header says %u files, manifests list %u", p->files_declared,
			    p->img->file_count);
	if (check_unique_paths(p) < 0 || check_layout(p) < 0 || check_file_hashes(p) < 0)
		return -1;
	return 0;
}

int image_parse(const uint8_t *buf, size_t size, const struct image_trust *trust, struct image *out,
		char *err, size_t errlen)
{
	struct parser p = {
	    .buf = buf, .size = size, .trust = trust, .img = out, .err = err, .errlen = errlen};
	int rc;

	memset(out, 0, sizeof *out);
	out->fd = -1;
	rc = parse(&p);
	free(p.regions);
	if (rc < 0) {
		image_close(out);
		return rc == IMAGE_UNTRUSTED ? IMAGE_UNTRUSTED : -1;
	}
	out->base = buf;
	out->size = size;
	return 0;
}

/* Name the kind of a non-regular file for messages; NULL for a regular file. */
static const char *special_file_kind(mode_t mode)
{
	if (S_ISREG(mode))
		return NULL;
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISFIFO(mode))
		return "FIFO";
	if (S_ISCHR(mode))
		return "character device";
	if (S_ISBLK(mode))
		return "block device";
	if (S_ISSOCK(mode))
		return "socket";
	return "special file";
}

/*
 * Open path read-only if it is a regular file. It is checked with stat()
 * before opening, so a FIFO or device is never opened, and again with
 * fstat() after, in case it was replaced in between; O_NONBLOCK makes even
 * that race unable to block. Returns the descriptor or -1 with err set.
 */
static int open_regular_file(const char *path, struct stat *st, char *err, size_t errlen)
{
	const char *kind;
	int fd;

	if (stat(path, st) < 0)
		return fail_path(err, errlen, path, "cannot open: %s", strerror(errno));
	if ((kind = special_file_kind(st->st_mode)))
		return fail_path(err, errlen, path, "not a regular file (%s)", kind);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return fail_path(err, errlen, path, "cannot open: %s", strerror(errno));
	if (fstat(fd, st) < 0 || (kind = special_file_kind(st->st_mode))) {
		close(fd);
		return fail_path(err, errlen, path, "not a regular file (%s)",
				 kind ? kind : "fstat failed");
	}
	return fd;
}

/* Map size bytes of fd read-only; NULL with err set on failure. */
static const uint8_t *map_file(int fd, const char *path, uint64_t size, char *err, size_t errlen)
{
	void *map;

	if (size == 0) {
		fail_path(err, errlen, path, "empty file");
		return NULL;
	}
	if (size > IMAGE_MAX_SIZE) {
		fail_path(err, errlen, path, "too large (%llu bytes, limit 4 GiB)",
			  (unsigned long long)size);
		return NULL;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		fail_path(err, errlen, path, "cannot map: %s", strerror(errno));
		return NULL;
	}
	return map;
}

int image_open(const char *path, const struct image_trust *trust, struct image *out, char *err,
	       size_t errlen)
{
	struct stat st;
	const uint8_t *map;
	char message[2048];
	int fd, rc;

	memset(out, 0, sizeof *out);
	out->fd = -1;
	fd = open_regular_file(path, &st, err, errlen);
	if (fd < 0)
		return -1;
	map = map_file(fd, path, st.st_size, err, errlen);
	if (!map) {
		close(fd);
		return -1;
	}
	if ((rc = image_parse(map, st.st_size, trust, out, message, sizeof message)) < 0) {
		munmap((void *)map, st.st_size);
		close(fd);
		fail_path(err, errlen, path, "%s", message);
		return rc;
	}
	out->mapped = 1;
	out->fd = fd;
	return 0;
}

void image_close(struct image *img)
{
	free(img->files);
	free(img->packages);
	if (img->mapped) {
		munmap((void *)img->base, img->size);
		close(img->fd);
	}
	memset(img, 0, sizeof *img);
	img->fd = -1;
}

const struct image_file *image_find(const struct image *img, const char *path, size_t path_len)
{
	uint32_t low = 0, high = img->file_count;

	while (low < high) {
		uint32_t mid = low + (high - low) / 2;
		const struct image_file *f = &img->files[mid];
		int c = compare_paths(path, path_len, f->path, f->path_len);

		if (c == 0)
			return f;
		if (c < 0)
			high = mid;
		else
			low = mid + 1;
	}
	return NULL;
}

/* Check that text is exactly "LABEL <64 hex digits>\n" and decode the digits into out. */
static int decode_key_line(const char *text, size_t len, const char *label,
			   uint8_t out[IMAGE_KEY_BYTES])
{
	size_t label_len = strlen(label);
	size_t decoded;

	if (len != label_len + 1 + 2 * IMAGE_KEY_BYTES + 1 || memcmp(text, label, label_len) != 0 ||
	    text[label_len] != ' ' || text[len - 1] != '\n')
		return -1;
	if (sodium_hex2bin(out, IMAGE_KEY_BYTES, text + label_len + 1, 2 * IMAGE_KEY_BYTES, NULL,
			   &decoded, NULL) != 0 ||
	    decoded != IMAGE_KEY_BYTES)
		return -1;
	return 0;
}

int image_read_key_file(const char *path, const char *label, uint8_t out[IMAGE_KEY_BYTES],
			char *err, size_t errlen)
{
	char text[160];
	struct stat st;
	ssize_t len;
	int fd, rc;

	fd = open_regular_file(path, &st, err, errlen);
	if (fd < 0)
		return -1;
	len = read(fd, text, sizeof text);
	close(fd);
	if (len < 0)
		return fail_path(err, errlen, path, "cannot read: %s", strerror(errno));
	rc = decode_key_line(text, len, label, out);
	sodium_memzero(text, sizeof text);
	if (rc < 0)
		return fail_path(err, errlen, path,
				 "not a key file (expected one line \"%s <64 hex "
				 "digits>\")",
				 label);
	return 0;
}

int image_trust_add_file(struct image_trust *trust, const char *path, char *err, size_t errlen)
{
	uint8_t key[IMAGE_KEY_BYTES];

	if (image_read_key_file(path, IMAGE_PUBLIC_KEY_LABEL, key, err, errlen) < 0)
		return -1;
	if (is_trusted(trust, key))
		return 0;
	if (trust->count >= IMAGE_TRUST_MAX)
		return fail_path(err, errlen, path, "too many trusted keys (limit %d)",
				 IMAGE_TRUST_MAX);
	memcpy(trust->keys[trust->count++], key, IMAGE_KEY_BYTES);
	return 0;
}
