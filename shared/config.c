/*
 * shared/config.c — loading sup.conf (config.h).
 *
 * inih does the INI tokenizing; this file owns what inih cannot know:
 * line numbers (our reader counts them), section headers (our reader sees
 * them, empty sections included, so a [worker] without keys is still
 * checked), duplicate sections, references between sections, and the
 * final validation. Key by key parsing lives in config_keys.c.
 *
 * Sections: [supervisor] (the root group and supd settings),
 * [group NAME] and [worker NAME]. Errors are collected, never fatal one
 * by one, so a user sees every problem of a file at once.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "common/mem.h"
#include "common/rundir.h"
#include "common/suggest.h"
#include "config_parse.h"

#define MAX_ERRORS 50

void
cfg_err(struct parser *p, int line, const char *key, const char *fmt, ...)
{
	char msg[768], full[1024];
	va_list ap;
	char **v;

	if (p->errs->n >= MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (key != NULL)
		snprintf(full, sizeof(full), "%s:%d: %s: %s", p->path, line,
		    key, msg);
	else if (line > 0)
		snprintf(full, sizeof(full), "%s:%d: %s", p->path, line, msg);
	else
		snprintf(full, sizeof(full), "%s: %s", p->path, msg);
	v = realloc(p->errs->msgs, (size_t)(p->errs->n + 1) * sizeof(*v));
	if (v == NULL)
		return;
	p->errs->msgs = v;
	if ((v[p->errs->n] = strdup(full)) != NULL)
		p->errs->n++;
}

void
cfg_errors_fini(struct cfg_errors *errs)
{
	for (int i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* Names: letters, digits, '_' and '-', not starting with '-'. No dots:
 * a dot separates a pool's name from its instance number (kv.3). */
static bool
name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CFG_NAME_MAX || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789_-") == n;
}

static void *
grow(void *v, int n, size_t sz)
{
	return xrealloc(v, (size_t)n + 1, sz);
}

static struct cfg_group *
group_new(struct sup_config *c, const char *name, int line)
{
	struct cfg_group *g = xcalloc(1, sizeof(*g));

	g->name = xstrdup(name);
	g->line = line;
	cfg_group_defaults(g);
	c->groups = grow(c->groups, c->ngroups, sizeof(*c->groups));
	c->groups[c->ngroups++] = g;
	return g;
}

static struct cfg_worker *
worker_new(struct sup_config *c, const char *name, int line)
{
	struct cfg_worker *w = xcalloc(1, sizeof(*w));

	w->name = xstrdup(name);
	w->line = line;
	cfg_worker_defaults(w);
	c->workers = grow(c->workers, c->nworkers, sizeof(*c->workers));
	c->workers[c->nworkers++] = w;
	return w;
}

static void
item_add(struct sup_config *c, bool is_group, void *obj)
{
	c->items = grow(c->items, c->nitems, sizeof(*c->items));
	c->items[c->nitems].is_group = is_group;
	if (is_group)
		c->items[c->nitems].u.group = obj;
	else
		c->items[c->nitems].u.worker = obj;
	c->nitems++;
}

/* A name already used by a group or worker of this file, or NULL. */
static const struct section *
sect_by_name(struct parser *p, const char *name)
{
	intptr_t i = (intptr_t)strmap_get(&p->sect_names, name);

	return i > 0 ? &p->sects[i - 1] : NULL;
}

/* Indexes the name of the section being opened (it is sects[nsects]). */
static void
sect_name_add(struct parser *p, const char *name)
{
	if (strmap_put(&p->sect_names, name, (void *)(intptr_t)(p->nsects +
	    1)) != 0) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
}

static enum sect_kind
sect_kind_parse(struct parser *p, const char *type, const char *title)
{
	static const char *const kinds[] = {"supervisor", "group", "worker"};
	const char *hint;

	for (int i = 0; i < 3; i++)
		if (strcmp(type, kinds[i]) == 0)
			return (enum sect_kind)i;
	hint = suggest(type, kinds, 3);
	cfg_err(p, p->line, NULL,
	    "[%s]: unknown section (expected [supervisor], [group NAME] or "
	    "[worker NAME]%s%s%s)",
	    title, hint ? "; did you mean " : "", hint ? hint : "",
	    hint ? "?" : "");
	return SECT_BAD;
}

