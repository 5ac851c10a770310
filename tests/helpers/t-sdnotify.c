/*
 * t-sdnotify — a program that uses libsystemd's sd_notify(), unmodified,
 * as systemd services do: it must work under supd with ready = notify.
 *
 *   t-sdnotify [MS]   reports STATUS, waits MS (default 300), then READY=1
 */
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long ms = argc > 1 ? atol(argv[1]) : 300;
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};

	sd_notify(0, "STATUS=warming up");
	nanosleep(&ts, NULL);
	sd_notifyf(0, "READY=1\nSTATUS=serving %d", (int)getpid());
	for (;;)
		pause();
}
