/*
 * supervisor/listen.c — listening sockets held for workers (listen.h).
 *
 * Sections: checking that an fd is the socket a key names; binding (TCP,
 * and unix: through trusted directories); taking a socket back from a
 * live child after supd's own death; the table of held sockets (start,
 * spawn, reload, handover, exit).
 *
 * Invariant: d->socks holds at most one entry per key, and an entry's fd
 * is close-on-exec in supd (the handover clears that flag only for the
 * exec that hands them over; spawn.c places them at 3.. in the child).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/trust.h"
#include "listen.h"
#include "supd.h"

/* --- is fd the socket l names? ------------------------------------------ */

static int
sockopt_int(int fd, int level, int opt)
{
	int v = -1;
	socklen_t len = sizeof(v);

	return getsockopt(fd, level, opt, &v, &len) == 0 ? v : -1;
}

/* A listening stream socket whose own address is l's. */
static bool
listen_same(int fd, const struct cfg_listen *l)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const struct sockaddr_in *a4 = (const void *)&ss;
	const struct sockaddr_in6 *a6 = (const void *)&ss;
	const struct sockaddr_un *au = (const void *)&ss;
	unsigned char want[16];

	if (sockopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN) != 1 ||
	    sockopt_int(fd, SOL_SOCKET, SO_TYPE) != SOCK_STREAM ||
	    getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return false;
	if (l->kind == LISTEN_UNIX)
		return ss.ss_family == AF_UNIX && len > offsetof(struct
		    sockaddr_un, sun_path) && strncmp(au->sun_path, l->path,
		    sizeof(au->sun_path)) == 0;
	if (inet_pton(l->tcp.v6 ? AF_INET6 : AF_INET, l->tcp.addr, want) != 1)
		return false;
	if (!l->tcp.v6)
		return ss.ss_family == AF_INET &&
		    ntohs(a4->sin_port) == l->tcp.port &&
		    memcmp(&a4->sin_addr, want, 4) == 0;
	return ss.ss_family == AF_INET6 && ntohs(a6->sin6_port) ==
	    l->tcp.port && memcmp(&a6->sin6_addr, want, 16) == 0;
}

/* --- binding -------------------------------------------------------------- */

static sup_err
sys_fail(char *why, size_t n, const char *what, int fd)
{
	int e = errno;

	snprintf(why, n, "%s: %s", what, strerror(e));
	if (fd >= 0)
		close(fd);
	return SUP_ESYS | e;
}

static sup_err
tcp_bind(const struct cfg_listen *l, int *out, char *why, size_t n)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6};
	int one = 1, fd = socket(l->tcp.v6 ? AF_INET6 : AF_INET, SOCK_STREAM |
	    SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return sys_fail(why, n, "socket", -1);
	a4.sin_port = a6.sin6_port = htons((uint16_t)l->tcp.port);
	ok = l->tcp.v6 ? inet_pton(AF_INET6, l->tcp.addr, &a6.sin6_addr) == 1
		       : inet_pton(AF_INET, l->tcp.addr, &a4.sin_addr) == 1;
	if (!ok) {
		errno = EINVAL;
		return sys_fail(why, n, "address", fd);
	}
	/* A restart of supd must not wait out TIME_WAIT to bind again. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if ((l->tcp.v6 ? bind(fd, (struct sockaddr *)&a6, sizeof(a6))
		       : bind(fd, (struct sockaddr *)&a4, sizeof(a4))) != 0)
		return sys_fail(why, n, "cannot bind", fd);
	if (listen(fd, SOMAXCONN) != 0)
		return sys_fail(why, n, "cannot listen", fd);
	*out = fd;
	return SUP_OK;
}


/*
 * What is at the socket's path before a bind: nothing, or a socket of
 * ours that no live child holds any more (removed). Anything else —
 * a symbolic link, a file, another user's socket — is not ours to touch.
 */
static sup_err
unix_clear(int dir, const char *leaf, const char *path, char *why, size_t n)
{
	struct stat st;

	if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? SUP_OK : sys_fail(why, n, path, -1);
	if (S_ISLNK(st.st_mode))
		return trust_refuse(why, n, "%s is a symbolic link: not followed, "
		    "not removed", path);
	if (!S_ISSOCK(st.st_mode))
		return trust_refuse(why, n, "%s exists and is not a socket: not "
		    "removed", path);
	if (st.st_uid != geteuid())
		return trust_refuse(why, n, "%s is a socket of uid %u, not supd's "
		    "(uid %u): not removed", path, (unsigned)st.st_uid,
		    (unsigned)geteuid());
	if (unlinkat(dir, leaf, 0) != 0 && errno != ENOENT)
		return sys_fail(why, n, path, -1);
	return SUP_OK;
}

static sup_err
unix_bind(const struct cfg_listen *l, struct lsock *s, char *why, size_t n)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char leaf[NAME_MAX + 1];
	struct stat st;
	int dir, fd = -1;
	sup_err e;

	if ((e = trust_parent_open(l->path, &dir, leaf, sizeof(leaf), why,
	    n)) != SUP_OK)
		return e;
	if ((e = unix_clear(dir, leaf, l->path, why, n)) != SUP_OK)
		goto out;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", l->path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		e = sys_fail(why, n, "socket", -1);
		goto out;
	}
	/* bind() makes the file and follows no link at its name: one
	 * planted since the check makes it fail (EADDRINUSE). */
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		e = sys_fail(why, n, "cannot bind", fd);
		goto out;
	}
	if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISSOCK(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		e = trust_refuse(why, n, "%s changed under supd while it was made",
		    l->path);
		goto out;
	}
	/* Before listen(): nobody connects through the first mode. Nobody
	 * else can swap the entry (a trusted or sticky directory). */
	if (fchmodat(dir, leaf, 0660, 0) != 0 || listen(fd, SOMAXCONN) != 0) {
		e = sys_fail(why, n, "cannot listen", fd);
		unlinkat(dir, leaf, 0);
		goto out;
	}
	s->fd = fd;
	s->made = true;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
