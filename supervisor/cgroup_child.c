/*
 * supervisor/cgroup_child.c — a worker's own cgroup (cgroup.h): made
 * before its spawn, joined by the child before exec (spawn.c), killed
 * whole when its process ends or is killed, its limits applied, its
 * memory watched for memory_restart, its usage read for status.
 *
 * Invariants:
 *  - n->cg is NULL for a worker supd never prepared or attached; its
 *    fds are -1 for a hierarchy it is not in.
 *  - memory_restart: in v1, an eventfd threshold on
 *    memory.usage_in_bytes, in the loop (no wake-up until it is
 *    crossed); in v2 (no such notification), memory.current read once a
 *    second, only for the running children that set it. A child over it
 *    is hung (effects_hung): stopped, and its exit restarts it as a
 *    failure, "memory limit exceeded: N > LIMIT".
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <fcntl.h>

#include "cgroup.h"
#include "common/clock.h"
#include "common/log.h"
#include "effects.h"
#include "supd.h"
#include "watch.h"

enum { H_V2, H_MEM, H_PIDS, H_N };

struct cgchild {
	int dir[H_N];		/* its cgroup in each hierarchy, open for one
				 * operation (dirs_open to dirs_close), or -1:
				 * 10,000 children would hold 30,000 fds */
	bool made[H_N];		/* made by the last dirs_open: no limit to
				 * take back in it */
	int evfd;		/* v1 memory_restart threshold; -1: none */
	int64_t armed;		/* the threshold evfd is armed at */
	int64_t due_ns;		/* v2: next read of memory.current, or 0 */
	long long over;		/* the usage that restarted it */
	int64_t over_limit;	/* the memory_restart it was over */
	long long mem, cpu;	/* as read at read_ns, for a big status */
	int64_t read_ns;
};

#define POLL_NS (1000 * CLK_NS_PER_MS)

static int
base_of(const struct supd *d, int h)
{
	return h == H_V2 ? d->cg.v2 : h == H_MEM ? d->cg.mem : d->cg.pids;
}

static struct cgchild *
cgc_get(struct supd_node *n)
{
	if (n->cg == NULL && (n->cg = malloc(sizeof(*n->cg))) != NULL) {
		*n->cg = (struct cgchild){.dir = {-1, -1, -1}, .evfd = -1};
	}
	return n->cg;
}

/*
 * Whether n has a cgroup in hierarchy h: in every one supd uses, but the
 * v1 pids hierarchy only for a pids_max (or when it is the only one):
 * it shows nothing, and each cgroup is a mkdir and a migration more at a
 * first spawn (~50 us).
 */
static bool
in_hier(const struct supd *d, const struct supd_node *n, int h)
{
	if (base_of(d, h) < 0)
		return false;
	return h != H_PIDS || n->w->pids_max > 0 ||
	    (base_of(d, H_V2) < 0 && base_of(d, H_MEM) < 0);
}

/* n's cgroups opened (made if make); false, errno, when one cannot be. */
static bool
dirs_open(struct supd *d, struct supd_node *n, bool make)
{
	struct cgchild *c = cgc_get(n);

	if (c == NULL) {
		errno = ENOMEM;
		return false;
	}
	for (int h = 0; h < H_N; h++) {
		if (!in_hier(d, n, h) || c->dir[h] >= 0)
			continue;
		c->made[h] = make && mkdirat(base_of(d, h), n->name, 0755) == 0;
		if ((c->dir[h] = cgroup_dir_open(base_of(d, h), n->name,
		    false)) < 0)
			return false;
	}
	return true;
}

static void
dirs_close(struct cgchild *c)
{
	for (int h = 0; c != NULL && h < H_N; h++)
		if (c->dir[h] >= 0) {
			close(c->dir[h]);
			c->dir[h] = -1;
		}
}

/* --- limits ------------------------------------------------------------ */

static void
num(char *buf, size_t len, int64_t v, const char *none)
{
	if (v > 0)
		snprintf(buf, len, "%lld", (long long)v);
	else
		snprintf(buf, len, "%s", none);
}

/* file of n's cgroup in hierarchy h set to val; a no-limit value (none)
 * is not written into a cgroup just made: it has none. */
