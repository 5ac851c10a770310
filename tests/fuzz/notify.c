/*
 * tests/fuzz/notify.c — sd_notify datagrams (sdn_parse): what a child
 * says is decoded or refused whole; what reaches status and logs is
 * valid UTF-8, and libsup's status one of its four words.
 */
#include "fuzz.h"
#include "supervisor/sdnotify.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sdn_msg m;

	if (sdn_parse((const char *)data, size, &m) != 0) {
		FUZZ_CHECK(size > SDN_MAX || memchr(data, 0, size) != NULL);
		return 0;
	}
	FUZZ_CHECK(memchr(m.status, '\0', sizeof(m.status)) != NULL);
	FUZZ_CHECK(fuzz_utf8_clean(m.status, strlen(m.status)));
	FUZZ_CHECK(m.sup_status[0] == '\0' ||
	    strcmp(m.sup_status, "initializing") == 0 ||
	    strcmp(m.sup_status, "ready") == 0 ||
	    strcmp(m.sup_status, "degraded") == 0 ||
	    strcmp(m.sup_status, "ignored") == 0);
	return 0;
}
