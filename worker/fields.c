/*
 * worker/fields.c — the state schema at work: --name=value arguments,
 * defaults, restoring the last checkpoint, and writing checkpoints of
 * what changed (a shadow copy of each field, as last committed, tells).
 *
 * Precedence when a worker starts: the default, then the checkpointed
 * value, then the command line. Configuration given on the command line
 * wins over state; a required field must be on the command line.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/suggest.h"
#include "state/state.h"
#include "wrk.h"

static const char *const type_words[] = {
	[SUP_INT64] = "int64", [SUP_DOUBLE] = "double", [SUP_BOOL] = "bool",
	[SUP_TEXT] = "text", [SUP_BLOB] = "blob",
};

static void *
member(sup_worker *w, const struct sup_field *f)
{
	return (char *)w->state + f->offset;
}

SUP_API sup_err
sup_text_set(char **field, const char *v)
{
	char *copy = NULL;

	if (v != NULL && (copy = strdup(v)) == NULL)
		return SUP_ENOMEM;
	free(*field);
	*field = copy;
	return SUP_OK;
}

SUP_API sup_err
sup_blob_set(struct sup_blob *field, const void *data, size_t len)
{
	void *copy = NULL;

	if (len > 0) {
		if ((copy = malloc(len)) == NULL)
			return SUP_ENOMEM;
		memcpy(copy, data, len);
	}
	free(field->data);
	field->data = copy;
	field->len = len;
	return SUP_OK;
}

/* Parses text into field f. Returns NULL, or what was expected. */
static const char *
value_parse(sup_worker *w, const struct sup_field *f, const char *v)
{
	char *end;

	switch (f->type) {
	case SUP_INT64: {
		errno = 0;
		long long x = strtoll(v, &end, 10);
		if (v[0] == '\0' || *end != '\0' || errno != 0)
			return "a whole number";
		*(int64_t *)member(w, f) = x;
		return NULL;
	}
	case SUP_DOUBLE: {
		double x = strtod(v, &end);
		if (v[0] == '\0' || *end != '\0' || !isfinite(x))
			return "a number";
		*(double *)member(w, f) = x;
		return NULL;
	}
	case SUP_BOOL:
		if (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
		    strcasecmp(v, "yes") == 0)
			*(bool *)member(w, f) = true;
		else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0 ||
		    strcasecmp(v, "no") == 0)
			*(bool *)member(w, f) = false;
		else
			return "true or false";
		return NULL;
	case SUP_TEXT:
		return sup_text_set(member(w, f), v) == SUP_OK ? NULL
							 : "memory";
	case SUP_BLOB:
		return sup_blob_set(member(w, f), v, strlen(v)) == SUP_OK
		    ? NULL : "memory";
	}
	return "a known type";
}

/* Field names are C names; on the command line '-' may stand for '_'
 * (--load-ms for load_ms). */
