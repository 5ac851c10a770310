/*
 * shared/config_listen.c — the listening sockets supd holds for a worker
 * and passes to it as systemd's socket activation does (supd(8), SOCKET
 * HANDOFF):
 *
 *   listen      = tcp:127.0.0.1:8080 tcp:[::1]:8080 unix:app.sock
 *   listen_name = http http6 admin
 *
 * listen is repeatable and takes several addresses a line; the sockets
 * are the child's fds 3, 4, ... in that order. tcp:PORT and tcp::PORT
 * are loopback, tcp:*:PORT every address (0.0.0.0); addresses are IP
 * literals, never names. unix:PATH is relative to the config file's
 * directory. listen_name gives each socket its LISTEN_FDNAMES entry (one
 * name per socket, in order); the default is the worker's name.
 *
 * One socket belongs to one worker (a pool's instances share it): the
 * same address in two workers is an error here, before any bind.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "common/mem.h"
#include "config_parse.h"

#define TCP_HINT "tcp:ADDRESS:PORT (like tcp:127.0.0.1:8080, tcp:[::1]:8080 " \
	"or tcp:*:8080) or unix:PATH"

/* The address written normalized ("::1", not "0:0::1"), so that one
 * socket has one key. */
static void
addr_normalize(struct hostport *hp)
{
	unsigned char bin[16];
	char buf[HOSTPORT_ADDR_MAX];
	int af = hp->v6 ? AF_INET6 : AF_INET;

	if (inet_pton(af, hp->addr, bin) == 1 &&
	    inet_ntop(af, bin, buf, sizeof(buf)) != NULL)
		snprintf(hp->addr, sizeof(hp->addr), "%s", buf);
}

static bool
tcp_parse(struct parser *p, const char *k, const char *word,
    struct cfg_listen *l)
{
	const char *rest = word + 4, *why;
	char buf[HOSTPORT_TEXT_MAX + 16], hp[HOSTPORT_TEXT_MAX];

	/* tcp:*:PORT: every IPv4 address, as 0.0.0.0 says. */
	if (rest[0] == '*' && rest[1] == ':')
		snprintf(buf, sizeof(buf), "0.0.0.0%s", rest + 1);
	else
		snprintf(buf, sizeof(buf), "%s", rest);
	if (hostport_parse(buf, &l->tcp, &why) != SUP_OK) {
		cfg_err(p, p->line, k, "\"%s\" is not %s: %s", word, TCP_HINT,
		    why);
		return false;
	}
	if (l->tcp.port == 0) {
		cfg_err(p, p->line, k, "\"%s\": the port must be from 1 to "
		    "65535 (a socket restarted children find again)", word);
		return false;
	}
	addr_normalize(&l->tcp);
	l->kind = LISTEN_TCP;
	snprintf(buf, sizeof(buf), "tcp:%s", hostport_format(&l->tcp, hp,
	    sizeof(hp)));
	l->key = xstrdup(buf);
	return true;
}

static bool
unix_parse(struct parser *p, const char *k, const char *word,
    struct cfg_listen *l)
{
	const char *rest = word + 5;
	size_t len;
	char *path;

	if (rest[0] == '\0' || rest[0] == '@') {
		cfg_err(p, p->line, k, "\"%s\": %s", word, rest[0] == '\0' ?
		    "no path after unix: (like unix:/run/app.sock)" :
		    "abstract sockets are not supported: give a path");
		return false;
	}
	if (rest[strlen(rest) - 1] == '/') {
		cfg_err(p, p->line, k, "\"%s\": the path names a directory, "
		    "not a socket", word);
		return false;
	}
	if ((path = cfg_path_join(p->c->dir, rest)) == NULL) {
		cfg_err(p, p->line, NULL, "out of memory");
		exit(1);
	}
	len = strlen(path);
	if (len >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		cfg_err(p, p->line, k, "\"%s\": the path is longer than a "
		    "socket's 107 bytes", word);
		free(path);
		return false;
	}
	l->kind = LISTEN_UNIX;
	l->path = path;
	l->key = xcalloc(len + 6, 1);
	snprintf(l->key, len + 6, "unix:%s", path);
	return true;
}

