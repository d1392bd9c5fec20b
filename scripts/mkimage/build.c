/*
 * archk-mkimage build: pack directory trees as signed packages into an
 * image. Each tree is read whole into memory (regular files and directories
 * only), the image is built in memory, validated with image_parse() against
 * the signing key, and only then written, atomically. Internal functions
 * return 0 or 1 (failure, already reported), like the commands.
 */
#define _GNU_SOURCE
#include "mkimage.h"
#include "image.h"
#include "image_write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The files of one directory tree, paths relative to its root. */
struct tree {
	struct image_write_file *files;
	uint32_t count;
	uint32_t capacity;
};

/* What build reads from its command line. */
struct build_args {
	const char *key_path;
	const char *out_path;
	char **specs; /* NAME=DIR */
	int spec_count;
};

/* Free a tree's paths, contents and list. */
static void tree_free(struct tree *t)
{
	for (uint32_t i = 0; i < t->count; i++) {
		free((char *)t->files[i].path);
		free((uint8_t *)t->files[i].data);
	}
	free(t->files);
	*t = (struct tree){0};
}

/* Append a file to the tree (a copy of path; data is taken over); nonzero if out of memory. */
static int tree_add(struct tree *t, const char *path, uint8_t *data, uint64_t size, uint32_t mode)
{
	char *copy = strdup(path);

	if (copy && t->count == t->capacity) {
		uint32_t capacity = t->capacity ? 2 * t->capacity : 64;
		struct image_write_file *files = realloc(t->files, capacity * sizeof *files);

		t->files = files ? files : t->files;
		t->capacity = files ? capacity : t->capacity;
	}
	if (!copy || t->count == t->capacity) {
		free(copy);
		return failure("out of memory");
	}
	t->files[t->count++] = (struct image_write_file){copy, strlen(copy), mode, data, size};
	return 0;
}

/* Read exactly size bytes from fd into a new buffer; NULL with errno set on failure. */
static uint8_t *read_contents(int fd, uint64_t size)
{
	uint8_t *data = malloc(size ? size : 1);
	uint64_t done = 0;

	while (data && done < size) {
		ssize_t n = read(fd, data + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n == 0 ? EIO : errno; /* the file shrank while being read */
			free(data);
			return NULL;
		}
		done += n;
	}
	return data;
}

/* Read the regular file name in dirfd (shown as shown) and add it to the tree as path. */
static int add_regular_file(struct tree *t, int dirfd, const char *name, const char *path,
			    const char *shown)
{
	struct stat st;
	uint8_t *data = NULL;
	int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		data = read_contents(fd, st.st_size);
	else if (fd >= 0)
		errno = EINVAL; /* replaced by something else since the walk saw it */
	if (fd >= 0)
		close(fd);
	if (!data)
		return failure("%s: cannot read: %s", shown, strerror(errno));
	if (tree_add(t, path, data, st.st_size, st.st_mode & S_IXUSR ? ARCHK_MODE_EXEC : 0)) {
		free(data);
		return 1;
	}
	return 0;
}

static int walk_directory(struct tree *t, int dirfd, const char *prefix, const char *shown);

/* Open the subdirectory name of dirfd and add its files to the tree under path. */
static int descend(struct tree *t, int dirfd, const char *name, const char *path, const char *shown)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return failure("%s: %s", shown, strerror(errno));
	return walk_directory(t, fd, path, shown);
}

/* Add one directory entry (a regular file, or a directory to descend into) to the tree. */
static int add_entry(struct tree *t, int dirfd, const char *name, const char *prefix,
		     const char *shown_dir)
{
	char *path, *shown;
	struct stat st;
	int rc;

	if (asprintf(&path, "%s%s", prefix, name) < 0)
		return failure("out of memory");
	if (asprintf(&shown, "%s/%s", shown_dir, name) < 0) {
		free(path);
		return failure("out of memory");
	}
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = failure("%s: %s", shown, strerror(errno));
	else if (S_ISREG(st.st_mode))
		rc = add_regular_file(t, dirfd, name, path, shown);
	else if (S_ISDIR(st.st_mode))
		rc = descend(t, dirfd, name, path, shown);
	else
		rc = failure("%s: is a %s; only regular files and directories can be packed", shown,
			     S_ISLNK(st.st_mode) ? "symbolic link" : "device, FIFO or socket");
	free(path);
	free(shown);
	return rc;
}

/*
 * Add every file under the directory open as dirfd (which this closes) to
 * the tree, with paths starting with prefix ("" at the root, else the
 * directory's own path); shown names the directory in messages.
 */
static int walk_directory(struct tree *t, int dirfd, const char *prefix, const char *shown)
{
	DIR *dir = fdopendir(dirfd);
	char *child_prefix = NULL;
	struct dirent *de;
	int rc = 0;

	if (!dir) {
		close(dirfd);
		return failure("%s: %s", shown, strerror(errno));
	}
	if (asprintf(&child_prefix, "%s%s", prefix, *prefix ? "/" : "") < 0) {
		closedir(dir);
		return failure("out of memory");
	}
	while (rc == 0 && (de = readdir(dir)))
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			rc = add_entry(t, dirfd, de->d_name, child_prefix, shown);
	closedir(dir);
	free(child_prefix);
	return rc;
}