static bool
name_eq(const char *field, const char *arg, size_t len)
{
	if (strlen(field) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (field[i] != arg[i] && !(field[i] == '_' && arg[i] == '-'))
			return false;
	return true;
}

static const struct sup_field *
field_find(const struct sup_ops *ops, const char *name, size_t len)
{
	for (size_t i = 0; i < ops->nfields; i++)
		if (name_eq(ops->fields[i].name, name, len))
			return &ops->fields[i];
	return NULL;
}

/* A checkpointed value back into its field; a type mismatch is skipped. */
static int
restore_one(void *arg, const struct st_value *v)
{
	sup_worker *w = arg;
	const struct sup_field *f = field_find(w->ops, v->name,
	    strlen(v->name));
	void *m;

	if (f == NULL || strcmp(v->type, type_words[f->type]) != 0)
		return 0; /* a field this version no longer has */
	m = member(w, f);
	switch (f->type) {
	case SUP_INT64:
		if (v->vt == ST_INT)
			*(int64_t *)m = v->i;
		break;
	case SUP_DOUBLE:
		if (v->vt == ST_REAL || v->vt == ST_INT)
			*(double *)m = v->vt == ST_REAL ? v->r : (double)v->i;
		break;
	case SUP_BOOL:
		if (v->vt == ST_INT)
			*(bool *)m = v->i != 0;
		break;
	case SUP_TEXT:
		if (v->vt == ST_TEXT || v->vt == ST_NULL)
			sup_text_set(m, v->vt == ST_TEXT ? v->p : NULL);
		break;
	case SUP_BLOB:
		if (v->vt == ST_BLOB || v->vt == ST_NULL)
			sup_blob_set(m, v->p, v->vt == ST_BLOB ? v->len : 0);
		break;
	}
	return 0;
}

static int
count_one(void *arg, const struct st_value *v)
{
	(void)v;
	(*(int *)arg)++;
	return 0;
}

static bool
defaults_apply(sup_worker *w, char *why, size_t n)
{
	for (size_t i = 0; i < w->ops->nfields; i++) {
		const struct sup_field *f = &w->ops->fields[i];
		const char *bad;
		if (f->def == NULL)
			continue;
		if ((bad = value_parse(w, f, f->def)) != NULL) {
			snprintf(why, n, "field %s: its default \"%s\" is not "
			    "%s", f->name, f->def, bad);
			return false;
		}
	}
	return true;
}

static void
unknown_option(sup_worker *w, const char *arg, size_t len, char *why,
    size_t n)
{
	const char *names[64], *hint;
	char word[96];
	size_t k = 0;

	for (size_t i = 0; i < w->ops->nfields && k < 64; i++)
		names[k++] = w->ops->fields[i].name;
	snprintf(word, sizeof(word), "%.*s", (int)len, arg);
	hint = suggest(word, names, k);
	snprintf(why, n, "unknown option --%s%s%s%s", word,
	    hint ? " (did you mean --" : "", hint ? hint : "", hint ? "?)" : "");
}

/* --name=value for each argument; notes which fields were given. */
static bool
args_apply(sup_worker *w, int argc, char **argv, bool *given, char *why,
    size_t n)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq, *bad;
		const struct sup_field *f;
		if (strncmp(a, "--", 2) != 0 || (eq = strchr(a, '=')) == NULL) {
			snprintf(why, n, "argument \"%s\": expected --FIELD=VALUE",
			    a);
			return false;
		}
		if ((f = field_find(w->ops, a + 2, (size_t)(eq - a - 2))) ==
		    NULL) {
			unknown_option(w, a + 2, (size_t)(eq - a - 2), why, n);
			return false;
		}
		if ((bad = value_parse(w, f, eq + 1)) != NULL) {
			snprintf(why, n, "field %s: \"%s\" is not %s", f->name,
			    eq + 1, bad);
			return false;
		}
		given[f - w->ops->fields] = true;
	}
	return true;
}

bool
wrk_fields_load(sup_worker *w, int argc, char **argv, bool *recovered,
    char *why, size_t n)
{
	bool given[256] = {false};
	int rows = 0;

	*recovered = false;
	if (w->ops->nfields > 256) {
		snprintf(why, n, "more than 256 fields");
		return false;
	}
	w->shadow = calloc(w->ops->nfields ? w->ops->nfields : 1,
	    sizeof(*w->shadow));
	if (w->shadow == NULL) {
		snprintf(why, n, "out of memory");
		return false;
	}
	if (!defaults_apply(w, why, n))
		return false;
	if (w->db != NULL && st_wfields_each(w->db, count_one, &rows) ==
	    SUP_OK && rows > 0) {
		st_wfields_each(w->db, restore_one, w);
		*recovered = true;
	}
	if (!args_apply(w, argc, argv, given, why, n))
		return false;
	for (size_t i = 0; i < w->ops->nfields; i++)
		if ((w->ops->fields[i].flags & SUP_REQUIRED) && !given[i]) {
			snprintf(why, n, "field %s is required: give it as "
			    "--%s=%s", w->ops->fields[i].name,
			    w->ops->fields[i].name,
			    type_words[w->ops->fields[i].type]);
			return false;
		}
	return true;
}

/* The st_value of field f as it is now. */
static void
value_of(sup_worker *w, const struct sup_field *f, struct st_value *v)
{
	void *m = member(w, f);

	memset(v, 0, sizeof(*v));
	v->name = f->name;
	v->type = type_words[f->type];
	switch (f->type) {
	case SUP_INT64:
		v->vt = ST_INT;
		v->i = *(int64_t *)m;
		break;
	case SUP_DOUBLE:
		v->vt = ST_REAL;
		v->r = *(double *)m;
		break;
	case SUP_BOOL:
		v->vt = ST_INT;
		v->i = *(bool *)m;
		break;
	case SUP_TEXT:
		v->p = *(char **)m;
		v->vt = v->p ? ST_TEXT : ST_NULL;
		v->len = v->p ? strlen(v->p) + 1 : 0;
		break;
	case SUP_BLOB:
		v->p = ((struct sup_blob *)m)->data;
		v->len = ((struct sup_blob *)m)->len;
		v->vt = v->len ? ST_BLOB : ST_NULL;
		break;
	}
}

