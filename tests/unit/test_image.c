/*
 * Unit tests for the rootfs.img validator (loader/image.c). Images are built
 * in memory with the tool's own writer (scripts/mkimage/image_write.c), then
 * damaged on purpose; after an edit the test re-signs or reseals as needed so
 * that the check under test, not an earlier checksum, is the one that fires.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "image.h"
#include "image_write.h"

/* Two signing keys: A is trusted, B is not (unless a test says so). */
static uint8_t secret_a[crypto_sign_SECRETKEYBYTES], public_a[crypto_sign_PUBLICKEYBYTES];
static uint8_t secret_b[crypto_sign_SECRETKEYBYTES], public_b[crypto_sign_PUBLICKEYBYTES];
static struct image_trust trust_a;

static const uint8_t hello_data[] = "\x7f"
				    "ELF pretend executable";
static const uint8_t init_data[] = "console=serial\n";
static uint8_t big_data[5000];

/* The standard test image: package "base" (3 files, one empty) and "extra" (1 file). */
static const struct image_write_file base_files[] = {
    {"bin/hello", 9, ARCHK_MODE_EXEC, hello_data, sizeof hello_data},
    {"etc/init.conf", 13, 0, init_data, sizeof init_data},
    {"etc/empty", 9, 0, NULL, 0},
};
static const struct image_write_file extra_files[] = {
    {"share/big", 9, 0, big_data, sizeof big_data},
};

/* An image under test and the error text of its last parse. */
static uint8_t *img;
static size_t img_size;
static char err[2048];

/* Make deterministic keys and file contents. */
static void setup(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	cr_assert(sodium_init() >= 0);
	memset(seed, 'a', sizeof seed);
	crypto_sign_seed_keypair(public_a, secret_a, seed);
	memset(seed, 'b', sizeof seed);
	crypto_sign_seed_keypair(public_b, secret_b, seed);
	trust_a.count = 1;
	memcpy(trust_a.keys[0], public_a, IMAGE_KEY_BYTES);
	for (size_t i = 0; i < sizeof big_data; i++)
		big_data[i] = (uint8_t)(i * 7 + 3);
}

/* A temporary directory made by make_temp_dir (tests remove what they put in it). */
static char temp_dir[64];

static void teardown(void)
{
	free(img);
	img = NULL;
	if (temp_dir[0])
		rmdir(temp_dir);
}

TestSuite(image, .init = setup, .fini = teardown);

/* Build img from packages; the writer itself must not fail. */
static void build(const struct image_write_package *packages, uint32_t count)
{
	char werr[256];

	free(img);
	cr_assert_eq(image_write(packages, count, &img, &img_size, werr, sizeof werr), 0, "%s",
		     werr);
}

/* Build the standard image, "base" signed by base_key and "extra" by key A. */
static void build_standard_signed_by(const uint8_t *base_key)
{
	const struct image_write_package packages[] = {
	    {"base", base_key, base_files, 3},
	    {"extra", secret_a, extra_files, 1},
	};

	build(packages, 2);
}

static void build_standard(void)
{
	build_standard_signed_by(secret_a);
}

/* Build a one-package image holding the given files. */
static void build_files(const struct image_write_file *files, uint32_t count)
{
	const struct image_write_package package = {"base", secret_a, files, count};

	build(&package, 1);
}

/* Parse buf and require failure with an error containing fragment (one line). */
static void expect_error_in(const uint8_t *buf, size_t size, const struct image_trust *trust,
			    const char *fragment)
{
	struct image parsed;

	int rc = image_parse(buf, size, trust, &parsed, err, sizeof err);

	cr_assert_eq(rc, strstr(fragment, "untrusted") ? IMAGE_UNTRUSTED : -1,
		     "result %d; expected \"%s\"", rc, fragment);
	cr_assert(strstr(err, fragment), "error \"%s\" lacks \"%s\"", err, fragment);
	cr_assert_null(strchr(err, '\n'), "error has a newline: %s", err);
	cr_assert_null(parsed.files);
}

/* The same for img, trusting key A. */
static void expect_error(const char *fragment)
{
	expect_error_in(img, img_size, &trust_a, fragment);
}

/* Parse img, trusting key A, and require success. */
static void expect_valid(struct image *parsed)
{
	cr_assert_eq(image_parse(img, img_size, &trust_a, parsed, err, sizeof err), 0, "%s", err);
}

