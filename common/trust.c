/*
 * common/trust.c — walking paths through trusted directories (trust.h).
 *
 * The walk keeps one descriptor: the directory reached so far, already
 * checked. Each step opens the next component relative to it with
 * O_NOFOLLOW; a symlink found there (the step fails with ELOOP or
 * ENOTDIR) is read with readlinkat() and its target put in front of what
 * is left to walk: from / again when absolute, from here when relative.
 * At most LINKS_MAX links, as the kernel's own limit.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "trust.h"

#define LINKS_MAX 40
/* O_PATH: passing through a directory needs only its x bit (a worker of
 * another user walks through supd's 0711 RUN). */
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

struct walk {
	char todo[2 * PATH_MAX]; /* what is left to walk, '/'-separated */
	char at[PATH_MAX];	 /* the directory reached, for messages */
	int fd;			 /* owned: that directory */
	int links;
};

bool
trust_dir_ok(const struct stat *st)
{
	uid_t me = geteuid();

	if (st->st_uid != 0 && st->st_uid != me)
		return false;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return true;
	return st->st_uid == 0 && (st->st_mode & S_ISVTX) != 0;
}

sup_err
trust_refuse(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, n, fmt, ap);
	va_end(ap);
	return SUP_EREFUSED;
}

/*
 * What is opened at the end of a walk: a directory (RUN) or a regular
 * file, of the owner wanted, and closed to others without exception: a
 * sticky directory others may write is fine to pass through, not to
 * live in (they may add what they like beside our files).
 */
static sup_err
stat_check(const struct stat *st, const char *path, enum trust_owner owner,
    char *why, size_t n)
{
	uid_t me = geteuid();
	bool dir = S_ISDIR(st->st_mode);

	if (!dir && !S_ISREG(st->st_mode))
		return trust_refuse(why, n, "%s is not a regular file", path);
	if ((owner == TRUST_MINE && st->st_uid != me) ||
	    (owner == TRUST_MINE_OR_ROOT && st->st_uid != me &&
		st->st_uid != 0))
		return trust_refuse(why, n, "%s is owned by uid %u, not by uid %u%s",
		    path, (unsigned)st->st_uid, (unsigned)me,
		    owner == TRUST_MINE_OR_ROOT && me != 0 ? " or root" : "");
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return trust_refuse(why, n, "%s is writable by %s (mode %04o): "
		    "another user could change it%s", path,
		    st->st_mode & S_IWOTH ? "others" : "its group",
		    (unsigned)(st->st_mode & 07777), dir &&
		    (st->st_mode & S_ISVTX) != 0 ? " or add files to it" : "");
	return SUP_OK;
}

sup_err
trust_fd_check(int fd, const char *path, enum trust_owner owner, char *why,
    size_t n)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(why, n, "cannot stat %s: %s", path, strerror(errno));
		return SUP_ESYS | errno;
	}
	return stat_check(&st, path, owner, why, n);
}

/* A directory on the way: root's or ours, and closed to others. */
static sup_err
ancestor_check(int fd, const char *path, char *why, size_t n)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(why, n, "cannot stat %s: %s", path, strerror(errno));
		return SUP_ESYS | errno;
	}
	if (trust_dir_ok(&st))
		return SUP_OK;
	if (st.st_uid != 0 && st.st_uid != geteuid())
		return trust_refuse(why, n, "%s is owned by uid %u: a directory on "
		    "the way must belong to root or to uid %u", path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
	return trust_refuse(why, n, "%s is writable by %s (mode %04o) and is not "
	    "a sticky directory of root's (like /tmp): another user could "
	    "swap what is below it", path, st.st_mode & S_IWOTH ? "others" :
	    "its group", (unsigned)(st.st_mode & 07777));
}

static sup_err
walk_fail(struct walk *w, const char *what, const char *c, char *why,
    size_t n)
{
	int e = errno;

	snprintf(why, n, "cannot %s %s%s%s: %s", what, w->at,
	    strcmp(w->at, "/") == 0 ? "" : "/", c, strerror(e));
	return SUP_ESYS | e;
}

