/*
 * supctl/call.c — supctl call, cast and state: talking to a
 * libsup worker directly (not through supd), and reading its last
 * checkpoint from its own database.
 *
 * call prints the reply alone on stdout, so scripts can use it; every
 * error goes to stderr with a non-zero exit: 4 no such worker, 1 down,
 * timed out or failed, 2 usage.
 */
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "state/state.h"
#include "sup/sup.h"
#include "supctl.h"

#define CALL_TIMEOUT_MS 5000

static int
call_error(const char *name, sup_err e, const char *text)
{
	switch (e) {
	case SUP_ENOTFOUND:
		ctl_say("no such worker: %s (a libsup worker that has run "
		    "under this run dir)", name);
		return PROTO_NO_CHILD;
	case SUP_EDOWN:
		ctl_say("%s is not running (or died before it answered)", name);
		return PROTO_FAILED;
	case SUP_ETIMEDOUT:
		ctl_say("%s did not answer in time", name);
		return PROTO_FAILED;
	case SUP_EFAILED:
		ctl_say("%s: %s", name, text ? text : "failed");
		return PROTO_FAILED;
	default:
		ctl_say("%s: %s", name, sup_strerror(e));
		return PROTO_FAILED;
	}
}

static void
reply_print(const void *reply, size_t rlen)
{
	fwrite(reply, 1, rlen, stdout);
	if (rlen == 0 || ((const char *)reply)[rlen - 1] != '\n')
		putchar('\n');
}

/* --all: "SHARD: reply" per shard, in shard order; the failed ones on
 * stderr. Exit 1 when one failed, 4 when the pool is unknown. */
static int
call_all(sup_client *c, const char *pool, const char *msg, int64_t t)
{
	struct sup_mreply *r;
	int n, code = PROTO_OK;
	sup_err e = sup_client_pool_multicall(c, pool, msg, strlen(msg), &r,
	    &n, t);

	if (r == NULL)
		return call_error(pool, e, NULL);
	for (int i = 0; i < n; i++) {
		if (r[i].err == SUP_OK) {
			printf("%s: ", r[i].name);
			reply_print(r[i].reply, r[i].len);
		} else {
			fflush(stdout);
			call_error(r[i].name, r[i].err, r[i].reply);
			code = PROTO_FAILED;
		}
	}
	sup_mreplies_free(r, n);
	return code;
}

/* One call or cast, through c: to NAME, or to the shard of --key. */
static int
call_one(sup_client *c, const struct ctl_opts *o, bool cast, char **argv,
    int64_t t)
{
	char name[96];
	void *reply = NULL;
	size_t rlen = 0;
	sup_err e;
	int code;

	snprintf(name, sizeof(name), "%s", argv[0]);
	if (o->key != NULL &&
	    (e = sup_client_pool_route(c, argv[0], o->key, name,
	    sizeof(name))) != SUP_OK)
		return call_error(argv[0], e, NULL);
	if (cast)
		e = sup_client_cast(c, name, argv[1], strlen(argv[1]));
	else
		e = sup_client_call(c, name, argv[1], strlen(argv[1]), &reply,
		    &rlen, t);
	if (e == SUP_OK) {
		if (!cast)
			reply_print(reply, rlen);
		free(reply);
		return PROTO_OK;
	}
	if (cast && e == SUP_EFAILED) {
		ctl_say("%s refused the cast: a worker whose program has no "
		    "handle_cast refuses every cast", name);
		return PROTO_FAILED;
	}
	if (e == SUP_ENOTFOUND && o->key == NULL &&
	    sup_client_pool_route(c, argv[0], "", name, sizeof(name)) ==
	    SUP_OK && strcmp(name, argv[0]) != 0) {
		ctl_say("%s is a pool: call one shard with --key K (or by its "
		    "name, %s.0 ...), or every shard with --all", argv[0],
		    argv[0]);
		free(reply);
		return PROTO_NO_CHILD;
	}
	code = call_error(name, e, reply);
	free(reply);
	return code;
}

