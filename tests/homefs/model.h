/*
 * The reference the homefs tests compare with: a tree of paths (no leading
 * '/', components separated by '/') with each file's published contents,
 * and the same tree read back from a mounted home.
 */
#ifndef MODEL_H
#define MODEL_H

#include <stddef.h>
#include <stdint.h>
#include "hfs.h"

/* Room for a path of the reference: renames can nest long names deeper than HFS_PATH_MAX. */
#define PATH_BUF 16384

struct mnode {
	char *path;
	int kind; /* HFS_KIND_* */
	uint8_t *data;
	size_t size;
	int id; /* identity across renames */
};

/* A tree (the root is implicit): nodes in no particular order. */
struct state {
	struct mnode *v;
	int n, cap;
	int next_id;
};

void state_free(struct state *s);
void state_copy(struct state *dst, const struct state *src);
/* 1 if both hold the same paths, kinds and contents. */
int state_equal(const struct state *a, const struct state *b);
/* Prints the differences of a and b on stderr (for failures). */
void state_diff(const struct state *a, const struct state *b);

/* The node at path, or -1. */
int state_find(const struct state *s, const char *path);
int state_find_id(const struct state *s, int id);
/* Adds a node (data copied); returns its index. */
int state_add(struct state *s, const char *path, int kind, const uint8_t *data, size_t size);
void state_remove(struct state *s, int i);
/* Renames node i (and, for a directory, everything below it) to path. */
void state_rename(struct state *s, int i, const char *path);
/* Entries directly in directory dir ("" for the root). */
int state_children(const struct state *s, const char *dir);
/* The directory part of path ("" for a top-level name). */
void path_parent(const char *path, char *out, size_t len);

/* Reads the whole tree of fs (every file's contents through hfs_read) into s. */
long state_read(struct hfs *fs, struct state *s);

#endif
