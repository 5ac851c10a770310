/*
 * state/state_int.h — private to state/: the handle and its statements.
 */
#ifndef STATE_STATE_INT_H
#define STATE_STATE_INT_H

#include <sqlite3.h>

#include "state.h"

/* supd never waits long for a lock: only a person's sqlite3 shell could
 * hold one, and the loop must go on (the write is retried later). */
#define ST_BUSY_MS 50

enum st_stmt {
	Q_META_PUT,
	Q_META_GET,
	Q_NODE_PUT,
	Q_NODE_DEL,
	Q_NODES_ALL,
	Q_HIST_ADD,
	Q_HIST_TRIM,
	Q_HIST_ALL,
	Q_HIST_NAME,
	Q_COUNT,
};

struct st_db {
	sqlite3 *h;		  /* owned */
	bool readonly;
	sqlite3_stmt *q[Q_COUNT]; /* owned: prepared once; NULL if unused */
	int64_t hist_adds;	  /* since the last trim */
};

sup_err st_stmts_prepare(st_db *db);
void st_stmts_finalize(st_db *db);

#endif