/* Package i's table entry. */
static uint8_t *table_entry(uint32_t i)
{
	return img + image_load64(img + IMAGE_HDR_TABLE_OFFSET) + (size_t)i * IMAGE_ENTRY_SIZE;
}

/* Package i's manifest. */
static uint8_t *manifest(uint32_t i)
{
	return img + image_load64(table_entry(i) + IMAGE_ENT_MANIFEST_OFFSET);
}

/* File entry k of package i's manifest. */
static uint8_t *file_entry(uint32_t i, uint32_t k)
{
	uint8_t *m = manifest(i);
	uint8_t *e = m + IMAGE_MAN_HEADER_SIZE + image_load32(m + IMAGE_MAN_NAME_LEN);

	while (k--)
		e += IMAGE_FILE_ENTRY_SIZE + image_load32(e + IMAGE_FILE_PATH_LEN);
	return e;
}

/* Set a 64-bit field of file entry k of package i, and re-sign package i with key A. */
static void set_file_field(uint32_t i, uint32_t k, int field, uint64_t value)
{
	image_store64(file_entry(i, k) + field, value);
	cr_assert_eq(image_write_resign(img, img_size, i, secret_a), 0);
}

/* Check one parsed file against its expected contents. */
static void expect_file(const struct image *parsed, const char *path, const uint8_t *data,
			uint64_t size, uint32_t mode, const char *package)
{
	const struct image_file *f = image_find(parsed, path, strlen(path));

	cr_assert_not_null(f, "%s not found", path);
	cr_assert_eq(f->size, size, "%s size", path);
	cr_assert_eq(f->mode, mode, "%s mode", path);
	cr_assert_str_eq(parsed->packages[f->package].name, package);
	cr_assert(size == 0 || memcmp(f->data, data, size) == 0, "%s contents", path);
	cr_assert_eq((uintptr_t)(f->data - parsed->base) % IMAGE_PAGE_SIZE, 0);
}

Test(image, valid_image_parses_and_files_are_found)
{
	struct image parsed;

	build_standard();
	expect_valid(&parsed);
	cr_assert_eq(parsed.package_count, 2);
	cr_assert_eq(parsed.file_count, 4);
	cr_assert_eq(img_size % IMAGE_PAGE_SIZE, 0);
	cr_assert_eq(parsed.packages[0].file_count, 3);
	cr_assert_eq(memcmp(parsed.packages[1].key, public_a, IMAGE_KEY_BYTES), 0);
	expect_file(&parsed, "bin/hello", hello_data, sizeof hello_data, ARCHK_MODE_EXEC, "base");
	expect_file(&parsed, "etc/init.conf", init_data, sizeof init_data, 0, "base");
	expect_file(&parsed, "etc/empty", NULL, 0, 0, "base");
	expect_file(&parsed, "share/big", big_data, sizeof big_data, 0, "extra");
	cr_assert_eq(memcmp(parsed.files[0].path, "bin/hello", 9), 0, "sorted by path");
	cr_assert_eq(memcmp(parsed.files[3].path, "share/big", 9), 0, "sorted by path");
	image_close(&parsed);
}

Test(image, find_misses_prefixes_and_extensions)
{
	struct image parsed;

	build_standard();
	expect_valid(&parsed);
	cr_assert_null(image_find(&parsed, "bin", 3));
	cr_assert_null(image_find(&parsed, "bin/hell", 8));
	cr_assert_null(image_find(&parsed, "bin/hello2", 10));
	cr_assert_null(image_find(&parsed, "", 0));
	cr_assert_null(image_find(&parsed, "zzz", 3));
	cr_assert_not_null(image_find(&parsed, "bin/hello/x", 9), "length bounds the key");
	image_close(&parsed);
}

Test(image, null_trust_accepts_any_signer)
{
	struct image parsed;

	build_standard_signed_by(secret_b);
	cr_assert_eq(image_parse(img, img_size, NULL, &parsed, err, sizeof err), 0, "%s", err);
	image_close(&parsed);
}

Test(image, empty_buffer)
{
	expect_error_in((const uint8_t *)"", 0, &trust_a, "empty image");
}

Test(image, short_buffer)
{
	build_standard();
	expect_error_in(img, 50, &trust_a,
			"truncated: 50 bytes is smaller than the 112-byte header");
}

