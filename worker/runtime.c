/*
 * worker/runtime.c — sup_worker_main(): a GenServer's life in one process.
 *
 * Order of a start: block the signals read from a signalfd (before nng
 * starts a thread); find who we are (SUP_NAME, SUP_ENDPOINT, ...); take the
 * name's lock; then, while a second thread starts nng and listens, open our
 * database, fill the state (defaults, checkpoint, --field=value) and init;
 * publish pid and status in the registry; tell supd we are ready
 * (READY=1 on NOTIFY_SOCKET: ready = sup); then handle_continue if init
 * asked for it; then serve.
 *
 * One loop: epoll over the endpoint's pollable fd, the signalfd and the
 * timerfd. Callbacks run here, one message at a time. Replies (reply.c)
 * may come from any thread (nng's send is thread-safe); everything else
 * stays on this thread.
 *
 * Exit: SIGTERM (or SUP_RET_STOP) -> terminate(reason) -> last checkpoint
 * -> last words in the database -> exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/dur.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/trust.h"
#include "common/utf8.h"
#include "ipc/ipc.h"
#include "state/state.h"
#include "common/clock.h"
#include "wrk.h"

#define EX_SOFTWARE 70 /* sysexits: struct sup_ops is not one we can read */
#define EX_CONFIG 78 /* sysexits: the arguments are wrong */

enum { SRC_EP = 1, SRC_SIG, SRC_TIMER };

static void
meta_put(sup_worker *w, const char *key, const char *value)
{
	if (w->db == NULL || st_begin(w->db) != SUP_OK)
		return;
	if (st_wmeta_put(w->db, key, value) == SUP_OK)
		st_commit(w->db);
	else
		st_rollback(w->db);
}

void
wrk_status_set(sup_worker *w, const char *status)
{
	char msg[64];

	snprintf(w->status, sizeof(w->status), "%s", status);
	meta_put(w, "status", status);
	snprintf(msg, sizeof(msg), "SUP_STATUS=%s", status);
	wrk_notify(msg);
}

SUP_API void
sup_stop_reason_set(sup_worker *w, const char *reason)
{
	utf8_clean(w->stop_reason, sizeof(w->stop_reason), reason ? reason
								 : "");
}

SUP_API void
sup_retry_set(sup_worker *w, int64_t ms)
{
	w->retry_ms = ms > 0 ? ms : 1000;
}

SUP_API const char *
sup_worker_name(const sup_worker *w)
{
	return w->name;
}

/* The reason supd will give for our exit (DESIGN.md: last words), and
 * the status we exit with: a supd that adopted us has no wait status. */
static void
last_words(sup_worker *w, const char *words, int code)
{
	char sid[32], status[16];

	if (w->db == NULL || st_begin(w->db) != SUP_OK)
		return;
	snprintf(sid, sizeof(sid), "%llu", (unsigned long long)w->spawn_id);
	snprintf(status, sizeof(status), "%d", code);
	if (st_wmeta_put(w->db, "last_words", words) == SUP_OK &&
	    st_wmeta_put(w->db, "last_words_spawn", sid) == SUP_OK &&
	    st_wmeta_put(w->db, "last_words_status", status) == SUP_OK)
		st_commit(w->db);
	else
		st_rollback(w->db);
}

/*
 * After a callback: stop or the checkpoint policy, then the held replies.
 * Replies go out only once what they answer is committed; when a
 * checkpoint the policy asked for fails, they become errors and the worker
 * stops, to be restarted from its last committed state, as a gen_server
 * whose storage failed would crash.
 */
