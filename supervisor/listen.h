/*
 * supervisor/listen.h — the listening sockets supd holds for its workers
 * (listen = in sup.conf) and hands to each of their processes with
 * systemd's protocol: fds 3.., LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES.
 *
 * supd binds each socket once and keeps it for as long as a config in
 * force names it: a restarted child takes over the same socket, and the
 * connections that arrive while no child accepts wait in its backlog
 * instead of being refused. The sockets survive supd itself:
 *  - a re-exec or a reload hands them to the new image through the
 *    handover (their numbers, kept open across the exec);
 *  - after a kill -9, the new supd takes each one back from a live child
 *    that holds it (pidfd_getfd(2), Linux >= 5.6), checked to be the
 *    same socket (a listening stream socket with the configured
 *    address); only when no live child has it is it bound again.
 * A unix:PATH socket is made only through trusted directories
 * (trust_parent_open), never through a symbolic link, replacing only a
 * socket of supd's own user; supd removes the file it made when it stops
 * in order, or when a reload drops the socket.
 */
#ifndef SUPD_LISTEN_H
#define SUPD_LISTEN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/jsonw.h"
#include "shared/config.h"
#include "sup/err.h"

struct supd;
struct supd_node;

struct lsock {
	char *key;	/* owned: cfg_listen's key, "tcp:127.0.0.1:8080" */
	int fd;		/* owned, close-on-exec; -1: not held */
	bool made;	/* a socket file supd made (unix:): removed when
			 * supd stops in order or the socket leaves */
	dev_t dev;	/* that file's, to remove it and nothing else */
	ino_t ino;
	bool fresh;	/* bound for a reload not handed over yet */
};

/*
 * The new image of a re-exec or reload: adopts the sockets the handover
 * names (each checked to be the listening socket its key says) when the
 * config uses them; closes the others, and removes their files.
 */
void listen_handed(struct supd *d);

/*
 * After recovery, before anything starts: every socket of the config
 * held — handed over, taken back from a live child, or bound. SUP_OK, or
 * the first failure, with "CONFIG:LINE: listen: [worker W] cannot listen
 * on ADDRESS: why" in why. Never blocks.
 */
sup_err listen_open_all(struct supd *d, char *why, size_t n);

/*
 * The sockets of n's worker, in order, into fds (CFG_LISTEN_MAX slots);
 * one not held is obtained now as listen_open_all() does. SUP_OK or the
 * error, said in why (for n's exit reason).
 */
sup_err listen_fds(struct supd *d, const struct supd_node *n, int *fds,
    char *why, size_t len);

/*
 * A reload's old image: binds the sockets of next that supd does not hold
 * yet (marked fresh), so that a conflict refuses the reload while the
 * tree runs on unchanged. SUP_OK, or the error said in why.
 */
sup_err listen_prepare(struct supd *d, const struct sup_config *next,
    char *why, size_t n);
/* The reload did not happen: the fresh sockets are closed again. */
void listen_unprepare(struct supd *d);

/* [{"key", "fd", "made", "dev", "ino"}...] for the handover; new
 * reference, NULL when out of memory. */
json_t *listen_handover_json(const struct supd *d);

/* Closes every socket; remove: and removes the files supd made (an
 * orderly stop). */
void listen_close_all(struct supd *d, bool remove);

/* k: the keys of w's sockets, as a JSON array (status). */
void listen_keys_write(struct jsonw *j, const char *k,
    const struct cfg_worker *w);

#endif