static void
limit_set(struct supd_node *n, int h, const char *file, const char *val,
    bool none)
{
	int dir = n->cg->dir[h];

	if (dir < 0 || (none && n->cg->made[h]))
		return;
	if (cgroup_file_write(dir, file, val) != 0 && errno != ENOENT)
		log_warn("%s: cannot set %s to %s: %s", n->name, file, val,
		    strerror(errno));
}

/* RAM and swap together: memory_max is what the child may hold. */
static void
limits_apply(struct supd *d, struct supd_node *n)
{
	const struct cfg_worker *w = n->w;
	bool nomem = w->memory_max <= 0, nopids = w->pids_max <= 0;
	char v[32];

	if (d->cg.v2_mem) {
		num(v, sizeof(v), w->memory_max, "max");
		limit_set(n, H_V2, "memory.max", v, nomem);
		limit_set(n, H_V2, "memory.swap.max", nomem ? "max" : "0",
		    nomem);
	}
	if (d->cg.v2_pids) {
		num(v, sizeof(v), w->pids_max, "max");
		limit_set(n, H_V2, "pids.max", v, nopids);
	}
	if (n->cg->dir[H_MEM] >= 0 && !(nomem && n->cg->made[H_MEM])) {
		const char *ram = "memory.limit_in_bytes",
		    *sw = "memory.memsw.limit_in_bytes";
		num(v, sizeof(v), w->memory_max, "-1");
		/* The limit first when lowering it, memsw first when raising
		 * (the kernel keeps limit <= memsw): one of the two orders
		 * works, try the other when the first fails. */
		if (cgroup_file_write(n->cg->dir[H_MEM], ram, v) != 0) {
			limit_set(n, H_MEM, sw, v, false);
			limit_set(n, H_MEM, ram, v, false);
		} else
			limit_set(n, H_MEM, sw, v, false);
	}
	num(v, sizeof(v), w->pids_max, "max");
	limit_set(n, H_PIDS, "pids.max", v, nopids);
}

/* --- memory_restart ------------------------------------------------------ */

static void
evfd_close(struct supd *d, struct cgchild *c)
{
	if (c->evfd < 0)
		return;
	watch_del(d, c->evfd);
	close(c->evfd);
	c->evfd = -1;
	c->armed = 0;
}

/* v1: an eventfd signalled when memory.usage_in_bytes crosses the
 * limit (cgroup.event_control). */
static void
threshold_arm(struct supd *d, struct supd_node *n)
{
	struct cgchild *c = n->cg;
	int64_t lim = n->w->memory_restart;
	char v[64];
	int ufd;

	if (c->dir[H_MEM] < 0 || c->armed == lim)
		return;
	evfd_close(d, c);
	if (lim <= 0)
		return;
	c->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ufd = openat(c->dir[H_MEM], "memory.usage_in_bytes", O_RDONLY |
	    O_CLOEXEC | O_NOFOLLOW);
	snprintf(v, sizeof(v), "%d %d %lld", c->evfd, ufd, (long long)lim);
	if (c->evfd < 0 || ufd < 0 || cgroup_file_write(c->dir[H_MEM],
	    "cgroup.event_control", v) != 0 || watch_add(d, c->evfd,
	    SRC_CGROUP, n->order) != SUP_OK) {
		log_warn("%s: memory_restart not watched: %s", n->name,
		    strerror(errno));
		if (c->evfd >= 0)
			close(c->evfd);
		c->evfd = -1;
	} else
		c->armed = lim;
	if (ufd >= 0)
		close(ufd);
}

/* A number from n's cgroup file in hierarchy h (after key, if any), or
 * -1: reached from the hierarchy's base, no descriptor kept. */
static long long
read_ll(struct supd *d, const struct supd_node *n, int h, const char *file,
    const char *key)
{
	char buf[1024], path[CFG_NAME_MAX + 64], *p = buf;

	snprintf(path, sizeof(path), "%s/%s", n->name, file);
	if (n->cg == NULL || base_of(d, h) < 0 ||
	    cgroup_file_read(base_of(d, h), path, buf, sizeof(buf)) <= 0)
		return -1;
	if (key != NULL) {
		size_t k = strlen(key);
		for (p = buf; p != NULL; p = strchr(p, '\n'), p = p ? p + 1
		    : NULL)
			if (strncmp(p, key, k) == 0 && p[k] == ' ')
				break;
		if (p == NULL)
			return -1;
		p += k + 1;
	}
	return strtoll(p, NULL, 10);
}

