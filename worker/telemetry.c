/*
 * worker/telemetry.c — events a worker publishes (sup_telemetry_emit, and
 * the runtime's own: call durations, checkpoints, hibernation).
 *
 * Each worker publishes on its endpoint's path + ".ev" (RUN/w/NAME.ev:
 * nng PUB, 0600); supd
 * subscribes and relays to supctl events. Emitting never waits: with no
 * subscriber nothing is even formatted, and a subscriber too slow to
 * keep up loses events, never the worker's time. Every event carries
 * the worker's sequence number, so a subscriber counts what it lost from
 * the gaps; events the worker itself could not send are counted in
 * "dropped" on the next one.
 *
 * Wire format: a message holds one event per line (the loop's events are
 * sent in batches, at most 5 ms late), each "NAME " then a JSON object:
 *   {"src":"kv","pid":1240,"seq":17,"t_ms":1764120000123,
 *    "event":"call","measurements":{"duration_us":152},
 *    "metadata":{"type":"get"},"dropped":0}
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "ipc/ipc.h"
#include "wrk.h"

#define EVENT_MAX 4096
#define BATCH_MAX 16384	/* events of the loop, sent together */
#define BATCH_NS (5 * 1000000LL) /* at most this late */

static pthread_mutex_t emu = PTHREAD_MUTEX_INITIALIZER;
static ipc_pub *pub;		/* under emu once open */
static char self[96];
static uint64_t seq;		/* under emu: numbered in the order sent */
static atomic_uint_fast64_t dropped;
/* The loop's events, one per line, sent in one message within BATCH_NS
 * (the loop's timer) or when full: a busy worker wakes supd and the
 * subscribers once per batch, not once per call. Under emu. */
static char batch[BATCH_MAX];
static size_t blen;
static int bcount;
static atomic_llong flush_due; /* CLOCK_MONOTONIC ns; 0: nothing held */
static pthread_t loop_thread;

static void flush_locked(void);

void
wrk_telemetry_open(sup_worker *w)
{
	char path[PATH_MAX + 160];
	sup_err e;

	snprintf(self, sizeof(self), "%s", w->name);
	loop_thread = w->thread;
	if ((size_t)snprintf(path, sizeof(path), "%s.ev", w->endpoint + 6) >=
	    sizeof(path))
		return;
	unlink(path); /* ours: the name's lock is held */
	if ((e = ipc_pub_open(path, -1, &pub)) != SUP_OK)
		wrk_log(w, "telemetry off: cannot publish on %s: %s", path,
		    sup_strerror(e));
}

void
wrk_telemetry_close(sup_worker *w)
{
	char path[PATH_MAX + 160];

	pthread_mutex_lock(&emu);
	if (pub == NULL) {
		pthread_mutex_unlock(&emu);
		return;
	}
	flush_locked();
	ipc_pub_close(pub);
	pub = NULL;
	pthread_mutex_unlock(&emu);
	snprintf(path, sizeof(path), "%s.ev", w->endpoint + 6);
	unlink(path);
}

bool
wrk_telemetry_on(void)
{
	return ipc_pub_subscribers(pub) > 0;
}

/* Appends s to buf at *o as a JSON string. */
static void
json_str(char *buf, size_t n, size_t *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	if (*o < n)
		buf[(*o)++] = '"';
	for (; s != NULL && *s != '\0'; s++) {
		if (*o + 7 >= n) {
			*o = n; /* does not fit: the event is refused whole */
			return;
		}
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[(*o)++] = '\\';
			buf[(*o)++] = (char)c;
		} else if (c < 0x20) {
			*o += (size_t)snprintf(buf + *o, n - *o, "\\u00%c%c",
			    hex[c >> 4], hex[c & 15]);
		} else {
			buf[(*o)++] = (char)c;
		}
	}
	if (*o < n)
		buf[(*o)++] = '"';
}

static void
put(char *buf, size_t n, size_t *o, const char *s)
{
	size_t len = strlen(s);

	if (*o + len < n) {
		memcpy(buf + *o, s, len);
		*o += len;
	} else {
		*o = n; /* does not fit: the event is refused whole */
	}
}

