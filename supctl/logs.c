/*
 * supctl/logs.c — supctl logs NAME [-f] [--lines N]: a child's
 * captured output (stdout = log: RUN/log/NAME.log, appended by every
 * incarnation). The last N lines (50), then, with -f, what is appended,
 * as it comes (inotify: no polling). Works whether supd runs or not.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/suggest.h"
#include "common/rundir.h"
#include "shared/config.h"
#include "supctl.h"

#define TAIL_CHUNK 65536

/* The offset where the last n lines of fd (size bytes) begin. */
static off_t
tail_start(int fd, off_t size, long n)
{
	char buf[TAIL_CHUNK];
	off_t end = size;
	long seen = 0;

	/* A last line without its newline counts as a line. */
	if (size > 0 && pread(fd, buf, 1, size - 1) == 1 && buf[0] == '\n')
		end = size - 1;
	while (end > 0) {
		off_t from = end > TAIL_CHUNK ? end - TAIL_CHUNK : 0;
		ssize_t got = pread(fd, buf, (size_t)(end - from), from);
		if (got <= 0)
			return 0;
		for (ssize_t i = got - 1; i >= 0; i--)
			if (buf[i] == '\n' && ++seen == n)
				return from + i + 1;
		end = from;
	}
	return 0;
}

/* Copies fd from *off to its end to stdout. */
static void
copy_from(int fd, off_t *off)
{
	char buf[TAIL_CHUNK];
	ssize_t got;

	while ((got = pread(fd, buf, sizeof(buf), *off)) > 0) {
		fwrite(buf, 1, (size_t)got, stdout);
		*off += got;
	}
	fflush(stdout);
}

/* Follows path from off: appended bytes as they come; a file cut short
 * (truncated by hand) is read again from its start. */
static int
follow(const char *path, int fd, off_t off)
{
	int in = inotify_init1(IN_CLOEXEC);
	char self[64], ev[4096];
	struct stat st;

	/* The file we hold, not whatever its path names by now. */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	if (in < 0 || inotify_add_watch(in, self, IN_MODIFY) < 0) {
		ctl_say("cannot follow %s: %s", path, strerror(errno));
		if (in >= 0)
			close(in);
		return PROTO_FAILED;
	}
	/* What was written between the tail and the watch has made its
	 * event already: read it now, or it waits for the next write. */
	copy_from(fd, &off);
	for (;;) {
		if (read(in, ev, sizeof(ev)) < 0 && errno != EINTR)
			return PROTO_FAILED;
		if (fstat(fd, &st) == 0 && st.st_size < off)
			off = 0;
		copy_from(fd, &off);
	}
}

/* No log for name: why, with a did-you-mean among the logs there are. */
static int
no_log(struct ctl_opts *o, const char *name)
{
	char pool[CFG_NAME_MAX + 8], leaf[CFG_NAME_MAX + 16];
	int dir = rundir_fd(&o->run, RUNDIR_LOG), fd = dir >= 0 ? dup(dir) : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	const char *cands[512];
	struct dirent *de;
	int n = 0;

	if (d == NULL && fd >= 0)
		close(fd);
	snprintf(pool, sizeof(pool), "%s.0", name);
	if (rundir_name(RUN_LOG, pool, leaf, sizeof(leaf)) && dir >= 0 &&
	    faccessat(dir, leaf, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		ctl_say("%s is a pool: its logs are %s.0, %s.1 ...", name, name,
		    name);
		if (d != NULL)
			closedir(d);
		return PROTO_NO_CHILD;
	}
	while (d != NULL && (de = readdir(d)) != NULL && n < 512) {
		size_t len = strlen(de->d_name);
		if (len > 4 && strcmp(de->d_name + len - 4, ".log") == 0) {
			de->d_name[len - 4] = '\0';
			cands[n++] = strdup(de->d_name);
		}
	}
	if (d != NULL)
		closedir(d);
	ctl_say("no log for %s in %s/log (a child with stdout = log that ran)",
	    name, o->run_dir);
	const char *s = suggest(name, cands, (size_t)n);
	if (s != NULL)
		ctl_say("did you mean %s?", s);
	for (int i = 0; i < n; i++)
		free((char *)cands[i]);
	return PROTO_NO_CHILD;
}

int
verb_logs(struct ctl_opts *o, int argc, char **argv)
{
	char path[PATH_MAX];
	struct stat st;
	off_t off;
	int fd, code;

	if (argc != 1 || !rundir_path(o->run_dir, RUN_LOG, argv[0], path,
	    sizeof(path))) {
		ctl_say("usage: supctl logs NAME [-f] [-n N | --lines N]");
		return PROTO_USAGE;
	}
	if (ctl_run(o, false, &code) == NULL)
		return code;
	if ((fd = rundir_openat(&o->run, RUN_LOG, argv[0], O_RDONLY, 0)) < 0)
		return errno == ENOENT ? no_log(o, argv[0]) : (ctl_say("%s: %s",
		    path, strerror(errno)), PROTO_FAILED);
	if (fstat(fd, &st) != 0) {
		close(fd);
		return PROTO_FAILED;
	}
	off = tail_start(fd, st.st_size, o->lines > 0 ? o->lines : 50);
	copy_from(fd, &off);
	code = o->follow ? follow(path, fd, off) : PROTO_OK;
	close(fd);
	return code;
}
