/*
 * counter-client — using a pool of counters (examples/counter-worker.c)
 * from any process, without going through supd.
 *
 *   counter-client [-r RUN_DIR] [-p POOL] incr KEY [N]
 *       sup_pool_call: the shard KEY goes to adds N; prints its count
 *   counter-client [-r RUN_DIR] [-p POOL] count KEY
 *       sup_pool_multicall "get KEY" to every shard; prints the sum
 *   counter-client [-r RUN_DIR] [-p POOL] total
 *       sup_pool_multicall "total"; prints the sum
 *
 * RUN_DIR is the tree to talk to, through a client of its own
 * (sup_client_open); without -r, the default tree ($SUP_RUN_DIR, else
 * supd's default run directory). POOL is "counter" by default. When a
 * shard does not answer, count and total print what each shard said on
 * stderr and exit 1, never a sum that silently misses a shard.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sup/sup.h"

#define TIMEOUT_MS 5000

static int
usage(void)
{
	fprintf(stderr, "usage: counter-client [-r RUN_DIR] [-p POOL] "
	    "incr KEY [N] | count KEY | total\n");
	return 2;
}

static int
incr(sup_client *c, const char *pool, const char *key, const char *by)
{
	char msg[512];
	void *r = NULL;
	size_t n;
	sup_err e;

	if (key[0] == '\0' || strlen(key) > 255 || strpbrk(key, " \t\n")) {
		fprintf(stderr, "counter-client: a key is 1 to 255 bytes, "
		    "without spaces\n");
		return 2;
	}
	snprintf(msg, sizeof(msg), "incr %s %s", key, by ? by : "1");
	e = sup_client_pool_call(c, pool, key, msg, strlen(msg), &r, &n,
	    TIMEOUT_MS);
	if (e != SUP_OK) {
		fprintf(stderr, "counter-client: %s: %s%s%s\n", pool,
		    sup_strerror(e), r ? ": " : "", r ? (char *)r : "");
		free(r);
		return 1;
	}
	printf("%s\n", (char *)r);
	free(r);
	return 0;
}

/* The same message to every shard; the sum of their numbers. */
static int
sum(sup_client *c, const char *pool, const char *msg)
{
	struct sup_mreply *r;
	long long total = 0;
	int n;
	sup_err e = sup_client_pool_multicall(c, pool, msg, strlen(msg), &r,
	    &n, TIMEOUT_MS);

	if (e != SUP_OK) {
		for (int i = 0; i < n; i++)
			fprintf(stderr, "counter-client: %s: %s%s%s\n",
			    r[i].name,
			    r[i].err == SUP_OK ? "" : sup_strerror(r[i].err),
			    r[i].err == SUP_OK || r[i].reply == NULL ? "" : ": ",
			    r[i].reply ? (char *)r[i].reply : "");
		if (r == NULL)
			fprintf(stderr, "counter-client: %s: %s\n", pool,
			    sup_strerror(e));
		sup_mreplies_free(r, n);
		return 1;
	}
	for (int i = 0; i < n; i++)
		total += strtoll(r[i].reply, NULL, 10);
	sup_mreplies_free(r, n);
	printf("%lld\n", total);
	return 0;
}

static int
run(sup_client *c, const char *pool, int argc, char **argv)
{
	char msg[512];

	if ((argc == 2 || argc == 3) && strcmp(argv[0], "incr") == 0)
		return incr(c, pool, argv[1], argc == 3 ? argv[2] : NULL);
	if (argc == 2 && strcmp(argv[0], "count") == 0) {
		snprintf(msg, sizeof(msg), "get %s", argv[1]);
		return sum(c, pool, msg);
	}
	if (argc == 1 && strcmp(argv[0], "total") == 0)
		return sum(c, pool, "total");
	return usage();
}

int
main(int argc, char **argv)
{
	const char *pool = "counter", *run_dir = NULL;
	sup_client *c;
	sup_err e;
	int o, code;

	while ((o = getopt(argc, argv, "r:p:")) != -1) {
		if (o == 'r')
			run_dir = optarg;
		else if (o == 'p')
			pool = optarg;
		else
			return usage();
	}
	if ((e = sup_client_open(run_dir, &c)) != SUP_OK) {
		fprintf(stderr, "counter-client: %s: %s\n", run_dir,
		    sup_strerror(e));
		return 2;
	}
	code = run(c, pool, argc - optind, argv + optind);
	sup_client_close(c);
	return code;
}
