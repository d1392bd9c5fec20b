/*
 * libFuzzer harness for the rootfs.img validator (build and run it with
 * `scripts/fuzz image`). Each input is parsed twice: as it is, and after
 * re-signing every package with the harness's own key and resealing the
 * header, so that mutations get past the checksums and signatures and reach
 * the manifest, path and layout checks. Whatever the input, image_parse must
 * not crash or read out of bounds (ASan watches), must give a one-line error
 * when it fails, and must give an index whose every file can be found.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "image.h"
#include "image_write.h"

static uint8_t secret_key[crypto_sign_SECRETKEYBYTES];
static struct image_trust trust = {.count = 1};

/* Parse buf and check the promises image_parse makes either way. */
static void parse_and_check(const uint8_t *buf, size_t size)
{
	struct image img;
	char err[512];

	if (image_parse(buf, size, &trust, &img, err, sizeof err) < 0) {
		if (err[0] == '\0' || strchr(err, '\n'))
			abort();
		return;
	}
	for (uint32_t i = 0; i < img.file_count; i++) {
		const struct image_file *f = &img.files[i];

		if (image_find(&img, f->path, f->path_len) != f || f->package >= img.package_count)
			abort();
	}
	image_close(&img);
}

/* Re-sign every package the table lists with the harness key, then reseal. */
static void resign_all(uint8_t *buf, size_t size)
{
	uint32_t packages = image_load32(buf + IMAGE_HDR_PACKAGE_COUNT);

	for (uint32_t i = 0; i < packages && i < IMAGE_MAX_PACKAGES; i++)
		image_write_resign(buf, size, i, secret_key);
	image_write_seal(buf, size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t seed[crypto_sign_SEEDBYTES] = {'f', 'u', 'z', 'z'};
	uint8_t *copy;

	if (sodium_init() < 0)
		abort();
	crypto_sign_seed_keypair(trust.keys[0], secret_key, seed);
	parse_and_check(data, size);
	if (size < IMAGE_HEADER_SIZE)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	resign_all(copy, size);
	parse_and_check(copy, size);
	free(copy);
	return 0;
}
