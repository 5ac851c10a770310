/*
 * supervisor/dlheap.c — the tree's deadlines, earliest first (dlheap.h).
 */
#include <stdlib.h>

#include "dlheap.h"
#include "node.h"

static void
swap(struct dl_entry *a, struct dl_entry *b)
{
	struct dl_entry t = *a;

	*a = *b;
	*b = t;
}

static void
sift_up(struct dlheap *h, int i)
{
	while (i > 0 && h->v[(i - 1) / 2].at > h->v[i].at) {
		swap(&h->v[(i - 1) / 2], &h->v[i]);
		i = (i - 1) / 2;
	}
}

static void
sift_down(struct dlheap *h, int i)
{
	for (;;) {
		int l = 2 * i + 1, m = i;
		if (l < h->n && h->v[l].at < h->v[m].at)
			m = l;
		if (l + 1 < h->n && h->v[l + 1].at < h->v[m].at)
			m = l + 1;
		if (m == i)
			return;
		swap(&h->v[m], &h->v[i]);
		i = m;
	}
}

static bool
stale(const struct dl_entry *x)
{
	return x->node->deadline_ns != x->at;
}

static void
take_top(struct dlheap *h)
{
	h->v[0] = h->v[--h->n];
	sift_down(h, 0);
}

/* Every node's deadline, and nothing stale (a node has one at most). */
static void
rebuild(struct dlheap *h)
{
	h->n = 0;
	for (int i = 0; i < h->nnodes; i++)
		if (h->nodes[i]->deadline_ns != 0)
			h->v[h->n++] = (struct dl_entry){
			    h->nodes[i]->deadline_ns, h->nodes[i]};
	for (int i = h->n / 2 - 1; i >= 0; i--)
		sift_down(h, i);
}

int
dlheap_init(struct dlheap *h, struct supd_node **nodes, int nnodes)
{
	*h = (struct dlheap){.nodes = nodes, .nnodes = nnodes,
	    .cap = 2 * nnodes + 16};
	h->v = calloc((size_t)h->cap, sizeof(*h->v));
	if (h->v == NULL)
		return -1;
	rebuild(h);
	return 0;
}

void
dlheap_fini(struct dlheap *h)
{
	free(h->v);
	h->v = NULL;
	h->n = h->cap = 0;
}

void
dlheap_push(struct dlheap *h, struct supd_node *n, int64_t at)
{
	/* Full: at most nnodes are live, the rest is stale. The rebuild
	 * finds n's deadline itself. */
	if (h->n == h->cap) {
		rebuild(h);
		return;
	}
	h->v[h->n] = (struct dl_entry){at, n};
	sift_up(h, h->n++);
}

int64_t
dlheap_next(struct dlheap *h)
{
	while (h->n > 0 && stale(&h->v[0]))
		take_top(h);
	return h->n > 0 ? h->v[0].at : 0;
}

struct supd_node *
dlheap_pop_due(struct dlheap *h, int64_t now)
{
	struct supd_node *n;
	int64_t at = dlheap_next(h);

	if (at == 0 || at > now)
		return NULL;
	n = h->v[0].node;
	take_top(h);
	return n;
}
