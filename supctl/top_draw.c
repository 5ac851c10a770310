/*
 * supctl/top_draw.c — the rows of supctl top as text: one line per node,
 * indented by depth as supctl tree does, in aligned columns (NAME STATE
 * PID RESTARTS UPTIME RSS CPU% HEALTH LAST EXIT; "-" for what is not
 * known). top_print() writes them plainly for a pipe; top_draw() paints
 * the whole screen (header, column heads, the rows that fit around the
 * selected one, the status line) in a single write, so a redraw never
 * shows half a frame.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top.h"

#define NAME_MIN 4
#define NAME_MAX_W 32
#define HELP "j/k or up/down select  r restart  s stop  S start  " \
	"l log  q quit"

/* A growing string: the frame being built. */
struct sbuf {
	char *p;
	size_t len, cap;
};

static void __attribute__((format(printf, 2, 3)))
sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	for (;;) {
		va_start(ap, fmt);
		k = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap -
		    b->len : 0, fmt, ap);
		va_end(ap);
		if (k < 0)
			return;
		if (b->p != NULL && b->len + (size_t)k < b->cap) {
			b->len += (size_t)k;
			return;
		}
		size_t cap = (b->cap + (size_t)k + 1) * 2;
		char *p = realloc(b->p, cap);
		if (p == NULL)
			return;
		b->p = p;
		b->cap = cap;
	}
}

/* "12s", "5m03s", "2h05m", "3d04h": whole seconds, two units at most. */
static void
up_fmt(int64_t ms, char *buf, size_t n)
{
	long long s = ms > 0 ? ms / 1000 : 0;

	if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%lldh%02lldm", s / 3600, s / 60 % 60);
	else
		snprintf(buf, n, "%lldd%02lldh", s / 86400, s / 3600 % 24);
}

static void
uptime_cell(const struct top_view *v, const struct top_row *r,
    int64_t now_ms, char *buf, size_t n)
{
	int64_t since = now_ms - v->snap_ms, left;
	char d[24];

	if (r->pid > 0 && r->up_ms >= 0) {
		up_fmt(r->up_ms + (v->connected ? since : 0), buf, n);
	} else if (r->backoff_ms >= 0) {
		left = r->backoff_ms - since;
		up_fmt(left > 0 ? left + 999 : 0, d, sizeof(d));
		snprintf(buf, n, "in %s", d);
	} else {
		snprintf(buf, n, "-");
	}
}

static void
rss_cell(long long kb, char *buf, size_t n)
{
	if (kb < 0)
		snprintf(buf, n, "-");
	else if (kb < 1024 * 1024)
		snprintf(buf, n, "%.1fM", (double)kb / 1024);
	else
		snprintf(buf, n, "%.2fG", (double)kb / (1024 * 1024));
}

static int
name_width(const struct top_view *v)
{
	int w = NAME_MIN;

	for (int i = 0; i < v->nrows; i++) {
		int k = 2 * v->rows[i].depth + (int)strlen(v->rows[i].name);
		if (k > w)
			w = k;
	}
	return w > NAME_MAX_W ? NAME_MAX_W : w;
}

static void
heads_line(struct sbuf *b, int nw)
{
	sb_printf(b, "%-*s %-8s %7s %8s %8s %7s %5s %-9s %s", nw, "NAME",
	    "STATE", "PID", "RESTARTS", "UPTIME", "RSS", "CPU%", "HEALTH",
	    "LAST EXIT");
}

/* One row, without its newline. A group says only its state and its
 * restarts: the other columns are its workers'. */
static void
row_line(struct sbuf *b, const struct top_view *v, const struct top_row *r,
    int nw, int64_t now_ms)
{
	char name[NAME_MAX_W + TOP_NAME_MAX + 1], pid[16] = "-", up[32],
	    rss[16], cpu[16] = "-";
	int ind = 2 * r->depth < NAME_MAX_W ? 2 * r->depth : NAME_MAX_W;

	snprintf(name, sizeof(name), "%*s%s", ind, "", r->name);
	name[nw] = '\0'; /* cut to the column */
	if (r->group) {
		sb_printf(b, "%-*s %-8s %7s %8lld", nw, name, r->state, "",
		    r->restarts);
		return;
	}
	if (r->pid > 0)
		snprintf(pid, sizeof(pid), "%d", (int)r->pid);
	if (r->pid > 0 && r->cpu >= 0)
		snprintf(cpu, sizeof(cpu), "%.1f", r->cpu);
	uptime_cell(v, r, now_ms, up, sizeof(up));
	rss_cell(r->pid > 0 ? r->rss_kb : -1, rss, sizeof(rss));
	sb_printf(b, "%-*s %-8s %7s %8lld %8s %7s %5s %-9s %s", nw, name,
	    r->state, pid, r->restarts, up, rss, cpu, r->health, r->reason);
}

