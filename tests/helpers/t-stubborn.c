/*
 * t-stubborn — a process that ignores every signal it can: each one but
 * SIGKILL and SIGSTOP is set to SIG_IGN (SIGCONT still resumes it: the
 * kernel does that whatever the disposition). Only SIGKILL ends it.
 *
 *   --grandchild=FILE   first fork a grandchild, as stubborn as itself
 *                       and in its process group; write its pid to FILE
 *   --print=TEXT        print TEXT and a newline on stdout once ready
 * Then it waits forever.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void
ignore_all(void)
{
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_IGN);
}

/* The pid goes to FILE.tmp, then is renamed: a reader never sees half. */
static void
pid_publish(const char *path, pid_t pid)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%d\n", (int)pid);
	fclose(f);
	rename(tmp, path);
}

int
main(int argc, char **argv)
{
	ignore_all();
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--grandchild=", 13) == 0) {
			pid_t g = fork();
			if (g == 0) {
				for (;;)
					pause();
			}
			pid_publish(a + 13, g);
		} else if (strncmp(a, "--print=", 8) == 0) {
			printf("%s\n", a + 8);
			fflush(stdout);
		} else {
			fprintf(stderr, "t-stubborn: unknown option %s\n", a);
			return 64;
		}
	}
	for (;;)
		pause();
}
