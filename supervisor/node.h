/*
 * supervisor/node.h — a node of the supervision tree: a group (an OTP
 * supervisor) or a worker (one per instance of a pool).
 *
 * A node's life is its state (enum node_state), what its group is to do
 * with it next (enum node_pending, one at a time) and whether it should
 * run at all (enum node_hold). The engine (engine.h) alone changes those;
 * the rest of supd reads them. The process side of a worker (pid, pidfd,
 * spawn id, what it said of itself) is kept here too, and changed by
 * child.c and recover.c only.
 */
#ifndef SUPD_NODE_H
#define SUPD_NODE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "restart.h"
#include "shared/config.h"

struct engine;

enum node_state {
	NS_STOPPED,  /* not running (never started, stopped, or exited) */
	NS_STARTING, /* spawned (a group: starting its children), not ready */
	NS_RUNNING,  /* ready */
	NS_BACKOFF,  /* waiting for its restart delay */
	NS_STOPPING, /* stop signal sent (a group: stopping its children) */
	NS_FAILED,   /* root gave up with on_give_up = stay */
};

/*
 * What the node's group is to do with it next. A stop comes before a
 * start; a stop asked for stays pending while it is carried out
 * (NS_STOPPING), so that an exit meanwhile is a stop, not a failure.
 * A restart is a start that counts in restarts and in the intensity.
 */
enum node_pending {
	PEND_NONE,
	PEND_START,	   /* start it */
	PEND_RESTART,	   /* start it again after a failure */
	PEND_STOP,	   /* stop it */
	PEND_STOP_START,   /* stop it, then start it (supctl restart) */
	PEND_STOP_RESTART, /* stop it, then start it again (a strategy) */
};

/* Whether a node should run when its group runs. */
enum node_hold {
	HOLD_NONE,	/* it should */
	HOLD_STOPPED,	/* supctl stopped it: it stays stopped */
	HOLD_DONE,	/* its job is over: a temporary child that ended, or a
			 * transient one that exited normally */
	HOLD_IGNORED,	/* it said ignore (OTP's init returning ignore): kept,
			 * not restarted, started again with its group */
};

/* How a worker's process ended, for the engine. */
enum child_exit { EXIT_ABNORMAL, EXIT_NORMAL, EXIT_IGNORE };

/* Why supd SIGKILLed a worker, for its exit reason. */
enum node_killed {
	KILLED_NOT,
	KILLED_START_TIMEOUT, /* not ready within start_timeout */
	KILLED_SHUTDOWN,      /* still there after its shutdown timeout */
};

/* Why supd stops a running worker as a failure: it is alive but hung
 * (watchdog.c, health.c); its exit then restarts it as a failure. */
enum node_hung {
	HUNG_NOT,
	HUNG_WATCHDOG,	/* no WATCHDOG=1 within its interval */
	HUNG_HEALTH,	/* its health probe failed health_retries times */
	HUNG_MEMORY,	/* its cgroup grew past memory_restart */
};

/* What decided a pending start, for its history record (child.c). */
enum node_cause {
	CAUSE_NONE,
	CAUSE_FAILED,	       /* it failed: its own restart */
	CAUSE_SIBLING,	       /* its group's strategy, after cause_by failed */
	CAUSE_GROUP_RESTART,   /* its group was restarted by cause_by */
	CAUSE_USER_START,      /* supctl start */
	CAUSE_USER_RESTART,    /* supctl restart */
	CAUSE_CONFIG_CHANGED,  /* its config changed while supd was down */
	CAUSE_RELOAD,	       /* a reload changed what it runs */
};

struct exit_info {
	bool valid;
	bool has_code;	   /* exited (code) or killed (signal) */
	bool start_timeout; /* killed by supd: not ready in start_timeout */
	enum node_hung hung; /* stopped by supd: hung (watchdog, health) */
	int code;
	int sig;
	int64_t at_ms;	   /* wall clock */
	char reason[320];
};

/* A node's last exit as kept: an exit_info whose reason takes the heap
 * it needs (node_exit_set), not 320 bytes in every node. */