static long long
memory_read(struct supd *d, const struct supd_node *n)
{
	if (base_of(d, H_MEM) >= 0)
		return read_ll(d, n, H_MEM, "memory.usage_in_bytes", NULL);
	return read_ll(d, n, H_V2, "memory.current", NULL);
}

void
cgroup_child_usage(struct supd *d, struct supd_node *n, int64_t now,
    int64_t ttl_ns, long long *mem, long long *cpu)
{
	struct cgchild *c = n->cg;

	*mem = *cpu = -1;
	if (c == NULL)
		return;
	if (ttl_ns <= 0 || c->read_ns == 0 || now - c->read_ns >= ttl_ns) {
		c->mem = memory_read(d, n);
		c->cpu = read_ll(d, n, H_V2, "cpu.stat", "usage_usec");
		c->read_ns = now;
	}
	*mem = c->mem;
	*cpu = c->cpu;
}

/* A running child over its memory_restart is hung. */
static void
memory_check(struct supd *d, struct supd_node *n)
{
	long long used = memory_read(d, n);

	if (n->pid <= 0 || n->state != NS_RUNNING || n->hung != HUNG_NOT ||
	    n->w->memory_restart <= 0 || used <= n->w->memory_restart)
		return;
	n->cg->over = used;
	n->cg->over_limit = n->w->memory_restart;
	LOG_EV("child.memory", log_str("name", n->name),
	    log_num("pid", (int)n->pid), log_num("memory", used),
	    log_num("memory_restart", (long long)n->w->memory_restart));
	d->activity = true;
	effects_hung(d, n, HUNG_MEMORY);
}

void
cgroup_memory_event(struct supd *d, int index)
{
	struct supd_node *n;
	uint64_t k;

	if (index >= d->nnodes || (n = d->nodes[index])->cg == NULL ||
	    n->cg->evfd < 0)
		return;
	(void)!read(n->cg->evfd, &k, sizeof(k));
	memory_check(d, n);
}

int64_t
cgroup_deadline(struct supd *d)
{
	int64_t t = 0, now = 0;

	for (int i = 0; i < d->cg.npoll; i++) {
		struct supd_node *n = d->cg.poll[i];
		if (n->cg == NULL)
			continue;
		if (n->pid <= 0 || n->state != NS_RUNNING) {
			n->cg->due_ns = 0;
			continue;
		}
		if (n->cg->due_ns == 0)
			n->cg->due_ns = (now = now ? now : clk_mono_ns()) +
			    POLL_NS;
		if (t == 0 || n->cg->due_ns < t)
			t = n->cg->due_ns;
	}
	return t;
}

void
cgroup_run(struct supd *d, int64_t now)
{
	for (int i = 0; i < d->cg.npoll; i++) {
		struct supd_node *n = d->cg.poll[i];
		if (n->cg == NULL || n->cg->due_ns == 0 || n->cg->due_ns > now)
			continue;
		n->cg->due_ns = now + POLL_NS;
		memory_check(d, n);
	}
}

const char *
cgroup_memory_reason(const struct supd_node *n, char *buf, size_t len)
{
	if (n->cg == NULL)
		snprintf(buf, len, "memory limit exceeded");
	else
		snprintf(buf, len, "memory limit exceeded: %lld > %lld "
		    "(memory_restart)", n->cg->over,
		    (long long)n->cg->over_limit);
	return buf;
}

/* --- the child's cgroup ----------------------------------------------- */

/*
 * Without its cgroup a child with no limit set runs all the same, as it
 * would on a machine without cgroups (supd out of descriptors goes on:
 * DESIGN.md section 4), and supd says so; one with a limit does not
 * start without it.
 */
static int
prepare_failed(struct supd_node *n, const char *why)
{
	const struct cfg_worker *w = n->w;

	if (w->memory_max > 0 || w->memory_restart > 0 || w->pids_max > 0)
		return -1;
	log_warn("%s: %s; it runs outside any cgroup of its own (a process "
	    "that leaves its process group outlives it)", n->name, why);
	return 0;
}

