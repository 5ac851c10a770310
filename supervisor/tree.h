/*
 * supervisor/tree.h — building the tree from the config, and finding its nodes (tree.c).
 */
#ifndef SUPD_TREE_H
#define SUPD_TREE_H

#include <stdbool.h>
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
/* True when a is n or one of n's ancestors. */
bool tree_is_ancestor(const struct supd_node *a, const struct supd_node *n);

#endif