struct node_exit {
	bool valid;
	bool has_code;
	bool start_timeout;
	enum node_hung hung;
	int code;
	int sig;
	int64_t at_ms;
	char *reason;	   /* owned; NULL: none (out of memory) */
};

/* Why supd restarted a worker, as the metrics count it (reasons.c). */
enum restart_reason {
	RR_EXIT,	  /* it exited (any status) */
	RR_SIGNAL,	  /* a signal killed it (not supd's start timeout) */
	RR_START_TIMEOUT, /* not ready within start_timeout */
	RR_SIBLING,	  /* its group's strategy, after a sibling failed */
	RR_GROUP,	  /* its group was restarted */
	RR_OTHER,	  /* no exit status: a failed spawn, an adopted child */
	RR_WATCHDOG,	  /* supd stopped it: no WATCHDOG=1 in time */
	RR_HEALTH,	  /* supd stopped it: its health probe failed */
	RR_MEMORY,	  /* supd stopped it: past memory_restart */
	RR_COUNT
};

/* What a node's database row holds, to see whether it changed. */
struct node_snap {
	int state;
	unsigned flags;
	uint64_t spawn_id;
	int64_t pid, pid_start, restarts, backoff_step, not_before, exit_at;
	int win_n, win_head;
	int64_t win_last;
};

#define STATUS_TEXT_MAX 255

struct supd_node {
	char *name;			/* owned: "kv", "pool.3", "backend" */
	bool is_group;
	struct supd_node *parent;	/* borrowed: NULL for root */
	int index;			/* in parent->kids */
	int order;			/* in the tree's preorder (supd.nodes) */
	const struct cfg_worker *w;	/* borrowed: config; workers only */
	const struct cfg_group *g;	/* borrowed: config; groups only */
	const struct cfg_backoff *backoff; /* borrowed: w's or g's */
	int instance;			/* pool instance, or -1 */
	struct supd_node **kids;	/* owned array, borrowed nodes; groups */
	int nkids;

	/* --- the engine's --- */
	enum node_state state;
	enum node_pending pending;
	enum node_hold hold;
	enum node_killed killed;	/* worker: since its last spawn */
	enum node_hung hung;		/* worker: since its last spawn */
	enum node_cause cause;		/* of the pending start */
	const struct supd_node *cause_by; /* borrowed: see enum node_cause */
	bool dirty;			/* group: needs a step */
	uint64_t *work;			/* group: the kids that may have work, a
					 * pending step or a stop under way
					 * (kidset.h; a superset); the engine's */
	unsigned start_gen;		/* group: its starts so far */
	int start_next;			/* group: the kids before this one are
					 * started, in its start under way */
	unsigned ready_gen;		/* its group's start_gen when it was
					 * last ready: it started in that start */
	struct engine *eng;		/* borrowed: the engine that runs it */
	bool touched;			/* in eng's touched list (engine.h) */
	struct supd_node *next_group;	/* group: the next to step */
	bool giving_up;			/* group: stopping to fail in its parent */
	bool auto_ending;		/* group: stopping to end (auto_shutdown) */
	int64_t started_ns;		/* spawn (worker) or start (group), mono */
	int64_t ready_ns;		/* reached running, mono; 0 if not */
	int64_t deadline_ns;		/* start, kill or backoff deadline; 0: none */
	int64_t not_before_ns;		/* backoff: no start before this */
	unsigned restarts;
	unsigned backoff_step;
	struct rst_window window;	/* group: recent restarts; the first
					 * instance of a pool: the pool's */
	struct node_exit last;		/* its last exit (node_exit_set) */

