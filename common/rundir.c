/*
 * common/rundir.c — the run directory's layout and access (rundir.h).
 *
 * Sections: the layout table; creating (supd) and opening (clients);
 * the single-instance lock and the pid it names.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "proc.h"
#include "rundir.h"
#include "trust.h"

/* --- the layout --------------------------------------------------------- */

static const char *const dir_names[RUNDIR_NDIRS] = {
	[RUNDIR_TOP] = ".", [RUNDIR_LOG] = "log", [RUNDIR_W] = "w",
	[RUNDIR_STATE] = "state", [RUNDIR_POOL] = "pool",
};

static const struct {
	enum rundir_dir dir;
	const char *fmt; /* %1$s: the name, if it takes one */
} items[] = {
	[RUN_LOCK] = {RUNDIR_TOP, "supd.lock"},
	[RUN_SUPD_LOG] = {RUNDIR_TOP, "supd.log"},
	[RUN_CTL] = {RUNDIR_TOP, "ctl"},
	[RUN_EVENTS] = {RUNDIR_TOP, "events"},
	[RUN_NOTIFY_ADDR] = {RUNDIR_TOP, "notify.addr"},
	[RUN_STATE_DB] = {RUNDIR_TOP, "state.db"},
	[RUN_SPAWN_SEQ] = {RUNDIR_TOP, "spawn.seq"},
	[RUN_SPAWN_TAB] = {RUNDIR_TOP, "spawn.tab"},
	[RUN_LOG] = {RUNDIR_LOG, "%1$s.log"},
	[RUN_WDB] = {RUNDIR_STATE, "%1$s.db"},
	[RUN_WSOCK] = {RUNDIR_W, "%1$s"},
	[RUN_WDIR] = {RUNDIR_W, "%1$s.d"},
	[RUN_WSOCK_OWN] = {RUNDIR_W, "%1$s.d/%1$s"},
	[RUN_POOL] = {RUNDIR_POOL, "%1$s"},
	[RUN_LOG_SOCK] = {RUNDIR_TOP, "log.sock"},
};

enum rundir_dir
rundir_dir_of(enum rundir_item it)
{
	return items[it].dir;
}

/* A name that stays inside its directory. */
static bool
name_ok(const char *name)
{
	return name != NULL && name[0] != '\0' && name[0] != '.' &&
	    strchr(name, '/') == NULL;
}

bool
rundir_name(enum rundir_item it, const char *name, char *buf, size_t n)
{
	int len;

	if (strchr(items[it].fmt, '%') == NULL)
		name = "x"; /* not used */
	else if (!name_ok(name))
		return false;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	len = snprintf(buf, n, items[it].fmt, name);
#pragma GCC diagnostic pop
	return len >= 0 && (size_t)len < n;
}

bool
rundir_path(const char *run, enum rundir_item it, const char *name,
    char *buf, size_t n)
{
	char leaf[RUNDIR_PATH_MAX];
	enum rundir_dir d = items[it].dir;
	int len;

	if (!rundir_name(it, name, leaf, sizeof(leaf)))
		return false;
	if (d == RUNDIR_TOP)
		len = snprintf(buf, n, "%s/%s", run, leaf);
	else
		len = snprintf(buf, n, "%s/%s/%s", run, dir_names[d], leaf);
	return len >= 0 && (size_t)len < n;
}

/* --- creating and opening ------------------------------------------------ */

void
rundir_init(struct rundir *r)
{
	r->path[0] = '\0';
	for (int i = 0; i < RUNDIR_NDIRS; i++)
		r->fd[i] = -1;
}

void
rundir_close(struct rundir *r)
{
	for (int i = 0; i < RUNDIR_NDIRS; i++) {
		if (r->fd[i] >= 0)
			close(r->fd[i]);
		r->fd[i] = -1;
	}
}

static sup_err
path_set(struct rundir *r, const char *path, char *why, size_t n)
{
	rundir_init(r);
	if ((size_t)snprintf(r->path, sizeof(r->path), "%s", path) >=
	    sizeof(r->path)) {
		snprintf(why, n, "run dir path too long");
		return SUP_ETOOBIG;
	}
	return SUP_OK;
}

