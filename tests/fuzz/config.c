/*
 * tests/fuzz/config.c — sup.conf, as supd and supctl load it
 * (cfg_load_text): any bytes give a config or a list of errors, each
 * naming the file and a line; never a crash, a leak or a hang.
 */
#include "fuzz.h"
#include "shared/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sup_config *c = NULL;
	struct cfg_errors errs;
	sup_err e;

	e = cfg_load_text("/fuzz/sup.conf", (const char *)data, size,
	    "/fuzz/run", 0, &c, &errs);
	FUZZ_CHECK((e == SUP_OK) == (c != NULL));
	FUZZ_CHECK(e != SUP_OK || errs.n == 0);
	FUZZ_CHECK(e == SUP_OK || errs.n > 0);
	for (int i = 0; i < errs.n; i++)
		FUZZ_CHECK(strncmp(errs.msgs[i], "/fuzz/sup.conf:", 15) == 0);
	if (c != NULL) {
		FUZZ_CHECK(c->run_dir != NULL && c->run_dir[0] == '/');
		for (int i = 0; i < c->nworkers; i++)
			FUZZ_CHECK(c->workers[i]->argv != NULL &&
			    c->workers[i]->argv[0] != NULL);
	}
	cfg_free(c);
	cfg_errors_fini(&errs);
	return 0;
}
