/*
 * supervisor/supd.h — supd's state: the supervision tree and the daemon.
 *
 * The tree is made of nodes: groups (supervisors) and workers (one node
 * per instance of a pool). A node's life is its state (enum node_state)
 * plus a few intentions (pending_start, pending_stop) that its group
 * carries out in order: stops first, last child first, one at a time;
 * then starts, first child first, each after the previous is ready.
 *
 * Nothing reacts recursively. An event (an exit, a readiness message, a
 * timer, a control request) changes a node and marks its group dirty;
 * engine_settle() then steps dirty groups until nothing changes. Every
 * rule of DESIGN.md section 3 lives in engine.c (groups, strategies,
 * intensity) and child.c (a worker process: spawn, stop, exit, deadlines).
 */
#ifndef SUPD_SUPD_H
#define SUPD_SUPD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "common/rundir.h"
#include "shared/config.h"
#include "restart.h"
#include "state/state.h"

enum node_state {
	NS_STOPPED,  /* not running (never started, stopped, or exited) */
	NS_STARTING, /* spawned (a group: starting its children), not ready */
	NS_RUNNING,  /* ready */
	NS_BACKOFF,  /* waiting for its restart delay */
	NS_STOPPING, /* stop signal sent (a group: stopping its children) */
	NS_FAILED,   /* root gave up with on_give_up = stay */
};

struct exit_info {
	bool valid;
	bool has_code;	   /* exited (code) or killed (signal) */
	int code;
	int sig;
	int64_t at_ms;	   /* wall clock */
	char reason[160];
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

struct supd_node {
	char *name;			/* owned: "kv", "pool.3", "backend" */
	bool is_group;
	struct supd_node *parent;	/* borrowed: NULL for root */
	int index;			/* in parent->kids */
	const struct cfg_worker *w;	/* borrowed: config; workers only */
	const struct cfg_group *g;	/* borrowed: config; groups only */
	const struct cfg_backoff *backoff; /* borrowed: w's or g's */
	int instance;			/* pool instance, or -1 */

	enum node_state state;
	bool pending_start;	/* its group should start it */
	bool pending_stop;	/* its group should stop it */
	bool is_restart;	/* the pending start is a restart (counts) */
	bool user_stopped;	/* supctl stopped it: stays stopped */
	bool done;		/* temporary exited, or transient exited 0 */
	bool dirty;		/* group: needs a step */
	bool giving_up;		/* group: stopping to fail in its parent */
	bool start_timed_out;	/* worker: SIGKILLed for start_timeout */
	bool shutdown_killed;	/* worker: SIGKILLed after shutdown */
	int exec_errno;		/* worker: this spawn failed before exec */
	int exec_step;		/* worker: at which step (SPAWN_STEP_*) */

	pid_t pid;		/* worker: 0 when no process */
	int64_t pid_start;	/* its start, boot clock ms (proc_same) */
	int pidfd;		/* adopted worker: watched here; else -1 */
	bool adopted;		/* pid is not our child: no wait status */
	uint64_t spawn_id;
	int64_t spawned_real_ms; /* wall clock of the spawn */
	char config_hash[17];	/* worker: of its config (restart if changed) */
	char cause[160];	/* what decided the pending (re)start */
	struct node_snap saved;	/* as last committed to the database */
	uint64_t events_seq;	/* supd's events about it (events.c) */
	uint32_t ev_dialer;	/* the dialer of its telemetry; 0: none */
	bool restored;		/* had a row in the database */
	bool spawn_is_restart;	/* the spawn under way counts as a restart */
	int order;		/* index in supd.nodes */
	bool lost_while_down;	/* recorded alive, gone when supd came back */
	int64_t started_ns;	/* spawn (worker) or start (group), mono */
	int64_t ready_ns;	/* reached running, mono; 0 if not */
	int64_t deadline_ns;	/* start, kill or backoff deadline; 0: none */
	int64_t not_before_ns;	/* backoff: no start before this */
	unsigned restarts;
	unsigned backoff_step;
	struct exit_info last;
	char status_text[256];	/* last STATUS= line */
	char sup_status[16];	/* libsup: initializing, ready, degraded */

	struct supd_node **kids; /* owned array, borrowed nodes; groups */
	int nkids;
	struct rst_window window; /* group: recent restarts */
};

struct ipc_server;
struct supd_waiter;

/* A worker's environment, but for its SUP_* variables (child.c). */
struct env_tail {
	const struct cfg_worker *w; /* borrowed */
	char **v;		    /* owned, strings too */
};
struct st_db;
struct ghost;

#define PERSIST_MAX_EVENTS 128

/* A history event waiting for the next commit (strings owned here). */
struct persist_ev {
	char name[CFG_NAME_MAX + 16];
	char event[16];
	char reason[160];
	char decided_by[128];
	struct st_event ev;	/* its strings point into the above */
};

struct supd {
	struct sup_config *cfg;	  /* owned */
	const char *cfg_path;	  /* borrowed: argv */
	char *cfg_abs;		  /* owned: absolute path of the config */
	struct supd_node *root;	  /* borrowed: nodes[0] */
	struct supd_node **nodes; /* owned: every node, tree preorder */
	int nnodes;
	struct supd_node **by_name; /* owned: index by name (tree.c) */
	size_t by_name_cap;

