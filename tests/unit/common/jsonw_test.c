/*
 * tests/unit/common/jsonw_test.c — the JSON text writer (jsonw.h) writes
 * what jansson wrote before it: every string as json_dumps() writes
 * proto_text() of it (every string of one and two bytes, and the nasty
 * ones: quotes, backslashes, control characters, invalid, overlong and
 * surrogate UTF-8), integers as "%lld", structure with its commas; and
 * it fails cleanly when memory runs out.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonw.h"
#include "shared/proto.h"

TestSuite(common_jsonw);

/* What jsonw writes of s, as a new string. */
static char *
written(const char *s)
{
	struct jsonw w;
	size_t len;
	char *t;

	jsonw_init(&w, 0);
	jsonw_str(&w, s);
	t = jsonw_take(&w, &len);
	cr_assert_not_null(t);
	cr_assert_eq(strlen(t), len);
	return t;
}

/* What the status wrote of s before: proto_text(s), dumped compact. */
static char *
jansson_wrote(const char *s)
{
	json_t *j = proto_text(s);
	char *t = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(j);
	cr_assert_not_null(t);
	return t;
}

static void
same_as_before(const char *s)
{
	char *a = written(s), *b = jansson_wrote(s);

	cr_assert_str_eq(a, b, "string of %zu bytes", strlen(s));
	free(a);
	free(b);
}

Test(common_jsonw, every_string_of_one_or_two_bytes_is_written_as_before)
{
	char s[3] = {0};

	for (int a = 1; a < 256; a++) {
		s[0] = (char)a;
		s[1] = '\0';
		same_as_before(s);
		for (int b = 1; b < 256; b++) {
			s[1] = (char)b;
			same_as_before(s);
		}
	}
}

Test(common_jsonw, nasty_strings_are_written_as_before)
{
	static const char *const nasty[] = {
	    "", "plain", "a\"b\\c/d", "tab\there\nnew\rcr\bbs\fff",
	    "\x01\x02\x1b[31mred\x1b[0m\x1f\x7f",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", /* é € 😀 */
	    "bad \xff byte", "cut \xc3", "cut \xe2\x82", "cut \xf0\x9f\x98",
	    "overlong \xc0\xaf \xe0\x80\xaf \xf0\x80\x80\xaf",
	    "surrogate \xed\xa0\x80", "past max \xf4\x90\x80\x80",
	    "max \xf4\x8f\xbf\xbf", "lone \x80\xbf continuation",
	    "invalid and \"quoted\" \\ with \t control \xfe",
	};
	char big[1200];

	for (size_t i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++)
		same_as_before(nasty[i]);
	/* Longer than the writer's stack buffer for cleaning. */
	for (size_t i = 0; i + 1 < sizeof(big); i++)
		big[i] = (char)(i % 7 == 0 ? 0xc3 : i % 5 == 0 ? '"' : i %
		    11 == 0 ? '\n' : 'a' + (int)(i % 26));
	big[sizeof(big) - 1] = '\0';
	same_as_before(big);
	big[0] = 'x'; /* and valid */
	for (size_t i = 0; i + 1 < sizeof(big); i++)
		if (big[i] == (char)0xc3)
			big[i] = '\\';
	same_as_before(big);
}

Test(common_jsonw, random_strings_are_written_as_before)
{
	char s[24];

	srand(7);
	for (int i = 0; i < 100000; i++) {
		int n = 1 + rand() % (int)(sizeof(s) - 1);
		for (int k = 0; k < n; k++)
			s[k] = (char)(1 + rand() % 255);
		s[n] = '\0';
		same_as_before(s);
	}
}

Test(common_jsonw, integers_are_written_as_lld)
{
	static const long long v[] = {0, 1, -1, 9, 10, -10, 4096, 123456789,
	    INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
	char want[32], *t;
	struct jsonw w;
	size_t len;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		jsonw_init(&w, 0);
		jsonw_int(&w, v[i]);
		t = jsonw_take(&w, &len);
		snprintf(want, sizeof(want), "%lld", v[i]);
		cr_assert_str_eq(t, want);
		free(t);
	}
}

/* The shapes a status row is made of, against jansson's dump of the
 * same values. */
Test(common_jsonw, structure_is_written_as_jansson_writes_it)
{
	struct jsonw w;
	json_t *j = json_pack("{s:b, s:{s:i, s:n, s:[]}, s:[{s:s}, {}, [], "
	    "s, I, b], s:{}, s:[i]}", "ok", 1, "sup", "pid", 12, "note",
	    "kids", "rows", "name", "kv.0", "two", (json_int_t)-5, 0, "e",
	    "one", 1);
	char *want = json_dumps(j, JSON_COMPACT), *got;
	size_t len;

	json_decref(j);
	jsonw_init(&w, 0);
	jsonw_obj_begin(&w);
	jsonw_kbool(&w, "ok", true);
	jsonw_key(&w, "sup");
	jsonw_obj_begin(&w);
	jsonw_kint(&w, "pid", 12);
	jsonw_kcount(&w, "note", -1);
	jsonw_key(&w, "kids");
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	jsonw_key(&w, "rows");
	jsonw_arr_begin(&w);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "name", "kv.0");
	jsonw_obj_end(&w);
	jsonw_obj_begin(&w);
	jsonw_obj_end(&w);
	jsonw_arr_begin(&w);
	jsonw_arr_end(&w);
	jsonw_str(&w, "two");
	jsonw_int(&w, -5);
	jsonw_bool(&w, false);
	jsonw_arr_end(&w);
	jsonw_key(&w, "e");
	jsonw_obj_begin(&w);
	jsonw_obj_end(&w);
	jsonw_key(&w, "one");
	jsonw_arr_begin(&w);
	jsonw_int(&w, 1);
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	got = jsonw_take(&w, &len);
	cr_assert_str_eq(got, want);
	free(got);
	free(want);
}

Test(common_jsonw, a_raw_header_comes_before_the_text_as_is)
{
	struct jsonw w;
	size_t len;
	char *t;

	jsonw_init(&w, 4096);
	jsonw_raw(&w, "\x01J", 2);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "a", NULL);
	jsonw_obj_end(&w);
	t = jsonw_take(&w, &len);
	cr_assert_eq(len, 12);
	cr_assert_eq(memcmp(t, "\x01J{\"a\":null}", 13), 0);
	free(t);
	cr_assert_null(jsonw_take(&w, &len), "taken: w is empty");
}

/* Out of memory, nothing more is written and the text is refused whole,
 * never cut short. */
Test(common_jsonw, out_of_memory_refuses_the_text)
{
	struct jsonw w;
	size_t len = 99;

	jsonw_init(&w, 0);
	jsonw_obj_begin(&w);
	jsonw_raw(&w, "", SIZE_MAX / 2); /* more than can ever be had */
	cr_assert(w.failed);
	jsonw_kint(&w, "after", 1);
	jsonw_str(&w, "bad \xff and long enough to need a buffer of its own "
	    "........................................................."
	    "........................................................."
	    "........................................................."
	    "........................................................."
	    ".........................................................");
	cr_assert_eq(w.n, 1, "only the '{' from before");
	cr_assert_null(jsonw_take(&w, &len));
	cr_assert_eq(len, 99, "len is written only on success");
	jsonw_fini(&w);
#ifndef __SANITIZE_ADDRESS__
	/* A real refusal of the allocator (ASan aborts instead). */
	jsonw_init(&w, SIZE_MAX / 8);
	jsonw_str(&w, "x");
	cr_assert_null(jsonw_take(&w, &len));
#endif
}
