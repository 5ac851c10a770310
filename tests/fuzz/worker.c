/*
 * tests/fuzz/worker.c — what a libsup worker receives (wrk_frame_decode)
 * and the type its telemetry gives a request (wrk_message_type).
 */
#include "fuzz.h"
#include "ipc/ipc.h"
#include "worker/wrk.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wrk_frame m;
	char type[32];

	if (wrk_frame_decode(data, size, &m) != 0) {
		FUZZ_CHECK(m.kind == WRK_BAD && m.why != NULL);
		return 0;
	}
	FUZZ_CHECK(size >= 2 && data[0] == IPC_VERSION);
	FUZZ_CHECK(m.len == size - 2 && m.len <= SUP_MAX_MSG);
	FUZZ_CHECK((const uint8_t *)m.body == data + 2);
	wrk_message_type(m.body, m.len, type, sizeof(type));
	FUZZ_CHECK(type[0] != '\0' && strlen(type) <= 24);
	FUZZ_CHECK(fuzz_utf8_clean(type, strlen(type)));
	return 0;
}
