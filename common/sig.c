/*
 * common/sig.c — signal names (sig.h), from glibc's own table.
 */
#include <errno.h>
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sig.h"

int
sig_parse(const char *s)
{
	char *end;

	if (isdigit((unsigned char)s[0])) {
		long v = strtol(s, &end, 10);
		return (*end == '\0' && v > 0 && v < NSIG) ? (int)v : -1;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 1; i < SIGRTMIN; i++) {
		const char *n = sigabbrev_np(i);
		if (n != NULL && strcasecmp(n, s) == 0)
			return i;
	}
	return -1;
}

const char *
sig_name(int sig)
{
	static char buf[16];
	const char *n = sigabbrev_np(sig);

	if (n != NULL)
		return n;
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		snprintf(buf, sizeof(buf), "RTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%d", sig);
	return buf;
}

int
sig_group(pid_t pid, int sig)
{
	if (pid <= 1) {
		errno = EINVAL;
		return -1;
	}
	return kill(-pid, sig);
}

int
sig_proc(pid_t pid, int sig)
{
	if (pid <= 1) {
		errno = EINVAL;
		return -1;
	}
	return kill(pid, sig);
}
