/*
 * fproxy [-a PREFIX]... [-d WORD | -r WORD] PROGRAM [ARG...]: runs PROGRAM
 * behind a filter. The program is unchanged: it gets "root" and "out"
 * handles like any other, but they name objects this proxy serves from a
 * table, and the proxy forwards to its own real handles only what its rules
 * allow.
 *
 *   -a PREFIX  "root" becomes a file tree that shows only the paths at or
 *              below PREFIX (repeatable). OPEN of such a path is forwarded to
 *              the real root and the real file handle is moved to the client,
 *              which then reads it without the proxy. Any other path answers
 *              NOT_FOUND, exactly what the store says of a missing file.
 *   -d WORD    "out" becomes a console that drops every line containing WORD;
 *              lines are held until their newline (a prompt appears with the
 *              line after it).
 *   -r WORD    "out" becomes a console that prints WORD as asterisks.
 *
 * The executable is opened through the proxy's own root, as archk_spawn
 * does in the spawner, so PROGRAM need not lie under a PREFIX. The proxy
 * exits with PROGRAM's status when it ends.
 */
#include <archk/runtime.h>

#define MAX_PREFIXES 16
#define LINE_BYTES   4096 /* a longer line is filtered in pieces of this size */

#define COOKIE_ROOT 1
#define COOKIE_OUT  2

#define ROOT_RIGHTS                                                                                \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_MAP |   \
	 ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER)
#define OUT_RIGHTS                                                                                 \
	(ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE |                    \
	 ARCHK_RIGHT_TRANSFER)

static archk_handle_t err_h, real_root, real_out, table;

/* Allowed paths, normalized like the store does: no leading '/', no "." or "" parts. */
static char prefixes[MAX_PREFIXES][ARCHK_PATH_MAX + 1];
static size_t prefix_len[MAX_PREFIXES];
static int prefix_count;

/* The console filter. */
static const char *word;
static size_t word_len;
static int redact;
static char line[LINE_BYTES];
static size_t line_len;
static char outbuf[2 * ARCHK_TABLE_DATA_MAX];
static size_t out_len;

static void usage(void)
{
	archk_dprintf(err_h, "usage: fproxy [-a PREFIX]... [-d WORD | -r WORD] PROGRAM [ARG...]\n");
	archk_process_exit(2);
}

/*
 * Normalizes a path as the store's OPEN does (parts separated by '/', empty
 * and "." parts dropped); NUL or ".." -> INVALID_ARGS, too long -> TOO_LONG.
 * Returns the length written to out (NUL-terminated).
 */
static long normalize(const char *path, size_t len, char *out)
{
	size_t used = 0, i = 0;

	if (len > ARCHK_PATH_MAX)
		return ARCHK_ERR_TOO_LONG;
	if (memchr(path, '\0', len))
		return ARCHK_ERR_INVALID_ARGS;
	while (i < len) {
		size_t start = i, part;

		while (i < len && path[i] != '/')
			i++;
		part = i - start;
		i++;
		if (part == 0 || (part == 1 && path[start] == '.'))
			continue;
		if (part == 2 && path[start] == '.' && path[start + 1] == '.')
			return ARCHK_ERR_INVALID_ARGS;
		if (used + (used > 0) + part > ARCHK_PATH_MAX)
			return ARCHK_ERR_TOO_LONG;
		if (used > 0)
			out[used++] = '/';
		memcpy(out + used, path + start, part);
		used += part;
	}
	out[used] = '\0';
	return (long)used;
}

/* Whether a normalized path is at or below an allowed prefix. */
static int allowed(const char *path, size_t len)
{
	for (int i = 0; i < prefix_count; i++) {
		size_t n = prefix_len[i];

		if (n == 0 ||
		    (len >= n && memcmp(path, prefixes[i], n) == 0 && (len == n || path[n] == '/')))
			return 1;
	}
	return 0;
}

/* OPEN on the filtered root: a handle to move to the client, or an error. */
static long open_filtered(const char *path, size_t len, uint64_t rights)
{
	char norm[ARCHK_PATH_MAX + 1];
	long n = normalize(path, len, norm);

	if (n < 0)
		return n;
	if (!allowed(norm, (size_t)n))
		return ARCHK_ERR_NOT_FOUND;
	/* A reply can only move a handle that may be transferred, so the client gets TRANSFER too.
	 */
	if (rights != ARCHK_RIGHTS_SAME)
		rights |= ARCHK_RIGHT_TRANSFER;
	return archk_open(real_root, norm, (uint32_t)rights);
}

static void out_flush(void)
{
	size_t done = 0;

	while (done < out_len) {
		long n = archk_write(real_out, outbuf + done, out_len - done);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	out_len = 0;
}

static void out_append(const char *s, size_t n)
{
	if (out_len + n > sizeof(outbuf))
		out_flush();
	memcpy(outbuf + out_len, s, n);
	out_len += n;
}

/* Where word occurs in s[0..n), or NULL. */
static const char *find_word(const char *s, size_t n)
{
	for (size_t i = 0; word_len > 0 && i + word_len <= n; i++)
		if (memcmp(s + i, word, word_len) == 0)
			return s + i;
	return NULL;
}

/* Passes n bytes of the current line on, filtered. */
static void emit(const char *s, size_t n)
{
	const char *w;

	if (!redact) {
		if (!find_word(s, n))
			out_append(s, n);
		return;
	}
	while ((w = find_word(s, n))) {
		out_append(s, (size_t)(w - s));
		for (size_t i = 0; i < word_len; i++)
			out_append("*", 1);
		n -= (size_t)(w - s) + word_len;
		s = w + word_len;
	}
	out_append(s, n);
}

/*
 * Redacting needs no whole lines: passes the held bytes on except a tail
 * that could still become the start of the word.
 */
static void emit_partial(void)
{
	size_t keep = word_len - 1 < line_len ? word_len - 1 : line_len;

	for (; keep > 0; keep--)
		if (memcmp(line + line_len - keep, word, keep) == 0)
			break;
	emit(line, line_len - keep);
	memmove(line, line + line_len - keep, keep);
	line_len = keep;
}

/* A WRITE on the filtered out: every byte is taken, some are not printed. */
static void filter_write(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		line[line_len++] = data[i];
		if (data[i] == '\n' || line_len == sizeof(line)) {
			emit(line, line_len);
			line_len = 0;
		}
	}
	if (redact)
		emit_partial();
	out_flush();
}

