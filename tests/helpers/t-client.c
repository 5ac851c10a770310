/*
 * t-client — libsup's client side, for tests. RUN is the tree: a client
 * opened on it (sup_client_open), or "-" for the default tree ($SUP_RUN_DIR)
 * through the functions without a client (sup_call ...).
 *   t-client RUN lookup NAME          prints "PID STATUS ENDPOINT" or the error
 *   t-client RUN lookups POOL N       looks up POOL.0 ... POOL.N-1, twice;
 *                                     prints "found F of 2N, D databases
 *                                     open, C after close" (F lookups
 *                                     answered; D of this process's
 *                                     descriptors on a *.db, C once the
 *                                     client is closed)
 *   t-client RUN calls NAME N MSG     N calls; prints each reply or error
 *   t-client RUN call NAME MSG MS     one call with a timeout; prints the
 *                                     reply, the error, and the elapsed ms
 *   t-client RUN tget NAME KEY        NAME's table "t": "value V" or the
 *                                     error, and the elapsed ms
 *   t-client RUN mcall POOL MSG       a multicall: "N" then a line per shard,
 *                                     "NAME ok REPLY" or "NAME error ERR"
 *   t-client RUN route POOL KEY       the shard KEY goes to, or the error
 *   t-client RUN two RUN2 NAME N1 N2  one client per tree, each from its
 *                                     own thread at once: N1 "incr" calls
 *                                     to NAME in RUN, N2 in RUN2; then
 *                                     "A PID1 GET1 B PID2 GET2" (each tree's
 *                                     NAME's pid and counter); then closes
 *                                     the first client and calls NAME of
 *                                     RUN2 again: "after-close GET2"
 *   t-client RUN switches NAME MSG MS  as call, then "switches N": the
 *                                     voluntary context switches of the
 *                                     calling thread during the call (its
 *                                     wake-ups while it waited)
 *   t-client RUN serve NAME           one kept client: for each line "MS"
 *                                     on stdin, a "get" call to NAME with
 *                                     that timeout, printed as call prints
 *   t-client RUN dblock NAME          holds the write lock of NAME's
 *                                     database until its stdin closes;
 *                                     prints "locked" once it has it (a
 *                                     backup, a stuck tool)
 * Exit status 3 when the client cannot be opened (the error is printed).
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "sup/sup.h"

static sup_client *client; /* NULL: the default tree, plain functions */

static long long
ms_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void
one(const char *name, const char *msg, long timeout)
{
	void *r = NULL;
	size_t n = 0;
	long long t0 = ms_now();
	sup_err e = client != NULL
	    ? sup_client_call(client, name, msg, strlen(msg), &r, &n, timeout)
	    : sup_call(name, msg, strlen(msg), &r, &n, timeout);

	if (e == SUP_OK)
		printf("ok %.*s", (int)n, (char *)r);
	else
		printf("error %s", sup_strerror(e));
	printf(" %lldms\n", ms_now() - t0);
	fflush(stdout);
	free(r);
}

static long
switches(void)
{
	struct rusage ru;

	return getrusage(RUSAGE_THREAD, &ru) == 0 ? ru.ru_nvcsw : -1;
}

static int
serve(const char *name)
{
	char line[32];

	while (fgets(line, sizeof(line), stdin) != NULL)
		one(name, "get", atol(line));
	return 0;
}

static int
dblock(const char *run, const char *name)
{
	char c;
	char path[4096];
	sqlite3 *db;

	snprintf(path, sizeof(path), "%s/state/%s.db", run, name);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
	    || sqlite3_busy_timeout(db, 5000) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		printf("error %s\n", sqlite3_errmsg(db));
		sqlite3_close(db);
		return 1;
	}
	printf("locked\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return 0;
}

static int
lookup(const char *name)
{
	struct sup_where where;
	sup_err e = client != NULL ? sup_client_lookup(client, name, &where)
				   : sup_lookup(name, &where);

	if (e == SUP_OK)
		printf("%d %s %s\n", (int)where.pid, where.status,
		    where.endpoint);
	else
		printf("error %s\n", sup_strerror(e));
	return 0;
}

/* This process's descriptors open on a file whose name ends in ".db". */
static int
dbs_open(void)
{
	char link[64], to[4096];
	int n = 0;

	for (int fd = 0; fd < 4096; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t len = readlink(link, to, sizeof(to) - 1);
		if (len > 3 && memcmp(to + len - 3, ".db", 3) == 0)
			n++;
	}
	return n;
}

static int
lookups(const char *pool, int n)
{
	struct sup_where where;
	char name[128];
	int found = 0;

	for (int round = 0; round < 2; round++)
		for (int i = 0; i < n; i++) {
			snprintf(name, sizeof(name), "%s.%d", pool, i);
			found += sup_client_lookup(client, name, &where) ==
			    SUP_OK;
		}
	printf("found %d of %d, %d databases open, ", found, 2 * n,
	    dbs_open());
	sup_client_close(client);
	client = NULL;
	printf("%d after close\n", dbs_open());
	return 0;
}

static int
tget(const char *name, const char *key)
{
	void *v = NULL;
	size_t n = 0;
	long long t0 = ms_now();
	sup_err e = client != NULL
	    ? sup_client_table_get(client, name, "t", key, &v, &n)
	    : sup_table_get(name, "t", key, &v, &n);

	if (e == SUP_OK)
		printf("value %.*s", (int)n, (char *)v);
	else
		printf("error %s", sup_strerror(e));
	printf(" %lldms\n", ms_now() - t0);
	free(v);
	return 0;
}

