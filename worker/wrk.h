/*
 * worker/wrk.h — libsup's internals, shared by the files of worker/.
 *
 * The runtime (runtime.c) owns struct sup_worker and its loop; reply.c
 * the answers to calls; fields.c the state schema (arguments, defaults,
 * checkpoints); timers.c the one timer source; client.c the calls any
 * process makes, and the clients that make them.
 */
#ifndef WORKER_WRK_H
#define WORKER_WRK_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sup/sup.h"

struct ipc_server;
struct st_db;

/* Frames between clients and workers: version, type, payload. */
enum {
	WRK_CALL = 'C',	 /* request: a call */
	WRK_CAST = 'K',	 /* request: a cast; answered with an ack */
	WRK_SYS = 'S',	 /* request: runtime command (ping, status) */
	WRK_REPLY = 'R', /* answer: the payload */
	WRK_ERROR = 'E', /* answer: an error text */
};

/* A request, decoded (frame.c). */
enum wrk_kind {
	WRK_BAD,
	WRK_SYS_PING = 256, /* beside the frame types above */
	WRK_SYS_STATUS,
};
struct wrk_frame {
	int kind;	  /* WRK_CALL, WRK_CAST, WRK_SYS_PING, WRK_SYS_STATUS,
			   * or WRK_BAD */
	const void *body; /* borrowed: inside the frame */
	size_t len;
	const char *why;  /* WRK_BAD: static storage */
};
/* Decodes a request frame: 0, or -1 with m->why. Reads len bytes only. */
int wrk_frame_decode(const void *frame, size_t len, struct wrk_frame *m);

/* A field's value as last checkpointed, to see what changed. */
struct wrk_shadow {
	bool valid;
	int64_t i;
	double r;
	void *p; /* owned copy of text (with NUL) or blob */
	size_t len;
};

struct wrk_timer {
	uint64_t id;
	int64_t due_ns;
	char tag[64];
};

struct sup_worker {
	const struct sup_ops *ops;	/* &ops_copy: read nothing else */
	struct sup_ops ops_copy;	/* the program's, as far as its size
					 * says; later members 0 (abi.c) */
	void *state;			/* owned: ops->state_size bytes */
	struct wrk_shadow *shadow;	/* owned: one per field */
	char name[96];
	char run_dir[PATH_MAX];
	char endpoint[PATH_MAX + 128];	/* ipc://... */
	char db_path[PATH_MAX + 128];
	uint64_t spawn_id;
	struct ipc_server *srv;		/* owned */
	struct st_db *db;		/* owned; NULL if it cannot be opened */
	int epfd, sigfd, timerfd;
	int lockfd;			/* RUN/state/NAME.db.lock, held */
	int64_t armed_ns;		/* what timerfd is set to */

	int64_t checkpoint_ms;		/* policy: enum sup_checkpoint */
	int64_t checkpoint_due_ns;	/* next periodic checkpoint; 0 */
	bool checkpoint_failed;		/* logged once */
	bool unsaved;			/* a policy checkpoint failed: what is
					 * in memory is never to be committed */

	struct wrk_timer *timers;	/* owned */
	int ntimers;
	uint64_t timer_seq;
	int64_t hib_after_ms;		/* idle hibernation; 0: off */
	int64_t hib_due_ns;
	bool hibernated;		/* until the next message */
	char hib_text[256];		/* status_text before it */
	uint64_t hibernations;
	int64_t idle_ms;		/* sup_timeout_set; 0: off */
	int64_t idle_due_ns;
	int64_t wd_ns;			/* WATCHDOG=1 every this (half of
					 * WATCHDOG_USEC); 0: no watchdog */
	int64_t wd_due_ns;

	char status[16];		/* initializing, ready, degraded */
	char status_text[256];
	char stop_reason[256];
	bool continuing;		/* handle_continue still to succeed */
	int64_t retry_ms, retry_due_ns;
	bool quit;
	int exit_code;			/* of sup_worker_main */
	bool in_callback;		/* replies are held until it returns */
	pthread_t thread;		/* the worker's loop */
	struct sup_from *held;		/* replies held, sent after checkpoint */
	struct wrk_task *tasks_held;	/* owned: started after the commit */
	struct wrk_task *tasks_held_tail;
	int ntasks_held;
	struct wrk_tabop *tabops;	/* owned: table writes not committed */
	int ntabops, captabops;
	uint64_t calls, casts, bad_messages;
};

