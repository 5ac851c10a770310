/*
 * supervisor/child.c — a worker's process: spawn, stop, kill, reap.
 *
 * Owns the process side of a worker node: the environment a child gets
 * (DESIGN.md section 5), its stdout, its process group (every signal goes
 * to the group, and whatever is left of the group dies with the child),
 * and turning a wait status into an exit record and a log line. The
 * decisions that follow belong to engine.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "child.h"
#include "notify.h"
#include "restart.h"
#include "common/clock.h"
#include "common/dur.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/sig.h"
#include "common/utf8.h"
#include "foreign.h"
#include "listen.h"
#include "logholder.h"
#include "logline.h"
#include "health.h"
#include "persist.h"
#include "spawn.h"
#include "spawnfile.h"
#include "supd.h"
#include "tree.h"
#include "watch.h"

/* Variables supd sets itself, and those its own service manager set for
 * supd alone (manager.h): never passed through from its own env. */
static const char *const own_vars[] = {"SUP_NAME", "SUP_RUN_DIR",
    "SUP_ENDPOINT", "SUP_STATE_DB", "SUP_SPAWN_ID", "SUP_INSTANCE",
    "SUP_CHECKPOINT", "SUP_HIBERNATE_AFTER", "NOTIFY_SOCKET",
    "WATCHDOG_USEC", "WATCHDOG_PID", "LISTEN_FDS", "LISTEN_PID",
    "LISTEN_FDNAMES", NULL};

_Static_assert(SPAWN_LISTEN_MAX >= CFG_LISTEN_MAX, "spawn.h: too few");

static bool
env_has_key(char *const *list, int n, const char *kv)
{
	size_t k = strcspn(kv, "=");

	for (int i = 0; i < n; i++)
		if (strncmp(list[i], kv, k) == 0 && list[i][k] == '=')
			return true;
	return false;
}

struct envbuf {
	char *v[1024];
	int n;
	char strs[16][PATH_MAX + 32]; /* the values built for this spawn */
	int ns;
};

static void
env_push(struct envbuf *e, char *kv)
{
	if (e->n < (int)(sizeof(e->v) / sizeof(e->v[0])) - 1 &&
	    !env_has_key(e->v, e->n, kv))
		e->v[e->n++] = kv;
}

static void
env_set(struct envbuf *e, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
env_set(struct envbuf *e, const char *key, const char *fmt, ...)
{
	char *s = e->strs[e->ns++];
	int k = snprintf(s, sizeof(e->strs[0]), "%s=", key);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s + k, sizeof(e->strs[0]) - (size_t)k, fmt, ap);
	va_end(ap);
	env_push(e, s);
}

/* What names supd's user's own places: not passed to another user. */
static const char *const users_vars[] = {"XDG_RUNTIME_DIR", "MAIL",
    "DBUS_SESSION_BUS_ADDRESS", "XAUTHORITY", NULL};

/* Whether kv's key is one of vars. */
static bool
var_in(const char *kv, const char *const *vars)
{
	for (int i = 0; vars[i] != NULL; i++) {
		size_t k = strlen(vars[i]);
		if (strncmp(kv, vars[i], k) == 0 && kv[k] == '=')
			return true;
	}
	return false;
}

/*
 * The part of a worker's environment that is the same at every spawn:
 * the config's env, the user's identity, then supd's own environment,
 * first entry winning, SUP_*, NOTIFY_SOCKET and WATCHDOG_* left out.
 * Built once per worker (pool instances share it): a spawn then costs no
 * string work but its own SUP_* values.
 */
