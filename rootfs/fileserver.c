/*
 * fileserver PATH: serves one store file as an object of its own table, the
 * server of the I/O level examples (docs/io-levels.md). It loads the file
 * into a VMO, sends the served handle on its "reply" channel (an int64 0
 * and the handle; or an error code and no handle) and answers:
 *
 *   READ      bytes at the offset (ARCHK_IO_OFFSET_CURRENT: at the position)
 *   SEEK      moves the position
 *   GET_META  type FILE, the size
 *   OPEN "vmo" a read-only handle to the VMO holding the file, to map
 *
 * Other operations answer NOT_SUPPORTED. It exits when the last handle to
 * its object is closed.
 */
#include <archk/runtime.h>

#define VMO_RIGHTS                                                                                 \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_MAP | ARCHK_RIGHT_GET_PROPERTY | ARCHK_RIGHT_DUPLICATE |   \
	 ARCHK_RIGHT_TRANSFER)
#define SERVED_RIGHTS                                                                              \
	(ARCHK_RIGHT_READ | ARCHK_RIGHT_ENUMERATE | ARCHK_RIGHT_GET_PROPERTY |                     \
	 ARCHK_RIGHT_DUPLICATE | ARCHK_RIGHT_TRANSFER | ARCHK_RIGHT_WAIT)

static archk_handle_t err_h, reply_h, table, vmo;
static const char *contents;
static uint64_t size, position;

static int fail(const char *what, long err)
{
	archk_dprintf(err_h, "fileserver: %s: %s\n", what, archk_strerror(err));
	if (reply_h != ARCHK_HANDLE_INVALID)
		archk_serve_reply(reply_h, err, 0);
	return 1;
}

/* Loads the file into a new VMO mapped at contents. */
static long load(const char *path)
{
	struct archk_meta meta;
	long file = archk_open(archk_handle_named("root"), path,
			       ARCHK_RIGHT_READ | ARCHK_RIGHT_GET_PROPERTY);
	long err, addr;

	if (file < 0)
		return file;
	if ((err = archk_get_meta((archk_handle_t)file, &meta)) < 0)
		return err;
	size = meta.size;
	if ((err = archk_vmo_create(size ? size : 1)) < 0)
		return err;
	vmo = (archk_handle_t)err;
	addr = archk_vmo_map(vmo, 0, (size + 4095) & ~4095ul, ARCHK_PROT_READ | ARCHK_PROT_WRITE);
	if (addr < 0)
		return addr;
	for (uint64_t done = 0; done < size;) {
		long n = archk_pread((archk_handle_t)file, (char *)addr + done, size - done, done);

		if (n <= 0)
			return n < 0 ? n : ARCHK_ERR_IO;
		done += (uint64_t)n;
	}
	archk_handle_close((archk_handle_t)file);
	contents = (const char *)addr;
	return 0;
}

static long seek(uint64_t whence, int64_t offset)
{
	int64_t base = whence == ARCHK_SEEK_SET	  ? 0
		       : whence == ARCHK_SEEK_CUR ? (int64_t)position
		       : whence == ARCHK_SEEK_END ? (int64_t)size
						  : -1;

	if (base < 0 || base + offset < 0)
		return ARCHK_ERR_INVALID_ARGS;
	position = (uint64_t)(base + offset);
	return (long)position;
}

/* Answers one request; returns 1 when the server should end. */
static int answer(const struct archk_table_request *req, void *data)
{
	if (req->op == ARCHK_IO_CLOSE)
		return 1; /* nobody holds our object any more */
	if (req->op == ARCHK_IO_READ) {
		uint64_t at = req->offset == ARCHK_IO_OFFSET_CURRENT ? position : req->offset;
		uint64_t n = at < size ? size - at : 0;

		if (n > req->len)
			n = req->len;
		if (req->offset == ARCHK_IO_OFFSET_CURRENT)
			position = at + n;
		archk_table_reply(table, req->id, (long)n, contents + at, n, 0);
	} else if (req->op == ARCHK_IO_SEEK) {
		archk_table_reply(table, req->id, seek(req->len, (int64_t)req->offset), NULL, 0, 0);
	} else if (req->op == ARCHK_IO_GET_META) {
		struct archk_handle_info info = {0};
		struct archk_meta meta = {.type = ARCHK_OBJ_FILE, .size = size};

		archk_handle_info(vmo, &info);
		meta.koid = info.koid;
		archk_table_reply(table, req->id, 0, &meta, sizeof(meta), 0);
	} else if (req->op == ARCHK_IO_OPEN && req->len == 3 && memcmp(data, "vmo", 3) == 0) {
		long h = archk_handle_duplicate(vmo, VMO_RIGHTS);

		archk_table_reply(table, req->id, h < 0 ? h : 0, NULL, 0,
				  h < 0 ? 0 : (archk_handle_t)h);
	} else {
		archk_table_reply(table, req->id,
				  req->op == ARCHK_IO_OPEN ? ARCHK_ERR_NOT_FOUND
							   : ARCHK_ERR_NOT_SUPPORTED,
				  NULL, 0, 0);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static char data[ARCHK_TABLE_DATA_MAX];
	long err;

	err_h = archk_handle_named("err");
	reply_h = archk_handle_named("reply");
	if (argc != 2 || reply_h == ARCHK_HANDLE_INVALID) {
		archk_dprintf(err_h, "usage: fileserver PATH (with a \"reply\" channel handle)\n");
		return 2;
	}
	if ((err = load(argv[1])) < 0)
		return fail(argv[1], err);
	err = archk_serve_start(reply_h, 1, SERVED_RIGHTS);
	reply_h = ARCHK_HANDLE_INVALID;
	if (err < 0)
		return fail("serve_start", err);
	table = (archk_handle_t)err;
	if ((err = archk_serve(table, data, sizeof(data), answer)) < 0)
		return fail("table_receive", err);
	return 0;
}
