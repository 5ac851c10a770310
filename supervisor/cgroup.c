/*
 * supervisor/cgroup.c — where supd's children's cgroups are (cgroup.h):
 * finding the hierarchies supd may write, making its base in each, and
 * removing them at an orderly exit. A child's own cgroup is
 * cgroup_child.c's.
 *
 * Layout: <supd's own cgroup>/sup-HASH/NAME in each hierarchy used, HASH
 * naming the run dir (a second supd with another run dir gets its own
 * base; a supd started again after a kill -9 finds the same one). One
 * cgroup per child name, not per spawn: a restarted process joins the one
 * its predecessor left (killed whole before), limits are set once and
 * re-applied when supd starts or re-execs, and an adopted child is found
 * at the same path.
 *
 * Hierarchies:
 *  - pure cgroup v2 (/sys/fs/cgroup is cgroup2): kill, CPU, and memory
 *    and pids when supd can turn those controllers on for its children.
 *    The kernel lets a cgroup with processes hand controllers to its
 *    children only at the root ("no internal processes"), so supd first
 *    moves itself into a supd/ leaf of its own cgroup, as services
 *    delegated by systemd do;
 *  - hybrid (cgroup2 without controllers beside v1 ones): kill and CPU
 *    in cgroup2, memory and pids in the v1 memory and pids hierarchies;
 *  - v1 only: memory and pids, and a kill pid by pid.
 * Each under supd's own cgroup in that hierarchy (/proc/self/cgroup),
 * found where /proc/self/mountinfo says it is mounted. A hierarchy supd
 * cannot write is left out, and said once.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "common/log.h"
#include "supd.h"

#define BASE_PREFIX "sup-"

/* --- files of a cgroup ------------------------------------------------ */

int
cgroup_file_write(int dir, const char *file, const char *val)
{
	int fd = openat(dir, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW), err;
	ssize_t k;

	if (fd < 0)
		return -1;
	k = write(fd, val, strlen(val));
	err = errno;
	close(fd);
	errno = err;
	return k == (ssize_t)strlen(val) ? 0 : -1;
}

ssize_t
cgroup_file_read(int dir, const char *file, char *buf, size_t len)
{
	int fd = openat(dir, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t k;

	if (fd < 0)
		return -1;
	k = read(fd, buf, len - 1);
	close(fd);
	buf[k > 0 ? k : 0] = '\0';
	return k;
}

/* A directory of ours beneath dir (made if missing), held open; its
 * owner must be supd's user (a cgroup made by another is not ours). */
int
cgroup_dir_open(int dir, const char *name, bool make)
{
	struct stat st;
	int fd;

	if (make && mkdirat(dir, name, 0755) != 0 && errno != EEXIST)
		return -1;
	fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	return fd;
}

/* --- finding the hierarchies -------------------------------------------- */

/* Where a hierarchy is mounted and supd's cgroup in it. */
struct hier {
	char mnt[PATH_MAX];	/* mount point; "" not mounted */
	char root[PATH_MAX];	/* the mount's root within the hierarchy */
	char own[PATH_MAX];	/* supd's cgroup, from /proc/self/cgroup */
	bool have_own;
};

/* Whether the comma list has word. */
static bool
list_has(const char *list, const char *word)
{
	size_t k = strlen(word);

	for (const char *p = list; p != NULL; p = strchr(p, ',')) {
		p += *p == ',';
		if (strncmp(p, word, k) == 0 && (p[k] == ',' || p[k] == '\0'))
			return true;
	}
	return false;
}

/* ctrl NULL: cgroup2; else the v1 hierarchy with that controller. */
static void
mount_find(const char *ctrl, struct hier *h)
{
	char line[4096], root[PATH_MAX], mnt[PATH_MAX], fs[64], opts[1024];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	h->mnt[0] = '\0';
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *dash = strstr(line, " - ");
		if (dash == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s",
		    root, mnt) != 2 || sscanf(dash + 3, "%63s %*s %1023s", fs,
		    opts) != 2 || strchr(mnt, '\\') != NULL)
			continue;
		if (ctrl == NULL ? strcmp(fs, "cgroup2") != 0 :
		    strcmp(fs, "cgroup") != 0 || !list_has(opts, ctrl))
			continue;
		snprintf(h->mnt, sizeof(h->mnt), "%s", mnt);
		snprintf(h->root, sizeof(h->root), "%s", root);
		break;
	}
	if (f != NULL)
		fclose(f);
}