static char **
env_tail(struct supd *d, const struct cfg_worker *w)
{
	extern char **environ;
	struct envbuf *e;
	struct env_tail *t;
	char **v;

	for (int i = 0; i < d->ntails; i++)
		if (d->tails[i].w == w)
			return d->tails[i].v;
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	if (w->checkpoint != NULL)
		env_set(e, "SUP_CHECKPOINT", "%s", w->checkpoint);
	if (w->hibernate_after != NULL)
		env_set(e, "SUP_HIBERNATE_AFTER", "%s", w->hibernate_after);
	for (int i = 0; i < w->nenv; i++)
		env_push(e, w->env[i]);
	if (w->has_user) {
		env_set(e, "USER", "%s", w->user);
		env_set(e, "LOGNAME", "%s", w->user);
		env_set(e, "HOME", "%s", w->home);
		env_set(e, "SHELL", "%s", w->shell);
	}
	for (char **p = environ; *p != NULL; p++)
		if (!var_in(*p, own_vars) &&
		    !(foreign_is(w) && var_in(*p, users_vars)))
			env_push(e, *p);
	t = realloc(d->tails, (size_t)(d->ntails + 1) * sizeof(*t));
	v = calloc((size_t)e->n + 1, sizeof(*v));
	if (t == NULL || v == NULL) {
		free(v);
		free(e);
		d->tails = t ? t : d->tails;
		return NULL;
	}
	for (int i = 0; i < e->n; i++)
		if ((v[i] = strdup(e->v[i])) == NULL)
			v[i] = (char *)"SUP_ENV_LOST=1";
	d->tails = t;
	d->tails[d->ntails++] = (struct env_tail){w, v};
	free(e);
	return v;
}

const char *
child_endpoint(const struct supd *d, const struct supd_node *n, char *buf,
    size_t len)
{
	if (!rundir_path(d->cfg->run_dir, foreign_is(n->w) ? RUN_WSOCK_OWN
	    : RUN_WSOCK, n->name, buf, len))
		buf[0] = '\0';
	return buf;
}

/*
 * systemd's socket activation variables: LISTEN_FDS, LISTEN_FDNAMES,
 * and LISTEN_PID, whose value only the child knows: 20 spaces left for
 * it to write its pid into (spawn.c); returns where.
 */
static char *
env_listen(struct envbuf *e, const struct cfg_worker *w)
{
	char names[CFG_LISTEN_MAX * (CFG_LISTEN_NAME_MAX + 1) + 1] = "";
	size_t len = 0;
	char *pid;

	if (w->nlisten == 0)
		return NULL;
	for (int i = 0; i < w->nlisten; i++)
		len += (size_t)snprintf(names + len, sizeof(names) - len,
		    "%s%s", i ? ":" : "", w->listen[i].name);
	env_set(e, "LISTEN_FDS", "%d", w->nlisten);
	env_set(e, "LISTEN_FDNAMES", "%s", names);
	pid = e->strs[e->ns];
	env_set(e, "LISTEN_PID", "%20s", "");
	return pid + strlen("LISTEN_PID=");
}

/* The tail after this spawn's own variables (none of its keys is one of
 * ours), and the end of the vector. */
static void
env_end(struct envbuf *e, char **tail)
{
	for (char **p = tail; p != NULL && *p != NULL &&
	    e->n < (int)(sizeof(e->v) / sizeof(e->v[0])) - 1; p++)
		e->v[e->n++] = *p;
	e->v[e->n] = NULL;
}

/*
 * SUP_*, NOTIFY_SOCKET, the sockets' and the watchdog's variables for
 * this spawn, then the worker's tail. pid_env[]: where the child writes
 * its own pid, the values of LISTEN_PID and WATCHDOG_PID (systemd sets
 * them to the main pid), or NULL.
 */