	struct rundir run;	  /* RUN and its directories, held open */
	int epfd, sigfd, timerfd, notifyfd, lockfd, devnullfd;
	int seq_fd;		  /* RUN/spawn.seq, kept open (spawnfile.c) */
	int ready_fd;		  /* --ready-fd: written once root is ready */
	int nworkers;		  /* worker nodes (pool instances counted) */
	struct env_tail *tails;	  /* owned: one per worker config */
	int ntails;
	sigset_t reset_sigs;	  /* dispositions children must reset */
	struct rlimit nofile;	  /* the fd limit supd got, for children */
	struct ipc_server *ctl;	  /* owned */
	struct ipc_sub *events_in; /* owned: workers' telemetry, while
				    * someone subscribes to RUN/events */
	int events_subs_fd;	  /* eventfd: subscribers came or went */
	int64_t timer_armed_ns;	  /* what timerfd is set to; 0: disarmed */
	int64_t flush_due_ns;	  /* the next batch commit; 0: none */
	int64_t reopen_ns;	  /* no database: not tried again before */
	bool activity;		  /* this loop turn may have changed the tree */

	int64_t start_ns, start_real_ms;
	uint64_t spawn_seq;
	uint64_t rng;		  /* xorshift state for backoff jitter */
	bool shutting_down;
	bool announced;		  /* supd.ready logged, ready_fd written */
	bool quit;
	int exit_code;
	unsigned long bad_requests, refused_requests;
	unsigned long lost_replies;  /* control replies nng could not deliver */
	unsigned long orphans_reaped; /* processes reaped that were not ours */
	unsigned long bad_events; /* telemetry lines refused (relay.h) */

