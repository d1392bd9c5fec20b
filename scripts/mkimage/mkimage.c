/*
 * archk-mkimage: the tool that builds and signs rootfs.img, and inspects it.
 * docs/image-format.md describes the format and each command.
 */
#include "mkimage.h"
#include "image.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *arguments;
};

static const struct command commands[] = {
    {"keygen", cmd_keygen, "[--force] PREFIX"},
    {"build", cmd_build, "--key PREFIX.key --out IMG NAME=DIR [NAME=DIR...]"},
    {"verify", cmd_verify, "[--trust PUB]... IMG"},
    {"list", cmd_list, "IMG"},
    {"pubkey-header", cmd_pubkey_header, "PUB OUT.h"},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

int failure(const char *fmt, ...)
{
	va_list ap;

	fputs("archk-mkimage: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int usage(const char *command)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		if (strcmp(commands[i].name, command) == 0)
			fprintf(stderr, "usage: archk-mkimage %s %s\n", commands[i].name,
				commands[i].arguments);
	return EXIT_USAGE;
}

/* Print every command's usage on out (for "help" and for an unknown command). */
static void print_all_usage(FILE *out)
{
	for (size_t i = 0; i < COMMAND_COUNT; i++)
		fprintf(out, "%s archk-mkimage %s %s\n", i == 0 ? "usage:" : "      ",
			commands[i].name, commands[i].arguments);
}

/* Print what verify checked: the image, then one line per package with its signer. */
static void print_summary(const char *path, const struct image *img, bool trust_given)
{
	char hex[2 * IMAGE_KEY_BYTES + 1];

	printf("%s: valid, %u packages, %u files, %zu bytes\n", path, img->package_count,
	       img->file_count, img->size);
	for (uint32_t i = 0; i < img->package_count; i++) {
		sodium_bin2hex(hex, sizeof hex, img->packages[i].key, IMAGE_KEY_BYTES);
		printf("package %s: %u files, signed by %s\n", img->packages[i].name,
		       img->packages[i].file_count, hex);
	}
	if (!trust_given)
		printf("signers not checked against trusted keys (no --trust given)\n");
}

/* verify [--trust PUB]... IMG: validate an image fully and summarise it. */
int cmd_verify(int argc, char **argv)
{
	struct image_trust trust = {0};
	struct image img;
	char err[2048];
	int i;

	for (i = 1; i + 2 < argc && strcmp(argv[i], "--trust") == 0; i += 2)
		if (image_trust_add_file(&trust, argv[i + 1], err, sizeof err) < 0)
			return failure("%s", err);
	if (i != argc - 1 || argv[i][0] == '-')
		return usage(argv[0]);
	if (image_open(argv[i], i > 1 ? &trust : NULL, &img, err, sizeof err) < 0)
		return failure("%s", err);
	print_summary(argv[i], &img, i > 1);
	image_close(&img);
	return 0;
}

/* list IMG: one line per file, "package<TAB>x|-<TAB>size<TAB>path", sorted by path. */
int cmd_list(int argc, char **argv)
{
	struct image img;
	char err[2048];

	if (argc != 2 || argv[1][0] == '-')
		return usage(argv[0]);
	if (image_open(argv[1], NULL, &img, err, sizeof err) < 0)
		return failure("%s", err);
	for (uint32_t i = 0; i < img.file_count; i++) {
		const struct image_file *f = &img.files[i];

		printf("%s\t%s\t%llu\t%.*s\n", img.packages[f->package].name,
		       f->mode & ARCHK_MODE_EXEC ? "x" : "-", (unsigned long long)f->size,
		       (int)f->path_len, f->path);
	}
	image_close(&img);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0)) {
		print_all_usage(stdout);
		return 0;
	}
	if (sodium_init() < 0)
		return failure("libsodium failed to initialise");
	for (size_t i = 0; argc >= 2 && i < COMMAND_COUNT; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	print_all_usage(stderr);
	return EXIT_USAGE;
}
