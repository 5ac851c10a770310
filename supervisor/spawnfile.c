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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/proc.h"
#include "spawnfile.h"

static int64_t
boot_ns(void)
{
	struct timespec b;

	clock_gettime(CLOCK_BOOTTIME, &b);
	return (int64_t)b.tv_sec * 1000000000 + b.tv_nsec;
}

int
spawnfile_begin(struct supd *d, struct supd_node *n)
{
	char path[PATH_MAX], buf[SPAWNFILE_SIZE + 1];

	if (n->spawn_fd < 0) {
		snprintf(path, sizeof(path), "%s/spawn/%s", d->cfg->run_dir,
		    n->name);
		n->spawn_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC |
		    O_NOFOLLOW, 0600);
		if (n->spawn_fd < 0)
			return -1;
	}
	snprintf(buf, sizeof(buf), "%-15" PRIu64 " %-15lld%-31s\n",
	    n->spawn_id, (long long)(boot_ns() / 1000000), "");
	if (pwrite(n->spawn_fd, buf, SPAWNFILE_SIZE, 0) != SPAWNFILE_SIZE)
		return -1;
	return n->spawn_fd;
}

void
spawnfile_close(struct supd_node *n)
{
	if (n->spawn_fd >= 0)
		close(n->spawn_fd);
	n->spawn_fd = -1;
}


pid_t
spawnfile_read(const char *run_dir, const char *name, int64_t *spawn_id,
    int64_t *start)
{
	char path[PATH_MAX], buf[SPAWNFILE_SIZE + 1], *p;
	long long sid, pid, at_ms, start_ms;
	bool zombie;
	ssize_t n;
	int fd;

	*spawn_id = 0;
	snprintf(path, sizeof(path), "%s/spawn/%s", run_dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = pread(fd, buf, SPAWNFILE_SIZE, 0);
	close(fd);
	if (n != SPAWNFILE_SIZE)
		return 0;
	buf[n] = '\0';
	sid = strtoll(buf, &p, 10);
	at_ms = strtoll(p, NULL, 10);
	pid = atoll(buf + SPAWNFILE_PID_OFF);
	*spawn_id = sid > 0 ? sid : 0;
	if (sid <= 0 || pid <= 0 ||
	    proc_start_time((pid_t)pid, start, &zombie) != SUP_OK || zombie)
		return 0;
	/* The process started in the moment the spawn was written: a pid
	 * recycled by another process started at another time. */
	start_ms = *start * 1000 / sysconf(_SC_CLK_TCK);
	if (start_ms < at_ms - 2000 || start_ms > at_ms + 2000)
		return 0;
	return (pid_t)pid;
}
