/* ls [-1adl] [PATH...]: lists directories (any object of kind DIR) and files. */
#include "util.h"

static const struct util_program program = {
    "ls", "[-1adl] [PATH...]",
    "Lists the entries of each directory PATH (default: the current one, $PWD, or\n"
    "the root), sorted by name, or names each PATH that is not a directory. Any\n"
    "directory object lists: the store's, and those of file servers. Output to a\n"
    "terminal is in columns, otherwise one name a line.\n",
    "  -1   one name a line\n"
    "  -a   also names that start with '.'\n"
    "  -d   name a directory PATH itself instead of listing it\n"
    "  -l   long format: kind (d directory, - file, s stream, b block device,\n"
    "       ? other), permissions (r, w unless read-only, x if executable or a\n"
    "       directory), size in bytes (- for a directory), time of the last\n"
    "       change in UTC when the object knows it (- otherwise), name\n"};

static struct {
	bool one, all, self, longer;
} opt;

struct entry {
	char *name;
	uint8_t kind;
	uint64_t size;
	uint32_t mode;
};

static struct {
	struct entry *entries;
	size_t count, cap;
} list;

static long add(const char *name, size_t len, uint8_t kind, uint64_t size, uint32_t mode)
{
	struct entry *e;

	if (list.count == list.cap) {
		size_t cap = list.cap ? 2 * list.cap : 64;
		struct entry *grown = realloc(list.entries, cap * sizeof(*grown));

		if (!grown)
			return ARCHK_ERR_NO_MEMORY;
		list.entries = grown;
		list.cap = cap;
	}
	e = &list.entries[list.count];
	if (!(e->name = malloc(len + 1)))
		return ARCHK_ERR_NO_MEMORY;
	memcpy(e->name, name, len);
	e->name[len] = '\0';
	e->kind = kind;
	e->size = size;
	e->mode = mode;
	list.count++;
	return 0;
}

static long add_record(const struct archk_dirent *d, void *arg)
{
	if (d->name[0] == '.' && !opt.all)
		return 0;
	return add(d->name, d->name_len, d->kind, d->size, d->mode);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->name, ((const struct entry *)b)->name);
}

static char kind_letter(uint32_t kind)
{
	static const char letters[] = {'?', '-', 'd', 's', 'b'};

	return kind < sizeof(letters) ? letters[kind] : '?';
}

/*
 * One -l line; dir is where e's name opens for its metadata (0: e is an
 * operand's path). It opens with all the rights it may have, since a server
 * reports READ_ONLY for a handle that cannot write.
 */
static void print_long(archk_handle_t dir, const struct entry *e)
{
	struct archk_meta meta = {0};
	char size[24] = "-", when[32] = "-";
	long h = dir ? archk_open(dir, e->name, ARCHK_RIGHTS_SAME)
		     : util_open(e->name, ARCHK_RIGHTS_SAME);

	if (h < 0 || archk_get_meta((archk_handle_t)h, &meta) < 0)
		meta.flags = ARCHK_META_READ_ONLY; /* unknown: claim nothing */
	if (h >= 0)
		archk_handle_close((archk_handle_t)h);
	if (e->kind != ARCHK_KIND_DIR)
		snprintf(size, sizeof(size), "%lu", (unsigned long)e->size);
	if (meta.mtime)
		util_strftime(when, sizeof(when), "%Y-%m-%d %H:%M", meta.mtime);
	util_printf("%c%c%c%c %10s %-16s %s\n", kind_letter(e->kind), 'r',
		    meta.flags & ARCHK_META_READ_ONLY ? '-' : 'w',
		    e->kind == ARCHK_KIND_DIR || (e->mode & ARCHK_MODE_EXEC) ? 'x' : '-', size,
		    when, e->name);
}

/* Prints and forgets the collected entries. */
static void print_entries(archk_handle_t dir)
{
	char **names = malloc((list.count + 1) * sizeof(char *));

	qsort(list.entries, list.count, sizeof(list.entries[0]), by_name);
	for (size_t i = 0; i < list.count && names; i++)
		names[i] = list.entries[i].name;
	if (opt.longer)
		for (size_t i = 0; i < list.count; i++)
			print_long(dir, &list.entries[i]);
	else if (!opt.one && util_out_is_terminal() && names)
		util_print_columns(names, list.count);
	else
		for (size_t i = 0; i < list.count; i++)
			util_printf("%s\n", list.entries[i].name);
	for (size_t i = 0; i < list.count; i++)
		free(list.entries[i].name);
	free(names);
	list.count = 0;
}

/* Lists directory h named path; 0 or an error. */
static long list_dir(archk_handle_t h)
{
	long err = util_list_dir(h, add_record, NULL);

	if (err == 0)
		print_entries(h);
	return err;
}

/* What kind of object path names: its meta and a handle to it in *h (util_open_meta), or an error.
 */
static long examine(const char *path, struct archk_meta *meta, archk_handle_t *h)
{
	long opened = util_open_meta(path, meta);

	if (opened < 0)
		return opened;
	*h = (archk_handle_t)opened;
	return 0;
}

int main(int argc, char **argv)
{
	static char *here[] = {"."};
	char **paths = argv;
	int c, count, status = 0, listed = 0;
	struct archk_meta meta;
	archk_handle_t h;
	long err;

	util_start(&program);
	while ((c = util_getopt(argc, argv, "1adl")) != -1) {
		opt.one |= c == '1';
		opt.all |= c == 'a';
		opt.self |= c == 'd';
		opt.longer |= c == 'l';
	}
	count = argc - util_optind;
	paths += util_optind;
	if (count == 0) {
		paths = here;
		count = 1;
	}
	/* First the operands that are not directories to list, together. */
	for (int i = 0; i < count; i++) {
		if ((err = examine(paths[i], &meta, &h)) < 0) {
			util_warn("%s: %s", paths[i], archk_strerror(err));
			status = 1;
			continue;
		}
		if (meta.kind != ARCHK_KIND_DIR || opt.self)
			err = add(paths[i], strlen(paths[i]), (uint8_t)meta.kind, meta.size,
				  meta.mode);
		archk_handle_close(h);
		if (err < 0)
			util_die(1, "%s", archk_strerror(err));
	}
	listed = (int)list.count;
	print_entries(0);
	/* Then each directory, under its name when there are several operands. */
	for (int i = 0; i < count && !opt.self; i++) {
		if (examine(paths[i], &meta, &h) < 0)
			continue;
		if (meta.kind == ARCHK_KIND_DIR) {
			if (count > 1)
				util_printf("%s%s:\n", listed++ ? "\n" : "", paths[i]);
			if ((err = list_dir(h)) < 0) {
				util_warn("%s: %s", paths[i], archk_strerror(err));
				status = 1;
			}
		}
		archk_handle_close(h);
	}
	util_exit(status);
}