out:
	close(dir);
	return e;
}

/* Removes the file s made, if it is still that file. */
static void
unix_remove(const struct lsock *s)
{
	char leaf[NAME_MAX + 1], why[256];
	const char *path = s->key + 5;
	struct stat st;
	int dir;

	if (!s->made || strncmp(s->key, "unix:", 5) != 0 ||
	    trust_parent_open(path, &dir, leaf, sizeof(leaf), why,
	    sizeof(why)) != SUP_OK)
		return;
	if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_dev == s->dev && st.st_ino == s->ino)
		unlinkat(dir, leaf, 0);
	close(dir);
}

/*
 * A unix socket taken back from a child: its file, if it is a socket of
 * ours, is the one a supd before us made, and is removed as if this one
 * had (at an orderly stop).
 */
static void
unix_own(const struct cfg_listen *l, struct lsock *s)
{
	char leaf[NAME_MAX + 1], why[256];
	struct stat st;
	int dir;

	if (l->kind != LISTEN_UNIX || trust_parent_open(l->path, &dir, leaf,
	    sizeof(leaf), why, sizeof(why)) != SUP_OK)
		return;
	if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISSOCK(st.st_mode) && st.st_uid == geteuid()) {
		s->made = true;
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	close(dir);
}

/* --- taking a socket back from a live child ------------------------------ */

static int
fd_take(int pidfd, int target, const struct cfg_listen *l)
{
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);

	if (fd < 0)
		return -1;
	if (listen_same(fd, l))
		return fd; /* pidfd_getfd gives it close-on-exec */
	close(fd);
	return -1;
}

/* The child's sockets in /proc/PID/fd, each tried (a program may have
 * moved fd 3 elsewhere, as Go's net.FileListener does). */
static int
fd_scan(pid_t pid, int pidfd, const struct cfg_listen *l)
{
	char path[64], link[64];
	struct dirent *de;
	int fd = -1;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	if ((dir = opendir(path)) == NULL)
		return -1;
	while (fd < 0 && (de = readdir(dir)) != NULL) {
		ssize_t k = readlinkat(dirfd(dir), de->d_name, link,
		    sizeof(link) - 1);
		if (k < 8 || memcmp(link, "socket:[", 8) != 0)
			continue;
		fd = fd_take(pidfd, atoi(de->d_name), l);
	}
	closedir(dir);
	return fd;
}

/*
 * l (w's socket at index i) from a live process of w, or -1. Needs the
 * right to ptrace it (supd's own user, or root): pidfd_getfd(2).
 */
static int
sock_take_back(struct supd *d, const struct cfg_worker *w, int i,
    const struct cfg_listen *l, pid_t *from)
{
	for (int k = 0; k < d->nnodes; k++) {
		const struct supd_node *c = d->nodes[k];
		int pidfd, fd;

		if (c->is_group || c->w != w || c->pid <= 0)
			continue;
		pidfd = c->pidfd >= 0 ? c->pidfd :
		    (int)syscall(SYS_pidfd_open, c->pid, 0);
		if (pidfd < 0)
			continue;
		if ((fd = fd_take(pidfd, 3 + i, l)) < 0)
			fd = fd_scan(c->pid, pidfd, l);
		if (pidfd != c->pidfd)
			close(pidfd);
		if (fd >= 0) {
			*from = c->pid;
			return fd;
		}
	}
	return -1;
}

