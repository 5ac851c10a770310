/*
 * supervisor/logwire.h — what supd and its log holder say to each other
 * (holder.h), over a unix SOCK_SEQPACKET socket: one fixed-size message
 * per packet, the read ends of a child's pipes riding on it (SCM_RIGHTS).
 * A packet keeps a message and its descriptors together; a stream would
 * need framing to know which descriptors belong to which message.
 *
 *   supd -> holder  LW_ADD   a spawn's pipes: fds[0] stdout, fds[1] stderr
 *   holder -> supd  LW_HELD  on connect, one per pipe it holds (1 fd)
 *   holder -> supd  LW_HELLO after the last LW_HELD: the hand-back is over
 *   supd -> holder  LW_OUTPUT supd's stdout and stderr, for LW_INHERIT lines
 *                   (sent on connect and when supd.log is rotated)
 *
 * Every message is checked before it is used: version, type, exact
 * length, a NUL-terminated name, the count of descriptors its type
 * carries, and that each is a pipe (LW_OUTPUT's: whatever supd's own
 * stdout and stderr are).
 */
#ifndef SUPD_LOGWIRE_H
#define SUPD_LOGWIRE_H

#include <stdbool.h>
#include <stdint.h>

#include "shared/config.h"
#include "sup/err.h"

#define LW_VERSION 1

enum lw_type { LW_ADD = 1, LW_HELD, LW_HELLO, LW_OUTPUT };

/* Where a child's lines go. */
enum lw_sink { LW_FILE, LW_INHERIT };

#define LW_TIMESTAMPS 1u /* each line starts with its RFC 3339 time */

struct lw_msg {
	uint8_t version;
	uint8_t type;
	uint8_t sink;	     /* enum lw_sink */
	uint8_t flags;	     /* LW_TIMESTAMPS */
	uint8_t stream;	     /* LW_HELD: 0 stdout, 1 stderr */
	uint8_t chown;	     /* the file goes to uid:gid */
	uint16_t keep;	     /* rotated files kept */
	uint32_t uid, gid;
	int64_t max_size;    /* rotate past this many bytes; 0: never */
	uint64_t spawn_id;
	char name[CFG_NAME_MAX + 16]; /* the child's; a pool's NAME.N */
};

/*
 * Sends m with nfd descriptors (0 to 2) in one packet, without blocking.
 * SUP_OK, or SUP_ESYS | errno (EAGAIN: the socket is full, try later).
 */
sup_err lw_send(int sock, const struct lw_msg *m, const int *fds, int nfd);

/*
 * Receives one message into m, its descriptors (close-on-exec) into fds
 * (*nfd of them, at most 2). SUP_OK; SUP_ECLOSED at the peer's end;
 * SUP_ESYS | EAGAIN when nothing waits (non-blocking); SUP_EPROTO for
 * a message that is not one (any descriptor it carried is closed).
 */
sup_err lw_recv(int sock, struct lw_msg *m, int fds[2], int *nfd);

/* Whether the peer of a connected socket runs as our own uid; its pid. */
bool lw_peer_ours(int sock, pid_t *pid);

#endif
