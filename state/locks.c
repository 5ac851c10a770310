/*
 * state/locks.c — who holds a database that answered SQLITE_BUSY.
 *
 * A worker's database can be locked by any process of its user (a
 * sqlite3 shell left in a transaction, a script): "database is locked"
 * alone does not say whom to look for. SQLite takes POSIX record locks
 * on the database file (rollback mode) and on its -shm file (WAL mode),
 * and /proc/locks names their holders. Read only on an error: opening
 * and closing the files ourselves would drop SQLite's own POSIX locks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "state_int.h"

bool
st_err_busy(sup_err e)
{
	return SUP_ERR_TAG(e) == SUP_EDB &&
	    (SUP_ERR_CODE(e) & 0xff) == SQLITE_BUSY;
}

/* The pid of another process holding a lock on the file of st, or 0. */
static pid_t
holder_of(const struct stat *st)
{
	char line[256];
	unsigned maj, min;
	unsigned long long ino;
	long pid;
	pid_t found = 0;
	FILE *f = fopen("/proc/locks", "re");

	while (f != NULL && found == 0 && fgets(line, sizeof(line), f)) {
		/* "1: POSIX  ADVISORY  WRITE 1234 08:01:5678 120 120" */
		char *p = strstr(line, "ADVISORY");
		if (p == NULL || sscanf(p, "ADVISORY %*s %ld %x:%x:%llu", &pid,
		    &maj, &min, &ino) != 4)
			continue;
		if (ino == (unsigned long long)st->st_ino &&
		    makedev(maj, min) == st->st_dev && pid > 0 &&
		    pid != (long)getpid())
			found = (pid_t)pid;
	}
	if (f != NULL)
		fclose(f);
	return found;
}

void
st_who_locks(const char *path, char *buf, size_t n)
{
	char shm[4096 + 8], comm[64] = "?", cpath[64];
	struct stat st;
	pid_t pid = 0;
	FILE *f;

	buf[0] = '\0';
	snprintf(shm, sizeof(shm), "%s-shm", path);
	if (stat(shm, &st) == 0)
		pid = holder_of(&st);
	if (pid == 0 && stat(path, &st) == 0)
		pid = holder_of(&st);
	if (pid == 0)
		return;
	snprintf(cpath, sizeof(cpath), "/proc/%d/comm", (int)pid);
	if ((f = fopen(cpath, "re")) != NULL) {
		if (fgets(comm, sizeof(comm), f) != NULL)
			comm[strcspn(comm, "\n")] = '\0';
		fclose(f);
	}
	snprintf(buf, n, " (locked by pid %d, %s)", (int)pid, comm);
}
