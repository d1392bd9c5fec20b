/*
 * The share device (archk's own, ARCHK_DEVICE_ID_SHARE): one host directory
 * given to its driver, in the spirit of virtio-fs and 9p but with archk's own
 * message format (archk/device.h, docs/abi.md 18.12).
 *
 * No path leaves the directory. Every path a request names is relative to
 * the share's root, checked (no "..", not absolute, no NUL) and resolved by
 * openat2 from the root's descriptor with RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV: symbolic links that are absolute
 * or lead out, magic links (/proc/self/...) and mount points are refused by
 * the host kernel itself, atomically with the lookup, however the tree
 * changes meanwhile. A change to an entry (mkdir, unlink, rename) opens the
 * parent that way and names one component below it. Directories are only
 * ever paths: once one is moved out of the share, no request reaches into
 * it. Open files are fids, small numbers naming descriptors the model holds
 * (at most SHARE_FIDS): a descriptor stays open while a request uses it, so
 * its number is never reused under a request, and a reset closes them all.
 * The model checks everything the driver sends, and a read-only share
 * refuses every change here, whatever its driver asks.
 *
 * Host work is io_uring requests on the calling vCPU's ring, one after
 * another: a request's next step is the function its completion goes to.
 * What io_uring cannot do (read a directory with getdents64, cut a file
 * with ftruncate) a host thread of the model's own does: a vCPU hands the
 * request over with IORING_OP_MSG_RING, and the thread answers with a
 * message into the ring of that vCPU, whose completion continues the
 * request. No vCPU ever waits for it, and it never takes the kernel lock
 * or touches the driver's memory: it works in the request's own buffer.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "../kernel/io.h"
#include "devices.h"

#define SHARE_QUEUE_SIZE 256
#define SHARE_REQUESTS	 64    /* chains worked on at once; the rest wait in the ring */
#define SHARE_FIDS	 256   /* files open at once */
#define SHARE_PATH_BYTES 4096  /* a path and its NUL */
#define SHARE_LIST_ROOM	 65536 /* bytes of records one LIST returns at most */
#define SHARE_RETRIES	 8     /* openat2's EAGAIN: a rename raced its walk through ".." */
#define SHARE_RESOLVE	 (RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)
#define SHARE_FILE_OPEN	 (O_NONBLOCK | O_NOCTTY) /* a FIFO or a terminal never blocks an open */
#define SHARE_PENDING	 1			 /* an op started: its steps finish it */
#define OPEN_FLAGS                                                                                 \
	(ARCHK_SHARE_OPEN_WRITE | ARCHK_SHARE_OPEN_CREATE | ARCHK_SHARE_OPEN_EXCL |                \
	 ARCHK_SHARE_OPEN_TRUNCATE)

struct share_req;
/* What a request does with the result of its host work (a count, an fd, or -errno). */
typedef void (*share_step)(struct share_req *r, long res);

/* An open file: its descriptor, closed once no request uses it any more. */
struct share_fid {
	int fd;		/* -1: the fid is free */
	uint16_t users; /* requests in flight that use fd */
	bool closing;	/* given back (or reset): fd goes when users reaches 0 */
};

struct share_req {
	struct device_io io; /* first: its token is the request's */
	struct device_chain c;
	struct share *sh;
	bool busy;
	share_step next;
	struct archk_share_req h;
	struct archk_share_reply reply;
	char path[2][SHARE_PATH_BYTES];
	const char *parent[2], *name[2]; /* a path split into its directory and last name */
	int fd[2];			 /* descriptors opened for this request alone */
	uint32_t fid;			 /* the fid it holds, or ARCHK_SHARE_FID_NONE */
	int file;			 /* that fid's descriptor */
	int open_dir;			 /* the last openat2: where, what, how (for a retry) */
	const char *open_path;
	struct open_how how;
	bool opening; /* the completion awaited is openat2's new descriptor */
	unsigned retries;
	uint64_t done;	  /* WRITE: bytes written so far */
	struct statx stx; /* STATX's output */
	struct iovec iov[VIRTQ_SEGS_MAX];
	long (*job)(struct share_req *r); /* the helper thread's work */
	long job_result;
	uint32_t list_room; /* LIST: bytes of records that fit */
	uint8_t *list;	    /* LIST: the helper's records (SHARE_LIST_ROOM bytes) */
};

struct share {
	struct device *dev;
	struct device_model model;
	int root; /* the shared directory (O_PATH) */
	bool read_only;
	struct archk_share_config config;
	struct share_fid fids[SHARE_FIDS];
	struct io_uring helper_ring; /* the helper thread's: jobs arrive as its completions */
	bool helper_running;
	pthread_t helper;
	struct share_req reqs[SHARE_REQUESTS];
};