void
wrk_after(sup_worker *w, enum sup_ret ret)
{
	sup_err e = SUP_OK;

	w->in_callback = false;
	if (ret == SUP_RET_STOP) {
		w->quit = true;
		if (w->stop_reason[0] == '\0')
			sup_stop_reason_set(w, "stopped");
		e = wrk_checkpoint_now(w);
	} else if (w->checkpoint_ms == SUP_CHECKPOINT_EACH) {
		e = wrk_checkpoint_now(w);
	} else {
		if (w->checkpoint_ms > 0 && w->checkpoint_due_ns == 0 &&
		    wrk_fields_changed(w))
			w->checkpoint_due_ns = clk_after(wrk_now_ns(),
			    w->checkpoint_ms);
		/* Published tables are published now, whatever the policy. */
		e = wrk_commit(w, false);
	}
	if (e == SUP_OK) {
		wrk_held_send(w);
		if (w->quit) /* stopping: no new work starts */
			wrk_tasks_fail(w, "the worker stopped before this "
			    "task started");
		else
			wrk_tasks_release(w);
		if (ret == SUP_RET_HIBERNATE)
			wrk_hibernate(w);
		return;
	}
	char why[160];
	wrk_db_why(w, "checkpoint", e, why, sizeof(why));
	wrk_held_fail(w, why);
	wrk_tasks_fail(w, why);
	sup_stop_reason_set(w, why);
	w->quit = true;
	w->exit_code = 1;
	w->unsaved = true;
}

void
wrk_continue_run(sup_worker *w)
{
	enum sup_ret ret;

	if (w->ops->handle_continue == NULL) {
		w->continuing = false;
		wrk_status_set(w, "ready");
		return;
	}
	w->in_callback = true;
	ret = w->ops->handle_continue(w, w->state);
	if (ret == SUP_RET_DEGRADED) {
		int64_t ms = w->retry_ms > 0 ? w->retry_ms : 1000;
		if (strcmp(w->status, "degraded") != 0)
			wrk_status_set(w, "degraded");
		w->retry_due_ns = clk_after(wrk_now_ns(), ms);
		int64_t cap = ms > 30000 ? ms : 30000; /* or what was asked */
		w->retry_ms = ms * 2 > cap ? cap : ms * 2;
	} else {
		w->continuing = false;
		if (ret != SUP_RET_STOP)
			wrk_status_set(w, "ready");
	}
	wrk_after(w, ret);
}

/* --- messages ------------------------------------------------------------ */

static void
refuse(sup_worker *w, ipc_req *r, const char *why)
{
	w->bad_messages++;
	wrk_answer(r, WRK_ERROR, why, strlen(why));
}

/* The runtime's own status, for WRK_SYS "status". */
static void
sys_status(sup_worker *w, ipc_req *r)
{
	char buf[512];
	int n;

	n = snprintf(buf, sizeof(buf), "{\"name\":\"%s\",\"pid\":%d,"
	    "\"status\":\"%s\",\"calls\":%llu,\"casts\":%llu,"
	    "\"bad_messages\":%llu}", w->name, (int)getpid(), w->status,
	    (unsigned long long)w->calls, (unsigned long long)w->casts,
	    (unsigned long long)w->bad_messages);
	wrk_answer(r, WRK_REPLY, buf, (size_t)n);
}

static void
cast_measured(const void *msg, size_t len, int64_t t0)
{
	char type[32];
	struct sup_measure m[1] = {{"duration_us",
	    (double)(wrk_now_ns() - t0) / 1000.0}};
	struct sup_meta md[1] = {{"type", type}};

	wrk_message_type(msg, len, type, sizeof(type));
	sup_telemetry_emit("cast", m, 1, md, 1);
}

/* A call with its telemetry: how long its callback and commit took,
 * and how many calls wait for an answer. */
static void
call_measured(sup_worker *w, const void *req, size_t len, sup_from *from)
{
	char type[32];
	int64_t t0 = wrk_now_ns();
	struct sup_measure m[2];
	struct sup_meta md[1] = {{"type", type}};

	wrk_message_type(req, len, type, sizeof(type));
	w->in_callback = true;
	wrk_after(w, w->ops->handle_call(w, w->state, req, len, from));
	m[0] = (struct sup_measure){"duration_us",
	    (double)(wrk_now_ns() - t0) / 1000.0};
	m[1] = (struct sup_measure){"mailbox", wrk_outstanding_count()};
	sup_telemetry_emit("call", m, 2, md, 1);
}

static void
on_call(sup_worker *w, ipc_req *r, const struct wrk_frame *m)
{
	sup_from *from;

	if (w->ops->handle_call == NULL) {
		refuse(w, r, "this worker takes no calls");
		return;
	}
	if ((from = wrk_from_new(w, r)) == NULL) {
		refuse(w, r, "out of memory");
		return;
	}
	w->calls++;
	if (wrk_telemetry_on()) {
		call_measured(w, m->body, m->len, from);
		return;
	}
	w->in_callback = true;
	wrk_after(w, w->ops->handle_call(w, w->state, m->body, m->len, from));
}

