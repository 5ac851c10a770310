/*
 * supctl/main.c — supctl: drives a running supd (supctl(1)).
 *
 * Finds the run dir (-r, $SUP_RUN_DIR, -c CONFIG's run_dir, then the
 * default), learns from the lock whether supd runs (without touching its
 * socket), sends one JSON request over ipc/, and turns the reply into
 * output and an exit status: 0 done, 1 failed, 2 usage or config error,
 * 3 supd not running, 4 no such child.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup/sup.h"
#include "common/sig.h"
#include "common/dur.h"
#include "common/log.h"
#include "common/trust.h"
#include "shared/config.h"
#include "ipc/ipc.h"
#include "common/rundir.h"
#include "supctl.h"

#define QUERY_TIMEOUT_MS 10000
#define WAIT_TIMEOUT_MS 90000
/* A rolling restart waits for each instance in turn. */
#define ROLLING_TIMEOUT_MS (15 * 60 * 1000)

void
ctl_say(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "supctl: %s\n", msg); /* one write: no torn lines */
}

static void
usage(FILE *f)
{
	fputs("usage: supctl [-r RUN_DIR | -c CONFIG] [--json] "
	      "[--timeout D] COMMAND ...\n"
	      "       supctl --version\n"
	      "  start [-c CONFIG]         start supd in the background\n"
	      "  stop                      stop the whole tree and supd\n"
	      "  status [NAME...]          one row per child\n"
	      "  pid NAME...               the pid of each (kill $(supctl pid kv))\n"
	      "  start|stop|restart NAME...  a child, a pool or a group\n"
	      "  restart POOL --rolling    one instance at a time, each after "
	      "the last is ready\n"
	      "  signal NAME SIG           signal a child's process group\n"
	      "  tree                      groups, strategies and states\n"
	      "  history [NAME] [--since D]  exits and restarts, with reasons\n"
	      "  call NAME MSG [--timeout D] / cast NAME MSG   a libsup worker\n"
	      "  call POOL MSG --key K     the shard of a pool that K goes to\n"
	      "  call POOL MSG --all       every shard of a pool\n"
	      "  state NAME                a libsup worker's last checkpoint\n"
	      "  events [NAME...] [-n N]   live lifecycle events and "
	      "telemetry\n"
	      "  logs [NAME...] [-f] [-n N] captured output, several merged "
	      "by time\n"
	      "  top [NAME...]             the tree live, full screen (keys: "
	      "r s S l q)\n"
	      "  metrics                   Prometheus text exposition\n"
	      "  reload [--dry-run]        apply the config file's changes\n"
	      "  reexec                    supd execs its binary anew, keeping "
	      "the tree\n"
	      "See supctl(1).\n", f);
}

struct rundir *
ctl_run(struct ctl_opts *o, bool quiet, int *code)
{
	char why[1024];
	sup_err e;

	if (o->run.fd[RUNDIR_TOP] >= 0)
		return &o->run;
	if ((e = rundir_open(&o->run, o->run_dir, why, sizeof(why))) ==
	    SUP_OK)
		return &o->run;
	*code = e == SUP_ENOTFOUND ? PROTO_NOT_RUNNING : e == SUP_EREFUSED ?
	    PROTO_USAGE : PROTO_FAILED;
	if (e == SUP_ENOTFOUND) {
		if (!quiet)
			ctl_say("supd is not running on %s (start it with: "
			    "supctl start -c CONFIG)", o->run_dir);
	} else if (e == SUP_EREFUSED) {
		ctl_say("not trusting the run dir %s: %s", o->run_dir, why);
	} else {
		ctl_say("run dir %s: %s", o->run_dir, why);
	}
	return NULL;
}

pid_t
ctl_supd_pid(struct ctl_opts *o, bool quiet, int *code)
{
	struct rundir *run = ctl_run(o, quiet, code);
	char why[1024];
	pid_t pid = 0;
	sup_err e;

	if (run == NULL)
		return 0;
	e = rundir_supd_pid(run, &pid, why, sizeof(why));
	*code = e == SUP_ENOTFOUND ? PROTO_NOT_RUNNING : PROTO_USAGE;
	if (e == SUP_OK)
		return pid;
	if (e == SUP_ENOTFOUND && !quiet)
		ctl_say("supd is not running on %s (start it with: supctl "
		    "start -c CONFIG)", o->run_dir);
	else if (e != SUP_ENOTFOUND)
		ctl_say("%s", why);
	return 0;
}

sup_err
ctl_db_check(const char *path, enum trust_owner owner, int *code)
{
	char why[1024];
	sup_err e;
	int fd;

	e = trust_file_open(path, O_RDONLY, 0, owner, &fd, why, sizeof(why));
	if (e == SUP_OK)
		close(fd);
	else if (e == SUP_EREFUSED) {
		ctl_say("not reading %s: %s", path, why);
		*code = PROTO_USAGE;
	}
	return e;
}

