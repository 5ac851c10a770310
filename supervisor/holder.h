/*
 * supervisor/holder.h — the log holder: the process that turns children's
 * pipes into timestamped, tagged log lines (logline.h), in the spirit of
 * s6-fdholder and s6-log. supd starts it as `supd --log-holder RUN`
 * (a fresh exec of its own binary: none of supd's heap) and gives it, at
 * fixed descriptors:
 *   0  /dev/null;  1, 2  supd's stdout and stderr (stdout = inherit)
 *   3  its end of a socketpair with supd (logwire.h)
 *   4  RUN/log.sock, bound; the holder listens: a later supd connects
 *   5  RUN/log, the directory of the log files
 * It owns no config: each LW_ADD says where a pipe's lines go and how.
 *
 * Invariants: one supd connected at a time, of our own uid (SO_PEERCRED);
 * a supd that vanishes costs nothing: the holder goes on draining every
 * pipe, and hands them all back (LW_HELD) to the next supd that
 * connects. It exits once no supd is connected and every pipe reached
 * EOF. An idle holder makes no wake-ups: the one timer runs only while
 * a partial line waits (at most HOLDER_PARTIAL_MS).
 */
#ifndef SUPD_HOLDER_H
#define SUPD_HOLDER_H

#define HOLDER_FD_CONN 3
#define HOLDER_FD_LISTEN 4
#define HOLDER_FD_LOGDIR 5
#define HOLDER_PARTIAL_MS 1000

/* The holder's main: argv is {"supd", "--log-holder", RUN}. Returns its
 * exit status. */
int holder_main(int argc, char **argv);

#endif