int
cgroup_child_prepare(struct supd *d, struct supd_node *n,
    int fds[CGROUP_JOIN_MAX], char *why, size_t len)
{
	bool fresh = n->cg == NULL;
	int k = 0;

	if (strcmp(d->cg.mode, "off") == 0)
		return 0;
	if (!dirs_open(d, n, true)) {
		snprintf(why, len, "cannot make its cgroup %s/%s: %s",
		    d->cg.path, n->name, strerror(errno));
		dirs_close(n->cg);
		return prepare_failed(n, why);
	}
	/* A restart joins the cgroup its predecessor left, limits set. */
	if (fresh) {
		limits_apply(d, n);
		threshold_arm(d, n);
	}
	for (int h = 0; h < H_N; h++) {
		if (n->cg->dir[h] < 0)
			continue;
		if ((fds[k] = openat(n->cg->dir[h], "cgroup.procs", O_WRONLY |
		    O_CLOEXEC | O_NOFOLLOW)) < 0) {
			snprintf(why, len, "cannot open %s/%s/cgroup.procs: "
			    "%s", d->cg.path, n->name, strerror(errno));
			while (k > 0)
				close(fds[--k]);
			dirs_close(n->cg);
			return prepare_failed(n, why);
		}
		k++;
	}
	dirs_close(n->cg);
	return k;
}

void
cgroup_child_attach(struct supd *d, struct supd_node *n)
{
	if (strcmp(d->cg.mode, "off") == 0)
		return;
	/* Not made: a child started without cgroups stays without. */
	if (!dirs_open(d, n, false))
		log_debug("%s: no cgroup found: %s", n->name, strerror(errno));
	else {
		limits_apply(d, n);
		threshold_arm(d, n);
	}
	dirs_close(n->cg);
}

/* v1, or a kernel without cgroup.kill: each pid, until none is new. */
static void
kill_each(int dir)
{
	char buf[16384], last[16384] = "";

	for (int round = 0; round < 8; round++) {
		if (cgroup_file_read(dir, "cgroup.procs", buf, sizeof(buf)) <=
		    0 || strcmp(buf, last) == 0)
			return;
		for (char *p = buf; *p != '\0'; p = strchr(p, '\n') ?
		    strchr(p, '\n') + 1 : p + strlen(p)) {
			long pid = strtol(p, NULL, 10);
			/* The kernel's list: a pid of our cgroup, never
			 * supd, never 1 or a group (<= 0). */
			if (pid > 1 && pid != (long)getpid())
				kill((pid_t)pid, SIGKILL);
		}
		memcpy(last, buf, sizeof(last));
	}
}

void
cgroup_child_kill(struct supd *d, struct supd_node *n)
{
	struct cgchild *c;

	if (strcmp(d->cg.mode, "off") == 0)
		return;
	/* Found again if need be: a child lost while supd was down left
	 * its cgroup, and what escaped into it. */
	if (in_hier(d, n, H_V2)) {
		char kill[CFG_NAME_MAX + 16];
		snprintf(kill, sizeof(kill), "%s/cgroup.kill", n->name);
		if (cgroup_file_write(base_of(d, H_V2), kill, "1") == 0)
			return; /* one write, no directory opened */
	}
	(void)dirs_open(d, n, false);
	if ((c = n->cg) == NULL)
		return;
	for (int h = 0; h < H_N; h++)
		if (c->dir[h] >= 0) {
			kill_each(c->dir[h]);
			break;
		}
	dirs_close(c);
}

void
cgroup_child_free(struct supd *d, struct supd_node *n)
{
	struct cgchild *c = n->cg;

	if (c == NULL)
		return;
	evfd_close(d, c);
	dirs_close(c);
	free(c);
	n->cg = NULL;
}

void
cgroup_child_release(struct supd *d, struct supd_node *n)
{
	if (n->cg == NULL)
		return;
	cgroup_child_free(d, n);
	/* Busy while a killed process is still dying: supd's exit removes
	 * it then. */
	for (int h = 0; h < H_N; h++)
		if (in_hier(d, n, h))
			(void)unlinkat(base_of(d, h), n->name, AT_REMOVEDIR);
}
