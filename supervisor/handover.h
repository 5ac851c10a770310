/*
 * supervisor/handover.h — what crosses supd's exec of itself.
 *
 * A re-exec (supctl reexec) and a reload (supctl reload, SIGHUP) are the
 * same act: supd commits everything, writes a handover into a memfd, and
 * execs the binary now at its path with --handover FD. The new image
 * keeps the pid, so every child is still its own child; it takes the run
 * dir's lock it inherits, runs the config text it is handed (not the file
 * again: the file may have changed since it was checked), and adopts every
 * child through the recovery path (recover.c): nothing restarts but what
 * a reload asked for.
 *
 * The requester's token comes along: supctl, whose request was cut by the
 * exec, sends it again, and the new supd answers with the result it was
 * handed instead of acting twice.
 */
#ifndef SUPD_HANDOVER_H
#define SUPD_HANDOVER_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sup/err.h"

enum handover_mode { HANDOVER_NONE, HANDOVER_REEXEC, HANDOVER_RELOAD };

#define HANDOVER_TOKEN_MAX 64

struct handover {
	enum handover_mode mode;
	char token[HANDOVER_TOKEN_MAX + 1]; /* the requester's; may be "" */
	json_t *result;	   /* owned: the reply to the token; a reload's has
			    * its "diff", which the new image applies */
	int64_t exec_ns;   /* CLOCK_MONOTONIC when the old image called execve */
	char *config;	   /* owned: the config text to run */
	size_t config_len;
	int lock_fd;	   /* the run dir's lock, held across the exec */
	json_t *listen;	   /* owned: the listening sockets, kept open across
			    * the exec (listen.h); may be NULL */
	int64_t start_ns, start_real_ms; /* supd's first start: uptime goes on */
	unsigned long reloads, reexecs;
	int64_t took_us;   /* the new image: from execve to the tree adopted */
};

/*
 * The new image, first thing: closes every descriptor above 2 but h's
 * lock and listening sockets. What else came across the exec was never
 * meant to: nng (1.5.2) accepts a connection, then marks it close-on-exec
 * in a second step, and a connection accepted in between by the old
 * image's thread would stay open here, unread, its client waiting for a
 * reply that never comes instead of seeing the connection cut and asking
 * again (supctl reload, two at once).
 */
void handover_close_strays(const struct handover *h);

/*
 * Writes h into a memfd and execs the binary open at exe_fd (named exe)
 * as "exe -c CONFIG [-v] --handover FD" with the current environment.
 * The lock and the sockets of h->listen stay open across the exec.
 * Returns only when that failed (the process goes on as it was), with
 * the reason.
 */
sup_err handover_exec(int exe_fd, const char *exe, const char *config,
    bool verbose, const struct handover *h);

/* Reads a handover from fd (closed) into *h; h->lock_fd is -1 unless it
 * is an open fd; h->listen as written (listen_handed() checks each). On error, says why in why. */
sup_err handover_read(int fd, struct handover *h, char *why, size_t n);

void handover_fini(struct handover *h);

#endif
