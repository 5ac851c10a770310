/*
 * supervisor/pools.c — the size of each pool, published for clients.
 *
 * sup_pool_call() and sup_pool_multicall() route to POOL.0 ... POOL.N-1
 * without going through supd, so they must know N as supd runs it, not
 * as a config file on disk says now. supd writes RUN/pool/POOL ("N\n",
 * 0600, replaced atomically) for every worker with instances > 1 when it
 * starts, and removes the files of pools no longer configured.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "pools.h"
#include "supd.h"

static const struct cfg_worker *
pool_find(const struct sup_config *cfg, const char *name)
{
	for (int i = 0; i < cfg->nworkers; i++)
		if (cfg->workers[i]->instances > 1 &&
		    strcmp(cfg->workers[i]->name, name) == 0)
			return cfg->workers[i];
	return NULL;
}

static int
pool_write(int dir, const struct cfg_worker *w)
{
	char tmp[CFG_NAME_MAX + 16], buf[24];
	int fd, n, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", w->name);
	fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd < 0)
		return errno;
	n = snprintf(buf, sizeof(buf), "%d\n", w->instances);
	errno = 0;
	ok = write(fd, buf, (size_t)n) == n;
	if (close(fd) != 0 || !ok || renameat(dir, tmp, dir, w->name) != 0) {
		int e = errno ? errno : EIO;
		unlinkat(dir, tmp, 0);
		/* An older size left there would route keys wrongly: no file
		 * at all makes clients fail plainly instead. */
		unlinkat(dir, w->name, 0);
		return e;
	}
	return 0;
}

/* Removes what is not a configured pool's file (a .tmp left by a kill
 * between write and rename included). */
static void
stale_remove(int dir, const struct sup_config *cfg)
{
	struct dirent *de;
	int fd = dup(dir);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (d == NULL && fd >= 0)
		close(fd);
	if (d != NULL) /* the offset is shared with dir's */
		rewinddir(d);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || pool_find(cfg, de->d_name) != NULL)
			continue;
		unlinkat(dir, de->d_name, 0);
	}
	if (d != NULL)
		closedir(d);
}

void
pools_publish(struct supd *d)
{
	const struct sup_config *cfg = d->cfg;
	int dir = rundir_fd(&d->run, RUNDIR_POOL), e;

	stale_remove(dir, cfg);
	for (int i = 0; i < cfg->nworkers; i++)
		if (cfg->workers[i]->instances > 1 &&
		    (e = pool_write(dir, cfg->workers[i])) != 0)
			log_error("cannot publish the size of pool %s in %s/pool:"
			    " %s; sup_pool_call and sup_pool_multicall will "
			    "not find it", cfg->workers[i]->name, cfg->run_dir,
			    strerror(e));
}
