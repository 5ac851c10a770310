/*
 * common/suggest.c — nearest-name suggestions (suggest.h).
 *
 * Optimal string alignment distance over the first 63 bytes, with three
 * rolling rows on the stack: no allocation, fine for names and keys.
 */
#include <string.h>

#include "suggest.h"

#define MAXLEN 63

static size_t
min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

size_t
suggest_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, MAXLEN), lb = strnlen(b, MAXLEN);
	size_t r0[MAXLEN + 1], r1[MAXLEN + 1], r2[MAXLEN + 1];
	size_t *pp = r0, *p = r1, *c = r2;

	for (size_t j = 0; j <= lb; j++)
		p[j] = j;
	for (size_t i = 1; i <= la; i++) {
		c[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1];
			c[j] = min3(p[j] + 1, c[j - 1] + 1, p[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < c[j])
				c[j] = pp[j - 2] + 1;
		}
		size_t *t = pp;
		pp = p;
		p = c;
		c = t;
	}
	return p[lb];
}

const char *
suggest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	size_t bestd = (size_t)-1, len = strlen(word);

	for (size_t i = 0; i < n; i++) {
		size_t d = suggest_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	if (best == NULL || bestd > 2 || bestd * 2 > len)
		return NULL;
	return best;
}
