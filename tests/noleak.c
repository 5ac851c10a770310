/*
 * tests/noleak.c — linked into scenario test binaries only: leak checking
 * off for the test process itself, whose helpers (t_read in a T_WAIT
 * condition) trade frees for readability. supd, supctl and the helpers
 * the tests run keep LeakSanitizer on, and unit tests too.
 */
const char *__asan_default_options(void)
    __attribute__((visibility("default")));

const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}