static void share_notify(struct device *d, void *state, unsigned q);

/* The archk error for a host errno (docs/abi.md 18.12 has the table and why). */
static long share_error(long res)
{
	switch (-res) {
	case ENOENT:
		return ARCHK_ERR_NOT_FOUND;
	case EEXIST:
		return ARCHK_ERR_EXISTS;
	case ENOTDIR:
		return ARCHK_ERR_NOT_DIR;
	case EISDIR:
		return ARCHK_ERR_IS_DIR;
	case ENOTEMPTY:
		return ARCHK_ERR_NOT_EMPTY;
	case EROFS:
		return ARCHK_ERR_READ_ONLY;
	case EACCES:
	case EPERM:
	case EXDEV: /* out of the share: "..", an absolute or outward link, a mount point */
	case ELOOP: /* a magic link, or more than 40 links */
	case EBUSY:
		return ARCHK_ERR_ACCESS_DENIED;
	case ENAMETOOLONG:
	case EFBIG:
	case E2BIG: /* LIST: not even one record fits */
		return ARCHK_ERR_TOO_LONG;
	case ENOSPC:
	case EDQUOT:
	case EMLINK:
		return ARCHK_ERR_NO_SPACE;
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return ARCHK_ERR_NO_MEMORY;
	case EINVAL:
		return ARCHK_ERR_INVALID_ARGS;
	case EAGAIN:
		return ARCHK_ERR_SHOULD_WAIT;
	case ENXIO: /* a socket, or a FIFO nobody reads */
	case ENODEV:
	case EOPNOTSUPP:
	case ETXTBSY:
		return ARCHK_ERR_NOT_SUPPORTED;
	default:
		return ARCHK_ERR_IO;
	}
}

/*
 * Closes fd without waiting for the host: an io_uring CLOSE whose success
 * posts nothing (a failure posts a completion with no token, which the
 * vCPU ignores). A thread without a ring (none calls this today) closes it.
 */
static void close_later(int fd)
{
	struct io_uring_sqe *sqe;

	if (fd < 0)
		return;
	if (!kick_ring) {
		close(fd);
		return;
	}
	sqe = ring_get_sqe(kick_ring);
	io_uring_prep_close(sqe, fd);
	io_uring_sqe_set_data(sqe, NULL);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_submit(kick_ring);
}

/* ---- fids ---- */

/* A free fid for fd, or -1 when all are taken. */
static long fid_new(struct share *sh, int fd)
{
	for (uint32_t i = 0; i < SHARE_FIDS; i++)
		if (sh->fids[i].fd < 0) {
			sh->fids[i] = (struct share_fid){.fd = fd};
			return i;
		}
	return -1;
}

/* r uses fid until it ends: its descriptor, or -1 if the fid is not open. */
static int fid_take(struct share_req *r, uint32_t fid)
{
	struct share_fid *f = fid < SHARE_FIDS ? &r->sh->fids[fid] : NULL;

	if (!f || f->fd < 0 || f->closing)
		return -1;
	f->users++;
	r->fid = fid;
	r->file = f->fd;
	return f->fd;
}

/* Gives fid back: its descriptor is closed once no request uses it. */
static void fid_release(struct share_fid *f)
{
	if (f->fd < 0)
		return;
	f->closing = true;
	if (f->users == 0) {
		close_later(f->fd);
		f->fd = -1;
	}
}

/* r is done with its fid. */
static void fid_put(struct share_req *r)
{
	struct share_fid *f = &r->sh->fids[r->fid];

	r->fid = ARCHK_SHARE_FID_NONE;
	if (--f->users == 0 && f->closing)
		fid_release(f);
}

/* ---- requests: their end, paths, host work ---- */

/* r is over: what it opened goes, and its chain goes back with written bytes. */
static void end(struct share_req *r, uint32_t written)
{
	for (int i = 0; i < 2; i++) {
		close_later(r->fd[i]);
		r->fd[i] = -1;
	}
	if (r->fid != ARCHK_SHARE_FID_NONE)
		fid_put(r);
	r->busy = false;
	device_push(r->sh->dev, &r->c, written);
}

/* Answers r with result (an archk code or a count) and its reply. */
static void finish(struct share_req *r, long result)
{
	uint32_t data = 0;

	if (result > 0 && (r->h.op == ARCHK_SHARE_OP_READ || r->h.op == ARCHK_SHARE_OP_LIST))
		data = (uint32_t)result;
	r->reply.result = result;
	virtq_chain_write(&r->c.vc, 0, &r->reply, sizeof(r->reply));
	end(r, (uint32_t)sizeof(r->reply) + data);
}

