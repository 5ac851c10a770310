/*
 * tests/unit/supervisor/dlheap_test.c — the tree's deadlines, earliest
 * first: what comes out is every node's deadline as it stands, in time
 * order, whatever was set, changed or cleared before.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "supervisor/dlheap.h"
#include "supervisor/node.h"

#define N 1000

static struct supd_node nodes[N];
static struct supd_node *v[N];
static struct dlheap H;

static void
setup(void)
{
	for (int i = 0; i < N; i++) {
		nodes[i] = (struct supd_node){0};
		v[i] = &nodes[i];
	}
	cr_assert_eq(dlheap_init(&H, v, N), 0);
}

static void
teardown(void)
{
	dlheap_fini(&H);
}

static void
set(int i, int64_t at)
{
	nodes[i].deadline_ns = at;
	if (at != 0)
		dlheap_push(&H, &nodes[i], at);
}

/* Pops everything due by now and checks it against the nodes: each
 * live deadline once, in time order, and nothing else. */
static int
drain_checked(int64_t now)
{
	int64_t last = 0;
	int got = 0, want = 0;
	struct supd_node *n;

	for (int i = 0; i < N; i++)
		if (nodes[i].deadline_ns != 0 && nodes[i].deadline_ns <= now)
			want++;
	while ((n = dlheap_pop_due(&H, now)) != NULL) {
		cr_assert_neq(n->deadline_ns, 0, "a cleared deadline came out");
		cr_assert_leq(n->deadline_ns, now);
		cr_assert_geq(n->deadline_ns, last, "out of order");
		last = n->deadline_ns;
		n->deadline_ns = 0; /* as the engine does with one passed */
		got++;
	}
	cr_assert_eq(got, want);
	return got;
}

Test(dlheap, gives_the_earliest_first_and_nothing_not_yet_due,
    .init = setup, .fini = teardown)
{
	cr_assert_eq(dlheap_next(&H), 0);
	set(3, 300);
	set(1, 100);
	set(2, 200);
	cr_assert_eq(dlheap_next(&H), 100);
	cr_assert_null(dlheap_pop_due(&H, 99));
	cr_assert_eq(drain_checked(250), 2);
	cr_assert_eq(dlheap_next(&H), 300);
}

Test(dlheap, a_cleared_or_moved_deadline_is_not_given_at_its_old_time,
    .init = setup, .fini = teardown)
{
	set(1, 100);
	set(2, 200);
	nodes[1].deadline_ns = 0;	/* cleared */
	set(2, 500);			/* moved later */
	cr_assert_eq(dlheap_next(&H), 500);
	cr_assert_null(dlheap_pop_due(&H, 400));
	cr_assert_eq(dlheap_pop_due(&H, 500), &nodes[2]);
}

Test(dlheap, many_sets_past_its_capacity_keep_every_live_deadline,
    .init = setup, .fini = teardown)
{
	srand(7);
	/* 50 sets a node: 25 times the capacity, most of them stale. */
	for (int round = 0; round < 50; round++)
		for (int i = 0; i < N; i++) {
			int r = rand() % 10;
			set(i, r == 0 ? 0 : 1 + rand() % 100000);
		}
	cr_assert_leq(H.n, H.cap);
	drain_checked(50000);
	drain_checked(100000);
	cr_assert_eq(dlheap_next(&H), 0);
	for (int i = 0; i < N; i++)
		cr_assert_eq(nodes[i].deadline_ns, 0);
}
