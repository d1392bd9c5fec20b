/*
 * netrun [-d DEVICE] PROGRAM [ARG...]: runs PROGRAM with a network. Starts
 * the net driver (/drivers/net) on the socket device DEVICE (default "net",
 * which archk has with --net) through the start protocol, gives PROGRAM the
 * driver's object as its "net" handle, and exits with PROGRAM's status once
 * it ends (the driver is killed then). It needs the device bus, "devices",
 * which init has and gives a batch job: in an image whose init.conf does not
 * start the net driver itself (the bare images that test archk),
 *
 *   ./archk --net-listen 127.0.0.1:8080 tests.img -- /bin/netrun /bin/httpd
 *
 * The default image's init starts the driver (driver net /drivers/net), and
 * a device has one driver at a time: there netrun is not needed, and fails.
 */
#include <archk/runtime.h>
#include "lib/launch.h"

static archk_handle_t err_h;

static __attribute__((noreturn)) void fail(const char *what, long err)
{
	archk_dprintf(err_h, "netrun: %s: %s\n", what, archk_strerror(err));
	archk_process_exit(1);
}

int main(int argc, char **argv)
{
	static const char *const driver_argv[] = {"/drivers/net", NULL};
	const char *device = "net";
	archk_handle_t bus = archk_handle_named("devices"), dev, net, driver;
	int first = 1;
	long r;

	err_h = archk_handle_named("err");
	if (argc > 2 && strcmp(argv[1], "-d") == 0) {
		device = argv[2];
		first = 3;
	}
	if (first >= argc) {
		archk_dprintf(err_h, "usage: netrun [-d DEVICE] PROGRAM [ARG...]\n");
		return 2;
	}
	if (bus == ARCHK_HANDLE_INVALID)
		fail("no \"devices\" handle (run it as init or as the batch program)",
		     ARCHK_ERR_NOT_FOUND);
	r = archk_do_io(ARCHK_IO_OPEN, bus, (long)device, (long)strlen(device), ARCHK_RIGHTS_SAME,
			0);
	if (r < 0)
		fail("no socket device (archk needs --net)", r);
	dev = (archk_handle_t)r;
	struct archk_spawn_handle device_h[] = {{"device", dev, ARCHK_RIGHTS_SAME}};
	r = archk_spawn_server(driver_argv, device_h, 1, &driver);
	archk_handle_close(dev);
	if (r < 0)
		fail("the net driver did not start", r);
	net = (archk_handle_t)r;
	struct archk_spawn_handle hs[] = {{"net", net, ARCHK_RIGHTS_SAME}};
	r = archk_spawn(argv[first], (const char *const *)argv + first, hs, 1);
	if (r < 0)
		fail(argv[first], r);
	int status = launch_wait((archk_handle_t)r);
	archk_process_kill(driver);
	return status;
}
