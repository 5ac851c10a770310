/*
 * worker/regwatch.c — waiting for a worker's registry entry to change,
 * told by the kernel instead of reading the registry every millisecond.
 *
 * A restarted worker publishes its pid and endpoint in its database
 * (RUN/state/NAME.db): a commit writes NAME.db-wal, or NAME.db itself.
 * An inotify watch on RUN/state wakes a caller waiting for its worker to
 * be back (client.c) as soon as such a write happens; other workers'
 * writes are read and ignored. It needs nothing of supd: a client whose
 * supd is gone waits the same way.
 *
 * Only writes wake, not opens and closes: a registry read at each of the
 * new worker's opens and closes raced its start for nothing.
 *
 * The inotify descriptor is kept by the client (client.c) and reused: the
 * close of one waits for the kernel's grace period (fsnotify's SRCU),
 * measured at 3 to 25 ms here, longer than the whole restart. A watch
 * lives only while someone waits (removing one does not wait), so no
 * event piles up between waits.
 *
 * The directory is opened by the trusted walk (trust.h) and watched
 * through its descriptor, never through the path a second time. Without
 * inotify (no watch left, no /proc), the wait is a plain 1 ms sleep, as
 * it was before; a watch is also never trusted to say everything: each
 * wait ends after WAIT_MAX_MS (WAIT_AFTER_WRITE_MS right after a write
 * woke us), and the caller reads the registry again.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/rundir.h"
#include "common/trust.h"
#include "wrk.h"

#define WAIT_MAX_MS 10
/* A commit is several writes: the first may wake us before the last is
 * done, and the registry read then still finds the old entry, while the
 * writes that follow were read with the first. The next read comes soon. */
#define WAIT_AFTER_WRITE_MS 1

int
wrk_watch_fd_new(void)
{
	return inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
}

/* Whether the events waiting on fd touch leaf (NAME.db) or its WAL; an
 * overflowed queue may have lost one that did. leaf NULL: drained. */
static bool
events_match(int fd, const char *leaf)
{
	char buf[4096] __attribute__((aligned(__alignof__(
	    struct inotify_event))));
	size_t n = leaf != NULL ? strlen(leaf) : 0;
	bool hit = false;
	ssize_t len;

	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			struct inotify_event *ev = (struct inotify_event *)p;
			if (leaf != NULL && ((ev->mask & IN_Q_OVERFLOW) ||
			    (ev->len > 0 && strncmp(ev->name, leaf, n) == 0 &&
			    (ev->name[n] == '\0' ||
			    strcmp(ev->name + n, "-wal") == 0))))
				hit = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}

int
wrk_registry_watch(sup_client *c, const char *name, int fd)
{
	char path[PATH_MAX + 128], why[256], proc[64];
	char *slash;
	int dir, wd;

	if (fd < 0 || wrk_db_path(c, name, path, sizeof(path)) != SUP_OK ||
	    (slash = strrchr(path, '/')) == NULL)
		return -1;
	*slash = '\0';
	if (trust_dir_open(path, false, 0, TRUST_MINE_OR_ROOT, &dir, why,
	    sizeof(why)) != SUP_OK)
		return -1;
	events_match(fd, NULL); /* what an earlier wait left */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", dir);
	wd = inotify_add_watch(fd, proc, IN_MODIFY | IN_ONLYDIR);
	close(dir);
	return wd;
}

void
wrk_registry_unwatch(int fd, int wd)
{
	if (fd >= 0 && wd >= 0)
		inotify_rm_watch(fd, wd);
}

bool
wrk_registry_wait(int fd, const char *name, int64_t ms, bool after_write)
{
	char leaf[NAME_MAX + 1];
	int64_t end, cap = after_write ? WAIT_AFTER_WRITE_MS : WAIT_MAX_MS;

	if (ms > cap)
		ms = cap;
	if (fd < 0 || !rundir_name(RUN_WDB, name, leaf, sizeof(leaf))) {
		usleep(1000);
		return false;
	}
	end = clk_mono_ns() + ms * 1000000;
	for (int64_t left = ms; left > 0;
	     left = (end - clk_mono_ns() + 999999) / 1000000) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, (int)left);
		if (r == 0 || (r < 0 && errno != EINTR))
			return false;
		if (r > 0 && events_match(fd, leaf))
			return true;
	}
	return false;
}
