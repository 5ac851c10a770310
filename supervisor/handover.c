/*
 * supervisor/handover.c — writing and reading the handover (handover.h).
 *
 * The memfd holds one JSON line, then the config text, whose length the
 * line gives. It is sealed against growth: the new
 * image reads exactly what the old one wrote. The config text comes
 * after the line because its bytes need not be UTF-8.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "handover.h"
#include "shared/config.h"

extern char **environ;

#define HANDOVER_MAGIC "sup-handover 1\n"
#define HANDOVER_LINE_MAX (1 << 20)

static const char *const mode_names[] = {
	[HANDOVER_NONE] = "none", [HANDOVER_REEXEC] = "reexec",
	[HANDOVER_RELOAD] = "reload",
};

static bool
write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		c += w;
		n -= (size_t)w;
	}
	return true;
}

static char *
meta_line(const struct handover *h)
{
	json_t *o = json_pack("{s:s, s:s, s:I, s:i, s:I, s:I, s:I, s:I, s:I}",
	    "mode", mode_names[h->mode], "token", h->token, "exec_ns",
	    (json_int_t)h->exec_ns, "lock_fd", h->lock_fd, "start_ns",
	    (json_int_t)h->start_ns, "start_real_ms",
	    (json_int_t)h->start_real_ms, "reloads", (json_int_t)h->reloads,
	    "reexecs", (json_int_t)h->reexecs, "config_len",
	    (json_int_t)h->config_len);
	char *s;

	if (o == NULL)
		return NULL;
	if (h->result != NULL)
		json_object_set(o, "result", h->result);
	if (h->listen != NULL)
		json_object_set(o, "listen", h->listen);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

static int
memfd_write(const struct handover *h)
{
	char *line = meta_line(h);
	int fd = memfd_create("supd-handover", MFD_ALLOW_SEALING);
	bool ok;

	if (line == NULL || fd < 0) {
		int e = line == NULL ? ENOMEM : errno;
		free(line);
		if (fd >= 0)
			close(fd);
		errno = e;
		return -1;
	}
	errno = 0; /* a short write sets none: EIO then */
	ok = write_all(fd, HANDOVER_MAGIC, strlen(HANDOVER_MAGIC)) &&
	    write_all(fd, line, strlen(line)) && write_all(fd, "\n", 1) &&
	    write_all(fd, h->config, h->config_len) &&
	    lseek(fd, 0, SEEK_SET) == 0 &&
	    fcntl(fd, F_ADD_SEALS, F_SEAL_GROW | F_SEAL_SHRINK |
	    F_SEAL_WRITE | F_SEAL_SEAL) == 0;
	free(line);
	if (!ok) {
		int e = errno ? errno : EIO;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static void
cloexec_set(int fd, bool on)
{
	int f = fcntl(fd, F_GETFD);

	if (f >= 0)
		fcntl(fd, F_SETFD, on ? f | FD_CLOEXEC : f & ~FD_CLOEXEC);
}

static void
listen_cloexec(const json_t *list, bool on)
{
	const json_t *it;
	size_t i;

	json_array_foreach(list, i, it)
		cloexec_set((int)json_integer_value(json_object_get(it, "fd")),
		    on);
}

sup_err
handover_exec(int exe_fd, const char *exe, const char *config, bool verbose,
    const struct handover *h)
{
	char fdtext[16];
	char *argv[8];
	int fd = memfd_write(h), i = 0, e;

	if (fd < 0)
		return SUP_ESYS | errno;
	snprintf(fdtext, sizeof(fdtext), "%d", fd);
	argv[i++] = (char *)exe;
	argv[i++] = (char *)"-c";
	argv[i++] = (char *)config;
	if (verbose)
		argv[i++] = (char *)"-v";
	argv[i++] = (char *)"--handover";
	argv[i++] = fdtext;
	argv[i] = NULL;
	/* Left open on purpose, for the new image: the lock and the
	 * listening sockets (their numbers are in the memfd). */
	cloexec_set(h->lock_fd, false);
	listen_cloexec(h->listen, false);
	fexecve(exe_fd, argv, environ);
	e = errno;
	cloexec_set(h->lock_fd, true);
	listen_cloexec(h->listen, true);
	close(fd);
	return SUP_ESYS | e;
}

/* --- the new image ---------------------------------------------------- */

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

void
handover_close_strays(const struct handover *h)
{
	size_t n = 0, cap = 1 + json_array_size(h->listen);
	int *keep = malloc(cap * sizeof(*keep)), from = 3;
	const json_t *it;
	size_t i;

	if (keep == NULL)
		return; /* strays stay: a client may wait for its timeout */
	if (h->lock_fd >= 3)
		keep[n++] = h->lock_fd;
	json_array_foreach(h->listen, i, it) {
		json_int_t fd = json_integer_value(json_object_get(it, "fd"));
		if (fd >= 3 && fd <= INT_MAX)
			keep[n++] = (int)fd;
	}
	qsort(keep, n, sizeof(*keep), int_cmp);
	for (i = 0; i < n; i++) {
		if (keep[i] > from)
			syscall(SYS_close_range, (unsigned)from,
			    (unsigned)keep[i] - 1, 0U);
		from = keep[i] + 1;
	}
	syscall(SYS_close_range, (unsigned)from, ~0U, 0U);
	free(keep);
}

static bool
read_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		c += r;
		n -= (size_t)r;
	}
	return true;
}

