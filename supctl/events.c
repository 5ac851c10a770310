/*
 * supctl/events.c — supctl events: the live stream of supd's
 * lifecycle events and the workers' telemetry (supervisor/events.c), as
 * lines for people or JSON for programs.
 *
 * A reader too slow for the stream loses events rather than slowing
 * anyone: each source numbers its events, and the gaps are reported on
 * stderr as they are seen and in all at the end.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"
#include "ipc/ipc.h"
#include "common/rundir.h"
#include "supctl.h"

#define MAX_SOURCES 256

/* A sequence of numbers: a publisher (src, pid) about one topic (a
 * worker's own events; supd numbers its events per child). */
struct source {
	char src[96], topic[96];
	json_int_t pid, seq;
};

static struct source sources[MAX_SOURCES];
static int nsources;
static long long lost;

/* Gaps in a source's numbers: events this reader missed. */
static void
gaps_check(const char *src, const char *topic, json_int_t pid,
    json_int_t seq)
{
	struct source *s = NULL;

	for (int i = 0; i < nsources && s == NULL; i++)
		if (strcmp(sources[i].src, src) == 0 && sources[i].pid == pid &&
		    strcmp(sources[i].topic, topic) == 0)
			s = &sources[i];
	if (s == NULL) {
		s = &sources[nsources < MAX_SOURCES ? nsources++ : 0];
		snprintf(s->src, sizeof(s->src), "%s", src);
		snprintf(s->topic, sizeof(s->topic), "%s", topic);
		s->pid = pid;
		s->seq = seq;
		return;
	}
	if (seq > s->seq + 1) {
		lost += seq - s->seq - 1;
		ctl_say("lost %lld events of %s%s%s (pid %lld): this reader "
		    "was too slow", (long long)(seq - s->seq - 1), src,
		    strcmp(src, topic) ? " about " : "",
		    strcmp(src, topic) ? topic : "", (long long)pid);
	}
	if (seq > s->seq)
		s->seq = seq;
}

static void
kv_print(const json_t *o)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)o, k, v) {
		if (json_is_string(v))
			printf(" %s=%s", k, json_string_value(v));
		else if (json_is_integer(v))
			printf(" %s=%lld", k, (long long)json_integer_value(v));
		else if (json_is_real(v))
			printf(" %s=%.1f", k, json_real_value(v));
	}
}

/* One event: checked for gaps, then printed. */
static void
event_show(const struct ctl_opts *o, const char *msg)
{
	const char *body = strchr(msg, ' '), *src, *event;
	char ts[32], topic[96];
	json_t *j;

	if (body == NULL || (j = json_loads(body + 1, 0, NULL)) == NULL)
		return; /* not an event */
	src = json_string_value(json_object_get(j, "src"));
	event = json_string_value(json_object_get(j, "event"));
	snprintf(topic, sizeof(topic), "%.*s", (int)(body - msg), msg);
	gaps_check(src ? src : "?", topic, json_integer_value(json_object_get(j,
	    "pid")), json_integer_value(json_object_get(j, "seq")));
	if (o->json) {
		puts(body + 1);
	} else {
		clk_iso8601(json_integer_value(json_object_get(j, "t_ms")), ts);
		printf("%s %s %s", ts, src ? src : "?", event ? event : "?");
		if (json_object_get(j, "text") != NULL)
			printf(" %s", json_string_value(json_object_get(j,
			    "text")));
		kv_print(json_object_get(j, "measurements"));
		kv_print(json_object_get(j, "metadata"));
		putchar('\n');
	}
	fflush(stdout);
	json_decref(j);
}

static int
subscribe(ipc_sub *s, int argc, char **argv)
{
	char prefix[128];

	if (argc == 0)
		return ipc_sub_subscribe(s, "", 0) == SUP_OK ? 0 : -1;
	for (int i = 0; i < argc; i++) {
		/* The name itself, and its pool's instances (NAME.0 ...). */
		snprintf(prefix, sizeof(prefix), "%s ", argv[i]);
		if (ipc_sub_subscribe(s, prefix, strlen(prefix)) != SUP_OK)
			return -1;
		snprintf(prefix, sizeof(prefix), "%s.", argv[i]);
		if (ipc_sub_subscribe(s, prefix, strlen(prefix)) != SUP_OK)
			return -1;
	}
	return 0;
}

/* Prints the events of one message (a worker batches its events, one
 * per line) until count is reached. */
static void
message_show(const struct ctl_opts *o, char *buf, long long *seen)
{
	for (char *save, *l = strtok_r(buf, "\n", &save); l != NULL &&
	    (o->count <= 0 || *seen < o->count);
	    l = strtok_r(NULL, "\n", &save)) {
		event_show(o, l);
		(*seen)++;
	}
}

/*
 * Waits on the subscription and on SIGINT and SIGTERM at once (a
 * signalfd: they end it at once, with the lost total, like --count),
 * until count events, the deadline, or a signal.
 */
static void
events_follow(const struct ctl_opts *o, ipc_sub *s, int sigfd)
{
	int64_t end = o->timeout_ms >= 0 && o->timeout_ms != INT64_MAX
	    ? clk_mono_ns() / 1000000 + o->timeout_ms : INT64_MAX;
	struct pollfd p[2] = {{ipc_sub_fd(s), POLLIN, 0}, {sigfd, POLLIN, 0}};
	long long seen = 0;
	size_t len;
	void *buf;

	while (o->count <= 0 || seen < o->count) {
		int64_t left = end == INT64_MAX ? -1 : end - clk_mono_ns() /
		    1000000;
		if (end != INT64_MAX && left <= 0)
			break;
		if (poll(p, 2, left > INT_MAX ? INT_MAX : (int)left) < 0 &&
		    errno != EINTR)
			break;
		if (p[1].revents != 0)
			break;
		while ((o->count <= 0 || seen < o->count) &&
		    ipc_sub_recv(s, &buf, &len, 0, NULL) == SUP_OK) {
			message_show(o, buf, &seen);
			free(buf);
		}
	}
}

int
verb_events(struct ctl_opts *o, int argc, char **argv)
{
	char path[PATH_MAX];
	ipc_sub *s = NULL;
	sigset_t stop;
	int code, sigfd;

	/* Blocked before nng starts its threads, which inherit the mask:
	 * they then reach only our signalfd. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, NULL);
	if ((sigfd = signalfd(-1, &stop, SFD_CLOEXEC)) < 0) {
		ctl_say("events: signalfd: %s", strerror(errno));
		return PROTO_FAILED;
	}
	if (ctl_supd_pid(o, false, &code) == 0) {
		close(sigfd);
		return code;
	}
	rundir_path(o->run_dir, RUN_EVENTS, NULL, path, sizeof(path));
	if (ipc_sub_open(256, &s) != SUP_OK || subscribe(s, argc, argv) != 0 ||
	    ipc_sub_dial(s, path, -1, NULL) != SUP_OK) {
		ctl_say("cannot subscribe to %s", path);
		ipc_sub_close(s);
		close(sigfd);
		return PROTO_FAILED;
	}
	events_follow(o, s, sigfd);
	ipc_sub_close(s); /* bounded: nng 1.5.2 can hang in a close */
	close(sigfd);
	if (lost > 0)
		ctl_say("%lld events lost in all", lost);
	return PROTO_OK;
}
