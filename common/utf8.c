/*
 * common/utf8.c — UTF-8 validation for text received from peers (utf8.h).
 */
#include <stdbool.h>
#include <stdint.h>

#include "utf8.h"

/* Length of the valid sequence at s (1-4), or 0 if it is not valid. */
static int
seq_len(const unsigned char *s)
{
	int n;
	uint32_t c;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and beyond U+10FFFF are not valid. */
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return 0;
	return n;
}

bool
utf8_valid(const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	int k;

	for (; *s != '\0'; s += k)
		if ((k = seq_len(s)) == 0)
			return false;
	return true;
}

char *
utf8_clean(char *dst, size_t n, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0;

	if (n == 0)
		return dst;
	while (*s != '\0') {
		int k = seq_len(s);
		if (k == 0 || (k == 1 && (*s < 0x20 || *s == 0x7f))) {
			if (o + 1 >= n)
				break;
			dst[o++] = '?';
			s++;
			continue;
		}
		if (o + (size_t)k >= n)
			break;
		for (int i = 0; i < k; i++)
			dst[o++] = (char)s[i];
		s += k;
	}
	dst[o] = '\0';
	return dst;
}
