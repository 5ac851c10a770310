/*
 * tests/fuzz/size.c — sizes (size_parse): refused, or at most
 * SIZE_MAX_BYTES, never a wrapped multiplication.
 */
#include "common/size.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size);
	int64_t v = -7;
	sup_err e;

	if (s == NULL)
		return 0;
	e = size_parse(s, &v);
	FUZZ_CHECK(e == SUP_OK || e == SUP_EINVAL || e == SUP_ETOOBIG);
	FUZZ_CHECK(e == SUP_OK ? v >= 0 && v <= SIZE_MAX_BYTES : v == -7);
	free(s);
	return 0;
}