/* A step that only reports: 0 or the error. */
static void done(struct share_req *r, long res)
{
	finish(r, res < 0 ? share_error(res) : 0);
}

/* Bytes of payload after the request header. */
static uint32_t payload_bytes(const struct share_req *r)
{
	return r->c.vc.out_bytes - (uint32_t)sizeof(r->h);
}

/*
 * Copies len bytes of payload from from into path i as a C string: 0, or
 * TOO_LONG (SHARE_PATH_BYTES or more), INVALID_ARGS (a NUL in it, absolute,
 * a ".." component). The empty path is the root, ".".
 */
static long take_path(struct share_req *r, int i, uint32_t from, uint32_t len)
{
	char *p = r->path[i];

	if (len >= SHARE_PATH_BYTES)
		return ARCHK_ERR_TOO_LONG;
	if (virtq_chain_read(&r->c.vc, (uint32_t)sizeof(r->h) + from, p, len) != len)
		return ARCHK_ERR_INVALID_ARGS;
	p[len] = '\0';
	if (strlen(p) != len || p[0] == '/')
		return ARCHK_ERR_INVALID_ARGS;
	for (const char *c = p; c; c = strchr(c, '/') ? strchr(c, '/') + 1 : NULL)
		if (c[0] == '.' && c[1] == '.' && (c[2] == '/' || c[2] == '\0'))
			return ARCHK_ERR_INVALID_ARGS;
	if (len == 0)
		strcpy(p, ".");
	return 0;
}

/* The whole payload as path 0. */
static long take_payload_path(struct share_req *r)
{
	return take_path(r, 0, 0, payload_bytes(r));
}

/* Splits path i into its parent directory and its last name (which must be a name). */
static long split(struct share_req *r, int i)
{
	char *p = r->path[i], *slash = strrchr(p, '/');

	r->parent[i] = slash ? p : ".";
	r->name[i] = slash ? slash + 1 : p;
	if (slash)
		*slash = '\0';
	if (!r->name[i][0] || strcmp(r->name[i], ".") == 0)
		return ARCHK_ERR_INVALID_ARGS;
	return 0;
}

/* A submission slot for r's next host work, whose completion goes to next. */
static struct io_uring_sqe *work(struct share_req *r, share_step next)
{
	struct io_uring_sqe *sqe = device_io_sqe(&r->io);

	sqe->user_data |= HOST_RAW_RESULT;
	r->next = next;
	r->opening = false;
	return sqe;
}

/* openat2 of path below dir, never leaving the share; the descriptor goes to next. */
static void open_at(struct share_req *r, int dir, const char *path, uint64_t flags, share_step next)
{
	struct io_uring_sqe *sqe = work(r, next);

	r->open_dir = dir;
	r->open_path = path;
	r->how = (struct open_how){.flags = flags | O_CLOEXEC,
				   .mode = flags & O_CREAT ? 0666 : 0,
				   .resolve = SHARE_RESOLVE};
	io_uring_prep_openat2(sqe, dir, path, &r->how);
	r->opening = true;
	io_uring_submit(kick_ring);
}

/* openat2 gave EAGAIN (a rename raced a ".." of a link): true if it was tried again. */
static bool retried(struct share_req *r, long res)
{
	if (res != -EAGAIN || r->retries++ >= SHARE_RETRIES)
		return false;
	open_at(r, r->open_dir, r->open_path, r->how.flags & ~(uint64_t)O_CLOEXEC, r->next);
	return true;
}

/* An openat2 step's result: true if r goes on with the descriptor in fd[i]. */
static bool opened_as(struct share_req *r, long res, int i)
{
	if (retried(r, res))
		return false;
	if (res < 0) {
		finish(r, share_error(res));
		return false;
	}
	r->fd[i] = (int)res;
	return true;
}

/* The metadata of fd into stx. */
static void stat_fd(struct share_req *r, int fd, share_step next)
{
	struct io_uring_sqe *sqe = work(r, next);

	io_uring_prep_statx(sqe, fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &r->stx);
	io_uring_submit(kick_ring);
}