/* Opens the section of a header line; s->kind is SECT_BAD when unusable. */
/* Splits a header's words: up to 3, each cut to its buffer's size. */
static int
title_words(const char *t, char *type, size_t ntype, char *name,
    size_t nname)
{
	char *w[2] = {type, name};
	size_t cap[2] = {ntype, nname};
	int n = 0;

	for (;;) {
		size_t len;
		t += strspn(t, " \t");
		if (*t == '\0')
			return n;
		len = strcspn(t, " \t");
		if (n < 2)
			snprintf(w[n], cap[n], "%.*s", (int)len, t);
		t += len;
		if (++n == 3)
			return n;
	}
}

static void
sect_open(struct parser *p, struct section *s, char *title)
{
	char type[32] = "", name[256] = "";
	const struct section *dup;
	int nw;

	nw = title_words(title, type, sizeof(type), name, sizeof(name));
	s->kind = nw >= 1 ? sect_kind_parse(p, type, title) : SECT_BAD;
	if (nw < 1)
		cfg_err(p, p->line, NULL, "[]: empty section name");
	if (s->kind == SECT_BAD)
		return;
	if (s->kind == SECT_SUPERVISOR) {
		if (nw != 1) {
			cfg_err(p, p->line, NULL,
			    "[%s]: [supervisor] takes no name", title);
		} else if (p->have_supervisor) {
			cfg_err(p, p->line, NULL,
			    "[supervisor]: duplicate section (first at line "
			    "%d)", p->c->root->line);
		} else {
			p->have_supervisor = true;
			p->c->root->line = p->line;
			s->group = p->c->root;
			return;
		}
		s->kind = SECT_BAD;
		return;
	}
	if (nw != 2) {
		cfg_err(p, p->line, NULL, "[%s]: expected [%s NAME]", title,
		    type);
	} else if (!name_valid(name)) {
		cfg_err(p, p->line, NULL,
		    "[%s]: \"%s\" is not a valid name (1 to %d letters, "
		    "digits, '_' or '-'; no dots)",
		    title, name, CFG_NAME_MAX);
	} else if (strcmp(name, "root") == 0) {
		cfg_err(p, p->line, NULL,
		    "[%s]: \"root\" is reserved for the top group", title);
	} else if ((dup = sect_by_name(p, name)) != NULL) {
		cfg_err(p, p->line, NULL,
		    "[%s]: the name %s is already used by [%s] at line %d",
		    title, name, dup->title, dup->line);
	} else if (s->kind == SECT_GROUP) {
		s->group = group_new(p->c, name, p->line);
		item_add(p->c, true, s->group);
		sect_name_add(p, s->group->name);
		return;
	} else {
		s->worker = worker_new(p->c, name, p->line);
		item_add(p->c, false, s->worker);
		sect_name_add(p, s->worker->name);
		return;
	}
	s->kind = SECT_BAD;
}

/* The reader saw a line starting with '['. */
static void
sect_header(struct parser *p, const char *line)
{
	const char *close = strchr(line, ']');
	struct section *s;
	char *title;
	size_t n;

	if (close == NULL) {
		cfg_err(p, p->line, NULL, "section header without ']'");
		p->line_bad = true;
		p->cur = NULL;
		return;
	}
	n = (size_t)(close - line - 1);
	title = xcalloc(1, n + 1);
	memcpy(title, line + 1, n);
	p->sects = grow(p->sects, p->nsects, sizeof(*p->sects));
	s = &p->sects[p->nsects];
	memset(s, 0, sizeof(*s));
	s->line = p->line;
	s->title = title;
	sect_open(p, s, title);
	p->nsects++;
	p->cur = s;
}

/* inih's fgets-like reader over the file in memory: counts lines and
 * sees headers first. */
