/*
 * supervisor/foreign.c — the files under RUN of a libsup worker that runs
 * as another user (user = ... with ready = sup).
 *
 * Such a worker may make nothing in RUN: RUN, RUN/state and RUN/w stay
 * supd's (0711: it may pass through, not list or write). What it needs
 * is made for it before each spawn and given to its user, and nothing
 * else of RUN is opened to it (DESIGN.md, Trust):
 *   RUN/w/NAME.d/       its own directory, 0700: its endpoint and
 *                       telemetry sockets, which it binds itself
 *   RUN/state/NAME.db   its database, made in WAL mode (no rollback
 *                       journal to create), with -wal, -shm and the
 *                       NAME.db.lock it takes: all 0600, all its own
 * Everything is reached through RUN's descriptors, with O_NOFOLLOW: a
 * link the worker could leave in its own directory is never followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "supd.h"

static const char *const db_files[] = {"", "-wal", "-shm", ".lock"};

/* Opens (makes) name below dir as a file or a directory of w's user. */
static int
give(int dir, const char *name, bool is_dir, const struct cfg_worker *w)
{
	int fd;

	if (is_dir && mkdirat(dir, name, 0700) != 0 && errno != EEXIST)
		return -1;
	fd = is_dir ? openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC) : openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return -1;
	if (fchown(fd, w->uid, w->gid) != 0 ||
	    fchmod(fd, is_dir ? 0700 : 0600) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static bool
db_files_give(struct supd *d, struct supd_node *n)
{
	char name[CFG_NAME_MAX + 32], leaf[CFG_NAME_MAX + 40];
	char path[PATH_MAX], why[256];
	int dir = rundir_fd(&d->run, RUNDIR_STATE), fd;
	struct stat st;

	rundir_name(RUN_WDB, n->name, name, sizeof(name));
	if ((fd = give(dir, name, false, n->w)) < 0)
		return false;
	if (fstat(fd, &st) == 0 && st.st_size == 0) {
		rundir_path(d->cfg->run_dir, RUN_WDB, n->name, path,
		    sizeof(path));
		if (st_wcreate(path, why, sizeof(why)) != SUP_OK)
			log_warn("cannot make the database of %s: %s", n->name,
			    why);
	}
	close(fd);
	for (size_t i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++) {
		snprintf(leaf, sizeof(leaf), "%s%s", name, db_files[i]);
		if ((fd = give(dir, leaf, false, n->w)) < 0)
			return false;
		close(fd);
	}
	return true;
}

void
foreign_files_give(struct supd *d, struct supd_node *n)
{
	char name[CFG_NAME_MAX + 8];
	int fd;

	if (!child_foreign(n->w) || n->w->ready != READY_SUP)
		return;
	rundir_name(RUN_WDIR, n->name, name, sizeof(name));
	fd = give(rundir_fd(&d->run, RUNDIR_W), name, true, n->w);
	if (fd < 0 || !db_files_give(d, n))
		log_warn("cannot make the files of %s for user %s under %s: %s;"
		    " it will not start", n->name, n->w->user, d->cfg->run_dir,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
}
