/*
 * tests/fuzz/relay.c — a worker's telemetry as supd relays it
 * (relay_rewrite): every line relayed is "NAME {json}" under the name
 * supd knows, whatever the worker wrote.
 */
#include <jansson.h>

#include "fuzz.h"
#include "supervisor/relay.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = NULL;
	size_t olen = 0;
	int bad = -1;

	if (relay_rewrite("kv.3", (const char *)data, size, &out, &olen,
	    &bad) != 0) {
		FUZZ_CHECK(out == NULL && bad >= 0);
		return 0;
	}
	FUZZ_CHECK(out != NULL && strlen(out) == olen && bad >= 0);
	for (char *save, *l = strtok_r(out, "\n", &save); l != NULL;
	    l = strtok_r(NULL, "\n", &save)) {
		json_t *o;
		FUZZ_CHECK(strncmp(l, "kv.3 ", 5) == 0);
		o = json_loads(l + 5, 0, NULL);
		FUZZ_CHECK(json_is_object(o));
		FUZZ_CHECK(strcmp(json_string_value(json_object_get(o, "src")),
		    "kv.3") == 0);
		json_decref(o);
	}
	free(out);
	return 0;
}
