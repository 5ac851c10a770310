/*
 * tests/unit/common/suggest_test.c — "did you mean ...?" (suggest.h).
 */
#include <criterion/criterion.h>

#include "common/suggest.h"

TestSuite(common_suggest);

static const char *const worker_keys[] = {"group", "command", "restart",
    "instances", "ready", "start_timeout", "shutdown", "stop_signal",
    "backoff", "backoff_reset", "directory", "user", "env", "stdout"};
static const char *const group_keys[] = {"parent", "strategy", "intensity",
    "period", "shutdown", "backoff", "backoff_reset"};
static const char *const names[] = {"kv", "db", "web", "backend"};

#define N(a) (sizeof(a) / sizeof(a[0]))

Test(common_suggest, a_transposition_is_suggested)
{
	const char *s = suggest("restrat", worker_keys, N(worker_keys));

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "restart");
}

Test(common_suggest, a_missing_letter_is_suggested)
{
	const char *s = suggest("stratgy", group_keys, N(group_keys));

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "strategy");
}

Test(common_suggest, an_extra_letter_in_a_short_name_is_suggested)
{
	const char *s = suggest("kvv", names, N(names));

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "kv");
}

Test(common_suggest, a_wrong_letter_is_suggested)
{
	const char *s = suggest("stdoat", worker_keys, N(worker_keys));

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "stdout");
}

Test(common_suggest, the_closest_candidate_wins)
{
	static const char *const strategies[] = {"one_for_one", "one_for_all",
	    "rest_for_one"};
	const char *s = suggest("one_for_al", strategies, N(strategies));

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "one_for_all");
	s = suggest("rest_for_on", strategies, N(strategies));
	cr_assert_not_null(s);
	cr_assert_str_eq(s, "rest_for_one");
}

Test(common_suggest, the_result_is_one_of_the_candidates)
{
	const char *s = suggest("restrat", worker_keys, N(worker_keys));

	cr_assert_eq(s, worker_keys[2], "suggest must borrow, not copy");
}

Test(common_suggest, an_exact_match_is_returned)
{
	const char *s = suggest("backoff", worker_keys, N(worker_keys));

	cr_assert_not_null(s);
	cr_assert_str_eq(s, "backoff");
}

Test(common_suggest, far_words_are_not_suggested)
{
	cr_assert_null(suggest("banana", worker_keys, N(worker_keys)));
	cr_assert_null(suggest("frobnicate", group_keys, N(group_keys)));
	cr_assert_null(suggest("restartxyz", worker_keys, N(worker_keys)));
}

Test(common_suggest, more_than_half_the_word_changed_is_not_a_typo)
{
	/* Two edits, but "xy" has only two letters. */
	cr_assert_null(suggest("xy", names, N(names)));
	/* One edit in a two-letter word is still a likely typo. */
	cr_assert_not_null(suggest("kw", names, N(names)));
}

Test(common_suggest, an_empty_candidate_list_suggests_nothing)
{
	cr_assert_null(suggest("restart", NULL, 0));
	cr_assert_null(suggest("restart", worker_keys, 0));
}

Test(common_suggest, distance_counts_each_kind_of_edit_once)
{
	cr_assert_eq(suggest_distance("restart", "restart"), 0);
	/* A transposition, an insertion, a deletion, a substitution. */
	cr_assert_eq(suggest_distance("restrat", "restart"), 1);
	cr_assert_eq(suggest_distance("stratgy", "strategy"), 1);
	cr_assert_eq(suggest_distance("kvv", "kv"), 1);
	cr_assert_eq(suggest_distance("kv", "kw"), 1);
	cr_assert_eq(suggest_distance("kitten", "sitting"), 3);
	cr_assert_eq(suggest_distance("", "abc"), 3);
	cr_assert_eq(suggest_distance("abc", ""), 3);
}

Test(common_suggest, distance_is_symmetric)
{
	cr_assert_eq(suggest_distance("backoff_reset", "backof_rest"),
	    suggest_distance("backof_rest", "backoff_reset"));
	cr_assert_eq(suggest_distance("ab", "ba"), suggest_distance("ba",
	    "ab"));
}