/* supd's cgroup in the hierarchy of ctrl (NULL: cgroup2). */
static void
own_find(const char *ctrl, struct hier *h)
{
	char line[PATH_MAX + 256];
	FILE *f = fopen("/proc/self/cgroup", "re");

	h->have_own = false;
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':')
						       : NULL;
		if (c2 == NULL)
			continue;
		*c1 = *c2 = '\0';
		c2[strcspn(c2 + 1, "\n") + 1] = '\0';
		if (ctrl == NULL ? strcmp(line, "0") != 0 || c1[1] != '\0' :
		    !list_has(c1 + 1, ctrl))
			continue;
		snprintf(h->own, sizeof(h->own), "%s", c2 + 1);
		h->have_own = true;
		break;
	}
	if (f != NULL)
		fclose(f);
}

/* The path of supd's cgroup in h, into buf; false if h cannot hold it
 * (not mounted, or mounted from a part of the tree without it). */
static bool
own_path(const struct hier *h, char *buf, size_t len)
{
	size_t k = strlen(h->root);
	const char *rest;

	if (h->mnt[0] == '\0' || !h->have_own)
		return false;
	if (strcmp(h->root, "/") == 0)
		rest = h->own;
	else if (strncmp(h->own, h->root, k) == 0 && (h->own[k] == '/' ||
	    h->own[k] == '\0'))
		rest = h->own + k;
	else
		return false;
	return snprintf(buf, len, "%s%s", h->mnt, strcmp(rest, "/") == 0 ?
	    "" : rest) < (int)len;
}

