/*
 * kv-read — reads kv-worker's published table directly: no call to the
 * worker, so it answers while kv is busy, restarting or stopped.
 *
 *   kv-read [-r RUN_DIR] KEY     prints the value; exit 1 if not found
 *
 * RUN_DIR defaults to $SUP_RUN_DIR, else supd's default run directory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sup/sup.h"

int
main(int argc, char **argv)
{
	void *value;
	size_t len;
	sup_err e;

	if (argc == 4 && strcmp(argv[1], "-r") == 0) {
		sup_client_run_dir(argv[2]);
		argv += 2;
		argc -= 2;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: kv-read [-r RUN_DIR] KEY\n");
		return 2;
	}
	e = sup_table_get("kv", "kv", argv[1], &value, &len);
	if (e != SUP_OK) {
		fprintf(stderr, "kv-read: %s: %s\n", argv[1], sup_strerror(e));
		return 1;
	}
	fwrite(value, 1, len, stdout);
	putchar('\n');
	free(value);
	return 0;
}