static int
mcall(const char *pool, const char *msg)
{
	struct sup_mreply *r;
	int n;
	sup_err e = client != NULL
	    ? sup_client_pool_multicall(client, pool, msg, strlen(msg), &r, &n,
		  5000)
	    : sup_pool_multicall(pool, msg, strlen(msg), &r, &n, 5000);

	printf("%d %s\n", n, sup_strerror(e));
	for (int i = 0; i < n; i++)
		printf("%s %s %s\n", r[i].name, r[i].err == SUP_OK ? "ok"
		    : "error", r[i].err == SUP_OK ? (char *)r[i].reply
		    : sup_strerror(r[i].err));
	sup_mreplies_free(r, n);
	return 0;
}

static int
route(const char *pool, const char *key)
{
	char name[96];
	sup_err e = client != NULL
	    ? sup_client_pool_route(client, pool, key, name, sizeof(name))
	    : sup_pool_route(pool, key, name, sizeof(name));

	printf("%s\n", e == SUP_OK ? name : sup_strerror(e));
	return 0;
}

/* One tree's share of "two": n incr calls through its own client. */
struct side {
	sup_client *c;
	const char *name;
	int n, failed;
	pthread_t t;
};

static void *
side_run(void *arg)
{
	struct side *s = arg;

	for (int i = 0; i < s->n; i++) {
		void *r = NULL;
		size_t len;
		if (sup_client_call(s->c, s->name, "incr", 4, &r, &len,
		    5000) != SUP_OK)
			s->failed++;
		free(r);
	}
	return NULL;
}

/* "PID COUNTER" of name in c's tree, or "error ERR". */
static void
side_print(sup_client *c, const char *name)
{
	struct sup_where where;
	void *r = NULL;
	size_t n;
	sup_err e;

	if ((e = sup_client_lookup(c, name, &where)) != SUP_OK ||
	    (e = sup_client_call(c, name, "get", 3, &r, &n, 5000)) != SUP_OK)
		printf(" error %s", sup_strerror(e));
	else
		printf(" %d %.*s", (int)where.pid, (int)n, (char *)r);
	free(r);
}

static int
two(const char *run2, const char *name, int n1, int n2)
{
	struct side a = {.c = client, .name = name, .n = n1};
	struct side b = {.name = name, .n = n2};
	sup_err e;

	if (client == NULL ||
	    (e = sup_client_open(run2, &b.c)) != SUP_OK) {
		printf("error %s\n", client ? sup_strerror(e) : "RUN is -");
		return 3;
	}
	pthread_create(&a.t, NULL, side_run, &a);
	pthread_create(&b.t, NULL, side_run, &b);
	pthread_join(a.t, NULL);
	pthread_join(b.t, NULL);
	if (a.failed + b.failed > 0)
		printf("failed %d %d\n", a.failed, b.failed);
	printf("A");
	side_print(a.c, name);
	printf(" B");
	side_print(b.c, name);
	printf("\n");
	sup_client_close(client);
	client = NULL;
	printf("after-close");
	side_print(b.c, name);
	printf("\n");
	sup_client_close(b.c);
	return 0;
}

static int
run(int argc, char **argv)
{
	if (strcmp(argv[2], "lookup") == 0)
		return lookup(argv[3]);
	if (strcmp(argv[2], "lookups") == 0 && argc == 5)
		return lookups(argv[3], atoi(argv[4]));
	if (strcmp(argv[2], "calls") == 0 && argc == 6) {
		for (int i = 0; i < atoi(argv[4]); i++)
			one(argv[3], argv[5], 5000);
		return 0;
	}
	if (strcmp(argv[2], "call") == 0 && argc == 6) {
		one(argv[3], argv[4], atol(argv[5]));
		return 0;
	}
	if (strcmp(argv[2], "switches") == 0 && argc == 6) {
		long before = switches();
		one(argv[3], argv[4], atol(argv[5]));
		printf("switches %ld\n", switches() - before);
		return 0;
	}
	if (strcmp(argv[2], "serve") == 0)
		return serve(argv[3]);
	if (strcmp(argv[2], "tget") == 0 && argc == 5)
		return tget(argv[3], argv[4]);
	if (strcmp(argv[2], "mcall") == 0 && argc == 5)
		return mcall(argv[3], argv[4]);
	if (strcmp(argv[2], "route") == 0 && argc == 5)
		return route(argv[3], argv[4]);
	if (strcmp(argv[2], "two") == 0 && argc == 7)
		return two(argv[3], argv[4], atoi(argv[5]), atoi(argv[6]));
	if (strcmp(argv[2], "dblock") == 0)
		return dblock(argv[1], argv[3]);
	return 2;
}

int
main(int argc, char **argv)
{
	sup_err e;
	int code;

	if (argc < 4)
		return 2;
	if (strcmp(argv[1], "-") != 0 &&
	    (e = sup_client_open(argv[1], &client)) != SUP_OK) {
		printf("error %s\n", sup_strerror(e));
		return 3;
	}
	code = run(argc, argv);
	sup_client_close(client);
	return code;
}
