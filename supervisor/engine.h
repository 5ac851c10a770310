/*
 * supervisor/engine.h — OTP's supervisor rules as a machine that only
 * decides.
 *
 * The engine is given the tree, one event at a time (a child exited,
 * became ready, a deadline passed, a person asked for a start, a stop, a
 * restart, a shutdown) with the time, and answers with actions for the
 * effects layer (effects.c) to carry out: spawn a worker, send it its
 * stop signal, kill it, note a decision in the log and the history, exit.
 * It never forks, signals, writes or reads a clock; what it decides is
 * in the nodes it changes (node.h) and the actions it returns.
 *
 * An effect's outcome (a spawn that failed, a worker that is ready as
 * soon as it runs) comes back as a new event once the actions of the
 * batch are carried out, never as a call into the engine from inside
 * it.
 *
 * Protocol: engine_handle() one event, carry out its actions; then
 * engine_settle() until it returns no action, carrying out each batch.
 * engine_settle() steps the groups an event changed, deepest first, and
 * stops when its batch is full: it goes on at the next call.
 */
#ifndef SUPD_ENGINE_H
#define SUPD_ENGINE_H

#include "dlheap.h"
#include "node.h"

enum eng_event_type {
	EV_START,	 /* start node (root at supd's start) */
	EV_SPAWNED,	 /* node's process runs: its start time is at */
	EV_READY,	 /* node (a worker) is ready */
	EV_EXITED,	 /* node's process is gone (normal: a normal exit) */
	EV_SPAWN_FAILED, /* node's process could not be made */
	EV_LOST,	 /* node ran when supd died, and is gone: a failure */
	EV_STOP,	 /* stop node now, not as a person (recovery) */
	EV_TIMER,	 /* deadlines up to now passed */
	EV_USER_START,	 /* supctl start */
	EV_USER_STOP,	 /* supctl stop */
	EV_USER_RESTART, /* supctl restart */
	EV_SHUTDOWN,	 /* stop the whole tree, then exit */
	EV_HUNG,	 /* node (a running worker) is hung: stop it, and its
			  * exit is a failure (hung says why) */
};

struct eng_event {
	enum eng_event_type type;
	struct supd_node *node;	/* all but EV_TIMER and EV_SHUTDOWN */
	bool normal;		/* EV_EXITED */
	bool ignored;		/* EV_EXITED: it said ignore (ignore_exit,
				 * or a libsup init returning
				 * SUP_RET_IGNORE) */
	enum node_hung hung;	/* EV_HUNG: watchdog or health */
	int64_t at;		/* when it happened (monotonic ns); 0: now.
				 * An effect's outcome carries the moment it
				 * happened, not the end of its batch. */
};

/* What the engine noted (rendered by effects.c into the log, and for
 * some, the history). */
enum eng_note {
	NOTE_GROUP_START,	 /* node starts its children */
	NOTE_GROUP_READY,	 /* every child of node is ready */
	NOTE_GROUP_STOP,	 /* node stops its children */
	NOTE_GROUP_STOPPED,	 /* they are stopped */
	NOTE_GROUP_GIVE_UP,	 /* node exceeded its intensity */
	NOTE_POOL_GIVE_UP,	 /* the pool of node (its first instance)
				  * exceeded its pool_intensity: it fails
				  * in its group, all its instances with it */
	NOTE_GROUP_KILL,	 /* node's shutdown timeout: kill them all */
	NOTE_CHILD_BACKOFF,	 /* node restarts after arg ms (step) */
	NOTE_CHILD_START_TIMEOUT, /* node was not ready in time: killed */
	NOTE_CHILD_KILL,	 /* node outlived its shutdown timeout */
	NOTE_CHILD_HUNG,	 /* node is hung (arg: enum node_hung): it is
				  * stopped, and restarts as a failure */
	NOTE_CHILD_READY_ADOPTED, /* adopted while starting: taken as ready */
	NOTE_ROOT_FAILED,	 /* root gave up; supd stays (on_give_up) */
	NOTE_ROOT_GIVE_UP,	 /* root gave up; supd exits 1 */
	NOTE_SHUTDOWN,		 /* supd stops the tree */
	NOTE_SHUTDOWN_AGAIN,	 /* ... asked for while already under way */
	NOTE_AUTO_SHUTDOWN,	 /* significant node ended: its group ends
				  * (auto_shutdown); root: supd exits with
				  * its status */
	NOTE_START_ABORT,	 /* node failed the tree's first start, and
				  * on_start_failure = abort: supd stops
				  * the tree and exits 1 */
};