struct reader {
	const char *buf; /* borrowed: the whole file */
	size_t len, pos;
	struct parser *p;
	bool at_start;
};

static char *
reader_gets(char *str, int num, void *stream)
{
	struct reader *r = stream;
	struct parser *p = r->p;
	const char *t, *nl;
	size_t n;

	if (r->pos >= r->len || num < 2)
		return NULL;
	/* A line, or as much of it as fits: inih grows its buffer and asks
	 * again (lines were checked against CFG_LINE_MAX before). */
	nl = memchr(r->buf + r->pos, '\n', r->len - r->pos);
	n = nl ? (size_t)(nl - (r->buf + r->pos)) + 1 : r->len - r->pos;
	if (n > (size_t)num - 1)
		n = (size_t)num - 1;
	memcpy(str, r->buf + r->pos, n);
	str[n] = '\0';
	r->pos += n;
	/* A UTF-8 byte order mark is not part of the first line. */
	if (p->line == 0 && r->at_start && memcmp(str, "\xef\xbb\xbf", 3) == 0)
		memmove(str, str + 3, strlen(str + 3) + 1);
	if (r->at_start) {
		p->line++;
		p->line_bad = false;
		free(p->raw);
		p->raw = xstrdup(str);
		t = str + strspn(str, " \t");
		if (*t == '[')
			sect_header(p, t);
		else if (*t != '\0' && strchr(";#\r\n", *t) == NULL &&
		    strpbrk(t, "=:") == NULL) {
			cfg_err(p, p->line, NULL,
			    "expected \"key = value\" or a [section] header");
			p->line_bad = true;
		}
	}
	r->at_start = n > 0 && str[n - 1] == '\n';
	return str;
}

/*
 * What inih cannot be trusted with: a NUL byte (its lines are C strings:
 * the rest of the line, and the next one with it, would vanish) and a
 * line longer than CFG_LINE_MAX. Each is an error naming its line;
 * nothing of such a file is read.
 */
static bool
text_check(struct parser *p, const char *buf, size_t len)
{
	int line = 1;
	bool ok = true;

	for (size_t at = 0; at < len; line++) {
		const char *l = buf + at, *nl = memchr(l, '\n', len - at);
		size_t n = nl ? (size_t)(nl - l) : len - at;
		if (memchr(l, '\0', n) != NULL) {
			cfg_err(p, line, NULL, "a NUL byte: this is not a text "
			    "file, or it was damaged");
			ok = false;
		}
		if (n > CFG_LINE_MAX) {
			cfg_err(p, line, NULL, "a line of %zu bytes, longer than "
			    "%d", n, CFG_LINE_MAX);
			ok = false;
		}
		at += n + 1;
	}
	return ok;
}

static int
config_line(void *user, const char *section, const char *name,
    const char *value)
{
	struct parser *p = user;

	(void)section; /* ours is p->cur: inih truncates long headers */
	if (p->line_bad)
		return 1;
	if (p->cur == NULL) {
		cfg_err(p, p->line, name,
		    "key outside of any section (put it under [supervisor], "
		    "[group NAME] or [worker NAME])");
		return 1;
	}
	if (p->cur->kind != SECT_BAD)
		cfg_key_apply(p, name, value);
	return 1;
}

struct cfg_group *
cfg_group_ref(struct parser *p, const char *name, int line, const char *key)
{
	struct sup_config *c = p->c;
	struct cfg_group *g = cfg_group_find(c, name);
	const char **names, *hint;

	if (g != NULL)
		return g;
	names = xcalloc((size_t)c->ngroups, sizeof(*names));
	for (int i = 0; i < c->ngroups; i++)
		names[i] = c->groups[i]->name;
	hint = suggest(name, names, (size_t)c->ngroups);
	cfg_err(p, line, key, "no group named \"%s\"%s%s%s", name,
	    hint ? " (did you mean " : "", hint ? hint : "", hint ? "?)" : "");
	free(names);
	return NULL;
}

static void
group_resolve(struct parser *p, struct cfg_group *g)
{
	if (g->parent_name == NULL) {
		g->parent_name = xstrdup("root");
		g->parent_line = g->line;
	}
	g->parent = cfg_group_ref(p, g->parent_name, g->parent_line, "parent");
}