/* The ack says "received", before the cast runs. The request memory
 * goes with the reply: the callback gets a copy. A worker with no
 * handle_cast says so, instead of taking casts it would drop. */
static void
on_cast(sup_worker *w, ipc_req *r, const struct wrk_frame *m)
{
	static const char none[] = "handles no casts (no handle_cast)";
	void *copy;
	int64_t t0;

	if (w->ops->handle_cast == NULL) {
		wrk_answer(r, WRK_ERROR, none, sizeof(none) - 1);
		return;
	}
	w->casts++;
	if ((copy = malloc(m->len ? m->len : 1)) == NULL) {
		refuse(w, r, "out of memory");
		return;
	}
	memcpy(copy, m->body, m->len);
	wrk_answer(r, WRK_REPLY, NULL, 0);
	t0 = wrk_telemetry_on() ? wrk_now_ns() : 0;
	w->in_callback = true;
	wrk_after(w, w->ops->handle_cast(w, w->state, copy, m->len));
	if (t0 != 0)
		cast_measured(copy, m->len, t0);
	free(copy);
}

static void
on_request(sup_worker *w, ipc_req *r)
{
	struct wrk_frame m;
	size_t len;
	const void *f = ipc_req_data(r, &len);

	if (wrk_frame_decode(f, len, &m) != 0) {
		refuse(w, r, m.why);
		return;
	}
	switch (m.kind) {
	case WRK_CALL: on_call(w, r, &m); break;
	case WRK_CAST: on_cast(w, r, &m); break;
	case WRK_SYS_PING: wrk_answer(r, WRK_REPLY, "pong", 4); break;
	case WRK_SYS_STATUS: sys_status(w, r); break;
	}
}

static void signals_read(sup_worker *w);

/* Drains the requests; a SIGTERM under a steady load is seen within 64
 * requests, not when the load stops. */
static void
requests_read(sup_worker *w)
{
	ipc_req *r;

	for (unsigned n = 1; !w->quit && ipc_server_recv(w->srv, &r) ==
	    SUP_OK; n++) {
		if (w->idle_ms > 0)
			w->idle_due_ns = clk_after(wrk_now_ns(), w->idle_ms);
		wrk_wake(w);
		on_request(w, r);
		if (n % 64 == 0)
			signals_read(w);
	}
}

static void
signals_read(sup_worker *w)
{
	struct signalfd_siginfo si;

	while (read(w->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			w->quit = true;
			sup_stop_reason_set(w, "shutdown");
		}
		/* SIGUSR1: older clients sent it to heal a listener, which
		 * ipc/epipe.c keeps from breaking now. Read and ignored. */
	}
}

/* handle_info, as for any message. */
static void
info_run(sup_worker *w, const struct sup_info *info)
{
	wrk_wake(w);
	if (w->ops->handle_info != NULL) {
		w->in_callback = true;
		wrk_after(w, w->ops->handle_info(w, w->state, info));
	}
}

/* The timerfd fired: runs what is due (timers.c says what). */
static void
deadlines_run(sup_worker *w)
{
	int64_t now = wrk_now_ns();
	struct sup_info info;
	uint64_t ticks;
	char tag[64];

	(void)!read(w->timerfd, &ticks, sizeof(ticks));
	w->armed_ns = 0;
	/* Fed from here only: a callback that never returns starves it. */
	wrk_watchdog_feed(w, now);
	if (wrk_telemetry_due() != 0 && wrk_telemetry_due() <= now)
		wrk_telemetry_flush();
	if (w->checkpoint_due_ns && w->checkpoint_due_ns <= now) {
		w->checkpoint_due_ns = 0;
		if (wrk_checkpoint_now(w) != SUP_OK) /* try again later */
			w->checkpoint_due_ns = clk_after(now, w->checkpoint_ms);
	}
	if (w->retry_due_ns && w->retry_due_ns <= now && !w->quit) {
		w->retry_due_ns = 0;
		wrk_wake(w);
		wrk_continue_run(w);
	}
	/* Only what was due when we woke: a timer re-armed at 0 ms from its
	 * own handle_info waits for the next turn, after the requests. */
	while (!w->quit && wrk_timer_take(w, now, &info, tag))
		info_run(w, &info);
	if (!w->quit && w->hib_due_ns && w->hib_due_ns <= wrk_now_ns())
		wrk_hibernate(w);
	if (!w->quit && w->idle_due_ns && w->idle_due_ns <= wrk_now_ns()) {
		w->idle_due_ns = clk_after(wrk_now_ns(), w->idle_ms);
		info_run(w, &(struct sup_info){.kind = SUP_TIMEOUT});
	}
}