Test(image, random_bytes_are_rejected)
{
	uint8_t seed[randombytes_SEEDBYTES] = {0};
	static uint8_t noise[20000];

	for (unsigned i = 0; i < 300; i++) {
		size_t size = (i * 7919u) % sizeof noise;

		seed[0] = i & 0xff;
		seed[1] = i >> 8;
		randombytes_buf_deterministic(noise, sizeof noise, seed);
		if (i % 2) /* get past the magic and version checks */
			memcpy(noise, IMAGE_MAGIC "\x01\0\0\0", 12);
		expect_error_in(noise, size, &trust_a, "");
	}
}

Test(image, bad_magic)
{
	build_standard();
	img[3] ^= 0x20;
	expect_error("bad magic");
}

Test(image, bad_version)
{
	build_standard();
	image_store32(img + IMAGE_HDR_VERSION, 2);
	image_write_seal(img, img_size);
	expect_error("unsupported version 2 (expected 1)");
}

Test(image, header_checksum)
{
	build_standard();
	img[IMAGE_HDR_TABLE_OFFSET] ^= 1;
	expect_error("header checksum mismatch");
}

Test(image, truncated_image)
{
	char expected[128];

	build_standard();
	snprintf(expected, sizeof expected, "truncated: header says %zu bytes, file has 4000",
		 img_size);
	expect_error_in(img, 4000, &trust_a, expected);
}

Test(image, trailing_data)
{
	char expected[128];

	build_standard();
	img = realloc(img, img_size + IMAGE_PAGE_SIZE);
	memset(img + img_size, 0, IMAGE_PAGE_SIZE);
	snprintf(expected, sizeof expected, "trailing data: header says %zu bytes, file has %zu",
		 img_size, img_size + IMAGE_PAGE_SIZE);
	expect_error_in(img, img_size + IMAGE_PAGE_SIZE, &trust_a, expected);
}

Test(image, size_not_page_multiple)
{
	build_standard();
	image_store64(img + IMAGE_HDR_IMAGE_SIZE, img_size - 1);
	image_write_seal(img, img_size);
	expect_error_in(img, img_size - 1, &trust_a, "is not a multiple of 4096");
}

Test(image, every_flipped_byte_is_detected, .timeout = 100)
{
	static const uint8_t masks[] = {0x01, 0x80, 0xff};
	struct image parsed;

	build_standard();
	for (size_t at = 0; at < img_size; at++) {
		for (size_t m = 0; m < sizeof masks; m++) {
			img[at] ^= masks[m];
			cr_assert_eq(image_parse(img, img_size, &trust_a, &parsed, err, sizeof err),
				     -1, "flip 0x%02x at offset %zu not detected", masks[m], at);
			img[at] ^= masks[m];
		}
	}
	expect_valid(&parsed);
	image_close(&parsed);
}

Test(image, reserved_header_field)
{
	build_standard();
	img[IMAGE_HDR_RESERVED] = 1;
	image_write_seal(img, img_size);
	expect_error("reserved header field is not zero");
}

Test(image, package_and_file_limits)
{
	build_standard();
	image_store32(img + IMAGE_HDR_PACKAGE_COUNT, 257);
	image_write_seal(img, img_size);
	expect_error("too many packages (257, limit 256)");
	image_store32(img + IMAGE_HDR_PACKAGE_COUNT, 0);
	image_write_seal(img, img_size);
	expect_error("image has no packages");
	image_store32(img + IMAGE_HDR_PACKAGE_COUNT, 2);
	image_store32(img + IMAGE_HDR_FILE_COUNT, 65537);
	image_write_seal(img, img_size);
	expect_error("too many files (65537, limit 65536)");
}

Test(image, file_count_must_match_manifests)
{
	build_standard();
	image_store32(img + IMAGE_HDR_FILE_COUNT, 3);
	image_write_seal(img, img_size);
	expect_error("package \"extra\": 1 files exceed the header's file count 3");
	image_store32(img + IMAGE_HDR_FILE_COUNT, 5);
	image_write_seal(img, img_size);
	expect_error("header says 5 files, manifests list 4");
}

Test(image, package_table_bounds)
{
	build_standard();
	image_store64(img + IMAGE_HDR_TABLE_OFFSET, 0xffffffffffffff00ull);
	image_write_seal(img, img_size);
	expect_error("package table offset 18446744073709551360 outside image");
	image_store64(img + IMAGE_HDR_TABLE_OFFSET, img_size - IMAGE_ENTRY_SIZE);
	image_write_seal(img, img_size);
	expect_error("package table offset");
	image_store64(img + IMAGE_HDR_TABLE_SIZE, IMAGE_ENTRY_SIZE);
	image_write_seal(img, img_size);
	expect_error("package table size 176, expected 2 entries of 176 bytes");
}