/* Ours, a directory, no link, with mode exactly (tightened if need be). */
static sup_err
own_dir(int fd, const char *path, mode_t mode, char *why, size_t n)
{
	struct stat st;
	sup_err e;

	if ((e = trust_fd_check(fd, path, TRUST_MINE, why, n)) != SUP_OK)
		return e;
	if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, n, "%s is not a directory", path);
		return SUP_EREFUSED;
	}
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) != 0) {
		snprintf(why, n, "cannot make %s mode %04o: %s", path,
		    (unsigned)mode, strerror(errno));
		return SUP_ESYS | errno;
	}
	return SUP_OK;
}

static sup_err
sub_create(struct rundir *r, enum rundir_dir d, mode_t mode, char *why,
    size_t n)
{
	char path[RUNDIR_PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", r->path, dir_names[d]);
	if (mkdirat(r->fd[RUNDIR_TOP], dir_names[d], mode) != 0 &&
	    errno != EEXIST) {
		snprintf(why, n, "cannot create %s: %s", path, strerror(errno));
		return SUP_ESYS | errno;
	}
	fd = openat(r->fd[RUNDIR_TOP], dir_names[d], O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "cannot open %s: %s%s", path, strerror(errno),
		    errno == ELOOP || errno == ENOTDIR ? " (not a directory: "
		    "a link or a file is in its place)" : "");
		return SUP_ESYS | errno;
	}
	r->fd[d] = fd;
	return own_dir(fd, path, mode, why, n);
}

sup_err
rundir_create(struct rundir *r, const char *path, bool shared, char *why,
    size_t n)
{
	mode_t top = shared ? 0711 : 0700;
	sup_err e;
	int fd;

	if ((e = path_set(r, path, why, n)) != SUP_OK)
		return e;
	/* An existing RUN others could write may hold what they planted:
	 * refused, not tightened (trust_dir_open checks it). */
	if ((e = trust_dir_open(path, true, top, TRUST_MINE, &fd, why, n)) !=
	    SUP_OK)
		goto fail;
	/* Ours: opened for real, to be read (fdopendir) and changed. */
	r->fd[RUNDIR_TOP] = openat(fd, ".", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC);
	close(fd);
	if (r->fd[RUNDIR_TOP] < 0) {
		snprintf(why, n, "cannot open %s: %s", path, strerror(errno));
		e = SUP_ESYS | errno;
		goto fail;
	}
	if ((e = own_dir(r->fd[RUNDIR_TOP], path, top, why, n)) != SUP_OK)
		goto fail;
	for (int d = RUNDIR_TOP + 1; d < RUNDIR_NDIRS; d++) {
		mode_t m = shared && (d == RUNDIR_W || d == RUNDIR_STATE) ?
		    0711 : 0700;
		if ((e = sub_create(r, (enum rundir_dir)d, m, why, n)) !=
		    SUP_OK)
			goto fail;
	}
	return SUP_OK;
fail:
	rundir_close(r);
	return e;
}

sup_err
rundir_open(struct rundir *r, const char *path, char *why, size_t n)
{
	sup_err e;

	if ((e = path_set(r, path, why, n)) != SUP_OK)
		return e;
	e = trust_dir_open(path, false, 0, TRUST_MINE_OR_ROOT,
	    &r->fd[RUNDIR_TOP], why, n);
	if (e == (SUP_ESYS | ENOENT))
		return SUP_ENOTFOUND;
	return e;
}

