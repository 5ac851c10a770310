/*
 * worker/hibernate.c — hibernation: a worker idle for a while (or whose
 * callback returned SUP_RET_HIBERNATE) commits its state, drops its caches
 * through its hibernate hook and gives the freed memory back to the OS,
 * like a gen_server returning `hibernate`. The state in the schema stays
 * in memory: the next message is served at once, and the worker rebuilds
 * its caches as it needs them.
 */
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "common/dur.h"
#include "common/clock.h"
#include "wrk.h"

void
wrk_hibernate_policy(sup_worker *w)
{
	const char *p = getenv("SUP_HIBERNATE_AFTER");
	int64_t ms;

	w->hib_after_ms = w->ops->hibernate_after > 0 ? w->ops->hibernate_after
						      : 0;
	if (p == NULL || p[0] == '\0')
		return;
	if (dur_parse(p, &ms) == SUP_OK && ms > 0)
		w->hib_after_ms = ms == DUR_INFINITY ? 0 : ms;
	else
		wrk_log(w, "SUP_HIBERNATE_AFTER=%s: not a duration above 0; "
		    "keeping the worker's default", p);
}

void
wrk_hibernate(sup_worker *w)
{
	sup_err e;

	w->hib_due_ns = 0;
	/* What memory holds is committed first: the hook may free things
	 * the state points to only once they are on disk. */
	if (w->unsaved)
		return; /* what memory holds was refused: nothing to save */
	if ((e = wrk_checkpoint_now(w)) != SUP_OK) {
		wrk_log(w, "not hibernating: the checkpoint failed: %s",
		    sup_strerror(e));
		return;
	}
	if (w->ops->hibernate != NULL)
		w->ops->hibernate(w, w->state);
	malloc_trim(0);
	w->hibernated = true;
	w->hibernations++;
	memcpy(w->hib_text, w->status_text, sizeof(w->hib_text));
	sup_status_text_set(w, "hibernating");
	sup_telemetry_emit("hibernate", NULL, 0, NULL, 0);
}

void
wrk_wake(sup_worker *w)
{
	if (w->hibernated) {
		w->hibernated = false;
		sup_status_text_set(w, w->hib_text);
	}
	w->hib_due_ns = w->hib_after_ms > 0
	    ? clk_after(wrk_now_ns(), w->hib_after_ms) : 0;
}
