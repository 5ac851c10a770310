/*
 * tests/unit/common/strmap_test.c — the index of names (strmap.h): every
 * key found after the map grew many times, a key put again takes its new
 * value, an absent one is NULL, and a freed map is empty and usable.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/strmap.h"

TestSuite(common_strmap);

#define N 10000

static char keys[N][16];

Test(common_strmap, ten_thousand_names_found_after_growing)
{
	struct strmap m = {0};

	for (int i = 0; i < N; i++) {
		snprintf(keys[i], sizeof(keys[i]), "w%d.%d", i / 100, i % 100);
		cr_assert_eq(strmap_put(&m, keys[i], (void *)(intptr_t)(i + 1)),
		    0);
	}
	cr_assert_eq(m.n, (size_t)N);
	cr_assert_leq(m.n * 2, m.cap, "at most half full");
	for (int i = 0; i < N; i++)
		cr_assert_eq((intptr_t)strmap_get(&m, keys[i]), i + 1, "%s",
		    keys[i]);
	cr_assert_null(strmap_get(&m, "w0"));
	cr_assert_null(strmap_get(&m, ""));
	strmap_free(&m);
}

Test(common_strmap, a_key_put_again_takes_its_new_value)
{
	struct strmap m = {0};
	char same[] = "kv";

	cr_assert_eq(strmap_put(&m, "kv", (void *)1), 0);
	cr_assert_eq(strmap_put(&m, same, (void *)2), 0); /* equal, not same */
	cr_assert_eq(m.n, 1);
	cr_assert_eq((intptr_t)strmap_get(&m, "kv"), 2);
	strmap_free(&m);
}

Test(common_strmap, an_empty_or_freed_map_finds_nothing_and_takes_more)
{
	struct strmap m = {0};

	cr_assert_null(strmap_get(&m, "a"));
	cr_assert_eq(strmap_put(&m, "a", (void *)1), 0);
	strmap_free(&m);
	cr_assert_eq(m.cap, 0);
	cr_assert_null(strmap_get(&m, "a"));
	cr_assert_eq(strmap_put(&m, "b", (void *)2), 0);
	cr_assert_eq((intptr_t)strmap_get(&m, "b"), 2);
	strmap_free(&m);
}
