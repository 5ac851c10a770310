/*
 * bench/bench.h — the clock and the median every benchmark uses.
 */
#ifndef SUP_BENCH_H
#define SUP_BENCH_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static inline int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Sorts v. */
static inline double
median_us(int64_t *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp64);
	return (double)v[n / 2] / 1000.0;
}

#endif