/* "supd pid 1234 running, up 5m03s; 3 workers: 2 running, 1 backoff" */
static void
header_line(struct sbuf *b, const struct top_view *v, int64_t now_ms)
{
	int workers = 0, running = 0;
	char up[32];

	if (!v->connected) {
		sb_printf(b, "supd not running, reconnecting (it was pid %d)",
		    (int)v->supd_pid);
		return;
	}
	for (int i = 0; i < v->nrows; i++) {
		if (v->rows[i].group)
			continue;
		workers++;
		running += strcmp(v->rows[i].state, "running") == 0;
	}
	up_fmt(v->supd_up_ms + now_ms - v->snap_ms, up, sizeof(up));
	sb_printf(b, "supd pid %d %s, up %s; %d worker%s: %d running",
	    (int)v->supd_pid, v->supd_state, up, workers, workers == 1 ? "" :
	    "s", running);
	if (running < workers)
		sb_printf(b, ", %d not", workers - running);
}

void
top_print(const struct top_view *v, int64_t now_ms)
{
	struct sbuf b = {0};
	int nw = name_width(v);

	header_line(&b, v, now_ms);
	sb_printf(&b, "\n");
	heads_line(&b, nw);
	sb_printf(&b, "\n");
	for (int i = 0; i < v->nrows; i++) {
		row_line(&b, v, &v->rows[i], nw, now_ms);
		sb_printf(&b, "\n");
	}
	if (b.p != NULL)
		fwrite(b.p, 1, b.len, stdout);
	fflush(stdout);
	free(b.p);
}

/*
 * Appends line (len bytes) cut to cols columns; pad: filled with spaces
 * to cols (a highlighted row spans the screen). UTF-8 continuation bytes
 * take no column.
 */
static void
cut_append(struct sbuf *b, const char *line, size_t len, int cols, bool pad)
{
	int used = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (((unsigned char)line[i] & 0xc0) != 0x80 && used++ == cols)
			break;
	}
	sb_printf(b, "%.*s", (int)i, line);
	if (pad && used < cols)
		sb_printf(b, "%*s", cols - used, "");
	sb_printf(b, "\033[K");
}

/* Appends what s holds as one screen line, then empties s. */
static void
line_flush(struct sbuf *frame, struct sbuf *s, int cols, const char *attr,
    bool last)
{
	sb_printf(frame, "%s", attr);
	cut_append(frame, s->p ? s->p : "", s->len, cols, attr[0] != '\0');
	sb_printf(frame, "%s%s", attr[0] != '\0' ? "\033[m" : "",
	    last ? "" : "\r\n");
	s->len = 0;
}

/* Keeps the selected row on the screen, which shows rows lines of them. */
static void
scroll_fit(struct top_view *v, int rows)
{
	if (v->sel < v->top)
		v->top = v->sel;
	if (v->sel >= v->top + rows)
		v->top = v->sel - rows + 1;
	if (v->top > v->nrows - rows)
		v->top = v->nrows - rows;
	if (v->top < 0)
		v->top = 0;
}

static void
clock_append(struct sbuf *s, int cols)
{
	char t[16];
	time_t now = time(NULL);
	struct tm tm;

	strftime(t, sizeof(t), "%H:%M:%S", localtime_r(&now, &tm));
	if ((int)s->len + 10 < cols)
		sb_printf(s, "%*s", cols - (int)s->len, t);
}

/* The selected row in reverse video; rows dim while supd is away (they
 * say what was true when it left). */
static const char *
row_attr(const struct top_view *v, int k)
{
	if (k >= v->nrows)
		return "";
	if (k == v->sel)
		return v->connected ? "\033[7m" : "\033[2;7m";
	return v->connected ? "" : "\033[2m";
}

void
top_draw(struct top_view *v, int64_t now_ms)
{
	struct sbuf f = {0}, s = {0};
	int nw = name_width(v), rows = v->lines - 3, i;

	scroll_fit(v, rows > 0 ? rows : 0);
	sb_printf(&f, "\033[H");
	header_line(&s, v, now_ms);
	clock_append(&s, v->cols);
	line_flush(&f, &s, v->cols, v->connected ? "" : "\033[1m", false);
	heads_line(&s, nw);
	line_flush(&f, &s, v->cols, "\033[7m", false);
	for (i = 0; i < rows; i++) {
		int k = v->top + i;
		if (k < v->nrows)
			row_line(&s, v, &v->rows[k], nw, now_ms);
		line_flush(&f, &s, v->cols, row_attr(v, k), false);
	}
	sb_printf(&s, "%s", v->msg[0] != '\0' ? v->msg : HELP);
	line_flush(&f, &s, v->cols, "", true);
	for (size_t off = 0; f.p != NULL && off < f.len;) {
		ssize_t k = write(STDOUT_FILENO, f.p + off, f.len - off);
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	free(f.p);
	free(s.p);
}
