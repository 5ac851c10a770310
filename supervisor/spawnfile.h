/*
 * supervisor/spawnfile.h — RUN/spawn/NAME, the durable intent of a spawn.
 *
 * Before each fork supd writes the spawn id at the start of the file
 * (one open and one pwrite); the child writes its own pid at
 * SPAWNFILE_PID_OFF before it execs, and holds the file's flock until
 * then, so that a recovery never reads it half-way. The file therefore
 * always names a node's newest incarnation, even when supd dies before its
 * database learns of it: recovery trusts it over the database, and no
 * SQLite commit sits between an exit and the fork that replaces it.
 * Programs may overwrite their environment, so /proc/PID/environ is no
 * witness; this file is (DESIGN.md section 4).
 */
#ifndef SUPD_SPAWNFILE_H
#define SUPD_SPAWNFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supd.h"

#define SPAWNFILE_PID_OFF 32
#define SPAWNFILE_SIZE 64

/*
 * Records n->spawn_id in n's spawn file and clears its pid. Returns a new
 * descriptor the child writes its pid to (close it after the spawn), or
 * -1 when the file cannot be written (the spawn goes on regardless).
 */
int spawnfile_begin(struct supd *d, struct supd_node *n);

/*
 * RUN/spawn.seq: the newest spawn id of the run dir, written before every
 * spawn file. When the database knows a spawn this recent, no spawn file
 * can hold a newer one, and recovery needs not read them all.
 */
void spawnfile_seq_note(struct supd *d, uint64_t spawn_id);
int64_t spawnfile_seq(struct rundir *run);

/*
 * Reads a spawn file: *spawn_id is the id it records (0: no file). Returns
 * the pid of the process it names when that process is alive, no zombie,
 * and started when the spawn was made (a recycled pid started at another
 * time), with the spawn's boot-clock time in *start; else 0.
 */
pid_t spawnfile_read(struct rundir *run, const char *name,
    int64_t *spawn_id, int64_t *start);

#endif