static void
env_build(struct supd *d, struct supd_node *n, struct envbuf *e,
    char *pid_env[2])
{
	const struct cfg_worker *w = n->w;
	const char *run = d->cfg->run_dir;
	char **tail = env_tail(d, w), buf[PATH_MAX];

	e->n = e->ns = 0;
	env_set(e, "SUP_NAME", "%s", n->name);
	env_set(e, "SUP_RUN_DIR", "%s", run);
	env_set(e, "SUP_ENDPOINT", "ipc://%s", child_endpoint(d, n, buf,
	    sizeof(buf)));
	rundir_path(run, RUN_WDB, n->name, buf, sizeof(buf));
	env_set(e, "SUP_STATE_DB", "%s", buf);
	env_set(e, "SUP_SPAWN_ID", "%" PRIu64, n->spawn_id);
	if (n->instance >= 0)
		env_set(e, "SUP_INSTANCE", "%d", n->instance);
	if (w->ready != READY_NONE)
		env_set(e, "NOTIFY_SOCKET", "%s", d->notify_addr);
	pid_env[0] = env_listen(e, w);
	pid_env[1] = NULL;
	if (w->watchdog_ms > 0) {
		env_set(e, "WATCHDOG_USEC", "%" PRId64, w->watchdog_ms * 1000);
		/* Room for any pid; the child writes its own there. */
		env_set(e, "WATCHDOG_PID", "%0*d", SPAWN_PID_ENV_MAX - 1, 0);
		pid_env[1] = e->strs[e->ns - 1] + strlen("WATCHDOG_PID=");
	}
	env_end(e, tail);
}

char *const *
child_probe_env(struct supd *d, const struct supd_node *n)
{
	static struct envbuf env; /* one probe spawn at a time */
	struct envbuf *e = &env;
	char **tail = env_tail(d, n->w), buf[PATH_MAX];

	e->n = e->ns = 0;
	env_set(e, "SUP_NAME", "%s", n->name);
	env_set(e, "SUP_RUN_DIR", "%s", d->cfg->run_dir);
	env_set(e, "SUP_ENDPOINT", "ipc://%s", child_endpoint(d, n, buf,
	    sizeof(buf)));
	if (n->instance >= 0)
		env_set(e, "SUP_INSTANCE", "%d", n->instance);
	env_set(e, "SUP_PID", "%d", (int)n->pid);
	env_end(e, tail);
	return e->v;
}

/*
 * A log the child writes itself (log_timestamps = false) over max bytes
 * is rotated as its child starts: NAME.log becomes NAME.log.1, .1
 * becomes .2 ..., and the one past keep goes. A child that runs on keeps
 * the file it has open: for those, use logrotate's copytruncate. The
 * log holder rotates the logs it writes itself, live.
 */
static void
log_rotate(struct supd *d, const char *name, off_t size, int keep)
{
	char path[PATH_MAX];

	(void)rundir_rotate(&d->run, RUN_LOG, name, keep);
	rundir_path(d->cfg->run_dir, RUN_LOG, name, path, sizeof(path));
	LOG_EV("log.rotate", log_str("file", path),
	    log_num("size", (long long)size));
}

static int
log_open(struct supd *d, const char *name)
{
	return rundir_openat(&d->run, RUN_LOG, name, O_WRONLY | O_APPEND |
	    O_CREAT, 0600);
}

/* stdout and stderr of the child: a log file, /dev/null, or supd's. */
static int
out_open(struct supd *d, struct supd_node *n)
{
	struct stat st;
	int fd;

	if (n->w->out == OUT_INHERIT)
		return -1;
	if (n->w->out == OUT_NULL)
		return d->devnullfd;
	fd = log_open(d, n->name);
	/* The size of the file just opened: no second lookup of its path
	 * on the way to the fork. */
	if (fd >= 0 && n->w->log_max_size > 0 && fstat(fd, &st) == 0 &&
	    st.st_size > n->w->log_max_size) {
		close(fd);
		log_rotate(d, n->name, st.st_size, n->w->log_keep);
		fd = log_open(d, n->name);
	}
	if (fd < 0) {
		log_warn("cannot open %s/log/%s.log: %s%s; %s writes to "
		    "/dev/null", d->cfg->run_dir, n->name, strerror(errno),
		    errno == ELOOP ? " (a symbolic link: not followed)" : "",
		    n->name);
		return d->devnullfd;
	}
	if (n->w->has_user && fchown(fd, n->w->uid, n->w->gid) != 0)
		log_debug("cannot chown %s's log: %s", n->name,
		    strerror(errno));
	return fd;
}