/* reply.attr from stx. */
static void fill_attr(struct share_req *r)
{
	const struct statx *s = &r->stx;

	r->reply.attr = (struct archk_share_attr){
	    .kind = S_ISREG(s->stx_mode)   ? ARCHK_KIND_FILE
		    : S_ISDIR(s->stx_mode) ? ARCHK_KIND_DIR
					   : ARCHK_KIND_OTHER,
	    .mode = s->stx_mode & 07777,
	    .size = s->stx_size,
	    .mtime = s->stx_mtime.tv_sec * 1000000000LL + s->stx_mtime.tv_nsec,
	    .ctime = s->stx_ctime.tv_sec * 1000000000LL + s->stx_ctime.tv_nsec,
	};
}

/* ---- the helper thread ---- */

/* Sends r's job result to the ring of the vCPU that handed r over. */
static void answer(struct share *sh, struct share_req *r)
{
	struct io_uring_sqe *sqe = ring_get_sqe(&sh->helper_ring);
	struct host_vcpu *hv = (struct host_vcpu *)r->io.vcpu;

	io_uring_prep_msg_ring(sqe, hv->ring.ring_fd, (uint32_t)r->job_result,
			       (uintptr_t)&r->io.token | HOST_RAW_RESULT, 0);
	io_uring_sqe_set_data(sqe, r);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_submit(&sh->helper_ring);
}

/*
 * The helper: each completion on its ring is a request handed over (result
 * 0) or an answer that could not be sent (an error: the host was short of
 * memory), which it sends again after a pause. Only faults reach it as
 * signals.
 */
static void *helper_main(void *arg)
{
	struct share *sh = arg;
	static const int faults[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS};
	const struct timespec pause = {0, 1000000};
	sigset_t mask;

	sigfillset(&mask);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		sigdelset(&mask, faults[i]);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	trap_thread_init(NULL);
	for (;;) {
		struct io_uring_cqe *cqe;
		struct share_req *r;
		int res;

		if (io_uring_wait_cqe(&sh->helper_ring, &cqe) < 0)
			continue;
		r = io_uring_cqe_get_data(cqe);
		res = cqe->res;
		io_uring_cqe_seen(&sh->helper_ring, cqe);
		if (res >= 0)
			r->job_result = r->job(r);
		else
			nanosleep(&pause, NULL);
		answer(sh, r);
	}
	return NULL;
}

/* Hands r to the helper thread (started the first time) to do job; its result goes to next. */
static void hand_over(struct share_req *r, long (*job)(struct share_req *r), share_step next)
{
	struct share *sh = r->sh;
	struct io_uring_sqe *sqe;

	if (!sh->helper_running && pthread_create(&sh->helper, NULL, helper_main, sh) != 0) {
		finish(r, ARCHK_ERR_NO_MEMORY);
		return;
	}
	sh->helper_running = true;
	r->job = job;
	sqe = work(r, next);
	io_uring_prep_msg_ring(sqe, sh->helper_ring.ring_fd, 0, (uintptr_t)r, 0);
	sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
	io_uring_submit(kick_ring);
}

/*
 * Helper jobs (no lock: only r's own fields and descriptors). LIST: the
 * records of the directory fd[0] from position h.offset into r->list, as
 * many as fit in list_room; reply.next continues after the last entry
 * looked at. An entry gone before it could be looked at is left out.
 */
static long job_list(struct share_req *r)
{
	uint8_t buf[32768];
	int fd = r->fd[0];
	uint32_t used = 0;
	uint64_t next = r->h.offset;
	bool full = false;

	if (lseek(fd, (off_t)r->h.offset, SEEK_SET) < 0)
		return -errno;
	while (!full) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));

		if (n <= 0) {
			if (n < 0 && used == 0)
				return -errno;
			break;
		}
		for (ssize_t off = 0; off < n && !full;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			struct stat st;
			size_t put = 0;

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") && strcmp(d->d_name, "..") &&
			    fstatat(fd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				put =
				    io_dirent_put(r->list + used, r->list_room - used,
						  (uint64_t)d->d_off, d->d_name, strlen(d->d_name),
						  S_ISREG(st.st_mode)	? ARCHK_KIND_FILE
						  : S_ISDIR(st.st_mode) ? ARCHK_KIND_DIR
									: ARCHK_KIND_OTHER,
						  S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0);
				full = put == 0;
			}
			if (!full)
				next = (uint64_t)d->d_off;
			used += (uint32_t)put;
		}
	}
	r->reply.next = next;
	return used == 0 && full ? -E2BIG : (long)used;
}

