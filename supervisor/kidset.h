/*
 * supervisor/kidset.h — a set of a group's children by index, as bits:
 * which of them may have work for the group's step (engine.c), so that a
 * step in a group of 10,000 looks at the few that do, not at all of
 * them. Finding the next member costs one word per 64 children.
 */
#ifndef SUPD_KIDSET_H
#define SUPD_KIDSET_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define KIDSET_WORDS(n) (((size_t)(n) + 63) / 64)

/* Every one of n children in s (a superset is always safe). */
static inline void
kidset_fill(uint64_t *s, int n)
{
	memset(s, 0xff, KIDSET_WORDS(n > 0 ? n : 1) * sizeof(*s));
}

/* A set for n children, all in it; NULL when out of memory. Freed with
 * free(). */
static inline uint64_t *
kidset_new(int n)
{
	uint64_t *s = malloc(KIDSET_WORDS(n > 0 ? n : 1) * sizeof(*s));

	if (s != NULL)
		kidset_fill(s, n);
	return s;
}

static inline void
kidset_add(uint64_t *s, int i)
{
	s[i / 64] |= UINT64_C(1) << (i % 64);
}

static inline void
kidset_del(uint64_t *s, int i)
{
	s[i / 64] &= ~(UINT64_C(1) << (i % 64));
}

/* The first member at or after i, below n; -1 when none. */
static inline int
kidset_next(const uint64_t *s, int n, int i)
{
	if (i < 0)
		i = 0;
	while (i < n) {
		uint64_t w = s[i / 64] >> (i % 64);
		if (w != 0) {
			i += __builtin_ctzll(w);
			return i < n ? i : -1;
		}
		i = (i / 64 + 1) * 64;
	}
	return -1;
}

/* The last member at or before i; -1 when none. */
static inline int
kidset_prev(const uint64_t *s, int i)
{
	while (i >= 0) {
		uint64_t w = s[i / 64] << (63 - i % 64);
		if (w != 0)
			return i - __builtin_clzll(w);
		i = (i / 64) * 64 - 1;
	}
	return -1;
}

#endif
