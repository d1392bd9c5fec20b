/*
 * Starting a server and taking its objects (docs/abi.md 13.10): the server
 * answers on a "reply" channel with one message, an int64 status followed by
 * a NUL-terminated name for each handle (names may be left out when there
 * is one), the handles being the objects it serves; a negative status comes
 * without handles. The starter spawns it and waits for that message.
 */
#include <archk/runtime.h>

/* Bytes of a server's answer: the status and the names. */
#define ANSWER_BYTES 256

long archk_serve_reply_named(archk_handle_t reply, long status, const char *const *names,
			     const archk_handle_t *objects, uint32_t count)
{
	char msg[ANSWER_BYTES];
	int64_t s = status;
	size_t used = sizeof(s);
	long err;

	memcpy(msg, &s, sizeof(s));
	if (status < 0)
		count = 0;
	for (uint32_t i = 0; names && i < count; i++) {
		size_t n = strlen(names[i]) + 1;

		if (n > ARCHK_NAME_MAX + 1 || used + n > sizeof(msg)) {
			archk_handle_close(reply);
			return ARCHK_ERR_TOO_LONG;
		}
		memcpy(msg + used, names[i], n);
		used += n;
	}
	err = archk_channel_write(reply, msg, (uint32_t)used, objects, count);
	archk_handle_close(reply);
	return err;
}

long archk_serve_reply(archk_handle_t reply, long status, archk_handle_t object)
{
	return archk_serve_reply_named(reply, status, NULL, &object, status == 0 && object);
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

/*
 * Copies the names after the status in msg (bytes long) into served[i].name,
 * for count handles; a handle without a name gets "".
 */
static void take_names(const char *msg, uint32_t bytes, struct archk_served *served, uint32_t count)
{
	uint32_t pos = sizeof(int64_t);

	for (uint32_t i = 0; i < count; i++) {
		size_t n = pos < bytes ? strnlen(msg + pos, bytes - pos) : 0;

		served[i].name[0] = '\0';
		if (n <= ARCHK_NAME_MAX && pos + n < bytes)
			memcpy(served[i].name, msg + pos, n + 1);
		pos += (uint32_t)n + 1;
	}
}

long archk_spawn_server_named(const char *const *argv, const struct archk_spawn_handle *handles,
			      uint32_t count, archk_handle_t *process, struct archk_served *served,
			      uint32_t max)
{
	struct archk_spawn_handle all[ARCHK_SPAWN_HANDLES_MAX];
	struct archk_channel_actual actual = {0};
	archk_handle_t ch[2], got[ARCHK_SPAWN_HANDLES_MAX];
	union {
		int64_t status;
		char bytes[ANSWER_BYTES];
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
	if (err < 0)
		return err;
	if (actual.bytes < sizeof(msg.status))
		msg.status = ARCHK_ERR_INVALID_ARGS; /* not an answer of this protocol */
	if (msg.status < 0 || actual.handles == 0) {
		for (uint32_t i = 0; i < actual.handles; i++)
			archk_handle_close(got[i]);
		return msg.status < 0 ? (long)msg.status : ARCHK_ERR_PEER_CLOSED;
	}
	for (uint32_t i = max; i < actual.handles; i++)
		archk_handle_close(got[i]); /* more objects than were asked for */
	count = actual.handles < max ? actual.handles : max;
	take_names(msg.bytes, actual.bytes, served, count);
	for (uint32_t i = 0; i < count; i++)
		served[i].handle = got[i];
	return count;
}

long archk_spawn_server(const char *const *argv, const struct archk_spawn_handle *handles,
			uint32_t count, archk_handle_t *process)
{
	struct archk_served served;
	long n = archk_spawn_server_named(argv, handles, count, process, &served, 1);

	return n < 0 ? n : served.handle;
}
