/*
 * worker/client.c — calling workers by name, from any process and thread
 * (sup_call, sup_cast, sup_lookup), in the default tree or in the tree of
 * a client (sup_client_open).
 *
 * The registry is each worker's own database (RUN/state/NAME.db): its pid,
 * endpoint and status, read without going through supd. Connections are
 * kept per name. A worker whose registered pid is gone is given
 * RESTART_GRACE_MS to be back (a first restart takes milliseconds:
 * `kill -9` then a call just works), woken by the registry's change
 * (regwatch.c), and its new process is dialled at once; then the call
 * fails (SUP_EDOWN) instead of waiting out its timeout. A request that
 * finds no connection up is not left to nng's reconnect back-off: it
 * comes back unsent after 2 ms (ipc.h) and its worker is looked at again,
 * so a call made in the instant a worker dies reaches the next one too.
 *
 * A client is a run dir and its connections, under its own mutex: two
 * clients never share a connection, so one process talks to two trees
 * whose workers have the same names. The default client (NULL) takes its
 * run dir at first use: the worker's own (wrk_client_default, from
 * sup_worker_main), else $SUP_RUN_DIR, else supd's default.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/sig.h"
#include "common/clock.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/trust.h"
#include "ipc/ipc.h"
#include "state/state.h"
#include "wrk.h"

#define RESTART_GRACE_MS 250

struct conn {
	char name[96];
	ipc_client *c; /* owned */
	pid_t pid;     /* as the registry said; checked with sig_proc(pid, 0) */
	int64_t start; /* pid's start time, as the registry said */
	char path[sizeof(((struct sup_where *)0)->endpoint)]; /* its socket,
				 * as the registry said */
	_Atomic int64_t unsent_ms; /* the first unsent try since one went
				 * out (unsent_redial); 0: none */
	struct conn *next;
};

/* inotify descriptors a client keeps for its waits (regwatch.c): one
 * per thread waiting at once, up to this many kept. */
#define WATCH_KEEP 4

struct sup_client {
	pthread_mutex_t mu;	/* guards run_dir (until set), conns and
				 * watch_fds */
	char run_dir[PATH_MAX];	/* absolute; "" for the default client
				 * until its first use */
	struct conn *conns;	/* owned */
	int watch_fds[WATCH_KEEP]; /* owned: free for a wait */
	int nwatch_fds;
};

/* The default tree's client: sup_call() and its kind, and NULL given as
 * a client. Never closed. */
static sup_client default_client = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* dir made absolute (the path walk of trust.h takes nothing else), from
 * the working directory of now, into buf; false when it does not fit. */
