/*
 * Writer for rootfs.img. Layout (the one archk-mkimage always produces; the
 * format allows others): header at 0, package table right after it,
 * manifests one after another after the table, then file data, each
 * non-empty file starting on a fresh page, in package order and manifest
 * order; the image ends on a page boundary. All gaps are zero.
 */
#include "image_write.h"
#include "image.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where each package's manifest goes and how big the image is. */
struct layout {
	uint64_t manifest_offset[IMAGE_MAX_PACKAGES];
	uint64_t manifest_size[IMAGE_MAX_PACKAGES];
	uint64_t data_start;
	uint64_t image_size;
	uint32_t file_count;
};

/* Record a one-line error; returns -1. */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (err && errlen > 0)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Round n up to a whole number of pages. */
static uint64_t page_round_up(uint64_t n)
{
	return (n + IMAGE_PAGE_SIZE - 1) / IMAGE_PAGE_SIZE * IMAGE_PAGE_SIZE;
}

/* Does [offset, offset + len) fit in size bytes, without overflow? */
static bool fits(uint64_t offset, uint64_t len, uint64_t size)
{
	return offset <= size && len <= size - offset;
}

/* Bytes of a package's manifest: header, name, and one entry plus path per file. */
static uint64_t manifest_size(const struct image_write_package *pkg)
{
	uint64_t size = IMAGE_MAN_HEADER_SIZE + strlen(pkg->name);

	for (uint32_t i = 0; i < pkg->file_count; i++)
		size += IMAGE_FILE_ENTRY_SIZE + pkg->files[i].path_len;
	return size;
}

/* Compute where everything goes; -1 if the packages cannot be represented. */
static int plan_layout(const struct image_write_package *pkgs, uint32_t count, struct layout *l,
		       char *err, size_t errlen)
{
	uint64_t at = IMAGE_HEADER_SIZE + (uint64_t)count * IMAGE_ENTRY_SIZE;
	uint64_t data = 0;

	if (count > IMAGE_MAX_PACKAGES)
		return fail(err, errlen, "too many packages (%u, limit %u)", count,
			    IMAGE_MAX_PACKAGES);
	l->file_count = 0;
	for (uint32_t i = 0; i < count; i++) {
		if (strlen(pkgs[i].name) > IMAGE_NAME_MAX)
			return fail(err, errlen, "package name \"%s\" longer than %u bytes",
				    pkgs[i].name, IMAGE_NAME_MAX);
		l->manifest_offset[i] = at;
		l->manifest_size[i] = manifest_size(&pkgs[i]);
		at += l->manifest_size[i];
		for (uint32_t k = 0; k < pkgs[i].file_count; k++)
			data += page_round_up(pkgs[i].files[k].size);
		l->file_count += pkgs[i].file_count;
	}
	l->data_start = page_round_up(at);
	l->image_size = l->data_start + data;
	if (l->image_size > IMAGE_MAX_SIZE)
		return fail(err, errlen, "image would be %llu bytes, over the 4 GiB limit",
			    (unsigned long long)l->image_size);
	return 0;
}

/* Write one manifest file entry at e and the file's data at *data_at (advanced). */
static void write_file(uint8_t *image, uint8_t *e, const struct image_write_file *f,
		       uint64_t *data_at)
{
	uint64_t offset = f->size ? *data_at : 0;

	image_store64(e + IMAGE_FILE_DATA_OFFSET, offset);
	image_store64(e + IMAGE_FILE_SIZE, f->size);
	image_store32(e + IMAGE_FILE_MODE, f->mode);
	image_store32(e + IMAGE_FILE_PATH_LEN, f->path_len);
	crypto_generichash(e + IMAGE_FILE_HASH, IMAGE_HASH_BYTES, f->data, f->size, NULL, 0);
	memcpy(e + IMAGE_FILE_ENTRY_SIZE, f->path, f->path_len);
	if (f->size)
		memcpy(image + offset, f->data, f->size);
	*data_at += page_round_up(f->size);
}

