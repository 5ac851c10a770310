/*
 * ticker — the simplest well-behaved service: prints a line every few
 * seconds, and on SIGTERM says goodbye and exits 0.
 *
 *   ticker [--interval=SECONDS] [--name=NAME]
 *
 * In sup.conf it needs no readiness protocol (ready = none): running is
 * ready. supd gives it SUP_NAME; a pool instance also gets SUP_INSTANCE.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	const char *name = getenv("SUP_NAME");
	int interval = 5;
	unsigned long n = 0;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--interval=", 11) == 0)
			interval = atoi(argv[i] + 11);
		else if (strncmp(argv[i], "--name=", 7) == 0)
			name = argv[i] + 7;
	}
	if (name == NULL)
		name = "ticker";
	if (interval < 1)
		interval = 1;
	signal(SIGTERM, on_term);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("%s: started (pid %d)\n", name, (int)getpid());
	while (!stop) {
		sleep((unsigned)interval); /* interrupted by SIGTERM */
		if (!stop)
			printf("%s: tick %lu\n", name, ++n);
	}
	printf("%s: stopping after %lu ticks\n", name, n);
	return 0;
}