static bool
shadow_differs(const struct wrk_shadow *s, const struct st_value *v)
{
	if (!s->valid)
		return true;
	switch (v->vt) {
	case ST_INT:
		return s->i != v->i;
	case ST_REAL:
		return memcmp(&s->r, &v->r, sizeof(double)) != 0;
	case ST_TEXT:
	case ST_BLOB:
		return s->len != v->len || s->p == NULL ||
		    memcmp(s->p, v->p, v->len) != 0;
	case ST_NULL:
	default:
		return s->len != 0 || s->p != NULL;
	}
}

static bool
shadow_take(struct wrk_shadow *s, const struct st_value *v)
{
	void *copy = NULL;

	if ((v->vt == ST_TEXT || v->vt == ST_BLOB) && v->len > 0) {
		if ((copy = malloc(v->len)) == NULL)
			return false;
		memcpy(copy, v->p, v->len);
	}
	free(s->p);
	s->p = copy;
	s->len = copy ? v->len : 0;
	s->i = v->i;
	s->r = v->r;
	s->valid = true;
	return true;
}

bool
wrk_fields_changed(sup_worker *w)
{
	struct st_value v;

	for (size_t i = 0; i < w->ops->nfields; i++) {
		value_of(w, &w->ops->fields[i], &v);
		if (shadow_differs(&w->shadow[i], &v))
			return true;
	}
	return false;
}

sup_err
wrk_commit(sup_worker *w, bool fields)
{
	struct st_value v[256];
	int n = 0, ntab;
	int64_t t0;
	sup_err e;

	if (w->db == NULL)
		return SUP_ECLOSED;
	for (size_t i = 0; fields && i < w->ops->nfields; i++) {
		value_of(w, &w->ops->fields[i], &v[n]);
		if (shadow_differs(&w->shadow[i], &v[n]))
			n++;
	}
	if (n == 0 && !wrk_tables_pending(w))
		return SUP_OK;
	t0 = wrk_telemetry_on() ? wrk_now_ns() : 0;
	ntab = w->ntabops;
	if ((e = st_begin(w->db)) != SUP_OK)
		return e;
	if ((e = wrk_tables_apply(w)) != SUP_OK ||
	    (n > 0 && (e = st_wfields_put(w->db, v, n)) != SUP_OK) ||
	    (e = st_commit(w->db)) != SUP_OK) {
		st_rollback(w->db);
		return e;
	}
	wrk_tables_clear(w);
	if (t0 != 0) {
		struct sup_measure m[3] = {
			{"duration_us", (double)(wrk_now_ns() - t0) / 1000.0},
			{"fields", n}, {"table_writes", ntab}};
		sup_telemetry_emit("checkpoint", m, 3, NULL, 0);
	}
	if (n == 0)
		return SUP_OK;
	/* Committed: what the shadow holds is now what the database has. */
	for (size_t i = 0; i < w->ops->nfields; i++) {
		value_of(w, &w->ops->fields[i], &v[0]);
		if (shadow_differs(&w->shadow[i], &v[0]) &&
		    !shadow_take(&w->shadow[i], &v[0]))
			w->shadow[i].valid = false; /* written again next time */
	}
	return SUP_OK;
}

void
wrk_fields_free(sup_worker *w)
{
	for (size_t i = 0; i < w->ops->nfields; i++) {
		const struct sup_field *f = &w->ops->fields[i];
		if (f->type == SUP_TEXT)
			sup_text_set(member(w, f), NULL);
		else if (f->type == SUP_BLOB)
			sup_blob_set(member(w, f), NULL, 0);
		if (w->shadow != NULL)
			free(w->shadow[i].p);
	}
	free(w->shadow);
	w->shadow = NULL;
}

/* --- checkpoints ---------------------------------------------------- */

void
wrk_db_why(sup_worker *w, const char *what, sup_err e, char *buf, size_t n)
{
	char who[96] = "";

	if (st_err_busy(e))
		st_who_locks(w->db_path, who, sizeof(who));
	snprintf(buf, n, "cannot %s: %s%s", what, sup_strerror(e), who);
}

SUP_API sup_err
sup_checkpoint_commit(sup_worker *w)
{
	sup_err e = wrk_commit(w, true);
	char why[160];

	if (e != SUP_OK && !w->checkpoint_failed) {
		wrk_db_why(w, "checkpoint", e, why, sizeof(why));
		wrk_log(w, "%s", why);
		w->checkpoint_failed = true;
	} else if (e == SUP_OK) {
		w->checkpoint_failed = false;
	}
	return e;
}

sup_err
wrk_checkpoint_now(sup_worker *w)
{
	return wrk_fields_changed(w) || wrk_tables_pending(w) ?
	    sup_checkpoint_commit(w) : SUP_OK;
}