/* ":N": whole numbers as such, others to 6 digits; JSON has no NaN. */
static void
number(char *buf, size_t n, double v)
{
	if (!isfinite(v))
		snprintf(buf, n, ":null");
	else if (fabs(v) < 1e15 && v == (double)(long long)v)
		snprintf(buf, n, ":%lld", (long long)v);
	else
		snprintf(buf, n, ":%.6g", v);
}

/* Sends the held events. Under emu. */
static void
flush_locked(void)
{
	if (blen > 0 && (pub == NULL || ipc_pub_send(pub, batch, blen) !=
	    SUP_OK))
		atomic_fetch_add(&dropped, (uint_fast64_t)bcount);
	blen = 0;
	bcount = 0;
	atomic_store(&flush_due, 0);
}

void
wrk_telemetry_flush(void)
{
	pthread_mutex_lock(&emu);
	flush_locked();
	pthread_mutex_unlock(&emu);
}

int64_t
wrk_telemetry_due(void)
{
	return atomic_load(&flush_due);
}

/* One event out: held with the loop's others, or, from another thread
 * (the loop may sleep), sent at once after them. Under emu. */
static sup_err
out_locked(const char *ev, size_t len)
{
	bool mine = pthread_equal(pthread_self(), loop_thread);

	if (blen + len + 1 > sizeof(batch) || !mine)
		flush_locked();
	if (!mine) {
		if (ipc_pub_send(pub, ev, len) != SUP_OK) {
			atomic_fetch_add(&dropped, 1);
			return SUP_EBUSY;
		}
		return SUP_OK;
	}
	if (blen == 0)
		atomic_store(&flush_due, wrk_now_ns() + BATCH_NS);
	memcpy(batch + blen, ev, len);
	blen += len;
	batch[blen++] = '\n';
	bcount++;
	return SUP_OK;
}

static sup_err
emit_locked(const char *event, const struct sup_measure *m, size_t nm,
    const struct sup_meta *md, size_t nmd)
{
	char buf[EVENT_MAX], num[64];
	size_t o = 0;

	put(buf, sizeof(buf), &o, self);
	put(buf, sizeof(buf), &o, " {\"src\":");
	json_str(buf, sizeof(buf), &o, self);
	snprintf(num, sizeof(num), ",\"pid\":%d,\"seq\":%llu,\"t_ms\":%lld,"
	    "\"event\":", (int)getpid(), (unsigned long long)(seq + 1),
	    (long long)clk_real_ms());
	put(buf, sizeof(buf), &o, num);
	json_str(buf, sizeof(buf), &o, event);
	put(buf, sizeof(buf), &o, ",\"measurements\":{");
	for (size_t i = 0; i < nm; i++) {
		put(buf, sizeof(buf), &o, i ? "," : "");
		json_str(buf, sizeof(buf), &o, m[i].name);
		number(num, sizeof(num), m[i].value);
		put(buf, sizeof(buf), &o, num);
	}
	put(buf, sizeof(buf), &o, "},\"metadata\":{");
	for (size_t i = 0; i < nmd; i++) {
		put(buf, sizeof(buf), &o, i ? "," : "");
		json_str(buf, sizeof(buf), &o, md[i].name);
		put(buf, sizeof(buf), &o, ":");
		json_str(buf, sizeof(buf), &o, md[i].value);
	}
	snprintf(num, sizeof(num), "},\"dropped\":%llu}",
	    (unsigned long long)atomic_load(&dropped));
	put(buf, sizeof(buf), &o, num);
	if (o >= sizeof(buf)) {
		atomic_fetch_add(&dropped, 1); /* never a cut event */
		return SUP_ETOOBIG;
	}
	seq++; /* numbered in the order they go out */
	return out_locked(buf, o);
}

SUP_API sup_err
sup_telemetry_emit(const char *event, const struct sup_measure *m,
    size_t nm, const struct sup_meta *md, size_t nmd)
{
	sup_err e = SUP_OK;

	if (event == NULL || (nm > 0 && m == NULL) || (nmd > 0 && md == NULL))
		return SUP_EINVAL;
	if (!wrk_telemetry_on())
		return SUP_OK; /* nobody listens: nothing is lost */
	/* One at a time: numbers go out in order, whatever the thread. */
	pthread_mutex_lock(&emu);
	if (pub != NULL)
		e = emit_locked(event, m, nm, md, nmd);
	pthread_mutex_unlock(&emu);
	return e;
}