/*
 * The child's stdout and stderr into wr: the write ends of two pipes to
 * the log holder (true), or one fd for both (out_open). The holder's
 * need pipes: without them (no fd left), the child writes its file.
 */
static bool
out_fds(struct supd *d, struct supd_node *n, int wr[2])
{
	int made = logholder_wants(n->w) ? logholder_pipes(n, wr) : -2;

	if (made == 0)
		return true;
	if (made == -1)
		log_warn("cannot make %s's pipes to the log holder: %s; it "
		    "writes without timestamps", n->name, strerror(errno));
	wr[0] = wr[1] = out_open(d, n);
	return false;
}

static enum child_spawned
spawn_failed(struct supd *d, struct supd_node *n, const char *why)
{
	struct exit_info x = {.valid = true, .at_ms = clk_real_ms()};

	engine_touch(n);
	snprintf(x.reason, sizeof(x.reason), "cannot spawn: %s", why);
	node_exit_set(n, &x);
	LOG_EV("child.spawn_error", log_str("name", n->name),
	    log_str("reason", x.reason));
	persist_event(d, n->name, "exit", 0, &x, NULL, NULL);
	return CHILD_SPAWN_FAILED;
}

/* What decided a start, for its history record (NULL: nothing said). */
static const char *
cause_text(const struct supd_node *n, enum node_cause c,
    const struct supd_node *by, char *buf, size_t len)
{
	const struct supd_node *g = n->parent;

	switch (c) {
	case CAUSE_FAILED:
		snprintf(buf, len, "%s child of %s, %.100s",
		    cfg_restart_name(n->w->restart), g->name,
		    node_exit_reason(n, "failed"));
		return buf;
	case CAUSE_SIBLING:
		snprintf(buf, len, "%s of %s after %s failed",
		    cfg_strategy_name(g->g->strategy), g->name,
		    by != NULL ? by->name : "?");
		return buf;
	case CAUSE_GROUP_RESTART:
		snprintf(buf, len, "group %s restarted by %s", g->name,
		    by != NULL ? by->name : "supctl");
		return buf;
	case CAUSE_USER_START:
		return "supctl start";
	case CAUSE_USER_RESTART:
		return "supctl restart";
	case CAUSE_CONFIG_CHANGED:
		return "config changed";
	case CAUSE_RELOAD:
		return "reload";
	case CAUSE_NONE:
	default:
		return NULL;
	}
}

/*
 * Intent first: the spawn record names the spawn before the fork; the
 * database learns of it in the batch after (persist.c).
 */
static int
spawn_intent(struct supd *d, struct supd_node *n, off_t *pid_off)
{
	engine_touch(n); /* its row changes with the process (persist.c) */
	n->spawn_id = ++d->spawn_seq;
	tree_pid_set(d, n, 0);
	/* The child starts now: its /proc start time is within moments. */
	n->pid_start = clk_boot_ms();
	n->adopted = false;
	return d->cfg->state_off ? -1 : spawnfile_begin(d, n, pid_off);
}

static void
spawn_done(struct supd *d, struct supd_node *n, pid_t pid, bool restart,
    const char *cause)
{
	tree_pid_set(d, n, pid); /* touched at its spawn_intent() */
	n->spawned_real_ms = clk_real_ms();
	free(n->status_text);
	n->status_text = NULL;
	n->sup_status[0] = '\0';
	persist_event(d, n->name, restart ? "restart" : "start", pid, NULL,
	    NULL, cause);
	LOG_EV("child.start", log_str("name", n->name),
	    log_num("pid", (int)pid), log_num("restarts", n->restarts));
}

enum child_spawned
child_spawn(struct supd *d, struct supd_node *n, bool restart,
    enum node_cause cause, const struct supd_node *by)
{
	const struct cfg_worker *w = n->w;
	static struct envbuf env; /* big; one spawn at a time */
	struct spawn_req r = {
		.path = w->path, .argv = w->argv, .envp = env.v,
		.dir = w->directory, .uid = w->uid, .umask = w->umask,
		/* Not root: the config check made sure it is our own user. */
		.set_user = w->has_user && geteuid() == 0,
		.gid = w->gid, .groups = w->groups, .ngroups = w->ngroups,
		.fd_in = d->devnullfd, .reset = &d->reset_sigs,
		.nofile = &d->nofile,
	};
	char cbuf[160], why[640];
	int wr[2], fds[CFG_LISTEN_MAX], cg[CGROUP_JOIN_MAX];
	bool out;
	sup_err e;
	pid_t pid;