static json_t *
reply_parse(const char *buf, size_t len, int *code)
{
	const char *hint, *err;
	enum proto_code c;
	json_t *r, *v;
	size_t i;

	if ((r = proto_unframe(buf, len)) == NULL) {
		ctl_say("supd sent a reply supctl cannot read");
		*code = PROTO_FAILED;
		return NULL;
	}
	if (proto_reply_ok(r, &c, &err, &hint))
		return r;
	/* Each problem of a config, as supd would print it at start. */
	json_array_foreach(json_object_get(r, "errors"), i, v)
		if (json_is_string(v))
			fprintf(stderr, "%s\n", json_string_value(v));
	ctl_say("%s", err ? err : "failed");
	if (hint != NULL)
		ctl_say("did you mean %s?", hint);
	*code = (int)c;
	json_decref(r);
	return NULL;
}

json_t *
ctl_request(struct ctl_opts *o, json_t *req, int64_t timeout_ms, int *code)
{
	return ctl_request_ex(o, req, timeout_ms, code, NULL);
}

json_t *
ctl_request_ex(struct ctl_opts *o, json_t *req, int64_t timeout_ms,
    int *code, sup_err *transport)
{
	char path[PATH_MAX], *frame;
	void *reply = NULL;
	size_t len = 0, rlen = 0;
	pid_t pid = ctl_supd_pid(o, false, code);
	json_t *r = NULL;
	sup_err e;

	if (pid == 0) {
		json_decref(req);
		return NULL;
	}
	if ((frame = proto_frame(req, &len)) == NULL) {
		*code = PROTO_FAILED;
		return NULL;
	}
	rundir_path(o->run_dir, RUN_CTL, NULL, path, sizeof(path));
	if (o->timeout_ms >= 0)
		timeout_ms = o->timeout_ms;
	e = ipc_call(path, frame, len, &reply, &rlen, timeout_ms);
	free(frame);
	if (e == SUP_OK) {
		r = reply_parse(reply, rlen, code);
		free(reply);
		return r;
	}
	*code = PROTO_FAILED;
	if (transport != NULL)
		*transport = e;
	else if (e == SUP_ETIMEDOUT)
		ctl_say("no answer from supd (pid %d) within %llds; it goes on "
		    "with the request", (int)pid, (long long)timeout_ms / 1000);
	else
		ctl_say("cannot talk to supd (pid %d): %s", (int)pid,
		    sup_strerror(e));
	return NULL;
}

/* A request of cmd naming argv's children. */
static json_t *
names_request(enum proto_cmd cmd, int argc, char **argv)
{
	json_t *r = proto_request(cmd), *a = json_array();

	for (int i = 0; i < argc; i++)
		json_array_append_new(a, json_string(argv[i]));
	json_object_set_new(r, PROTO_F_NAMES, a);
	return r;
}

static int
verb_status(struct ctl_opts *o, int argc, char **argv)
{
	json_t *r;
	int code;

	r = ctl_request(o, names_request(PROTO_STATUS, argc, argv),
	    QUERY_TIMEOUT_MS, &code);
	if (r == NULL)
		return code;
	if (o->json) {
		json_object_del(r, PROTO_F_OK);
		json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_status(r);
	}
	/* Named children: exit 1 when one of them is not running. */
	code = (argc > 0 && !status_all_running(r)) ? PROTO_FAILED : PROTO_OK;
	json_decref(r);
	return code;
}

/*
 * supctl pid NAME...: the pid of each child named (every instance of a
 * pool, every worker of a group), one a line, for scripts:
 * kill -9 $(supctl pid kv). Exit 1 when one of them runs no process.
 */
static int
verb_pid(struct ctl_opts *o, int argc, char **argv)
{
	json_t *r, *c;
	size_t i;
	int code;

	if (argc == 0) {
		ctl_say("usage: supctl pid NAME...");
		return PROTO_USAGE;
	}
	r = ctl_request(o, names_request(PROTO_STATUS, argc, argv),
	    QUERY_TIMEOUT_MS, &code);
	if (r == NULL)
		return code;
	code = PROTO_OK;
	json_array_foreach(json_object_get(r, "children"), i, c) {
		json_t *pid = json_object_get(c, "pid");
		const char *name = json_string_value(json_object_get(c,
		    "name"));
		if (!json_is_integer(pid)) {
			ctl_say("%s is %s: no process", name,
			    json_string_value(json_object_get(c, "state")));
			code = PROTO_FAILED;
		} else if (o->json) {
			json_t *j = json_pack("{s:s, s:O}", "name", name,
			    "pid", pid);
			json_dumpf(j, stdout, JSON_COMPACT |
			    JSON_PRESERVE_ORDER);
			putchar('\n');
			json_decref(j);
		} else {
			printf("%lld\n", (long long)json_integer_value(pid));
		}
	}
	json_decref(r);
	return code;
}

