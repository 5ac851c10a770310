/*
 * common/sig.h — signal names as users write them (TERM, SIGTERM, 15).
 */
#ifndef COMMON_SIG_H
#define COMMON_SIG_H

/* Returns the signal named by s ("HUP", "SIGHUP", "1"), or -1. */
int sig_parse(const char *s);

/* Returns "KILL" for SIGKILL, "RTMIN+3" for a real-time signal. Static. */
const char *sig_name(int sig);

#include <sys/types.h>

/*
 * kill(), for pids that came from outside this process (a child's pid, a
 * row, a file): never to pid <= 1, whose kill() would reach init, our own
 * process group, or every process we may signal. sig_group signals pid's
 * process group (kill(-pid)), sig_proc pid alone. 0, or -1 with errno
 * (EINVAL for such a pid).
 */
int sig_group(pid_t pid, int sig);
int sig_proc(pid_t pid, int sig);

#endif
