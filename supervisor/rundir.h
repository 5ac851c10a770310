/*
 * supervisor/rundir.h — the run directory and supd's single-instance lock.
 *
 * RUN/ holds the control socket (ctl), the lock (supd.lock), children's
 * logs (log/), worker endpoints (w/), worker databases (state/) and pool
 * sizes (pool/). It is 0700 and owned by supd's uid. The lock is a POSIX record lock on
 * RUN/supd.lock: the kernel drops it when supd dies, however it dies, and
 * F_GETLK names the holder's pid, so supctl knows whether supd runs and
 * which pid it has without touching the control socket (a probe of a live
 * nng socket is what breaks its listener: DESIGN.md section 8).
 */
#ifndef SUPD_RUNDIR_H
#define SUPD_RUNDIR_H

#include <stdbool.h>
#include <sys/types.h>

#include "sup/err.h"

/*
 * Creates dir (and missing parents, 0755) with mode 0700, or tightens an
 * existing one we own to 0700. Refuses (SUP_EREFUSED) a dir owned by
 * another uid or that is not a directory; *why then says which. Creates
 * the log/, w/, state/, spawn/ and pool/ subdirectories.
 */
sup_err rundir_prepare(const char *dir, const char **why);

/*
 * Takes the single-instance lock. On success *fd holds it (keep it open;
 * never open and close RUN/supd.lock elsewhere in the process, which would
 * drop a POSIX lock) and the file says our pid. SUP_EBUSY when another
 * process holds it, with its pid in *holder.
 */
sup_err rundir_lock(const char *dir, int *fd, pid_t *holder);

/* The pid of the supd holding dir's lock, or 0 when none does. */
pid_t rundir_lock_holder(const char *dir);

/*
 * Writes "dir/name" to buf (n bytes). Returns false if it does not fit.
 */
bool rundir_path(const char *dir, const char *name, char *buf, size_t n);

#endif
