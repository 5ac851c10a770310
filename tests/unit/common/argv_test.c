/*
 * tests/unit/common/argv_test.c — shell-style splitting without a shell
 * (argv.h).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stddef.h>

#include "common/argv.h"

TestSuite(common_argv);

/*
 * Splits s and checks the words against the NULL-terminated list that
 * follows, and that the vector is NULL-terminated.
 */
static void
split_is(const char *s, ...)
{
	const char *why = NULL, *want;
	char **argv = NULL;
	int argc = -1, i = 0;
	va_list ap;
	sup_err e = argv_split(s, &argv, &argc, &why);

	cr_assert_eq(e, SUP_OK, "argv_split(%s) = %d (%s)", s, e,
	    why ? why : "");
	cr_assert_not_null(argv);
	va_start(ap, s);
	while ((want = va_arg(ap, const char *)) != NULL) {
		cr_assert_lt(i, argc, "argv_split(%s): %d words, expected more "
		    "(next: [%s])", s, argc, want);
		cr_assert_str_eq(argv[i], want, "argv_split(%s): word %d", s,
		    i);
		i++;
	}
	va_end(ap);
	cr_assert_eq(argc, i, "argv_split(%s): %d words, expected %d", s,
	    argc, i);
	cr_assert_null(argv[argc], "argv_split(%s): not NULL-terminated", s);
	argv_free(argv);
}

/* Splitting s fails with SUP_EINVAL, the given why, and no vector. */
static void
split_fails(const char *s, const char *want_why)
{
	char *sentinel[] = {NULL};
	char **argv = sentinel;
	const char *why = NULL;
	int argc = -7;
	sup_err e = argv_split(s, &argv, &argc, &why);

	cr_assert_eq(e, SUP_EINVAL, "argv_split(%s) = %d, expected SUP_EINVAL",
	    s, e);
	cr_assert_not_null(why, "argv_split(%s): no why", s);
	cr_assert_str_eq(why, want_why, "argv_split(%s)", s);
	cr_assert_eq(argv, sentinel, "argv_split(%s) returned a vector on "
	    "failure", s);
}

Test(common_argv, blanks_separate_words)
{
	split_is("a b c", "a", "b", "c", NULL);
	split_is("  a \t b\n c  ", "a", "b", "c", NULL);
	split_is("/bin/kv --capacity=1000", "/bin/kv", "--capacity=1000",
	    NULL);
}

Test(common_argv, an_empty_string_has_no_words)
{
	split_is("", NULL);
}

Test(common_argv, a_blank_string_has_no_words)
{
	split_is("   \t  ", NULL);
}

Test(common_argv, single_quotes_keep_everything_literally)
{
	split_is("'a b'", "a b", NULL);
	split_is("'a \\ \" $x `y`'", "a \\ \" $x `y`", NULL);
	split_is("'it\\'", "it\\", NULL);
}

Test(common_argv, double_quotes_keep_blanks)
{
	split_is("sh -c \"a; b\"", "sh", "-c", "a; b", NULL);
}

Test(common_argv, double_quotes_unescape_quote_backslash_dollar_backtick)
{
	split_is("\"\\\"\"", "\"", NULL);
	split_is("\"\\\\\"", "\\", NULL);
	split_is("\"\\$HOME\"", "$HOME", NULL);
	split_is("\"\\`\"", "`", NULL);
	split_is("\"say \\\"hi\\\" for \\$5\"", "say \"hi\" for $5", NULL);
}

Test(common_argv, double_quotes_keep_other_backslashes)
{
	split_is("\"a\\nb\"", "a\\nb", NULL);
	split_is("\"\\'\"", "\\'", NULL);
	split_is("\"C:\\dir\"", "C:\\dir", NULL);
}

Test(common_argv, a_backslash_outside_quotes_keeps_the_next_character)
{
	split_is("a\\ b", "a b", NULL);
	split_is("\\'x", "'x", NULL);
	split_is("\\\"x", "\"x", NULL);
	split_is("a\\\\b", "a\\b", NULL);
	split_is("\\n", "n", NULL);
}

Test(common_argv, empty_quotes_make_an_empty_word)
{
	split_is("''", "", NULL);
	split_is("a \"\" b", "a", "", "b", NULL);
}

Test(common_argv, adjacent_quoted_parts_join_into_one_word)
{
	split_is("'a'\"b\"c", "abc", NULL);
	split_is("--name='x y'", "--name=x y", NULL);
	split_is("pre\"mid dle\"'post fix' next", "premid dlepost fix",
	    "next", NULL);
}

Test(common_argv, nothing_is_expanded)
{
	split_is("echo $HOME * ~ ; a|b && c > d `e` $(f)", "echo", "$HOME",
	    "*", "~", ";", "a|b", "&&", "c", ">", "d", "`e`", "$(f)", NULL);
}

Test(common_argv, an_unbalanced_single_quote_is_an_error)
{
	split_fails("'abc", "unbalanced single quote");
	split_fails("ok 'abc", "unbalanced single quote");
	split_fails("\"a\"'", "unbalanced single quote");
}

Test(common_argv, an_unbalanced_double_quote_is_an_error)
{
	split_fails("\"abc", "unbalanced double quote");
	split_fails("sh -c \"a", "unbalanced double quote");
	split_fails("\"abc\\\"", "unbalanced double quote");
	split_fails("\"abc\\", "unbalanced double quote");
}

Test(common_argv, a_trailing_backslash_is_an_error)
{
	split_fails("abc\\", "trailing backslash");
	split_fails("\\", "trailing backslash");
}

Test(common_argv, argv_free_accepts_null)
{
	argv_free(NULL); /* must not crash */
}
