/*
 * common/rundef.c — the default run directory (rundef.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rundef.h"

char *
run_dir_default(char *buf, size_t n)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	if (geteuid() == 0)
		snprintf(buf, n, "/run/sup");
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, n, "%s/sup", xdg);
	else
		snprintf(buf, n, "/tmp/sup-%u", (unsigned)geteuid());
	return buf;
}

int
mkdir_parents(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return ENAMETOOLONG;
	for (char *p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return errno;
		*p = '/';
	}
	return 0;
}