/* Order files by path so that images are reproducible whatever readdir's order. */
static int compare_write_files(const void *a, const void *b)
{
	const struct image_write_file *fa = a, *fb = b;

	return strcmp(fa->path, fb->path);
}

/* Read the whole tree under dir, sorted by path. */
static int tree_read(struct tree *t, const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return failure("%s: %s", dir, strerror(errno));
	if (walk_directory(t, fd, "", dir))
		return 1;
	qsort(t->files, t->count, sizeof *t->files, compare_write_files);
	return 0;
}

/* Parse "--key K --out O NAME=DIR..." (options in any order before the specs). */
static int parse_build_args(int argc, char **argv, struct build_args *a)
{
	int i = 1;

	*a = (struct build_args){0};
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "--key") == 0)
			a->key_path = argv[i + 1];
		else if (strcmp(argv[i], "--out") == 0)
			a->out_path = argv[i + 1];
		else
			return -1;
	}
	a->specs = argv + i;
	a->spec_count = argc - i;
	for (int k = 0; k < a->spec_count; k++)
		if (a->specs[k][0] == '=' || !strchr(a->specs[k], '=') ||
		    strchr(a->specs[k], '=')[1] == '\0')
			return -1;
	return a->key_path && a->out_path && a->spec_count > 0 ? 0 : -1;
}

/* Read the signing key seed from path and expand it into a libsodium secret key; 0 or 1. */
static int load_secret_key(const char *path, uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
	uint8_t seed[crypto_sign_SEEDBYTES], pk[crypto_sign_PUBLICKEYBYTES];
	char err[4200];

	if (image_read_key_file(path, IMAGE_SECRET_KEY_LABEL, seed, err, sizeof err) < 0)
		return failure("%s", err);
	crypto_sign_seed_keypair(pk, sk, seed);
	sodium_memzero(seed, sizeof seed);
	return 0;
}

/* Read each NAME=DIR tree into trees[k] and describe it as package k (splits the specs); 0 or 1. */
static int read_packages(const struct build_args *a, const uint8_t *sk, struct tree *trees,
			 struct image_write_package *packages)
{
	for (int k = 0; k < a->spec_count; k++) {
		char *eq = strchr(a->specs[k], '=');

		*eq = '\0';
		if (tree_read(&trees[k], eq + 1))
			return 1;
		packages[k] =
		    (struct image_write_package){a->specs[k], sk, trees[k].files, trees[k].count};
	}
	return 0;
}

/* Build the image in memory, check it with image_parse, and write it atomically. */
static int assemble(const struct build_args *a, const uint8_t *sk,
		    const struct image_write_package *packages)
{
	struct image_trust trust = {.count = 1};
	struct image img;
	uint8_t *buf = NULL;
	size_t size;
	char err[4200];
	int rc = 0;

	crypto_sign_ed25519_sk_to_pk(trust.keys[0], sk);
	if (image_write(packages, a->spec_count, &buf, &size, err, sizeof err) < 0)
		return failure("%s: %s", a->out_path, err);
	if (image_parse(buf, size, &trust, &img, err, sizeof err) < 0)
		rc = failure("%s: not written, the image would be invalid: %s", a->out_path, err);
	else if (write_file_atomic(a->out_path, buf, size, 0644, true, err, sizeof err) < 0)
		rc = failure("%s", err);
	else
		printf("wrote %s: %u packages, %u files, %zu bytes\n", a->out_path,
		       img.package_count, img.file_count, size);
	image_close(&img);
	free(buf);
	return rc;
}

/* build --key PREFIX.key --out IMG NAME=DIR...: pack each DIR as package NAME. */
int cmd_build(int argc, char **argv)
{
	uint8_t sk[crypto_sign_SECRETKEYBYTES];
	struct build_args a;
	struct tree *trees;
	struct image_write_package *packages;
	int rc = 1;

	if (parse_build_args(argc, argv, &a) < 0)
		return usage(argv[0]);
	if (a.spec_count > (int)IMAGE_MAX_PACKAGES)
		return failure("too many packages (%d, limit %u)", a.spec_count,
			       IMAGE_MAX_PACKAGES);
	if (load_secret_key(a.key_path, sk))
		return 1;
	trees = calloc(a.spec_count, sizeof *trees);
	packages = calloc(a.spec_count, sizeof *packages);
	if (!trees || !packages)
		rc = failure("out of memory");
	else if (!read_packages(&a, sk, trees, packages))
		rc = assemble(&a, sk, packages);
	for (int k = 0; trees && k < a.spec_count; k++)
		tree_free(&trees[k]);
	free(trees);
	free(packages);
	sodium_memzero(sk, sizeof sk);
	return rc;
}
