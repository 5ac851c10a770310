/*
 * supervisor/spawnfile.c — RUN/spawn.tab, the records of spawns
 * (spawnfile.h).
 *
 * A record, SPAWNFILE_REC bytes of text: the name, padded with blanks to
 * SPAWNFILE_SID_OFF; the spawn id and the boot-clock time of the spawn (ms
 * since boot), 16 bytes each; then the pid, written by the child, padded
 * likewise, and a newline. Fixed offsets let parent and child each write
 * with one pwrite, and `cat` shows one record a line. The boot clock, like
 * /proc's start times, ignores changes of the wall clock.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "common/proc.h"
#include "spawnfile.h"
#include "tree.h"

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
		return INT64_MAX; /* unknown: read every record */
	if (pread(fd, buf, sizeof(buf) - 1, 0) <= 0)
		buf[0] = '\0';
	close(fd);
	return buf[0] ? atoll(buf) : INT64_MAX;
}

/* --- loading ------------------------------------------------------------ */

static int
range_lock(int fd, short type, off_t off, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET,
	    .l_start = off, .l_len = len};

	return fcntl(fd, F_OFD_SETLK, &fl);
}

/*
 * The old supd died between a clone and the child's exec: the child still
 * holds its record's lock and may not have written its pid yet. Waits for
 * its exec (a few ms; LOCK_WAIT_MS at most, for a child stuck there), so
 * that its pid is read, not taken for missing.
 */
static void
unlocked_wait(int fd, const char *run_dir)
{
	struct timespec ms = {0, 1000000};

	for (int i = 0; i < LOCK_WAIT_MS; i++) {
		if (range_lock(fd, F_RDLCK, 0, 0) == 0) {
			range_lock(fd, F_UNLCK, 0, 0);
			return;
		}
		if (errno != EAGAIN && errno != EACCES)
			return;
		nanosleep(&ms, NULL);
	}
	log_warn("a child of the previous supd has not exec'd after %d ms; "
	    "reading %s/spawn.tab as it is", LOCK_WAIT_MS, run_dir);
}

static void
table_unusable(struct supd *d, const char *what)
{
	log_warn("cannot %s %s/spawn.tab: %s; until the database has each "
	    "spawn, a supd killed meanwhile would not find its child", what,
	    d->cfg->run_dir, strerror(errno));
	if (d->spawn_fd >= 0)
		close(d->spawn_fd);
	d->spawn_fd = -1;
	d->spawn_nslots = 0;
}

/* Indexes the names of what was read (each cut at its first blank). */
static void
names_index(struct supd *d)
{
	for (int i = 0; i < d->spawn_nslots; i++) {
		char *rec = d->spawn_tab + (size_t)i * SPAWNFILE_REC;
		rec[SPAWNFILE_NAME_MAX] = '\0';
		rec[strcspn(rec, " ")] = '\0';
		if (rec[0] == '\0')
			continue;
		if (strmap_put(&d->spawn_names, rec, (void *)(intptr_t)(i +
		    1)) != 0) {
			log_warn("out of memory indexing %s/spawn.tab",
			    d->cfg->run_dir);
			return;
		}
	}
}

void
spawnfile_load(struct supd *d)
{
	struct stat st;
	size_t size;

	d->spawn_fd = rundir_openat(&d->run, RUN_SPAWN_TAB, NULL,
	    O_RDWR | O_CREAT, 0600);
	if (d->spawn_fd < 0)
		return table_unusable(d, "open");
	unlocked_wait(d->spawn_fd, d->cfg->run_dir);
	if (fstat(d->spawn_fd, &st) != 0)
		return table_unusable(d, "read");
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022) != 0) {
		errno = EPERM;
		return table_unusable(d, "use (not a regular file of supd's "
		    "own, closed to others)");
	}
	if (st.st_size / SPAWNFILE_REC > SPAWNFILE_MAX_RECS) {
		errno = EFBIG;
		return table_unusable(d, "read");
	}
	d->spawn_nslots = (int)(st.st_size / SPAWNFILE_REC);
	size = (size_t)d->spawn_nslots * SPAWNFILE_REC;
	if (size == 0)
		return;
	/* One byte more: the last record's name can be cut there. */
	if ((d->spawn_tab = calloc(1, size + 1)) == NULL ||
	    pread(d->spawn_fd, d->spawn_tab, size, 0) != (ssize_t)size) {
		free(d->spawn_tab);
		d->spawn_tab = NULL;
		return table_unusable(d, "read");
	}
	names_index(d);
}

/* A field of a record: at most 15 digits, then a blank; else -1 (a
 * damaged or planted record is taken for no spawn at all). */
static long long
field(const char *p)
{
	long long v = 0;
	int i;

	for (i = 0; i < 15 && p[i] >= '0' && p[i] <= '9'; i++)
		v = v * 10 + (p[i] - '0');
	return i > 0 && (i == 15 || p[i] == ' ') ? v : -1;
}

/* The pid a record names, if that process is the spawn's; else 0. */
static pid_t
record_live(const char *rec, int64_t *spawn_id, int64_t *start)
{
	long long sid = field(rec + SPAWNFILE_SID_OFF);
	long long at_ms = field(rec + SPAWNFILE_START_OFF);
	long long pid = field(rec + SPAWNFILE_PID_OFF);

	*spawn_id = sid > 0 ? sid : 0;
	/* The process started in the moment the spawn was written: a pid
	 * recycled by another process started at another time. */
	if (sid <= 0 || pid <= 0 || pid > INT32_MAX || at_ms < 0 ||
	    !proc_same((pid_t)pid, at_ms))
		return 0;
	*start = at_ms;
	return (pid_t)pid;
}

