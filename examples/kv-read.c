/*
 * kv-read — reads kv-worker's published table directly: no call to the
 * worker, so it answers while kv is busy, restarting or stopped.
 *
 *   kv-read [-r RUN_DIR] KEY     prints the value; exit 1 if not found
 *
 * RUN_DIR defaults to $SUP_RUN_DIR, else supd's default run directory:
 * the default tree, which sup_table_get() reads; with -r, a client of
 * that tree does (sup_client_table_get).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup/sup.h"

int
main(int argc, char **argv)
{
	sup_client *c = NULL;
	void *value;
	size_t len;
	sup_err e;

	if (argc == 4 && strcmp(argv[1], "-r") == 0) {
		if ((e = sup_client_open(argv[2], &c)) != SUP_OK) {
			fprintf(stderr, "kv-read: %s: %s\n", argv[2],
			    sup_strerror(e));
			return 2;
		}
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: kv-read [-r RUN_DIR] KEY\n");
		return 2;
	}
	if (c != NULL)
		e = sup_client_table_get(c, "kv", "kv", argv[1], &value, &len);
	else
		e = sup_table_get("kv", "kv", argv[1], &value, &len);
	sup_client_close(c);
	if (e != SUP_OK) {
		fprintf(stderr, "kv-read: %s: %s\n", argv[1], sup_strerror(e));
		return 1;
	}
	fwrite(value, 1, len, stdout);
	putchar('\n');
	free(value);
	return 0;
}
