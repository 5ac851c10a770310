/*
 * common/proc.h — what /proc says about a process.
 */
#ifndef COMMON_PROC_H
#define COMMON_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "sup/err.h"

/* What /proc/PID/stat says of a process, in clock ticks. */
struct proc_stat {
	bool zombie;	     /* exited, not yet reaped */
	int64_t cpu_ticks;   /* utime + stime (fields 14, 15) */
	int64_t start_ticks; /* since boot (field 22) */
};

/* pid's /proc/PID/stat. SUP_ENOTFOUND when there is no such process. */
sup_err proc_stat_read(pid_t pid, struct proc_stat *st);

/*
 * The start time of pid (field 22 of /proc/PID/stat: clock ticks since
 * boot) and whether it is a zombie (exited, not yet reaped). With the pid,
 * the start time names one process for the whole life of the machine: a
 * recycled pid has another. SUP_ENOTFOUND when there is no such process.
 */
sup_err proc_start_time(pid_t pid, int64_t *ticks, bool *zombie);

/*
 * Whether pid (> 1) is alive (not a zombie) and started within 2 s of start_ms
 * (boot clock): the process recorded then, not one that took its pid.
 * With the boot clock a wall-clock step changes nothing.
 */
bool proc_same(pid_t pid, int64_t start_ms);

/*
 * A pidfd (close-on-exec) for pid while it is still the process
 * proc_same(pid, start_ms) names, checked once the pidfd holds it: a
 * process checked earlier may have died since and left its pid to
 * another, which must never be taken for it. -1 with errno (ESRCH: not
 * that process any more).
 */
int proc_pidfd_same(pid_t pid, int64_t start_ms);

/*
 * Whether pid's real uid is uid (the user it runs as; the kernel lets
 * that user signal it). False when there is no such process.
 */
bool proc_has_uid(pid_t pid, uid_t uid);

/*
 * What pid is called in its own PID namespace, the innermost (the last
 * field of NSpid in /proc/PID/status): pid itself for a process of our
 * namespace, 1 for a container's init seen from the host. -1 when there
 * is no such process or /proc does not say.
 */
pid_t proc_ns_pid(pid_t pid);

/* The kernel's boot id (36 characters) into buf; empty if unknown. */
void proc_boot_id(char *buf, size_t n);

/* Resident memory of pid in kB (/proc/PID/statm), or -1. */
long long proc_rss_kb(pid_t pid);

/* How many fds the calling process has open (/proc/self/fd, less the
 * one that reads it), or -1. */
long proc_fd_count(void);

/*
 * Raises RLIMIT_NOFILE for a process that holds a descriptor or more per
 * child (supd, the log holder, supctl logs -f): the soft limit to the
 * hard one, and, where allowed (root), both to the kernel's nr_open
 * (capped at 2^20), as systemd does for its services. The limit as it was
 * into *was when not NULL (what children get back).
 */
void proc_nofile_raise(struct rlimit *was);

#endif
