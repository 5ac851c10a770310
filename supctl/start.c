/*
 * supctl/start.c — supctl start and stop of supd itself.
 *
 * start: checks the config as supd will (so errors show on the terminal,
 * with nothing started), then runs supd in its own session with its log
 * in RUN/supd.log and a pipe as --ready-fd, and returns once supd writes
 * "ready" (root is up) — or prints the end of the log if supd died.
 * A no-op when a supd already holds the run dir's lock.
 *
 * stop: asks supd to shut down, then waits for the process itself to be
 * gone (a pidfd polls readable when it exits): when supctl stop returns 0,
 * supd and every child are gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/dur.h"
#include "shared/config.h"
#include "common/rundir.h"
#include "supctl.h"

#define START_TIMEOUT_MS 90000
#define STOP_TIMEOUT_MS 600000

/* supd beside this supctl (a build tree, an install), else from PATH. */
static void
supd_path(char *buf, size_t n)
{
	char self[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (len > 0) {
		self[len] = '\0';
		if ((slash = strrchr(self, '/')) != NULL &&
		    (size_t)(slash - self) + 6 <= n) {
			memcpy(buf, self, (size_t)(slash - self));
			strcpy(buf + (slash - self), "/supd");
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, n, "supd");
}

/*
 * Checks the config as supd will. supd runs on the config's run_dir,
 * so that is the one to use here too, whatever -r or $SUP_RUN_DIR say;
 * an explicit -r that disagrees is an error.
 */
static bool
config_check(struct ctl_opts *o)
{
	struct cfg_errors errs;
	struct sup_config *c;

	if (cfg_load(o->config, NULL, CFG_CHECK_SYSTEM, &c, &errs) != SUP_OK) {
		for (int i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		ctl_say("%d error%s in %s; supd not started", errs.n,
		    errs.n == 1 ? "" : "s", o->config);
		cfg_errors_fini(&errs);
		return false;
	}
	if (o->run_dir_arg != NULL && strcmp(o->run_dir, c->run_dir) != 0) {
		ctl_say("-r %s is not the run dir of %s (%s)", o->run_dir,
		    o->config, c->run_dir);
		cfg_free(c);
		return false;
	}
	free(o->run_dir);
	o->run_dir = strdup(c->run_dir);
	cfg_free(c);
	return true;
}

/* In the forked child: become supd, detached, logging to RUN/supd.log. */
static void
supd_exec(struct ctl_opts *o, int ready_w, const char *exe)
{
	char fdarg[16];
	int fd;

	setsid();
	fd = rundir_openat(&o->run, RUN_SUPD_LOG, NULL, O_WRONLY | O_APPEND |
	    O_CREAT, 0600);
	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	fd = open("/dev/null", O_RDONLY); /* not under RUN */
	if (fd >= 0)
		dup2(fd, 0);
	/* A daemon keeps none of its starter's files (a pipe held open
	 * would keep whoever reads it waiting). */
	if (ready_w != 3) {
		dup2(ready_w, 3);
		ready_w = 3;
	}
	syscall(SYS_close_range, 4U, ~0U, 0U);
	snprintf(fdarg, sizeof(fdarg), "%d", ready_w);
	execl(exe, "supd", "-c", o->config, "--ready-fd", fdarg, (char *)NULL);
	fprintf(stderr, "supctl: cannot exec %s: %s\n", exe, strerror(errno));
	_exit(127);
}

static void
log_tail(struct ctl_opts *o)
{
	char path[PATH_MAX], line[1024], *lines[12] = {0};
	int n = 0, fd;
	FILE *f;

	rundir_path(o->run_dir, RUN_SUPD_LOG, NULL, path, sizeof(path));
	fd = rundir_openat(&o->run, RUN_SUPD_LOG, NULL, O_RDONLY, 0);
	if (fd < 0 || (f = fdopen(fd, "r")) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		free(lines[n % 12]);
		lines[n % 12] = strdup(line);
		n++;
	}
	fclose(f);
	ctl_say("the end of %s:", path);
	for (int i = n > 12 ? n - 12 : 0; i < n; i++)
		fputs(lines[i % 12] ? lines[i % 12] : "", stderr);
	for (int i = 0; i < 12; i++)
		free(lines[i]);
}

/* Reads "ready" from supd, or learns how it died. */
static int
ready_wait(struct ctl_opts *o, int fd, pid_t pid)
{
	int64_t t = o->timeout_ms >= 0 ? o->timeout_ms : START_TIMEOUT_MS;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char buf[16] = "";
	int st, r;

	r = poll(&p, 1, t > INT_MAX ? -1 : (int)t);
	if (r == 0) {
		ctl_say("supd (pid %d) is not ready after %llds; it goes on "
		    "starting (see supctl status)", (int)pid, (long long)t / 1000);
		return PROTO_FAILED;
	}
	if (read(fd, buf, sizeof(buf) - 1) > 0) {
		if (strncmp(buf, "ready", 5) == 0) {
			printf("supd started (pid %d), run dir %s\n",
			    (int)pid, o->run_dir);
			return PROTO_OK;
		}
		ctl_say("supd (pid %d) is up, but its tree gave up while "
		    "starting (on_give_up = stay); see supctl status", (int)pid);
		log_tail(o);
		return PROTO_FAILED;
	}
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 3 &&
	    (pid = ctl_supd_pid(o, false, &r)) > 0) {
		printf("supd is already running (pid %d)\n", (int)pid);
		return PROTO_OK;
	}
	ctl_say("supd exited before it was ready");
	log_tail(o);
	return WIFEXITED(st) && WEXITSTATUS(st) == 2 ? PROTO_USAGE : PROTO_FAILED;
}

int
daemon_start(struct ctl_opts *o)
{
	char exe[PATH_MAX], why[1024];
	pid_t pid, old;
	int fds[2], code;
	sup_err e;

	if (o->config == NULL) {
		ctl_say("start: which config? supctl start -c CONFIG (or "
		    "supctl start NAME for a child)");
		return PROTO_USAGE;
	}
	if (!config_check(o))
		return PROTO_USAGE;
	if ((old = ctl_supd_pid(o, true, &code)) != 0) {
		printf("supd is already running (pid %d)\n", (int)old);
		return PROTO_OK;
	}
	if (code != PROTO_NOT_RUNNING)
		return code;
	/* Made as supd makes it, so that its log can be opened in it;
	 * supd checks it again (and makes it 0711 if it needs). */
	rundir_close(&o->run);
	if ((e = rundir_create(&o->run, o->run_dir, false, why,
	    sizeof(why))) != SUP_OK) {
		ctl_say("run dir %s: %s", o->run_dir, why);
		return PROTO_USAGE;
	}
	supd_path(exe, sizeof(exe));
	if (pipe2(fds, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		ctl_say("cannot start supd: %s", strerror(errno));
		return PROTO_FAILED;
	}
	if (pid == 0) {
		fcntl(fds[1], F_SETFD, 0); /* supd inherits the write end */
		supd_exec(o, fds[1], exe);
	}
	close(fds[1]);
	code = ready_wait(o, fds[0], pid);
	close(fds[0]);
	return code;
}

int
daemon_stop(struct ctl_opts *o)
{
	int64_t t = o->timeout_ms >= 0 ? o->timeout_ms : STOP_TIMEOUT_MS;
	struct pollfd p = {.events = POLLIN};
	sup_err e = SUP_OK;
	json_t *r;
	int code;
	pid_t pid = ctl_supd_pid(o, false, &code);

	if (pid == 0)
		return code;
	/* Watch the process before asking: it may be gone by the reply. */
	p.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p.fd < 0)
		return PROTO_OK;
	r = ctl_request_ex(o, proto_request(PROTO_SHUTDOWN), 10000,
	    &code, &e);
	json_decref(r);
	/* supd may exit before its reply leaves: EDOWN is success here. */
	if (r == NULL && e != SUP_EDOWN) {
		if (e != SUP_OK)
			ctl_say("cannot talk to supd (pid %d): %s", (int)pid,
			    sup_strerror(e));
		close(p.fd);
		return code;
	}
	if (poll(&p, 1, t > INT_MAX ? -1 : (int)t) == 0) {
		ctl_say("supd (pid %d) is still stopping after %llds",
		    (int)pid, (long long)t / 1000);
		close(p.fd);
		return PROTO_FAILED;
	}
	close(p.fd);
	return PROTO_OK;
}
