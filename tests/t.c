/*
 * tests/t.c — the scenario test harness (t.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "t.h"

int64_t
t_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
t_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

void
t_env_init(struct t_env *e)
{
	memset(e, 0, sizeof(*e));
	strcpy(e->dir, "/tmp/sup-test-XXXXXX");
	cr_assert_not_null(mkdtemp(e->dir), "mkdtemp: %s", strerror(errno));
	snprintf(e->run, sizeof(e->run), "%s/run", e->dir);
	snprintf(e->conf, sizeof(e->conf), "%s/sup.conf", e->dir);
	snprintf(e->log, sizeof(e->log), "%s/supd.log", e->dir);
	/* Every supd of the tests checks that each change of a node's row
	 * was marked for its flush (persist.c). */
	setenv("SUP_CHECK_ROWS", "1", 1);
}

void
t_path(const struct t_env *e, const char *name, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", e->dir, name);
}

void
t_dir_for(struct t_env *e, const char *name, mode_t mode, uid_t uid,
    char *buf, size_t n)
{
	cr_assert(chmod(e->dir, 0755) == 0, "chmod %s: %s", e->dir,
	    strerror(errno));
	t_path(e, name, buf, n);
	cr_assert(mkdir(buf, mode) == 0 || errno == EEXIST, "mkdir %s: %s",
	    buf, strerror(errno));
	cr_assert(chmod(buf, mode) == 0 && chown(buf, uid, (gid_t)-1) == 0,
	    "%s: %s", buf, strerror(errno));
}

void
t_exec_copy(struct t_env *e, const char *program, char *buf, size_t n)
{
	char dir[256], *argv[] = {"cp", (char *)program, dir, NULL};
	const char *base = strrchr(program, '/');

	t_dir_for(e, "bin", 0755, 0, dir, sizeof(dir));
	cr_assert_eq(t_run(NULL, NULL, argv), 0, "cp %s %s", program, dir);
	snprintf(buf, n, "%s/%s", dir, base ? base + 1 : program);
	cr_assert(chmod(buf, 0755) == 0, "chmod %s", buf);
}

