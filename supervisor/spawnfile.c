/*
 * supervisor/spawnfile.c — the spawn file of each node (spawnfile.h).
 *
 * Layout, 64 bytes of text: the spawn id and the boot-clock time of the
 * spawn (ms since boot), in 32 bytes padded with blanks, then the pid,
 * written by the child, likewise. Fixed offsets let parent and child each
 * write with one pwrite and no locking. The boot clock, like /proc's start
 * times, ignores changes of the wall clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"
#include "spawnfile.h"

#define LOCK_WAIT_MS 2000

void
spawnfile_seq_note(struct supd *d, uint64_t spawn_id)
{
	char buf[24];

	if (d->seq_fd < 0) {
		d->seq_fd = rundir_openat(&d->run, RUN_SPAWN_SEQ, NULL,
		    O_WRONLY | O_CREAT, 0600);
		if (d->seq_fd < 0)
			return;
	}
	snprintf(buf, sizeof(buf), "%-22" PRIu64 "\n", spawn_id);
	(void)!pwrite(d->seq_fd, buf, 23, 0);
}

int64_t
spawnfile_seq(struct rundir *run)
{
	char buf[24] = "";
	int fd;

	if ((fd = rundir_openat(run, RUN_SPAWN_SEQ, NULL, O_RDONLY, 0)) < 0)
		return INT64_MAX; /* unknown: read every spawn file */
	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoll(buf) : INT64_MAX;
}

/* The spawn goes on without its intent on disk: said, since a supd
 * killed before the next commit would not know this child. */
static void
intent_lost(struct supd *d, struct supd_node *n)
{
	log_warn("cannot write the spawn file of %s in %s/spawn: %s; until "
	    "the database has it, a supd killed now would not find this "
	    "child", n->name, d->cfg->run_dir, strerror(errno));
}

int
spawnfile_begin(struct supd *d, struct supd_node *n)
{
	char buf[SPAWNFILE_SIZE + 1];
	int fd;

	/* Opened per spawn, not kept: every clone copies supd's descriptor
	 * table, and a descriptor per child would make each spawn pay for
	 * all the others. */
	spawnfile_seq_note(d, n->spawn_id);
	fd = rundir_openat(&d->run, RUN_SPAWN, n->name, O_WRONLY | O_CREAT,
	    0600);
	if (fd < 0) {
		intent_lost(d, n);
		return -1;
	}
	/* Held by this open file, which the child shares until its exec
	 * closes it: a recovering supd waits on it for a child caught
	 * between fork and exec (see spawnfile_read). Never contended
	 * here: only a recovery reads, before any spawn. */
	(void)flock(fd, LOCK_EX);
	snprintf(buf, sizeof(buf), "%-15" PRIu64 " %-15lld%-31s\n",
	    n->spawn_id, (long long)n->pid_start, "");
	if (pwrite(fd, buf, SPAWNFILE_SIZE, 0) != SPAWNFILE_SIZE) {
		intent_lost(d, n);
		close(fd);
		return -1;
	}
	return fd;
}


/*
 * The old supd died between a fork and the child's exec: the child still
 * holds the file's lock and may not have written its pid yet. Waits for
 * its exec (a few ms; LOCK_WAIT_MS at most, for a child stuck there),
 * so that its pid is read, not taken for missing.
 */
static void
unlocked_wait(int fd, const char *name)
{
	struct timespec ms = {0, 1000000};

	for (int i = 0; i < LOCK_WAIT_MS; i++) {
		if (flock(fd, LOCK_SH | LOCK_NB) == 0 || errno != EWOULDBLOCK)
			return;
		nanosleep(&ms, NULL);
	}
	log_warn("spawn of %s: its child has not exec'd after %d ms; "
	    "reading its spawn file as it is", name, LOCK_WAIT_MS);
}

pid_t
spawnfile_read(struct rundir *run, const char *name, int64_t *spawn_id,
    int64_t *start)
{
	char buf[SPAWNFILE_SIZE + 1], *p;
	long long sid, pid, at_ms;
	ssize_t n;
	int fd;

	*spawn_id = 0;
	if ((fd = rundir_openat(run, RUN_SPAWN, name, O_RDONLY, 0)) < 0)
		return 0;
	unlocked_wait(fd, name);
	n = pread(fd, buf, SPAWNFILE_SIZE, 0);
	close(fd);
	if (n != SPAWNFILE_SIZE)
		return 0;
	buf[n] = '\0';
	sid = strtoll(buf, &p, 10);
	at_ms = strtoll(p, NULL, 10);
	pid = atoll(buf + SPAWNFILE_PID_OFF);
	*spawn_id = sid > 0 ? sid : 0;
	/* The process started in the moment the spawn was written: a pid
	 * recycled by another process started at another time. */
	if (sid <= 0 || pid <= 0 || !proc_same((pid_t)pid, at_ms))
		return 0;
	*start = at_ms;
	return (pid_t)pid;
}
