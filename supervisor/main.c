/*
 * supervisor/main.c — supd: arguments, the fatal zone, then the loop.
 *
 * Everything that may make supd refuse to start happens here, before the
 * loop: a bad config (exit 2, nothing started), an unusable run dir
 * (exit 2), another supd on the same run dir (exit 3). Order matters:
 * signals are blocked before ipc_server_open() starts nng's threads, so
 * that they inherit the mask and signals arrive only through our
 * signalfd. From loop_run() on, supd does not die of anything from
 * outside (s6-svscan's rule).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sup/sup.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/rundir.h"
#include "common/sig.h"
#include "ctl.h"
#include "effects.h"
#include "events.h"
#include "ipc/ipc.h"
#include "loop.h"
#include "notify.h"
#include "persist.h"
#include "pools.h"
#include "recover.h"
#include "supd.h"
#include "tree.h"

static void
usage(FILE *f)
{
	fprintf(f, "usage: supd -c CONFIG [-v] [--reset-state] "
		   "[--ready-fd FD]\n"
		   "Runs the supervision tree of CONFIG in the foreground; "
		   "see supd(8).\n");
}

struct opts {
	const char *config;
	bool verbose;
	bool reset_state;
	int ready_fd;
};

static void
opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"reset-state", no_argument, NULL, 'R'},
		{"ready-fd", required_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	*o = (struct opts){.ready_fd = -1};
	while ((c = getopt_long(argc, argv, "c:vh", longs, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'v': o->verbose = true; break;
		case 'R': o->reset_state = true; break;
		case 'F':
			o->ready_fd = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o->ready_fd < 0 ||
			    fcntl(o->ready_fd, F_GETFD) < 0) {
				fprintf(stderr, "supd: --ready-fd %s: not an "
				    "open file descriptor\n", optarg);
				exit(2);
			}
			break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("supd %s\n", SUP_VERSION_STRING); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (o->config == NULL || optind != argc) {
		usage(stderr);
		exit(2);
	}
}

/* Blocks the signals the loop reads, before any thread exists. */
static void
signals_block(struct supd *d)
{
	struct sigaction ign = {.sa_handler = SIG_IGN}, old;
	sigset_t set;

	struct sigaction dfl = {.sa_handler = SIG_DFL};

	/* Children get default dispositions for whatever we ignore. */
	sigemptyset(&d->reset_sigs);
	for (int s = 1; s < NSIG; s++)
		if (sigaction(s, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			sigaddset(&d->reset_sigs, s);
	loop_signals(&set);
	/* An inherited SIGCHLD = SIG_IGN would make the kernel reap our
	 * children for us, unseen: the signals we read are ours, default. */
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&set, s) == 1)
			sigaction(s, &dfl, NULL);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A reader gone from a pipe must not kill supd: EPIPE will do. */
	sigaction(SIGPIPE, &ign, NULL);
	sigaddset(&d->reset_sigs, SIGPIPE);
}

static struct sup_config *
config_load(const char *path)
{
	struct cfg_errors errs;
	struct sup_config *c;

	if (cfg_load(path, NULL, CFG_CHECK_SYSTEM, &c, &errs) == SUP_OK)
		return c;
	for (int i = 0; i < errs.n; i++)
		fprintf(stderr, "%s\n", errs.msgs[i]);
	fprintf(stderr, "supd: %d error%s in %s; nothing started\n", errs.n,
	    errs.n == 1 ? "" : "s", path);
	cfg_errors_fini(&errs);
	exit(2);
}

/* Whether a libsup worker runs as another user: it must reach its own
 * files under RUN, which is then 0711 instead of 0700. */
static bool
run_shared(const struct sup_config *c)
{
	for (int i = 0; i < c->nworkers; i++)
		if (c->workers[i]->has_user && c->workers[i]->ready == READY_SUP &&
		    c->workers[i]->uid != geteuid())
			return true;
	return false;
}

static void
rundir_take(struct supd *d)
{
	const char *run = d->cfg->run_dir;
	char why[1024];
	pid_t holder = 0;
	sup_err e;

	if (rundir_create(&d->run, run, run_shared(d->cfg), why,
	    sizeof(why)) != SUP_OK) {
		fprintf(stderr, "supd: run dir %s: %s; nothing started\n", run,
		    why);
		exit(2);
	}
	e = rundir_lock(&d->run, &d->lockfd, &holder);
	if (e == SUP_EBUSY && holder > 0) {
		fprintf(stderr, "supd: another supd (pid %ld) is running on "
		    "%s; not starting a second tree\n", (long)holder, run);
		exit(3);
	}
	if (e == SUP_EBUSY) {
		fprintf(stderr, "supd: %s/supd.lock is held, but not by a supd "
		    "(see supctl -r %s status); not starting\n", run, run);
		exit(3);
	}
	if (e != SUP_OK) {
		fprintf(stderr, "supd: cannot lock %s/supd.lock: %s\n", run,
		    sup_strerror(e));
		exit(2);
	}
}