int
rundir_fd(struct rundir *r, enum rundir_dir d)
{
	char why[256];
	int fd;

	if (r->fd[d] >= 0 || r->fd[RUNDIR_TOP] < 0)
		return r->fd[d];
	fd = openat(r->fd[RUNDIR_TOP], dir_names[d], O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (trust_fd_check(fd, dir_names[d], TRUST_MINE_OR_ROOT, why,
	    sizeof(why)) != SUP_OK) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return r->fd[d] = fd;
}

/* The descriptor of the item's directory and its name there; -1 with errno. */
static int
item_at(struct rundir *r, enum rundir_item it, const char *name, char *leaf,
    size_t n)
{
	if (!rundir_name(it, name, leaf, n)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return rundir_fd(r, items[it].dir);
}

int
rundir_openat(struct rundir *r, enum rundir_item it, const char *name,
    int flags, mode_t mode)
{
	char leaf[RUNDIR_PATH_MAX];
	int dfd = item_at(r, it, name, leaf, sizeof(leaf));

	return dfd < 0 ? -1 : openat(dfd, leaf, flags | O_NOFOLLOW | O_CLOEXEC,
	    mode);
}

int
rundir_unlinkat(struct rundir *r, enum rundir_item it, const char *name)
{
	char leaf[RUNDIR_PATH_MAX];
	int dfd = item_at(r, it, name, leaf, sizeof(leaf));

	return dfd < 0 ? -1 : unlinkat(dfd, leaf, 0);
}

int
rundir_rotate(struct rundir *r, enum rundir_item it, const char *name,
    int keep)
{
	char leaf[RUNDIR_PATH_MAX], from[RUNDIR_PATH_MAX + 16],
	    to[RUNDIR_PATH_MAX + 16];
	int dfd = item_at(r, it, name, leaf, sizeof(leaf));

	if (dfd < 0)
		return -1;
	for (int i = keep; i >= 2; i--) {
		snprintf(from, sizeof(from), "%s.%d", leaf, i - 1);
		snprintf(to, sizeof(to), "%s.%d", leaf, i);
		if (i == keep)
			unlinkat(dfd, to, 0);
		(void)renameat(dfd, from, dfd, to);
	}
	snprintf(to, sizeof(to), "%s.1", leaf);
	if (keep == 1)
		unlinkat(dfd, to, 0);
	return renameat(dfd, leaf, dfd, to);
}

/* --- the lock ------------------------------------------------------------ */

sup_err
rundir_lock(struct rundir *r, int *fdp, pid_t *holder)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char pid[32];
	int fd, n;

	*holder = 0;
	fd = rundir_openat(r, RUN_LOCK, NULL, O_RDWR | O_CREAT, 0600);
	if (fd < 0)
		return SUP_ESYS | errno;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;
		char why[64];
		close(fd);
		if (e != EACCES && e != EAGAIN)
			return SUP_ESYS | e;
		if (rundir_supd_pid(r, holder, why, sizeof(why)) != SUP_OK)
			*holder = 0;
		return SUP_EBUSY;
	}
	n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
		int e = errno;
		close(fd);
		return SUP_ESYS | e;
	}
	*fdp = fd;
	return SUP_OK;
}

sup_err
rundir_supd_pid(struct rundir *r, pid_t *pidp, char *why, size_t n)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct stat st, top;
	char buf[32] = "";
	long said;
	int fd;

	/* O_RDONLY and F_GETLK only: we never hold, so never drop, a lock. */
	if ((fd = rundir_openat(r, RUN_LOCK, NULL, O_RDONLY, 0)) < 0) {
		if (errno == ENOENT)
			return SUP_ENOTFOUND;
		snprintf(why, n, "cannot open %s/supd.lock: %s", r->path,
		    strerror(errno));
		return SUP_ESYS | errno;
	}
	if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK) {
		close(fd);
		return SUP_ENOTFOUND;
	}
	if (pread(fd, buf, sizeof(buf) - 1, 0) < 0)
		buf[0] = '\0';
	said = strtol(buf, NULL, 10);
	if (fstat(fd, &st) != 0 || fstat(r->fd[RUNDIR_TOP], &top) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_uid != top.st_uid) {
		close(fd);
		snprintf(why, n, "%s/supd.lock is not supd's (not a file of the "
		    "run dir's owner): not trusting it", r->path);
		return SUP_EREFUSED;
	}
	close(fd);
	/* An OFD lock reports pid -1 (0: a holder in no namespace of ours):
	 * supd never takes one, and kill(-1) would signal every process we
	 * may signal. The holder must be the pid the file says, as its own
	 * PID namespace calls it: seen from the host, a supd that is PID 1
	 * of a container wrote "1"; seen from inside, it is pid 1 itself. */
	if (fl.l_pid <= 0 || (said != (long)fl.l_pid &&
	    said != (long)proc_ns_pid(fl.l_pid))) {
		snprintf(why, n, "%s/supd.lock is held by %s%ld, which is not "
		    "the supd it names (pid %ld): not trusting it", r->path,
		    fl.l_pid <= 0 ? "a lock of no process, pid " : "pid ",
		    (long)fl.l_pid, said);
		return SUP_EREFUSED;
	}
	*pidp = fl.l_pid;
	return SUP_OK;
}

char *
rundir_default(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, n, "/run/sup");
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, n, "%s/sup", xdg);
	else
		snprintf(buf, n, "/tmp/sup-%u", (unsigned)geteuid());
	return buf;
}
