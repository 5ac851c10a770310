/*
 * tests/t.h — what scenario tests share: a temp dir per test, supd and
 * supctl run as a user runs them, status as JSON, waiting for conditions
 * with generous deadlines (never sleeping a fixed time and hoping), and
 * a /proc scan that finds every process a test left behind.
 *
 * Every process of a test carries SUP_TEST_DIR=<its temp dir> in its
 * environment (supd gets it, children inherit it): that is how leftovers
 * are found, whatever became of their parent.
 */
#ifndef TESTS_T_H
#define TESTS_T_H

#include <criterion/criterion.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sup/err.h"

#define T_BIN(name) SUP_BUILD_DIR "/bin/" name
#define T_HELPER(name) SUP_BUILD_DIR "/tests/helpers/" name
#define T_EXAMPLE(name) SUP_BUILD_DIR "/examples/" name

/* Whether freed memory leaves the RSS: not under ASan, whose allocator
 * keeps it in quarantine (make asan-test). */
#ifdef __SANITIZE_ADDRESS__
#define T_RSS_REAL 0
#else
#define T_RSS_REAL 1
#endif

/* Generous: CI machines are shared and noisy. */
#define T_WAIT_MS 20000
/* A program run by t_run() that takes longer is killed (status 137). */
#define T_RUN_MS 40000

/* T_OK(expr): expr returns sup_err; fails with sup_strerror() otherwise. */
#define T_OK(expr)                                                        \
	do {                                                              \
		sup_err t_e_ = (expr);                                    \
		cr_assert(t_e_ == SUP_OK, "%s: %s", #expr,               \
		    sup_strerror(t_e_));                                  \
	} while (0)

struct t_env {
	char dir[128];	/* /tmp/sup-test-XXXXXX */
	char run[160];	/* dir/run */
	char conf[160]; /* dir/sup.conf */
	char log[160];	/* dir/supd.log: supd's stderr */
	pid_t supd;
	int exit_code;	/* once reaped: status, or 128 + signal */
	bool reaped;
};

void t_env_init(struct t_env *e);
/* Stops supd (TERM, then KILL), kills what is left, removes the dir. */
void t_env_fini(struct t_env *e);

/*
 * A suite of scenario tests: each test gets `env` fresh (its own dir, its
 * own supd) and leaves nothing behind. timeout: seconds per test.
 */
#define T_SCENARIO_SUITE(suite, timeout_s)                                \
	static struct t_env env;                                          \
	static void t_setup_(void) { t_env_init(&env); }                  \
	static void t_teardown_(void) { t_env_fini(&env); }               \
	TestSuite(suite, .init = t_setup_, .fini = t_teardown_,          \
	    .timeout = (timeout_s))