/* STAT_COUNT: the number of entries of the directory fd[0], "." and ".." left out. */
static long job_count(struct share_req *r)
{
	uint8_t buf[32768];
	long count = 0;
	ssize_t n;

	if (lseek(r->fd[0], 0, SEEK_SET) < 0)
		return -errno;
	while ((n = getdents64(r->fd[0], buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);

			off += d->d_reclen;
			count += strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
		}
	return n < 0 ? -errno : count;
}

/* TRUNCATE: the file of r's fid cut or extended to h.offset bytes. */
static long job_truncate(struct share_req *r)
{
	return ftruncate(r->file, (off_t)r->h.offset) < 0 ? -errno : 0;
}

/* ---- OPEN ---- */

/* OPEN's file was looked at: a directory needs no fid, a file gets one, the rest are refused. */
static void open_statted(struct share_req *r, long res)
{
	long fid;

	if (res < 0) {
		finish(r, share_error(res));
		return;
	}
	fill_attr(r);
	if (r->reply.attr.kind != ARCHK_KIND_FILE) {
		finish(r, r->reply.attr.kind == ARCHK_KIND_DIR ? 0 : ARCHK_ERR_NOT_SUPPORTED);
		return;
	}
	if ((fid = fid_new(r->sh, r->fd[0])) < 0) {
		finish(r, ARCHK_ERR_NO_MEMORY);
		return;
	}
	r->fd[0] = -1;
	r->reply.fid = (uint32_t)fid;
	finish(r, 0);
}

/*
 * OPEN's openat2 answered. A directory opened for writing is opened again
 * read-only (OPEN reports directories too); on a read-only share, CREATE
 * opens what exists and a missing name is READ_ONLY.
 */
static void open_opened(struct share_req *r, long res)
{
	uint32_t flags = r->h.flags;

	if (res == -EISDIR && !(flags & (ARCHK_SHARE_OPEN_CREATE | ARCHK_SHARE_OPEN_TRUNCATE))) {
		open_at(r, r->sh->root, r->path[0], O_RDONLY | O_DIRECTORY | SHARE_FILE_OPEN,
			open_opened);
		return;
	}
	if (res == -ENOENT && r->sh->read_only && (flags & ARCHK_SHARE_OPEN_CREATE)) {
		finish(r, ARCHK_ERR_READ_ONLY);
		return;
	}
	if (!opened_as(r, res, 0))
		return;
	if (r->sh->read_only && (flags & ARCHK_SHARE_OPEN_CREATE) &&
	    (flags & ARCHK_SHARE_OPEN_EXCL)) {
		finish(r, ARCHK_ERR_EXISTS);
		return;
	}
	stat_fd(r, r->fd[0], open_statted);
}

static long op_open(struct share_req *r)
{
	uint32_t flags = r->h.flags;
	bool writes = flags & (ARCHK_SHARE_OPEN_WRITE | ARCHK_SHARE_OPEN_TRUNCATE);
	uint64_t how = SHARE_FILE_OPEN | (writes ? O_RDWR : O_RDONLY);
	long err;

	if (flags & ~OPEN_FLAGS)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = take_payload_path(r)) < 0)
		return err;
	if (r->sh->read_only && writes)
		return ARCHK_ERR_READ_ONLY;
	if (!r->sh->read_only && (flags & ARCHK_SHARE_OPEN_CREATE))
		how |= O_CREAT | (flags & ARCHK_SHARE_OPEN_EXCL ? O_EXCL : 0);
	if (flags & ARCHK_SHARE_OPEN_TRUNCATE)
		how |= O_TRUNC;
	open_at(r, r->sh->root, r->path[0], how, open_opened);
	return SHARE_PENDING;
}

/* ---- STAT, LIST, SYNCDIR: a path opened for one look ---- */

static void stat_counted(struct share_req *r, long res)
{
	if (res < 0) {
		finish(r, share_error(res));
		return;
	}
	r->reply.attr.size = (uint64_t)res;
	finish(r, 0);
}

static void stat_statted(struct share_req *r, long res)
{
	if (res < 0) {
		finish(r, share_error(res));
		return;
	}
	fill_attr(r);
	if (r->h.flags & ARCHK_SHARE_STAT_COUNT)
		hand_over(r, job_count, stat_counted);
	else
		finish(r, 0);
}

static void stat_opened(struct share_req *r, long res)
{
	if (opened_as(r, res, 0))
		stat_fd(r, r->fd[0], stat_statted);
}

