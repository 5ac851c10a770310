/*
 * shared/config_exit.c — what an exit means: normal_exit, the exit
 * statuses and signals a worker's exit counts as normal with (OTP's
 * normal and shutdown; systemd's SuccessExitStatus=), and ignore_exit,
 * the statuses that say "ignore me" (OTP's init returning ignore).
 *
 *   normal_exit = 0 143 TERM HUP
 *   ignore_exit = 77
 *
 * A number is an exit status (0-255), anything else a signal name (TERM,
 * SIGTERM); the list replaces the default, which is status 0 and SIGTERM.
 */
#include <stdlib.h>
#include <string.h>

#include "common/sig.h"
#include "config_parse.h"

void
cfg_exit_set_add_code(struct cfg_exit_set *set, int code)
{
	set->codes[code / 8] |= (uint8_t)(1u << (code % 8));
}

void
cfg_exit_set_add_sig(struct cfg_exit_set *set, int sig)
{
	set->sigs |= 1ull << (sig - 1);
}

/* One word into set (signals too unless codes_only); false when it is
 * not one. */
static bool
word_add(struct cfg_exit_set *set, const char *w, bool codes_only)
{
	char *end;
	long code;
	int sig;

	if (*w >= '0' && *w <= '9') {
		code = strtol(w, &end, 10);
		if (*end != '\0' || code > 255)
			return false;
		cfg_exit_set_add_code(set, (int)code);
		return true;
	}
	if (codes_only || (sig = sig_parse(w)) < 1 || sig > 64)
		return false;
	cfg_exit_set_add_sig(set, sig);
	return true;
}

/* The words of v into *out, or an error naming the first that is not
 * one. */
static void
exit_set_parse(struct parser *p, const char *k, const char *v,
    bool codes_only, struct cfg_exit_set *out)
{
	struct cfg_exit_set set = {{0}, 0};
	char *copy = strdup(v), *save = NULL, *w;

	if (copy == NULL)
		abort();
	for (w = strtok_r(copy, " \t", &save); w != NULL;
	    w = strtok_r(NULL, " \t", &save))
		if (!word_add(&set, w, codes_only)) {
			if (codes_only)
				cfg_err(p, p->line, k, "\"%s\" is not an exit "
				    "status (0 to 255)", w);
			else
				cfg_err(p, p->line, k, "\"%s\" is neither an "
				    "exit status (0 to 255) nor a signal (like "
				    "TERM or SIGHUP)", w);
			free(copy);
			return;
		}
	free(copy);
	*out = set; /* not empty: the parser refuses that */
}

void
cfg_set_normal_exit(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	exit_set_parse(p, k, v, false, &s->worker->normal_exit);
}

void
cfg_set_ignore_exit(struct parser *p, struct section *s, const char *k,
    const char *v)
{
	exit_set_parse(p, k, v, true, &s->worker->ignore_exit);
}
