/*
 * supervisor/supdlog.c — the rotation of RUN/supd.log (supdlog.h).
 *
 * common/log.c calls supd_log_rotate() between two lines when the next
 * would take stderr past log_max_size (a crash loop with backoff = 0 0
 * writes about 13 MB a minute). The file is renamed through the run
 * dir's descriptor, a new one opened there and dup2'd onto fd 2 (and fd
 * 1, when it was the same file), so every later line, supd's and those
 * of children started from then with stdout = inherit, goes to the new
 * supd.log. Children already running with stdout = inherit keep the
 * file they had (now supd.log.1).
 *
 * The file must still be ours when it is rotated: when RUN/supd.log is
 * no longer what fd 2 writes to (someone moved it, logrotate), supd says
 * so once and leaves it alone from then on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "logholder.h"
#include "supd.h"
#include "supdlog.h"

static struct {
	struct supd *d; /* borrowed: outlives the logging */
	bool fd1;	/* stdout is the same file */
} rot;

/* Whether fd is RUN/supd.log, that very file. */
static bool
is_supd_log(struct supd *d, int fd)
{
	int log = rundir_openat(&d->run, RUN_SUPD_LOG, NULL, O_RDONLY, 0);
	struct stat a, b;
	bool same;

	if (log < 0)
		return false;
	same = fstat(log, &a) == 0 && fstat(fd, &b) == 0 &&
	    S_ISREG(a.st_mode) && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	close(log);
	return same;
}

static bool
supd_log_rotate(void)
{
	struct supd *d = rot.d;
	char path[PATH_MAX];
	struct stat st;
	int fd;

	rundir_path(d->cfg->run_dir, RUN_SUPD_LOG, NULL, path, sizeof(path));
	if (!is_supd_log(d, STDERR_FILENO)) {
		log_warn("%s is no longer the file supd writes to: not "
		    "rotating it", path);
		return false;
	}
	if (fstat(STDERR_FILENO, &st) != 0 ||
	    rundir_rotate(&d->run, RUN_SUPD_LOG, NULL, d->cfg->log_keep) != 0 ||
	    (fd = rundir_openat(&d->run, RUN_SUPD_LOG, NULL, O_WRONLY |
	    O_APPEND | O_CREAT, 0600)) < 0) {
		log_warn("cannot rotate %s: %s; it grows on", path,
		    strerror(errno));
		return false;
	}
	dup2(fd, STDERR_FILENO);
	if (rot.fd1)
		dup2(fd, STDOUT_FILENO);
	close(fd);
	logholder_output(d);
	LOG_EV("log.rotate", log_str("file", path),
	    log_num("size", (long long)st.st_size));
	return true;
}

void
supd_log_rotation(struct supd *d)
{
	if (d->cfg->log_max_size <= 0 || !is_supd_log(d, STDERR_FILENO))
		return;
	rot.d = d;
	rot.fd1 = is_supd_log(d, STDOUT_FILENO);
	log_set_limit(d->cfg->log_max_size, supd_log_rotate);
}