Test(image, package_table_checksum)
{
	build_standard();
	table_entry(1)[IMAGE_ENT_NAME] ^= 1;
	expect_error("package table checksum mismatch");
}

Test(image, manifest_offset_overflow)
{
	build_standard();
	image_store64(table_entry(1) + IMAGE_ENT_MANIFEST_OFFSET, 0xffffffffffffff00ull);
	image_write_seal(img, img_size);
	expect_error("package table entry 1: manifest offset 18446744073709551360 outside image");
	image_store64(table_entry(1) + IMAGE_ENT_MANIFEST_OFFSET, 4096);
	image_store64(table_entry(1) + IMAGE_ENT_MANIFEST_SIZE, 0xffffffffffffff00ull);
	image_write_seal(img, img_size);
	expect_error("package table entry 1: manifest offset 4096 size 18446744073709551360 runs "
		     "past end of image");
}

Test(image, wrong_signature)
{
	build_standard();
	table_entry(0)[IMAGE_ENT_SIGNATURE + 5] ^= 1;
	image_write_seal(img, img_size);
	expect_error("package \"base\": signature does not verify");
}

Test(image, tampered_manifest)
{
	build_standard();
	file_entry(0, 1)[IMAGE_FILE_MODE] ^= 1;
	expect_error("package \"base\": signature does not verify");
}

Test(image, untrusted_key)
{
	char hex[2 * IMAGE_KEY_BYTES + 1], expected[160];

	build_standard_signed_by(secret_b);
	sodium_bin2hex(hex, sizeof hex, public_b, IMAGE_KEY_BYTES);
	snprintf(expected, sizeof expected, "package \"base\": signed by untrusted key %s", hex);
	expect_error(expected);
}

Test(image, empty_trust_list_trusts_nothing)
{
	struct image_trust none = {0};

	build_standard();
	expect_error_in(img, img_size, &none, "package \"base\": signed by untrusted key");
}

Test(image, signature_swapped_between_packages)
{
	uint8_t saved[IMAGE_SIG_BYTES];

	build_standard();
	memcpy(saved, table_entry(0) + IMAGE_ENT_SIGNATURE, IMAGE_SIG_BYTES);
	memcpy(table_entry(0) + IMAGE_ENT_SIGNATURE, table_entry(1) + IMAGE_ENT_SIGNATURE,
	       IMAGE_SIG_BYTES);
	memcpy(table_entry(1) + IMAGE_ENT_SIGNATURE, saved, IMAGE_SIG_BYTES);
	image_write_seal(img, img_size);
	expect_error("package \"base\": signature does not verify");
}

Test(image, manifest_and_signature_swapped_between_packages)
{
	uint8_t saved[IMAGE_ENTRY_SIZE - IMAGE_ENT_MANIFEST_OFFSET];
	size_t len = sizeof saved;

	build_standard();
	memcpy(saved, table_entry(0) + IMAGE_ENT_MANIFEST_OFFSET, len);
	memcpy(table_entry(0) + IMAGE_ENT_MANIFEST_OFFSET,
	       table_entry(1) + IMAGE_ENT_MANIFEST_OFFSET, len);
	memcpy(table_entry(1) + IMAGE_ENT_MANIFEST_OFFSET, saved, len);
	image_write_seal(img, img_size);
	expect_error("package \"base\": manifest is for another package");
}

Test(image, overlapping_file_data)
{
	build_standard();
	set_file_field(1, 0, IMAGE_FILE_DATA_OFFSET,
		       image_load64(file_entry(0, 0) + IMAGE_FILE_DATA_OFFSET));
	expect_error("overlaps file \"bin/hello\" at offset 4096");
}

Test(image, file_data_over_metadata)
{
	build_standard();
	set_file_field(1, 0, IMAGE_FILE_DATA_OFFSET, 0);
	expect_error("file \"share/big\" overlaps header at offset 0");
}

