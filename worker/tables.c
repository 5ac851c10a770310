/*
 * worker/tables.c — published tables, the ETS pattern: the worker writes
 * (sup_table_put, sup_table_del), any process reads (sup_table_get)
 * without calling it, also while it is busy, restarting or stopped.
 *
 * A table lives in the worker's own database. The worker's writes are
 * queued during a callback and committed when it returns, in the same
 * transaction as the checkpoint when one is due (fields.c), before the
 * callback's replies go out: a caller that got its answer finds the
 * table as that callback left it, and so does everyone after. Readers
 * keep one read-only connection per worker, and each read is one short
 * read transaction.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state/state.h"
#include "wrk.h"

#define NAME_MAX_LEN 255 /* of a table and of a key */
#define RECHECK_NS (100 * 1000000LL)

struct wrk_tabop {
	char *tab, *key; /* owned */
	void *value;	 /* owned; NULL: a delete */
	size_t len;
};

static bool
name_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strlen(s) <= NAME_MAX_LEN;
}

static sup_err
queue(sup_worker *w, const char *tab, const char *key, const void *value,
    size_t len, bool del)
{
	struct wrk_tabop *op;

	if (!name_ok(tab) || !name_ok(key) || (!del && value == NULL && len))
		return SUP_EINVAL;
	if (!pthread_equal(pthread_self(), w->thread))
		return SUP_ESTATE; /* the worker's database is its thread's */
	if (len > SUP_MAX_MSG)
		return SUP_ETOOBIG;
	if (w->ntabops == w->captabops) {
		int cap = w->captabops ? 2 * w->captabops : 16;
		void *p = realloc(w->tabops, (size_t)cap * sizeof(*op));
		if (p == NULL)
			return SUP_ENOMEM;
		w->tabops = p;
		w->captabops = cap;
	}
	op = &w->tabops[w->ntabops];
	op->tab = strdup(tab);
	op->key = strdup(key);
	op->value = del ? NULL : malloc(len ? len : 1);
	op->len = len;
	if (op->tab == NULL || op->key == NULL || (!del && op->value == NULL)) {
		free(op->tab);
		free(op->key);
		free(op->value);
		return SUP_ENOMEM;
	}
	if (len > 0)
		memcpy(op->value, value, len);
	w->ntabops++;
	return SUP_OK;
}

SUP_API sup_err
sup_table_put(sup_worker *w, const char *table, const char *key,
    const void *value, size_t len)
{
	return queue(w, table, key, value, len, false);
}

SUP_API sup_err
sup_table_del(sup_worker *w, const char *table, const char *key)
{
	return queue(w, table, key, NULL, 0, true);
}

bool
wrk_tables_pending(const sup_worker *w)
{
	return w->ntabops > 0;
}

sup_err
wrk_tables_apply(sup_worker *w)
{
	sup_err e = SUP_OK;

	for (int i = 0; i < w->ntabops && e == SUP_OK; i++) {
		struct wrk_tabop *op = &w->tabops[i];
		e = op->value == NULL ? st_wtable_del(w->db, op->tab, op->key)
				      : st_wtable_put(w->db, op->tab, op->key,
					    op->value, op->len);
	}
	return e;
}

void
wrk_tables_clear(sup_worker *w)
{
	for (int i = 0; i < w->ntabops; i++) {
		free(w->tabops[i].tab);
		free(w->tabops[i].key);
		free(w->tabops[i].value);
	}
	w->ntabops = 0;
}

void
wrk_tables_free(sup_worker *w)
{
	wrk_tables_clear(w);
	free(w->tabops);
	w->tabops = NULL;
	w->captabops = 0;
}

/* --- readers: any process (readers.c) ---------------------------------- */

SUP_API sup_err
sup_client_table_get(sup_client *c, const char *name, const char *table,
    const char *key, void **value, size_t *len)
{
	st_db *db;
	sup_err e;

	if (name == NULL || !name_ok(table) || !name_ok(key) || value == NULL ||
	    len == NULL)
		return SUP_EINVAL;
	wrk_readers_lock();
	if ((e = wrk_reader_get(c, name, RECHECK_NS, &db, NULL)) == SUP_OK) {
		e = st_wtable_get(db, table, key, value, len);
		if (e == SUP_ENOTFOUND)
			e = SUP_ENOKEY;
	}
	wrk_readers_unlock();
	return e;
}

SUP_API sup_err
sup_table_get(const char *name, const char *table, const char *key,
    void **value, size_t *len)
{
	return sup_client_table_get(NULL, name, table, key, value, len);
}
