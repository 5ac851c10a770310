/*
 * supervisor/rundir.c — run directory and single-instance lock (rundir.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rundef.h"
#include "rundir.h"

bool
rundir_path(const char *dir, const char *name, char *buf, size_t n)
{
	return (size_t)snprintf(buf, n, "%s/%s", dir, name) < n;
}

static sup_err
dir_own(const char *dir, mode_t mode, const char **why)
{
	struct stat st;

	if (mkdir(dir, mode) != 0 && errno != EEXIST) {
		*why = "cannot create it";
		return SUP_ESYS | errno;
	}
	if (lstat(dir, &st) != 0) {
		*why = "cannot stat it";
		return SUP_ESYS | errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		*why = "it is not a directory";
		return SUP_EREFUSED;
	}
	if (st.st_uid != geteuid()) {
		*why = "it is owned by another user";
		return SUP_EREFUSED;
	}
	if ((st.st_mode & 07777) != mode && chmod(dir, mode) != 0) {
		*why = "cannot make it 0700";
		return SUP_ESYS | errno;
	}
	return SUP_OK;
}

sup_err
rundir_prepare(const char *dir, const char **why)
{
	static const char *const subs[] = {"log", "w", "state", "spawn", "pool"};
	char buf[PATH_MAX];
	sup_err rv;
	int e;

	if ((e = mkdir_parents(dir, 0755)) != 0) {
		*why = "cannot create its parent directories";
		return SUP_ESYS | e;
	}
	if ((rv = dir_own(dir, 0700, why)) != SUP_OK)
		return rv;
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (!rundir_path(dir, subs[i], buf, sizeof(buf))) {
			*why = "path too long";
			return SUP_ESYS | ENAMETOOLONG;
		}
		if ((rv = dir_own(buf, 0700, why)) != SUP_OK)
			return rv;
	}
	return SUP_OK;
}

sup_err
rundir_lock(const char *dir, int *fdp, pid_t *holder)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char path[PATH_MAX], pid[32];
	int fd, n;

	if (!rundir_path(dir, "supd.lock", path, sizeof(path)))
		return SUP_ESYS | ENAMETOOLONG;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return SUP_ESYS | errno;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		int e = errno;
		*holder = 0;
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
			*holder = fl.l_pid;
		close(fd);
		return (e == EACCES || e == EAGAIN) ? SUP_EBUSY : SUP_ESYS | e;
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

pid_t
rundir_lock_holder(const char *dir)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char path[PATH_MAX];
	int fd;

	if (!rundir_path(dir, "supd.lock", path, sizeof(path)))
		return 0;
	/* O_RDONLY and F_GETLK only: we never hold, so never drop, a lock. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return 0;
	if (fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type == F_UNLCK)
		fl.l_pid = 0;
	close(fd);
	return fl.l_pid;
}
