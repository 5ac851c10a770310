/*
 * supervisor/sdnotify.c — decoding sd_notify datagrams (sdnotify.h).
 */
#include <stdio.h>
#include <string.h>

#include "common/utf8.h"
#include "sdnotify.h"

/* Whether line (n bytes) is key followed by '=': the value, or NULL. */
static const char *
value_of(const char *line, size_t n, const char *key)
{
	size_t k = strlen(key);

	return n > k && memcmp(line, key, k) == 0 && line[k] == '=' ?
	    line + k + 1 : NULL;
}

/* WATCHDOG_USEC=: decimal microseconds, as systemd reads them; anything
 * else is ignored as systemd ignores it. */
static void
usec_apply(struct sdn_msg *m, const char *v, size_t vn)
{
	unsigned long long u = 0;

	if (vn == 0 || vn > 19)
		return;
	for (size_t i = 0; i < vn; i++) {
		if (v[i] < '0' || v[i] > '9')
			return;
		u = u * 10 + (unsigned)(v[i] - '0');
	}
	m->has_watchdog_usec = true;
	m->watchdog_usec = u;
}

static void
line_apply(struct sdn_msg *m, const char *l, size_t n)
{
	char value[SDN_MAX + 1];
	const char *v;

	if ((v = value_of(l, n, "READY")) != NULL)
		m->ready |= n - (size_t)(v - l) == 1 && *v == '1';
	else if ((v = value_of(l, n, "STOPPING")) != NULL)
		m->stopping |= n - (size_t)(v - l) == 1 && *v == '1';
	else if ((v = value_of(l, n, "WATCHDOG")) != NULL) {
		size_t vn = n - (size_t)(v - l);
		m->watchdog |= vn == 1 && *v == '1';
		m->watchdog_trigger |= vn == 7 && memcmp(v, "trigger", 7) == 0;
	} else if ((v = value_of(l, n, "WATCHDOG_USEC")) != NULL)
		usec_apply(m, v, n - (size_t)(v - l));
	else if ((v = value_of(l, n, "STATUS")) != NULL) {
		/* Shown in JSON and logs: valid UTF-8, cut on a character. */
		snprintf(value, sizeof(value), "%.*s", (int)(n - (size_t)(v -
		    l)), v);
		utf8_clean(m->status, sizeof(m->status), value);
		m->has_status = true;
	} else if ((v = value_of(l, n, "SUP_STATUS")) != NULL) {
		static const char *const words[] = {"initializing", "ready",
		    "degraded", "ignored"};
		size_t vn = n - (size_t)(v - l);
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (vn == strlen(words[i]) && memcmp(v, words[i], vn) ==
			    0)
				snprintf(m->sup_status, sizeof(m->sup_status),
				    "%s", words[i]);
	}
}

int
sdn_parse(const char *buf, size_t len, struct sdn_msg *m)
{
	memset(m, 0, sizeof(*m));
	if (len > SDN_MAX || memchr(buf, '\0', len) != NULL)
		return -1;
	for (size_t at = 0; at < len;) {
		const char *l = buf + at, *nl = memchr(l, '\n', len - at);
		size_t n = nl ? (size_t)(nl - l) : len - at;
		line_apply(m, l, n);
		at += n + 1;
	}
	return 0;
}
