/*
 * supctl/logs_merge.c — the last n lines of several logs, merged by
 * time (logs.h), read from the files' ends: never a whole file.
 *
 * Each child's log is a source: NAME.log, preceded by NAME.log.1, .2 ...
 * as far back as its last n lines go (a window of each file, found by
 * reading backwards in chunks). The merged last n lines are among the
 * last n of each source, so the merge reads each window forwards, one
 * line of each source at a time, smallest stamp first (a heap; ties go
 * to the source whose name sorts first), and prints from the line where
 * n remain. Every source holds one buffer; n bounds nothing in memory.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs.h"
#include "supctl.h"

#define CHUNK 16384
/* NAME.log.1 ... at most (log_keep's largest). */
#define SEG_MAX 100

/* One file of a source: the window [from, end) of fd. */
struct seg {
	int fd;
	off_t from, end;
};

struct src {
	char name[CFG_NAME_MAX + 8];
	struct seg seg[SEG_MAX + 1]; /* oldest first; the last is NAME.log */
	int nseg, cur;
	off_t pos;		 /* in seg[cur] */
	char *buf;		 /* owned: CHUNK bytes read ahead */
	size_t b, e;		 /* what of buf is still to take */
	char *line;		 /* owned: the line at the head */
	size_t len, cap;
	char key[LOG_STAMP_LEN + 1]; /* its stamp, or the one above it */
	int follow;		 /* its index in the log_follow, or -1 */
};

/* --- windows -------------------------------------------------------------- */

/* The offset where the last n lines of [0, end) begin; *count: how many
 * lines there are from it (fewer than n: the whole file). A last line
 * without its newline counts as a line. */
static off_t
tail_start(int fd, off_t end, long n, long *count)
{
	char buf[CHUNK];
	off_t e = end;
	long seen = 0;

	*count = n;
	if (end > 0 && pread(fd, buf, 1, end - 1) == 1 && buf[0] == '\n')
		e = end - 1;
	while (e > 0) {
		off_t from = e > CHUNK ? e - CHUNK : 0;
		ssize_t got = pread(fd, buf, (size_t)(e - from), from);
		if (got <= 0)
			break;
		for (ssize_t i = got - 1; i >= 0; i--)
			if (buf[i] == '\n' && ++seen == n)
				return from + i + 1;
		e = from;
	}
	*count = end > 0 ? seen + 1 : 0;
	return 0;
}

/* Where the last complete line of [0, size) ends: what follows is a line
 * still being written, left to -f. */
static off_t
complete_end(int fd, off_t size)
{
	char buf[CHUNK];
	off_t e = size;

	while (e > 0) {
		off_t from = e > CHUNK ? e - CHUNK : 0;
		ssize_t got = pread(fd, buf, (size_t)(e - from), from);
		if (got <= 0)
			return 0;
		for (ssize_t i = got - 1; i >= 0; i--)
			if (buf[i] == '\n')
				return from + i + 1;
		e = from;
	}
	return 0;
}

/* The stamp of the nearest stamped line before off (within a chunk)
 * into key; "" when there is none. */
static void
stamp_before(int fd, off_t off, char *key)
{
	char buf[CHUNK];
	off_t from = off > CHUNK ? off - CHUNK : 0;
	ssize_t got = off > 0 ? pread(fd, buf, (size_t)(off - from), from) : 0;

	key[0] = '\0';
	for (ssize_t i = got - 1; i >= 0; i--) {
		bool start = i == 0 ? from == 0 : buf[i - 1] == '\n';
		if (start && log_stamped(buf + i, (size_t)(got - i) >
		    LOG_STAMP_LEN ? LOG_STAMP_LEN + 1 : (size_t)(got - i))) {
			memcpy(key, buf + i, LOG_STAMP_LEN);
			key[LOG_STAMP_LEN] = '\0';
			return;
		}
	}
}

/* s's window: NAME.log (fd), then the rotated files before it while
 * fewer than n lines were found. Returns the lines it holds. */
static long
src_window(struct src *s, int dir, int fd, long n, bool follow)
{
	struct seg tmp[SEG_MAX + 1];
	char leaf[CFG_NAME_MAX + 24];
	long total = 0, count;
	struct stat st;
	int k = 0;

	while (fd >= 0 && total < n && fstat(fd, &st) == 0) {
		/* The live file's partial last line is -f's to finish. */
		off_t end = k == 0 && follow ? complete_end(fd, st.st_size) :
		    st.st_size;
		tmp[k] = (struct seg){fd, tail_start(fd, end, n - total,
		    &count), end};
		total += count;
		if (++k > SEG_MAX)
			break;
		snprintf(leaf, sizeof(leaf), "%s.log.%d", s->name, k);
		fd = total < n ? log_open(dir, leaf) : -1;
	}
	for (int i = 0; i < k; i++) /* oldest first */
		s->seg[i] = tmp[k - 1 - i];
	s->nseg = k;
	s->pos = k > 0 ? s->seg[0].from : 0;
	if (k > 0)
		stamp_before(s->seg[0].fd, s->seg[0].from, s->key);
	return total;
}

/* --- reading forwards ----------------------------------------------------- */

