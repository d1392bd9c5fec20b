/*
 * Writer for rootfs.img (docs/image-format.md), shared by archk-mkimage and
 * the unit tests. It lays out, hashes and signs whatever it is given without
 * judging it: paths and names are validated by image_parse(), which
 * archk-mkimage runs on every image before writing it, and which the tests
 * feed deliberately bad images built here.
 */
#ifndef ARCHK_IMAGE_WRITE_H
#define ARCHK_IMAGE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/* Little-endian stores, the counterparts of image_load32/64. */
static inline void image_store32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = v >> (8 * i);
}

static inline void image_store64(uint8_t *p, uint64_t v)
{
	image_store32(p, (uint32_t)v);
	image_store32(p + 4, (uint32_t)(v >> 32));
}

struct image_write_file {
	const char *path; /* path_len bytes, not necessarily NUL-terminated */
	uint32_t path_len;
	uint32_t mode; /* ARCHK_MODE_EXEC or 0 */
	const uint8_t *data;
	uint64_t size;
};

struct image_write_package {
	const char *name;	   /* at most IMAGE_NAME_MAX bytes */
	const uint8_t *secret_key; /* crypto_sign_SECRETKEYBYTES, libsodium layout */
	const struct image_write_file *files;
	uint32_t file_count;
};

/*
 * Build an image of the packages, in the given order, into a new malloc'd
 * buffer (*out, *out_size). 0 on success, -1 with one line in err.
 */
int image_write(const struct image_write_package *packages, uint32_t package_count, uint8_t **out,
		size_t *out_size, char *err, size_t errlen);

/* Recompute the package table hash and header checksum after an edit. */
void image_write_seal(uint8_t *image, size_t size);

/*
 * Re-sign package index's manifest with secret_key (also storing its public
 * key in the table entry), then reseal. -1 if the header, table entry or
 * manifest range does not fit in the image; safe on any input.
 */
int image_write_resign(uint8_t *image, size_t size, uint32_t index, const uint8_t *secret_key);

#endif
