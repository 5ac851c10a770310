/*
 * sup/sup.h — libsup: GenServer-style workers supervised by supd.
 *
 * A worker is a callback table (struct sup_ops) and a state struct
 * described by a field schema (SUP_FIELD). main is one line:
 *
 *	int main(int argc, char **argv) { return sup_worker_main(&ops, argc, argv); }
 *
 * The runtime fills the state from --field=value arguments and the last
 * checkpoint, listens on the worker's endpoint, tells supd it is ready
 * (ready = sup in sup.conf), and runs the callbacks one message at a time
 * on its own loop, as a GenServer does. Any process calls a worker by
 * name with sup_call() / sup_cast(), in the default tree, or through a
 * sup_client opened on the run directory of a tree. See libsup(3).
 *
 * Names: sup_<noun>_<verb> (sup_timer_start, sup_table_put); the
 * GenServer verbs stand alone (sup_call, sup_cast, sup_reply,
 * sup_lookup), and each client function on the default tree has a
 * sup_client_ twin that takes the client first.
 *
 * Compatibility: libsup.so.0 keeps every function and struct member of
 * this header. Members are only ever added at the end of struct sup_ops,
 * whose first member, size, says how much of it a program knows (see
 * struct sup_ops); other structs that a program fills do not grow.
 *
 * Link with -lsup (pkg-config libsup). Every function returns sup_err
 * (sup/err.h) unless it says otherwise.
 */
#ifndef SUP_SUP_H
#define SUP_SUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sup/err.h"

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SUP_API __attribute__((visibility("default")))
#else
#define SUP_API
#endif

/* --- version ------------------------------------------------------------- */

/* The version of this header, MAJOR.MINOR.PATCH. A program built with
 * it runs with this libsup.so.0 and any later one. */
#define SUP_VERSION_MAJOR 0
#define SUP_VERSION_MINOR 1
#define SUP_VERSION_PATCH 0
#define SUP_VERSION_STRING "0.1.0"

/* The version of the libsup the program runs with, as SUP_VERSION_STRING
 * of the header that library was built from ("0.1.0"): a newer
 * libsup.so.0 than the header the program was compiled with says so.
 * Static storage. */
SUP_API const char *sup_version(void);

typedef struct sup_worker sup_worker; /* the running worker, in callbacks */
typedef struct sup_from sup_from;     /* the caller of a call, until replied */

/* --- the state schema --------------------------------------------------- */

enum sup_type {
	SUP_INT64,  /* int64_t */
	SUP_DOUBLE, /* double */
	SUP_BOOL,   /* bool */
	SUP_TEXT,   /* char *: NUL-terminated, malloc'd, owned by the state */
	SUP_BLOB,   /* struct sup_blob: malloc'd, owned by the state */
};

struct sup_blob {
	void *data;
	size_t len;
};

enum {
	SUP_OPTIONAL = 0, /* may be left out: the default applies */
	SUP_REQUIRED = 1, /* must be given as --name=value, or init fails */
};

struct sup_field {
	const char *name;
	enum sup_type type;
	size_t offset;	  /* in the state struct */
	unsigned flags;	  /* SUP_REQUIRED or SUP_OPTIONAL */
	const char *def;  /* default, as it would be written after '=' */
};

/*
 * One entry of a schema: SUP_FIELD(struct kv, capacity, SUP_INT64,
 * SUP_REQUIRED, NULL). The field is set from --capacity=N, checkpointed
 * under its name, and shown by supctl state.
 */
