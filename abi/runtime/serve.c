/*
 * Starting a server and taking its object (docs/abi.md 13.10): the server
 * side answers on a "reply" channel with an int64 status and, with status
 * 0, the handle of the object it serves; the starter spawns it and waits
 * for that message. fileserver, ramdisk and homefs use this protocol.
 */
#include <archk/runtime.h>

long archk_serve_reply(archk_handle_t reply, long status, archk_handle_t object)
{
	int64_t s = status;
	long err = archk_channel_write(reply, &s, sizeof(s), &object, status == 0 && object);

	archk_handle_close(reply);
	return err;
}

long archk_serve_start(archk_handle_t reply, uint64_t cookie, uint32_t rights)
{
	long table = archk_table_create(), object = table;

	if (table >= 0 &&
	    (object = archk_table_object_create((archk_handle_t)table, cookie, rights)) < 0)
		archk_handle_close((archk_handle_t)table);
	if (object < 0) {
		archk_serve_reply(reply, object, 0);
		return object;
	}
	if ((object = archk_serve_reply(reply, 0, (archk_handle_t)object)) < 0) {
		archk_handle_close((archk_handle_t)table);
		return object;
	}
	return table;
}

long archk_serve(archk_handle_t table, void *data, size_t len,
		 int (*answer)(const struct archk_table_request *req, void *data))
{
	archk_handle_t handles[ARCHK_IO_HANDLES_MAX];
	struct archk_table_request req;

	for (;;) {
		long err =
		    archk_table_receive(table, &req, data, len, handles, ARCHK_DEADLINE_INFINITE);

		if (err < 0)
			return err;
		/* Handles passed with requests are not what these servers serve. */
		for (uint32_t i = 0; i < req.handle_count; i++)
			archk_handle_close(handles[i]);
		if (answer(&req, data))
			return 0;
	}
}

long archk_spawn_server(const char *const *argv, const struct archk_spawn_handle *handles,
			uint32_t count, archk_handle_t *process)
{
	struct archk_spawn_handle all[ARCHK_SPAWN_HANDLES_MAX];
	struct archk_channel_actual actual = {0};
	int64_t status = ARCHK_ERR_PEER_CLOSED;
	archk_handle_t ch[2], served = 0;
	long err, server;

	if (count >= ARCHK_SPAWN_HANDLES_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = archk_channel_create(ch)) < 0)
		return err;
	memcpy(all, handles, count * sizeof(*all));
	all[count] = (struct archk_spawn_handle){
	    .name = "reply", .handle = ch[1], .rights = ARCHK_RIGHTS_SAME};
	server = archk_spawn(argv[0], argv, all, count + 1);
	archk_handle_close(ch[1]);
	if (server < 0) {
		archk_handle_close(ch[0]);
		return server;
	}
	if (process)
		*process = (archk_handle_t)server;
	else
		archk_handle_close((archk_handle_t)server);
	err = archk_object_wait_one(ch[0], ARCHK_SIGNAL_READABLE | ARCHK_SIGNAL_PEER_CLOSED,
				    ARCHK_DEADLINE_INFINITE, NULL);
	if (err == 0)
		err = archk_channel_read(ch[0], &status, sizeof(status), &served, 1, &actual);
	archk_handle_close(ch[0]);
	if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
		return err;
	if (status < 0 || actual.handles != 1)
		return status < 0 ? (long)status : ARCHK_ERR_PEER_CLOSED;
	return served;
}
