/*
 * tests/fuzz/argv.c — command lines split without a shell (argv_split):
 * a vector of argc words, or a static reason; never a word longer than
 * the line.
 */
#include "common/argv.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), **v = NULL;
	const char *why = NULL;
	int argc = -1;
	sup_err e;

	if (s == NULL)
		return 0;
	e = argv_split(s, &v, &argc, &why);
	if (e == SUP_OK) {
		FUZZ_CHECK(v != NULL && argc >= 0 && v[argc] == NULL);
		for (int i = 0; i < argc; i++)
			FUZZ_CHECK(v[i] != NULL && strlen(v[i]) <= strlen(s));
	} else {
		FUZZ_CHECK(e == SUP_ENOMEM || (e == SUP_EINVAL && why != NULL));
	}
	argv_free(v);
	free(s);
	return 0;
}