void
t_conf(struct t_env *e, const char *fmt, ...)
{
	FILE *f = fopen(e->conf, "w");
	va_list ap;

	cr_assert_not_null(f);
	fprintf(f, "[supervisor]\nrun_dir = %s\n", e->run);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

void
t_supd_child_setup(struct t_env *e)
{
	char kv[200];
	int log = open(e->log, O_WRONLY | O_CREAT | O_APPEND, 0644);

	snprintf(kv, sizeof(kv), "%s", e->dir);
	setenv("SUP_TEST_DIR", kv, 1);
	unsetenv("SUP_RUN_DIR");
	dup2(log, 2);
	dup2(log, 1);
	setpgid(0, 0);
}

static void
supd_exec(struct t_env *e, const char *binary, int ready_fd)
{
	char fdarg[16];

	t_supd_child_setup(e);
	if (ready_fd >= 0) {
		snprintf(fdarg, sizeof(fdarg), "%d", ready_fd);
		execl(binary, "supd", "-c", e->conf, "--ready-fd", fdarg,
		    (char *)NULL);
	}
	execl(binary, "supd", "-c", e->conf, (char *)NULL);
	_exit(127);
}

void
t_supd_spawn(struct t_env *e)
{
	e->reaped = false;
	e->supd = fork();
	cr_assert(e->supd >= 0);
	if (e->supd == 0)
		supd_exec(e, T_BIN("supd"), -1);
}

void
t_supd_start(struct t_env *e)
{
	t_supd_start_from(e, T_BIN("supd"));
}

void
t_supd_start_from(struct t_env *e, const char *binary)
{
	struct pollfd p = {.events = POLLIN};
	int fds[2];
	char buf[16];

	cr_assert(pipe(fds) == 0);
	e->reaped = false;
	e->supd = fork();
	cr_assert(e->supd >= 0);
	if (e->supd == 0) {
		close(fds[0]);
		supd_exec(e, binary, fds[1]);
	}
	close(fds[1]);
	p.fd = fds[0];
	cr_assert(poll(&p, 1, T_WAIT_MS) == 1, "supd not ready in time");
	cr_assert(read(fds[0], buf, sizeof(buf)) > 0,
	    "supd exited before it was ready; its log:\n%s", t_read(e->log));
	close(fds[0]);
}

int
t_supd_wait(struct t_env *e, int timeout_ms)
{
	int64_t end = t_now_ms() + timeout_ms;
	int st;

	if (e->reaped)
		return e->exit_code;
	while (t_now_ms() < end) {
		pid_t r = waitpid(e->supd, &st, WNOHANG);
		if (r == e->supd) {
			e->reaped = true;
			e->exit_code = WIFEXITED(st) ? WEXITSTATUS(st)
						     : 128 + WTERMSIG(st);
			return e->exit_code;
		}
		t_sleep_ms(10);
	}
	return -1;
}

bool
t_supd_alive(struct t_env *e)
{
	return t_supd_wait(e, 0) == -1;
}

void
t_env_fini(struct t_env *e)
{
	char kv[200], *argv[] = {"rm", "-rf", e->dir, NULL};
	pid_t left[256];
	int n;

	if (e->dir[0] == '\0')
		return;
	if (e->supd > 0 && !e->reaped) {
		kill(e->supd, SIGTERM);
		if (t_supd_wait(e, 15000) < 0) {
			kill(e->supd, SIGKILL);
			t_supd_wait(e, 5000);
		}
	}
	snprintf(kv, sizeof(kv), "SUP_TEST_DIR=%s", e->dir);
	/* 256 at a time, as many times as it takes (a pool of 1000 whose
	 * supd died); a killed process no longer shows its environment. */
	for (int round = 0; round < 64 &&
	    (n = t_procs_with_env(kv, left, 256)) > 0; round++)
		for (int i = 0; i < n; i++)
			kill(left[i], SIGKILL);
	t_run(NULL, NULL, argv);
}

/*
 * Reads fds until both close, or until T_RUN_MS passed (false then);
 * appends into growing buffers.
 */
static bool
drain(int ofd, int efd, char **out, char **err)
{
	struct pollfd p[2] = {{ofd, POLLIN, 0}, {efd, POLLIN, 0}};
	char *buf[2] = {NULL, NULL};
	size_t len[2] = {0, 0};
	int open = 2;
	int64_t end = t_now_ms() + T_RUN_MS;

	while (open > 0 && t_now_ms() < end &&
	    poll(p, 2, (int)(end - t_now_ms())) >= 0) {
		for (int i = 0; i < 2; i++) {
			char chunk[4096];
			ssize_t r;
			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			r = read(p[i].fd, chunk, sizeof(chunk));
			if (r <= 0) {
				close(p[i].fd);
				p[i].fd = -1;
				open--;
				continue;
			}
			buf[i] = realloc(buf[i], len[i] + (size_t)r + 1);
			memcpy(buf[i] + len[i], chunk, (size_t)r);
			len[i] += (size_t)r;
			buf[i][len[i]] = '\0';
		}
	}
	for (int i = 0; i < 2; i++) {
		if (buf[i] == NULL)
			buf[i] = strdup("");
		if (p[i].fd >= 0)
			close(p[i].fd);
	}
	if (out)
		*out = buf[0];
	else
		free(buf[0]);
	if (err)
		*err = buf[1];
	else
		free(buf[1]);
	return open == 0;
}

int
t_run(char **out, char **err, char *const argv[])
{
	int o[2], x[2], st;
	pid_t pid;

	cr_assert(pipe(o) == 0 && pipe(x) == 0);
	pid = fork();
	cr_assert(pid >= 0);
	if (pid == 0) {
		dup2(o[1], 1);
		dup2(x[1], 2);
		close(o[0]);
		close(x[0]);
		close(o[1]);
		close(x[1]);
		execv(argv[0], argv);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(o[1]);
	close(x[1]);
	if (!drain(o[0], x[0], out, err)) {
		cr_log_error("%s ran for more than %d ms: killed", argv[0],
		    T_RUN_MS);
		kill(pid, SIGKILL);
	}
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* argv (64 slots) for supctl -r RUN and the arguments in ap. */
static void
ctl_argv(struct t_env *e, va_list ap, char **argv)
{
	int n = 3;

	argv[0] = T_BIN("supctl");
	argv[1] = "-r";
	argv[2] = e->run;
	while (n < 63 && (argv[n] = va_arg(ap, char *)) != NULL)
		n++;
	argv[n] = NULL;
}

int
t_ctl(struct t_env *e, char **out, char **err, ...)
{
	char *argv[64];
	va_list ap;

	va_start(ap, err);
	ctl_argv(e, ap, argv);
	va_end(ap);
	return t_run(out, err, argv);
}

const char *
t_ctl_line(struct t_env *e, ...)
{
	static __thread char buf[512];
	char *argv[64], *out = NULL;
	va_list ap;
	int rc;

	va_start(ap, e);
	ctl_argv(e, ap, argv);
	va_end(ap);
	if ((rc = t_run(&out, NULL, argv)) == 0)
		snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(out, "\n"),
		    out);
	else
		snprintf(buf, sizeof(buf), "(exit %d)", rc);
	free(out);
	return buf;
}

char t_status_err[1024];

json_t *
t_status(struct t_env *e)
{
	char *out = NULL, *err = NULL;
	json_t *j = NULL;
	int rc = t_ctl(e, &out, &err, "status", "--json", NULL);

	if (rc == 0)
		j = json_loads(out, 0, NULL);
	else
		snprintf(t_status_err, sizeof(t_status_err), "exit %d: %s", rc,
		    err);
	free(out);
	free(err);
	return j;
}

static json_t *
find_named(json_t *arr, const char *name)
{
	json_t *c;
	size_t i;

	json_array_foreach(arr, i, c) {
		const char *n = json_string_value(json_object_get(c, "name"));
		if (n != NULL && strcmp(n, name) == 0)
			return c;
	}
	return NULL;
}

json_t *
t_kid(json_t *status, const char *name)
{
	return find_named(json_object_get(status, "children"), name);
}

json_t *
t_group(json_t *status, const char *name)
{
	return find_named(json_object_get(status, "groups"), name);
}

pid_t
t_pid(struct t_env *e, const char *name)
{
	json_t *s = t_status(e);
	pid_t pid = (pid_t)json_integer_value(json_object_get(t_kid(s, name),
	    "pid"));

	json_decref(s);
	return pid;
}

const char *
t_kid_str(struct t_env *e, const char *name, const char *key)
{
	static __thread char buf[512];
	json_t *s = t_status(e);
	const char *v = json_string_value(json_object_get(t_kid(s, name),
	    key));

	snprintf(buf, sizeof(buf), "%s", v ? v : "");
	json_decref(s);
	return buf;
}

const char *
t_state(struct t_env *e, const char *name)
{
	return t_kid_str(e, name, "state");
}

long
t_restarts(struct t_env *e, const char *name)
{
	json_t *s = t_status(e), *k = t_kid(s, name);
	long r = k ? (long)json_integer_value(json_object_get(k, "restarts"))
		   : -1;

	json_decref(s);
	return r;
}

const char *
t_last_reason(struct t_env *e, const char *name)
{
	static __thread char buf[400];
	json_t *s = t_status(e), *x;

	buf[0] = '\0';
	x = s != NULL ? json_object_get(t_kid(s, name), "last_exit") : NULL;
	if (json_is_object(x))
		snprintf(buf, sizeof(buf), "%s", json_string_value(
		    json_object_get(x, "reason")));
	json_decref(s);
	return buf;
}

int
t_history_count(struct t_env *e, const char *name, const char *event)
{
	char *out = NULL;
	json_t *rows, *r;
	size_t i;
	int n = -1;

	if (t_ctl(e, &out, NULL, "history", name, "--json", NULL) == 0 &&
	    (rows = json_loads(out, 0, NULL)) != NULL) {
		n = 0;
		json_array_foreach(rows, i, r) {
			const char *ev = json_string_value(json_object_get(r,
			    "event"));
			n += ev != NULL && strcmp(ev, event) == 0;
		}
		json_decref(rows);
	}
	free(out);
	return n;
}

json_t *
t_history(struct t_env *e, const char *name)
{
	char *out = NULL;
	json_t *rows = NULL;
	int rc = name != NULL ?
	    t_ctl(e, &out, NULL, "history", name, "--json", NULL) :
	    t_ctl(e, &out, NULL, "history", "--json", NULL);

	if (rc == 0 && (rows = json_loads(out, 0, NULL)) != NULL &&
	    !json_is_array(rows)) {
		json_decref(rows);
		rows = NULL;
	}
	free(out);
	return rows;
}

const char *
t_row_str(json_t *row, const char *key)
{
	const char *v = json_string_value(json_object_get(row, key));

	return v != NULL ? v : "";
}

/* Whether row is about name (NULL: any) and is event (NULL: any). */
static bool
row_is(json_t *row, const char *name, const char *event)
{
	return (name == NULL || strcmp(t_row_str(row, "name"), name) == 0) &&
	    (event == NULL || strcmp(t_row_str(row, "event"), event) == 0);
}

int
t_rows_count(json_t *rows, const char *name, const char *event,
    const char *reason)
{
	json_t *r;
	size_t i;
	int n = 0;

	json_array_foreach(rows, i, r)
		n += row_is(r, name, event) && (reason == NULL ||
		    strstr(t_row_str(r, "reason"), reason) != NULL);
	return n;
}

int
t_history_with(struct t_env *e, const char *name, const char *event,
    const char *reason)
{
	json_t *rows = t_history(e, name);
	int n = rows != NULL ? t_rows_count(rows, name, event, reason) : -1;

	json_decref(rows);
	return n;
}

json_t *
t_row_last(json_t *rows, const char *name, const char *event)
{
	json_t *r, *last = NULL;
	size_t i;

	json_array_foreach(rows, i, r)
		if (row_is(r, name, event))
			last = r;
	return last;
}

const char *
t_rows_names(json_t *rows, const char *event, char *buf, size_t n)
{
	json_t *r;
	size_t i, o = 0;

	buf[0] = '\0';
	json_array_foreach(rows, i, r)
		if (row_is(r, NULL, event) && o < n)
			o += (size_t)snprintf(buf + o, n - o, "%s%s",
			    o > 0 ? " " : "", t_row_str(r, "name"));
	return buf;
}

/* Reads what the events reader wrote since. */
static void
events_read(struct t_events *ev)
{
	char buf[65536];
	ssize_t n;

	while ((n = read(ev->fd, buf, sizeof(buf))) > 0) {
		ev->seen = realloc(ev->seen, ev->len + (size_t)n + 1);
		memcpy(ev->seen + ev->len, buf, (size_t)n);
		ev->len += (size_t)n;
		ev->seen[ev->len] = '\0';
	}
}

void
t_events_start(struct t_env *e, struct t_events *ev, const char *sync)
{
	int fds[2];

	memset(ev, 0, sizeof(*ev));
	cr_assert(pipe(fds) == 0);
	ev->pid = fork();
	cr_assert(ev->pid >= 0);
	if (ev->pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(fds[1], 1);
		dup2(null, 2);
		close(fds[0]);
		/* Found and killed by the teardown if the test fails. */
		setenv("SUP_TEST_DIR", e->dir, 1);
		execl(T_BIN("supctl"), "supctl", "-r", e->run, "events",
		    "--json", (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	ev->fd = fds[0];
	fcntl(ev->fd, F_SETFL, O_NONBLOCK);
	cr_assert(T_WAIT((t_ctl(e, NULL, NULL, "signal", sync, "CONT", NULL),
	    t_sleep_ms(50), t_events_count(ev, NULL, "ctl.signal", "signal",
	    "CONT") > 0), T_WAIT_MS), "supctl events saw nothing: %s",
	    ev->seen ? ev->seen : "");
}

/* Whether field key of an event's fields reads value (a number as text). */
static bool
field_is(json_t *fields, const char *key, const char *value)
{
	json_t *f = json_object_get(fields, key);
	char num[32];

	if (json_is_integer(f)) {
		snprintf(num, sizeof(num), "%lld",
		    (long long)json_integer_value(f));
		return strcmp(num, value) == 0;
	}
	return json_is_string(f) && strcmp(json_string_value(f), value) == 0;
}

int
t_events_count(struct t_events *ev, const char *name, const char *event,
    const char *key, const char *value)
{
	char *copy, *save = NULL;
	int n = 0;

	events_read(ev);
	if (ev->seen == NULL)
		return 0;
	copy = strdup(ev->seen);
	for (char *l = strtok_r(copy, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		json_t *j = json_loads(l, 0, NULL);
		if (j == NULL)
			continue; /* a line not yet whole */
		n += row_is(j, name, event) && (key == NULL ||
		    field_is(json_object_get(j, "fields"), key, value));
		json_decref(j);
	}
	free(copy);
	return n;
}

void
t_events_stop(struct t_events *ev)
{
	if (ev->pid > 0) {
		kill(ev->pid, SIGTERM);
		waitpid(ev->pid, NULL, 0);
	}
	close(ev->fd);
	free(ev->seen);
	memset(ev, 0, sizeof(*ev));
}

void
t_kill(pid_t pid, int sig)
{
	cr_assert(pid > 1, "no such process to signal: pid %d", (int)pid);
	kill(pid, sig);
}

bool
t_pid_alive(pid_t pid)
{
	char path[64], buf[512];
	FILE *f;
	char *p;

	if (pid <= 0 || kill(pid, 0) != 0)
		return false;
	/* A zombie is not alive. */
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return false;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return false;
	return p[2] != 'Z' && p[2] != 'X';
}

char *
t_read(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t cap = 0, len = 0, r;

	if (f == NULL)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			buf = realloc(buf, cap);
		}
		r = fread(buf + len, 1, 4096, f);
		len += r;
	} while (r > 0);
	fclose(f);
	buf[len] = '\0';
	return buf;
}

char **
t_lines(const char *path, int *n)
{
	char *text = t_read(path), **v, *save = NULL;
	int cap = 16;

	*n = 0;
	v = calloc((size_t)cap, sizeof(*v));
	if (text == NULL)
		return v;
	for (char *l = strtok_r(text, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		if (*n + 1 >= cap)
			v = realloc(v, (size_t)(cap *= 2) * sizeof(*v));
		v[(*n)++] = strdup(l);
	}
	v[*n] = NULL;
	free(text);
	return v;
}

void
t_lines_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static bool
environ_has(pid_t pid, const char *kv)
{
	char path[64], buf[65536];
	size_t klen = strlen(kv);
	bool prefix = klen > 0 && kv[klen - 1] == '*';
	ssize_t len;
	int fd;

	if (prefix)
		klen--;
	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	for (char *p = buf; p < buf + len; p += strlen(p) + 1)
		if (strncmp(p, kv, klen) == 0 && (prefix || p[klen] == '\0'))
			return true;
	return false;
}

bool
t_proc_env(pid_t pid, const char *key, char *out, size_t n)
{
	char path[64], buf[65536];
	size_t klen = strlen(key);
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	if ((fd = open(path, O_RDONLY)) < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	for (char *p = buf; p < buf + len; p += strlen(p) + 1)
		if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
			snprintf(out, n, "%s", p + klen + 1);
			return true;
		}
	return false;
}

int
t_procs_with_env(const char *kv, pid_t *out, int cap)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL && n < cap) {
		pid_t pid = (pid_t)atoi(de->d_name);
		if (pid > 0 && pid != getpid() && t_pid_alive(pid) &&
		    environ_has(pid, kv))
			out[n++] = pid;
	}
	closedir(d);
	return n;
}

bool
t_sig_in(pid_t pid, const char *field, int sig)
{
	char path[64], *text, *p;
	unsigned long long mask = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((text = t_read(path)) != NULL && (p = strstr(text, field)) != NULL)
		mask = strtoull(p + strlen(field), NULL, 16);
	free(text);
	return (mask >> (sig - 1)) & 1;
}

bool
t_handles(pid_t pid, int sig)
{
	return t_sig_in(pid, "SigCgt:", sig) || t_sig_in(pid, "SigIgn:", sig) ||
	    t_sig_in(pid, "SigBlk:", sig); /* held for a signalfd */
}

void
t_wait_handles(struct t_env *e, const char *name, int sig)
{
	cr_assert(T_WAIT(t_handles(t_pid(e, name), sig), T_WAIT_MS),
	    "%s does not handle signal %d", name, sig);
}

pid_t
t_spawn_io(char *const argv[], int *to, int *from)
{
	int in[2], out[2];
	pid_t p;

	cr_assert(pipe(in) == 0 && pipe(out) == 0);
	cr_assert((p = fork()) >= 0);
	if (p == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execv(argv[0], argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	*to = in[1];
	*from = out[0];
	return p;
}

pid_t
t_ctl_bg(struct t_env *e, const char *verb, const char *name)
{
	pid_t p = fork();

	cr_assert(p >= 0);
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		execl(T_BIN("supctl"), "supctl", "-r", e->run, verb, name,
		    (char *)NULL);
		_exit(127);
	}
	return p;
}