/* --- the table ------------------------------------------------------------ */

static struct lsock *
sock_find(struct supd *d, const char *key)
{
	for (int i = 0; i < d->nsocks; i++)
		if (strcmp(d->socks[i].key, key) == 0)
			return &d->socks[i];
	return NULL;
}

static struct lsock *
sock_add(struct supd *d, const char *key)
{
	struct lsock *v = realloc(d->socks, (size_t)(d->nsocks + 1) *
	    sizeof(*v));
	char *k = strdup(key);

	if (v == NULL || k == NULL) {
		free(k);
		d->socks = v ? v : d->socks;
		return NULL;
	}
	d->socks = v;
	v[d->nsocks] = (struct lsock){.key = k, .fd = -1};
	return &v[d->nsocks++];
}

static void
sock_drop(struct supd *d, int i, bool remove)
{
	struct lsock *s = &d->socks[i];

	if (s->fd >= 0)
		close(s->fd);
	if (remove)
		unix_remove(s);
	free(s->key);
	d->socks[i] = d->socks[--d->nsocks];
}

/* The cfg_listen of cfg with key, or NULL (*w: its worker). */
static const struct cfg_listen *
cfg_listen_find(const struct sup_config *cfg, const char *key,
    const struct cfg_worker **w)
{
	for (int i = 0; i < cfg->nworkers; i++)
		for (int k = 0; k < cfg->workers[i]->nlisten; k++)
			if (strcmp(cfg->workers[i]->listen[k].key, key) == 0) {
				*w = cfg->workers[i];
				return &cfg->workers[i]->listen[k];
			}
	return NULL;
}

static void
why_prefix(const struct sup_config *cfg, const struct cfg_worker *w,
    const struct cfg_listen *l, char *why, size_t n)
{
	char inner[512];

	snprintf(inner, sizeof(inner), "%s", why);
	snprintf(why, n, "%s:%d: listen: [worker %s] cannot listen on %s: %s",
	    cfg->path, l->line, w->name, l->key, inner);
}

/*
 * w's socket i held in s: taken back from a live child (after supd's
 * own death the children still hold it), else bound. take: look at the
 * children first.
 */
static sup_err
sock_obtain(struct supd *d, const struct sup_config *cfg,
    const struct cfg_worker *w, int i, struct lsock *s, bool take,
    char *why, size_t n)
{
	const struct cfg_listen *l = &w->listen[i];
	pid_t from = 0;
	sup_err e;

	if (take && (s->fd = sock_take_back(d, w, i, l, &from)) >= 0) {
		unix_own(l, s);
		LOG_EV("listen.taken", log_str("name", w->name),
		    log_str("address", l->key), log_num("from_pid", from),
		    log_str("note", "the socket live children accept on, "
		    "taken back (pidfd_getfd)"));
		return SUP_OK;
	}
	e = l->kind == LISTEN_TCP ? tcp_bind(l, &s->fd, why, n) :
	    unix_bind(l, s, why, n);
	if (e != SUP_OK) {
		s->fd = -1;
		why_prefix(cfg, w, l, why, n);
		return e;
	}
	LOG_EV("listen.bound", log_str("name", w->name),
	    log_str("address", l->key), log_num("fd", s->fd));
	return SUP_OK;
}

void
listen_handed(struct supd *d)
{
	json_t *list = d->ho.listen, *it;
	const struct cfg_listen *l;
	const struct cfg_worker *w;
	struct lsock *s;
	size_t i;

	json_array_foreach(list, i, it) {
		const char *key = json_string_value(json_object_get(it, "key"));
		int fd = (int)json_integer_value(json_object_get(it, "fd"));
		bool ok;

		if (key == NULL || fd < 3 || fcntl(fd, F_GETFD) < 0 ||
		    sock_find(d, key) != NULL || (s = sock_add(d, key)) ==
		    NULL)
			continue;
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		s->fd = fd;
		s->made = json_is_true(json_object_get(it, "made"));
		s->dev = (dev_t)json_integer_value(json_object_get(it, "dev"));
		s->ino = (ino_t)json_integer_value(json_object_get(it, "ino"));
		l = cfg_listen_find(d->cfg, key, &w);
		ok = l != NULL && listen_same(fd, l);
		if (!ok) {
			/* Gone from the config (a reload), or not what the
			 * handover said (then its file is left alone). */
			if (l != NULL)
				log_warn("handover: fd %d is not the socket %s: "
				    "binding it anew", fd, key);
			sock_drop(d, d->nsocks - 1, l == NULL);
			continue;
		}
		log_debug("kept the socket %s of %s (fd %d)", key, w->name, fd);
	}
}