enum eng_action_type {
	ACT_SPAWN, /* make node's process (restart: counts as one) */
	ACT_STOP,  /* send node its stop signal (SIGKILL: brutal_kill) */
	ACT_KILL,  /* SIGKILL node's process group now */
	ACT_NOTE,  /* note what was decided */
	ACT_EXIT,  /* the tree is over: supd exits with code arg (once the
		    * children that left the config are gone too) */
};

struct eng_action {
	enum eng_action_type type;
	struct supd_node *node;	 /* borrowed; NULL for ACT_EXIT */
	enum eng_note note;	 /* ACT_NOTE */
	int64_t arg;		 /* NOTE_CHILD_BACKOFF: delay ms; ACT_EXIT:
				  * code; ACT_SPAWN: 1 for a restart */
	enum node_cause cause;	 /* ACT_SPAWN: what decided it */
	const struct supd_node *cause_by; /* borrowed: see node_cause */
};

/* Actions per batch (a few more for the event that starts one). */
#define ENG_BATCH 256

struct engine {
	struct supd_node *root;	   /* borrowed */
	struct supd_node **nodes;  /* borrowed: every node, preorder */
	int nnodes;
	struct supd_node *groups;  /* borrowed: list by next_group */
	enum cfg_give_up on_give_up;
	bool recovering;	   /* the first start keeps what recovery
				    * brought back (set before EV_START) */
	bool shutting_down;
	bool started;		   /* root was ready once: the first start is
				    * over (on_start_failure) */
	bool took_over;		   /* the tree ran under a supd before this
				    * one (killed, re-exec'd): not a start */
	bool aborting;		   /* a failed first start stops the tree */
	int exit_code;		   /* of an orderly end: 0, or the status of
				    * the significant child that ended root */
	uint64_t rng;		   /* xorshift state: backoff jitter */
	struct eng_action out[ENG_BATCH + 8];
	int nout;
	struct dlheap dl;	   /* every deadline set, earliest first */
	struct supd_node **touched; /* owned array, borrowed nodes: those
				    * whose row may differ from what was
				    * saved, each once (engine_touched) */
	int ntouched;
};

/*
 * Readies e for the tree of nodes (nnodes, preorder: nodes[0] is root),
 * with rng as the seed of the jitter (any nonzero number). The nodes
 * stay e's for its life. -1: out of memory.
 */
int engine_init(struct engine *e, struct supd_node **nodes, int nnodes,
    enum cfg_give_up on_give_up, uint64_t rng);

/*
 * The first instance of n's pool, which keeps the pool's window, or
 * NULL when n is not an instance (or its pool has no window: a tree
 * built without one).
 */
struct supd_node *engine_pool_lead(const struct supd_node *n);

void engine_fini(struct engine *e);

/*
 * The nodes whose persisted fields (their database row: state, pending
 * work, hold, counts, backoff, window, process) may have changed since
 * engine_touched_clear(), each once: what the engine changed, and what
 * others said they changed with engine_touch() (child.c: a process
 * spawned or gone). A flush writes these, not the whole tree.
 */
struct supd_node *const *engine_touched(const struct engine *e, int *n);
void engine_touched_clear(struct engine *e);
void engine_touch(struct supd_node *n);

/* Sets n's deadline (monotonic ns; 0: none). Outside the engine, only
 * recovery sets one (an adopted child still starting). */
void engine_set_deadline(struct engine *e, struct supd_node *n, int64_t at);

/*
 * Applies ev at now (monotonic ns; ev->at instead when it has one). Its
 * actions are e->out[0..return): carry them out before the next call.
 */
int engine_handle(struct engine *e, const struct eng_event *ev, int64_t now);

/*
 * Steps the groups events changed. Returns the number of actions in
 * e->out (at most ENG_BATCH); 0: the tree is settled.
 */
int engine_settle(struct engine *e, int64_t now);

/* The earliest deadline of the tree (monotonic ns), or 0: none. O(1)
 * but for the stale entries it drops on the way. */
int64_t engine_next_deadline(struct engine *e);

#endif