	struct st_db *db;	  /* owned; NULL: no database */
	bool persisting;	  /* the last write (or the open) worked */
	char persist_why[640];	  /* why not, for status */
	struct persist_ev events[PERSIST_MAX_EVENTS]; /* queued history */
	int nevents;
	unsigned long events_lost;
	bool recovering;	  /* first start after reading the database */
	int adopted;		  /* children adopted from a previous supd */
	bool fresh_db;		  /* the database had nothing to recover */
	bool recovered;		  /* took over the tree of a supd that died */
	struct ghost *ghosts;	  /* owned: removed from the config, stopping */
	int nghosts;
	char **removed;		  /* owned: rows to delete at the next flush */
	int nremoved;
	bool removed_dirty;
	struct supd_waiter *waiters; /* owned list: deferred ctl replies */
	char notify_addr[108];	  /* NOTIFY_SOCKET value given to children */
};

/* --- tree.c: building and looking up nodes --- */

/* Builds d->root and d->nodes from d->cfg. Returns SUP_ENOMEM or SUP_OK. */
sup_err tree_build(struct supd *d);
void tree_free(struct supd *d);
struct supd_node *tree_find(struct supd *d, const char *name);
struct supd_node *tree_by_pid(struct supd *d, pid_t pid);
/*
 * Resolves a name a user typed: a node, or every instance of a pool
 * ("kv" for kv.0 ... kv.N-1). Fills out (capacity cap) and returns how
 * many; 0 when nothing matches.
 */
int tree_resolve(struct supd *d, const char *name, struct supd_node **out,
    int cap);
/* The closest existing name to a mistyped one, or NULL. */
const char *tree_suggest(struct supd *d, const char *name);
/* True when a is n or one of n's ancestors. */
bool tree_is_ancestor(const struct supd_node *a, const struct supd_node *n);
const char *node_state_name(enum node_state s);

/* --- engine.c: groups, strategies, intensity --- */

void engine_mark(struct supd_node *g);	/* g needs a step */
void engine_settle(struct supd *d);	/* step dirty groups to a fixpoint */
/* Starts n (from stopped or backoff). restart: counts as a restart. */
void engine_start(struct supd *d, struct supd_node *n, bool restart);
/* Sends n on its way to stopped now. */
void engine_stop(struct supd *d, struct supd_node *n);
/* n reached running. */
void engine_ready(struct supd *d, struct supd_node *n);
/* n reached stopped because supd stopped it. */
void engine_stopped(struct supd *d, struct supd_node *n);
/* n ended on its own (or a group gave up): restart rules apply. */
void engine_failed(struct supd *d, struct supd_node *n, bool normal);
/* A deadline of n passed. */
void engine_deadline(struct supd *d, struct supd_node *n, int64_t now);
/* supctl stop/start/restart of n. */
void engine_user_stop(struct supd *d, struct supd_node *n);
void engine_user_start(struct supd *d, struct supd_node *n);
void engine_user_restart(struct supd *d, struct supd_node *n);
/* Orderly shutdown of the whole tree; supd exits when root is stopped. */
void engine_shutdown(struct supd *d);

/* --- child.c: a worker's process --- */

/* Whether w runs as another user than supd (its files under RUN are
 * then that user's: rundir.h). */
bool child_foreign(const struct cfg_worker *w);
/* The path of n's endpoint (a libsup worker's socket) into buf. */
const char *child_endpoint(const struct supd *d, const struct supd_node *n,
    char *buf, size_t len);

/* Spawns n. On failure n is handled as a failed start. */
void child_spawn(struct supd *d, struct supd_node *n);
/* Sends the stop signal (or SIGKILL) to n's process group. */
void child_signal_stop(struct supd *d, struct supd_node *n);
/* The process of n was reaped with this wait status. */
void child_reaped(struct supd *d, struct supd_node *n, int wstatus);
/* SIGKILL to n's process group now. */
void child_kill(struct supd_node *n);
/* sig to n's process group, or to n alone if it left it (through its
 * pidfd when it has one). 0, or -1 with errno. */
int child_signal(struct supd_node *n, int sig);

/* The exit of n's process, described by x; normal: exit status 0. */
void child_exited(struct supd *d, struct supd_node *n,
    const struct exit_info *x, bool normal);
/* An adopted child's pidfd polled readable: it is gone. */
void child_adopted_gone(struct supd *d, struct supd_node *n);
/* Watches pid (not our child) through a pidfd. */
sup_err child_adopt(struct supd *d, struct supd_node *n, pid_t pid,
    int64_t start);

/* --- foreign.c --- */
/* Makes what n needs under RUN when it is a libsup worker of another
 * user (its directory, its database files), owned by that user. Logged
 * when it cannot: the worker then fails to start, and says why. */
void foreign_files_give(struct supd *d, struct supd_node *n);

/* --- reap.c --- */
void reap_all(struct supd *d);

/* --- persist.c: what is written to the database, and when --- */
/* Opens the database. SUP_EREFUSED (why in refused) when it is not one
 * to trust (trust.h); any other failure leaves supd running from memory
 * (persisting false, with the reason). */
sup_err persist_open(struct supd *d, bool reset, char *refused, size_t rn);
/* Marks the database as in use by a running supd (boot id, not a clean
 * exit yet): a kill -9 leaves it so. */
void persist_mark_running(struct supd *d);
/* Last flush; clean: every child was stopped in order (the next supd
 * starts anew instead of taking over). */
void persist_close(struct supd *d, bool clean);
/* Writes every changed node and the queued events in one transaction. */
void persist_flush(struct supd *d);
/* After a recovery: n as its row was, so only changes are written. */
void persist_saved_from_row(struct supd_node *n, const struct st_node *r);
/* Queues a history event (x, reason and decided_by may be NULL). */
void persist_event(struct supd *d, const char *name, const char *event,
    pid_t pid, const struct exit_info *x, const char *reason,
    const char *decided_by);

/* --- recover.c: reading the database back after supd's death --- */
/* Restores nodes, adopts live children, notes dead ones. Before engine
 * start. */
void recover_load(struct supd *d);
/* After the root started: exits that happened while supd was down. */
void recover_apply(struct supd *d);
/* Deletes the rows of nodes that left the config (inside a flush). */
sup_err recover_removed_write(struct supd *d);
/* Ghosts: children that left the config, being stopped. */
void recover_ghost_event(struct supd *d, int index);
int64_t recover_ghost_deadline(struct supd *d);
void recover_ghost_deadlines(struct supd *d, int64_t now);
int recover_ghost_count(struct supd *d);
/* SIGKILL to every ghost still alive (supd is exiting). */
void recover_ghosts_kill(struct supd *d);
int recover_ghost_fd(struct supd *d, int index);

/* --- loop.c (event sources) --- */
enum loop_source { SRC_SIGNAL = 1, SRC_TIMER, SRC_NOTIFY, SRC_CTL, SRC_PIDFD,
	SRC_GHOST, SRC_EVENTS, SRC_EVENTS_SUBS };
/* Adds fd to the loop; index says which node or ghost it is about. */
sup_err loop_watch(struct supd *d, int fd, enum loop_source src, int index);
void loop_unwatch(struct supd *d, int fd);

/* --- notify.c: sd_notify --- */
sup_err notify_open(struct supd *d);
void notify_read(struct supd *d);

/* --- ctl.c: the control server (ctl.h) --- */

/* --- loop.c --- */
/* The signals supd reads from its signalfd (blocked everywhere else). */
void loop_signals(sigset_t *set);
sup_err loop_init(struct supd *d);
void loop_run(struct supd *d);

/* A uniformly random 64-bit number (xorshift; jitter, not secrets). */
uint64_t supd_rand(struct supd *d);

#endif
