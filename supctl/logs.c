/*
 * supctl/logs.c — supctl logs [NAME...] [-f] [-n N]: the children's
 * captured output (stdout = log: RUN/log/NAME.log, appended by every
 * incarnation, rotated to NAME.log.1 ...). Works whether supd runs or not.
 *
 * One child: its lines as they are. Several (no NAME: every log; a
 * pool: its instances'; several names): the last N lines of all of them
 * merged by time (logs_merge.c), each after its child's name padded to
 * the widest: "kv.0   | 2026-12-05T06:17:25.123Z out hello". With -f,
 * what every log gets, as it comes (logs_follow.c).
 *
 * RUN/log is reached through the run dir's descriptor only; a link or
 * anything but a regular file there is not read, and a file name that
 * is no child's name is printed with its odd bytes as \xHH.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/proc.h"
#include "common/rundir.h"
#include "common/suggest.h"
#include "common/utf8.h"
#include "logs.h"
#include "supctl.h"

#define LOGS_DEFAULT 50

/* --- which logs ----------------------------------------------------------- */

/* "kv.3" is an instance of pool "kv". */
static bool
instance_of(const char *name, const char *pool)
{
	size_t n = strlen(pool);

	return strncmp(name, pool, n) == 0 && name[n] == '.' &&
	    name[n + 1] != '\0' && strspn(name + n + 1, "0123456789") ==
	    strlen(name + n + 1);
}

bool
log_sel_match(const struct log_sel *s, const char *leaf, char *name,
    size_t n)
{
	size_t len = strlen(leaf);

	if (len <= 4 || len - 4 >= n || strcmp(leaf + len - 4, ".log") != 0 ||
	    leaf[0] == '.')
		return false;
	memcpy(name, leaf, len - 4);
	name[len - 4] = '\0';
	if (s->n == 0)
		return true;
	for (int i = 0; i < s->n; i++)
		if (strcmp(name, s->names[i]) == 0 ||
		    instance_of(name, s->names[i]))
			return true;
	return false;
}

