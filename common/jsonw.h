/*
 * common/jsonw.h — a JSON text writer: objects, arrays, keys and scalars
 * appended to one growing buffer, compact, in the order they are written.
 *
 * It writes what jansson's json_dumps(JSON_COMPACT) writes of the same
 * values: strings escaped alike (\" \\ \b \f \n \r \t, other control
 * characters as \u00XX, the rest as is), integers as "%lld". A string that
 * is not valid UTF-8 is written as proto_text() makes it (shared/proto.h):
 * each invalid byte and each control character becomes '?'.
 *
 * The writer puts the commas; it does not check that keys and values
 * alternate: its caller writes a well-formed document. Out of memory, the
 * writer stops writing and jsonw_take() says so.
 */
#ifndef COMMON_JSONW_H
#define COMMON_JSONW_H

#include <stdbool.h>
#include <stddef.h>

struct jsonw {
	char *p;      /* owned: the text, NUL-terminated once taken */
	size_t n;     /* bytes written */
	size_t cap;   /* bytes allocated (0 once failed) */
	bool comma;   /* a value ends the text: the next one needs a ',' */
	bool failed;  /* out of memory: nothing more is written */
};

/* An empty writer; hint: the bytes to allocate at the first write (0: a
 * small buffer), the text's size when it is known roughly. */
void jsonw_init(struct jsonw *w, size_t hint);
/* Frees what w holds (after jsonw_take(), nothing). */
void jsonw_fini(struct jsonw *w);
/* The text written (NUL-terminated, *len bytes without the NUL); a new
 * buffer, free it with free(). NULL when memory ran out on the way (or
 * nothing was written); *len is written only on success. w is left
 * empty. */
char *jsonw_take(struct jsonw *w, size_t *len);

/* len bytes as they are: no comma, no escaping (a frame's header). */
void jsonw_raw(struct jsonw *w, const void *buf, size_t len);

void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);

/* An object's key; the value written next is its value. */
void jsonw_key(struct jsonw *w, const char *k);
/* s as a JSON string; NULL: null. */
void jsonw_str(struct jsonw *w, const char *s);
void jsonw_int(struct jsonw *w, long long v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);

/* key and value at once: the shapes a row is made of. */
void jsonw_kstr(struct jsonw *w, const char *k, const char *s);
void jsonw_kint(struct jsonw *w, const char *k, long long v);
void jsonw_kbool(struct jsonw *w, const char *k, bool v);
/* v, or null when v < 0 (an unknown count or size). */
void jsonw_kcount(struct jsonw *w, const char *k, long long v);

#endif
