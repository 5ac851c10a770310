/*
 * supervisor/spawn.c — clone + exec (spawn.h).
 *
 * clone(CLONE_VM | CLONE_VFORK) is what glibc's posix_spawn uses: the child
 * borrows supd's memory and the parent sleeps until the child execs, so
 * there is no page-table copy (a 30 us start instead of 80 us for fork)
 * and the child can report an exec failure by writing into our memory.
 * posix_spawn itself cannot switch users or set every fd we need.
 *
 * Between clone and exec the child runs on its own small stack, touches no
 * lock, no malloc, no stdio, no nng: write (its cgroups), setpgid,
 * sigaction, umask, raw set*id syscalls (glibc's setuid() would signal
 * all of supd's threads, which share this memory), chdir (after them: as the user), fcntl,
 * dup2, prctl, close_range, sigprocmask, execve.
 *
 * Listening sockets (listen.h) go to 3, 4, ... as systemd passes them:
 * each is first copied above that range (supd's numbers may be anywhere,
 * even in it), then moved down. LISTEN_PID and WATCHDOG_PID, which only
 * the child knows, are written into its environment strings here, in
 * memory the parent lends and does not touch until the exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawn.h"

#define STACK_SIZE (64 * 1024)

/* One spawn at a time (the parent is suspended), so one stack will do. */
static _Alignas(16) char child_stack[STACK_SIZE];

struct ctx {
	const struct spawn_req *r;
	volatile int err;  /* written by the child when it fails */
	volatile int step; /* SPAWN_STEP_* where it failed */
};

static int
fd_setup(int fd, int target)
{
	if (fd < 0 || fd == target)
		return 0;
	return dup2(fd, target) < 0 ? -1 : 0;
}

/* v in decimal at the end of buf; returns where it starts. */
static char *
dec(char *end, long v)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	return p;
}

/* Our pid, in decimal, at offset off of fd: no stdio,
 * async-signal-safe. */
static void
pid_write(int fd, off_t off)
{
	char buf[24], *p = dec(buf + sizeof(buf), (long)syscall(SYS_getpid));

	(void)!pwrite(fd, p, (size_t)(buf + sizeof(buf) - p), off);
}

/* Copies of the listening sockets at 3 + n or above: out of the way of
 * the dup2 to 3.. (rlimit not lowered yet: any number will do). */
static int
listen_lift(const struct spawn_req *r, int *tmp)
{
	for (int i = 0; i < r->nlisten; i++)
		if ((tmp[i] = fcntl(r->listen[i], F_DUPFD_CLOEXEC, 3 +
		    r->nlisten)) < 0)
			return -1;
	return 0;
}

/* Our pid, in decimal, into dst: the memory is supd's (CLONE_VM), which
 * is suspended until we exec (CLONE_VFORK), and execve copies envp. */
/* Our pid, in decimal with its NUL, into dst (SPAWN_PID_ENV_MAX bytes
 * of an environment string the parent lent). */
static void
pid_put(char *dst)
{
	char buf[SPAWN_PID_ENV_MAX], *p = dec(buf + sizeof(buf) - 1,
	    (long)syscall(SYS_getpid));

	buf[sizeof(buf) - 1] = '\0';
	for (size_t i = 0; p + i < buf + sizeof(buf); i++)
		dst[i] = p[i];
}

static int
child_main(void *arg)
{
	struct ctx *c = arg;
	const struct spawn_req *r = c->r;
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	int tmp[SPAWN_LISTEN_MAX];
	sigset_t none;

	/* First, so that a supd killed right now can still find us. */
	if (r->pid_fd >= 0)
		pid_write(r->pid_fd, r->pid_off);
	for (int i = 0; i < 2; i++)
		if (r->pid_env[i] != NULL)
			pid_put(r->pid_env[i]);
	/* "0" is the writer: before anything it runs can fork (and as
	 * supd's user, before the switch). */
	c->step = SPAWN_STEP_CGROUP;
	for (int i = 0; i < r->ncgroup; i++)
		if (write(r->cgroup[i], "0", 1) != 1)
			goto fail;
	c->step = SPAWN_STEP_FDS;
	if (listen_lift(r, tmp) != 0)
		goto fail;
	c->step = SPAWN_STEP_PGID;
	if (setpgid(0, 0) != 0)
		goto fail;
	for (int s = 1; s < NSIG; s++)
		if (r->reset != NULL && sigismember(r->reset, s) == 1)
			sigaction(s, &dfl, NULL);
	/* supd raised its own fd limit (a pidfd per adopted child); a
	 * child gets the one supd was given. */
	if (r->nofile != NULL)
		setrlimit(RLIMIT_NOFILE, r->nofile);
	umask(r->umask);
	c->step = SPAWN_STEP_USER;
	if (r->set_user &&
	    (syscall(SYS_setgroups, (size_t)r->ngroups, r->groups) != 0 ||
		syscall(SYS_setresgid, r->gid, r->gid, r->gid) != 0 ||
		syscall(SYS_setresuid, r->uid, r->uid, r->uid) != 0))
		goto fail;
	/* As the user: a directory it may not enter is an error, not
	 * something root does for it. */
	c->step = SPAWN_STEP_DIR;
	if (r->dir != NULL && chdir(r->dir) != 0)
		goto fail;
	c->step = SPAWN_STEP_FDS;
	if (fd_setup(r->fd_in, 0) || fd_setup(r->fd_out, 1) ||
	    fd_setup(r->fd_err, 2))
		goto fail;
	/* dup2 leaves the new fd open across exec, as the protocol wants. */
	for (int i = 0; i < r->nlisten; i++)
		if (dup2(tmp[i], 3 + i) < 0)
			goto fail;
	c->step = SPAWN_STEP_EXEC;
	/* After the identity switch, which would clear it. A supd that died
	 * meanwhile cannot be seen here (we would be reparented): the
	 * window is the few instructions before the call. */
	if (r->die_with_supd)
		syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L);
	/* Ours are all close-on-exec; this also catches inherited ones. */
	syscall(SYS_close_range, 3U + (unsigned)r->nlisten, ~0U, 0U);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve(r->path, r->argv, r->envp);
fail:
	c->err = errno;
	_exit(127);
}

sup_err
spawn_run(const struct spawn_req *r, pid_t *pid, int *exec_errno, int *step)
{
	struct ctx c = {.r = r, .err = 0, .step = SPAWN_STEP_EXEC};
	pid_t p;

	p = clone(child_main, child_stack + STACK_SIZE,
	    CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	if (p < 0)
		return SUP_ESYS | errno;
	*pid = p;
	*exec_errno = c.err;
	*step = c.step;
	return SUP_OK;
}