static void
open_all(struct supd *d)
{
	sup_err e;

	d->devnullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (d->devnullfd < 0) {
		fprintf(stderr, "supd: /dev/null: %s\n", strerror(errno));
		exit(2);
	}
	if ((e = tree_build(d)) != SUP_OK) {
		fprintf(stderr, "supd: cannot build the tree: %s\n",
		    sup_strerror(e));
		exit(2);
	}
	engine_init(&d->eng, d->nodes, d->nnodes, d->cfg->on_give_up,
	    (uint64_t)d->start_ns ^ ((uint64_t)getpid() << 32));
	if ((e = notify_open(d)) != SUP_OK) {
		fprintf(stderr, "supd: cannot open the notify socket: %s\n",
		    sup_strerror(e));
		exit(2);
	}
	if ((e = ctl_open(d)) != SUP_OK) {
		fprintf(stderr, "supd: cannot listen on %s/ctl: %s%s\n",
		    d->cfg->run_dir, sup_strerror(e), e == SUP_ETOOBIG ?
		    " (the run dir path is too long for a socket)" : "");
		exit(2);
	}
	if ((e = events_open(d)) != SUP_OK)
		log_warn("no event stream on %s/events: %s", d->cfg->run_dir,
		    sup_strerror(e)); /* supervision goes on without it */
	if ((e = loop_init(d)) != SUP_OK) {
		fprintf(stderr, "supd: cannot set up the event loop: %s\n",
		    sup_strerror(e));
		exit(2);
	}
}

/* A pidfd per adopted child: take the whole hard limit for supd, and
 * give children the limit supd got (spawn.c). */
static void
fd_limit_raise(struct supd *d)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &d->nofile) != 0)
		return;
	r = d->nofile;
	r.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_NOFILE, &r);
}

static void
state_open(struct supd *d, bool reset)
{
	char why[1024];
	sup_err e = persist_open(d, reset, why, sizeof(why));

	if (e == SUP_EREFUSED) {
		fprintf(stderr, "supd: state %s: %s; supd uses a database only "
		    "when it is its own and no other user can change it; "
		    "nothing started\n", d->cfg->state_path, why);
		exit(2);
	}
	if (e != SUP_OK) {
		fprintf(stderr, "supd: cannot move %s aside: %s\n",
		    d->cfg->state_path, sup_strerror(e));
		exit(2);
	}
}

/* Nothing may outlive supd's orderly exit; normally nothing is left. */
static void
leftovers_kill(struct supd *d)
{
	recover_ghosts_kill(d);
	for (int i = 0; i < d->nnodes; i++)
		if (d->nodes[i]->pid > 0) {
			log_warn("%s (pid %d) still running at exit: killing "
			    "it", d->nodes[i]->name, (int)d->nodes[i]->pid);
			sig_group(d->nodes[i]->pid, SIGKILL);
			sig_proc(d->nodes[i]->pid, SIGKILL);
		}
}

int
main(int argc, char **argv)
{
	static struct supd d;
	struct opts o;
	char cwd[PATH_MAX];

	opts_parse(argc, argv, &o);
	log_init("supd", o.verbose);
	signals_block(&d);
	d.cfg = config_load(o.config);
	d.cfg_path = o.config;
	d.cfg_abs = cfg_path_join(getcwd(cwd, sizeof(cwd)) ? cwd : "/",
	    o.config);
	d.ready_fd = o.ready_fd;
	d.seq_fd = -1;
	d.events_subs_fd = -1;
	if (d.ready_fd >= 0)
		fcntl(d.ready_fd, F_SETFD, FD_CLOEXEC);
	d.start_ns = clk_mono_ns();
	d.start_real_ms = clk_real_ms();
	rundir_init(&d.run);
	rundir_take(&d);
	pools_publish(&d);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	fd_limit_raise(&d);
	state_open(&d, o.reset_state);
	open_all(&d);
	LOG_EV("supd.start", log_num("pid", (int)getpid()),
	    log_str("config", d.cfg_abs), log_str("run_dir", d.cfg->run_dir),
	    log_num("nodes", d.nnodes));
	persist_event(&d, "supd", "supd.start", getpid(), NULL, NULL, NULL);
	recover_load(&d);
	effects_event(&d, EV_START, d.root);
	recover_apply(&d);
	loop_run(&d);
	ctl_waiters_fail_all(&d, "supd exited");
	leftovers_kill(&d);
	persist_event(&d, "supd", "supd.exit", getpid(), NULL,
	    d.exit_code ? "root gave up" : "orderly shutdown", NULL);
	persist_close(&d, true);
	ctl_close(&d);
	events_close(&d);
	ipc_fini();
	LOG_EV("supd.exit", log_num("code", d.exit_code));
	tree_free(&d);
	rundir_close(&d.run);
	cfg_free(d.cfg);
	free(d.cfg_abs);
	return d.exit_code;
}