/* A group whose parent chain comes back to it never reaches root. */
static void
group_check_cycle(struct parser *p, struct cfg_group *g)
{
	struct cfg_group *a = g->parent;

	for (int depth = 0; a != NULL && depth <= p->c->ngroups; depth++) {
		if (a == g) {
			cfg_err(p, g->line, "parent",
			    "group %s is its own ancestor (a cycle through "
			    "parent keys)", g->name);
			return;
		}
		a = a->parent;
	}
}

static void
config_finish(struct parser *p)
{
	struct sup_config *c = p->c;

	for (int i = 1; i < c->ngroups; i++)
		group_resolve(p, c->groups[i]);
	for (int i = 1; i < c->ngroups; i++)
		group_check_cycle(p, c->groups[i]);
	for (int i = 0; i < c->nworkers; i++)
		cfg_worker_finish(p, c->workers[i]);
	cfg_significant_check(p);
	cfg_listen_check(p);
	cfg_health_check(p);
	cfg_cgroup_check(p);
}

static void
inih_setup(void)
{
	ini_use_stack = false;	/* a heap line that grows: no 200-byte cut */
	ini_allow_realloc = true;
	ini_max_line = 1 << 20;
	ini_allow_multiline = false; /* an indented line is not a value */
	ini_allow_inline_comments = true; /* " ;" starts a comment */
	ini_stop_on_first_error = false;
}

static sup_err
parse_text(struct parser *p, const char *buf, size_t len)
{
	struct reader r = {.buf = buf, .len = len, .p = p, .at_start = true};
	int rc;

	if (!text_check(p, buf, len))
		return SUP_OK; /* the errors say it all */
	inih_setup();
	rc = ini_parse_stream(reader_gets, &r, config_line, p);
	if (rc == -2)
		return SUP_ENOMEM;
	/* rc > 0: the first line inih refused; ours already said why. */
	if (rc > 0 && p->errs->n == 0)
		cfg_err(p, rc, NULL, "syntax error");
	return SUP_OK;
}

