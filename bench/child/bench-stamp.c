/*
 * bench-stamp — the child the restart benchmarks kill. Its first act is to
 * read CLOCK_MONOTONIC (linked statically: no dynamic loader runs before
 * main), then it reports "PID NS\n" on the FIFO named by argv[1] and waits
 * to be killed.
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec ts;
	char line[64];
	int fd, n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (argc < 2 || (fd = open(argv[1], O_WRONLY | O_APPEND)) < 0)
		return 1;
	n = snprintf(line, sizeof(line), "%d %lld\n", (int)getpid(),
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if (write(fd, line, (size_t)n) != n)
		return 1;
	for (;;)
		pause();
}
