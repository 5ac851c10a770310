/*
 * supervisor/reap.c — SIGCHLD: collect every exited child.
 *
 * One SIGCHLD may stand for many exits, and signalfd coalesces them: reap
 * with waitpid(-1, WNOHANG) until it returns 0. supd is a child subreaper,
 * so orphans of our children are reparented to us and reaped here too;
 * they are counted and logged, never mistaken for a worker.
 */
#include <errno.h>
#include <sys/wait.h>

#include "child.h"
#include "common/log.h"
#include "common/sig.h"
#include "effects.h"
#include "health.h"
#include "logholder.h"
#include "reap.h"
#include "supd.h"
#include "tree.h"

void
reap_signalled(struct supd *d, pid_t pid)
{
	struct supd_node *n = tree_by_pid(d, pid);
	int status;

	d->reap_due = true;
	/* An adopted child (pidfd) is not ours: its pidfd says it ended. */
	if (n == NULL || n->pidfd >= 0 || waitpid(pid, &status, WNOHANG) !=
	    pid)
		return;
	d->activity = true;
	effects_exited(d, n, child_reaped(d, n, status));
}

void
reap_all(struct supd *d)
{
	struct supd_node *n;
	int status;
	pid_t pid;

	for (;;) {
		pid = waitpid(-1, &status, WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid <= 0)
			return;
		if ((n = tree_by_pid(d, pid)) != NULL) {
			d->activity = true;
			effects_exited(d, n, child_reaped(d, n, status));
			continue;
		}
		/* A probe's end changes the tree only when it makes its
		 * child hung (health.c says so then). */
		if (health_reaped(d, pid, status) || logholder_reaped(d, pid))
			continue;
		d->activity = true; /* counted, for the next commit's sake */
		d->orphans_reaped++;
		log_debug("reaped pid %d, not a child of the tree (an orphan "
		    "reparented to supd), status %#x", (int)pid, status);
	}
}
