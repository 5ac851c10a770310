/*
 * common/rundir.h — the run directory: its layout, the trust put in it,
 * and every access below it. Shared by supd, supctl and libsup, so that
 * all three find each other without being told.
 *
 * The layout, spelled out here and nowhere else (RUN = the run dir):
 *   RUN/supd.lock       supd's single-instance lock, with its pid inside
 *   RUN/supd.log        supd's output when `supctl start` runs it
 *   RUN/ctl, RUN/events supd's control and event sockets
 *   RUN/notify.addr     the abstract name of supd's sd_notify socket
 *   RUN/state.db        supd's database (unless `state =` says otherwise)
 *   RUN/spawn.seq       the newest spawn id; RUN/spawn.tab each intent
 *   RUN/log.sock        the log holder's socket (holder.h), 0600
 *   RUN/log/NAME.log    a child's output (NAME.log.1 ... once rotated)
 *   RUN/state/NAME.db   a libsup worker's database and registry entry
 *                       (with -wal, -shm and NAME.db.lock)
 *   RUN/w/NAME          a libsup worker's endpoint; NAME.ev its telemetry
 *   RUN/w/NAME.d/       both, for a worker that runs as another user:
 *                       a directory of that user's, NAME and NAME.ev in it
 *   RUN/pool/POOL       the size of a pool
 *
 * Trust (DESIGN.md section 5): RUN and every directory above it are
 * walked and checked as trust.h says. supd creates RUN with mode 0700
 * (0711 when a libsup worker runs as another user and must reach its own
 * files), tightens one it owns, and refuses one owned by another user or
 * writable by others. Clients (supctl, libsup) use a RUN that belongs to
 * them or to root. Files are reached through the descriptors kept here,
 * with O_NOFOLLOW; sockets and SQLite take paths, which is safe because
 * no other user can change a directory on the way.
 */
#ifndef COMMON_RUNDIR_H
#define COMMON_RUNDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sup/err.h"

#define RUNDIR_PATH_MAX 4096

enum rundir_dir {
	RUNDIR_TOP,
	RUNDIR_LOG,
	RUNDIR_W,
	RUNDIR_STATE,
	RUNDIR_POOL,
	RUNDIR_NDIRS,
};

enum rundir_item {
	RUN_LOCK,	 /* supd.lock */
	RUN_SUPD_LOG,	 /* supd.log */
	RUN_CTL,	 /* ctl */
	RUN_EVENTS,	 /* events */
	RUN_NOTIFY_ADDR, /* notify.addr */
	RUN_STATE_DB,	 /* state.db */
	RUN_SPAWN_SEQ,	 /* spawn.seq */
	RUN_SPAWN_TAB,	 /* spawn.tab */
	RUN_LOG,	 /* log/NAME.log */
	RUN_WDB,	 /* state/NAME.db */
	RUN_WSOCK,	 /* w/NAME */
	RUN_WDIR,	 /* w/NAME.d, for a worker of another user */
	RUN_WSOCK_OWN,	 /* w/NAME.d/NAME, its endpoint */
	RUN_POOL,	 /* pool/POOL */
	RUN_LOG_SOCK,	 /* log.sock */
};

struct rundir {
	char path[RUNDIR_PATH_MAX]; /* as configured: what children and
				     * clients are told */
	int fd[RUNDIR_NDIRS];	    /* owned; -1: not open (yet) */
};

/*
 * supd's: walks to path (absolute) through trusted directories, creating
 * what is missing, and makes RUN and its subdirectories (log, w, state,
 * pool) ours with mode 0700, or 0711 for RUN, w and state when
 * shared (a worker of another user reaches its files). Refuses
 * (SUP_EREFUSED, why says which and why) a directory on the way that
 * another user could change, a RUN or subdirectory of another user's, or
 * a RUN writable by others (things may have been planted in it).
 */
sup_err rundir_create(struct rundir *r, const char *path, bool shared,
    char *why, size_t n);

/*
 * A client's: opens an existing run dir, trusted on the way, belonging to
 * us or root and closed to others. SUP_ENOTFOUND when it does not exist;
 * SUP_EREFUSED or SUP_ESYS with why otherwise.
 */
sup_err rundir_open(struct rundir *r, const char *path, char *why,
    size_t n);

/* Closes every descriptor. Accepts a rundir never opened (all -1). */
void rundir_close(struct rundir *r);
void rundir_init(struct rundir *r);

/*
 * The descriptor of one of RUN's directories, opened at first use (a
 * client's) and checked: ours or root's, closed to others, no link.
 * -1 with errno when it cannot be had.
 */
int rundir_fd(struct rundir *r, enum rundir_dir d);

/* Which directory an item is in. */
enum rundir_dir rundir_dir_of(enum rundir_item it);

/*
 * The name of an item inside its directory (name: a child's name, for
 * the items that take one). False when it does not fit, or name could
 * leave the directory ('/', a leading '.', empty).
 */
bool rundir_name(enum rundir_item it, const char *name, char *buf,
    size_t n);

/* The item's full path under run (a path as given). False as above. */
bool rundir_path(const char *run, enum rundir_item it, const char *name,
    char *buf, size_t n);

/*
 * Opens an item through its directory's descriptor, with O_NOFOLLOW and
 * O_CLOEXEC added to flags. A descriptor, or -1 with errno.
 */
int rundir_openat(struct rundir *r, enum rundir_item it, const char *name,
    int flags, mode_t mode);

/* Removes an item (a file or a socket) through its directory: 0, or -1
 * with errno. */
int rundir_unlinkat(struct rundir *r, enum rundir_item it, const char *name);

/*
 * Rotates a log item through its directory: ITEM.keep goes, ITEM.k
 * becomes ITEM.k+1, ITEM becomes ITEM.1 (renameat: no link followed,
 * a missing one skipped). The next open with O_CREAT starts a new ITEM.
 * 0, or -1 with errno when ITEM itself could not be moved.
 */
int rundir_rotate(struct rundir *r, enum rundir_item it, const char *name,
    int keep);

/*
 * Takes supd's single-instance lock. On success *fd holds it (keep it
 * open: closing any descriptor of the file drops a POSIX lock) and the
 * file says our pid. SUP_EBUSY when another process holds it, its pid in
 * *holder (0 when that pid is not one to believe).
 */
sup_err rundir_lock(struct rundir *r, int *fd, pid_t *holder);

/*
 * The pid of the supd running on r: the holder of the lock, as the
 * kernel says (F_GETLK), when it is the pid supd wrote in the file (as
 * supd's own PID namespace calls it: "1" for a supd that is PID 1 of a
 * container, its pid in ours from outside), which belongs to RUN's
 * owner. The pid returned is the kernel's, in our namespace; it is 1
 * only when supd is our namespace's init. SUP_ENOTFOUND when no supd runs;
 * SUP_EREFUSED with why when the lock is held in a way supd never holds
 * it (an OFD lock reports pid -1) or the file disagrees: a pid read
 * there is never one to signal.
 */
sup_err rundir_supd_pid(struct rundir *r, pid_t *pid, char *why, size_t n);

/*
 * The run dir to use when neither -r, $SUP_RUN_DIR nor a config gives
 * one: /run/sup for root, else $XDG_RUNTIME_DIR/sup, else /tmp/sup-UID.
 * Writes it into buf (n bytes) and returns buf.
 */
char *rundir_default(char *buf, size_t n);

#endif
