/*
 * common/trust.h — opening paths that no other user can have steered.
 *
 * A directory is trusted when it belongs to root or to us and nobody else
 * may write to it; a root-owned sticky one (/tmp) is trusted on the way
 * too: others may add entries there, but not move or remove ours. What
 * is opened at the end (RUN, a database) and the directory of a file must
 * be closed to others without exception; and a link in a sticky
 * directory is followed only when it is ours or the directory owner's. A path is trusted
 * when every directory on the way to it is: then no other user can swap,
 * rename or plant anything along it, and it names tomorrow what it names
 * today. The walk goes from / down with openat(O_NOFOLLOW), checking each
 * directory by fstat of the descriptor it holds (never a stat of a path),
 * so nothing can be switched between a check and a use. A symlink on the
 * way is followed only when it sits in a trusted directory (only root or
 * we could have made it): /var/run -> /run works, a link planted by
 * another user does not. OpenSSH's StrictModes and systemd's chase() are
 * the models.
 *
 * The messages written into why name the path, its owner and its mode,
 * and say what was expected.
 */
#ifndef COMMON_TRUST_H
#define COMMON_TRUST_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sup/err.h"

/* Who may own what is checked last (the directory or the file itself). */
enum trust_owner {
	TRUST_MINE,	    /* our euid only */
	TRUST_MINE_OR_ROOT, /* our euid, or root */
	TRUST_ANY,	    /* anyone (the caller checks the owner itself) */
};

/*
 * Opens the directory path (absolute) with every directory above it
 * trusted. With create, missing directories are made: the last one with
 * mode, those above it 0755 (then owned by us: trusted). The directory
 * itself is checked by owner (as given) and must not be writable by
 * group or others. Returns the new descriptor in *fd (O_PATH |
 * O_DIRECTORY | O_CLOEXEC: for *at() calls and fstat; reopen "." to
 * read or change it). SUP_EREFUSED with why when a directory on
 * the way is not trusted; SUP_ESYS | errno when the walk failed.
 */
sup_err trust_dir_open(const char *path, bool create, mode_t mode,
    enum trust_owner owner, int *fd, char *why, size_t n);

/*
 * Opens the file path with oflags (O_NOFOLLOW and O_CLOEXEC added; with
 * O_CREAT, missing parent directories are made 0755 and the file with
 * mode). Every directory above it must be trusted, and the one holding
 * it closed to others (no sticky exception: files are made beside a
 * database by name); the file must be a regular file, owned as given,
 * not writable by group or others. A FIFO does not block the open.
 * With O_PATH, the descriptor only names the file (fstat): closing it
 * drops none of the process's POSIX locks on the file, as closing any
 * other descriptor of it would (SQLite's, on a database it has open).
 * Returns the descriptor in *fd. Errors as trust_dir_open().
 */
sup_err trust_file_open(const char *path, int oflags, mode_t mode,
    enum trust_owner owner, int *fd, char *why, size_t n);

/*
 * Opens the directory that holds path (absolute) for a name supd makes
 * there itself (a listening socket): every directory on the way, and
 * that one too, belongs to root or to us and is closed to others, or is
 * a sticky one of root's (/tmp: others may add entries, but not move or
 * remove ours). *fd gets the directory (O_PATH, for *at() calls), leaf
 * the last component (NAME_MAX + 1 bytes). Nothing is followed at the
 * leaf: the caller looks at it with AT_SYMLINK_NOFOLLOW. Errors as
 * trust_dir_open().
 */
sup_err trust_parent_open(const char *path, int *fd, char *leaf,
    size_t leafn, char *why, size_t n);

/*
 * Checks what fd (named path, for the message) is: its owner, and that
 * it is not writable by group or others (a directory may be, when it is
 * a sticky one of root's). SUP_EREFUSED with why otherwise.
 */
sup_err trust_fd_check(int fd, const char *path, enum trust_owner owner,
    char *why, size_t n);

/* Whether st describes a directory others cannot steer (see above). */
bool trust_dir_ok(const struct stat *st);

/* Writes the message into why (n bytes) and returns SUP_EREFUSED: how
 * each check here, and those built on it, says no. */
sup_err trust_refuse(char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