void
cfg_set_listen(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	struct cfg_worker *w = s->worker;
	char *copy = xstrdup(v), *save = NULL, *word;
	struct cfg_listen l;
	bool ok;

	for (word = strtok_r(copy, " \t", &save); word != NULL;
	    word = strtok_r(NULL, " \t", &save)) {
		l = (struct cfg_listen){.line = p->line};
		if (w->nlisten == CFG_LISTEN_MAX) {
			cfg_err(p, p->line, k, "more than %d sockets for one "
			    "worker", CFG_LISTEN_MAX);
			break;
		}
		if (strncmp(word, "tcp:", 4) == 0)
			ok = tcp_parse(p, k, word, &l);
		else if (strncmp(word, "unix:", 5) == 0)
			ok = unix_parse(p, k, word, &l);
		else {
			cfg_err(p, p->line, k, "\"%s\" is not %s", word,
			    TCP_HINT);
			ok = false;
		}
		if (!ok)
			break;
		w->listen = xrealloc(w->listen, (size_t)w->nlisten + 1,
		    sizeof(*w->listen));
		w->listen[w->nlisten++] = l;
	}
	free(copy);
}

/* Printable ASCII but ':' (LISTEN_FDNAMES' separator) and blanks. */
static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CFG_LISTEN_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~' || *s == ':')
			return false;
	return true;
}

void
cfg_set_listen_name(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	struct cfg_worker *w = s->worker;
	char *copy = xstrdup(v), *save = NULL, *word;

	w->listen_name_line = p->line;
	for (word = strtok_r(copy, " \t", &save); word != NULL;
	    word = strtok_r(NULL, " \t", &save)) {
		if (!name_ok(word)) {
			cfg_err(p, p->line, k, "\"%s\" is not a socket name "
			    "(1 to %d printable characters, no ':')", word,
			    CFG_LISTEN_NAME_MAX);
			break;
		}
		if (w->nlisten_names == CFG_LISTEN_MAX) {
			cfg_err(p, p->line, k, "more than %d names",
			    CFG_LISTEN_MAX);
			break;
		}
		w->listen_names = xrealloc(w->listen_names,
		    (size_t)w->nlisten_names + 1, sizeof(char *));
		w->listen_names[w->nlisten_names++] = xstrdup(word);
	}
	free(copy);
}

/* Each socket gets its name: listen_name's, in order, or the worker's. */
void
cfg_listen_finish(struct parser *p, struct cfg_worker *w)
{
	if (w->nlisten_names > 0 && w->nlisten_names != w->nlisten)
		cfg_err(p, w->listen_name_line, "listen_name", "%d name%s for "
		    "%d socket%s: give one name per listen address, in order",
		    w->nlisten_names, w->nlisten_names == 1 ? "" : "s",
		    w->nlisten, w->nlisten == 1 ? "" : "s");
	for (int i = 0; i < w->nlisten; i++)
		w->listen[i].name = xstrdup(i < w->nlisten_names ?
		    w->listen_names[i] : w->name);
	for (int i = 0; i < w->nlisten_names; i++)
		free(w->listen_names[i]);
	free(w->listen_names);
	w->listen_names = NULL;
	w->nlisten_names = 0;
}

/* The first socket of the config before workers[i]->listen[a] with the
 * same key, and its worker in *owner; NULL when it is the first. */
static const struct cfg_listen *
listen_earlier(const struct sup_config *c, int i, int a,
    const struct cfg_worker **owner)
{
	const char *key = c->workers[i]->listen[a].key;

	for (int j = 0; j <= i; j++)
		for (int b = 0; b < (j == i ? a : c->workers[j]->nlisten); b++)
			if (strcmp(c->workers[j]->listen[b].key, key) == 0) {
				*owner = c->workers[j];
				return &c->workers[j]->listen[b];
			}
	return NULL;
}

/* One socket, one worker: the same address twice cannot be bound. */
void
cfg_listen_check(struct parser *p)
{
	const struct sup_config *c = p->c;
	const struct cfg_listen *first;
	const struct cfg_worker *owner;

	for (int i = 0; i < c->nworkers; i++)
		for (int a = 0; a < c->workers[i]->nlisten; a++)
			if ((first = listen_earlier(c, i, a, &owner)) != NULL)
				cfg_err(p, c->workers[i]->listen[a].line,
				    "listen", "%s is also [worker %s]'s (line "
				    "%d): a socket belongs to one worker (a "
				    "pool's instances share theirs)",
				    first->key, owner->name, first->line);
}

void
cfg_listen_free(struct cfg_worker *w)
{
	for (int i = 0; i < w->nlisten; i++) {
		free(w->listen[i].path);
		free(w->listen[i].key);
		free(w->listen[i].name);
	}
	free(w->listen);
	for (int i = 0; i < w->nlisten_names; i++)
		free(w->listen_names[i]);
	free(w->listen_names);
}
