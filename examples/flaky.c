/*
 * flaky — a deliberately unreliable child: it runs for a random time, then
 * crashes (SIGABRT) or exits 1. Watch supd restart it with exponential
 * backoff, and its group give up when it fails more than its intensity
 * allows (supctl status, supctl tree, and supd's log).
 *
 *   flaky [--min-ms=MS] [--max-ms=MS]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	long min_ms = 2000, max_ms = 5000, life;
	struct timespec ts;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--min-ms=", 9) == 0)
			min_ms = atol(argv[i] + 9);
		else if (strncmp(argv[i], "--max-ms=", 9) == 0)
			max_ms = atol(argv[i] + 9);
	}
	if (max_ms < min_ms)
		max_ms = min_ms;
	srand((unsigned)getpid() ^ (unsigned)time(NULL));
	life = min_ms + rand() % (max_ms - min_ms + 1);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("flaky: up, will fail in %ld ms\n", life);
	ts.tv_sec = life / 1000;
	ts.tv_nsec = (life % 1000) * 1000000;
	nanosleep(&ts, NULL);
	if (rand() % 2) {
		printf("flaky: crashing\n");
		abort();
	}
	printf("flaky: exiting with status 1\n");
	return 1;
}