pid_t
spawnfile_read(struct supd *d, const char *name, int64_t *spawn_id,
    int64_t *start)
{
	intptr_t slot = (intptr_t)strmap_get(&d->spawn_names, name);

	*spawn_id = 0;
	if (slot <= 0 || d->spawn_tab == NULL)
		return 0;
	return record_live(d->spawn_tab + (size_t)(slot - 1) * SPAWNFILE_REC,
	    spawn_id, start);
}

/* --- records ------------------------------------------------------------ */

/* A record free for a new name: its own left the config, and names no
 * live process (a removed child still stopping keeps its record). */
static bool
slot_free(struct supd *d, int i, const unsigned char *taken)
{
	const char *rec = d->spawn_tab + (size_t)i * SPAWNFILE_REC;
	int64_t sid, start;

	return !taken[i] && (rec[0] == '\0' || (tree_find(d, rec) == NULL &&
	    record_live(rec, &sid, &start) == 0));
}

void
spawnfile_assign(struct supd *d)
{
	int loaded = d->spawn_tab != NULL ? d->spawn_nslots : 0, next = 0;
	unsigned char *taken = calloc((size_t)loaded + 1, 1);

	for (int i = 0; i < d->nnodes && taken != NULL; i++) {
		struct supd_node *n = d->nodes[i];
		intptr_t s = (intptr_t)strmap_get(&d->spawn_names, n->name);
		if (!n->is_group && s > 0 && d->spawn_tab != NULL) {
			n->spawn_slot = (int)s;
			taken[s - 1] = 1;
		}
	}
	for (int i = 0; i < d->nnodes; i++) {
		struct supd_node *n = d->nodes[i];
		if (n->is_group || n->spawn_slot != 0)
			continue;
		/* Only records read at the start can be reused: those added
		 * at the end here are new. */
		while (taken != NULL && next < loaded &&
		    !slot_free(d, next, taken))
			next++;
		if (taken != NULL && next < loaded)
			n->spawn_slot = ++next;
		else
			n->spawn_slot = ++d->spawn_nslots;
	}
	free(taken);
	strmap_free(&d->spawn_names);
	free(d->spawn_tab);
	d->spawn_tab = NULL;
}

/* The spawn goes on without its intent on disk: said, since a supd
 * killed before the next commit would not know this child. */
static void
intent_lost(struct supd *d, struct supd_node *n)
{
	log_warn("cannot write the spawn record of %s in %s/spawn.tab: %s; "
	    "until the database has it, a supd killed now would not find "
	    "this child", n->name, d->cfg->run_dir, strerror(errno));
}

static off_t
slot_off(const struct supd_node *n)
{
	return (off_t)(n->spawn_slot - 1) * SPAWNFILE_REC;
}

int
spawnfile_begin(struct supd *d, struct supd_node *n, off_t *pid_off)
{
	char buf[SPAWNFILE_REC + 1];
	off_t off;

	spawnfile_seq_note(d, n->spawn_id);
	if (d->spawn_fd < 0) {
		errno = EBADF;
		intent_lost(d, n);
		return -1;
	}
	if (n->spawn_slot == 0) /* not there at the start: one more */
		n->spawn_slot = ++d->spawn_nslots;
	off = slot_off(n);
	/* Held by this open file, which the child shares until its exec
	 * closes its copy (spawnfile_end() drops supd's): a recovering
	 * supd waits on it for a child caught between clone and exec. Never
	 * contended here: only a recovery reads, before any spawn. */
	(void)range_lock(d->spawn_fd, F_WRLCK, off, SPAWNFILE_REC);
	/* The widths are minimums: a number too long for its field (a
	 * spawn id of 16 digits) would move the ones after it. */
	if (snprintf(buf, sizeof(buf), "%-95.95s %-15" PRIu64 " %-15lld %-31s\n",
	    n->name, n->spawn_id, (long long)n->pid_start, "") !=
	    SPAWNFILE_REC) {
		errno = EOVERFLOW;
		intent_lost(d, n);
		range_lock(d->spawn_fd, F_UNLCK, off, SPAWNFILE_REC);
		return -1;
	}
	if (pwrite(d->spawn_fd, buf, SPAWNFILE_REC, off) != SPAWNFILE_REC) {
		if (errno == 0)
			errno = EIO; /* short: the disk is full */
		intent_lost(d, n);
		range_lock(d->spawn_fd, F_UNLCK, off, SPAWNFILE_REC);
		return -1;
	}
	*pid_off = off + SPAWNFILE_PID_OFF;
	return d->spawn_fd;
}

void
spawnfile_end(struct supd *d, struct supd_node *n)
{
	if (d->spawn_fd >= 0 && n->spawn_slot > 0)
		range_lock(d->spawn_fd, F_UNLCK, slot_off(n), SPAWNFILE_REC);
}

void
spawnfile_close(struct supd *d)
{
	strmap_free(&d->spawn_names);
	free(d->spawn_tab);
	d->spawn_tab = NULL;
	if (d->spawn_fd >= 0)
		close(d->spawn_fd);
	d->spawn_fd = -1;
}
