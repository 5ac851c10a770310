/*
 * supervisor/supd.h — supd's state: the daemon around the supervision
 * tree. Each module's functions are in its own header (tree.h, child.h,
 * effects.h, persist.h, recover.h, loop.h, watch.h, notify.h, ctl.h...).
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

#include "cgroup.h"
#include "common/strmap.h"
#include "common/rundir.h"
#include "engine.h"
#include "handover.h"
#include "logholder.h"
#include "manager.h"
#include "node.h"
#include "restart.h"
#include "shared/config.h"
#include "state/state.h"

struct ipc_server;
struct ipc_http;
struct supd_waiter;

/* A worker's environment, but for its SUP_* variables (child.c). */
struct env_tail {
	const struct cfg_worker *w; /* borrowed */
	char **v;		    /* owned, strings too */
};
struct st_db;
struct ghost;
struct lsock;

#define PERSIST_MAX_EVENTS 128
/* The strings of the queued events, one after the other: most events
 * take 50-100 bytes, so a fixed slot of the largest (~530) for each
 * would make supd's memory 60 kB heavier after a mass restart. */
#define PERSIST_EV_TEXT 16384

struct supd {
	struct sup_config *cfg;	  /* owned */
	const char *cfg_path;	  /* borrowed: argv */
	char *cfg_abs;		  /* owned: absolute path of the config */
	char *exe;		  /* owned: supd's binary, for a re-exec */
	bool verbose;		  /* -v: kept across a re-exec */
	struct handover ho;	  /* what this image was handed (reload.h) */
	unsigned long reloads;	  /* reloads applied since supd started */
	unsigned long reexecs;	  /* re-execs since supd started */
	struct supd_node *root;	  /* borrowed: nodes[0] */
	struct supd_node **nodes; /* owned: every node, tree preorder */
	int nnodes;
	struct strmap by_name;	  /* owned: nodes by name (tree.c) */
	struct supd_node **by_pid; /* owned: buckets by pid, chained */
	size_t by_pid_cap;

	struct rundir run;	  /* RUN and its directories, held open */
	int epfd, sigfd, timerfd, notifyfd, lockfd, devnullfd;
	int seq_fd;		  /* RUN/spawn.seq, kept open (spawnfile.c) */
	int *written;		  /* owned: nodes the batch being committed
				   * wrote (persist.c) */
	int nwritten, written_cap;
	int spawn_fd;		  /* RUN/spawn.tab, kept open; -1: none */
	int spawn_nslots;	  /* records in it */
	char *spawn_tab;	  /* owned: its records as read at the start */
	struct strmap spawn_names; /* their names: slot + 1 */
	int ready_fd;		  /* --ready-fd: written once root is ready */
	int nworkers;		  /* worker nodes (pool instances counted) */
	struct env_tail *tails;	  /* owned: one per worker config */
	int ntails;
	sigset_t reset_sigs;	  /* dispositions children must reset */
	struct rlimit nofile;	  /* the fd limit supd got, for children */
	struct ipc_server *ctl;	  /* owned */
	struct ipc_http *http;	  /* owned; NULL: no http = in the config */
	struct ipc_sub *events_in; /* owned: workers' telemetry, while
				    * someone subscribes to RUN/events */
	int events_subs_fd;	  /* eventfd: subscribers came or went */
	int64_t timer_armed_ns;	  /* what timerfd is set to; 0: disarmed */
	int64_t flush_due_ns;	  /* the next batch commit; 0: none */
	int64_t reopen_ns;	  /* no database: not tried again before */
	bool settling;		  /* the tree's settle goes on next turn */
	bool reap_due;		  /* a SIGCHLD may stand for more exits */
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
	struct st_event events[PERSIST_MAX_EVENTS]; /* queued history */
	int nevents;
	char ev_text[PERSIST_EV_TEXT]; /* its strings (persist.c) */
	size_t ev_text_len;
	unsigned long events_lost;
	int adopted;		  /* children adopted from a previous supd */
	bool fresh_db;		  /* the database had nothing to recover */
	bool recovered;		  /* took over the tree of a supd that died */
	struct ghost *ghosts;	  /* owned: removed from the config, stopping */
	int nghosts;
	char **removed;		  /* owned: rows to delete at the next flush */
	int nremoved;
	bool removed_dirty;
	int64_t rows_full_ns;	  /* the last flush that compared every node
				   * (persist.c); 0: none yet */
	bool rows_check;	  /* SUP_CHECK_ROWS: a change not marked for
				   * the flush is a bug, and aborts */
	struct supd_waiter *waiters; /* owned list: deferred ctl replies */
	char notify_addr[108];	  /* NOTIFY_SOCKET value given to children */
	struct manager mgr;	  /* supd's own service manager (manager.h) */
	struct logholder lh;	  /* children's pipes to log lines */
	struct lsock *socks;	  /* owned: listening sockets held (listen.h) */
	int nsocks;
	/* The workers that can be hung: only they make supd wake up. */
	struct supd_node **wd_nodes; /* owned array, borrowed nodes: those
				      * with a watchdog (watchdog.c) */
	int nwd;
	struct supd_node **health_nodes; /* likewise, with a health probe
					  * (health.c) */
	int nhealth;
	struct cgroups cg;	  /* its children's cgroups (cgroup.c) */
};

#endif
