/*
 * t-cgload — load for the cgroup scenario tests (cgroup_test.c).
 *
 *   t-cgload forks N FILE   forks up to N children that wait; writes
 *                           "made failed" to FILE (made: children alive,
 *                           failed: forks refused) once done, then waits
 *   t-cgload grow MB FILE   allocates and touches 1 MB more every 20 ms,
 *                           up to MB, writing the MBs held so far to
 *                           FILE after each; then waits
 * Then it waits for a signal; SIGTERM ends it and its children.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* FILE replaced whole: a reader never sees half a line. */
static void put(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
put(const char *path, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
	rename(tmp, path);
}

static void
forks(long n, const char *path)
{
	long made = 0, failed = 0;

	for (long i = 0; i < n; i++) {
		pid_t p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p > 0)
			made++;
		else
			failed++;
	}
	put(path, "%ld %ld\n", made, failed);
}

static void
grow(long mb, const char *path)
{
	struct timespec ts = {0, 20 * 1000 * 1000};

	for (long i = 1; i <= mb; i++) {
		char *p = malloc(1 << 20);
		if (p == NULL)
			break;
		memset(p, (int)i, 1 << 20); /* touched: resident */
		put(path, "%ld\n", i);
		nanosleep(&ts, NULL);
	}
}

int
main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: t-cgload forks|grow N FILE\n");
		return 2;
	}
	/* Children in our group die with us on SIGTERM (supd signals the
	 * group). */
	if (strcmp(argv[1], "forks") == 0)
		forks(atol(argv[2]), argv[3]);
	else if (strcmp(argv[1], "grow") == 0)
		grow(atol(argv[2]), argv[3]);
	else
		return 2;
	for (;;)
		pause();
}
