/*
 * supctl/logs_follow.c — supctl logs -f: every selected log as it grows
 * (logs.h), with inotify: no polling.
 *
 * The log dir is watched (IN_CREATE, IN_MOVED_TO) before it is read, so
 * a log that appears later (a child started after, a new instance of a
 * pool, the new NAME.log of a rotation) is followed from its first byte.
 * Each file is followed by what it is, not by its name: a file rotated
 * away (NAME.log renamed NAME.log.1) is still read to its end while the
 * new NAME.log is read from its start, so no line is lost or repeated;
 * one is dropped once removed (IN_ATTRIB with no link left). A file is
 * known by its device and inode, and followed once.
 *
 * Lines print as they arrive, whichever file they come from, each once
 * and whole: the end of a file without its newline is held until the
 * newline comes (or the file goes, or the line passes PART_MAX).
 */
#include <errno.h>
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs.h"
#include "supctl.h"

#define CHUNK 65536
/* A line longer than that is printed in pieces of that size. */
#define PART_MAX (1 << 20)

struct followed {
	char name[CFG_NAME_MAX + 8];
	int fd;		/* owned; -1: no longer followed */
	int wd;
	dev_t dev;
	ino_t ino;
	off_t off;	/* read up to there */
	char *part;	/* owned: a line still without its newline */
	size_t plen, pcap;
};

struct log_follow {
	int in;			  /* owned: the inotify descriptor */
	int dir, dirwd;		  /* dir borrowed: the run dir's log */
	const struct log_sel *sel; /* borrowed: outlives f */
	struct log_out *out;	  /* borrowed: likewise */
	struct followed *v;	  /* owned: n of them */
	int n, cap;
};

/* Watches what fd is, not what its path names by then. */
static int
watch_fd(int in, int fd, uint32_t mask)
{
	char self[64];

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	return inotify_add_watch(in, self, mask);
}

struct log_follow *
log_follow_new(int dir, const struct log_sel *sel, struct log_out *out)
{
	struct log_follow *f = calloc(1, sizeof(*f));
	int e;

	if (f == NULL)
		return NULL;
	*f = (struct log_follow){.dir = dir, .sel = sel, .out = out};
	if ((f->in = inotify_init1(IN_CLOEXEC)) >= 0 &&
	    (f->dirwd = watch_fd(f->in, dir, IN_CREATE | IN_MOVED_TO |
	    IN_ONLYDIR)) >= 0)
		return f;
	e = errno;
	if (f->in >= 0)
		close(f->in);
	free(f);
	errno = e;
	return NULL;
}

void
log_follow_free(struct log_follow *f)
{
	if (f == NULL)
		return;
	for (int i = 0; i < f->n; i++) {
		if (f->v[i].fd >= 0)
			close(f->v[i].fd);
		free(f->v[i].part);
	}
	free(f->v);
	close(f->in);
	free(f);
}

int
log_follow_add(struct log_follow *f, const char *name, int fd)
{
	struct followed *v = NULL;
	struct stat st;
	int wd;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0)
		goto fail;
	for (int i = 0; i < f->n; i++)
		if (f->v[i].fd >= 0 && f->v[i].dev == st.st_dev &&
		    f->v[i].ino == st.st_ino)
			goto fail;
	if (f->n == f->cap && (v = realloc(f->v, sizeof(*v) *
	    (size_t)(f->cap ? f->cap * 2 : 16))) == NULL)
		goto fail;
	if (f->n == f->cap) {
		f->v = v;
		f->cap = f->cap ? f->cap * 2 : 16;
	}
	if ((wd = watch_fd(f->in, fd, IN_MODIFY | IN_ATTRIB)) < 0) {
		log_refused(name); /* ENOSPC: fs.inotify.max_user_watches */
		goto fail;
	}
	f->v[f->n] = (struct followed){.fd = fd, .wd = wd, .dev = st.st_dev,
	    .ino = st.st_ino};
	snprintf(f->v[f->n].name, sizeof(f->v->name), "%s", name);
	return f->n++;
fail:
	close(fd);
	return -1;
}

void
log_follow_at(struct log_follow *f, int i, off_t off)
{
	f->v[i].off = off;
}

