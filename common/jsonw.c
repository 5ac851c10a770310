/*
 * common/jsonw.c — a JSON text writer (jsonw.h).
 *
 * Invariant: w->p holds w->n bytes of text and room for one more (the
 * NUL jsonw_take() puts), or w->p is NULL and w->n is 0. Once w->failed,
 * w->cap is 0: nothing is appended again.
 *
 * Sections: the buffer; structure; scalars; key and value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "utf8.h"

#define JSONW_FIRST 256

/* --- the buffer --------------------------------------------------------- */

void
jsonw_init(struct jsonw *w, size_t hint)
{
	*w = (struct jsonw){.cap = hint};
}

void
jsonw_fini(struct jsonw *w)
{
	free(w->p);
	*w = (struct jsonw){0};
}

char *
jsonw_take(struct jsonw *w, size_t *len)
{
	char *p = w->p;

	if (w->failed || p == NULL) {
		jsonw_fini(w);
		return NULL;
	}
	p[w->n] = '\0';
	*len = w->n;
	*w = (struct jsonw){0};
	return p;
}

/* Out of memory: room() is never true again. */
static void
out_of_memory(struct jsonw *w)
{
	w->failed = true;
	w->cap = 0;
}

/* Grows the buffer for more bytes (and the NUL); false once memory ran
 * out. */
static bool
grow(struct jsonw *w, size_t more)
{
	size_t cap = w->cap > JSONW_FIRST ? w->cap : JSONW_FIRST;
	char *p;

	if (w->failed)
		return false;
	if (more >= SIZE_MAX / 4 - w->n)
		goto fail;
	while (cap <= w->n + more)
		cap *= 2;
	if ((p = realloc(w->p, cap)) == NULL)
		goto fail;
	w->p = p;
	w->cap = cap;
	return true;
fail:
	out_of_memory(w);
	return false;
}

/* Room for more bytes (and the NUL): nearly always there already. */
static inline bool
room(struct jsonw *w, size_t more)
{
	if (__builtin_expect(w->p != NULL && w->n + more < w->cap, 1))
		return true;
	return grow(w, more);
}

void
jsonw_raw(struct jsonw *w, const void *buf, size_t len)
{
	if (!room(w, len))
		return;
	memcpy(w->p + w->n, buf, len);
	w->n += len;
}

static void
put(struct jsonw *w, char c)
{
	if (room(w, 1))
		w->p[w->n++] = c;
}

/* Before a value or a key: the comma after the one before. */
static void
sep(struct jsonw *w)
{
	if (w->comma)
		put(w, ',');
	w->comma = true;
}

/* --- structure ---------------------------------------------------------- */

static void
open_with(struct jsonw *w, char c)
{
	sep(w);
	put(w, c);
	w->comma = false;
}

static void
close_with(struct jsonw *w, char c)
{
	put(w, c);
	w->comma = true;
}

void
jsonw_obj_begin(struct jsonw *w)
{
	open_with(w, '{');
}

void
jsonw_obj_end(struct jsonw *w)
{
	close_with(w, '}');
}

void
jsonw_arr_begin(struct jsonw *w)
{
	open_with(w, '[');
}

void
jsonw_arr_end(struct jsonw *w)
{
	close_with(w, ']');
}

/* --- scalars ------------------------------------------------------------ */

/* What each byte is in a string: PLAIN is written as is; ESCAPED (and
 * the NUL that ends the string) is escaped; HIGH is part of a multibyte
 * character, written as is once the whole string is known valid. */
enum { PLAIN, ESCAPED, HIGH };
static const unsigned char cls[256] = {
	[0x00 ... 0x1f] = ESCAPED, ['"'] = ESCAPED, ['\\'] = ESCAPED,
	[0x80 ... 0xff] = HIGH,
};

/* The escape of c (ESCAPED), as jansson writes it: \X or \u00XX. */
static size_t
escape(unsigned char c, char out[7])
{
	static const char hex[] = "0123456789ABCDEF";
	static const char *const named = "\"\"\\\\\bb\ff\nn\rr\tt";

	out[0] = '\\';
	for (const char *e = named; *e != '\0'; e += 2) {
		if ((unsigned char)e[0] == c) {
			out[1] = e[1];
			return 2;
		}
	}
	memcpy(out + 1, "u00", 3);
	out[4] = hex[c >> 4];
	out[5] = hex[c & 0xf];
	return 6;
}

/* s, valid UTF-8, between quotes: runs that need no escape are copied
 * whole. */
static void
quoted(struct jsonw *w, const char *s)
{
	char esc[7];
	size_t run;

	put(w, '"');
	for (;;) {
		for (run = 0; cls[(unsigned char)s[run]] != ESCAPED; run++)
			;
		jsonw_raw(w, s, run);
		if (s[run] == '\0')
			break;
		jsonw_raw(w, esc, escape((unsigned char)s[run], esc));
		s += run + 1;
	}
	put(w, '"');
}

/* s, n bytes of PLAIN, between quotes. Most strings (every key) are
 * plain ASCII: one copy. */
static void
plain(struct jsonw *w, const char *s, size_t n)
{
	if (!room(w, n + 2))
		return;
	w->p[w->n] = '"';
	memcpy(w->p + w->n + 1, s, n);
	w->p[w->n + n + 1] = '"';
	w->n += n + 2;
}

/* s, not valid UTF-8 (a path, a reason quoting one), as proto_text()
 * makes it: printable, never longer than it was. */
static void
cleaned(struct jsonw *w, const char *s)
{
	char small[256], *clean = small;
	size_t n = strlen(s) + 1;

	if (n > sizeof(small) && (clean = malloc(n)) == NULL) {
		out_of_memory(w);
		return;
	}
	quoted(w, utf8_clean(clean, n, s));
	if (clean != small)
		free(clean);
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	size_t n = 0;

	if (s == NULL) {
		jsonw_null(w);
		return;
	}
	sep(w);
	while (cls[(unsigned char)s[n]] == PLAIN)
		n++;
	if (s[n] == '\0')
		plain(w, s, n);
	else if (!utf8_valid(s + n))
		cleaned(w, s);
	else
		quoted(w, s);
}

void
jsonw_int(struct jsonw *w, long long v)
{
	char buf[24], *p = buf + sizeof(buf);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v :
	    (unsigned long long)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		*--p = '-';
	sep(w);
	jsonw_raw(w, p, (size_t)(buf + sizeof(buf) - p));
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	sep(w);
	if (v)
		jsonw_raw(w, "true", 4);
	else
		jsonw_raw(w, "false", 5);
}

void
jsonw_null(struct jsonw *w)
{
	sep(w);
	jsonw_raw(w, "null", 4);
}

/* --- key and value ------------------------------------------------------ */

void
jsonw_key(struct jsonw *w, const char *k)
{
	jsonw_str(w, k);
	put(w, ':');
	w->comma = false;
}

void
jsonw_kstr(struct jsonw *w, const char *k, const char *s)
{
	jsonw_key(w, k);
	jsonw_str(w, s);
}

void
jsonw_kint(struct jsonw *w, const char *k, long long v)
{
	jsonw_key(w, k);
	jsonw_int(w, v);
}

void
jsonw_kbool(struct jsonw *w, const char *k, bool v)
{
	jsonw_key(w, k);
	jsonw_bool(w, v);
}

void
jsonw_kcount(struct jsonw *w, const char *k, long long v)
{
	jsonw_key(w, k);
	if (v >= 0)
		jsonw_int(w, v);
	else
		jsonw_null(w);
}