sup_err
listen_open_all(struct supd *d, char *why, size_t n)
{
	const struct sup_config *cfg = d->cfg;
	sup_err first = SUP_OK, e;
	char msg[768];

	for (int i = 0; i < cfg->nworkers; i++)
		for (int k = 0; k < cfg->workers[i]->nlisten; k++) {
			const struct cfg_worker *w = cfg->workers[i];
			struct lsock *s = sock_find(d, w->listen[k].key);
			if (s == NULL && (s = sock_add(d, w->listen[k].key)) ==
			    NULL)
				return SUP_ENOMEM;
			if (s->fd >= 0)
				continue;
			e = sock_obtain(d, cfg, w, k, s, true, msg,
			    sizeof(msg));
			if (e != SUP_OK && first == SUP_OK) {
				first = e;
				snprintf(why, n, "%s", msg);
			}
		}
	return first;
}

sup_err
listen_fds(struct supd *d, const struct supd_node *n, int *fds, char *why,
    size_t len)
{
	const struct cfg_worker *w = n->w;
	struct lsock *s;
	sup_err e;

	for (int i = 0; i < w->nlisten; i++) {
		if ((s = sock_find(d, w->listen[i].key)) == NULL &&
		    (s = sock_add(d, w->listen[i].key)) == NULL) {
			snprintf(why, len, "out of memory");
			return SUP_ENOMEM;
		}
		/* Lost earlier (a bind that failed at a takeover): tried
		 * again at each start, which backoff spaces out. */
		if (s->fd < 0 && (e = sock_obtain(d, d->cfg, w, i, s, true,
		    why, len)) != SUP_OK)
			return e;
		fds[i] = s->fd;
	}
	return SUP_OK;
}

sup_err
listen_prepare(struct supd *d, const struct sup_config *next, char *why,
    size_t n)
{
	sup_err e;

	for (int i = 0; i < next->nworkers; i++)
		for (int k = 0; k < next->workers[i]->nlisten; k++) {
			const struct cfg_worker *w = next->workers[i];
			struct lsock *s = sock_find(d, w->listen[k].key);
			if (s != NULL && s->fd >= 0)
				continue;
			if (s == NULL && (s = sock_add(d, w->listen[k].key)) ==
			    NULL) {
				listen_unprepare(d);
				snprintf(why, n, "out of memory");
				return SUP_ENOMEM;
			}
			s->fresh = true;
			/* Not taken from a child: a child of the config in
			 * force holding it would be a worker that keeps it
			 * (its key is held already). */
			if ((e = sock_obtain(d, next, w, k, s, false, why, n)) !=
			    SUP_OK) {
				listen_unprepare(d);
				return e;
			}
		}
	return SUP_OK;
}

void
listen_unprepare(struct supd *d)
{
	for (int i = d->nsocks - 1; i >= 0; i--)
		if (d->socks[i].fresh)
			sock_drop(d, i, true);
}

json_t *
listen_handover_json(const struct supd *d)
{
	json_t *a = json_array();

	for (int i = 0; a != NULL && i < d->nsocks; i++) {
		const struct lsock *s = &d->socks[i];
		if (s->fd >= 0)
			json_array_append_new(a, json_pack("{s:s, s:i, s:b, "
			    "s:I, s:I}", "key", s->key, "fd", s->fd, "made",
			    s->made, "dev", (json_int_t)s->dev, "ino",
			    (json_int_t)s->ino));
	}
	return a;
}

void
listen_close_all(struct supd *d, bool remove)
{
	while (d->nsocks > 0)
		sock_drop(d, d->nsocks - 1, remove);
	free(d->socks);
	d->socks = NULL;
}

void
listen_keys_write(struct jsonw *j, const char *k, const struct cfg_worker *w)
{
	jsonw_key(j, k);
	jsonw_arr_begin(j);
	for (int i = 0; i < w->nlisten; i++)
		jsonw_str(j, w->listen[i].key);
	jsonw_arr_end(j);
}
