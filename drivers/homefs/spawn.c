/*
 * The client side of the reply-channel start (spawn.h).
 */
#include "spawn.h"

long hfs_spawn_server(const char *const *argv, const struct archk_spawn_handle *handles,
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