	/* Its sockets first: without them it cannot serve (a bind lost at a
	 * takeover is tried again here, each start, with backoff). */
	if (w->nlisten > 0 && listen_fds(d, n, fds, why, sizeof(why)) !=
	    SUP_OK)
		return spawn_failed(d, n, why);
	r.listen = fds;
	r.nlisten = w->nlisten;
	if ((r.ncgroup = cgroup_child_prepare(d, n, cg, why, sizeof(why))) < 0)
		return spawn_failed(d, n, why);
	r.cgroup = cg;
	r.pid_fd = spawn_intent(d, n, &r.pid_off);
	foreign_files_give(d, n);
	env_build(d, n, &env, r.pid_env);
	out = out_fds(d, n, wr);
	r.fd_out = wr[0];
	r.fd_err = wr[1];
	e = spawn_run(&r, &pid, &n->exec_errno, &n->exec_step);
	if (r.pid_fd >= 0)
		spawnfile_end(d, n);
	for (int i = 0; i < r.ncgroup; i++)
		close(cg[i]);
	for (int i = 0; i < 1 + (wr[0] != wr[1]); i++)
		if (wr[i] >= 0 && wr[i] != d->devnullfd)
			close(wr[i]);
	if (e != SUP_OK) {
		n->exec_errno = 0;
		logholder_forget(n);
		return spawn_failed(d, n, sup_strerror(e));
	}
	if (out)
		logholder_give(d, n);
	spawn_done(d, n, pid, restart, cause_text(n, cause, by, cbuf,
	    sizeof(cbuf)));
	/* An exec that failed exits 127 now; the reap tells why. */
	if (n->exec_errno != 0)
		return CHILD_EXEC_FAILED;
	return w->ready == READY_NONE ? CHILD_SPAWNED_READY : CHILD_SPAWNED;
}

/*
 * The group first; a child that left its group still gets the signal,
 * through its pidfd when it has one (an adopted child is not ours: its
 * pid alone could name a process that took it over).
 */
int
child_signal(struct supd_node *n, int sig)
{
	if (n->pid <= 0)
		return -1;
	if (sig_group(n->pid, sig) == 0 || errno != ESRCH)
		return 0;
	if (n->pidfd >= 0)
		return (int)syscall(SYS_pidfd_send_signal, n->pidfd, sig, NULL,
		    0);
	return sig_proc(n->pid, sig);
}

void
child_kill(struct supd *d, struct supd_node *n)
{
	child_signal(n, SIGKILL);
	cgroup_child_kill(d, n);
}

void
child_signal_stop(struct supd *d, struct supd_node *n)
{
	const struct cfg_worker *w = n->w;
	int sig = w->brutal_kill ? SIGKILL : w->stop_signal;

	(void)d;
	LOG_EV("child.stop", log_str("name", n->name),
	    log_num("pid", (int)n->pid), log_str("signal", sig_name(sig)));
	child_signal(n, sig);
	if (sig != SIGKILL) /* a stopped (SIGSTOP) process cannot act on it */
		child_signal(n, SIGCONT);
}

/* What the child was doing when it failed before exec, for the reason. */
static const char *
spawn_step_name(int step, const struct cfg_worker *w)
{
	static char buf[PATH_MAX + 32];

	switch (step) {
	case SPAWN_STEP_DIR:
		snprintf(buf, sizeof(buf), "chdir to %s", w->directory);
		break;
	case SPAWN_STEP_USER:
		snprintf(buf, sizeof(buf), "switch to user %s", w->user);
		break;
	case SPAWN_STEP_FDS:
		snprintf(buf, sizeof(buf), "set up stdin/stdout/stderr%s",
		    w->nlisten > 0 ? " and its listening sockets" : "");
		break;
	case SPAWN_STEP_PGID:
		snprintf(buf, sizeof(buf), "make a process group");
		break;
	case SPAWN_STEP_CGROUP:
		snprintf(buf, sizeof(buf), "join its cgroup");
		break;
	default:
		snprintf(buf, sizeof(buf), "exec %s", w->path);
		break;
	}
	return buf;
}

