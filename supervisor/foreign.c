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
 *   RUN/state/NAME.db   its database in WAL mode (no rollback journal to
 *                       create), with -wal, -shm and the NAME.db.lock it
 *                       takes: all 0600, all its own
 *
 * supd never opens with SQLite a file that user can write: a database is
 * made anew (when there is none, or an empty one) under a name of its
 * own in RUN/state, where only supd writes, then given away and renamed
 * into place. Files of another user than the worker's (its user changed)
 * are moved aside, never handed over with what they hold. Everything is
 * reached through RUN's descriptors, with O_NOFOLLOW: a link the worker
 * leaves in its own directory is never followed by supd.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "foreign.h"
#include "supd.h"

bool
foreign_is(const struct cfg_worker *w)
{
	return w->has_user && w->uid != geteuid();
}

static const char *const db_sidecars[] = {"-wal", "-shm", ".lock"};

/* Whether the entry name of dir belongs to someone else than w's user
 * and supd; moves it aside (NAME.was-UID) then. */
static void
stranger_aside(struct supd *d, int dir, const char *name,
    const struct cfg_worker *w)
{
	char aside[CFG_NAME_MAX + 64], path[PATH_MAX];
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    st.st_uid == w->uid || st.st_uid == geteuid())
		return;
	snprintf(aside, sizeof(aside), "%s.was-%u", name,
	    (unsigned)st.st_uid);
	snprintf(path, sizeof(path), "%s/%s", d->cfg->run_dir, name);
	if (renameat(dir, name, dir, aside) == 0)
		LOG_EV("foreign.aside", log_str("file", path),
		    log_str("moved_to", aside), log_str("note", "not its "
		    "user's: kept, not given to the worker's user"));
}

/* Opens (makes) name below dir and gives it to w's user: a file or a
 * directory, never what a link points to, never a FIFO's wait. */
static int
give(int dir, const char *name, bool is_dir, const struct cfg_worker *w)
{
	struct stat st;
	int fd;

	if (is_dir && mkdirat(dir, name, 0700) != 0 && errno != EEXIST)
		return -1;
	fd = is_dir ? openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC) : openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC | O_NONBLOCK, 0600);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || (!is_dir && !S_ISREG(st.st_mode)) ||
	    fchown(fd, w->uid, w->gid) != 0 ||
	    fchmod(fd, is_dir ? 0700 : 0600) != 0) {
		int e = errno ? errno : EINVAL;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A new database for name (RUN/state/NAME.db), made by supd under a name
 * only supd writes, then renamed into place with fresh sidecars. */
static bool
db_make(struct supd *d, int dir, const char *name, const struct cfg_worker *w)
{
	char tmp[CFG_NAME_MAX + 40], path[PATH_MAX], why[256], side[sizeof(tmp)
	    + 8];
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.new", name);
	for (size_t i = 0; i < 2; i++) { /* the last attempt's leftovers */
		snprintf(side, sizeof(side), "%s%s", tmp, db_sidecars[i]);
		unlinkat(dir, side, 0);
	}
	unlinkat(dir, tmp, 0);
	snprintf(path, sizeof(path), "%s/state/%s", d->cfg->run_dir, tmp);
	if (st_wcreate(path, why, sizeof(why)) != SUP_OK) {
		log_warn("cannot make the database of a worker in %s: %s", path,
		    why);
		return false;
	}
	/* Whole in the file: its WAL was copied in when it closed. */
	for (size_t i = 0; i < 2; i++) {
		snprintf(side, sizeof(side), "%s%s", tmp, db_sidecars[i]);
		unlinkat(dir, side, 0);
		snprintf(side, sizeof(side), "%s%s", name, db_sidecars[i]);
		unlinkat(dir, side, 0);
	}
	if ((fd = give(dir, tmp, false, w)) < 0)
		return false;
	close(fd);
	return renameat(dir, tmp, dir, name) == 0;
}

static bool
db_files_give(struct supd *d, struct supd_node *n)
{
	char name[CFG_NAME_MAX + 32], side[CFG_NAME_MAX + 40];
	int dir = rundir_fd(&d->run, RUNDIR_STATE), fd;
	struct stat st;

	rundir_name(RUN_WDB, n->name, name, sizeof(name));
	stranger_aside(d, dir, name, n->w);
	for (size_t i = 0; i < sizeof(db_sidecars) / sizeof(*db_sidecars); i++) {
		snprintf(side, sizeof(side), "%s%s", name, db_sidecars[i]);
		stranger_aside(d, dir, side, n->w);
	}
	if ((fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    (S_ISREG(st.st_mode) && st.st_size == 0)) &&
	    !db_make(d, dir, name, n->w))
		return false;
	if ((fd = give(dir, name, false, n->w)) < 0)
		return false;
	close(fd);
	for (size_t i = 0; i < sizeof(db_sidecars) / sizeof(*db_sidecars); i++) {
		snprintf(side, sizeof(side), "%s%s", name, db_sidecars[i]);
		if ((fd = give(dir, side, false, n->w)) < 0)
			return false;
		close(fd);
	}
	return true;
}

void
foreign_files_give(struct supd *d, struct supd_node *n)
{
	char name[CFG_NAME_MAX + 8];
	int wdir = rundir_fd(&d->run, RUNDIR_W), fd;

	if (!foreign_is(n->w) || n->w->ready != READY_SUP)
		return;
	rundir_name(RUN_WDIR, n->name, name, sizeof(name));
	stranger_aside(d, wdir, name, n->w);
	fd = give(wdir, name, true, n->w);
	if (fd < 0 || !db_files_give(d, n))
		log_warn("cannot make the files of %s for user %s under %s: %s;"
		    " it will not start", n->name, n->w->user, d->cfg->run_dir,
		    strerror(errno));
	if (fd >= 0)
		close(fd);
}