/* STAT: O_PATH (nothing is opened for reading) unless the entries are to be counted. */
static long op_stat(struct share_req *r)
{
	bool count = r->h.flags & ARCHK_SHARE_STAT_COUNT;
	long err;

	if (r->h.flags & ~ARCHK_SHARE_STAT_COUNT)
		return ARCHK_ERR_INVALID_ARGS;
	if ((err = take_payload_path(r)) < 0)
		return err;
	open_at(r, r->sh->root, r->path[0],
		count ? O_RDONLY | O_DIRECTORY | SHARE_FILE_OPEN : O_PATH, stat_opened);
	return SHARE_PENDING;
}

static void list_listed(struct share_req *r, long res)
{
	if (res > 0)
		virtq_chain_write(&r->c.vc, (uint32_t)sizeof(r->reply), r->list, (uint32_t)res);
	finish(r, res < 0 ? share_error(res) : res);
}

static void list_opened(struct share_req *r, long res)
{
	uint32_t room = r->c.vc.in_bytes - (uint32_t)sizeof(r->reply);

	if (!opened_as(r, res, 0))
		return;
	if (!r->list && !(r->list = malloc(SHARE_LIST_ROOM))) {
		finish(r, ARCHK_ERR_NO_MEMORY);
		return;
	}
	r->list_room = room < SHARE_LIST_ROOM ? room : SHARE_LIST_ROOM;
	hand_over(r, job_list, list_listed);
}

/* A directory of the share by path, read-only, for a look at its entries or a sync. */
static long open_dir(struct share_req *r, share_step next)
{
	long err = take_payload_path(r);

	if (err < 0)
		return err;
	open_at(r, r->sh->root, r->path[0], O_RDONLY | O_DIRECTORY | SHARE_FILE_OPEN, next);
	return SHARE_PENDING;
}

