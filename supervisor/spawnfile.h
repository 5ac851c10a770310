/*
 * supervisor/spawnfile.h — RUN/spawn.tab, the durable intent of spawns.
 *
 * One record of SPAWNFILE_REC bytes of text a worker (its slot), at a
 * fixed offset: the worker's name, the spawn id and the boot-clock time of
 * its newest spawn, then the pid, written by the child itself before it
 * execs. Before each spawn supd locks the record (an OFD lock, shared with
 * the child by the clone) and writes it with one pwrite; the child writes
 * its pid and execs, which closes its copy of the descriptor, and supd
 * unlocks. A supd killed in between leaves the lock to the child until its
 * exec, so a recovery never reads a record half-way.
 *
 * The record therefore always names a node's newest incarnation, even when
 * supd dies before its database learns of it: recovery trusts it over the
 * database, and no SQLite commit sits between an exit and the fork that
 * replaces it. Programs may overwrite their environment, so
 * /proc/PID/environ is no witness; this record is (DESIGN.md section 4).
 *
 * One file, not one a worker: a first start of thousands of workers makes
 * no file, and no descriptor is opened per spawn.
 */
#ifndef SUPD_SPAWNFILE_H
#define SUPD_SPAWNFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "supd.h"

#define SPAWNFILE_REC 160
#define SPAWNFILE_NAME_MAX 95 /* a node's name: CFG_NAME_MAX + ".N" fits */
#define SPAWNFILE_SID_OFF 96
#define SPAWNFILE_START_OFF 112
#define SPAWNFILE_PID_OFF 128
/* A table longer is not read (damaged: records are reused). */
#define SPAWNFILE_MAX_RECS (1 << 20)

/*
 * Opens RUN/spawn.tab (made when missing), waits for a child caught
 * between its clone and its exec, and reads every record: what
 * spawnfile_read() answers from, until spawnfile_assign(). Says so and
 * goes on without when the file cannot be had.
 */
void spawnfile_load(struct supd *d);

/*
 * What the table says of name: *spawn_id is its newest spawn's id (0: no
 * record). Returns the pid of the process it names when that process is
 * alive, no zombie, and started when the spawn was made (a recycled pid
 * started at another time), with the spawn's boot-clock time in *start;
 * else 0.
 */
pid_t spawnfile_read(struct supd *d, const char *name, int64_t *spawn_id,
    int64_t *start);

/*
 * Gives every worker its record: the one with its name, else one whose
 * name left the config and names no live process, else a new one at the
 * end. Frees what spawnfile_load() read.
 */
void spawnfile_assign(struct supd *d);

/*
 * Locks n's record and writes n->spawn_id in it, with no pid. Returns the
 * descriptor the child writes its pid to, at *pid_off (spawnfile_end()
 * after the spawn), or -1 when the record cannot be written (the spawn
 * goes on regardless, and says so).
 */
int spawnfile_begin(struct supd *d, struct supd_node *n, off_t *pid_off);
void spawnfile_end(struct supd *d, struct supd_node *n);

/*
 * RUN/spawn.seq: the newest spawn id of the run dir, written before every
 * record. When the database knows a spawn this recent, no record can hold
 * a newer one, and recovery needs not read them.
 */
void spawnfile_seq_note(struct supd *d, uint64_t spawn_id);
int64_t spawnfile_seq(struct rundir *run);

void spawnfile_close(struct supd *d);

#endif