static void reply_meta(uint64_t id, archk_handle_t real)
{
	struct archk_meta meta;
	long err = archk_get_meta(real, &meta);

	archk_table_reply(table, id, err, &meta, err < 0 ? 0 : sizeof(meta), 0);
}

/* Answers every request queued on the table. */
static void serve(void)
{
	static char data[ARCHK_TABLE_DATA_MAX];
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	struct archk_table_request req;

	while (archk_table_receive(table, &req, data, sizeof(data), handles, 0) == 0) {
		long result = ARCHK_ERR_NOT_SUPPORTED;

		for (uint32_t i = 0; i < req.handle_count; i++)
			archk_handle_close(handles[i]);
		if (req.op == ARCHK_IO_CLOSE)
			continue; /* the last handle to one of our objects is gone; no reply */
		if (req.op == ARCHK_IO_NOP) {
			result = 0;
		} else if (req.op == ARCHK_IO_GET_META) {
			reply_meta(req.id, req.cookie == COOKIE_ROOT ? real_root : real_out);
			continue;
		} else if (req.cookie == COOKIE_ROOT && req.op == ARCHK_IO_OPEN) {
			long h = open_filtered(data, req.len, req.offset);

			if (h >= 0) {
				if (archk_table_reply(table, req.id, 0, NULL, 0,
						      (archk_handle_t)h) < 0)
					archk_handle_close((archk_handle_t)h);
				continue;
			}
			result = h;
		} else if (req.cookie == COOKIE_OUT && req.op == ARCHK_IO_WRITE) {
			filter_write(data, req.len);
			result = (long)req.len;
		}
		archk_table_reply(table, req.id, result, NULL, 0, 0);
	}
}

int main(int argc, char **argv)
{
	struct archk_spawn_handle named[2];
	struct archk_exit_status st;
	uint32_t named_count = 0;
	long h, child;
	int i = 1;

	err_h = archk_handle_named("err");
	real_root = archk_handle_named("root");
	real_out = archk_handle_named("out");
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (strcmp(argv[i], "-a") == 0 && prefix_count < MAX_PREFIXES) {
			long n =
			    normalize(argv[i + 1], strlen(argv[i + 1]), prefixes[prefix_count]);

			if (n < 0)
				usage();
			prefix_len[prefix_count++] = (size_t)n;
		} else if ((strcmp(argv[i], "-d") == 0 || strcmp(argv[i], "-r") == 0) && !word &&
			   argv[i + 1][0]) {
			word = argv[i + 1];
			word_len = strlen(word);
			redact = argv[i][1] == 'r';
		} else {
			usage();
		}
	}
	if (i >= argc || argv[i][0] == '-' || (prefix_count == 0 && !word))
		usage();
	h = archk_table_create();
	table = (archk_handle_t)h;
	if (h >= 0 && prefix_count > 0) {
		h = archk_table_object_create(table, COOKIE_ROOT, ROOT_RIGHTS);
		named[named_count++] = (struct archk_spawn_handle){
		    .name = "root", .handle = (archk_handle_t)h, .rights = ARCHK_RIGHTS_SAME};
	}
	if (h >= 0 && word) {
		h = archk_table_object_create(table, COOKIE_OUT, OUT_RIGHTS);
		named[named_count++] = (struct archk_spawn_handle){
		    .name = "out", .handle = (archk_handle_t)h, .rights = ARCHK_RIGHTS_SAME};
	}
	if (h < 0) {
		archk_dprintf(err_h, "fproxy: cannot serve objects: %s\n", archk_strerror(h));
		return 1;
	}
	child = archk_spawn(argv[i], (const char *const *)argv + i, named, named_count);
	if (child < 0) {
		archk_dprintf(err_h, "fproxy: %s: %s\n", argv[i], archk_strerror(child));
		return 1;
	}
	for (uint32_t j = 0; j < named_count; j++)
		archk_handle_close(named[j].handle); /* the child holds them now */
	for (;;) {
		struct archk_wait_item items[2] = {
		    {.handle = table, .waitfor = ARCHK_SIGNAL_READABLE},
		    {.handle = (archk_handle_t)child, .waitfor = ARCHK_SIGNAL_TERMINATED},
		};
		long err = archk_object_wait_many(items, 2, ARCHK_DEADLINE_INFINITE);

		if (err < 0) {
			archk_dprintf(err_h, "fproxy: wait: %s\n", archk_strerror(err));
			return 1;
		}
		serve();
		if (items[1].pending & ARCHK_SIGNAL_TERMINATED)
			break;
	}
	emit(line, line_len); /* the last line had no newline */
	out_flush();
	archk_process_wait((archk_handle_t)child, &st);
	if (st.reason == ARCHK_EXIT_NORMAL)
		return st.code;
	return 128 + (st.reason == ARCHK_EXIT_FAULT ? (int)st.signal : 9);
}
