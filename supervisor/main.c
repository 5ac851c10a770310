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
#include <sys/stat.h>
#include <unistd.h>

#include "sup/sup.h"
#include "common/clock.h"
#include "common/hostport.h"
#include "common/log.h"
#include "common/proc.h"
#include "common/rundir.h"
#include "common/sig.h"
#include "ctl.h"
#include "effects.h"
#include "events.h"
#include "http.h"
#include "ipc/ipc.h"
#include "listen.h"
#include "loop.h"
#include "manager.h"
#include "notify.h"
#include "persist.h"
#include "pools.h"
#include "reap.h"
#include "ghost.h"
#include "health.h"
#include "holder.h"
#include "logholder.h"
#include "recover.h"
#include "reload.h"
#include "spawnfile.h"
#include "supd.h"
#include "supdlog.h"
#include "tree.h"
#include "watchdog.h"

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
	int handover_fd; /* --handover: a re-exec of supd (handover.h) */
};

static void
opts_parse(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'},
		{"verbose", no_argument, NULL, 'v'},
		{"reset-state", no_argument, NULL, 'R'},
		{"ready-fd", required_argument, NULL, 'F'},
		{"handover", required_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char *end;
	int c;

	*o = (struct opts){.ready_fd = -1, .handover_fd = -1};
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
		case 'H': /* supd's own: not in usage */
			o->handover_fd = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || o->handover_fd < 0) {
				fprintf(stderr, "supd: --handover %s: not a "
				    "file descriptor\n", optarg);
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

/*
 * A handover runs the text the old image checked. If the system changed
 * since (a binary gone), the spawn will say so: the tree must not be
 * dropped for it, so the text is taken without the system checks then.
 */
static sup_err
handed_config_load(const char *path, const struct handover *h,
    struct sup_config **c, struct cfg_errors *errs)
{
	if (cfg_load_text(path, h->config, h->config_len, NULL,
	    CFG_CHECK_SYSTEM, c, errs) == SUP_OK)
		return SUP_OK;
	cfg_errors_fini(errs);
	return cfg_load_text(path, h->config, h->config_len, NULL, 0, c, errs);
}

static struct sup_config *
config_load(const char *path, const struct handover *h)
{
	struct cfg_errors errs;
	struct sup_config *c;
	sup_err e = h->mode == HANDOVER_NONE ?
	    cfg_load(path, NULL, CFG_CHECK_SYSTEM, &c, &errs) :
	    handed_config_load(path, h, &c, &errs);

	if (e == SUP_OK)
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

/*
 * A re-exec holds the run dir's lock across the exec: its fd, checked to
 * be RUN/supd.lock still (no other fd of the file is opened: closing one
 * would drop the lock).
 */
static bool
lock_inherited(struct supd *d)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = d->ho.lock_fd;
	struct stat a, b;

	if (d->ho.mode == HANDOVER_NONE || fd < 0)
		return false;
	if (fstat(fd, &a) != 0 || fstatat(d->run.fd[RUNDIR_TOP], "supd.lock",
	    &b, AT_SYMLINK_NOFOLLOW) != 0 || a.st_dev != b.st_dev ||
	    a.st_ino != b.st_ino || fcntl(fd, F_SETLK, &fl) != 0) {
		log_warn("the lock handed over (fd %d) is not %s/supd.lock: "
		    "taking it anew", fd, d->cfg->run_dir);
		close(fd);
		return false;
	}
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	d->lockfd = fd;
	return true;
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
	if (lock_inherited(d))
		return;
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
	if (engine_init(&d->eng, d->nodes, d->nnodes, d->cfg->on_give_up,
	    (uint64_t)d->start_ns ^ ((uint64_t)getpid() << 32)) != 0) {
		fprintf(stderr, "supd: cannot build the tree: %s\n",
		    sup_strerror(SUP_ENOMEM));
		exit(2);
	}
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
	if ((e = supd_http_open(d)) != SUP_OK) {
		char hp[HOSTPORT_TEXT_MAX];
		hostport_format(&d->cfg->http, hp, sizeof(hp));
		/* A handover holds a running tree: it must not be dropped
		 * for a port taken in the moment of the exec. */
		if (d->ho.mode != HANDOVER_NONE)
			log_error("http = %s: cannot listen: %s; going on "
			    "without HTTP (reload or re-exec to try again)",
			    hp, sup_strerror(e));
		else {
			fprintf(stderr, "supd: %s: http = %s: cannot listen: "
			    "%s\n", d->cfg->path, hp, sup_strerror(e));
			exit(2);
		}
	}
	if ((e = events_open(d)) != SUP_OK)
		log_warn("no event stream on %s/events: %s", d->cfg->run_dir,
		    sup_strerror(e)); /* supervision goes on without it */
	cgroup_init(d);
	if ((e = loop_init(d)) != SUP_OK) {
		fprintf(stderr, "supd: cannot set up the event loop: %s\n",
		    sup_strerror(e));
		exit(2);
	}
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
	ghosts_kill(d);
	for (int i = 0; i < d->nnodes; i++)
		if (d->nodes[i]->pid > 0) {
			log_warn("%s (pid %d) still running at exit: killing "
			    "it", d->nodes[i]->name, (int)d->nodes[i]->pid);
			sig_group(d->nodes[i]->pid, SIGKILL);
			sig_proc(d->nodes[i]->pid, SIGKILL);
		}
}

/*
 * Every listening socket of the config, before anything starts. Taken
 * back from the children a new supd adopted, if they hold it; a bind
 * that fails stops a supd that starts a tree (exit 2, nothing started),
 * not one that took over a running one: that is said, and the worker's
 * starts try again (listen.h).
 */
static void
sockets_open(struct supd *d)
{
	char why[768];

	if (listen_open_all(d, why, sizeof(why)) == SUP_OK)
		return;
	if (d->ho.mode == HANDOVER_NONE && d->adopted == 0) {
		fprintf(stderr, "%s\nsupd: nothing started\n", why);
		exit(2);
	}
	log_error("%s; its worker cannot start until it can", why);
}

/*
 * Started with stdin, stdout or stderr closed, the next file supd opens
 * would take its number: the lock or the run dir as fd 0, a log line
 * written into the database as fd 2. Each closed one gets /dev/null.
 */
static void
std_fds_open(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/*
 * A re-exec: what the old image handed over. A handover that cannot be
 * read leaves a supd that starts as after a kill -9 (it adopts every
 * child from the database), with the config file read again.
 */
static void
handover_take(struct supd *d, int fd)
{
	char why[128];

	d->ho.lock_fd = -1;
	if (fd < 0)
		return;
	if (handover_read(fd, &d->ho, why, sizeof(why)) != SUP_OK) {
		log_warn("handover (fd %d): %s; recovering from the database "
		    "instead", fd, why);
		d->ho = (struct handover){.lock_fd = -1};
	}
	handover_close_strays(&d->ho);
	if (d->ho.mode == HANDOVER_NONE)
		return;
	d->reloads = d->ho.reloads;
	d->reexecs = d->ho.reexecs;
}

int
main(int argc, char **argv)
{
	static struct supd d;
	struct opts o;
	char cwd[PATH_MAX];

	std_fds_open();
	/* supd's own second life: the log holder (holder.h), not in usage. */
	if (argc >= 2 && strcmp(argv[1], "--log-holder") == 0)
		return holder_main(argc, argv);
	opts_parse(argc, argv, &o);
	log_init("supd", o.verbose);
	signals_block(&d);
	handover_take(&d, o.handover_fd);
	d.cfg = config_load(o.config, &d.ho);
	d.verbose = o.verbose;
	d.exe = realpath("/proc/self/exe", NULL);
	d.cfg_path = o.config;
	d.cfg_abs = cfg_path_join(getcwd(cwd, sizeof(cwd)) ? cwd : "/",
	    o.config);
	d.ready_fd = o.ready_fd;
	d.seq_fd = -1;
	d.spawn_fd = -1;
	d.events_subs_fd = -1;
	if (d.ready_fd >= 0)
		fcntl(d.ready_fd, F_SETFD, FD_CLOEXEC);
	d.start_ns = d.ho.start_ns ? d.ho.start_ns : clk_mono_ns();
	d.start_real_ms = d.ho.start_real_ms ? d.ho.start_real_ms
					     : clk_real_ms();
	manager_open(&d.mgr, d.start_ns);
	rundir_init(&d.run);
	logholder_init(&d);
	rundir_take(&d);
	supd_log_rotation(&d);
	pools_publish(&d);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	proc_nofile_raise(&d.nofile); /* children get d.nofile back */
	state_open(&d, o.reset_state);
	open_all(&d);
	LOG_EV("supd.start", log_num("pid", (int)getpid()),
	    log_str("config", d.cfg_abs), log_str("run_dir", d.cfg->run_dir),
	    log_num("nodes", d.nnodes));
	if (d.ho.mode == HANDOVER_NONE)
		persist_event(&d, "supd", "supd.start", getpid(), NULL, NULL,
		    NULL);
	reload_mark(&d);
	listen_handed(&d);
	if (!d.cfg->state_off)
		spawnfile_load(&d);
	recover_load(&d);
	logholder_connect(&d);
	spawnfile_assign(&d);
	sockets_open(&d);
	effects_event(&d, EV_START, d.root);
	recover_apply(&d);
	if (d.ho.mode != HANDOVER_NONE)
		reap_all(&d); /* exits the old image left for us */
	reload_note(&d);
	loop_run(&d);
	ctl_waiters_fail_all(&d, "supd exited");
	health_fini(&d);
	watchdog_fini(&d);
	leftovers_kill(&d);
	logholder_close(&d);
	cgroup_fini(&d);
	listen_close_all(&d, true);
	persist_event(&d, "supd", "supd.exit", getpid(), NULL,
	    d.exit_code ? "root gave up" : "orderly shutdown", NULL);
	persist_close(&d, true);
	supd_http_close(&d);
	ctl_close(&d);
	events_close(&d);
	/* No nng_fini (ipc_fini), as in supctl: supd exits now. A dial to
	 * a worker's telemetry still under way (the worker restarting)
	 * would be orphaned by nng 1.5.2's fini, and reported as a leak;
	 * without it, nng's objects go with the process. */
	manager_close(&d.mgr);
	LOG_EV("supd.exit", log_num("code", d.exit_code));
	spawnfile_close(&d);
	engine_fini(&d.eng);
	tree_free(&d);
	rundir_close(&d.run);
	cfg_free(d.cfg);
	free(d.cfg_abs);
	free(d.exe);
	handover_fini(&d.ho);
	return d.exit_code;
}