Test(image, file_offset_overflow)
{
	build_standard();
	set_file_field(0, 0, IMAGE_FILE_DATA_OFFSET, 0xfffffffffffff000ull);
	expect_error("file \"bin/hello\": data offset 18446744073709547520 outside image");
	set_file_field(0, 0, IMAGE_FILE_DATA_OFFSET, 4096);
	set_file_field(0, 0, IMAGE_FILE_SIZE, 0xffffffffffffff00ull);
	expect_error("file \"bin/hello\": data offset 4096 size 18446744073709551360 runs past end "
		     "of image");
}

Test(image, file_offset_unaligned)
{
	build_standard();
	set_file_field(0, 0, IMAGE_FILE_DATA_OFFSET, 4097);
	expect_error("file \"bin/hello\": data offset 4097 is not a multiple of 4096");
}

Test(image, empty_file_with_offset)
{
	build_standard();
	set_file_field(0, 2, IMAGE_FILE_DATA_OFFSET, 4096);
	expect_error("file \"etc/empty\": empty file with data offset 4096 (must be 0)");
}

Test(image, file_hash_mismatch)
{
	build_standard();
	file_entry(1, 0)[IMAGE_FILE_HASH] ^= 1;
	cr_assert_eq(image_write_resign(img, img_size, 1, secret_a), 0);
	expect_error("file \"share/big\": hash mismatch");
}

Test(image, unknown_mode_bits)
{
	build_standard();
	image_store32(file_entry(0, 1) + IMAGE_FILE_MODE, 3);
	cr_assert_eq(image_write_resign(img, img_size, 0, secret_a), 0);
	expect_error("file \"etc/init.conf\": unknown mode bits 0x3");
}

Test(image, nonzero_padding)
{
	char expected[64];

	build_standard();
	img[img_size - 1] = 1;
	snprintf(expected, sizeof expected, "nonzero padding byte at offset %zu", img_size - 1);
	expect_error(expected);
	img[img_size - 1] = 0;
	img[IMAGE_PAGE_SIZE - 1] = 0x55;
	expect_error("nonzero padding byte at offset 4095");
}

Test(image, manifest_trailing_bytes)
{
	uint8_t *entry;

	build_standard();
	entry = table_entry(1);
	image_store64(entry + IMAGE_ENT_MANIFEST_SIZE,
		      image_load64(entry + IMAGE_ENT_MANIFEST_SIZE) + 3);
	cr_assert_eq(image_write_resign(img, img_size, 1, secret_a), 0);
	expect_error("package \"extra\": 3 bytes after the last manifest entry");
}

Test(image, manifest_file_count_too_large)
{
	build_standard();
	image_store32(manifest(1) + IMAGE_MAN_FILE_COUNT, 2);
	image_store32(img + IMAGE_HDR_FILE_COUNT, 5);
	cr_assert_eq(image_write_resign(img, img_size, 1, secret_a), 0);
	expect_error("package \"extra\": file entry 1 runs past end of manifest");
}

Test(image, manifest_path_length_too_large)
{
	build_standard();
	image_store32(file_entry(1, 0) + IMAGE_FILE_PATH_LEN, 100);
	cr_assert_eq(image_write_resign(img, img_size, 1, secret_a), 0);
	expect_error("package \"extra\": file entry 0: path runs past end of manifest");
}

/* Build a one-file image with the given path and require the parse error fragment. */
static void expect_path_error(const char *path, uint32_t path_len, const char *fragment)
{
	const struct image_write_file file = {path, path_len, 0, init_data, sizeof init_data};

	build_files(&file, 1);
	expect_error(fragment);
}

Test(image, bad_paths)
{
	static char long_path[IMAGE_PATH_MAX + 1];

	expect_path_error("/abs", 4, "file \"/abs\": path is absolute");
	expect_path_error("a/../b", 6, "file \"a/../b\": \".\" or \"..\" path component");
	expect_path_error("./a", 3, "file \"./a\": \".\" or \"..\" path component");
	expect_path_error("..", 2, "file \"..\": \".\" or \"..\" path component");
	expect_path_error("a//b", 4, "file \"a//b\": empty path component");
	expect_path_error("a/", 2, "file \"a/\": empty path component");
	expect_path_error("a\0b", 3, "package \"base\": file entry 0: path has byte 0x00 at 1");
	expect_path_error("a\nb", 3, "package \"base\": file entry 0: path has byte 0x0a at 1");
	expect_path_error("", 0, "package \"base\": file entry 0: path length 0 not in 1..1024");
	memset(long_path, 'x', sizeof long_path);
	expect_path_error(long_path, sizeof long_path,
			  "package \"base\": file entry 0: path length 1025 not in 1..1024");
}