static void
loop_run(sup_worker *w)
{
	struct epoll_event ev[16];

	while (!w->quit) {
		int64_t t = wrk_timers_next(w, wrk_telemetry_due());
		int err = wrk_timerfd_arm(w, t);
		/* Every timer would stop: said, and tried again in a second. */
		if (err != 0)
			wrk_log(w, "cannot arm the timer for %lld ns: %s",
			    (long long)t, strerror(err));
		int n = epoll_wait(w->epfd, ev, 16, w->armed_ns < 0 ? 1000 : -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* Our own epoll set is broken (EBADF, EFAULT,
			 * EINVAL): spinning would serve nobody; supd restarts
			 * the worker with its last checkpoint. */
			wrk_log(w, "the loop cannot wait: epoll_wait: %s",
			    strerror(errno));
			abort();
		}
		for (int i = 0; i < n && !w->quit; i++) {
			switch (ev[i].data.u32) {
			case SRC_EP: requests_read(w); break;
			case SRC_SIG: signals_read(w); break;
			case SRC_TIMER: deadlines_run(w); break;
			}
		}
	}
}

/* --- start and exit ------------------------------------------------------- */

static void
identity(sup_worker *w)
{
	const char *name = getenv("SUP_NAME"), *run = getenv("SUP_RUN_DIR");
	const char *ep = getenv("SUP_ENDPOINT"), *db = getenv("SUP_STATE_DB");
	const char *sid = getenv("SUP_SPAWN_ID");
	char path[PATH_MAX];

	snprintf(w->name, sizeof(w->name), "%s", name ? name :
	    w->ops->name ? w->ops->name : "worker");
	if (run != NULL && run[0] == '/')
		snprintf(w->run_dir, sizeof(w->run_dir), "%s", run);
	else
		rundir_default(w->run_dir, sizeof(w->run_dir));
	if (ep != NULL)
		snprintf(w->endpoint, sizeof(w->endpoint), "%s", ep);
	else
		snprintf(w->endpoint, sizeof(w->endpoint), "ipc://%s",
		    rundir_path(w->run_dir, RUN_WSOCK, w->name, path,
		    sizeof(path)) ? path : "");
	if (db != NULL)
		snprintf(w->db_path, sizeof(w->db_path), "%s", db);
	else
		rundir_path(w->run_dir, RUN_WDB, w->name, w->db_path,
		    sizeof(w->db_path));
	w->spawn_id = sid ? strtoull(sid, NULL, 10) : 0;
	wrk_client_default(w->run_dir); /* sup_call() from here: our tree */
}

static void
policy_read(sup_worker *w)
{
	const char *p = getenv("SUP_CHECKPOINT");
	int64_t ms;

	w->checkpoint_ms = w->ops->checkpoint;
	if (p == NULL || p[0] == '\0')
		return;
	if (strcmp(p, "each") == 0)
		w->checkpoint_ms = SUP_CHECKPOINT_EACH;
	else if (strcmp(p, "manual") == 0)
		w->checkpoint_ms = SUP_CHECKPOINT_MANUAL;
	else if (dur_parse(p, &ms) == SUP_OK && ms > 0 && ms != DUR_INFINITY)
		w->checkpoint_ms = ms;
	else
		wrk_log(w, "SUP_CHECKPOINT=%s: not each, manual or a duration; "
		    "keeping the worker's default", p);
}

static int
fail(sup_worker *w, int code, const char *why)
{
	wrk_log(w, "%s", why);
	wrk_tasks_stop(w); /* any that init started */
	last_words(w, why, code);
	return code;
}

/* The signals the loop takes through its signalfd. */
static void
loop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGUSR1);
}

