/*
 * worker/readers.c — the read-only connections a process keeps to the
 * databases of workers (RUN/state/NAME.db). Published tables (tables.c)
 * and registry entries (client.c) are read through them, each read one
 * short read transaction, instead of opening the database each time: an
 * open reads the schema and maps the WAL index, and as root chowns the
 * -wal and -shm files (0.2 ms; a registry read on a kept connection
 * takes a tenth of that).
 *
 * At most READERS_KEEP are kept, the least recently used closed first: a
 * client of a pool of thousands must not keep three descriptors per
 * instance. A file replaced under its name (removed to start from
 * nothing, then made anew by its worker) is opened again: a registry read
 * looks at the file every time (its owner decides what is believed,
 * client.c), a table read at most every RECHECK_NS (a stat on every read
 * would halve the read rate).
 *
 * A database that could only be opened immutable (a read-only file
 * system; no -shm could be made) is read once and closed: such a
 * connection never sees a change.
 *
 * One mutex for all: a connection is used by one thread at a time. It is
 * not held while a database is opened: the open may wait up to a second
 * on a database that is busy, and every other reader with it. A
 * forked child must not use its parent's SQLite connections (nor a mutex
 * another thread held at the fork): it starts with none, the parent's
 * left to it unused.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/clock.h"
#include "state/state.h"
#include "wrk.h"

#define READERS_KEEP 32

struct reader {
	char path[PATH_MAX + 128];
	dev_t dev; /* of the file it opened */
	ino_t ino;
	uid_t uid;	    /* its owner when last looked at */
	int64_t checked_ns; /* when the file was last looked at */
	st_db *db;	    /* owned; read-only */
	struct reader *next;
};

static pthread_mutex_t rmu = PTHREAD_MUTEX_INITIALIZER;
static struct reader *readers; /* under rmu; the most recently used first */
static struct reader *once;    /* under rmu: an immutable connection (it
				* sees no change), closed at the unlock */
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;

static void
readers_forget(void)
{
	pthread_mutex_init(&rmu, NULL);
	readers = NULL;
	once = NULL;
}

static void
fork_hook(void)
{
	pthread_atfork(NULL, NULL, readers_forget);
}

void
wrk_readers_lock(void)
{
	pthread_once(&fork_once, fork_hook);
	pthread_mutex_lock(&rmu);
}

static void
reader_close(struct reader *r)
{
	st_close(r->db);
	free(r);
}

void
wrk_readers_unlock(void)
{
	if (once != NULL) {
		reader_close(once);
		once = NULL;
	}
	pthread_mutex_unlock(&rmu);
}

/* path's reader, taken out of the list; NULL: none. */
static struct reader *
reader_take(const char *path)
{
	struct reader *r, **rp;

	for (rp = &readers; (r = *rp) != NULL; rp = &r->next)
		if (strcmp(r->path, path) == 0) {
			*rp = r->next;
			return r;
		}
	return NULL;
}

/* r first in the list (one of its path that another thread opened
 * meanwhile closed); the one past READERS_KEEP closed. */
static void
reader_put(struct reader *r)
{
	struct reader **rp = &r->next, *twin = reader_take(r->path);
	int n = 1;

	if (twin != NULL)
		reader_close(twin);
	r->next = readers;
	readers = r;
	while (*rp != NULL && n < READERS_KEEP) {
		rp = &(*rp)->next;
		n++;
	}
	if (*rp != NULL) {
		reader_close(*rp);
		*rp = NULL;
	}
}

static sup_err
reader_open(const char *path, struct reader **out)
{
	char why[256];
	struct reader *r;
	sup_err e;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return SUP_ENOMEM;
	if ((e = st_wopen(path, true, &r->db, why, sizeof(why))) != SUP_OK) {
		free(r);
		return e;
	}
	snprintf(r->path, sizeof(r->path), "%s", path);
	*out = r;
	return SUP_OK;
}

void
wrk_readers_drop(const char *run_dir)
{
	size_t n = strlen(run_dir);
	struct reader *r, **rp = &readers;

	wrk_readers_lock();
	while ((r = *rp) != NULL) {
		if (strncmp(r->path, run_dir, n) == 0 && r->path[n] == '/') {
			*rp = r->next;
			reader_close(r);
		} else {
			rp = &r->next;
		}
	}
	wrk_readers_unlock();
}

/* *rp (taken out of the list, or NULL) checked against the file that
 * path names now, and opened when missing or replaced: the slow part,
 * run without the lock (an open may wait on a busy database). */
static sup_err
reader_refresh(const char *path, struct reader **rp, int64_t now)
{
	struct stat st;
	sup_err e = wrk_registry_stat(path, &st);

	if (*rp != NULL && (e != SUP_OK || (*rp)->dev != st.st_dev ||
	    (*rp)->ino != st.st_ino)) {
		reader_close(*rp); /* gone, or a new file under its name */
		*rp = NULL;
	}
	if (e != SUP_OK || (*rp == NULL && (e = reader_open(path, rp)) !=
	    SUP_OK))
		return e;
	(*rp)->dev = st.st_dev;
	(*rp)->ino = st.st_ino;
	(*rp)->uid = st.st_uid;
	(*rp)->checked_ns = now;
	return SUP_OK;
}

sup_err
wrk_reader_get(sup_client *c, const char *name, int64_t max_age_ns,
    struct st_db **db, uid_t *owner)
{
	char path[PATH_MAX + 128];
	struct reader *r;
	int64_t now = clk_mono_ns();
	sup_err e;

	if ((e = wrk_db_path(c, name, path, sizeof(path))) != SUP_OK)
		return e;
	r = reader_take(path);
	if (r == NULL || now - r->checked_ns >= max_age_ns) {
		pthread_mutex_unlock(&rmu);
		e = reader_refresh(path, &r, now);
		pthread_mutex_lock(&rmu);
		if (e != SUP_OK)
			return e;
	}
	if (st_immutable(r->db))
		once = r; /* read now, opened again next time */
	else
		reader_put(r);
	*db = r->db;
	if (owner != NULL)
		*owner = r->uid;
	return SUP_OK;
}
