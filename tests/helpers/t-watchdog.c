/*
 * t-watchdog — a program written for systemd's WatchdogSec, unmodified:
 * it asks libsystemd whether a watchdog is meant for it
 * (sd_watchdog_enabled(3), which checks WATCHDOG_PID against its own
 * pid), says READY=1, then sends WATCHDOG=1 every half interval.
 *
 *   t-watchdog [--feed=N] [--trigger] [--env=FILE]
 *     --feed=N    send WATCHDOG=1 N times, every half interval, then
 *                 hang (default: forever)
 *     --trigger   then send WATCHDOG=trigger instead of hanging silently
 *     --env=FILE  first write "WATCHDOG_USEC WATCHDOG_PID PID" to FILE
 * Exits 3 when no watchdog is meant for it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long feed = -1;
	int trigger = 0;
	const char *env = NULL;
	uint64_t usec = 0;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--feed=", 7) == 0)
			feed = atol(argv[i] + 7);
		else if (strcmp(argv[i], "--trigger") == 0)
			trigger = 1;
		else if (strncmp(argv[i], "--env=", 6) == 0)
			env = argv[i] + 6;
	}
	if (env != NULL) {
		FILE *f = fopen(env, "w");
		const char *u = getenv("WATCHDOG_USEC"), *p = getenv(
		    "WATCHDOG_PID");
		if (f != NULL) {
			fprintf(f, "%s %s %d\n", u ? u : "-", p ? p : "-",
			    (int)getpid());
			fclose(f);
		}
	}
	if (sd_watchdog_enabled(0, &usec) <= 0) {
		fprintf(stderr, "t-watchdog: no watchdog for me\n");
		return 3;
	}
	sd_notify(0, "READY=1\nSTATUS=fed");
	for (long n = 0; feed < 0 || n < feed; n++) {
		struct timespec ts = {(time_t)(usec / 2 / 1000000),
		    (long)(usec / 2 % 1000000) * 1000};
		if (n > 0)
			nanosleep(&ts, NULL);
		sd_notify(0, "WATCHDOG=1");
	}
	if (trigger) /* right after READY=1, maybe in supd's same read:
		      * it started all the same (engine.c), and is hung */
		sd_notify(0, "WATCHDOG=trigger");
	sd_notify(0, "STATUS=hung");
	for (;;)
		pause();
}