/* --- reading -------------------------------------------------------------- */

static void
part_add(struct followed *l, const char *p, size_t n)
{
	char *b;

	if (n == 0)
		return;
	if (l->plen + n > l->pcap) {
		size_t c = (l->plen + n) * 2;
		if ((b = realloc(l->part, c)) == NULL)
			return;
		l->part = b;
		l->pcap = c;
	}
	memcpy(l->part + l->plen, p, n);
	l->plen += n;
}

/* Prints the complete lines of buf (n bytes), holding the rest. */
static void
lines_put(struct log_follow *f, struct followed *l, const char *p,
    size_t n)
{
	const char *end = p + n, *nl;

	while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (l->plen > 0) {
			part_add(l, p, (size_t)(nl - p));
			log_out_line(f->out, l->name, l->part, l->plen);
			l->plen = 0;
		} else {
			log_out_line(f->out, l->name, p, (size_t)(nl - p));
		}
		p = nl + 1;
	}
	part_add(l, p, (size_t)(end - p));
	if (l->plen >= PART_MAX) {
		log_out_line(f->out, l->name, l->part, l->plen);
		l->plen = 0;
	}
}

/* Everything l got since it was last read; a file cut short (truncated
 * by hand, logrotate's copytruncate) is read again from its start. */
static void
drain(struct log_follow *f, struct followed *l)
{
	static char buf[CHUNK];
	struct stat st;
	ssize_t got;

	if (l->fd < 0)
		return;
	if (fstat(l->fd, &st) == 0 && st.st_size < l->off) {
		l->off = 0;
		l->plen = 0;
	}
	while ((got = pread(l->fd, buf, sizeof(buf), l->off)) > 0) {
		l->off += got;
		lines_put(f, l, buf, (size_t)got);
	}
	/* A file removed gets nothing more: its last line is whole. */
	if (fstat(l->fd, &st) == 0 && st.st_nlink == 0) {
		if (l->plen > 0)
			log_out_line(f->out, l->name, l->part, l->plen);
		inotify_rm_watch(f->in, l->wd);
		close(l->fd);
		*l = (struct followed){.fd = -1, .wd = -1, .part = l->part};
	}
}

/* A file of the log dir, created or moved in: followed when selected. */
static void
dir_entry(struct log_follow *f, const char *leaf)
{
	char name[CFG_NAME_MAX + 8];
	int fd, i;

	if (!log_sel_match(f->sel, leaf, name, sizeof(name)))
		return;
	if ((fd = log_open(f->dir, leaf)) < 0) {
		if (errno != ENOENT)
			log_refused(name);
		return;
	}
	if ((i = log_follow_add(f, name, fd)) >= 0)
		drain(f, &f->v[i]);
}

/* Events were lost (the queue overflowed): look at everything again. */
static void
rescan(struct log_follow *f)
{
	DIR *d = log_dir_read(f->dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL)
		dir_entry(f, de->d_name);
	if (d != NULL)
		closedir(d);
	for (int i = 0; i < f->n; i++)
		drain(f, &f->v[i]);
}

static void
event_take(struct log_follow *f, const struct inotify_event *ev)
{
	if (ev->mask & IN_Q_OVERFLOW)
		rescan(f);
	else if (ev->wd == f->dirwd && ev->len > 0)
		dir_entry(f, ev->name);
	else
		for (int i = 0; i < f->n; i++)
			if (f->v[i].fd >= 0 && f->v[i].wd == ev->wd)
				drain(f, &f->v[i]);
}

int
log_follow_run(struct log_follow *f)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct
	    inotify_event))));
	ssize_t n;

	/* What came between each window's end and its watch. */
	for (int i = 0; i < f->n; i++)
		drain(f, &f->v[i]);
	fflush(stdout);
	for (;;) {
		if ((n = read(f->in, ev, sizeof(ev))) < 0) {
			if (errno == EINTR)
				continue;
			ctl_say("cannot follow the logs: %s", strerror(errno));
			return PROTO_FAILED;
		}
		for (char *p = ev; p < ev + n;) {
			const struct inotify_event *e = (const void *)p;
			event_take(f, e);
			p += sizeof(*e) + e->len;
		}
		fflush(stdout);
	}
}
