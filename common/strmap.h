/*
 * common/strmap.h — an index of strings: open addressing, linear probing,
 * grown to stay at most half full. Keys and values are borrowed: the
 * caller keeps each key alive and unchanged while it is in the map.
 *
 * For lookups by name that must not cost a scan: the config's sections
 * and supd's nodes.
 */
#ifndef COMMON_STRMAP_H
#define COMMON_STRMAP_H

#include <stddef.h>

struct strmap {
	const char **keys; /* NULL: an empty slot */
	void **vals;
	size_t cap;	   /* 0 or a power of two */
	size_t n;
};

/* key's value, or NULL. */
void *strmap_get(const struct strmap *m, const char *key);

/* Adds key (or sets its value when it is there). 0, or -1 with errno
 * ENOMEM (the map is unchanged). */
int strmap_put(struct strmap *m, const char *key, void *val);

void strmap_free(struct strmap *m);

#endif