static bool
fds_open(sup_worker *w)
{
	struct epoll_event ev = {.events = EPOLLIN};
	sigset_t set;

	loop_signals(&set);
	w->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (w->sigfd < 0 || w->timerfd < 0 || w->epfd < 0)
		return false;
	ev.data.u32 = SRC_SIG;
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->sigfd, &ev);
	ev.data.u32 = SRC_TIMER;
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->timerfd, &ev);
	return true;
}

/* Signals first: nng's threads inherit the mask of the thread that makes
 * them, and SIGTERM must reach our signalfd, not kill us mid-checkpoint. */
static void
signals_block(void)
{
	struct sigaction ign = {.sa_handler = SIG_IGN};
	sigset_t set;

	loop_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigaction(SIGPIPE, &ign, NULL);
}

static void
usage(const struct sup_ops *ops)
{
	static const char *const types[] = {"int64", "double", "bool", "text",
	    "blob"};

	printf("usage: %s [--FIELD=VALUE ...]\nfields:\n", ops->name ?
	    ops->name : "worker");
	for (size_t i = 0; i < ops->nfields; i++)
		printf("  --%s=%s%s%s%s\n", ops->fields[i].name,
		    types[ops->fields[i].type],
		    ops->fields[i].flags & SUP_REQUIRED ? "  (required)" : "",
		    ops->fields[i].def ? "  default " : "",
		    ops->fields[i].def ? ops->fields[i].def : "");
}

/*
 * The directory of path (its last component cut into leaf), walked from /
 * through trusted directories and made when missing (a worker run by
 * hand, without supd, makes its run dir itself). A descriptor, or -1.
 */
static int
dir_of(const char *path, char *leaf, size_t ln, char *why, size_t n)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (slash == NULL || slash == path ||
	    (size_t)(slash - path) >= sizeof(dir)) {
		snprintf(why, n, "%.300s: not an absolute path", path);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	snprintf(leaf, ln, "%s", slash + 1);
	if (trust_dir_open(dir, true, 0700, TRUST_MINE_OR_ROOT, &fd, why, n) !=
	    SUP_OK)
		return -1;
	return fd;
}

/*
 * One process per name, for its life: a worker started by hand under the
 * name of a running one must not take its endpoint nor write its
 * database. A POSIX lock, dropped by the kernel however we die. The lock
 * and the database must be ours and closed to others (DESIGN.md, Trust):
 * what another user could write, we do not commit to.
 */
static bool
lock_take(sup_worker *w, char *why, size_t n)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char path[sizeof(w->db_path) + 8], leaf[NAME_MAX + 1];
	int fd;

	snprintf(path, sizeof(path), "%s.lock", w->db_path);
	/* Run by hand, without supd, a worker makes the run dir itself:
	 * 0700, as supd would, not as a directory on the way to its own. */
	if (trust_dir_open(w->run_dir, true, 0700, TRUST_MINE_OR_ROOT, &fd, why,
	    n) != SUP_OK)
		return false;
	close(fd);
	if ((fd = dir_of(w->db_path, leaf, sizeof(leaf), why, n)) < 0)
		return false;
	close(fd);
	if (trust_file_open(path, O_RDWR | O_CREAT, 0600, TRUST_MINE,
	    &w->lockfd, why, n) != SUP_OK)
		return false;
	if (trust_file_open(w->db_path, O_RDWR | O_CREAT, 0600, TRUST_MINE,
	    &fd, why, n) != SUP_OK) {
		close(w->lockfd);
		w->lockfd = -1;
		return false;
	}
	close(fd);
	if (fcntl(w->lockfd, F_SETLK, &fl) == 0)
		return true;
	if (fcntl(w->lockfd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK)
		snprintf(why, n, "another process (pid %d) runs as %s: %.300s "
		    "is held", (int)fl.l_pid, w->name, path);
	else
		snprintf(why, n, "cannot lock %.300s: %s", path,
		    strerror(errno));
	return false;
}

/* Listens on the endpoint; a socket file left there is a dead
 * predecessor's (we hold the name's lock). */