	/* --- the process of a worker (child.c, recover.c) --- */
	pid_t pid;		/* 0 when no process (set: tree_pid_set) */
	struct supd_node *pid_next; /* in the same pid bucket (tree.c) */
	int64_t pid_start;	/* its start, boot clock ms (proc_same) */
	int pidfd;		/* adopted worker: watched here; else -1 */
	int logr[2];		/* read ends of its stdout and stderr pipes,
				 * kept while it runs for the log holder to
				 * be handed again (logholder.h); -1: none */
	bool log_sent;		/* the holder we talk to has them */
	bool adopted;		/* pid is not our child: no wait status */
	int exec_errno;		/* this spawn failed before exec */
	int exec_step;		/* at which step (SPAWN_STEP_*) */
	uint64_t spawn_id;
	int spawn_slot;		/* its record in RUN/spawn.tab + 1; 0: none */
	int64_t spawned_real_ms; /* wall clock of the spawn */
	char config_hash[17];	/* of its config (restart if changed) */
	char *status_text;	/* last STATUS= line (owned, at most
				 * STATUS_TEXT_MAX bytes); NULL: none */
	char sup_status[16];	/* libsup: initializing, ready, degraded */
	uint64_t events_seq;	/* supd's events about it (events.c) */
	uint32_t ev_dialer;	/* the dialer of its telemetry; 0: none */
	/* Its restarts by reason since this supd started: memory only,
	 * a Prometheus counter (reasons.c). */
	unsigned long restarts_by[RR_COUNT];
	/* Its resident memory as status last read it (ctl_json.c). */
	long long rss_kb;
	int64_t rss_ns;		/* when (monotonic); 0: never */
	pid_t rss_pid;		/* of which process */

	/* --- hung is not alive (watchdog.c, health.c) --- */
	int64_t wd_ns;		/* the watchdog interval in force; 0: none */
	int64_t wd_due_ns;	/* hung unless fed before; 0: not armed */
	pid_t wd_pid;		/* the process wd_* are about */
	uint64_t wd_spawn;
	bool wd_triggered;	/* it sent WATCHDOG=trigger */
	struct health *health;	/* owned: its probe (health.c); NULL: none */
	struct cgchild *cg;	/* owned: its cgroup (cgroup_child.c); NULL:
				 * none */

	/* --- recovery and persistence --- */
	struct node_snap saved;	/* as last committed to the database */
	bool restored;		/* had a row in the database */
	bool lost_while_down;	/* recorded alive, gone when supd came back */
	bool reload_restart;	/* a reload changed what it runs (reload.c) */
};

/* The pending work that stops (first), starts, and counts a restart. */
static inline enum node_pending
node_pending_make(bool stop, bool start, bool restart)
{
	if (!start)
		return stop ? PEND_STOP : PEND_NONE;
	if (stop)
		return restart ? PEND_STOP_RESTART : PEND_STOP_START;
	return restart ? PEND_RESTART : PEND_START;
}

/* Whether the group is to start n: alone, or after stopping it. */
static inline bool
node_pending_start(const struct supd_node *n)
{
	return n->pending == PEND_START || n->pending == PEND_RESTART ||
	    n->pending == PEND_STOP_START || n->pending == PEND_STOP_RESTART;
}

/* Whether a stop of n was asked for and is not over. */
static inline bool
node_pending_stop(const struct supd_node *n)
{
	return n->pending == PEND_STOP || n->pending == PEND_STOP_START ||
	    n->pending == PEND_STOP_RESTART;
}

/* Whether the pending start counts as a restart. */
static inline bool
node_pending_restart(const struct supd_node *n)
{
	return n->pending == PEND_RESTART || n->pending == PEND_STOP_RESTART;
}

/* Whether n has (or is about to have, or just lost) a running process or
 * running children. */
static inline bool
node_alive(const struct supd_node *n)
{
	return n->state == NS_STARTING || n->state == NS_RUNNING ||
	    n->state == NS_STOPPING;
}

const char *node_state_name(enum node_state s);
/* n's last exit is x, its reason copied (tree.c). */
void node_exit_set(struct supd_node *n, const struct exit_info *x);

/* The reason of n's last exit, else none. */
static inline const char *
node_exit_reason(const struct supd_node *n, const char *none)
{
	return n->last.valid && n->last.reason != NULL ? n->last.reason : none;
}

#endif