int
log_open(int dir, const char *leaf)
{
	int fd = openat(dir, leaf, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

DIR *
log_dir_read(int dir)
{
	int fd = dir >= 0 ? dup(dir) : -1;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (d == NULL && fd >= 0)
		close(fd);
	/* A dup shares its offset: another reader may have left it at
	 * the end. */
	if (d != NULL)
		rewinddir(d);
	return d;
}

/* --- printing ------------------------------------------------------------- */

bool
log_stamped(const char *l, size_t len)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd.dddZ";

	if (len < LOG_STAMP_LEN || (len > LOG_STAMP_LEN &&
	    l[LOG_STAMP_LEN] != ' '))
		return false;
	for (int i = 0; i < LOG_STAMP_LEN; i++)
		if (form[i] == 'd' ? (l[i] < '0' || l[i] > '9') : l[i] != form[i])
			return false;
	return true;
}

/* name with every byte but printable ASCII (and '\') as \xHH. */
static void
name_escape(const char *name, char *buf, size_t n)
{
	size_t k = 0;

	for (const unsigned char *p = (const unsigned char *)name;
	    *p != '\0' && k + 5 < n; p++) {
		if (*p > ' ' && *p < 0x7f && *p != '\\')
			buf[k++] = (char)*p;
		else
			k += (size_t)snprintf(buf + k, n - k, "\\x%02x", *p);
	}
	buf[k] = '\0';
}

/* A JSON string of s (len bytes): as it is when it is UTF-8, else
 * cleaned. */
static json_t *
json_text(const char *s, size_t len)
{
	json_t *j = json_stringn(s, len);
	char *raw, *clean;

	if (j != NULL)
		return j;
	raw = strndup(s, len);
	clean = raw != NULL ? malloc(len * 3 + 1) : NULL;
	j = clean != NULL ? json_string(utf8_clean(clean, len * 3 + 1, raw)) :
	    NULL;
	free(raw);
	free(clean);
	return j;
}

static void
json_line(const char *name, const char *l, size_t len)
{
	bool st = log_stamped(l, len);
	size_t skip = st ? LOG_STAMP_LEN + (len > LOG_STAMP_LEN) : 0;
	json_t *j = json_pack("{s:s, s:o, s:o}", "name", name, "t", st ?
	    json_stringn(l, LOG_STAMP_LEN) : json_null(), "stream", json_null());

	/* "out " or "err " after the stamp: the stream. */
	if (st && len >= skip + 4 && (memcmp(l + skip, "out ", 4) == 0 ||
	    memcmp(l + skip, "err ", 4) == 0)) {
		json_object_set_new(j, "stream", json_stringn(l + skip, 3));
		skip += 4;
	}
	json_object_set_new(j, "line", json_text(l + skip, len - skip));
	json_dumpf(j, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(j);
}

void
log_out_fit(struct log_out *o, const char *name)
{
	char esc[LOG_NAME_MAX];
	int w;

	name_escape(name, esc, sizeof(esc));
	if ((w = (int)strlen(esc)) > o->width)
		o->width = w;
}

void
log_out_line(struct log_out *o, const char *name, const char *line,
    size_t len)
{
	char esc[LOG_NAME_MAX];

	name_escape(name, esc, sizeof(esc));
	if (o->json) {
		json_line(esc, line, len);
		return;
	}
	if (o->prefix) {
		log_out_fit(o, name);
		printf("%-*s | ", o->width, esc);
	}
	fwrite(line, 1, len, stdout);
	putchar('\n');
}

void
log_refused(const char *name)
{
	char esc[LOG_NAME_MAX];
	int e = errno;

	name_escape(name, esc, sizeof(esc));
	ctl_say("not reading log/%s.log: %s", esc, e == ELOOP ? "a symbolic "
	    "link" : e == EINVAL ? "not a regular file" : strerror(e));
}

/* --- the verb ------------------------------------------------------------- */

/* No log for name: why, with a did-you-mean among the logs there are. */
static int
no_log(struct ctl_opts *o, int dir, const char *name)
{
	struct log_sel every = {0};
	DIR *d = log_dir_read(dir);
	char leaf[CFG_NAME_MAX + 8];
	const char *cands[512];
	struct dirent *de;
	int n = 0;

	while (d != NULL && (de = readdir(d)) != NULL && n < 512)
		if (log_sel_match(&every, de->d_name, leaf, sizeof(leaf)))
			cands[n++] = strdup(leaf);
	if (d != NULL)
		closedir(d);
	ctl_say("no log for %s in %s/log (a child or pool with stdout = log "
	    "that ran)", name, o->run_dir);
	const char *s = suggest(name, cands, (size_t)n);
	if (s != NULL)
		ctl_say("did you mean %s?", s);
	for (int i = 0; i < n; i++)
		free((char *)cands[i]);
	return PROTO_NO_CHILD;
}

/* Whether RUN/log holds a log of name: its own (a file, not a link: else
 * *bad, and said why), or its instances'. */
static bool
log_exists(int dir, const char *name, bool *single, bool *bad)
{
	struct log_sel one = {.names = (char **)&name, .n = 1};
	char leaf[CFG_NAME_MAX + 8], child[CFG_NAME_MAX + 8];
	DIR *d = log_dir_read(dir);
	struct dirent *de;
	bool found = false;
	int fd;

	*single = *bad = false;
	if (rundir_name(RUN_LOG, name, leaf, sizeof(leaf)) &&
	    ((fd = log_open(dir, leaf)) >= 0 || errno != ENOENT)) {
		*single = fd >= 0;
		*bad = fd < 0;
		if (fd >= 0)
			close(fd);
		else
			log_refused(name);
	}
	while (!*single && !*bad && !found && d != NULL && (de = readdir(d)) != NULL)
		found = log_sel_match(&one, de->d_name, child, sizeof(child));
	if (d != NULL)
		closedir(d);
	return *single || found;
}

int
verb_logs(struct ctl_opts *o, int argc, char **argv)
{
	struct log_sel sel = {.names = argv, .n = argc};
	struct log_out out = {.json = o->json, .prefix = argc != 1};
	struct log_follow *f = NULL;
	bool single, bad;
	int dir, code;

	for (int i = 0; i < argc; i++)
		if (!rundir_name(RUN_LOG, argv[i], (char[CFG_NAME_MAX + 8]){0},
		    CFG_NAME_MAX + 8)) {
			ctl_say("logs: %s is not a child's name", argv[i]);
			return PROTO_USAGE;
		}
	if (ctl_run(o, false, &code) == NULL)
		return code;
	if ((dir = rundir_fd(&o->run, RUNDIR_LOG)) < 0 && (argc > 0 ||
	    errno != ENOENT)) {
		ctl_say("%s/log: %s", o->run_dir, strerror(errno));
		return errno == ENOENT ? PROTO_NO_CHILD : PROTO_FAILED;
	}
	if (dir < 0)
		return PROTO_OK; /* no child logged anything yet */
	for (int i = 0; i < argc; i++) {
		if (!log_exists(dir, argv[i], &single, &bad))
			return bad ? PROTO_FAILED : no_log(o, dir, argv[i]);
		if (!single)
			out.prefix = true; /* a pool: its instances' */
	}
	proc_nofile_raise(NULL);
	if (o->follow && (f = log_follow_new(dir, &sel, &out)) == NULL) {
		ctl_say("cannot follow %s/log: %s", o->run_dir,
		    strerror(errno));
		return PROTO_FAILED;
	}
	log_merge(dir, &sel, &out, o->lines > 0 ? o->lines : LOGS_DEFAULT, f);
	fflush(stdout);
	code = f != NULL ? log_follow_run(f) : PROTO_OK;
	log_follow_free(f);
	return code;
}