int
verb_call(struct ctl_opts *o, bool cast, int argc, char **argv)
{
	int64_t t = o->timeout_ms >= 0 ? o->timeout_ms : CALL_TIMEOUT_MS;
	static sup_client *c; /* to supctl's exit: see below */
	sup_err e;
	int code;

	if (argc != 2 || (o->key != NULL && o->all)) {
		ctl_say("usage: supctl %s NAME MESSAGE [--key K | --all]",
		    cast ? "cast" : "call");
		return PROTO_USAGE;
	}
	if (!cast && t == 0) {
		ctl_say("--timeout 0: a call needs some time for its reply");
		return PROTO_USAGE;
	}
	if (o->all && cast) {
		ctl_say("cast --all: not supported; use call --all");
		return PROTO_USAGE;
	}
	/* libsup's client of the run dir's tree (not $SUP_RUN_DIR's). It
	 * lives to supctl's exit, which takes its sockets (main.c says why
	 * supctl does not call nng_fini). */
	if (c == NULL && (e = sup_client_open(o->run_dir, &c)) != SUP_OK) {
		ctl_say("%s: %s", o->run_dir, sup_strerror(e));
		return PROTO_USAGE;
	}
	code = o->all ? call_all(c, argv[0], argv[1], t)
		      : call_one(c, o, cast, argv, t);
	return code;
}

static int
field_json(void *arg, const struct st_value *v)
{
	json_t *o = arg, *j;

	switch (v->vt) {
	case ST_INT:
		j = strcmp(v->type, "bool") == 0 ? json_boolean(v->i)
						 : json_integer(v->i);
		break;
	case ST_REAL:
		j = json_real(v->r);
		break;
	case ST_TEXT:
		j = json_string(v->p);
		break;
	case ST_BLOB: /* bytes, not text: their size */
		j = json_pack("{s:I}", "blob_size", (json_int_t)v->len);
		break;
	default:
		j = json_null();
		break;
	}
	json_object_set_new(o, v->name, j ? j : json_null());
	return 0;
}

/* A text field on one line, quoted, with C escapes for what is not
 * printable. */
static void
text_print(const char *t)
{
	putchar('"');
	for (const unsigned char *c = (const unsigned char *)t; *c; c++) {
		switch (*c) {
		case '"': fputs("\\\"", stdout); break;
		case '\\': fputs("\\\\", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		default:
			if (*c < 0x20 || *c == 0x7f)
				printf("\\x%02x", *c);
			else
				putchar(*c);
		}
	}
	putchar('"');
}

static int
field_print(void *arg, const struct st_value *v)
{
	(void)arg;
	printf("%s = ", v->name);
	switch (v->vt) {
	case ST_INT:
		if (strcmp(v->type, "bool") == 0)
			printf("%s", v->i ? "true" : "false");
		else
			printf("%" PRId64, v->i);
		break;
	case ST_REAL:
		printf("%g", v->r);
		break;
	case ST_TEXT:
		text_print(v->p);
		break;
	case ST_BLOB:
		printf("(%zu bytes)", v->len);
		break;
	default:
		printf("(none)");
		break;
	}
	printf("  (%s)\n", v->type);
	return 0;
}

static int
table_print(void *arg, const char *tab, int64_t rows)
{
	(void)arg;
	printf("table %s: %" PRId64 " key%s\n", tab, rows, rows == 1 ? "" :
	    "s");
	return 0;
}

int
verb_state(struct ctl_opts *o, int argc, char **argv)
{
	char path[PATH_MAX + 128], why[256];
	json_t *fields;
	st_db *db;
	sup_err e;
	int code;

	e = SUP_ENOTFOUND;
	if (argc != 1) {
		ctl_say("usage: supctl state NAME [--json]");
		return PROTO_USAGE;
	}
	if (ctl_run(o, false, &code) == NULL)
		return code;
	/* A worker that runs as another user owns its database: RUN, whose
	 * owner alone makes files in it, vouches for it. */
	if (!rundir_path(o->run_dir, RUN_WDB, argv[0], path, sizeof(path)) ||
	    (e = ctl_db_check(path, TRUST_ANY, &code)) != SUP_OK) {
		if (e == SUP_EREFUSED)
			return code;
		ctl_say("no checkpoint of %s (no libsup worker of that name has "
		    "run under %s)", argv[0], o->run_dir);
		return PROTO_NO_CHILD;
	}
	if ((e = st_wopen(path, true, &db, why, sizeof(why))) != SUP_OK) {
		ctl_say("cannot read %s: %s", path, why);
		return PROTO_FAILED;
	}
	fields = json_object();
	e = o->json ? st_wfields_each(db, field_json, fields)
		    : st_wfields_each(db, field_print, NULL);
	if (e == SUP_OK && !o->json)
		e = st_wtables_each(db, table_print, NULL);
	st_close(db);
	if (o->json) {
		json_dumpf(fields, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
		putchar('\n');
	}
	json_decref(fields);
	if (e != SUP_OK) {
		ctl_say("cannot read %s: %s", path, sup_strerror(e));
		return PROTO_FAILED;
	}
	return PROTO_OK;
}
