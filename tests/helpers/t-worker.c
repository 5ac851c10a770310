/*
 * t-worker — a libsup worker built for tests. Calls (text):
 *   incr            counter + 1, checkpointed; replies the new value
 *   get             the counter
 *   sleep MS        blocks the loop MS ms, then replies "slept"
 *   defer MS        replies "deferred" MS ms later (loop not blocked)
 *   ping            pong
 *   set N           sets `value` (not checkpointed by itself when manual)
 *   pair            a + 1 and b + 1 (always equal in any checkpoint)
 *   spin [MS]       from now on a timer does `pair` every MS ms (1)
 *   idle MS         inactivity timeout of MS: timeouts + 1 each time
 *   every MS        a periodic timer: ticks + 1 each time
 *   stats           "counter=N value=N a=N b=N timeouts=N ticks=N"
 *   tput K V        K = V in the published table "t"
 *   tdel K          K out of table "t"
 *   stop            returns SUP_RET_STOP with reason "asked to stop"
 *   task MS         a task thread sleeps MS ms, then replies "tasked MS"
 *   cache MB        holds MB of cache in 4 KB blocks (freed by hibernate)
 *   rss             this process's VmRSS in kB
 *   hibernate       replies "ok", then returns SUP_RET_HIBERNATE
 *   emit N          N telemetry events "tick" (i); replies the ms it took
 *   taskcrash       a task thread crashes the process (abort: SIGABRT)
 * With T_MARKS=FILE in its environment, sleep, defer and task append
 * "sleep", "defer" or "task" to FILE as they start: tests wait for that,
 * not for a time.
 * Fields: --need=N (required), --counter, --value, --load-ms, --slow-init,
 * --ignore=true (init returns SUP_RET_IGNORE).
 * terminate() sets `terminated` to true (seen in the final checkpoint).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sup/sup.h"

struct st {
	int64_t need, counter, value, a, b, timeouts, ticks, load_ms;
	bool terminated, spinning, ignore;
	int64_t every_ms, spin_ms;
};

static const struct sup_field fields[] = {
	SUP_FIELD(struct st, need, SUP_INT64, SUP_REQUIRED, NULL),
	SUP_FIELD(struct st, counter, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct st, value, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct st, a, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct st, b, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct st, timeouts, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct st, ticks, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct st, load_ms, SUP_INT64, SUP_OPTIONAL, "0"),
	SUP_FIELD(struct st, terminated, SUP_BOOL, SUP_OPTIONAL, "false"),
	SUP_FIELD(struct st, ignore, SUP_BOOL, SUP_OPTIONAL, "false"),
};

static void
msleep(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};

	nanosleep(&t, NULL);
}

static enum sup_ret
t_init(sup_worker *w, void *state, bool recovering)
{
	struct st *s = state;

	(void)w;
	(void)recovering;
	s->terminated = false;
	s->spinning = false;
	if (s->ignore)
		return SUP_RET_IGNORE;
	return s->load_ms > 0 ? SUP_RET_CONTINUE : SUP_RET_OK;
}

static enum sup_ret
t_continue(sup_worker *w, void *state)
{
	msleep((long)((struct st *)state)->load_ms);
	sup_status_text_set(w, "loaded");
	return SUP_RET_OK;
}

static enum sup_ret
reply_num(sup_from *from, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);

	sup_reply(from, buf, (size_t)n);
	return SUP_RET_OK;
}

/* "what" started: a line in $T_MARKS, for the test to see. */
static void
mark(const char *what)
{
	const char *path = getenv("T_MARKS");
	FILE *f;

	if (path != NULL && (f = fopen(path, "a")) != NULL) {
		fprintf(f, "%s\n", what);
		fclose(f);
	}
}

static void
task_sleep(void *arg, sup_from *from)
{
	char out[32];
	int n = snprintf(out, sizeof(out), "tasked %ld", (long)arg);

	mark("task");
	msleep((long)arg);
	sup_reply(from, out, (size_t)n);
}

static void
task_crash(void *arg, sup_from *from)
{
	(void)arg;
	(void)from;
	abort(); /* the process dies of a signal, as from a fault */
}

/* A cache: small blocks, which stay in malloc's heap when freed until
 * malloc_trim gives their pages back. */
static void **cache;
static size_t ncache;

static void
cache_fill(long mb)
{
	size_t n = (size_t)mb * 256;
	void **c = realloc(cache, (ncache + n) * sizeof(*c));

	if (c == NULL)
		return;
	cache = c;
	for (size_t i = 0; i < n; i++)
		if ((cache[ncache] = malloc(4000)) != NULL)
			memset(cache[ncache++], 'c', 4000);
}

static void
t_hibernate(sup_worker *w, void *state)
{
	(void)w;
	(void)state;
	for (size_t i = 0; i < ncache; i++)
		free(cache[i]);
	free(cache);
	cache = NULL;
	ncache = 0;
}

static long
rss_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f != NULL)
		fclose(f);
	return kb;
}

