/*
 * supervisor/supd.h — supd's state: the daemon around the supervision
 * tree, and the modules that act on it.
 *
 * The tree's nodes are node.h's; the rules that decide what happens to
 * them are engine.h's. Everything that happens to the tree (an exit, a
 * readiness message, a deadline, a control request) becomes an engine
 * event through effects_event(); effects.c carries out what the engine
 * decides (child.c spawns and signals, the log and history note it).
 */
#ifndef SUPD_SUPD_H
#define SUPD_SUPD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "common/rundir.h"
#include "engine.h"
#include "node.h"
#include "restart.h"
#include "shared/config.h"
#include "state/state.h"

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
	struct supd_node **by_pid; /* owned: buckets by pid, chained */
	size_t by_pid_cap;

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
	struct engine eng;	  /* the rules, over root and nodes */
	struct eng_event *evq;	  /* owned: events effects made, in order */
	int evq_head, evq_n, evq_cap;
	bool in_effects;	  /* carrying out a batch: events wait */
	bool announced;		  /* supd.ready logged, ready_fd written */
	bool exiting;		  /* the tree is over: quit once ghosts are */
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
/* Sets n's pid (0: none), keeping tree_by_pid's index. */
void tree_pid_set(struct supd *d, struct supd_node *n, pid_t pid);
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

/* --- effects.c: what the engine decides, carried out --- */

/* Gives the engine one event and carries out its actions; from inside a
 * batch of actions (a spawn that failed), the event waits for the batch
 * to end. */
void effects_event(struct supd *d, enum eng_event_type type,
    struct supd_node *n);
/* The same, for an exit: normal is a normal exit (status 0). */
void effects_exited(struct supd *d, struct supd_node *n, bool normal);
/* Settles the tree: events that waited, then groups' steps, each batch
 * carried out, until the engine has nothing more to do. */
void effects_settle(struct supd *d);
/* Whether supd is stopping the whole tree. */
static inline bool
supd_shutting_down(const struct supd *d)
{
	return d->eng.shutting_down;
}

/* --- child.c: a worker's process --- */

/* Whether w runs as another user than supd (its files under RUN are
 * then that user's: rundir.h). */
bool child_foreign(const struct cfg_worker *w);
/* The path of n's endpoint (a libsup worker's socket) into buf. */
const char *child_endpoint(const struct supd *d, const struct supd_node *n,
    char *buf, size_t len);

/* How a spawn went. */
enum child_spawned {
	CHILD_SPAWNED,	    /* it runs; readiness to come (or an exit) */
	CHILD_SPAWNED_READY, /* it runs, and is ready so (ready = none) */
	CHILD_SPAWN_FAILED, /* no process: why is in n->last */
};
/* Spawns n (restart: it counts as one; cause, by: what decided it). */
enum child_spawned child_spawn(struct supd *d, struct supd_node *n,
    bool restart, enum node_cause cause, const struct supd_node *by);
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


#endif