/* Write package i's manifest, its files' data from *data_at on, and its table entry. */
static void write_package(uint8_t *image, const struct layout *l, uint32_t i,
			  const struct image_write_package *pkg, uint64_t *data_at)
{
	uint8_t *entry = image + IMAGE_HEADER_SIZE + (uint64_t)i * IMAGE_ENTRY_SIZE;
	uint8_t *m = image + l->manifest_offset[i];
	size_t name_len = strlen(pkg->name);
	uint64_t pos = IMAGE_MAN_HEADER_SIZE + name_len;

	memcpy(m + IMAGE_MAN_MAGIC, IMAGE_MANIFEST_MAGIC, 8);
	image_store32(m + IMAGE_MAN_NAME_LEN, name_len);
	image_store32(m + IMAGE_MAN_FILE_COUNT, pkg->file_count);
	memcpy(m + IMAGE_MAN_HEADER_SIZE, pkg->name, name_len);
	for (uint32_t k = 0; k < pkg->file_count; k++) {
		write_file(image, m + pos, &pkg->files[k], data_at);
		pos += IMAGE_FILE_ENTRY_SIZE + pkg->files[k].path_len;
	}
	memcpy(entry + IMAGE_ENT_NAME, pkg->name, name_len);
	image_store64(entry + IMAGE_ENT_MANIFEST_OFFSET, l->manifest_offset[i]);
	image_store64(entry + IMAGE_ENT_MANIFEST_SIZE, l->manifest_size[i]);
}

/* Fill the header fields other than the two hashes. */
static void write_header(uint8_t *image, uint32_t package_count, const struct layout *l)
{
	memcpy(image + IMAGE_HDR_MAGIC, IMAGE_MAGIC, 8);
	image_store32(image + IMAGE_HDR_VERSION, IMAGE_VERSION);
	image_store32(image + IMAGE_HDR_PACKAGE_COUNT, package_count);
	image_store64(image + IMAGE_HDR_IMAGE_SIZE, l->image_size);
	image_store64(image + IMAGE_HDR_TABLE_OFFSET, IMAGE_HEADER_SIZE);
	image_store64(image + IMAGE_HDR_TABLE_SIZE, (uint64_t)package_count * IMAGE_ENTRY_SIZE);
	image_store32(image + IMAGE_HDR_FILE_COUNT, l->file_count);
}

int image_write(const struct image_write_package *packages, uint32_t package_count, uint8_t **out,
		size_t *out_size, char *err, size_t errlen)
{
	struct layout l = {0};
	uint64_t data_at;
	uint8_t *image;

	if (sodium_init() < 0)
		return fail(err, errlen, "libsodium failed to initialise");
	if (plan_layout(packages, package_count, &l, err, errlen) < 0)
		return -1;
	image = calloc(1, l.image_size);
	if (!image)
		return fail(err, errlen, "out of memory for a %llu-byte image",
			    (unsigned long long)l.image_size);
	write_header(image, package_count, &l);
	data_at = l.data_start;
	for (uint32_t i = 0; i < package_count; i++) {
		write_package(image, &l, i, &packages[i], &data_at);
		image_write_resign(image, l.image_size, i, packages[i].secret_key);
	}
	*out = image;
	*out_size = l.image_size;
	return 0;
}

void image_write_seal(uint8_t *image, size_t size)
{
	uint64_t table_offset, table_size;

	if (size < IMAGE_HEADER_SIZE)
		return;
	table_offset = image_load64(image + IMAGE_HDR_TABLE_OFFSET);
	table_size = image_load64(image + IMAGE_HDR_TABLE_SIZE);
	if (fits(table_offset, table_size, size))
		crypto_generichash(image + IMAGE_HDR_TABLE_HASH, IMAGE_HASH_BYTES,
				   image + table_offset, table_size, NULL, 0);
	crypto_generichash(image + IMAGE_HDR_HEADER_HASH, IMAGE_HASH_BYTES, image,
			   IMAGE_HDR_HEADER_HASH, NULL, 0);
}

int image_write_resign(uint8_t *image, size_t size, uint32_t index, const uint8_t *secret_key)
{
	uint64_t table_offset, entry_at, m_offset, m_size;
	uint8_t *entry;

	if (size < IMAGE_HEADER_SIZE)
		return -1;
	table_offset = image_load64(image + IMAGE_HDR_TABLE_OFFSET);
	entry_at = (uint64_t)index * IMAGE_ENTRY_SIZE;
	if (!fits(table_offset, entry_at + IMAGE_ENTRY_SIZE, size))
		return -1;
	entry = image + table_offset + entry_at;
	m_offset = image_load64(entry + IMAGE_ENT_MANIFEST_OFFSET);
	m_size = image_load64(entry + IMAGE_ENT_MANIFEST_SIZE);
	if (!fits(m_offset, m_size, size))
		return -1;
	crypto_sign_ed25519_sk_to_pk(entry + IMAGE_ENT_KEY, secret_key);
	crypto_sign_detached(entry + IMAGE_ENT_SIGNATURE, NULL, image + m_offset, m_size,
			     secret_key);
	image_write_seal(image, size);
	return 0;
}