/* --- abi.c --- */
/* The program's ops into w->ops_copy, only the members within its size;
 * w->ops points there. false, with why, for a size this libsup cannot
 * read. */
bool wrk_ops_load(sup_worker *w, const struct sup_ops *ops, char *why,
    size_t n);

/* --- fields.c --- */
/* Applies defaults, then the checkpoint (if any), then the arguments.
 * On error returns false with a message naming the field in why. */
bool wrk_fields_load(sup_worker *w, int argc, char **argv, bool *recovered,
    char *why, size_t n);
/* True when some field differs from its last checkpoint. */
bool wrk_fields_changed(sup_worker *w);
/* One transaction: the queued table writes, and the changed fields too
 * when fields is true. */
sup_err wrk_commit(sup_worker *w, bool fields);
/* Frees text and blob fields and the shadow. */
void wrk_fields_free(sup_worker *w);

/* --- timers.c --- */
int64_t wrk_now_ns(void);
/* The earliest deadline of w (timers, idle timeout, checkpoint, retry,
 * hibernation) and of also (0: none), or 0 when there is none. */
int64_t wrk_timers_next(const sup_worker *w, int64_t also);
/* Takes the earliest sup_timer_start() timer due at now out of w's list
 * and describes it in info (its tag copied to tag). False: none due. */
bool wrk_timer_take(sup_worker *w, int64_t now, struct sup_info *info,
    char tag[64]);
/* Arms w's timerfd to t (monotonic ns; 0: disarmed). 0, or the errno of
 * timerfd_settime (then armed_ns is -1). */
int wrk_timerfd_arm(sup_worker *w, int64_t t);

/* --- tables.c --- */
bool wrk_tables_pending(const sup_worker *w);
/* Writes the queued table operations (inside a transaction). */
sup_err wrk_tables_apply(sup_worker *w);
/* Forgets them (after their commit). */
void wrk_tables_clear(sup_worker *w);
void wrk_tables_free(sup_worker *w);

/* --- readers.c --- */
/* The lock under which readers are got and used. */
void wrk_readers_lock(void);
void wrk_readers_unlock(void);
/* Under the lock: a kept read-only connection to name's database in c's
 * tree, valid until the unlock; the file looked at again (replaced: opened
 * anew) when the last look is max_age_ns old (0: now). *owner (may be
 * NULL): the file's owner. Errors as wrk_registry_stat's, or the open's. */
sup_err wrk_reader_get(sup_client *c, const char *name, int64_t max_age_ns,
    struct st_db **db, uid_t *owner);
/* Closes the kept readers of databases under run_dir (a client of that
 * tree is closed: its run dir may go away). */
void wrk_readers_drop(const char *run_dir);

/* --- hibernate.c --- */
/* Reads SUP_HIBERNATE_AFTER (else the ops' default). */
void wrk_hibernate_policy(sup_worker *w);
/* Checkpoint, the hook, memory back to the OS. */
void wrk_hibernate(sup_worker *w);
/* A message came: awake again; the idle clock restarts. */
void wrk_wake(sup_worker *w);

/* --- telemetry.c --- */
/* Publishes on RUN/w/NAME.ev (telemetry is off when it cannot). */
void wrk_telemetry_open(sup_worker *w);
void wrk_telemetry_close(sup_worker *w);
/* Someone subscribes: events are worth making. */
bool wrk_telemetry_on(void);
/* Events of the loop are held a few ms: when they are due (0: none),
 * and sending them. */
int64_t wrk_telemetry_due(void);
void wrk_telemetry_flush(void);
/* The first word of a text message, else "call". */
void wrk_message_type(const void *req, size_t len, char *out, size_t n);

/* --- reply.c (count) --- */
/* Calls received and not answered yet. */
int wrk_outstanding_count(void);

/* --- task.c --- */
/* After a callback's commit: its tasks go to the task threads. */
void wrk_tasks_release(sup_worker *w);
/* Its commit failed: its tasks never run; their calls get text. */
void wrk_tasks_fail(sup_worker *w, const char *text);
/* Orderly stop: tasks not started get an error, running ones finish. */
void wrk_tasks_stop(sup_worker *w);

