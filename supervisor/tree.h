/*
 * supervisor/tree.h — building the tree from the config, and finding its nodes (tree.c).
 */
#ifndef SUPD_TREE_H
#define SUPD_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "node.h"
#include "sup/err.h"

struct supd;

/* Builds d->root and d->nodes from d->cfg. Returns SUP_ENOMEM or SUP_OK. */
sup_err tree_build(struct supd *d);
void tree_free(struct supd *d);
struct supd_node *tree_find(struct supd *d, const char *name);
struct supd_node *tree_by_pid(struct supd *d, pid_t pid);
/* Sets n's pid (0: none), keeping tree_by_pid's index. */
void tree_pid_set(struct supd *d, struct supd_node *n, pid_t pid);
/*
 * Resolves a name a user typed: a node, or every instance of a pool
 * ("kv" for kv.0 ... kv.N-1). Fills out (capacity cap) and returns how
 * many; 0 when nothing matches.
 */
int tree_resolve(struct supd *d, const char *name, struct supd_node **out,
    int cap);
/* The closest existing name to a mistyped one, or NULL. */
const char *tree_suggest(struct supd *d, const char *name);
/*
 * A one-line summary of the tree, for supd's service manager (STATUS=):
 * "12 running, 1 backoff, 0 failed; 3 restarts". Workers are counted by
 * state (starting, stopping and stopped only when there are some);
 * failed counts nodes in state failed (a root that gave up with
 * on_give_up = stay); restarts is the sum of the workers' restarts.
 * Writes at most n bytes to buf, NUL included.
 */
void tree_summary(const struct supd *d, char *buf, size_t n);
/* True when a is n or one of n's ancestors. */
bool tree_is_ancestor(const struct supd_node *a, const struct supd_node *n);

#endif
