/*
 * supervisor/relay.c — rewriting a worker's telemetry under the name supd
 * knows it by (relay.h).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"

/* Appends "name json\n" to *buf (*n bytes used, *cap allocated). */
static int
append(char **buf, size_t *n, size_t *cap, const char *name,
    const char *json)
{
	size_t need = strlen(name) + 1 + strlen(json) + 2;

	if (*n + need > *cap) {
		size_t c = (*cap + need) * 2;
		char *b = realloc(*buf, c);
		if (b == NULL)
			return -1;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *n, name, strlen(name));
	*n += strlen(name);
	(*buf)[(*n)++] = ' ';
	memcpy(*buf + *n, json, strlen(json));
	*n += strlen(json);
	(*buf)[(*n)++] = '\n';
	(*buf)[*n] = '\0';
	return 0;
}

/* One line (not NUL-terminated): its object, with src set to name. */
static char *
line_fix(const char *name, const char *line, size_t len)
{
	const char *sp = memchr(line, ' ', len);
	json_t *o;
	char *text;

	if (sp == NULL || sp == line)
		return NULL;
	o = json_loadb(sp + 1, len - (size_t)(sp + 1 - line),
	    JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o) ||
	    json_object_set_new(o, "src", json_string(name)) != 0) {
		json_decref(o);
		return NULL;
	}
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}

int
relay_rewrite(const char *name, const char *msg, size_t len, char **out,
    size_t *olen, int *dropped)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;

	*out = NULL;
	*dropped = 0;
	if (len > RELAY_MAX)
		len = RELAY_MAX;
	for (size_t at = 0; at < len;) {
		const char *l = msg + at, *nl = memchr(l, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - l) : len - at;
		char *fixed;

		at += ll + 1;
		if (ll == 0)
			continue;
		fixed = line_fix(name, l, ll);
		if (fixed == NULL || append(&buf, &n, &cap, name, fixed) != 0)
			(*dropped)++;
		free(fixed);
	}
	if (buf == NULL)
		return -1;
	*out = buf;
	*olen = n;
	return 0;
}
