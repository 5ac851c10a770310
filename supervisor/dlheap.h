/*
 * supervisor/dlheap.h — the tree's deadlines, earliest first.
 *
 * A binary min-heap of (when, node), of fixed capacity. A deadline set
 * goes in; one cleared or changed stays behind as a stale entry (its
 * time is no longer the node's deadline_ns) and is dropped when it comes
 * to the top. So the earliest deadline costs O(1) and a set O(log n),
 * whatever the size of the tree, where a scan of every node cost O(n) at
 * every turn of the loop. When the heap is full of stale entries it is
 * built again from the nodes: the capacity is twice the tree, so that
 * happens at most once every n sets.
 */
#ifndef SUPD_DLHEAP_H
#define SUPD_DLHEAP_H

#include <stdint.h>

struct supd_node;

struct dl_entry {
	int64_t at;		/* monotonic ns */
	struct supd_node *node;	/* borrowed */
};

struct dlheap {
	struct dl_entry *v;	/* owned */
	int n, cap;
	struct supd_node **nodes; /* borrowed: every node, to build again */
	int nnodes;
};

/* -1: out of memory. */
int dlheap_init(struct dlheap *h, struct supd_node **nodes, int nnodes);
void dlheap_fini(struct dlheap *h);

/* n's deadline_ns was just set to at (nonzero). */
void dlheap_push(struct dlheap *h, struct supd_node *n, int64_t at);

/* The node whose deadline is earliest, if at most now (stale entries on
 * the way are dropped), taken out of the heap; NULL: none due. */
struct supd_node *dlheap_pop_due(struct dlheap *h, int64_t now);

/* The earliest deadline, or 0: none. */
int64_t dlheap_next(struct dlheap *h);

#endif