/*
 * The last line the child wrote to its log, made printable, into buf:
 * what a program that could not start (127: a command or a shared
 * library not found; 126: not executable) said about it.
 */
static bool
log_last_line(struct supd *d, const struct supd_node *n, char *buf,
    size_t len)
{
	char tail[1024], *end;
	const char *start;
	struct stat st;
	ssize_t got;
	int fd;

	if (n->w->out != OUT_LOG)
		return false;
	/* Still in its pipe, not read by the log holder yet: the child
	 * that cannot start says so and exits at once. */
	got = logholder_peek(n, tail, sizeof(tail) - 1);
	if (got <= 0 && (fd = rundir_openat(&d->run, RUN_LOG, n->name,
	    O_RDONLY, 0)) >= 0) {
		got = fstat(fd, &st) == 0 ? pread(fd, tail, sizeof(tail) - 1,
		    st.st_size > (off_t)sizeof(tail) - 1 ? st.st_size -
		    (off_t)(sizeof(tail) - 1) : 0) : -1;
		close(fd);
	}
	if (got <= 0)
		return false;
	tail[got] = '\0';
	for (end = tail + got; end > tail && (end[-1] == '\n' ||
	    end[-1] == '\r'); end--)
		;
	*end = '\0';
	start = strrchr(tail, '\n');
	start = logline_text(start != NULL ? start + 1 : tail);
	if (*start == '\0')
		return false;
	utf8_clean(buf, len, start);
	return true;
}

/* 126 and 127: the shell's and the loader's "could not run it". */
static void
exit_explain(struct supd *d, const struct supd_node *n, struct exit_info *x)
{
	char path[PATH_MAX], line[120];
	size_t k = strlen(x->reason);

	if (!x->has_code || (x->code != 126 && x->code != 127) ||
	    n->exec_errno != 0 || !log_last_line(d, n, line, sizeof(line)))
		return;
	rundir_path(d->cfg->run_dir, RUN_LOG, n->name, path, sizeof(path));
	snprintf(x->reason + k, sizeof(x->reason) - k, "; %.120s says: %s",
	    path, line);
}

static void
exit_record(const struct supd_node *n, int wstatus, struct exit_info *x)
{
	char buf[32];

	memset(x, 0, sizeof(*x));
	x->valid = true;
	x->at_ms = clk_real_ms();
	x->has_code = WIFEXITED(wstatus);
	x->code = x->has_code ? WEXITSTATUS(wstatus) : 0;
	x->sig = WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0;
	x->start_timeout = n->killed == KILLED_START_TIMEOUT;
	x->hung = n->hung;
	if (n->exec_errno != 0)
		snprintf(x->reason, sizeof(x->reason), "cannot %.100s: %s",
		    spawn_step_name(n->exec_step, n->w), strerror(n->exec_errno));
	else if (x->start_timeout)
		snprintf(x->reason, sizeof(x->reason),
		    "not ready within %s (start_timeout)",
		    dur_format(n->w->start_timeout_ms, buf, sizeof(buf)));
	else if (n->hung != HUNG_NOT)
		child_hung_reason(n, x->reason, sizeof(x->reason));
	else if (n->killed == KILLED_SHUTDOWN)
		snprintf(x->reason, sizeof(x->reason),
		    "killed after the shutdown timeout (%s)",
		    dur_format(n->w->shutdown_ms, buf, sizeof(buf)));
	else
		rst_exit_describe(wstatus, x->reason, sizeof(x->reason));
}

