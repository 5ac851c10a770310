/*
 * supervisor/cgroup.h — a cgroup per worker, where the machine allows
 * (cgroup.c): the whole cgroup dies with the child, memory_max and
 * pids_max limit it, memory_restart restarts it, status reads its memory
 * and CPU from it.
 */
#ifndef SUPD_CGROUP_H
#define SUPD_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "sup/err.h"

struct supd;
struct supd_node;

/* The hierarchies a child joins; each an fd of its cgroup.procs. */
#define CGROUP_JOIN_MAX 3

/* What supd found (d->cg): where its children's cgroups are. */
struct cgroups {
	const char *mode;	/* static: "v2", "hybrid", "v1" or "off" */
	char why[320];		/* why off, or what part is missing; or "" */
	char path[4096];	/* the base in the first hierarchy (status) */
	int v2;			/* dirfd of our base in cgroup2; -1: none */
	int mem;		/* dirfd of our base in v1 memory; -1: none */
	int pids;		/* dirfd of our base in v1 pids; -1: none */
	bool v2_mem, v2_pids;	/* controllers on in v2 (pure v2 only) */
	struct supd_node **poll; /* owned array, borrowed nodes: v2 children
				  * with memory_restart (read each second) */
	int npoll;
};

/*
 * Finds the hierarchies supd may write beneath its own cgroups (from
 * /proc/self/cgroup and /proc/self/mountinfo), makes its base in each
 * (sup-HASH of the run dir; on pure v2 supd first moves itself into a
 * supd/ leaf of its own cgroup to turn controllers on for its children),
 * and says once, in the log, what it could not do. Never fails: without
 * any, d->cg.mode is "off" and supd works without cgroups.
 */
void cgroup_init(struct supd *d);
/* Removes every child's cgroup that is empty and the base (an orderly
 * exit, every child gone), waiting a moment for killed ones; closes. */
void cgroup_fini(struct supd *d);

/*
 * Before a spawn (or when supd finds n's process, adopted or recovered):
 * n's cgroup made or found, its limits applied from n's config (so a
 * re-exec after a reload applies changed limits to the running child),
 * its memory_restart watched. Fills fds[] with O_WRONLY fds of its
 * cgroup.procs (the child writes itself there before exec) and returns
 * how many; the caller closes them. 0 without cgroups; -1 with a reason
 * in why when the cgroup cannot be made.
 */
int cgroup_child_prepare(struct supd *d, struct supd_node *n,
    int fds[CGROUP_JOIN_MAX], char *why, size_t len);
/* n's cgroup found again for a process supd did not spawn (adopted). */
void cgroup_child_attach(struct supd *d, struct supd_node *n);
/* SIGKILL to every process in n's cgroup (cgroup.kill, or each pid of
 * cgroup.procs); nothing without one. */
void cgroup_child_kill(struct supd *d, struct supd_node *n);
/* n is stopped for good (supctl stop): its cgroup removed if empty. */
void cgroup_child_release(struct supd *d, struct supd_node *n);
/* Frees n's cgroup state (fds, watch). */
void cgroup_child_free(struct supd *d, struct supd_node *n);

/* n's cgroup memory in bytes and CPU in microseconds; -1 when unknown. */
void cgroup_child_usage(struct supd *d, struct supd_node *n, int64_t now,
    int64_t ttl_ns, long long *mem, long long *cpu);

/* The v1 threshold eventfd of d->nodes[index] fired. */
void cgroup_memory_event(struct supd *d, int index);
/* The next memory read of a v2 child with memory_restart, or 0: none
 * (no wake-up without such a child running). */
int64_t cgroup_deadline(struct supd *d);
void cgroup_run(struct supd *d, int64_t now);

/* Why n was restarted for its memory, into buf. */
const char *cgroup_memory_reason(const struct supd_node *n, char *buf,
    size_t len);

/* For cgroup*.c: val into dir/file (0, or -1 and errno); dir/file into
 * buf with a NUL (bytes read, or -1); a directory of supd's user beneath
 * dir, opened (made first if make), or -1 and errno. */
int cgroup_file_write(int dir, const char *file, const char *val);
ssize_t cgroup_file_read(int dir, const char *file, char *buf, size_t len);
int cgroup_dir_open(int dir, const char *name, bool make);

#endif
