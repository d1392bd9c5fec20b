/*
 * rootfs.img: the read-only store, a set of signed packages of files.
 *
 * docs/image-format.md describes the on-disk format byte by byte; the
 * constants below are that layout. image_parse() validates a whole image
 * (header checksum, package table hash, Ed25519 manifest signatures, file
 * hashes, zero padding) so that any changed byte is detected, and hands back
 * a sorted index of the files, whose data stay in place in the image.
 */
#ifndef ARCHK_LOADER_IMAGE_H
#define ARCHK_LOADER_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <archk/syscall.h>

#define IMAGE_KEY_BYTES	 32 /* Ed25519 public key */
#define IMAGE_SIG_BYTES	 64 /* Ed25519 detached signature */
#define IMAGE_HASH_BYTES 32 /* BLAKE2b-256 */
#define IMAGE_TRUST_MAX	 16

/* Limits. */
#define IMAGE_PAGE_SIZE	   4096u
#define IMAGE_NAME_MAX	   63u	 /* bytes in a package name */
#define IMAGE_PATH_MAX	   1024u /* bytes in a file path */
#define IMAGE_MAX_PACKAGES 256u
#define IMAGE_MAX_FILES	   65536u
#define IMAGE_MAX_SIZE	   (4ull << 30) /* 4 GiB */

/* Header at offset 0: field offsets, all integers little-endian. */
#define IMAGE_MAGIC		"ARCHKIMG" /* 8 bytes, no NUL */
#define IMAGE_VERSION		1u
#define IMAGE_HDR_MAGIC		0  /* u8[8] */
#define IMAGE_HDR_VERSION	8  /* u32 */
#define IMAGE_HDR_PACKAGE_COUNT 12 /* u32 */
#define IMAGE_HDR_IMAGE_SIZE	16 /* u64 */
#define IMAGE_HDR_TABLE_OFFSET	24 /* u64 */
#define IMAGE_HDR_TABLE_SIZE	32 /* u64 */
#define IMAGE_HDR_FILE_COUNT	40 /* u32 */
#define IMAGE_HDR_RESERVED	44 /* u32, zero */
#define IMAGE_HDR_TABLE_HASH	48 /* u8[32], BLAKE2b-256 of the package table */
#define IMAGE_HDR_HEADER_HASH	80 /* u8[32], BLAKE2b-256 of header bytes [0, 80) */
#define IMAGE_HEADER_SIZE	112

/* Package table entry. */
#define IMAGE_ENT_NAME		  0   /* u8[64], NUL-padded */
#define IMAGE_ENT_KEY		  64  /* u8[32], signer's public key */
#define IMAGE_ENT_MANIFEST_OFFSET 96  /* u64 */
#define IMAGE_ENT_MANIFEST_SIZE	  104 /* u64 */
#define IMAGE_ENT_SIGNATURE	  112 /* u8[64], over the manifest bytes */
#define IMAGE_ENTRY_SIZE	  176

/* Manifest: a header, the package name, then file entries. */
#define IMAGE_MANIFEST_MAGIC  "ARCHKMAN"
#define IMAGE_MAN_MAGIC	      0	 /* u8[8] */
#define IMAGE_MAN_NAME_LEN    8	 /* u32 */
#define IMAGE_MAN_FILE_COUNT  12 /* u32 */
#define IMAGE_MAN_HEADER_SIZE 16 /* followed by name_len bytes of name */

/* Manifest file entry, followed by path_len bytes of path. */
#define IMAGE_FILE_DATA_OFFSET 0  /* u64 */
#define IMAGE_FILE_SIZE	       8  /* u64 */
#define IMAGE_FILE_MODE	       16 /* u32 */
#define IMAGE_FILE_PATH_LEN    20 /* u32 */
#define IMAGE_FILE_HASH	       24 /* u8[32], BLAKE2b-256 of the data */
#define IMAGE_FILE_ENTRY_SIZE  56

/* First word of the key files written by archk-mkimage keygen. */
#define IMAGE_PUBLIC_KEY_LABEL "archk-ed25519-public"
#define IMAGE_SECRET_KEY_LABEL "archk-ed25519-secret"

/* Little-endian loads, byte by byte so that no alignment is assumed. */
static inline uint32_t image_load32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t image_load64(const uint8_t *p)
{
	return (uint64_t)image_load32(p) | (uint64_t)image_load32(p + 4) << 32;
}

/* Public keys whose signatures are accepted. */
struct image_trust {
	unsigned count;
	uint8_t keys[IMAGE_TRUST_MAX][IMAGE_KEY_BYTES];
};

/* One file of the store, after validation. */
struct image_file {
	const char *path; /* points into the image, NOT NUL-terminated */
	uint32_t path_len;
	uint32_t mode;	     /* ARCHK_MODE_EXEC (1) if executable */
	const uint8_t *data; /* points into the mapped image */
	uint64_t size;
	uint32_t package;    /* index into packages */
	const uint8_t *hash; /* BLAKE2b-256 of data, in the manifest */
};

struct image_package {
	char name[64]; /* NUL-terminated */
	uint8_t key[IMAGE_KEY_BYTES];
	uint32_t file_count;
};

struct image {
	const uint8_t *base;
	size_t size;
	int mapped; /* image_open mmapped it */
	int fd;	    /* image_open's descriptor, kept open to map files from; -1 if none */
	uint32_t file_count;
	struct image_file *files; /* sorted by path (memcmp order, shorter first on tie) */
	uint32_t package_count;
	struct image_package *packages;
};

/* image_parse's and image_open's result when a package's signer is not trusted. */
#define IMAGE_UNTRUSTED (-2)

/*
 * Validate a whole image held in memory. 0 on success; -1 (IMAGE_UNTRUSTED
 * for a signer not in trust) with ONE line (no newline) in err. trust NULL accepts any signer
 * (signatures are still verified): only for tools that list an image, never for booting. buf must
 * stay valid while out is used; image_close(out) frees the index.
 */
int image_parse(const uint8_t *buf, size_t size, const struct image_trust *trust, struct image *out,
		char *err, size_t errlen);

/*
 * Open path (must be a regular file: refuse missing, directory, FIFO, device,
 * with a precise message and without ever blocking on a FIFO), mmap it
 * read-only, image_parse it. Errors (-1, or image_parse's) start with "path: ". The descriptor
 * stays open in out->fd (read-only, close-on-exec) so that files can be mapped from it; image_close
 * closes it.
 */
int image_open(const char *path, const struct image_trust *trust, struct image *out, char *err,
	       size_t errlen);

/* Free the index, and unmap and close the image if image_open opened it. */
void image_close(struct image *img);

/* Find a file by exact path; NULL if absent (binary search). */
const struct image_file *image_find(const struct image *img, const char *path, size_t path_len);

/* Read a public key file written by archk-mkimage keygen and add it to trust. */
int image_trust_add_file(struct image_trust *trust, const char *path, char *err, size_t errlen);

/*
 * Read a key file: one line "LABEL <64 hex digits>\n" holding 32 bytes (a
 * public key, or the seed of a secret key). Shared with archk-mkimage.
 */
int image_read_key_file(const char *path, const char *label, uint8_t out[IMAGE_KEY_BYTES],
			char *err, size_t errlen);

#endif