/*
 * A libsup worker leaves its last words in its database before it exits
 * (a wrong argument, a stop reason): they make a better reason than an
 * exit status. Read briefly, and only when the process could have
 * written them (it exited, or it was adopted: no status at all).
 */
/* A libsup worker's last words for its current spawn, made printable,
 * and the status it said it exits with (-1: unknown). */
static bool
last_words_get(struct supd *d, struct supd_node *n, char *buf, size_t len,
    int *status)
{
	char path[PATH_MAX + 128], words[128];

	if (n->w->ready != READY_SUP)
		return false;
	rundir_path(d->cfg->run_dir, RUN_WDB, n->name, path, sizeof(path));
	if (st_wlast_words(path, n->spawn_id, words, sizeof(words), status) !=
	    SUP_OK)
		return false;
	utf8_clean(buf, len, words);
	return true;
}

static void
last_words_add(struct supd *d, struct supd_node *n, struct exit_info *x)
{
	char words[128], old[64];
	int status;

	if (n->adopted || (x->sig != 0 && !x->has_code) || n->exec_errno != 0 ||
	    !last_words_get(d, n, words, sizeof(words), &status))
		return;
	snprintf(old, sizeof(old), "%.60s", x->reason);
	snprintf(x->reason, sizeof(x->reason), "%.60s: %.90s", old, words);
}

static void
child_exited(struct supd *d, struct supd_node *n, const struct exit_info *xin)
{
	struct exit_info xs = *xin, *x = &xs;
	pid_t pid = n->pid;
	bool stopping = n->state == NS_STOPPING;
	int64_t up = clk_mono_ns() - n->started_ns;
	struct log_field f[5];
	char ubuf[32];
	int nf = 0;

	engine_touch(n); /* a flush may come before the engine hears of it */
	tree_pid_set(d, n, 0);
	n->pid_start = 0;
	logholder_forget(n);
	/* Whatever the child left in its process group goes with it, and
	 * in its cgroup (what escaped the group: setsid), before any
	 * restart. */
	sig_group(pid, SIGKILL);
	cgroup_child_kill(d, n);
	if (n->pending == PEND_STOP)
		cgroup_child_release(d, n); /* stopped for good */
	if (n->pidfd >= 0) {
		watch_del(d, n->pidfd);
		close(n->pidfd);
		n->pidfd = -1;
	}
	last_words_add(d, n, x);
	/* What the process said of itself went with it. */
	free(n->status_text);
	n->status_text = NULL;
	n->sup_status[0] = '\0';
	n->adopted = false;
	node_exit_set(n, x);
	f[nf++] = log_str("name", n->name);
	f[nf++] = log_num("pid", pid);
	if (x->has_code)
		f[nf++] = log_num("code", x->code);
	else if (x->sig)
		f[nf++] = log_num("signal", x->sig);
	f[nf++] = log_str("reason", x->reason);
	f[nf++] = log_str("uptime", dur_format(up / CLK_NS_PER_MS, ubuf,
	    sizeof(ubuf)));
	log_emit("child.exit", f, nf);
	persist_event(d, n->name, "exit", pid, x, NULL,
	    stopping ? "stopped by supd" : NULL);
	n->exec_errno = 0;
}

/*
 * How an exit with status code (has_code) or signal sig counts. A libsup
 * worker that says ignore sends SUP_STATUS=ignored, then exits 0: the
 * datagram is queued before the exit is seen, and read now if the loop
 * has not read it yet.
 */
static enum child_exit
exit_kind(struct supd *d, struct supd_node *n, bool has_code, int code,
    int sig)
{
	const struct cfg_worker *w = n->w;

	if (n->exec_errno != 0 || n->killed == KILLED_START_TIMEOUT ||
	    n->hung != HUNG_NOT)
		return EXIT_ABNORMAL;
	if (has_code && rst_exit_normal(&w->ignore_exit, true, code, 0))
		return EXIT_IGNORE;
	if (has_code && code == 0 && w->ready == READY_SUP) {
		notify_read(d);
		if (strcmp(n->sup_status, "ignored") == 0)
			return EXIT_IGNORE;
	}
	return rst_exit_normal(&w->normal_exit, has_code, code, sig) ?
	    EXIT_NORMAL : EXIT_ABNORMAL;
}

