/*
 * worker/pool.c — pools of workers from any process: a key routed to one
 * shard (sup_pool_route, sup_pool_call), a request fanned out to every
 * shard (sup_pool_multicall); each in the default tree or a client's.
 *
 * A pool's size is what supd runs, not what a client guesses: supd
 * writes N to RUN/pool/POOL when it starts (supervisor/pools.c), and
 * clients read it from there, without going through supd, at most once
 * per 100 ms. A name with no
 * such file is a single worker.
 *
 * Routing is jump consistent hashing (Lamping and Veach, 2014) of the
 * key's 64-bit FNV-1a hash: the same in every process, on every machine,
 * across restarts; when N grows by one, only the keys that must move to
 * the new shard move.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/trust.h"
#include "wrk.h"

#define MAX_FANOUT 64 /* threads of one multicall */
#define MAX_POOL 10000 /* instances, as sup.conf allows */
#define RECHECK_NS (100 * 1000000LL)

static uint64_t
fnv1a_64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* The bucket of key among n: each step jumps ahead to the next bucket
 * count at which the key would move, until it passes n. */
static int
jump_hash(uint64_t key, int n)
{
	int64_t b = -1, j = 0;

	while (j < n) {
		b = j;
		key = key * 2862933555777941757ull + 1;
		j = (int64_t)((double)(b + 1) *
		    ((double)(1ll << 31) / (double)((key >> 33) + 1)));
	}
	return (int)b;
}

/*
 * The size of pool: *n = N for a pool, 0 for a single worker of that
 * name. SUP_ENOTFOUND when it is neither.
 */
/* The number in a pool file, as supd writes it ("N\n"); -1 otherwise. */
static int
pool_file_read(FILE *f)
{
	char buf[32], *end;
	long v;

	if (fgets(buf, sizeof(buf), f) == NULL)
		return -1;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') ||
	    v < 1 || v > MAX_POOL)
		return -1;
	return (int)v;
}

/*
 * The size of pool: *n = N for a pool, 0 for a single worker of that
 * name. SUP_ENOTFOUND when it is neither; SUP_EREFUSED when the file is
 * another uid's (as the registry: not ours to trust); SUP_EPROTO when it
 * is not what supd writes.
 */
static sup_err
pool_size_read(sup_client *c, const char *pool, const char *path, int *n)
{
	char db[PATH_MAX + 128], why[512];
	struct stat st;
	FILE *f;
	sup_err e;
	int fd;

	/* supd's file: supd's uid, or root. */
	e = trust_file_open(path, O_RDONLY, 0, TRUST_MINE_OR_ROOT, &fd, why,
	    sizeof(why));
	if (e == SUP_OK) {
		if ((f = fdopen(fd, "r")) == NULL) {
			close(fd);
			return SUP_ENOMEM;
		}
		*n = pool_file_read(f);
		fclose(f);
		return *n > 0 ? SUP_OK : SUP_EPROTO;
	}
	if (e != (SUP_ESYS | ENOENT))
		return e;
	*n = 0;
	if ((e = wrk_db_path(c, pool, db, sizeof(db))) != SUP_OK)
		return e;
	return wrk_registry_stat(db, &st) == SUP_OK ? SUP_OK : SUP_ENOTFOUND;
}

/* Sizes read lately, by pool file: a call by key costs no file I/O. */
struct pool_seen {
	char path[PATH_MAX + 128];
	int n;
	int64_t checked_ns;
	struct pool_seen *next;
};

static pthread_mutex_t pmu = PTHREAD_MUTEX_INITIALIZER;
static struct pool_seen *seen; /* under pmu; kept until exit */

/*
 * pool_size_read, remembered for RECHECK_NS: a pool's size changes only
 * when supd starts again with another config, and that is seen within
 * RECHECK_NS (as a replaced table file is, tables.c).
 */
static sup_err
pool_size(sup_client *c, const char *pool, int *n)
{
	char path[PATH_MAX + 128];
	int64_t now = clk_mono_ns();
	struct pool_seen *p;
	sup_err e;

	if ((e = wrk_pool_path(c, pool, path, sizeof(path))) != SUP_OK)
		return e;
	pthread_mutex_lock(&pmu);
	for (p = seen; p != NULL && strcmp(p->path, path) != 0; p = p->next)
		;
	if (p != NULL && now - p->checked_ns < RECHECK_NS) {
		*n = p->n;
		pthread_mutex_unlock(&pmu);
		return SUP_OK;
	}
	pthread_mutex_unlock(&pmu);
	if ((e = pool_size_read(c, pool, path, n)) != SUP_OK)
		return e;
	pthread_mutex_lock(&pmu);
	if (p == NULL && (p = calloc(1, sizeof(*p))) != NULL) {
		snprintf(p->path, sizeof(p->path), "%s", path);
		p->next = seen;
		seen = p;
	}
	if (p != NULL) {
		p->n = *n;
		p->checked_ns = now;
	}
	pthread_mutex_unlock(&pmu);
	return SUP_OK;
}