Test(image, longest_path_and_dotted_names_are_fine)
{
	static char long_path[IMAGE_PATH_MAX];
	const struct image_write_file files[] = {
	    {long_path, sizeof long_path, 0, init_data, sizeof init_data},
	    {".hidden/..x/a.", 14, 0, NULL, 0},
	};
	struct image parsed;

	memset(long_path, 'y', sizeof long_path);
	build_files(files, 2);
	expect_valid(&parsed);
	image_close(&parsed);
}

Test(image, duplicate_paths_across_packages)
{
	const struct image_write_file clash[] = {{"bin/hello", 9, 0, NULL, 0}};
	const struct image_write_package packages[] = {
	    {"base", secret_a, base_files, 3},
	    {"extra", secret_a, clash, 1},
	};

	build(packages, 2);
	expect_error("file \"bin/hello\": in both packages \"base\" and \"extra\"");
}

Test(image, duplicate_paths_in_one_package)
{
	const struct image_write_file files[] = {
	    {"etc/a", 5, 0, NULL, 0},
	    {"etc/a", 5, 0, init_data, sizeof init_data},
	};

	build_files(files, 2);
	expect_error("file \"etc/a\": listed twice in package \"base\"");
}

Test(image, file_that_is_also_a_directory)
{
	const struct image_write_file files[] = {
	    {"bin", 3, 0, NULL, 0},
	    {"bin-x", 5, 0, NULL, 0},
	    {"bin/sub/sh", 10, 0, NULL, 0},
	};

	build_files(files, 3);
	expect_error("file \"bin\": is also the directory of \"bin/sub/sh\"");
}

Test(image, bad_package_names)
{
	const struct image_write_package slash = {"ba/se", secret_a, base_files, 3};
	const struct image_write_package twice[] = {
	    {"base", secret_a, base_files, 1},
	    {"base", secret_a, extra_files, 1},
	};

	build(&slash, 1);
	expect_error("package table entry 0: name has invalid byte 0x2f");
	build(twice, 2);
	expect_error("package \"base\": duplicate package name");
	table_entry(0)[IMAGE_ENT_NAME + 40] = 'x';
	image_write_seal(img, img_size);
	expect_error("package table entry 0: name padding is not zero");
	memset(table_entry(0) + IMAGE_ENT_NAME, 0, 64);
	image_write_seal(img, img_size);
	expect_error("package table entry 0: empty name");
}

Test(image, package_without_files)
{
	const struct image_write_package packages[] = {
	    {"empty", secret_a, NULL, 0},
	    {"extra", secret_a, extra_files, 1},
	};
	struct image parsed;

	build(packages, 2);
	expect_valid(&parsed);
	cr_assert_eq(parsed.packages[0].file_count, 0);
	image_close(&parsed);
}

/* A fresh temporary directory for file-system tests, removed by teardown. */
static char *make_temp_dir(void)
{
	snprintf(temp_dir, sizeof temp_dir, "/tmp/test_image.XXXXXX");
	cr_assert_not_null(mkdtemp(temp_dir), "mkdtemp: %s", strerror(errno));
	return temp_dir;
}

/* Write len bytes to path. */
static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert_not_null(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
}

/* image_open(path) must fail with "path: " followed by fragment. */
static void expect_open_error(const char *path, const char *fragment)
{
	struct image opened;
	char expected[512];

	snprintf(expected, sizeof expected, "%s: %s", path, fragment);
	cr_assert_eq(image_open(path, &trust_a, &opened, err, sizeof err), -1, "%s opened", path);
	cr_assert(strstr(err, expected), "error \"%s\" lacks \"%s\"", err, expected);
	cr_assert_null(strchr(err, '\n'));
}

Test(image, open_valid_file)
{
	char path[256];
	struct image opened;

	snprintf(path, sizeof path, "%s/rootfs.img", make_temp_dir());
	build_standard();
	write_file(path, img, img_size);
	cr_assert_eq(image_open(path, &trust_a, &opened, err, sizeof err), 0, "%s", err);
	cr_assert(opened.mapped);
	expect_file(&opened, "share/big", big_data, sizeof big_data, 0, "extra");
	image_close(&opened);
	cr_assert_null(opened.files);
	unlink(path);
}

Test(image, open_reports_parse_errors_with_the_path)
{
	char path[256];

	snprintf(path, sizeof path, "%s/rootfs.img", make_temp_dir());
	build_standard();
	img[0] = 'X';
	write_file(path, img, img_size);
	expect_open_error(path, "bad magic");
	unlink(path);
}