const char *
child_hung_reason(const struct supd_node *n, char *buf, size_t len)
{
	if (n->hung == HUNG_WATCHDOG)
		snprintf(buf, len, "watchdog timeout");
	else if (n->hung == HUNG_HEALTH)
		snprintf(buf, len, "health check failed: %s",
		    health_last_line(n));
	else if (n->hung == HUNG_MEMORY)
		cgroup_memory_reason(n, buf, len);
	else
		snprintf(buf, len, "not hung");
	return buf;
}

enum child_exit
child_reaped(struct supd *d, struct supd_node *n, int wstatus)
{
	enum child_exit how;
	struct exit_info x;

	exit_record(n, wstatus, &x);
	exit_explain(d, n, &x);
	how = exit_kind(d, n, x.has_code, x.code, x.sig);
	child_exited(d, n, &x);
	return how;
}

sup_err
child_adopt(struct supd *d, struct supd_node *n, pid_t pid, int64_t start)
{
	int fd = proc_pidfd_same(pid, start);
	sup_err e;

	if (fd < 0)
		return SUP_ESYS | errno;
	if ((e = watch_add(d, fd, SRC_PIDFD, n->order)) != SUP_OK) {
		close(fd);
		return e;
	}
	engine_touch(n);
	tree_pid_set(d, n, pid);
	n->pid_start = start;
	n->pidfd = fd;
	n->adopted = true;
	n->started_ns = clk_mono_ns();
	cgroup_child_attach(d, n);
	return SUP_OK;
}

void
child_keep(struct supd *d, struct supd_node *n, pid_t pid, int64_t start)
{
	engine_touch(n);
	tree_pid_set(d, n, pid);
	n->pid_start = start;
	n->pidfd = -1;
	n->adopted = false;
	n->started_ns = clk_mono_ns();
	cgroup_child_attach(d, n);
}

enum child_exit
child_adopted_gone(struct supd *d, struct supd_node *n)
{
	struct exit_info x = {.valid = true, .at_ms = clk_real_ms()};
	char words[128];
	int status;

	/* Adopted by a re-exec of supd, it is still our child: its wait
	 * status is there to read. Not WNOHANG: the pidfd can wake us a
	 * moment before the exited child is a zombie to reap; for a process
	 * that is not our child, waitpid fails at once (ECHILD). */
	if (waitpid(n->pid, &status, 0) == n->pid)
		return child_reaped(d, n, status);
	/* Hung, and stopped for it: that is why it is gone. */
	if (n->hung != HUNG_NOT) {
		x.hung = n->hung;
		child_hung_reason(n, x.reason, sizeof(x.reason));
		child_exited(d, n, &x);
		return EXIT_ABNORMAL;
	}
	/* Not our child: no wait status. A libsup worker says in its last
	 * words how it exits; otherwise unknown counts as abnormal. */
	if (last_words_get(d, n, words, sizeof(words), &status)) {
		x.has_code = status >= 0;
		x.code = status;
		if (status >= 0)
			snprintf(x.reason, sizeof(x.reason), "exited with "
			    "status %d: %.100s (adopted)", status, words);
		else
			snprintf(x.reason, sizeof(x.reason), "%.120s (adopted)",
			    words);
		child_exited(d, n, &x);
		return status >= 0 ? exit_kind(d, n, true, status, 0)
				   : EXIT_ABNORMAL;
	}
	snprintf(x.reason, sizeof(x.reason), "%s",
	    n->killed == KILLED_START_TIMEOUT ? "not ready in time (start_timeout), "
	    "status unknown: adopted" : n->state == NS_STOPPING ?
	    "stopped (status unknown: adopted)" :
	    "exited (status unknown: adopted)");
	child_exited(d, n, &x);
	return EXIT_ABNORMAL;
}