/* sup-HASH: FNV-1a of the run dir. */
static void
base_name(const struct supd *d, char *buf, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (const char *p = d->cfg->run_dir; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	snprintf(buf, len, BASE_PREFIX "%012llx", (unsigned long long)(h &
	    0xffffffffffffULL));
}

static void
why_add(struct supd *d, const char *fmt, const char *a, int err)
{
	size_t k = strlen(d->cg.why);
	char msg[PATH_MAX + 128];

	snprintf(msg, sizeof(msg), fmt, a);
	snprintf(d->cg.why + k, sizeof(d->cg.why) - k, "%s%s: %s", k ? "; " :
	    "", msg, strerror(err));
}

/* Our base beneath own (a path); -1, and why, when it cannot be made. */
static int
base_open(struct supd *d, const char *own, const char *what)
{
	char name[32];
	int dir, fd;

	base_name(d, name, sizeof(name));
	dir = open(own, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = dir < 0 ? -1 : cgroup_dir_open(dir, name, true);
	if (fd < 0)
		why_add(d, what, own, errno);
	else if (d->cg.path[0] == '\0')
		snprintf(d->cg.path, sizeof(d->cg.path), "%s/%s", own, name);
	if (dir >= 0)
		close(dir);
	return fd;
}

/*
 * Pure v2: memory and pids for supd's children. Turned on in supd's own
 * cgroup (after moving supd into its supd/ leaf, unless that is the
 * root), then in the base. Says why not.
 */
static void
v2_controllers(struct supd *d, const char *own, bool is_root)
{
	char have[256] = "", want[32] = "";
	int dir = open(own, O_RDONLY | O_DIRECTORY | O_CLOEXEC), leaf;

	if (dir < 0 || cgroup_file_read(dir, "cgroup.controllers", have,
	    sizeof(have)) < 0)
		goto out;
	snprintf(want, sizeof(want), "%s%s", strstr(have, "memory") ?
	    "+memory " : "", strstr(have, "pids") ? "+pids" : "");
	if (want[0] == '\0') {
		why_add(d, "%s/cgroup.controllers has neither memory nor pids",
		    own, ENOTSUP);
		goto out;
	}
	if (!is_root && cgroup_file_write(dir, "cgroup.subtree_control",
	    want) != 0) {
		const char *sc = "cgroup.subtree_control";
		if ((leaf = cgroup_dir_open(dir, "supd", true)) < 0 ||
		    cgroup_file_write(leaf, "cgroup.procs", "0") != 0 ||
		    cgroup_file_write(dir, sc, want) != 0)
			why_add(d, "memory and pids: cannot turn them on in "
			    "%s/cgroup.subtree_control", own, errno);
		if (leaf >= 0)
			close(leaf);
	}
	if (cgroup_file_write(d->cg.v2, "cgroup.subtree_control", want) != 0)
		goto out;
	d->cg.v2_mem = strstr(want, "memory") != NULL;
	d->cg.v2_pids = strstr(want, "pids") != NULL;
out:
	if (dir >= 0)
		close(dir);
}

static void
v2_open(struct supd *d)
{
	struct hier h, v1;
	char own[PATH_MAX];
	bool is_root;
	size_t k;

	mount_find(NULL, &h);
	own_find(NULL, &h);
	if (!own_path(&h, own, sizeof(own)))
		return;
	/* Our own leaf, after a re-exec: the cgroup it is in is ours. */
	k = strlen(own);
	if (k > 5 && strcmp(own + k - 5, "/supd") == 0)
		own[k - 5] = '\0';
	is_root = strcmp(own, h.mnt) == 0;
	if ((d->cg.v2 = base_open(d, own, "cgroup2: cannot make a cgroup in "
	    "%s")) < 0)
		return;
	/* Hybrid: cgroup2 beside v1 controllers, none of its own. */
	mount_find("memory", &v1);
	mount_find("pids", &h);
	if (v1.mnt[0] == '\0' && h.mnt[0] == '\0')
		v2_controllers(d, own, is_root);
}

static int
v1_open(struct supd *d, const char *ctrl)
{
	struct hier h;
	char own[PATH_MAX], what[64];

	mount_find(ctrl, &h);
	own_find(ctrl, &h);
	if (!own_path(&h, own, sizeof(own)))
		return -1;
	snprintf(what, sizeof(what), "%s: cannot make a cgroup in %%s", ctrl);
	return base_open(d, own, what);
}

/* Whether a worker asks for a limit no hierarchy here enforces. */
static void
limits_warn(struct supd *d)
{
	bool mem = d->cg.v2_mem || d->cg.mem >= 0;
	bool pids = d->cg.v2_pids || d->cg.pids >= 0;

	for (int i = 0; i < d->cfg->nworkers; i++) {
		const struct cfg_worker *w = d->cfg->workers[i];
		if (((w->memory_max > 0 || w->memory_restart > 0) && !mem) ||
		    (w->pids_max > 0 && !pids))
			log_warn("%s: %s%s not enforced: %s", w->name,
			    w->pids_max > 0 && !pids ? "pids_max" :
			    "memory_max/memory_restart", strcmp(d->cg.mode,
			    "off") == 0 ? "" : " (that controller)",
			    d->cg.why[0] ? d->cg.why : "cgroups = off");
	}
}

/* The v2 children with memory_restart, read each second. */
static void
poll_list(struct supd *d)
{
	d->cg.npoll = 0;
	if (!d->cg.v2_mem)
		return;
	d->cg.poll = calloc((size_t)d->nnodes, sizeof(*d->cg.poll));
	for (int i = 0; d->cg.poll != NULL && i < d->nnodes; i++)
		if (!d->nodes[i]->is_group && d->nodes[i]->w->memory_restart >
		    0)
			d->cg.poll[d->cg.npoll++] = d->nodes[i];
}

void
cgroup_init(struct supd *d)
{
	struct cgroups *c = &d->cg;

	*c = (struct cgroups){.mode = "off", .v2 = -1, .mem = -1, .pids = -1};
	if (d->cfg->cgroups_off) {
		snprintf(c->why, sizeof(c->why), "%s",
		    "cgroups = off in the config");
	} else {
		v2_open(d);
		if (!c->v2_mem)
			c->mem = v1_open(d, "memory");
		if (!c->v2_pids)
			c->pids = v1_open(d, "pids");
		if (c->v2 >= 0)
			c->mode = c->mem >= 0 || c->pids >= 0 ? "hybrid"
							      : "v2";
		else if (c->mem >= 0 || c->pids >= 0)
			c->mode = "v1";
		else if (c->why[0] == '\0')
			snprintf(c->why, sizeof(c->why), "no cgroup hierarchy "
			    "mounted (/proc/self/mountinfo)");
	}
	poll_list(d);
	LOG_EV("supd.cgroups", log_str("mode", c->mode),
	    log_str("path", c->path[0] ? c->path : "-"),
	    log_str("note", c->why[0] ? c->why : "-"));
	limits_warn(d);
}

/* --- an orderly exit ---------------------------------------------------- */

/* Every cgroup left in base, once empty (killed ones die in moments). */
static void
base_empty(int base)
{
	struct timespec ts = {0, 10 * 1000 * 1000};
	int fd = dup(base);
	DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		/* Up to a second each: supd is exiting, nothing else waits. */
		for (int i = 0; i < 100 && unlinkat(base, e->d_name,
		    AT_REMOVEDIR) != 0 && errno == EBUSY; i++)
			nanosleep(&ts, NULL);
	}
	closedir(dir);
}

void
cgroup_fini(struct supd *d)
{
	char name[32];
	int fds[3] = {d->cg.v2, d->cg.mem, d->cg.pids};

	for (int i = 0; i < d->nnodes; i++)
		if (!d->nodes[i]->is_group)
			cgroup_child_free(d, d->nodes[i]);
	base_name(d, name, sizeof(name));
	for (int i = 0; i < 3; i++) {
		int parent;
		if (fds[i] < 0)
			continue;
		parent = openat(fds[i], "..", O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC);
		base_empty(fds[i]);
		close(fds[i]);
		if (parent >= 0) {
			(void)unlinkat(parent, name, AT_REMOVEDIR);
			close(parent);
		}
	}
	d->cg.v2 = d->cg.mem = d->cg.pids = -1;
	free(d->cg.poll);
	d->cg.poll = NULL;
	d->cg.npoll = 0;
}