static bool
endpoint_listen(sup_worker *w, char *why, size_t n)
{
	char leaf[NAME_MAX + 1];
	const char *path = w->endpoint + 6;
	int dir;
	sup_err e;

	if (strncmp(w->endpoint, "ipc://", 6) != 0) {
		snprintf(why, n, "SUP_ENDPOINT is not an ipc:// address");
		return false;
	}
	if ((dir = dir_of(path, leaf, sizeof(leaf), why, n)) < 0)
		return false;
	unlinkat(dir, leaf, 0);
	close(dir);
	if ((e = ipc_server_open(path, SUP_MAX_MSG + 65536, &w->srv)) !=
	    SUP_OK) {
		snprintf(why, n, "cannot listen on %.300s: %s", path,
		    sup_strerror(e));
		return false;
	}
	return true;
}

/* start()'s answer when init said SUP_RET_IGNORE: exit 0 at once. */
#define START_IGNORED (-1)

/* The database, the state and init: what start() does while the
 * endpoint's listener starts. */
static int
init_run(sup_worker *w, int argc, char **argv)
{
	char why[512];
	bool recovered;
	enum sup_ret ret;
	sup_err e;

	if (st_wopen(w->db_path, false, &w->db, why, sizeof(why)) != SUP_OK) {
		/* No registry, no checkpoint: nothing it promises would hold. */
		char msg[sizeof(w->db_path) + sizeof(why) + 32];
		w->db = NULL;
		snprintf(msg, sizeof(msg), "cannot open its database %s: %s",
		    w->db_path, why);
		return fail(w, 1, msg);
	}
	if ((w->state = calloc(1, w->ops->state_size ? w->ops->state_size
						     : 1)) == NULL)
		return fail(w, 1, "out of memory");
	if (!wrk_fields_load(w, argc, argv, &recovered, why, sizeof(why)))
		return fail(w, EX_CONFIG, why);
	if (!fds_open(w))
		return fail(w, 1, "cannot make the event loop's descriptors");
	snprintf(w->status, sizeof(w->status), "initializing");
	ret = w->ops->init ? w->ops->init(w, w->state, recovered) : SUP_RET_OK;
	if (ret == SUP_RET_STOP)
		return fail(w, 1, w->stop_reason[0] ? w->stop_reason
						     : "init failed");
	if (ret == SUP_RET_IGNORE) {
		/* Said before the exit: supd reads it as it reaps. */
		wrk_notify("SUP_STATUS=ignored");
		return START_IGNORED;
	}
	if ((e = wrk_commit(w, false)) != SUP_OK) { /* init's table writes */
		wrk_db_why(w, "publish its tables", e, why, sizeof(why));
		return fail(w, 1, why);
	}
	w->continuing = ret == SUP_RET_CONTINUE;
	return 0;
}

/* The endpoint's listener, started on a thread of its own. */
struct listen_job {
	sup_worker *w; /* borrowed */
	bool ok;
	char why[512];
};

static void *
listen_run(void *arg)
{
	struct listen_job *j = arg;

	j->ok = endpoint_listen(j->w, j->why, sizeof(j->why));
	return NULL;
}

/*
 * nng's start (its threads, then the listener: ~0.6 ms) runs on a second
 * thread while this one opens the database and runs init (~0.5 ms and
 * more): a restart is ready that much sooner when a second core is free.
 * Requests that come before init has returned wait in nng's queue; the
 * loop reads none before the start is over. The name's lock is held
 * first: the endpoint is ours to replace.
 */
static int
start(sup_worker *w, int argc, char **argv)
{
	struct listen_job job = {.w = w};
	char why[512];
	pthread_t t;
	bool threaded;
	int code;

	identity(w);
	policy_read(w);
	wrk_hibernate_policy(w);
	w->thread = pthread_self();
	if (!lock_take(w, why, sizeof(why)))
		return fail(w, 1, why);
	threaded = pthread_create(&t, NULL, listen_run, &job) == 0;
	code = init_run(w, argc, argv);
	if (threaded)
		pthread_join(t, NULL);
	else if (code == 0)
		listen_run(&job);
	if (code != 0) {
		ipc_server_close(w->srv); /* nobody is to find a dead end */
		w->srv = NULL;
		return code;
	}
	if (!job.ok)
		return fail(w, 1, job.why);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = SRC_EP};
	epoll_ctl(w->epfd, EPOLL_CTL_ADD, ipc_server_fd(w->srv), &ev);
	wrk_telemetry_open(w);
	return 0;
}

