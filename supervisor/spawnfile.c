/*
 * supervisor/spawnfile.c — the spawn file of each node (spawnfile.h).
 *
 * Layout, 64 bytes of text: the spawn id, left-aligned in 32 bytes padded
 * with blanks, then the pid, written by the child, likewise. Fixed offsets
 * let parent and child each write with one pwrite and no locking.
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
	snprintf(buf, sizeof(buf), "%-31" PRIu64 "\n%-31s\n", n->spawn_id, "");
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

/* Wall-clock seconds at which the machine booted. */
static double
boot_time_s(void)
{
	struct timespec r, b;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_BOOTTIME, &b);
	return (double)(r.tv_sec - b.tv_sec) + (double)(r.tv_nsec - b.tv_nsec) /
	    1e9;
}

pid_t
spawnfile_read(const char *run_dir, const char *name, int64_t *spawn_id,
    int64_t *start)
{
	char path[PATH_MAX], buf[SPAWNFILE_SIZE + 1];
	struct stat st;
	long long sid, pid;
	double started;
	bool zombie;
	ssize_t n;
	int fd;

	*spawn_id = 0;
	snprintf(path, sizeof(path), "%s/spawn/%s", run_dir, name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = pread(fd, buf, SPAWNFILE_SIZE, 0);
	if (fstat(fd, &st) != 0)
		n = -1;
	close(fd);
	if (n != SPAWNFILE_SIZE)
		return 0;
	buf[n] = '\0';
	sid = atoll(buf);
	pid = atoll(buf + SPAWNFILE_PID_OFF);
	*spawn_id = sid > 0 ? sid : 0;
	if (sid <= 0 || pid <= 0 ||
	    proc_start_time((pid_t)pid, start, &zombie) != SUP_OK || zombie)
		return 0;
	/* The child wrote the file in the moment it started. */
	started = boot_time_s() + (double)*start / (double)sysconf(_SC_CLK_TCK);
	if (started < (double)st.st_mtim.tv_sec - 5 ||
	    started > (double)st.st_mtim.tv_sec + 5)
		return 0;
	return (pid_t)pid;
}