static int
verb_tree(struct ctl_opts *o)
{
	int code;
	json_t *r = ctl_request(o, proto_request(PROTO_TREE),
	    QUERY_TIMEOUT_MS, &code);

	if (r == NULL)
		return code;
	if (o->json) {
		json_dumpf(json_object_get(r, "tree"), stdout,
		    JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_tree(r);
	}
	json_decref(r);
	return PROTO_OK;
}

static int
verb_change(struct ctl_opts *o, enum proto_cmd cmd, int argc, char **argv)
{
	int code;
	json_t *req = names_request(cmd, argc, argv), *r;

	if (o->rolling)
		json_object_set_new(req, PROTO_F_ROLLING, json_true());
	r = ctl_request(o, req, o->rolling ? ROLLING_TIMEOUT_MS :
	    WAIT_TIMEOUT_MS, &code);
	if (r == NULL)
		return code;
	json_decref(r);
	return PROTO_OK;
}

static int
verb_signal(struct ctl_opts *o, int argc, char **argv)
{
	json_t *req, *r, *v;
	size_t i;
	int code;

	if (argc != 2) {
		ctl_say("usage: supctl signal NAME SIG");
		return PROTO_USAGE;
	}
	req = names_request(PROTO_SIGNAL, 1, argv);
	json_object_set_new(req, PROTO_F_SIGNAL, json_string(argv[1]));
	r = ctl_request(o, req, QUERY_TIMEOUT_MS, &code);
	if (r == NULL)
		return code;
	json_array_foreach(json_object_get(r, "signalled"), i, v)
		printf("%s\n", json_string_value(v));
	json_decref(r);
	return PROTO_OK;
}

/* -r, then $SUP_RUN_DIR, then -c CONFIG's run_dir, then the default. */
static int
run_dir_find(struct ctl_opts *o)
{
	const char *env = getenv("SUP_RUN_DIR");
	struct sup_config *c;
	struct cfg_errors errs;
	char cwd[PATH_MAX];

	if (o->run_dir_arg != NULL || (env != NULL && env[0] != '\0')) {
		o->run_dir = cfg_path_join(getcwd(cwd, sizeof(cwd)) ? cwd : "/",
		    o->run_dir_arg ? o->run_dir_arg : env);
		return PROTO_OK;
	}
	if (o->config == NULL) {
		o->run_dir = cfg_default_run_dir();
		return PROTO_OK;
	}
	if (cfg_load(o->config, NULL, 0, &c, &errs) != SUP_OK) {
		for (int i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		cfg_errors_fini(&errs);
		return PROTO_USAGE;
	}
	o->run_dir = strdup(c->run_dir);
	cfg_free(c);
	return PROTO_OK;
}

/* optarg as a count, 1 or more, nothing after the digits; -1 (and
 * supctl said why) when it is not one. */
static long
count_arg(const char *opt, const char *what)
{
	char *end;
	long v = strtol(optarg, &end, 10);

	if (end == optarg || *end != '\0' || v <= 0) {
		ctl_say("%s %s: not a number of %s (1 or more)", opt, optarg,
		    what);
		return -1;
	}
	return v;
}

static int
opts_parse(int argc, char **argv, struct ctl_opts *o)
{
	static const struct option longs[] = {
		{"run-dir", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"timeout", required_argument, NULL, 't'},
		{"since", required_argument, NULL, 's'},
		{"key", required_argument, NULL, 'k'},
		{"all", no_argument, NULL, 'a'},
		{"count", required_argument, NULL, 'C'},
		{"follow", no_argument, NULL, 'f'},
		{"lines", required_argument, NULL, 'l'},
		{"dry-run", no_argument, NULL, 'D'},
		{"rolling", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	o->timeout_ms = -1;
	o->since_ms = -1;
	/* GNU getopt permutes: "supctl start -c CONFIG" works too. */
	while ((c = getopt_long(argc, argv, "r:c:fhn:", longs, NULL)) != -1) {
		switch (c) {
		case 'r': o->run_dir_arg = optarg; break;
		case 'c': o->config = optarg; break;
		case 'j': o->json = true; break;
		case 'k': o->key = optarg; break;
		case 'a': o->all = true; break;
		case 'f': o->follow = true; break;
		case 'D': o->dry_run = true; break;
		case 'R': o->rolling = true; break;
		case 'l':
			if ((o->lines = count_arg("--lines", "lines")) < 0)
				return PROTO_USAGE;
			break;
		case 'C':
			if ((o->count = count_arg("--count", "events")) < 0)
				return PROTO_USAGE;
			break;
		case 'n': /* logs -n N: lines, as tail; events -n N: a count */
			o->count = o->lines = count_arg("-n", "lines or events");
			if (o->count < 0)
				return PROTO_USAGE;
			break;
		case 'V':
			printf("supctl %s (libsup %s)\n", SUP_VERSION_STRING,
			    sup_version());
			exit(PROTO_OK);
		case 't':
			if (dur_parse(optarg, &o->timeout_ms) != SUP_OK) {
				ctl_say("--timeout %s: not a duration (like "
				    "30s, 2m or infinity)", optarg);
				return PROTO_USAGE;
			}
			break;
		case 's':
			if (dur_parse(optarg, &o->since_ms) != SUP_OK ||
			    o->since_ms == DUR_INFINITY) {
				ctl_say("--since %s: not a duration (like 10m, "
				    "1h or 2d)", optarg);
				return PROTO_USAGE;
			}
			break;
		case 'h': usage(stdout); exit(PROTO_OK);
		default: usage(stderr); return PROTO_USAGE;
		}
	}
	return PROTO_OK;
}

/* The verbs that have a --json form. */
static bool
has_json(const char *verb)
{
	static const char *const v[] = {"status", "tree", "history", "events",
	    "state", "pid", "reload", "reexec", "logs", NULL};

	for (int i = 0; v[i] != NULL; i++)
		if (strcmp(verb, v[i]) == 0)
			return true;
	return false;
}

static int
verb_run(struct ctl_opts *o, const char *verb, int argc, char **argv)
{
	if ((o->key != NULL || o->all) && strcmp(verb, "call") != 0 &&
	    strcmp(verb, "cast") != 0) {
		ctl_say("--key and --all go with call and cast only");
		return PROTO_USAGE;
	}
	if (o->rolling && strcmp(verb, "restart") != 0) {
		ctl_say("--rolling goes with restart only");
		return PROTO_USAGE;
	}
	if (o->json && !has_json(verb)) {
		ctl_say("%s has no --json form (status, tree, history, events, "
		    "state, pid, reload, reexec and logs have one)", verb);
		return PROTO_USAGE;
	}
	if (strcmp(verb, "pid") == 0)
		return verb_pid(o, argc, argv);
	if (strcmp(verb, "status") == 0)
		return verb_status(o, argc, argv);
	if (strcmp(verb, "tree") == 0 && argc == 0)
		return verb_tree(o);
	if (strcmp(verb, "start") == 0)
		return argc == 0 ? daemon_start(o)
				 : verb_change(o, PROTO_START, argc, argv);
	if (strcmp(verb, "stop") == 0)
		return argc == 0 ? daemon_stop(o)
				 : verb_change(o, PROTO_STOP, argc, argv);
	if (strcmp(verb, "restart") == 0 && argc > 0)
		return verb_change(o, PROTO_RESTART, argc, argv);
	if (strcmp(verb, "signal") == 0)
		return verb_signal(o, argc, argv);
	if (strcmp(verb, "history") == 0)
		return verb_history(o, argc, argv);
	if (strcmp(verb, "call") == 0 || strcmp(verb, "cast") == 0)
		return verb_call(o, verb[1] == 'a' && verb[2] == 's', argc, argv);
	if (strcmp(verb, "state") == 0)
		return verb_state(o, argc, argv);
	if (strcmp(verb, "events") == 0)
		return verb_events(o, argc, argv);
	if (strcmp(verb, "logs") == 0)
		return verb_logs(o, argc, argv);
	if (strcmp(verb, "top") == 0)
		return verb_top(o, argc, argv);
	if (strcmp(verb, "metrics") == 0)
		return verb_metrics(o, argc);
	if (strcmp(verb, "reload") == 0)
		return verb_reload(o, argc);
	if (strcmp(verb, "reexec") == 0)
		return verb_reexec(o, argc);
	ctl_say("unknown command or wrong arguments: %s", verb);
	usage(stderr);
	return PROTO_USAGE;
}

int
main(int argc, char **argv)
{
	struct ctl_opts o = {0};
	int code;

	rundir_init(&o.run);
	log_init("supctl", false);
	if ((code = opts_parse(argc, argv, &o)) != PROTO_OK)
		return code;
	if (optind >= argc) {
		usage(stderr);
		return PROTO_USAGE;
	}
	if ((code = run_dir_find(&o)) != PROTO_OK)
		return code;
	code = verb_run(&o, argv[optind], argc - optind - 1, argv + optind + 1);
	free(o.run_dir);
	rundir_close(&o.run);
	/* No nng_fini (ipc_fini): supctl exits now, and nng's objects go
	 * with it. A dial still under way at that moment (a call to a worker
	 * that was restarting) left nng 1.5.2's dialer and pipe orphaned by
	 * nng_fini, which LeakSanitizer reports; without it they stay
	 * reachable from nng's own lists until the exit. */
	return code;
}