/* The whole file, at most CFG_FILE_MAX bytes, into a new buffer. */
static sup_err
file_read(struct parser *p, const char *path, char **buf, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *b = xcalloc(1, cap);
	FILE *f = fopen(path, "re");
	size_t got;

	if (f == NULL) {
		sup_err e = SUP_ESYS | errno;
		cfg_err(p, 0, NULL, "cannot read: %s", strerror(errno));
		free(b);
		return e;
	}
	while ((got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n > CFG_FILE_MAX)
			break;
		if (n == cap)
			b = xrealloc(b, cap *= 2, 1);
	}
	if (ferror(f) || n > CFG_FILE_MAX) {
		sup_err e = ferror(f) ? SUP_ESYS | EIO : SUP_ETOOBIG;
		cfg_err(p, 0, NULL, ferror(f) ? "read error" : "larger than %d "
		    "bytes: not a config file", CFG_FILE_MAX);
		fclose(f);
		free(b);
		return e;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return SUP_OK;
}

static sup_err
config_start(struct parser *p, const char *path, const char *default_run)
{
	struct sup_config *c = xcalloc(1, sizeof(*c));
	char cwd[PATH_MAX], *slash, *dir;

	p->c = c;
	c->path = xstrdup(path);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return SUP_ESYS | errno;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	c->dir = cfg_path_join(cwd, dir);
	free(dir);
	c->run_dir = default_run ? xstrdup(default_run) : cfg_default_run_dir();
	c->root = group_new(c, "root", 0);
	c->log_max_size = CFG_LOG_MAX_SIZE;
	c->log_keep = CFG_LOG_KEEP;
	return SUP_OK;
}

sup_err
cfg_load(const char *path, const char *default_run_dir, unsigned flags,
    struct sup_config **out, struct cfg_errors *errs)
{
	struct parser p = {.path = path, .errs = errs};
	size_t len;
	char *buf;
	sup_err rv;

	errs->msgs = NULL;
	errs->n = 0;
	if ((rv = file_read(&p, path, &buf, &len)) != SUP_OK)
		return rv;
	rv = cfg_load_text(path, buf, len, default_run_dir, flags, out, errs);
	free(buf);
	return rv;
}

sup_err
cfg_load_text(const char *path, const char *buf, size_t len,
    const char *default_run_dir, unsigned flags, struct sup_config **out,
    struct cfg_errors *errs)
{
	struct parser p = {.path = path, .flags = flags, .errs = errs};
	sup_err rv;

	errs->msgs = NULL;
	errs->n = 0;
	rv = config_start(&p, path, default_run_dir);
	if (rv == SUP_OK)
		rv = parse_text(&p, buf, len);
	if (rv == SUP_OK && p.c->state_path == NULL && !p.c->state_off)
		p.c->state_path = cfg_path_join(p.c->run_dir, "state.db");
	if (rv == SUP_OK)
		config_finish(&p);
	for (int i = 0; i < p.nsects; i++) {
		free(p.sects[i].title);
		free(p.sects[i].seen);
	}
	free(p.sects);
	strmap_free(&p.sect_names);
	free(p.raw);
	if (rv == SUP_OK && errs->n > 0)
		rv = SUP_EINVAL;
	if (rv != SUP_OK) {
		cfg_free(p.c);
		return rv;
	}
	p.c->text = xcalloc(1, len + 1);
	memcpy(p.c->text, buf, len);
	p.c->text_len = len;
	*out = p.c;
	return SUP_OK;
}

static void
worker_free(struct cfg_worker *w)
{
	free(w->name);
	free(w->group_name);
	free(w->command);
	free(w->argv); /* argv_split: one allocation */
	free(w->path);
	free(w->directory);
	free(w->user);
	free(w->groups);
	free(w->home);
	free(w->shell);
	free(w->checkpoint);
	free(w->hibernate_after);
	cfg_listen_free(w);
	free(w->health);
	free(w->health_argv); /* argv_split: one allocation */
	free(w->health_path);
	for (int i = 0; i < w->nenv; i++)
		free(w->env[i]);
	free(w->env);
	free(w);
}

void
cfg_free(struct sup_config *c)
{
	if (c == NULL)
		return;
	for (int i = 0; i < c->ngroups; i++) {
		free(c->groups[i]->name);
		free(c->groups[i]->parent_name);
		free(c->groups[i]);
	}
	for (int i = 0; i < c->nworkers; i++)
		worker_free(c->workers[i]);
	free(c->groups);
	free(c->workers);
	free(c->items);
	free(c->path);
	free(c->dir);
	free(c->run_dir);
	free(c->state_path);
	free(c->text);
	free(c);
}

struct cfg_group *
cfg_group_find(const struct sup_config *c, const char *name)
{
	for (int i = 0; i < c->ngroups; i++)
		if (strcmp(c->groups[i]->name, name) == 0)
			return c->groups[i];
	return NULL;
}

char *
cfg_default_run_dir(void)
{
	char buf[PATH_MAX];

	return strdup(rundir_default(buf, sizeof(buf)));
}

char *
cfg_path_join(const char *dir, const char *path)
{
	size_t cap = strlen(dir) + strlen(path) + 3;
	char *out = malloc(cap), *o;
	char *tmp = malloc(cap), *save = NULL, *tok;

	if (out == NULL || tmp == NULL) {
		free(out);
		free(tmp);
		return NULL;
	}
	if (path[0] == '/')
		snprintf(tmp, cap, "%s", path);
	else
		snprintf(tmp, cap, "%s/%s", dir, path);
	o = out;
	*o = '\0';
	for (tok = strtok_r(tmp, "/", &save); tok != NULL;
	    tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			char *last = strrchr(out, '/');
			if (last != NULL)
				*last = '\0';
			o = out + strlen(out);
			continue;
		}
		o += sprintf(o, "/%s", tok);
	}
	if (out[0] == '\0')
		strcpy(out, "/");
	free(tmp);
	return out;
}