/* Writes the config (printf-style); run_dir is set for you. */
void t_conf(struct t_env *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * A directory another user can reach, for tests that run a child as that
 * user (user = nobody): e->dir becomes 0755 and e->dir/name is made with
 * mode, owned by uid. The checkout itself may be private (a clone under
 * /root is 0700): t_exec_copy() copies a program into e->dir/bin, 0755,
 * and writes the copy's path to buf.
 */
void t_dir_for(struct t_env *e, const char *name, mode_t mode, uid_t uid,
    char *buf, size_t n);
void t_exec_copy(struct t_env *e, const char *program, char *buf, size_t n);
/* Writes path = e->dir/name. */
void t_path(const struct t_env *e, const char *name, char *buf, size_t n);

/* Starts supd on e->conf and waits until it says root is ready. */
void t_supd_start(struct t_env *e);
/* The same with another supd binary (a copy, for upgrade tests). */
void t_supd_start_from(struct t_env *e, const char *binary);
/* Starts supd and returns at once (for supd that must fail). */
void t_supd_spawn(struct t_env *e);
/* In a forked child about to exec supd some other way: the test's
 * environment, supd's log as stdout and stderr, a process group of its
 * own (what t_supd_start does before its exec). */
void t_supd_child_setup(struct t_env *e);
/* Waits for supd to exit; returns its exit code, or -1 on timeout. */
int t_supd_wait(struct t_env *e, int timeout_ms);
bool t_supd_alive(struct t_env *e);

/*
 * Runs supctl -r RUN args... (NULL-terminated). Captures stdout and
 * stderr into *out and *err (new strings; NULL to discard). Returns the
 * exit status (128 + signal when killed; T_RUN_MS bounds the run).
 */
int t_ctl(struct t_env *e, char **out, char **err, ...)
    __attribute__((sentinel));
/* supctl -r RUN args... (NULL-terminated): the first line of what it
 * printed, or "(exit N)" when it failed. A buffer of the calling thread,
 * valid until its next call. */
const char *t_ctl_line(struct t_env *e, ...) __attribute__((sentinel));
/* supctl -r RUN verb [name] in the background, its stdout to /dev/null:
 * its pid, to waitpid() for. */
pid_t t_ctl_bg(struct t_env *e, const char *verb, const char *name);
/* Runs any program; same captures. */
int t_run(char **out, char **err, char *const argv[]);
/* Starts a program in the background, talking to it through pipes: *to
 * writes its stdin, *from reads its stdout. Its pid, to waitpid() for. */
pid_t t_spawn_io(char *const argv[], int *to, int *from);

/* supctl status --json, parsed; NULL if supd did not answer (then
 * t_status_err says what supctl said). */
extern char t_status_err[1024];
json_t *t_status(struct t_env *e);
/* The child object of name in a status (borrowed), or NULL. */
json_t *t_kid(json_t *status, const char *name);
/* Shortcuts that ask supd now: the child's pid (0 if none), its state
 * ("" if unknown; static buffer), its restarts (-1 if unknown). */
pid_t t_pid(struct t_env *e, const char *name);
const char *t_state(struct t_env *e, const char *name);
/* The string key of child name's status ("" if none; the same static
 * buffer as t_state's): "status_text", "state"... */
const char *t_kid_str(struct t_env *e, const char *name, const char *key);
long t_restarts(struct t_env *e, const char *name);
/* The reason of name's last exit in status ("" when none). A buffer of
 * the calling thread, valid until its next call. */
const char *t_last_reason(struct t_env *e, const char *name);
/* How many events of that kind ("start", "restart", "exit", "stop"...)
 * the history holds for name (supctl history NAME --json); -1 when it
 * cannot be read. What happened is checked there, not in supd's log. */
int t_history_count(struct t_env *e, const char *name, const char *event);
/* The same, counting only rows whose reason holds reason. */
int t_history_with(struct t_env *e, const char *name, const char *event,
    const char *reason);
/* The history's rows (supctl history [NAME] --json; name NULL: every
 * name), oldest first: objects with "event", "name", "pid", "code",
 * "signal", "reason", "decided_by"... New reference, or NULL when it
 * cannot be read. With supd down, supctl reads RUN/state.db itself. */
json_t *t_history(struct t_env *e, const char *name);
/* How many of rows are about name, are event and have a reason holding
 * reason (each NULL: any). */
int t_rows_count(json_t *rows, const char *name, const char *event,
    const char *reason);
/* The last row about name that is event (borrowed), or NULL. */
json_t *t_row_last(json_t *rows, const char *name, const char *event);
/* A string field of a row, "" when it is null or missing. */
const char *t_row_str(json_t *row, const char *key);
/* The names of the rows that are event, oldest first, joined by spaces
 * into buf ("b d c a"): an order to compare. */
const char *t_rows_names(json_t *rows, const char *event, char *buf,
    size_t n);

/*
 * supctl events --json, read in the background: supd's lifecycle events
 * (each line of its log, as {"event":E, "name":NAME, "fields":{...}}),
 * for what only they say (the signal a stop sent). t_events_start()
 * returns once the stream flows: it sends SIGCONT (harmless) to the
 * running child sync until the stream shows that signal. The last events
 * can be lost when supd exits: read it while supd runs.
 */
struct t_events {
	pid_t pid;
	int fd;		/* its stdout, non-blocking */
	char *seen;	/* what was read so far */
	size_t len;
};
void t_events_start(struct t_env *e, struct t_events *ev, const char *sync);
/* Events read so far (what is there is read first) of that kind about
 * name (NULL: any), whose field key (NULL: any) reads value (a number
 * as text). */
int t_events_count(struct t_events *ev, const char *name, const char *event,
    const char *key, const char *value);
void t_events_stop(struct t_events *ev);
/* The group object of name in a status (borrowed), or NULL. */
json_t *t_group(json_t *status, const char *name);

/* Monotonic milliseconds. */
int64_t t_now_ms(void);
void t_sleep_ms(int ms);

/* Waits until cond holds (checked every 10 ms) or ms pass. */
#define T_WAIT(cond, ms)                                                  \
	({                                                                \
		int64_t t_end_ = t_now_ms() + (ms);                       \
		bool t_ok_;                                               \
		while (!(t_ok_ = (cond)) && t_now_ms() < t_end_)          \
			t_sleep_ms(10);                                   \
		t_ok_;                                                    \
	})

bool t_pid_alive(pid_t pid);
/* kill(pid, sig), failing the test on a pid that is not one process's
 * (0 or -1 would signal the test's own group, or everything). */
void t_kill(pid_t pid, int sig);
/* The content of a file (new string), or NULL. */
char *t_read(const char *path);
/* Lines of path (new vector of strings, NULL-terminated); count in *n. */
char **t_lines(const char *path, int *n);
void t_lines_free(char **v);
/* The value of key in pid's environment (false if none). */
bool t_proc_env(pid_t pid, const char *key, char *out, size_t n);
/* Processes whose environment holds kv (e.g. "SUP_TEST_DIR=/tmp/x");
 * a kv ending in '*' matches as a prefix. */
int t_procs_with_env(const char *kv, pid_t *out, int cap);
/* Whether sig is in the mask of /proc/PID/status named by field
 * ("SigIgn:" ignored, "SigCgt:" caught). */
bool t_sig_in(pid_t pid, const char *field, int sig);
/* Whether pid ignores, catches or blocks sig (a libsup worker reads its
 * signals from a signalfd): a child that must outlive or
 * answer a signal is only tested once it has said so (an exec'd child
 * takes a while, under ASan longer, to reach its first line). */
bool t_handles(pid_t pid, int sig);
/* Waits (failing the test) until child name of e handles sig. */
void t_wait_handles(struct t_env *e, const char *name, int sig);

#endif