Test(image, open_missing_file)
{
	expect_open_error("/nonexistent/rootfs.img", "cannot open: No such file or directory");
}

Test(image, open_directory)
{
	expect_open_error(make_temp_dir(), "not a regular file (directory)");
}

Test(image, open_fifo_does_not_block, .timeout = 10)
{
	char path[256];

	snprintf(path, sizeof path, "%s/fifo", make_temp_dir());
	cr_assert_eq(mkfifo(path, 0600), 0, "mkfifo: %s", strerror(errno));
	expect_open_error(path, "not a regular file (FIFO)");
	unlink(path);
}

Test(image, open_dev_null)
{
	expect_open_error("/dev/null", "not a regular file (character device)");
}

Test(image, open_empty_file)
{
	char path[256];

	snprintf(path, sizeof path, "%s/empty.img", make_temp_dir());
	write_file(path, "", 0);
	expect_open_error(path, "empty file");
	unlink(path);
}

Test(image, close_of_zeroed_image_is_harmless)
{
	struct image nothing = {0};

	image_close(&nothing);
}

Test(image, trust_add_file)
{
	char path[256], line[128], hex[2 * IMAGE_KEY_BYTES + 1];
	struct image_trust trust = {0};

	snprintf(path, sizeof path, "%s/key.pub", make_temp_dir());
	sodium_bin2hex(hex, sizeof hex, public_b, IMAGE_KEY_BYTES);
	snprintf(line, sizeof line, "%s %s\n", IMAGE_PUBLIC_KEY_LABEL, hex);
	write_file(path, line, strlen(line));
	cr_assert_eq(image_trust_add_file(&trust, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(image_trust_add_file(&trust, path, err, sizeof err), 0, "%s", err);
	cr_assert_eq(trust.count, 1, "a key already trusted is not added twice");
	cr_assert_eq(memcmp(trust.keys[0], public_b, IMAGE_KEY_BYTES), 0);
	build_standard_signed_by(secret_b);
	expect_error_in(img, img_size, &trust, "package \"extra\": signed by untrusted key");
	unlink(path);
}

Test(image, trust_add_file_rejects_other_files)
{
	char path[256], line[128], hex[2 * IMAGE_KEY_BYTES + 1];
	struct image_trust trust = {0};

	snprintf(path, sizeof path, "%s/key", make_temp_dir());
	sodium_bin2hex(hex, sizeof hex, public_b, IMAGE_KEY_BYTES);
	snprintf(line, sizeof line, "%s %s\n", IMAGE_SECRET_KEY_LABEL, hex);
	write_file(path, line, strlen(line));
	cr_assert_eq(image_trust_add_file(&trust, path, err, sizeof err), -1);
	cr_assert(strstr(err, "not a key file"), "%s", err);
	snprintf(line, sizeof line, "%s %.62s\n", IMAGE_PUBLIC_KEY_LABEL, hex);
	write_file(path, line, strlen(line));
	cr_assert_eq(image_trust_add_file(&trust, path, err, sizeof err), -1);
	cr_assert_eq(image_trust_add_file(&trust, "/dev/null", err, sizeof err), -1);
	cr_assert(strstr(err, "/dev/null: not a regular file (character device)"), "%s", err);
	cr_assert_eq(trust.count, 0);
	unlink(path);
}

Test(image, trust_list_is_bounded)
{
	char path[256], line[128], hex[2 * IMAGE_KEY_BYTES + 1];
	struct image_trust trust = {0};
	uint8_t key[IMAGE_KEY_BYTES] = {0};

	snprintf(path, sizeof path, "%s/key.pub", make_temp_dir());
	for (unsigned i = 0; i <= IMAGE_TRUST_MAX; i++) {
		key[0] = i;
		sodium_bin2hex(hex, sizeof hex, key, IMAGE_KEY_BYTES);
		snprintf(line, sizeof line, "%s %s\n", IMAGE_PUBLIC_KEY_LABEL, hex);
		write_file(path, line, strlen(line));
		cr_assert_eq(image_trust_add_file(&trust, path, err, sizeof err),
			     i < IMAGE_TRUST_MAX ? 0 : -1);
	}
	cr_assert(strstr(err, "too many trusted keys (limit 16)"), "%s", err);
	unlink(path);
}
