/*
 * common/sig.h — signal names as users write them (TERM, SIGTERM, 15).
 */
#ifndef COMMON_SIG_H
#define COMMON_SIG_H

/* Returns the signal named by s ("HUP", "SIGHUP", "1"), or -1. */
int sig_parse(const char *s);

/* Returns "KILL" for SIGKILL, "RTMIN+3" for a real-time signal. Static. */
const char *sig_name(int sig);

#endif