static enum sup_ret
t_call(sup_worker *w, void *state, const void *req, size_t len,
    sup_from *from)
{
	struct st *s = state;
	char m[128], out[256];
	long arg;

	snprintf(m, sizeof(m), "%.*s", (int)(len < 127 ? len : 127),
	    (const char *)req);
	arg = strchr(m, ' ') ? atol(strchr(m, ' ') + 1) : 0;
	if (strcmp(m, "incr") == 0)
		return reply_num(from, ++s->counter);
	if (strcmp(m, "get") == 0)
		return reply_num(from, s->counter);
	if (strcmp(m, "ping") == 0)
		return sup_reply(from, "pong", 4), SUP_RET_OK;
	if (strncmp(m, "task ", 5) == 0) {
		if (sup_task_start(w, task_sleep, (void *)arg, from) != SUP_OK)
			sup_reply_error(from, "no task");
		return SUP_RET_OK;
	}
	if (strncmp(m, "cache ", 6) == 0) {
		cache_fill(arg);
		return sup_reply(from, "ok", 2), SUP_RET_OK;
	}
	if (strncmp(m, "emit ", 5) == 0) {
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (long i = 0; i < arg; i++) {
			struct sup_measure x = {"i", (double)i};
			sup_telemetry_emit("tick", &x, 1, NULL, 0);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		return reply_num(from, (t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
	if (strcmp(m, "rss") == 0)
		return reply_num(from, rss_kb());
	if (strcmp(m, "hibernate") == 0)
		return sup_reply(from, "ok", 2), SUP_RET_HIBERNATE;
	if (strcmp(m, "taskcrash") == 0) {
		sup_task_start(w, task_crash, NULL, from);
		return SUP_RET_OK;
	}
	if (strncmp(m, "sleep ", 6) == 0) {
		mark("sleep");
		msleep(arg);
		sup_reply(from, "slept", 5);
		return SUP_RET_OK;
	}
	if (strncmp(m, "defer ", 6) == 0) {
		char tag[32];
		mark("defer");
		snprintf(tag, sizeof(tag), "%p", (void *)from);
		sup_timer_start(w, arg, tag);
		return SUP_RET_OK;
	}
	if (strncmp(m, "set ", 4) == 0) {
		s->value = arg;
		return sup_reply(from, "ok", 2), SUP_RET_OK;
	}
	if (strcmp(m, "pair") == 0) {
		s->a++;
		s->b++;
		return reply_num(from, s->a);
	}
	if (strncmp(m, "spin", 4) == 0) {
		s->spinning = true;
		s->spin_ms = strchr(m, ' ') ? arg : 1;
		sup_timer_start(w, s->spin_ms, "spin");
		return sup_reply(from, "spinning", 8), SUP_RET_OK;
	}
	if (strncmp(m, "idle ", 5) == 0) {
		sup_timeout_set(w, arg);
		return sup_reply(from, "ok", 2), SUP_RET_OK;
	}
	if (strncmp(m, "every ", 6) == 0) {
		s->every_ms = arg;
		sup_timer_start(w, arg, "every");
		return sup_reply(from, "ok", 2), SUP_RET_OK;
	}
	if (strcmp(m, "stats") == 0) {
		int n = snprintf(out, sizeof(out), "counter=%lld value=%lld "
		    "a=%lld b=%lld timeouts=%lld ticks=%lld",
		    (long long)s->counter, (long long)s->value,
		    (long long)s->a, (long long)s->b, (long long)s->timeouts,
		    (long long)s->ticks);
		return sup_reply(from, out, (size_t)n), SUP_RET_OK;
	}
	if (strncmp(m, "tput ", 5) == 0 && strchr(m + 5, ' ') != NULL) {
		char *v = strchr(m + 5, ' ');
		*v++ = '\0';
		if (sup_table_put(w, "t", m + 5, v, strlen(v)) != SUP_OK)
			return sup_reply_error(from, "put failed"), SUP_RET_OK;
		return sup_reply(from, "ok", 2), SUP_RET_OK;
	}
	if (strncmp(m, "tdel ", 5) == 0) {
		sup_table_del(w, "t", m + 5);
		return sup_reply(from, "ok", 2), SUP_RET_OK;
	}
	if (strcmp(m, "stop") == 0) {
		sup_reply(from, "stopping", 8);
		sup_stop_reason_set(w, "asked to stop");
		return SUP_RET_STOP;
	}
	sup_reply_error(from, "unknown request");
	return SUP_RET_OK;
}

static enum sup_ret
t_info(sup_worker *w, void *state, const struct sup_info *info)
{
	struct st *s = state;
	sup_from *from;

	if (info->kind == SUP_TIMEOUT) {
		s->timeouts++;
		return SUP_RET_OK;
	}
	if (strcmp(info->tag, "spin") == 0) {
		s->a++;
		s->b++;
		sup_timer_start(w, s->spin_ms, "spin");
	} else if (strcmp(info->tag, "every") == 0) {
		s->ticks++;
		sup_timer_start(w, s->every_ms, "every");
	} else if (sscanf(info->tag, "%p", (void **)&from) == 1) {
		sup_reply(from, "deferred", 8);
	}
	return SUP_RET_OK;
}

static void
t_terminate(sup_worker *w, void *state, const char *reason)
{
	(void)w;
	(void)reason;
	((struct st *)state)->terminated = true;
}

static const struct sup_ops ops = {
	.size = sizeof(struct sup_ops),
	.name = "t-worker",
	.state_size = sizeof(struct st),
	.fields = fields,
	.nfields = sizeof(fields) / sizeof(fields[0]),
	.checkpoint = SUP_CHECKPOINT_EACH,
	.init = t_init,
	.handle_continue = t_continue,
	.handle_call = t_call,
	.handle_info = t_info,
	.terminate = t_terminate,
	.hibernate = t_hibernate,
};

int
main(int argc, char **argv)
{
	return sup_worker_main(&ops, argc, argv);
}
