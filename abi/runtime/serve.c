/*
 * Starting a server and taking its object (docs/abi.md 13.10): the server
 * answers on a "reply" channel with one message: the handle of the object
 * it serves, or without one an int64 error status; the starter spawns it
 * and waits for that message. fileserver, ramdisk and homefs send an int64
 * 0 with the handle; drivers send names with theirs (docs/drivers.md), and
 * the starter takes the first.
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
	archk_handle_t ch[2], got[ARCHK_SPAWN_HANDLES_MAX];
	union {
		int64_t status;
		char names[256];
	} msg = {.status = ARCHK_ERR_PEER_CLOSED};
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
		err = archk_channel_read(ch[0], &msg, sizeof(msg), got, ARCHK_SPAWN_HANDLES_MAX,
					 &actual);
	archk_handle_close(ch[0]);
	if (err < 0 && err != ARCHK_ERR_PEER_CLOSED)
		return err;
	for (uint32_t i = 1; err == 0 && i < actual.handles; i++)
		archk_handle_close(got[i]); /* a driver's further objects: not asked for */
	if (err == 0 && actual.handles)
		return got[0];
	return err == 0 && actual.bytes == sizeof(msg.status) && msg.status < 0
		   ? (long)msg.status
		   : ARCHK_ERR_PEER_CLOSED;
}
