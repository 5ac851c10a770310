/*
 * common/suggest.h — "did you mean ...?" for misspelled names and keys.
 */
#ifndef COMMON_SUGGEST_H
#define COMMON_SUGGEST_H

#include <stddef.h>

/*
 * Returns the candidate closest to word by edit distance when it is close
 * enough to be a likely typo (at most 2 edits, and at most half the
 * word's length), else NULL. Borrows everything; returns one of cands.
 */
const char *suggest(const char *word, const char *const *cands, size_t n);

/* The edit distance (insert, delete, substitute, transpose) of a and b. */
size_t suggest_distance(const char *a, const char *b);

#endif