/* Puts target in front of what is left; from / when it is absolute. */
static sup_err
walk_link(struct walk *w, const char *c, char *why, size_t n)
{
	char target[PATH_MAX], rest[sizeof(w->todo)];
	ssize_t len;

	if (++w->links > LINKS_MAX) {
		errno = ELOOP;
		return walk_fail(w, "follow", c, why, n);
	}
	if ((len = readlinkat(w->fd, c, target, sizeof(target) - 1)) < 0)
		return walk_fail(w, "read the link", c, why, n);
	target[len] = '\0';
	snprintf(rest, sizeof(rest), "%s", w->todo);
	if ((size_t)snprintf(w->todo, sizeof(w->todo), "%s/%s", target,
	    rest) >= sizeof(w->todo)) {
		errno = ENAMETOOLONG;
		return walk_fail(w, "follow", c, why, n);
	}
	if (target[0] == '/') {
		int root = open("/", DIR_FLAGS);
		if (root < 0)
			return walk_fail(w, "open", "", why, n);
		close(w->fd);
		w->fd = root;
		snprintf(w->at, sizeof(w->at), "/");
	}
	return SUP_OK;
}

/* Takes the next component off w->todo into c; 0 when none is left, -1
 * when it is longer than a name can be (ENAMETOOLONG). */
static int
next_component(struct walk *w, char *c, size_t cn, bool *last)
{
	char *p = w->todo, *end;
	size_t len;

	while (*p == '/')
		p++;
	if (*p == '\0')
		return 0;
	end = strchr(p, '/');
	len = end ? (size_t)(end - p) : strlen(p);
	if (len >= cn) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(c, cn, "%.*s", (int)len, p);
	p += len;
	while (*p == '/')
		p++;
	memmove(w->todo, p, strlen(p) + 1);
	*last = w->todo[0] == '\0';
	return 1;
}

static void
at_append(struct walk *w, const char *c)
{
	size_t len = strlen(w->at);

	if (strcmp(c, "..") == 0) {
		char *slash = strrchr(w->at, '/');
		if (slash != NULL && slash != w->at)
			*slash = '\0';
		else
			snprintf(w->at, sizeof(w->at), "/");
		return;
	}
	snprintf(w->at + len, sizeof(w->at) - len, "%s%s",
	    len > 1 ? "/" : "", c);
}

/*
 * A link in a directory nobody else may write was made by its owner (root
 * or us). In a sticky one others may write (/tmp), it is followed only
 * when it is ours or the directory's owner's: the kernel's own rule
 * (fs.protected_symlinks), which our walk, reading links itself, must
 * apply itself.
 */
static bool
link_ok(const struct walk *w, const struct stat *link)
{
	struct stat dir;

	if (fstat(w->fd, &dir) != 0)
		return false;
	if ((dir.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return true;
	return link->st_uid == geteuid() || link->st_uid == dir.st_uid;
}

/*
 * One step down (or up, for ".."): opens c below w->fd, creating it when
 * asked, following it when it is a link.
 */
static sup_err
walk_step(struct walk *w, const char *c, bool create, mode_t mode,
    char *why, size_t n)
{
	struct stat st;
	int fd;

	if (strcmp(c, ".") == 0)
		return SUP_OK;
	fd = openat(w->fd, c, DIR_FLAGS);
	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(w->fd, c, mode) != 0 && errno != EEXIST)
			return walk_fail(w, "create", c, why, n);
		fd = openat(w->fd, c, DIR_FLAGS);
	}
	if (fd < 0 && (errno == ELOOP || errno == ENOTDIR) &&
	    fstatat(w->fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode)) {
		if (!link_ok(w, &st))
			return trust_refuse(why, n, "%s%s%s is a symbolic link of uid "
			    "%u in a directory others may write: not followed",
			    w->at, strcmp(w->at, "/") == 0 ? "" : "/", c,
			    (unsigned)st.st_uid);
		return walk_link(w, c, why, n);
	}
	if (fd < 0)
		return walk_fail(w, "open", c, why, n);
	close(w->fd);
	w->fd = fd;
	at_append(w, c);
	return SUP_OK;
}

/*
 * Walks path down to its last directory (when dir_last) or to the one
 * holding its last component (whose name goes into leaf). Every directory
 * passed is checked; the one reached is left to the caller.
 */
