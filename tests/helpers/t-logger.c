/*
 * t-logger — a child that writes known output, for the log holder's
 * tests (logholder_test.c). Every write is checked: a write that fails
 * (EPIPE: nobody reads the pipe) exits 42, so a test sees it as an exit.
 *
 *   t-logger both            o1 e1 o2 e2 o3 e3 (stdout, stderr), then waits
 *   t-logger seq US          "o N" and "e N" for N = 1, 2, ... every US
 *                            microseconds, forever
 *   t-logger partial FILE    "partial-A" without a newline; once FILE
 *                            exists, a 40 KiB line of 'x', then
 *                            "end-partial" without a newline, and exits
 *   t-logger big N           N lines "r000001 yyyy...", 100 bytes each
 *                            with their newline, then waits
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
out(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(42);
		s += w;
		n -= (size_t)w;
	}
}

static void
outs(int fd, const char *s)
{
	out(fd, s, strlen(s));
}

static void
nap_us(long us)
{
	struct timespec t = {us / 1000000, (us % 1000000) * 1000};

	nanosleep(&t, NULL);
}

static void
seq(long us)
{
	char line[64];

	for (unsigned long i = 1;; i++) {
		snprintf(line, sizeof(line), "o %lu\n", i);
		outs(1, line);
		snprintf(line, sizeof(line), "e %lu\n", i);
		outs(2, line);
		nap_us(us);
	}
}

static int
partial(const char *file)
{
	static char big[40 * 1024 + 1];

	outs(1, "partial-A");
	while (access(file, F_OK) != 0)
		nap_us(10000);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\n';
	out(1, big, sizeof(big));
	outs(1, "end-partial");
	return 0;
}

static void
big(long n)
{
	char line[101];

	for (long i = 1; i <= n; i++) {
		int k = snprintf(line, sizeof(line), "r%06ld ", i);
		memset(line + k, 'y', 99 - (size_t)k);
		line[99] = '\n';
		out(1, line, 100);
	}
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN); /* EPIPE, counted as exit 42 */
	if (argc == 2 && strcmp(argv[1], "both") == 0) {
		for (int i = 1; i <= 3; i++) {
			char l[16];
			snprintf(l, sizeof(l), "o%d\n", i);
			outs(1, l);
			snprintf(l, sizeof(l), "e%d\n", i);
			outs(2, l);
		}
	} else if (argc == 3 && strcmp(argv[1], "seq") == 0)
		seq(atol(argv[2]));
	else if (argc == 3 && strcmp(argv[1], "partial") == 0)
		return partial(argv[2]);
	else if (argc == 3 && strcmp(argv[1], "big") == 0)
		big(atol(argv[2]));
	else
		return 2;
	for (;;)
		pause();
}