static long op_list(struct share_req *r)
{
	if (r->h.offset > INT64_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	return open_dir(r, list_opened);
}

static void syncdir_opened(struct share_req *r, long res)
{
	if (opened_as(r, res, 0)) {
		io_uring_prep_fsync(work(r, done), r->fd[0], 0);
		io_uring_submit(kick_ring);
	}
}

static long op_syncdir(struct share_req *r)
{
	return open_dir(r, syncdir_opened);
}

/* ---- MKDIR, UNLINK, RENAME: one name below a parent opened beneath the root ---- */

/* Checks path i for a change: 0, or READ_ONLY, or what take_path and split say. */
static long change_path(struct share_req *r, int i, uint32_t from, uint32_t len)
{
	long err;

	if (r->sh->read_only)
		return ARCHK_ERR_READ_ONLY;
	if ((err = take_path(r, i, from, len)) < 0 || (err = split(r, i)) < 0)
		return err;
	return 0;
}

/* Opens the parent of path i (O_PATH: a directory to name entries in) for next. */
static void open_parent(struct share_req *r, int i, share_step next)
{
	open_at(r, r->sh->root, r->parent[i], O_PATH | O_DIRECTORY, next);
}

static void mkdir_parent(struct share_req *r, long res)
{
	if (opened_as(r, res, 0)) {
		io_uring_prep_mkdirat(work(r, done), r->fd[0], r->name[0], 0777);
		io_uring_submit(kick_ring);
	}
}

static long op_mkdir(struct share_req *r)
{
	long err = change_path(r, 0, 0, payload_bytes(r));

	if (err < 0)
		return err;
	open_parent(r, 0, mkdir_parent);
	return SHARE_PENDING;
}

/* A directory cannot be unlinked (EISDIR on Linux): it is removed as one. */
static void unlink_unlinked(struct share_req *r, long res)
{
	if (res != -EISDIR) {
		done(r, res);
		return;
	}
	io_uring_prep_unlinkat(work(r, done), r->fd[0], r->name[0], AT_REMOVEDIR);
	io_uring_submit(kick_ring);
}

static void unlink_parent(struct share_req *r, long res)
{
	if (opened_as(r, res, 0)) {
		io_uring_prep_unlinkat(work(r, unlink_unlinked), r->fd[0], r->name[0], 0);
		io_uring_submit(kick_ring);
	}
}

static long op_unlink(struct share_req *r)
{
	long err = change_path(r, 0, 0, payload_bytes(r));

	if (err < 0)
		return err;
	open_parent(r, 0, unlink_parent);
	return SHARE_PENDING;
}

static void rename_second_parent(struct share_req *r, long res)
{
	if (opened_as(r, res, 1)) {
		io_uring_prep_renameat(work(r, done), r->fd[0], r->name[0], r->fd[1], r->name[1],
				       0);
		io_uring_submit(kick_ring);
	}
}

static void rename_first_parent(struct share_req *r, long res)
{
	if (opened_as(r, res, 0))
		open_parent(r, 1, rename_second_parent);
}

/* RENAME's payload: "from", a NUL, "to". */
static long op_rename(struct share_req *r)
{
	uint32_t len = payload_bytes(r), head = len < SHARE_PATH_BYTES ? len : SHARE_PATH_BYTES;
	uint32_t from_len;
	long err;

	virtq_chain_read(&r->c.vc, (uint32_t)sizeof(r->h), r->path[0], head);
	from_len = (uint32_t)strnlen(r->path[0], head);
	if (from_len == head) /* no NUL: one path, or a first one too long */
		return head == len ? ARCHK_ERR_INVALID_ARGS : ARCHK_ERR_TOO_LONG;
	if ((err = change_path(r, 0, 0, from_len)) < 0 ||
	    (err = change_path(r, 1, from_len + 1, len - from_len - 1)) < 0)
		return err;
	open_parent(r, 0, rename_first_parent);
	return SHARE_PENDING;
}

/* ---- READ, WRITE, FSTAT, TRUNCATE, FSYNC, CLOSE: a fid ---- */

/* The descriptor of the fid r names, which r now holds; -1 if that fid is not open. */
static int fid_of(struct share_req *r)
{
	return fid_take(r, r->h.fid);
}

static void read_done(struct share_req *r, long res)
{
	finish(r, res < 0 ? share_error(res) : res);
}

static long op_read(struct share_req *r)
{
	int fd = fid_of(r);
	int n;

	if (fd < 0 || r->h.offset > INT64_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	if ((n = device_writable_iov(&r->c.vc, (uint32_t)sizeof(r->reply), 0, r->iov)) == 0)
		return 0;
	io_uring_prep_readv(work(r, read_done), fd, r->iov, (unsigned)n, r->h.offset);
	io_uring_submit(kick_ring);
	return SHARE_PENDING;
}

static void write_more(struct share_req *r);

/* A write wrote some: the rest follows. An error after some bytes returns the bytes. */
static void written(struct share_req *r, long res)
{
	if (res <= 0) {
		finish(r, r->done ? (long)r->done : res < 0 ? share_error(res) : 0);
		return;
	}
	r->done += (uint64_t)res;
	write_more(r);
}

static void write_more(struct share_req *r)
{
	int n = device_readable_iov(&r->c.vc, (uint32_t)(sizeof(r->h) + r->done), r->iov);

	if (n == 0) {
		finish(r, (long)r->done);
		return;
	}
	io_uring_prep_writev(work(r, written), r->file, r->iov, (unsigned)n, r->h.offset + r->done);
	io_uring_submit(kick_ring);
}

static long op_write(struct share_req *r)
{
	if (r->sh->read_only)
		return ARCHK_ERR_READ_ONLY;
	if (fid_of(r) < 0 || r->h.offset > INT64_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	write_more(r);
	return SHARE_PENDING;
}

static void fstat_statted(struct share_req *r, long res)
{
	if (res >= 0)
		fill_attr(r);
	done(r, res);
}

static long op_fstat(struct share_req *r)
{
	int fd = fid_of(r);

	if (fd < 0)
		return ARCHK_ERR_INVALID_ARGS;
	stat_fd(r, fd, fstat_statted);
	return SHARE_PENDING;
}

static long op_truncate(struct share_req *r)
{
	if (r->sh->read_only)
		return ARCHK_ERR_READ_ONLY;
	if (fid_of(r) < 0 || r->h.offset > INT64_MAX)
		return ARCHK_ERR_INVALID_ARGS;
	hand_over(r, job_truncate, done);
	return SHARE_PENDING;
}

static long op_fsync(struct share_req *r)
{
	int fd = fid_of(r);

	if (fd < 0)
		return ARCHK_ERR_INVALID_ARGS;
	io_uring_prep_fsync(work(r, done), fd, 0);
	io_uring_submit(kick_ring);
	return SHARE_PENDING;
}

static long op_close(struct share_req *r)
{
	if (fid_of(r) < 0)
		return ARCHK_ERR_INVALID_ARGS;
	fid_release(&r->sh->fids[r->h.fid]);
	return 0;
}

/* ---- the queue ---- */

/* Each op's start: SHARE_PENDING, or the result to answer with at once. */
static long (*const ops[])(struct share_req *r) = {
    [ARCHK_SHARE_OP_OPEN] = op_open,	     [ARCHK_SHARE_OP_STAT] = op_stat,
    [ARCHK_SHARE_OP_LIST] = op_list,	     [ARCHK_SHARE_OP_MKDIR] = op_mkdir,
    [ARCHK_SHARE_OP_UNLINK] = op_unlink,     [ARCHK_SHARE_OP_RENAME] = op_rename,
    [ARCHK_SHARE_OP_SYNCDIR] = op_syncdir,   [ARCHK_SHARE_OP_READ] = op_read,
    [ARCHK_SHARE_OP_WRITE] = op_write,	     [ARCHK_SHARE_OP_FSTAT] = op_fstat,
    [ARCHK_SHARE_OP_TRUNCATE] = op_truncate, [ARCHK_SHARE_OP_FSYNC] = op_fsync,
    [ARCHK_SHARE_OP_CLOSE] = op_close,
};

/* Starts request r, whose chain is taken: a header, a reply to fill, and an op. */
static void start(struct share_req *r)
{
	long result;

	r->fd[0] = r->fd[1] = -1;
	r->fid = ARCHK_SHARE_FID_NONE;
	r->retries = 0;
	r->done = 0;
	r->reply = (struct archk_share_reply){.fid = ARCHK_SHARE_FID_NONE};
	if (r->c.vc.in_bytes < sizeof(r->reply)) { /* nowhere to answer */
		end(r, 0);
		return;
	}
	if (virtq_chain_read(&r->c.vc, 0, &r->h, sizeof(r->h)) != sizeof(r->h) || r->h.reserved ||
	    (r->h.flags && r->h.op != ARCHK_SHARE_OP_OPEN && r->h.op != ARCHK_SHARE_OP_STAT))
		result = ARCHK_ERR_INVALID_ARGS;
	else if (r->h.op >= sizeof(ops) / sizeof(ops[0]) || !ops[r->h.op])
		result = ARCHK_ERR_NOT_SUPPORTED;
	else
		result = ops[r->h.op](r);
	if (result != SHARE_PENDING)
		finish(r, result);
}

/*
 * A completion of r's host work. After a reset r belongs to nobody: it ends
 * without a word, closing a descriptor it was being given.
 */
static void share_done(struct io_token *token, long res)
{
	struct share_req *r = (struct share_req *)token;
	struct share *sh = r->sh;

	device_io_done(&r->io);
	if (device_current(sh->dev, &r->c)) {
		r->next(r, res);
	} else {
		if (r->opening && res >= 0)
			close_later((int)res);
		end(r, 0);
	}
	share_notify(sh->dev, sh, 0); /* chains may wait for a free request */
}

/* Takes every chain offered while requests are free (the rest wait in the ring). */
static void share_notify(struct device *d, void *state, unsigned q)
{
	struct share *sh = state;

	for (unsigned i = 0; i < SHARE_REQUESTS; i++) {
		struct share_req *r = &sh->reqs[i];

		if (r->busy)
			continue;
		if (device_pop(d, q, &r->c) != 1)
			return;
		r->busy = true;
		start(r);
	}
}

/* Every fid is given back; requests in flight end on their own, unseen. */
static void share_reset(struct device *d, void *state)
{
	struct share *sh = state;

	(void)d;
	for (unsigned i = 0; i < SHARE_FIDS; i++)
		fid_release(&sh->fids[i]);
}

int share_device_open(const struct archk_boot_device *bd)
{
	struct share *sh = calloc(1, sizeof(*sh));

	if (!sh)
		return ARCHK_ERR_NO_MEMORY;
	sh->root = (int)bd->host_fd[0];
	sh->read_only = bd->flags & ARCHK_BOOT_DEVICE_RO;
	sh->config = (struct archk_share_config){SHARE_FIDS, SHARE_PATH_BYTES - 1};
	sh->model = (struct device_model){
	    .device_id = ARCHK_DEVICE_ID_SHARE,
	    .queue_count = 1,
	    .queue_size_max = SHARE_QUEUE_SIZE,
	    .features = sh->read_only ? ARCHK_SHARE_F_RO : 0,
	    .notify = share_notify,
	    .reset = share_reset,
	};
	for (unsigned i = 0; i < SHARE_FIDS; i++)
		sh->fids[i].fd = -1;
	for (unsigned i = 0; i < SHARE_REQUESTS; i++) {
		sh->reqs[i].io.token.complete = share_done;
		sh->reqs[i].sh = sh;
	}
	if (ring_init(&sh->helper_ring, 64) < 0)
		return ARCHK_ERR_NO_MEMORY;
	sandbox_allow_tree(sh->root, !sh->read_only);
	sh->dev = device_create(bd->name, &sh->model, sh, &sh->config, sizeof(sh->config));
	return sh->dev ? 0 : ARCHK_ERR_NO_MEMORY;
}