static bool
dir_absolute(const char *dir, char *buf, size_t n)
{
	char cwd[PATH_MAX];
	int len;

	if (dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
		len = snprintf(buf, n, "%s/%s", cwd, dir);
	else
		len = snprintf(buf, n, "%s", dir);
	return len >= 0 && (size_t)len < n;
}

void
wrk_client_default(const char *run_dir)
{
	pthread_mutex_lock(&default_client.mu);
	if (default_client.run_dir[0] == '\0' &&
	    !dir_absolute(run_dir, default_client.run_dir,
	    sizeof(default_client.run_dir)))
		default_client.run_dir[0] = '\0';
	pthread_mutex_unlock(&default_client.mu);
}

sup_client *
wrk_client(sup_client *c)
{
	return c != NULL ? c : &default_client;
}

SUP_API sup_err
sup_client_open(const char *run_dir, sup_client **cp)
{
	sup_client *c;

	if (cp == NULL || (run_dir != NULL && run_dir[0] == '\0'))
		return SUP_EINVAL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return SUP_ENOMEM;
	if (run_dir != NULL && !dir_absolute(run_dir, c->run_dir,
	    sizeof(c->run_dir))) {
		free(c);
		return SUP_ETOOBIG;
	}
	pthread_mutex_init(&c->mu, NULL);
	*cp = c;
	return SUP_OK;
}

SUP_API void
sup_client_close(sup_client *c)
{
	struct conn *k;

	if (c == NULL || c == &default_client)
		return;
	while ((k = c->conns) != NULL) {
		c->conns = k->next;
		ipc_client_close(k->c);
		free(k);
	}
	while (c->nwatch_fds > 0)
		close(c->watch_fds[--c->nwatch_fds]);
	if (c->run_dir[0] != '\0')
		wrk_readers_drop(c->run_dir);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* c's run dir, resolved on first use: the default client's from
 * $SUP_RUN_DIR or supd's default (unless a worker set its own), and a
 * client opened on NULL as the default client's. Under c->mu. */
static const char *
run_dir_get(sup_client *c)
{
	const char *env = getenv("SUP_RUN_DIR");

	if (c->run_dir[0] != '\0')
		return c->run_dir;
	if (c != &default_client) {
		pthread_mutex_lock(&default_client.mu);
		snprintf(c->run_dir, sizeof(c->run_dir), "%s",
		    run_dir_get(&default_client));
		pthread_mutex_unlock(&default_client.mu);
		return c->run_dir;
	}
	if (env != NULL && env[0] != '\0' &&
	    !dir_absolute(env, c->run_dir, sizeof(c->run_dir)))
		c->run_dir[0] = '\0'; /* too long: the default, not cut */
	if (c->run_dir[0] == '\0')
		rundir_default(c->run_dir, sizeof(c->run_dir));
	return c->run_dir;
}

static bool
name_ok(const char *name)
{
	size_t n = strlen(name);

	return n > 0 && n < 80 && strspn(name, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.") == n && name[0] != '.';
}

/* The path of an item of c's run dir (rundir.h), for a valid name. */
static sup_err
run_path(sup_client *c, enum rundir_item it, const char *name, char *buf,
    size_t n)
{
	bool ok;

	if (!name_ok(name))
		return SUP_ENOTFOUND;
	pthread_mutex_lock(&c->mu);
	ok = rundir_path(run_dir_get(c), it, name, buf, n);
	pthread_mutex_unlock(&c->mu);
	return ok ? SUP_OK : SUP_ETOOBIG;
}

sup_err
wrk_db_path(sup_client *c, const char *name, char *buf, size_t n)
{
	return run_path(wrk_client(c), RUN_WDB, name, buf, n);
}

sup_err
wrk_pool_path(sup_client *c, const char *pool, char *buf, size_t n)
{
	return run_path(wrk_client(c), RUN_POOL, pool, buf, n);
}

sup_err
wrk_registry_stat(const char *path, struct stat *st)
{
	char why[512];
	sup_err e;
	int fd;

	/* O_PATH: this process may have the database open (readers.c); the
	 * close of a descriptor that could read it would drop SQLite's
	 * locks on it. */
	e = trust_file_open(path, O_PATH, 0, TRUST_ANY, &fd, why,
	    sizeof(why));
	if (e == (SUP_ESYS | ENOENT))
		return SUP_ENOTFOUND;
	if (e != SUP_OK)
		return e;
	e = fstat(fd, st) == 0 ? SUP_OK : SUP_ESYS | errno;
	close(fd);
	if (e == SUP_OK && st->st_uid != geteuid() && geteuid() != 0)
		return SUP_EREFUSED;
	return e;
}

/* Whether pid is alive and is the process the registry recorded (started
 * at start, in clock ticks since boot; 0: not recorded), not a zombie and
 * not another that took its pid. */
static bool
same_process(pid_t pid, int64_t start)
{
	int64_t ticks;
	bool zombie;

	return pid > 1 && proc_start_time(pid, &ticks, &zombie) == SUP_OK &&
	    !zombie && (start == 0 || ticks == start);
}

/* sup_lookup, with the start time the registry gives for the pid. */
static sup_err
lookup(sup_client *c, const char *name, struct sup_where *where,
    int64_t *start, uid_t *owner)
{
	char pid[24] = "", ticks[24] = "";
	st_db *db;
	sup_err e;

	memset(where, 0, sizeof(*where));
	wrk_readers_lock();
	if ((e = wrk_reader_get(c, name, 0, &db, owner)) != SUP_OK) {
		wrk_readers_unlock();
		return e;
	}
	/* One moment of it: the worker writes the four in one commit. */
	if ((e = st_read_begin(db)) == SUP_OK)
		e = st_wmeta_get(db, "pid", pid, sizeof(pid));
	st_wmeta_get(db, "start", ticks, sizeof(ticks));
	st_wmeta_get(db, "endpoint", where->endpoint, sizeof(where->endpoint));
	st_wmeta_get(db, "status", where->status, sizeof(where->status));
	st_rollback(db); /* the end of a read: nothing to keep */
	wrk_readers_unlock();
	if (e != SUP_OK)
		return SUP_ENOTFOUND; /* never got as far as running */
	where->pid = (pid_t)atoi(pid);
	*start = atoll(ticks);
	if (!same_process(where->pid, *start))
		return SUP_EDOWN;
	if (*owner == geteuid())
		return SUP_OK;
	/* A registry of another user's (root reads a worker's that runs as
	 * that user) is believed only about a process of that user, and
	 * not about where it listens: that is the layout's place for it
	 * (rundir.h), whose server must run as that user (conn_get). */
	if (!proc_has_uid(where->pid, *owner))
		return SUP_EREFUSED;
	memcpy(where->endpoint, "ipc://", 6);
	return run_path(c, RUN_WSOCK_OWN, name, where->endpoint + 6,
	    sizeof(where->endpoint) - 6);
}

SUP_API sup_err
sup_client_lookup(sup_client *c, const char *name, struct sup_where *where)
{
	int64_t start;
	uid_t owner;

	if (name == NULL || where == NULL)
		return SUP_EINVAL;
	return lookup(wrk_client(c), name, where, &start, &owner);
}

SUP_API sup_err
sup_lookup(const char *name, struct sup_where *where)
{
	return sup_client_lookup(NULL, name, where);
}

/* c's kept connection to name, made on first use. Under c->mu. */
static struct conn *
conn_get(sup_client *c, const char *name, const struct sup_where *where,
    uid_t owner, sup_err *e)
{
	struct conn *k;

	for (k = c->conns; k != NULL; k = k->next)
		if (strcmp(k->name, name) == 0)
			return k;
	if (strncmp(where->endpoint, "ipc://", 6) != 0) {
		*e = SUP_EPROTO;
		return NULL;
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		*e = SUP_ENOMEM;
		return NULL;
	}
	snprintf(k->name, sizeof(k->name), "%s", name);
	if ((*e = ipc_client_open(where->endpoint + 6, (int64_t)owner,
	    &k->c)) != SUP_OK) {
		free(k);
		return NULL;
	}
	k->next = c->conns;
	c->conns = k;
	return k;
}

/*
 * One exchange: a frame of type out, the payload of the answer back
 * (NUL-terminated, for callers that print it). SUP_EFAILED when the worker
 * answered with an error text (still in *reply).
 */
static sup_err
frame_call(ipc_client *c, int type, const void *req, size_t len,
    void **reply, size_t *rlen, int64_t timeout_ms)
{
	char *frame = malloc(len + 2);
	unsigned char *r = NULL;
	size_t n = 0;
	bool failed;
	sup_err e;

	if (frame == NULL)
		return SUP_ENOMEM;
	frame[0] = IPC_VERSION;
	frame[1] = (char)type;
	if (len > 0)
		memcpy(frame + 2, req, len);
	e = ipc_client_call(c, frame, len + 2, (void **)&r, &n, timeout_ms);
	free(frame);
	if (e != SUP_OK)
		return e;
	if (n < 2 || r[0] != IPC_VERSION ||
	    (r[1] != WRK_REPLY && r[1] != WRK_ERROR)) {
		free(r);
		return SUP_EPROTO;
	}
	failed = r[1] == WRK_ERROR;
	memmove(r, r + 2, n - 2);
	r[n - 2] = '\0';
	if (reply != NULL) {
		*reply = r;
		*rlen = n - 2;
	} else {
		free(r);
	}
	return failed ? SUP_EFAILED : SUP_OK;
}

/*
 * c's kept connection, if its worker's pid still lives. Without a
 * connection up, a pid that still answers signals may be its dead
 * worker's, not reaped yet: its start time and state say (the /proc read
 * only then, not on every call). Under c->mu.
 */
static struct conn *
conn_alive(sup_client *c, const char *name)
{
	for (struct conn *k = c->conns; k != NULL; k = k->next) {
		if (strcmp(k->name, name) != 0)
			continue;
		if (k->pid <= 0 || (sig_proc(k->pid, 0) != 0 && errno == ESRCH))
			return NULL;
		return ipc_client_connected(k->c) ||
		    same_process(k->pid, k->start) ? k : NULL;
	}
	return NULL;
}

static int64_t
ms_now(void)
{
	return clk_mono_ns() / 1000000;
}

/* One of c's inotify descriptors for a wait, or -1. */
static int
watch_fd_take(sup_client *c)
{
	int fd = -1;

	pthread_mutex_lock(&c->mu);
	if (c->nwatch_fds > 0)
		fd = c->watch_fds[--c->nwatch_fds];
	pthread_mutex_unlock(&c->mu);
	return fd >= 0 ? fd : wrk_watch_fd_new();
}

static void
watch_fd_give(sup_client *c, int fd)
{
	if (fd < 0)
		return;
	pthread_mutex_lock(&c->mu);
	if (c->nwatch_fds < WATCH_KEEP) {
		c->watch_fds[c->nwatch_fds++] = fd;
		fd = -1;
	}
	pthread_mutex_unlock(&c->mu);
	if (fd >= 0)
		close(fd);
}

/* lookup, waiting a little for a worker that is being restarted, woken
 * by the registry's writes. */
static sup_err
lookup_alive(sup_client *c, const char *name, struct sup_where *where,
    int64_t *start, uid_t *owner, int64_t timeout_ms)
{
	int64_t end = ms_now() + (timeout_ms < RESTART_GRACE_MS ? timeout_ms
								: RESTART_GRACE_MS);
	bool written = false, watched = false;
	int fd = -1, wd = -1;
	sup_err e;

	while ((e = lookup(c, name, where, start, owner)) == SUP_EDOWN &&
	    ms_now() < end) {
		/* Watched from before the lookup that follows: an entry
		 * written in between still wakes us. */
		if (!watched) {
			watched = true;
			fd = watch_fd_take(c);
			if ((wd = wrk_registry_watch(c, name, fd)) >= 0)
				continue;
		}
		written = wrk_registry_wait(wd >= 0 ? fd : -1, name,
		    end - ms_now(), written);
	}
	wrk_registry_unwatch(fd, wd);
	watch_fd_give(c, fd);
	return e;
}

/* c's connection to name; looked up again when its worker's pid is
 * gone. */
static sup_err
conn_for(sup_client *c, const char *name, int64_t deadline,
    struct conn **kp)
{
	int64_t start;
	struct sup_where where;
	struct conn *k;
	sup_err e = SUP_OK;
	uid_t owner;

	pthread_mutex_lock(&c->mu);
	k = conn_alive(c, name);
	pthread_mutex_unlock(&c->mu);
	if (k == NULL) {
		/* First call, or its pid is gone: ask the registry again. */
		if ((e = lookup_alive(c, name, &where, &start, &owner,
		    deadline - ms_now())) != SUP_OK)
			return e;
		pthread_mutex_lock(&c->mu);
		if ((k = conn_get(c, name, &where, owner, &e)) != NULL &&
		    (k->pid != where.pid || k->start != start)) {
			/* A new process: a new listener, dialled now. */
			if (k->pid != 0)
				ipc_client_redial(k->c, where.endpoint + 6);
			k->pid = where.pid;
			k->start = start;
			atomic_store(&k->unsent_ms, 0);
			memcpy(k->path, where.endpoint + 6,
			    sizeof(where.endpoint) - 6);
		}
		pthread_mutex_unlock(&c->mu);
		if (k == NULL)
			return e;
	}
	*kp = k;
	return SUP_OK;
}

/*
 * A request of k's went unsent while its worker lives: nng's dialer may
 * have stopped for good (IPC_REDIAL_MS, ipc.h). Once the first unsent
 * try of k (any call's, any thread's, since a request last went out or
 * the worker last changed) is that old, k's socket is dialled again,
 * once per IPC_REDIAL_MS: a caller whose timeout is shorter is rescued
 * by the calls that follow.
 */
static void
unsent_redial(sup_client *c, struct conn *k)
{
	char path[sizeof(k->path)];
	int64_t now = ms_now(), first = 0;

	if (atomic_compare_exchange_strong(&k->unsent_ms, &first, now) ||
	    now - first < IPC_REDIAL_MS ||
	    !atomic_compare_exchange_strong(&k->unsent_ms, &first, now))
		return;
	pthread_mutex_lock(&c->mu);
	memcpy(path, k->path, sizeof(path));
	pthread_mutex_unlock(&c->mu);
	ipc_client_unstick(k->c, path);
}

static sup_err
call(sup_client *c, const char *name, int type, const void *req,
    size_t len, void **reply, size_t *rlen, int64_t timeout_ms)
{
	int64_t deadline;
	struct conn *k;
	sup_err e;

	if (name == NULL || (req == NULL && len > 0))
		return SUP_EINVAL;
	if (len > SUP_MAX_MSG)
		return SUP_ETOOBIG;
	if (timeout_ms <= 0)
		return SUP_EINVAL;
	/* timeout_ms bounds the whole call: lookup, exchange. */
	deadline = timeout_ms > INT64_MAX / 2 ? INT64_MAX /* no limit */
					      : ms_now() + timeout_ms;
	do {
		/* SUP_EBUSY: not sent, no connection up; its worker may have
		 * died just now: looked at again, and its next process
		 * dialled when the registry names one. */
		if ((e = conn_for(wrk_client(c), name, deadline, &k)) !=
		    SUP_OK)
			return e;
		if (deadline - ms_now() <= 0)
			return SUP_ETIMEDOUT;
		e = frame_call(k->c, type, req, len, reply, rlen,
		    deadline - ms_now());
		if (e == SUP_EBUSY)
			unsent_redial(wrk_client(c), k);
	} while (e == SUP_EBUSY);
	/* Gone out (a timeout may not have: the last try of a call never
	 * comes back unsent). */
	if (e != SUP_ETIMEDOUT &&
	    atomic_load_explicit(&k->unsent_ms, memory_order_relaxed) != 0)
		atomic_store(&k->unsent_ms, 0);
	return e;
}

SUP_API sup_err
sup_client_call(sup_client *c, const char *name, const void *req,
    size_t len, void **reply, size_t *rlen, int64_t timeout_ms)
{
	return call(c, name, WRK_CALL, req, len, reply, rlen, timeout_ms);
}

SUP_API sup_err
sup_call(const char *name, const void *req, size_t len, void **reply,
    size_t *rlen, int64_t timeout_ms)
{
	return call(NULL, name, WRK_CALL, req, len, reply, rlen, timeout_ms);
}

SUP_API sup_err
sup_client_cast(sup_client *c, const char *name, const void *msg,
    size_t len)
{
	return call(c, name, WRK_CAST, msg, len, NULL, NULL, 5000);
}

SUP_API sup_err
sup_cast(const char *name, const void *msg, size_t len)
{
	return call(NULL, name, WRK_CAST, msg, len, NULL, NULL, 5000);
}