#define SUP_FIELD(stype, member, type, flags, def)                          \
	{ #member, (type), offsetof(stype, member), (flags), (def) }

/* Replaces a text field's value with a copy of v (NULL clears it). */
SUP_API sup_err sup_text_set(char **field, const char *v);
/* Replaces a blob field's value with a copy of data. */
SUP_API sup_err sup_blob_set(struct sup_blob *field, const void *data,
    size_t len);

/* --- callbacks ---------------------------------------------------------- */

/* What a callback returns. */
enum sup_ret {
	SUP_RET_OK = 0,	     /* go on */
	SUP_RET_CONTINUE,    /* init: ready now, then handle_continue */
	SUP_RET_DEGRADED,    /* handle_continue: failed; retried later */
	SUP_RET_STOP,	     /* terminate(reason) and exit normally */
	SUP_RET_HIBERNATE,   /* go on, hibernated: checkpoint, the hibernate
			      * hook, memory back to the OS */
	SUP_RET_IGNORE,	     /* init: not needed here (OTP's ignore): exit
			      * 0 at once, no terminate; supd keeps the
			      * worker as "ignored", not restarted */
};

/* What handle_info receives. */
enum sup_info_kind {
	SUP_TIMEOUT,	/* no message for sup_timeout_set()'s time */
	SUP_TIMER,	/* a sup_timer_start() timer fired */
};

struct sup_info {
	enum sup_info_kind kind;
	uint64_t timer;	  /* SUP_TIMER: the id sup_timer_start() returned */
	const char *tag;  /* SUP_TIMER: the tag given to sup_timer_start() */
};

/* Checkpoint policies (sup.conf: checkpoint = each | DURATION | manual). */
enum sup_checkpoint {
	SUP_CHECKPOINT_EACH = 0,  /* after each callback that changed the state */
	SUP_CHECKPOINT_MANUAL = -1, /* only on sup_checkpoint_commit(), and at
				     * exit */
	/* > 0: at most every that many milliseconds, when changed */
};

/*
 * The callback table. Set size first, always, to what the program was
 * compiled with, and the members it uses by name:
 *
 *	static const struct sup_ops ops = {
 *		.size = sizeof(struct sup_ops),
 *		.name = "kv",
 *		.handle_call = kv_call,
 *	};
 *
 * Members are only ever added at the end. The runtime reads the members
 * that lie within size and takes every later one as 0 (NULL: no such
 * callback; 0: the default), so a program built with an older sup.h runs
 * unchanged with a newer libsup.so.0, and never has a member read that it
 * did not have. sup_worker_main() refuses to run (exit status 70, with a
 * message saying why) when size is 0 (not set), larger than the struct
 * this libsup knows (the program was built with a newer sup.h) or ends
 * inside a member. Every member but size may be left out.
 */
struct sup_ops {
	size_t size;			   /* sizeof(struct sup_ops) */
	const char *name;		   /* used when SUP_NAME is not set */
	size_t state_size;		   /* sizeof the state struct */
	const struct sup_field *fields;	   /* its schema */
	size_t nfields;
	int64_t checkpoint;		   /* default policy (enum above) */

	/*
	 * Fills what the schema does not (caches, handles). Must return
	 * fast: supd waits for it. recovering: the state was restored from
	 * the last checkpoint of a previous incarnation. Returns SUP_RET_OK
	 * (ready), SUP_RET_CONTINUE (ready now, handle_continue next, status
	 * initializing until it succeeds) or SUP_RET_STOP (init failed:
	 * set the reason with sup_stop_reason_set()).
	 */
	enum sup_ret (*init)(sup_worker *w, void *state, bool recovering);
	/* The slow part of a start: SUP_RET_OK (status ready) or
	 * SUP_RET_DEGRADED (status degraded; called again later). */
	enum sup_ret (*handle_continue)(sup_worker *w, void *state);
	/* A call: answer with sup_reply(from, ...) now, or keep from and
	 * answer later, from any thread. Exactly one reply per call. */
	enum sup_ret (*handle_call)(sup_worker *w, void *state,
	    const void *req, size_t len, sup_from *from);
	/* A cast: no reply. */
	enum sup_ret (*handle_cast)(sup_worker *w, void *state,
	    const void *msg, size_t len);
	enum sup_ret (*handle_info)(sup_worker *w, void *state,
	    const struct sup_info *info);
	/* Before exit, with why: "shutdown" (SIGTERM or SIGINT), the text of
	 * sup_stop_reason_set() or "stopped" (SUP_RET_STOP), or "cannot
	 * checkpoint: ..." (a checkpoint the policy asked for failed). */
	void (*terminate)(sup_worker *w, void *state, const char *reason);
	/* Threads that run sup_task_start() work (default 2, at most 64),
	 * started at the first task. */
	int task_threads;
	/*
	 * Hibernation: drops what can be rebuilt (caches) and frees it; the
	 * state in the schema stays. Called after a callback returned
	 * SUP_RET_HIBERNATE, or after hibernate_after ms without a message,
	 * once the state is checkpointed; then the runtime gives freed
	 * memory back to the OS (malloc_trim). The next message is served
	 * as usual: the worker rebuilds its caches as it needs them.
	 */
	void (*hibernate)(sup_worker *w, void *state);
	/* Idle time before hibernating, in ms (0: never). sup.conf's
	 * hibernate_after overrides it. */
	int64_t hibernate_after;
	/* New members go here, and only here. */
};

/*
 * Runs the worker: parses --field=value arguments, restores the last
 * checkpoint, calls init, serves until SIGTERM or SUP_RET_STOP, calls
 * terminate, checkpoints a last time, and returns the exit status for
 * main: 0 after an orderly stop; 78 when the arguments are wrong (the
 * message names the field); 70 when ops->size is not one this libsup can
 * read (see struct sup_ops); 1 on other failures, a checkpoint that
 * failed included.
 */
SUP_API int sup_worker_main(const struct sup_ops *ops, int argc,
    char **argv);

/* The worker's name ("kv", "pool.3"). Static storage. */
SUP_API const char *sup_worker_name(const sup_worker *w);

/* --- inside callbacks --------------------------------------------------- */

/* Answers a call and frees from. Any thread; exactly once per call. */
SUP_API sup_err sup_reply(sup_from *from, const void *data, size_t len);
/* Answers a call with an error text: the caller gets SUP_EFAILED. */
SUP_API sup_err sup_reply_error(sup_from *from, const char *text);

/* Commits the state now, in one transaction. With checkpoint = each, the
 * runtime does it after each callback that changed the state, and holds
 * that callback's replies until it is committed; if it fails, they become
 * errors and the worker stops ("cannot checkpoint: ..."), to be restarted
 * from its last committed state. */
SUP_API sup_err sup_checkpoint_commit(sup_worker *w);

/* Inactivity: handle_info(SUP_TIMEOUT) after ms without a message
 * (0: off). */
SUP_API void sup_timeout_set(sup_worker *w, int64_t ms);
/* handle_info(SUP_TIMER, tag) after ms. Returns the timer's id (> 0), or
 * 0 when out of memory. tag is copied. */
SUP_API uint64_t sup_timer_start(sup_worker *w, int64_t ms, const char *tag);
/* Cancels a timer; false if it already fired or never existed. */
SUP_API bool sup_timer_cancel(sup_worker *w, uint64_t timer);

/* The reason terminate and supd will be given when a callback stops. */
SUP_API void sup_stop_reason_set(sup_worker *w, const char *reason);
/* A line of free text shown by supctl status (status_text). */
SUP_API void sup_status_text_set(sup_worker *w, const char *text);
/* Delay before handle_continue is tried again after SUP_RET_DEGRADED
 * (default: 1 s, doubling up to 30 s). */
SUP_API void sup_retry_set(sup_worker *w, int64_t ms);

/* --- offloaded work ----------------------------------------------------- */

/* Runs on a task thread: answers from (when not NULL) with sup_reply()
 * or sup_reply_error(), exactly once. Must not touch the worker's state
 * (the loop owns it): work on what arg holds. */
typedef void (*sup_task_fn)(void *arg, sup_from *from);

/*
 * Runs fn(arg, from) on one of the worker's task threads, while its loop
 * goes on serving. Asked for during a callback, it starts once that
 * callback's changes are committed (if the commit fails it never runs and
 * from gets the error). A crash in fn is the worker's crash. On an orderly
 * stop, tasks not started are answered with an error and running ones
 * finish before terminate. SUP_EBUSY when 4096 tasks are waiting;
 * SUP_ECLOSED once the worker is stopping.
 */
SUP_API sup_err sup_task_start(sup_worker *w, sup_task_fn fn, void *arg,
    sup_from *from);

/* --- telemetry ------------------------------------------------------------ */

struct sup_measure {
	const char *name;
	double value;
};

struct sup_meta {
	const char *name;
	const char *value;
};

/*
 * Publishes an event (like :telemetry.execute): its name, numbers
 * (measurements) and text (metadata). Never waits: with no subscriber
 * (supd relays to `supctl events`) it does nothing; events a subscriber
 * is too slow to take are lost to it, and it sees how many from the gaps
 * in their sequence numbers. Any thread. The runtime emits its own:
 * "call" (duration_us, mailbox: calls not answered yet; metadata type:
 * the first word of a text message), "cast" (duration_us; type),
 * "checkpoint" (duration_us, fields, table_writes),
 * "hibernate". SUP_ETOOBIG when the event exceeds 4 KB.
 */
SUP_API sup_err sup_telemetry_emit(const char *event,
    const struct sup_measure *m, size_t nm, const struct sup_meta *md,
    size_t nmd);

/* --- published tables: the worker writes, anyone reads ------------------ */

/*
 * Sets key to the len bytes at value in the worker's table (created on
 * first use). Names: 1 to 255 bytes. On the worker's thread only
 * (SUP_ESTATE otherwise). Written when the callback returns, before its
 * replies go out, with the checkpoint if one is due: durable across
 * kill -9 from then on, whatever the checkpoint policy.
 */
SUP_API sup_err sup_table_put(sup_worker *w, const char *table,
    const char *key, const void *value, size_t len);
/* Removes key from the table (no error if it is not there). */
SUP_API sup_err sup_table_del(sup_worker *w, const char *table,
    const char *key);

/*
 * Any process: the value of key in worker name's table, read from its
 * database without calling it (also while it is busy, restarting or
 * stopped): a new buffer (free() it; NUL-terminated past *len).
 * SUP_ENOKEY when the key is not there, SUP_ENOTFOUND when no worker of
 * that name ever ran, SUP_EREFUSED when its database is another uid's.
 * In the default tree; sup_client_table_get() in the tree of a client.
 */
SUP_API sup_err sup_table_get(const char *name, const char *table,
    const char *key, void **value, size_t *len);

/* --- clients: any process ----------------------------------------------- */

#define SUP_MAX_MSG (1024 * 1024) /* larger messages are refused */

/*
 * A client reaches the workers of one tree: those of the supd whose run
 * directory it was opened on, found by name in that tree's registry
 * (RUN/state/NAME.db) without going through supd. It keeps a connection
 * per worker it called. One client serves any number of threads.
 *
 * The functions without a client use the default tree: inside a worker
 * (once sup_worker_main runs), the worker's own; elsewhere $SUP_RUN_DIR
 * (a relative path is taken from the working directory at the first
 * call), else supd's default run directory. Each has a sup_client_ twin
 * that takes the client first; a NULL client is the default tree.
 */
typedef struct sup_client sup_client;

/*
 * *c gets a new client of the tree whose run directory is run_dir
 * (NULL: the default tree); close it with sup_client_close(). A relative
 * run_dir is taken from the working directory of now. Reads no file:
 * a tree that does not run is found out by the calls (SUP_ENOTFOUND).
 * SUP_EINVAL when run_dir is empty or c is NULL, SUP_ETOOBIG when the
 * path is too long, SUP_ENOMEM.
 */
SUP_API sup_err sup_client_open(const char *run_dir, sup_client **c);
/* Closes c's connections and frees it (NULL: nothing). No call may be
 * running on c, nor start after. */
SUP_API void sup_client_close(sup_client *c);

/*
 * Calls worker name and waits for its reply until timeout_ms. The reply
 * is a new buffer (free() it). timeout_ms (> 0) bounds the whole call.
 * Errors: SUP_ENOTFOUND (no such worker), SUP_EDOWN (it is not running
 * and was not back within 250 ms, or died before replying: the call was
 * not run, or not finished),
 * SUP_ETIMEDOUT, SUP_EFAILED (it answered with sup_reply_error(), or
 * stopped in an orderly way before answering: *reply holds the text),
 * SUP_ETOOBIG, SUP_EINVAL. A call is delivered at most once.
 * Thread-safe; connections are kept.
 */
SUP_API sup_err sup_call(const char *name, const void *req, size_t len,
    void **reply, size_t *rlen, int64_t timeout_ms);
SUP_API sup_err sup_client_call(sup_client *c, const char *name,
    const void *req, size_t len, void **reply, size_t *rlen,
    int64_t timeout_ms);

/* Sends a cast; returns once the worker has received it. */
SUP_API sup_err sup_cast(const char *name, const void *msg, size_t len);
SUP_API sup_err sup_client_cast(sup_client *c, const char *name,
    const void *msg, size_t len);

struct sup_where {
	char endpoint[256]; /* ipc://... */
	pid_t pid;
	char status[16];    /* initializing, ready, degraded */
};

/*
 * Where worker name is and how it is, from the registry in the run dir
 * (not from supd). SUP_ENOTFOUND when it never ran; SUP_EDOWN when its
 * process is gone (where is still filled).
 */
SUP_API sup_err sup_lookup(const char *name, struct sup_where *where);
SUP_API sup_err sup_client_lookup(sup_client *c, const char *name,
    struct sup_where *where);

/* sup_table_get() in the tree of c. */
SUP_API sup_err sup_client_table_get(sup_client *c, const char *name,
    const char *table, const char *key, void **value, size_t *len);

/* --- pools (instances = N in sup.conf: POOL.0 ... POOL.N-1) ----------- */

/*
 * The shard of pool that key goes to, written to name (n bytes):
 * "POOL.I" with I = jump_hash(fnv1a_64(key), N), N the pool's size as
 * supd runs it (read from RUN/pool/POOL, without going through supd), or
 * pool itself when it is a single worker. The same key goes to the same
 * shard from every process and across restarts while N stays; when N
 * grows to N+1, about 1/(N+1) of the keys move. SUP_ENOTFOUND when pool
 * is neither a pool nor a worker that ran.
 */
SUP_API sup_err sup_pool_route(const char *pool, const char *key,
    char *name, size_t n);
SUP_API sup_err sup_client_pool_route(sup_client *c, const char *pool,
    const char *key, char *name, size_t n);

/* sup_call to the shard of pool that key goes to. */
SUP_API sup_err sup_pool_call(const char *pool, const char *key,
    const void *req, size_t len, void **reply, size_t *rlen,
    int64_t timeout_ms);
SUP_API sup_err sup_client_pool_call(sup_client *c, const char *pool,
    const char *key, const void *req, size_t len, void **reply,
    size_t *rlen, int64_t timeout_ms);

/* One shard's answer to a multicall. */
struct sup_mreply {
	char name[96]; /* "POOL.I" */
	sup_err err;   /* SUP_OK, or this shard's error (as sup_call's) */
	void *reply;   /* the reply, or the error text, or NULL */
	size_t len;
};

/*
 * Calls every shard of pool in parallel with the same request and waits
 * for all within timeout_ms. *replies (free with sup_mreplies_free) gets
 * one entry per shard, in shard order, and *n their count, whatever
 * happened. Returns SUP_OK when every shard answered, else the error of
 * the first shard that did not: never a partial result that looks whole.
 * SUP_ENOTFOUND (and *replies NULL) when pool is unknown.
 */
SUP_API sup_err sup_pool_multicall(const char *pool, const void *req,
    size_t len, struct sup_mreply **replies, int *n, int64_t timeout_ms);
SUP_API sup_err sup_client_pool_multicall(sup_client *c, const char *pool,
    const void *req, size_t len, struct sup_mreply **replies, int *n,
    int64_t timeout_ms);
/* Frees what a multicall gave (NULL: nothing). */
SUP_API void sup_mreplies_free(struct sup_mreply *replies, int n);

#ifdef __cplusplus
}
#endif
#endif
