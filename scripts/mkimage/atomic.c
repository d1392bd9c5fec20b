/* Atomic file creation for archk-mkimage: readers see the old file or the whole new one. */
#define _GNU_SOURCE
#include "mkimage.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Write all of data to fd, retrying short writes; -1 on error with errno set. */
static int write_all(int fd, const unsigned char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= n;
	}
	return 0;
}

/* Give a temporary file its mode and durable contents, and close it; -1 with errno set. */
static int fill_temporary(int fd, const void *data, size_t len, mode_t mode)
{
	int saved;

	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

/* Move the finished temporary file to path: rename replaces, link refuses an existing path. */
static int publish(const char *temporary, const char *path, bool replace)
{
	if (replace)
		return rename(temporary, path);
	if (link(temporary, path) < 0)
		return -1;
	unlink(temporary);
	return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool replace,
		      char *err, size_t errlen)
{
	char *temporary;
	int fd, saved;

	if (asprintf(&temporary, "%s.tmp.XXXXXX", path) < 0) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	fd = mkstemp(temporary);
	if (fd < 0) {
		snprintf(err, errlen, "%s: cannot create temporary file: %s", path,
			 strerror(errno));
		free(temporary);
		return -1;
	}
	if (fill_temporary(fd, data, len, mode) < 0 || publish(temporary, path, replace) < 0) {
		saved = errno;
		unlink(temporary);
		free(temporary);
		snprintf(err, errlen, "%s: %s", path,
			 saved == EEXIST ? "already exists (use --force to overwrite)"
					 : strerror(saved));
		return -1;
	}
	free(temporary);
	return 0;
}