static bool
line_add(struct src *s, const char *p, size_t n)
{
	if (s->len + n + 1 > s->cap) {
		size_t c = (s->len + n + 1) * 2;
		char *l = realloc(s->line, c);
		if (l == NULL)
			return false;
		s->line = l;
		s->cap = c;
	}
	memcpy(s->line + s->len, p, n);
	s->len += n;
	return true;
}

/* The next line of s into s->line, its key updated; false at the end. */
static bool
src_next(struct src *s)
{
	s->len = 0;
	while (s->cur < s->nseg) {
		struct seg *g = &s->seg[s->cur];
		char *nl;
		if (s->b == s->e) {
			off_t want = g->end - s->pos;
			ssize_t got = want <= 0 ? 0 : pread(g->fd, s->buf,
			    want > CHUNK ? CHUNK : (size_t)want, s->pos);
			if (got <= 0) {
				/* A file's end ends its last line. */
				if (++s->cur < s->nseg)
					s->pos = s->seg[s->cur].from;
				if (s->len > 0)
					break;
				continue;
			}
			s->pos += got;
			s->b = 0;
			s->e = (size_t)got;
		}
		nl = memchr(s->buf + s->b, '\n', s->e - s->b);
		if (!line_add(s, s->buf + s->b, nl != NULL ?
		    (size_t)(nl - s->buf) - s->b : s->e - s->b))
			return false;
		s->b = nl != NULL ? (size_t)(nl - s->buf) + 1 : s->e;
		if (nl != NULL)
			break;
	}
	if (s->cur >= s->nseg && s->len == 0)
		return false;
	if (log_stamped(s->line, s->len)) {
		memcpy(s->key, s->line, LOG_STAMP_LEN);
		s->key[LOG_STAMP_LEN] = '\0';
	}
	return true;
}

/* --- the merge ------------------------------------------------------------ */

static bool
before(struct src *v, int a, int b)
{
	int c = strcmp(v[a].key, v[b].key);

	return c < 0 || (c == 0 && a < b);
}

static void
heap_down(struct src *v, int *h, int n, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i, t;
		if (l < n && before(v, h[l], h[m]))
			m = l;
		if (l + 1 < n && before(v, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

/* Prints the merged lines of v, the first skip of them left out. */
static void
merge_print(struct src *v, int nv, long skip, struct log_out *out)
{
	int *h = malloc(sizeof(*h) * (size_t)(nv > 0 ? nv : 1)), n = 0;

	if (h == NULL)
		return;
	for (int i = 0; i < nv; i++)
		if (src_next(&v[i]))
			h[n++] = i;
	for (int i = n / 2 - 1; i >= 0; i--)
		heap_down(v, h, n, i);
	while (n > 0) {
		struct src *s = &v[h[0]];
		if (skip > 0)
			skip--;
		else
			log_out_line(out, s->name, s->line, s->len);
		if (!src_next(s))
			h[0] = h[--n];
		heap_down(v, h, n, 0);
	}
	free(h);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct src *)a)->name,
	    ((const struct src *)b)->name);
}

/* The selected logs of dir, each opened (links and non-files refused,
 * and said so), sorted by name. */
static struct src *
sources_find(int dir, const struct log_sel *sel, int *count)
{
	DIR *d = log_dir_read(dir);
	int fd, n = 0, cap = 0;
	struct src *v = NULL, *t;
	char name[CFG_NAME_MAX + 8];
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		if (!log_sel_match(sel, de->d_name, name, sizeof(name)))
			continue;
		if ((fd = log_open(dir, de->d_name)) < 0) {
			log_refused(name);
			continue;
		}
		if (n == cap) {
			if ((t = realloc(v, sizeof(*v) * (size_t)(cap ? cap * 2 :
			    16))) == NULL) {
				close(fd);
				break;
			}
			v = t;
			cap = cap ? cap * 2 : 16;
		}
		v[n] = (struct src){.seg[0].fd = fd, .nseg = 1};
		snprintf(v[n++].name, sizeof(v->name), "%s", name);
	}
	if (d != NULL)
		closedir(d);
	if (n > 0)
		qsort(v, (size_t)n, sizeof(*v), name_cmp);
	*count = n;
	return v;
}

int
log_merge(int dir, const struct log_sel *sel, struct log_out *out, long n,
    struct log_follow *f)
{
	int nv = 0;
	struct src *v = sources_find(dir, sel, &nv);
	long total = 0;

	for (int i = 0; i < nv; i++) {
		int fd = v[i].seg[0].fd;
		log_out_fit(out, v[i].name);
		/* Watched before its size is read: nothing falls between. */
		v[i].follow = f != NULL ? log_follow_add(f, v[i].name,
		    dup(fd)) : -1;
		total += src_window(&v[i], dir, fd, n, f != NULL);
		if ((v[i].buf = malloc(CHUNK)) == NULL)
			v[i].nseg = 0;
	}
	merge_print(v, nv, total > n ? total - n : 0, out);
	for (int i = 0; i < nv; i++) {
		/* -f takes each log on from where its window ended. */
		if (v[i].follow >= 0 && v[i].nseg > 0)
			log_follow_at(f, v[i].follow,
			    v[i].seg[v[i].nseg - 1].end);
		for (int k = 0; k < v[i].nseg; k++)
			close(v[i].seg[k].fd);
		free(v[i].buf);
		free(v[i].line);
	}
	free(v);
	return nv;
}