static sup_err
walk(struct walk *w, const char *path, bool create, mode_t mode,
    bool dir_last, char *leaf, size_t leafn, char *why, size_t n)
{
	char c[NAME_MAX + 1];
	bool last = false;
	sup_err e;
	int got;

	w->links = 0;
	if (path[0] != '/')
		return trust_refuse(why, n, "%s is not an absolute path", path);
	if ((size_t)snprintf(w->todo, sizeof(w->todo), "%s", path) >=
	    sizeof(w->todo) - 1)
		return trust_refuse(why, n, "%s: path too long", path);
	snprintf(w->at, sizeof(w->at), "/");
	if ((w->fd = open("/", DIR_FLAGS)) < 0)
		return walk_fail(w, "open", "", why, n);
	if ((e = ancestor_check(w->fd, "/", why, n)) != SUP_OK)
		goto fail;
	while ((got = next_component(w, c, sizeof(c), &last)) > 0) {
		if (last && !dir_last) {
			snprintf(leaf, leafn, "%s", c);
			return SUP_OK;
		}
		if ((e = walk_step(w, c, create, last ? mode : 0755, why,
		    n)) != SUP_OK)
			goto fail;
		/* Checked as an ancestor unless it is the end of the walk
		 * (a link's target may still add components). */
		if (w->todo[0] != '\0' &&
		    (e = ancestor_check(w->fd, w->at, why, n)) != SUP_OK)
			goto fail;
	}
	if (got < 0) {
		e = walk_fail(w, "walk to", "", why, n);
		goto fail;
	}
	if (!dir_last) {
		e = trust_refuse(why, n, "%s: no file name", path);
		goto fail;
	}
	return SUP_OK;
fail:
	close(w->fd);
	w->fd = -1;
	return e;
}

sup_err
trust_dir_open(const char *path, bool create, mode_t mode,
    enum trust_owner owner, int *fd, char *why, size_t n)
{
	struct walk w;
	sup_err e;

	if ((e = walk(&w, path, create, mode, true, NULL, 0, why, n)) != SUP_OK)
		return e;
	if ((e = trust_fd_check(w.fd, path, owner, why, n)) != SUP_OK) {
		close(w.fd);
		return e;
	}
	*fd = w.fd;
	return SUP_OK;
}

sup_err
trust_parent_open(const char *path, int *fd, char *leaf, size_t leafn,
    char *why, size_t n)
{
	struct walk w;
	sup_err e;

	if ((e = walk(&w, path, false, 0, false, leaf, leafn, why, n)) !=
	    SUP_OK)
		return e;
	if ((e = ancestor_check(w.fd, w.at, why, n)) != SUP_OK) {
		close(w.fd);
		return e;
	}
	*fd = w.fd;
	return SUP_OK;
}

sup_err
trust_file_open(const char *path, int oflags, mode_t mode,
    enum trust_owner owner, int *fd, char *why, size_t n)
{
	char leaf[NAME_MAX + 1];
	struct walk w;
	sup_err e;
	int f;

	struct stat st;

	if ((e = walk(&w, path, (oflags & O_CREAT) != 0, 0755, false, leaf,
	    sizeof(leaf), why, n)) != SUP_OK)
		return e;
	/* Its directory is closed too: SQLite makes -wal, -shm and
	 * -journal beside a database, by name, and in a sticky /tmp
	 * another user could make them first. */
	if (fstat(w.fd, &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		e = trust_refuse(why, n, "%s is writable by %s (mode %04o): another "
		    "user could plant files beside %s", w.at,
		    st.st_mode & S_IWOTH ? "others" : "its group",
		    (unsigned)(st.st_mode & 07777), leaf);
		close(w.fd);
		return e;
	}
	/* O_NONBLOCK: a FIFO in its place must not hang us before the
	 * check below refuses it. */
	f = openat(w.fd, leaf, oflags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK,
	    mode);
	if (f < 0 && errno == ELOOP)
		e = trust_refuse(why, n, "%s is a symbolic link: give the path of "
		    "the file itself", path);
	else if (f < 0)
		e = walk_fail(&w, "open", leaf, why, n);
	if (f < 0) {
		close(w.fd);
		return e;
	}
	close(w.fd);
	if (fstat(f, &st) == 0 && !S_ISREG(st.st_mode))
		e = trust_refuse(why, n, "%s is not a regular file", path);
	else
		e = trust_fd_check(f, path, owner, why, n);
	/* (An O_PATH descriptor has no status flags to set.) */
	if (e == SUP_OK && !(oflags & O_PATH) &&
	    fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK) != 0)
		e = SUP_ESYS | errno;
	if (e != SUP_OK) {
		close(f);
		return e;
	}
	*fd = f;
	return SUP_OK;
}