/* The header line, up to its newline (read byte by byte: it is short). */
static json_t *
meta_read(int fd, char *why, size_t n)
{
	char magic[sizeof(HANDOVER_MAGIC) - 1];
	size_t cap = 4096, len = 0;
	char *line = malloc(cap);
	json_t *o;

	if (line == NULL || !read_all(fd, magic, sizeof(magic)) ||
	    memcmp(magic, HANDOVER_MAGIC, sizeof(magic)) != 0) {
		free(line);
		snprintf(why, n, "not a handover");
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap && (cap >= HANDOVER_LINE_MAX ||
		    (line = realloc(line, cap *= 2)) == NULL)) {
			free(line);
			snprintf(why, n, "its header is too long");
			return NULL;
		}
		if (!read_all(fd, line + len, 1)) {
			free(line);
			snprintf(why, n, "cut short");
			return NULL;
		}
		if (line[len] == '\n')
			break;
		len++;
	}
	o = json_loadb(line, len, 0, NULL);
	free(line);
	if (o == NULL)
		snprintf(why, n, "its header is not JSON");
	return o;
}

static char *
text_read(int fd, json_int_t len)
{
	char *t;

	if (len < 0 || len > CFG_FILE_MAX || (t = malloc((size_t)len + 1)) ==
	    NULL)
		return NULL;
	if (!read_all(fd, t, (size_t)len)) {
		free(t);
		return NULL;
	}
	t[len] = '\0';
	return t;
}

static enum handover_mode
mode_parse(const char *s)
{
	for (int i = HANDOVER_REEXEC; i <= HANDOVER_RELOAD; i++)
		if (s != NULL && strcmp(s, mode_names[i]) == 0)
			return (enum handover_mode)i;
	return HANDOVER_NONE;
}

sup_err
handover_read(int fd, struct handover *h, char *why, size_t n)
{
	json_int_t clen = -1, exec_ns = 0, start_ns = 0, real = 0,
	    reloads = 0, reexecs = 0;
	const char *mode = NULL, *token = "";
	json_t *o = meta_read(fd, why, n), *result = NULL, *listen = NULL;
	int lock = -1;

	*h = (struct handover){.lock_fd = -1};
	if (o == NULL || json_unpack(o, "{s:s, s?s, s?I, s?i, s?I, s?I, s?I, "
	    "s?I, s:I, s?o, s?o}", "mode", &mode, "token", &token, "exec_ns",
	    &exec_ns, "lock_fd", &lock, "start_ns", &start_ns, "start_real_ms",
	    &real, "reloads", &reloads, "reexecs", &reexecs, "config_len",
	    &clen, "result", &result, "listen", &listen) != 0 ||
	    (h->mode = mode_parse(mode)) == HANDOVER_NONE) {
		if (o != NULL)
			snprintf(why, n, "its header lacks a field");
		json_decref(o);
		close(fd);
		return SUP_EINVAL;
	}
	snprintf(h->token, sizeof(h->token), "%s", token);
	h->result = json_incref(result);
	h->listen = json_is_array(listen) ? json_incref(listen) : NULL;
	h->exec_ns = exec_ns;
	h->start_ns = start_ns;
	h->start_real_ms = real;
	h->reloads = (unsigned long)reloads;
	h->reexecs = (unsigned long)reexecs;
	h->lock_fd = lock >= 0 && fcntl(lock, F_GETFD) >= 0 ? lock : -1;
	json_decref(o);
	h->config = text_read(fd, clen);
	h->config_len = (size_t)clen;
	close(fd);
	if (h->config == NULL) {
		snprintf(why, n, "its config text is cut short");
		handover_fini(h);
		return SUP_EINVAL;
	}
	return SUP_OK;
}

void
handover_fini(struct handover *h)
{
	json_decref(h->result);
	json_decref(h->listen);
	free(h->config);
	h->result = NULL;
	h->listen = NULL;
	h->config = NULL;
}
