/*
 * ramdisk [-s BYTES] [-r]: a disk in memory, served as a block object (the
 * protocol the block driver serves, docs/abi.md "Block objects"), for
 * tests and benchmarks of what runs on a disk. It sends the object on its
 * "reply" channel (an int64 0 and the handle, or an error and none) and
 * exits when the object's last handle is closed.
 *
 *   READ(buf, len, offset)   offset and len multiples of 512, len <= 65536:
 *                            the bytes there (fewer at the end, 0 past it)
 *   WRITE(buf, len, offset)  the same rules; past the end NO_SPACE,
 *                            READ_ONLY with -r
 *   SYNC                     0 (memory is as durable as it gets)
 *   GET_META                 kind BLOCK, size = BYTES (default 16M), flag
 *                            READ_ONLY with -r
 *
 * BYTES may end in K, M or G. The bytes live in VMOs of up to 64 MiB.
 */
#include <archk/runtime.h>

#define SECTOR	512
#define DEFAULT (16ul << 20)
#define DISK_RIGHTS                                                                                \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_WRITE | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE | \
	 ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT)
#define MAX_VMOS 64 /* 4 GiB */

static archk_handle_t table;
static archk_handle_t vmos[MAX_VMOS];
static uint64_t size;
static int read_only;

/* Says on "err" what failed; main's exit status for it. */
static int complain(const char *what, long err)
{
	archk_dprintf(archk_handle_named("err"), "ramdisk: %s: %s\n", what, archk_strerror(err));
	return 1;
}

/* The disk's bytes: VMOs of up to 64 MiB, zeros. */
static long make_disk(void)
{
	for (uint64_t at = 0; at < size; at += ARCHK_VMO_SIZE_MAX) {
		uint64_t n = size - at < ARCHK_VMO_SIZE_MAX ? size - at : ARCHK_VMO_SIZE_MAX;
		long err = archk_vmo_create(n);

		if (err < 0)
			return err;
		vmos[at / ARCHK_VMO_SIZE_MAX] = (archk_handle_t)err;
	}
	return 0;
}

/* Parses BYTES with an optional K, M or G; 0 if it is not one. */
static uint64_t parse_size(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);
	int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : 0;

	if (end == s || (shift && end[1]) || (!shift && *end))
		return 0;
	return (uint64_t)v << shift;
}

/* Copies len bytes at offset between buf and the VMOs (write: into them). */
static long copy(void *buf, uint64_t len, uint64_t offset, int write)
{
	for (uint64_t done = 0; done < len;) {
		uint64_t at = offset + done, in = at % ARCHK_VMO_SIZE_MAX;
		uint64_t n =
		    ARCHK_VMO_SIZE_MAX - in < len - done ? ARCHK_VMO_SIZE_MAX - in : len - done;
		archk_handle_t v = vmos[at / ARCHK_VMO_SIZE_MAX];
		long err = write ? archk_vmo_write(v, (char *)buf + done, n, in)
				 : archk_vmo_read(v, (char *)buf + done, n, in);

		if (err < 0)
			return err;
		done += n;
	}
	return 0;
}

/* Answers one request; returns 1 when the last handle is gone. */
static int answer(const struct archk_table_request *req, void *data)
{
	long result = 0;
	uint64_t n = 0;

	switch (req->op) {
	case ARCHK_IO_CLOSE:
		return 1;
	case ARCHK_IO_READ:
	case ARCHK_IO_WRITE:
		if (req->offset % SECTOR || req->len % SECTOR) {
			result = ARCHK_ERR_INVALID_ARGS;
			break;
		}
		if (req->op == ARCHK_IO_WRITE && read_only) {
			result = ARCHK_ERR_READ_ONLY;
			break;
		}
		if (req->op == ARCHK_IO_WRITE &&
		    (req->offset > size || req->len > size - req->offset)) {
			result = ARCHK_ERR_NO_SPACE;
			break;
		}
		n = req->offset < size ? size - req->offset : 0;
		if (n > req->len)
			n = req->len;
		result = copy(data, n, req->offset, req->op == ARCHK_IO_WRITE);
		if (result == 0)
			result = (long)n;
		break;
	case ARCHK_IO_SYNC:
		break;
	case ARCHK_IO_GET_META: {
		struct archk_meta meta = {.type = ARCHK_OBJ_SERVED,
					  .size = size,
					  .kind = ARCHK_KIND_BLOCK,
					  .flags = read_only ? ARCHK_META_READ_ONLY : 0};

		archk_table_reply(table, req->id, 0, &meta, sizeof(meta), 0);
		return 0;
	}
	default:
		result = ARCHK_ERR_NOT_SUPPORTED;
	}
	archk_table_reply(table, req->id, result, req->op == ARCHK_IO_READ ? data : NULL,
			  req->op == ARCHK_IO_READ && result > 0 ? (size_t)result : 0, 0);
	return 0;
}

int main(int argc, char **argv)
{
	static char data[ARCHK_TABLE_DATA_MAX];
	archk_handle_t reply = archk_handle_named("reply");
	long err;

	size = DEFAULT;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc && (size = parse_size(argv[++i])))
			continue;
		if (!strcmp(argv[i], "-r")) {
			read_only = 1;
			continue;
		}
		size = 0;
		break;
	}
	if (!size || size % SECTOR || size > MAX_VMOS * ARCHK_VMO_SIZE_MAX ||
	    reply == ARCHK_HANDLE_INVALID) {
		archk_dprintf(archk_handle_named("err"),
			      "usage: ramdisk [-s BYTES] [-r] (with a \"reply\" channel handle)\n");
		return 2;
	}
	if ((err = make_disk()) < 0) {
		archk_serve_reply(reply, err, 0);
		return complain("vmo_create", err);
	}
	if ((err = archk_serve_start(reply, 1, DISK_RIGHTS)) < 0)
		return complain("serve_start", err);
	table = (archk_handle_t)err;
	if ((err = archk_serve(table, data, sizeof(data), answer)) < 0)
		return complain("table_receive", err);
	return 0;
}