/* --- client.c --- */
/* c, or the default tree's client when c is NULL. */
sup_client *wrk_client(sup_client *c);
/* The default tree is the worker's own, run_dir (sup_worker_main), unless
 * a call of this process already took another. */
void wrk_client_default(const char *run_dir);
/* RUN/state/NAME.db in c's tree (NULL: the default); SUP_ENOTFOUND for a
 * name no worker can have. */
sup_err wrk_db_path(sup_client *c, const char *name, char *buf, size_t n);
/* RUN/pool/POOL: the size of pool POOL, written by supd (pool.c). */
sup_err wrk_pool_path(sup_client *c, const char *pool, char *buf,
    size_t n);
/*
 * Whether the registry (a worker's database) at path is one to believe:
 * every directory above it trusted, the file closed to others, and ours;
 * for root, any user's (supd alone makes files in RUN/state, for the
 * worker's user; then only a process of that user is taken for the
 * worker). Fills *st. SUP_ENOTFOUND when there is none, SUP_EREFUSED
 * when it is not one to believe.
 */
struct stat;
sup_err wrk_registry_stat(const char *path, struct stat *st);

/* --- regwatch.c --- */
/* A new inotify descriptor for the waits below, or -1. Its close can
 * block for milliseconds: keep it (client.c does, per client). */
int wrk_watch_fd_new(void);
/* Watches name's registry (in c's tree) on fd: a watch descriptor for
 * wrk_registry_unwatch(), or -1 when it cannot be had. */
int wrk_registry_watch(sup_client *c, const char *name, int fd);
void wrk_registry_unwatch(int fd, int wd);
/* Waits until name's registry may have changed, at most ms and never
 * long (the caller reads it again); fd -1: a millisecond. after_write:
 * the last wait ended on a write (a commit may still be going on).
 * Returns whether a write to the registry ended this wait. */
bool wrk_registry_wait(int fd, const char *name, int64_t ms,
    bool after_write);

/* --- reply.c --- */
struct ipc_req;
/* A call's handle, on the list of calls not answered yet; NULL: no memory. */
sup_from *wrk_from_new(sup_worker *w, struct ipc_req *r);
/* Sends a frame of type with data; consumes r. */
sup_err wrk_answer(struct ipc_req *r, int type, const void *data,
    size_t len);
/* The replies held during the callback that just returned: sent as made,
 * or each replaced by the error text. */
void wrk_held_send(sup_worker *w);
void wrk_held_fail(sup_worker *w, const char *text);
/* At exit: an error for every call still open; later replies refused. */
void wrk_outstanding_fail(void);

/* --- runtime.c --- */
/* Calls a callback's aftermath: status, checkpoint policy, stop. */
void wrk_after(sup_worker *w, enum sup_ret ret);
/* Publishes status (registry and supd). */
void wrk_status_set(sup_worker *w, const char *status);
/* handle_continue once more (a degraded one's retry is due). */
void wrk_continue_run(sup_worker *w);

/* --- say.c: what a worker says --- */
/* "NAME: message" on stderr: the worker's log. */
void wrk_log(sup_worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* One sd_notify datagram to $NOTIFY_SOCKET (nothing when unset). */
void wrk_notify(const char *msg);
/* supd's watchdog (watchdog = in sup.conf): WATCHDOG_USEC and
 * WATCHDOG_PID read as sd_watchdog_enabled(3) reads them, and the first
 * WATCHDOG=1 planned; the loop sends the next ones (wrk_watchdog_feed),
 * so that a worker stuck in a callback stops feeding it. */
void wrk_watchdog_start(sup_worker *w);
void wrk_watchdog_feed(sup_worker *w, int64_t now);

/* --- fields.c: checkpoints --- */
/* Commits a checkpoint now if anything changed. */
sup_err wrk_checkpoint_now(sup_worker *w);
/* "cannot WHAT: ERROR" into buf, and who holds the database's lock when
 * another process does. */
void wrk_db_why(sup_worker *w, const char *what, sup_err e, char *buf,
    size_t n);

#endif