/* Without its entry nobody finds the worker: a failure stops the start. */
static sup_err
registry_publish(sup_worker *w)
{
	char pid[24], sid[32], start[24] = "0";
	int64_t ticks;
	bool zombie;
	sup_err e;

	if ((e = st_begin(w->db)) != SUP_OK)
		return e;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(sid, sizeof(sid), "%llu", (unsigned long long)w->spawn_id);
	/* With the pid, names this process: clients never take a recycled
	 * pid for us. */
	if (proc_start_time(getpid(), &ticks, &zombie) == SUP_OK)
		snprintf(start, sizeof(start), "%lld", (long long)ticks);
	if ((e = st_wmeta_put(w->db, "pid", pid)) == SUP_OK &&
	    (e = st_wmeta_put(w->db, "start", start)) == SUP_OK &&
	    (e = st_wmeta_put(w->db, "spawn_id", sid)) == SUP_OK &&
	    (e = st_wmeta_put(w->db, "endpoint", w->endpoint)) == SUP_OK &&
	    (e = st_wmeta_put(w->db, "status", w->status)) == SUP_OK &&
	    (e = st_commit(w->db)) == SUP_OK)
		return SUP_OK;
	st_rollback(w->db);
	return e;
}

/* Everything the start made, freed but the database; calls still open get
 * an error. */
static void
teardown(sup_worker *w)
{
	wrk_outstanding_fail();
	wrk_telemetry_close(w);
	ipc_server_close(w->srv);
	ipc_fini();
	wrk_fields_free(w);
	wrk_tables_free(w);
	free(w->state);
	free(w->timers);
}

/*
 * The end of a worker that served: terminate, the last checkpoint, the
 * rest freed, and the last words as the very last act, so that they say
 * the status the process exits with.
 */
static void
finish(sup_worker *w)
{
	char words[320];
	bool saved = true;

	wrk_tasks_stop(w); /* running tasks answer before terminate */
	if (w->ops->terminate != NULL)
		w->ops->terminate(w, w->state, w->stop_reason);
	/* After a failed policy checkpoint, what memory holds was refused
	 * to its callers: it must not be committed now. */
	if (!w->unsaved && wrk_checkpoint_now(w) != SUP_OK) {
		w->exit_code = 1;
		saved = false;
	}
	snprintf(words, sizeof(words), "terminated: %s%s", w->stop_reason,
	    saved ? "" : "; the final checkpoint failed");
	teardown(w);
	last_words(w, words, w->exit_code);
	st_close(w->db);
}

SUP_API int
sup_worker_main(const struct sup_ops *ops, int argc, char **argv)
{
	static sup_worker w;
	char why[512];
	int code;
	sup_err e;

	if (!wrk_ops_load(&w, ops, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", argc > 0 && argv[0] ? argv[0]
							  : "worker", why);
		return EX_SOFTWARE;
	}
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		usage(w.ops);
		return 0;
	}
	signals_block();
	w.sigfd = w.timerfd = w.epfd = w.lockfd = -1;
	if ((code = start(&w, argc, argv)) != 0) {
		st_close(w.db);
		return code == START_IGNORED ? 0 : code;
	}
	/* Ready as soon as init returned; a slow load comes after. */
	snprintf(w.status, sizeof(w.status), "%s", w.continuing ?
	    "initializing" : "ready");
	if ((e = registry_publish(&w)) != SUP_OK) {
		wrk_db_why(&w, "publish its entry in its database", e, why,
		    sizeof(why));
		wrk_log(&w, "%s", why);
		sup_stop_reason_set(&w, why);
		w.exit_code = 1;
		finish(&w); /* init ran: terminate runs too */
		return w.exit_code;
	}
	wrk_notify(w.continuing ? "READY=1\nSUP_STATUS=initializing"
			    : "READY=1\nSUP_STATUS=ready");
	/* supd arms its watchdog at READY=1 (watchdog = in sup.conf). */
	wrk_watchdog_start(&w);
	if (w.continuing)
		wrk_continue_run(&w);
	wrk_wake(&w); /* the idle clock starts with the loop */
	loop_run(&w);
	finish(&w);
	return w.exit_code;
}
