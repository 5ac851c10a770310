/*
 * supervisor/spawn.h — starting a process: clone(CLONE_VM|CLONE_VFORK) +
 * exec, with the child's whole setup done between the two.
 */
#ifndef SUPD_SPAWN_H
#define SUPD_SPAWN_H

#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "sup/err.h"

#define SPAWN_LISTEN_MAX 16 /* listening sockets a child gets at most */

struct spawn_req {
	const char *path;	  /* borrowed: the executable */
	char *const *argv;	  /* borrowed */
	char *const *envp;	  /* borrowed */
	const char *dir;	  /* borrowed: chdir here (as the user), or NULL */
	mode_t umask;
	bool set_user;
	uid_t uid;
	gid_t gid;
	const gid_t *groups;	  /* borrowed: supplementary groups */
	int ngroups;
	int fd_in, fd_out, fd_err; /* become 0, 1, 2; -1 keeps supd's */
	int pid_fd;		  /* the child writes its pid here first, at
				     pid_off (spawnfile.h); -1: not */
	off_t pid_off;
	char *pid_env[2];	  /* borrowed: values of envp strings
				     (LISTEN_PID=, WATCHDOG_PID=) the child
				     sets to its own pid, in decimal with a
				     NUL, room for SPAWN_PID_ENV_MAX bytes;
				     NULL: none */
	bool die_with_supd;	  /* SIGKILL when supd dies (a health probe:
				     nobody would reap or time it out) */
	const sigset_t *reset;	  /* borrowed: dispositions to reset */
	const struct rlimit *nofile; /* borrowed: the child's, or NULL */
	const int *listen;	  /* borrowed: nlisten sockets, become 3.. */
	int nlisten;		  /* at most CFG_LISTEN_MAX */
	const int *cgroup;	  /* borrowed: ncgroup fds of cgroup.procs
				     files the child joins first */
	int ncgroup;
};

#define SPAWN_PID_ENV_MAX 12 /* a pid in decimal, and its NUL */

/* Where a child failed before exec. */
enum {
	SPAWN_STEP_EXEC,
	SPAWN_STEP_PGID,
	SPAWN_STEP_DIR,
	SPAWN_STEP_USER,
	SPAWN_STEP_FDS,
	SPAWN_STEP_CGROUP,
};

/*
 * Starts r. The child joins r->cgroup, gets its own process group, an
 * empty signal mask, default dispositions for the signals in r->reset, r's umask, user, then
 * directory (entered as that user), fds 0-2, r->listen as 3, 4, ... (and
 * its own pid in r->pid_env), and no other fd; then it execs. Returns SUP_OK with *pid
 * when a process exists: if its setup or exec failed, *exec_errno says why
 * (else 0), *step where (SPAWN_STEP_*), and the process exits 127 at once. SUP_ESYS|errno when no process could
 * be made. Only async-signal-safe calls run in the child; the parent is
 * suspended until the child has exec'd or exited.
 */
sup_err spawn_run(const struct spawn_req *r, pid_t *pid, int *exec_errno,
    int *step);

#endif
