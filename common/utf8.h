/*
 * common/utf8.h — text from outside made safe for JSON and logs.
 */
#ifndef COMMON_UTF8_H
#define COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Copies src into dst (n bytes, NUL-terminated): valid UTF-8 only (each
 * invalid byte and each control character becomes '?'), cut at a
 * character boundary when it does not fit. Returns dst.
 */
char *utf8_clean(char *dst, size_t n, const char *src);

/* Whether s is valid UTF-8 throughout (no overlong form, no surrogate,
 * nothing past U+10FFFF): what jansson's json_string() accepts. Control
 * characters are valid. */
bool utf8_valid(const char *s);

#endif