static sup_err
shard_name(const char *pool, int npool, int i, char *name, size_t n)
{
	int len = npool == 0 ? snprintf(name, n, "%s", pool)
			     : snprintf(name, n, "%s.%d", pool, i);

	return len >= 0 && (size_t)len < n ? SUP_OK : SUP_ETOOBIG;
}

SUP_API sup_err
sup_client_pool_route(sup_client *c, const char *pool, const char *key,
    char *name, size_t n)
{
	int npool;
	sup_err e;

	if (pool == NULL || key == NULL || name == NULL)
		return SUP_EINVAL;
	if ((e = pool_size(c, pool, &npool)) != SUP_OK)
		return e;
	return shard_name(pool, npool,
	    npool == 0 ? 0 : jump_hash(fnv1a_64(key), npool), name, n);
}

SUP_API sup_err
sup_pool_route(const char *pool, const char *key, char *name, size_t n)
{
	return sup_client_pool_route(NULL, pool, key, name, n);
}

SUP_API sup_err
sup_client_pool_call(sup_client *c, const char *pool, const char *key,
    const void *req, size_t len, void **reply, size_t *rlen,
    int64_t timeout_ms)
{
	char name[96];
	sup_err e;

	if ((e = sup_client_pool_route(c, pool, key, name, sizeof(name))) !=
	    SUP_OK)
		return e;
	return sup_client_call(c, name, req, len, reply, rlen, timeout_ms);
}

SUP_API sup_err
sup_pool_call(const char *pool, const char *key, const void *req,
    size_t len, void **reply, size_t *rlen, int64_t timeout_ms)
{
	return sup_client_pool_call(NULL, pool, key, req, len, reply, rlen,
	    timeout_ms);
}

/* --- multicall ---------------------------------------------------------- */

struct fanout {
	sup_client *c; /* borrowed: from the caller, who waits for us */
	const void *req;
	size_t len;
	int64_t deadline_ms; /* CLOCK_MONOTONIC */
	struct sup_mreply *r;
	int n;
	atomic_int next; /* the next shard to call */
};

static void *
fan_run(void *arg)
{
	struct fanout *f = arg;
	int i;

	while ((i = atomic_fetch_add(&f->next, 1)) < f->n) {
		struct sup_mreply *m = &f->r[i];
		int64_t left = f->deadline_ms - clk_mono_ns() / 1000000;

		m->err = left <= 0 ? SUP_ETIMEDOUT
				   : sup_client_call(f->c, m->name, f->req,
					 f->len, &m->reply, &m->len, left);
	}
	return NULL;
}

/* Calls every shard of f, with up to MAX_FANOUT threads; the calling
 * thread takes its share when threads run out. */
static void
fan_out(struct fanout *f)
{
	pthread_t t[MAX_FANOUT];
	int nt = 0, want = f->n < MAX_FANOUT ? f->n : MAX_FANOUT;

	while (nt < want - 1 && pthread_create(&t[nt], NULL, fan_run, f) == 0)
		nt++;
	fan_run(f);
	while (nt > 0)
		pthread_join(t[--nt], NULL);
}

SUP_API sup_err
sup_client_pool_multicall(sup_client *c, const char *pool, const void *req,
    size_t len, struct sup_mreply **replies, int *n, int64_t timeout_ms)
{
	struct fanout f = {.c = c, .req = req, .len = len};
	int npool;
	sup_err e;

	if (replies == NULL || n == NULL)
		return SUP_EINVAL;
	*replies = NULL;
	*n = 0;
	if (pool == NULL || (req == NULL && len > 0) || timeout_ms <= 0)
		return SUP_EINVAL;
	if ((e = pool_size(c, pool, &npool)) != SUP_OK)
		return e;
	f.n = npool == 0 ? 1 : npool;
	if ((f.r = calloc((size_t)f.n, sizeof(*f.r))) == NULL)
		return SUP_ENOMEM;
	for (int i = 0; i < f.n; i++)
		if ((e = shard_name(pool, npool, i, f.r[i].name,
		    sizeof(f.r[i].name))) != SUP_OK) {
			free(f.r);
			return e;
		}
	f.deadline_ms = timeout_ms > INT64_MAX / 2
	    ? INT64_MAX
	    : clk_mono_ns() / 1000000 + timeout_ms;
	fan_out(&f);
	*replies = f.r;
	*n = f.n;
	for (int i = 0; i < f.n; i++)
		if (f.r[i].err != SUP_OK)
			return f.r[i].err;
	return SUP_OK;
}

SUP_API sup_err
sup_pool_multicall(const char *pool, const void *req, size_t len,
    struct sup_mreply **replies, int *n, int64_t timeout_ms)
{
	return sup_client_pool_multicall(NULL, pool, req, len, replies, n,
	    timeout_ms);
}

SUP_API void
sup_mreplies_free(struct sup_mreply *replies, int n)
{
	for (int i = 0; replies != NULL && i < n; i++)
		free(replies[i].reply);
	free(replies);
}
