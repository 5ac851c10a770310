/*
 * common/proc.c — reading /proc (proc.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc.h"

sup_err
proc_stat_read(pid_t pid, struct proc_stat *st)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? SUP_ENOTFOUND : SUP_ESYS | errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return SUP_ENOTFOUND;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: skip to the
	 * last ')'. Then: state (field 3) ... starttime (field 22). */
	if ((p = strrchr(buf, ')')) == NULL || p[1] != ' ')
		return SUP_EPROTO;
	p += 2;
	*st = (struct proc_stat){.zombie = *p == 'Z' || *p == 'X'};
	for (field = 3; field < 22 && p != NULL; field++) {
		if (field == 14 || field == 15)
			st->cpu_ticks += strtoll(p, NULL, 10);
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	}
	if (p == NULL)
		return SUP_EPROTO;
	st->start_ticks = strtoll(p, NULL, 10);
	return SUP_OK;
}

sup_err
proc_start_time(pid_t pid, int64_t *ticks, bool *zombie)
{
	struct proc_stat st;
	sup_err e = proc_stat_read(pid, &st);

	if (e == SUP_OK) {
		*ticks = st.start_ticks;
		*zombie = st.zombie;
	}
	return e;
}

bool
proc_same(pid_t pid, int64_t start_ms)
{
	int64_t ticks, ms;
	bool zombie;

	if (pid <= 1 || proc_start_time(pid, &ticks, &zombie) != SUP_OK ||
	    zombie)
		return false;
	ms = ticks * 1000 / sysconf(_SC_CLK_TCK);
	return ms >= start_ms - 2000 && ms <= start_ms + 2000;
}

int
proc_pidfd_same(pid_t pid, int64_t start_ms)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd >= 0 && !proc_same(pid, start_ms)) {
		close(fd);
		errno = ESRCH;
		return -1;
	}
	return fd;
}

pid_t
proc_ns_pid(pid_t pid)
{
	char path[64], line[256], *last;
	pid_t inner = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (pid <= 0 || (f = fopen(path, "re")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "NSpid:", 6) == 0) {
			line[strcspn(line, "\n")] = '\0';
			last = strrchr(line, '\t');
			inner = last != NULL ? (pid_t)atoi(last + 1) : -1;
			break;
		}
	fclose(f);
	return inner > 0 ? inner : -1;
}

void
proc_boot_id(char *buf, size_t n)
{
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
	ssize_t r = fd >= 0 ? read(fd, buf, n - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[r > 0 ? r : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

long long
proc_rss_kb(pid_t pid)
{
	char path[64], buf[128];
	long long size, resident;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (sscanf(buf, "%lld %lld", &size, &resident) != 2)
		return -1;
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

long
proc_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

#define NOFILE_CAP (1u << 20)

void
proc_nofile_raise(struct rlimit *was)
{
	struct rlimit r, want;
	unsigned long nr_open = 0;
	FILE *f;

	if (getrlimit(RLIMIT_NOFILE, &r) != 0)
		return;
	if (was != NULL)
		*was = r;
	if ((f = fopen("/proc/sys/fs/nr_open", "re")) != NULL) {
		if (fscanf(f, "%lu", &nr_open) != 1)
			nr_open = 0;
		fclose(f);
	}
	if (nr_open > NOFILE_CAP)
		nr_open = NOFILE_CAP;
	want = r;
	if (nr_open > r.rlim_max) {
		want.rlim_cur = want.rlim_max = nr_open;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	want = r;
	want.rlim_cur = r.rlim_max;
	setrlimit(RLIMIT_NOFILE, &want);
}

bool
proc_has_uid(pid_t pid, uid_t uid)
{
	char path[64], buf[4096], *p;
	struct stat st;
	ssize_t n;
	int fd;

	/* /proc/PID belongs to the process's effective uid when it is
	 * dumpable, the common case: one stat. Else, its status says. */
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (stat(path, &st) == 0 && st.st_uid == uid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	if ((p = strstr(buf, "\nUid:")) == NULL)
		return false;
	return strtoul(p + 6, NULL, 10) == (unsigned long)uid;
}
