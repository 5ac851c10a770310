/*
 * tests/fuzz/fuzz.h — what the libFuzzer harnesses share.
 *
 * Each harness feeds one decoder of bytes from outside (a config file, a
 * control request, a worker's request, a duration, a size, a command
 * line, an sd_notify datagram, a worker's telemetry) with anything, under
 * AddressSanitizer and UndefinedBehaviorSanitizer, and checks what the
 * decoder promises of its result: FUZZ_CHECK() traps when a promise is
 * broken, and libFuzzer keeps the input that broke it. make fuzz builds
 * and runs them (tests/fuzz/run.sh).
 */
#ifndef TESTS_FUZZ_H
#define TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                  \
	do {                                                              \
		if (!(cond))                                              \
			__builtin_trap();                                 \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a NUL-terminated string (a new copy: free it); what
 * follows a NUL in it is cut, as C strings cut it. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Whether s (n bytes) is valid UTF-8 without control characters but
 * tabs: what JSON and log lines are promised. */
static inline int
fuzz_utf8_clean(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ?
		    3 : (c >> 3) == 30 ? 4 : 0;
		if (k == 0 || i + k > n || (c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
		for (size_t j = 1; j < k; j++)
			if ((p[i + j] & 0xc0) != 0x80)
				return 0;
		i += k;
	}
	return 1;
}

#endif
