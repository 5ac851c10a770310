/*
 * t-client — libsup's client side, for tests.
 *   t-client RUN lookup NAME          prints "PID STATUS ENDPOINT" or the error
 *   t-client RUN calls NAME N MSG     N calls; prints each reply or error
 *   t-client RUN call NAME MSG MS     one call with a timeout; prints the
 *                                     reply, the error, and the elapsed ms
 *   t-client RUN tget NAME KEY        NAME's table "t": "value V" or the
 *                                     error, and the elapsed ms
 *   t-client RUN dblock NAME          holds the write lock of NAME's
 *                                     database until its stdin closes;
 *                                     prints "locked" once it has it (a
 *                                     backup, a stuck tool)
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sup/sup.h"

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
	sup_err e = sup_call(name, msg, strlen(msg), &r, &n, timeout);

	if (e == SUP_OK)
		printf("ok %.*s", (int)n, (char *)r);
	else
		printf("error %s", sup_strerror(e));
	printf(" %lldms\n", ms_now() - t0);
	fflush(stdout);
	free(r);
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

int
main(int argc, char **argv)
{
	struct sup_where where;
	sup_err e;

	if (argc < 4)
		return 2;
	sup_client_run_dir(argv[1]);
	if (strcmp(argv[2], "lookup") == 0) {
		e = sup_lookup(argv[3], &where);
		if (e == SUP_OK)
			printf("%d %s %s\n", (int)where.pid, where.status,
			    where.endpoint);
		else
			printf("error %s\n", sup_strerror(e));
		return 0;
	}
	if (strcmp(argv[2], "calls") == 0 && argc == 6) {
		for (int i = 0; i < atoi(argv[4]); i++)
			one(argv[3], argv[5], 5000);
		return 0;
	}
	if (strcmp(argv[2], "call") == 0 && argc == 6) {
		one(argv[3], argv[4], atol(argv[5]));
		return 0;
	}
	if (strcmp(argv[2], "tget") == 0 && argc == 5) {
		void *v = NULL;
		size_t n = 0;
		long long t0 = ms_now();
		e = sup_table_get(argv[3], "t", argv[4], &v, &n);
		if (e == SUP_OK)
			printf("value %.*s", (int)n, (char *)v);
		else
			printf("error %s", sup_strerror(e));
		printf(" %lldms\n", ms_now() - t0);
		free(v);
		return 0;
	}
	if (strcmp(argv[2], "dblock") == 0)
		return dblock(argv[1], argv[3]);
	return 2;
}
