/*
 * supervisor/supdlog.h — supd's own log, RUN/supd.log (what `supctl
 * start` points supd's stdout and stderr at), rotated as a child's is:
 * past [supervisor] log_max_size it becomes supd.log.1 (.1 becomes .2
 * ..., log_keep of them kept) and a new supd.log takes its place.
 */
#ifndef SUPD_SUPDLOG_H
#define SUPD_SUPDLOG_H

struct supd;

/*
 * Rotates supd.log from now on when supd's stderr is that very file (the
 * same device and inode as RUN/supd.log, reached through the run dir):
 * a supd in the foreground (a terminal, a pipe, journald) never rotates
 * anything. Call it once the run dir is open and d->cfg is the config in
 * force; borrows d, which outlives supd's logging.
 */
void supd_log_rotation(struct supd *d);

#endif
