/*
 * tests/unit/supervisor/logline_test.c — a child's bytes cut into lines
 * (logline.h): whole lines, a partial line held, 16 KiB pieces, and the
 * text of a stamped line.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/logline.h"

struct got {
	char *lines[16];
	size_t lens[16];
	int n;
};

static void
collect(void *arg, const char *line, size_t len)
{
	struct got *g = arg;

	cr_assert_lt(g->n, 16);
	g->lines[g->n] = strndup(line, len);
	g->lens[g->n++] = len;
}

static void
got_free(struct got *g)
{
	for (int i = 0; i < g->n; i++)
		free(g->lines[i]);
}

TestSuite(supd_logline);

Test(supd_logline, whole_lines_go_out_and_a_partial_one_waits)
{
	struct logline_part p = {0};
	struct got g = {0};

	cr_assert(logline_split(&p, "a\n\nbc\nde", 8, 5, collect, &g));
	cr_assert_eq(g.n, 3);
	cr_assert_str_eq(g.lines[0], "a");
	cr_assert_str_eq(g.lines[1], "", "an empty line is a line");
	cr_assert_str_eq(g.lines[2], "bc");
	cr_assert_eq(p.len, 2);
	cr_assert_eq(p.since_ns, 5, "when its first byte came");
	logline_split(&p, "f\ng", 3, 9, collect, &g);
	cr_assert_str_eq(g.lines[3], "def");
	cr_assert_eq(p.since_ns, 9);
	logline_flush(&p, collect, &g);
	cr_assert_str_eq(g.lines[4], "g", "the rest, at the end of its pipe");
	logline_flush(&p, collect, &g);
	cr_assert_eq(g.n, 5, "nothing more to flush");
	logline_part_fini(&p);
	got_free(&g);
}

Test(supd_logline, a_long_line_is_cut_in_pieces_of_16_KiB)
{
	size_t len = 40 * 1024;
	char *big = malloc(len + 1);
	struct logline_part p = {0};
	struct got g = {0};

	memset(big, 'x', len);
	big[len] = '\n';
	/* In two writes, the cut falling inside neither. */
	logline_split(&p, big, 1000, 1, collect, &g);
	logline_split(&p, big + 1000, len + 1 - 1000, 2, collect, &g);
	cr_assert_eq(g.n, 3);
	cr_assert_eq(g.lens[0], LOGLINE_MAX);
	cr_assert_eq(g.lens[1], LOGLINE_MAX);
	cr_assert_eq(g.lens[2], len - 2 * LOGLINE_MAX);
	cr_assert_eq(p.len, 0);
	logline_part_fini(&p);
	got_free(&g);
	free(big);
}

Test(supd_logline, a_line_of_exactly_16_KiB_is_one_line)
{
	char *big = malloc(LOGLINE_MAX + 2);
	struct logline_part p = {0};
	struct got g = {0};

	memset(big, 'y', LOGLINE_MAX);
	big[LOGLINE_MAX] = '\n';
	big[LOGLINE_MAX + 1] = 'z';
	/* Held first (a partial start), then its newline comes alone. */
	logline_split(&p, big, 10, 1, collect, &g);
	logline_split(&p, big + 10, LOGLINE_MAX - 10, 1, collect, &g);
	logline_split(&p, big + LOGLINE_MAX, 2, 1, collect, &g);
	cr_assert_eq(g.n, 1, "no empty line after a full piece");
	cr_assert_eq(g.lens[0], LOGLINE_MAX);
	cr_assert_eq(p.len, 1);
	logline_part_fini(&p);
	got_free(&g);
	free(big);
}

Test(supd_logline, the_text_of_a_stamped_line)
{
	cr_assert_str_eq(logline_text("2026-12-05T06:17:25.123Z err boom"),
	    "boom");
	cr_assert_str_eq(logline_text("2026-12-05T06:17:25.123Z out "), "");
	cr_assert_str_eq(logline_text("2026-12-05T06:17:25.123Z xyz boom"),
	    "2026-12-05T06:17:25.123Z xyz boom");
	cr_assert_str_eq(logline_text("plain"), "plain");
}
