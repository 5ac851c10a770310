/*
 * common/strmap.c — an index of strings (strmap.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* FNV-1a. */
static size_t
hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static size_t
slot(const struct strmap *m, const char *key)
{
	size_t k = hash(key) & (m->cap - 1);

	while (m->keys[k] != NULL && strcmp(m->keys[k], key) != 0)
		k = (k + 1) & (m->cap - 1);
	return k;
}

void *
strmap_get(const struct strmap *m, const char *key)
{
	size_t k;

	if (m->cap == 0)
		return NULL;
	k = slot(m, key);
	return m->keys[k] != NULL ? m->vals[k] : NULL;
}

static int
grow(struct strmap *m)
{
	struct strmap g = {.cap = m->cap ? m->cap * 2 : 16};

	g.keys = calloc(g.cap, sizeof(*g.keys));
	g.vals = calloc(g.cap, sizeof(*g.vals));
	if (g.keys == NULL || g.vals == NULL) {
		strmap_free(&g);
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i] != NULL) {
			size_t k = slot(&g, m->keys[i]);
			g.keys[k] = m->keys[i];
			g.vals[k] = m->vals[i];
		}
	g.n = m->n;
	strmap_free(m);
	*m = g;
	return 0;
}

int
strmap_put(struct strmap *m, const char *key, void *val)
{
	size_t k;

	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return -1;
	k = slot(m, key);
	if (m->keys[k] == NULL)
		m->n++;
	m->keys[k] = key;
	m->vals[k] = val;
	return 0;
}

void
strmap_free(struct strmap *m)
{
	free(m->keys);
	free(m->vals);
	*m = (struct strmap){0};
}
