/*
 * worker/reply.c — answering calls: sup_reply() now or later, from any
 * thread; replies held until their callback's checkpoint is committed; an
 * error for every call still open when the worker stops.
 *
 * Every call not answered yet is on the `outstanding` list, under from_mu.
 * A reply from another thread takes from_mu for its whole send, so that
 * the worker's exit (wrk_outstanding_fail) never frees a handle a thread
 * is still using; after the exit began, such a reply is refused.
 */
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc.h"
#include "wrk.h"

struct sup_from {
	ipc_req *req;	  /* owned until the reply */
	sup_worker *w;	  /* borrowed: the worker (one per process) */
	char *held;	  /* a reply made during a callback, sent after it */
	size_t held_len;
	int held_type;
	struct sup_from *next_held;
	struct sup_from *prev, *next; /* outstanding calls, under from_mu */
};

static pthread_mutex_t from_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sup_from *outstanding; /* under from_mu */
static bool closing;		     /* under from_mu: the worker exits */
static int noutstanding;	     /* under from_mu */

/* Under from_mu. */
static void
untrack(sup_from *f)
{
	if (f->prev != NULL)
		f->prev->next = f->next;
	else
		outstanding = f->next;
	if (f->next != NULL)
		f->next->prev = f->prev;
	noutstanding--;
}

int
wrk_outstanding_count(void)
{
	int n;

	pthread_mutex_lock(&from_mu);
	n = noutstanding;
	pthread_mutex_unlock(&from_mu);
	return n;
}

sup_from *
wrk_from_new(sup_worker *w, ipc_req *r)
{
	sup_from *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->req = r;
	f->w = w;
	pthread_mutex_lock(&from_mu);
	f->next = outstanding;
	if (outstanding != NULL)
		outstanding->prev = f;
	outstanding = f;
	noutstanding++;
	pthread_mutex_unlock(&from_mu);
	return f;
}

sup_err
wrk_answer(ipc_req *r, int type, const void *data, size_t len)
{
	char *frame = malloc(len + 2);
	sup_err e;

	if (frame == NULL) {
		ipc_req_free(r);
		return SUP_ENOMEM;
	}
	frame[0] = IPC_VERSION;
	frame[1] = (char)type;
	if (len > 0)
		memcpy(frame + 2, data, len);
	e = ipc_req_reply(r, frame, len + 2);
	free(frame);
	return e;
}

/* Sends f's answer and frees f. Under from_mu. */
static sup_err
send_locked(sup_from *f, int type, const void *data, size_t len)
{
	sup_err e;

	untrack(f);
	e = wrk_answer(f->req, type, data, len);
	free(f->held);
	free(f);
	return e;
}

/*
 * A reply made on the worker's thread while a callback runs is held until
 * the callback returned and its checkpoint (checkpoint = each) is
 * committed: a caller never sees a result the worker could lose in a
 * kill -9 right after. Replies from other threads, or later, go at once.
 */
static sup_err
reply(sup_from *from, int type, const void *data, size_t len)
{
	sup_worker *w = from->w;
	sup_err e;

	if (pthread_equal(pthread_self(), w->thread) && w->in_callback &&
	    (from->held = malloc(len ? len : 1)) != NULL) {
		memcpy(from->held, data, len);
		from->held_len = len;
		from->held_type = type;
		from->next_held = w->held;
		w->held = from;
		return SUP_OK;
	}
	pthread_mutex_lock(&from_mu);
	e = closing ? SUP_ECLOSED : send_locked(from, type, data, len);
	pthread_mutex_unlock(&from_mu);
	return e;
}

SUP_API sup_err
sup_reply(sup_from *from, const void *data, size_t len)
{
	if (from == NULL)
		return SUP_EINVAL;
	return reply(from, WRK_REPLY, data, len);
}

SUP_API sup_err
sup_reply_error(sup_from *from, const char *text)
{
	if (from == NULL)
		return SUP_EINVAL;
	return reply(from, WRK_ERROR, text, strlen(text));
}

/* The held replies, each as made, or all as this error text. */
static void
held_flush(sup_worker *w, const char *error)
{
	sup_from *f;

	pthread_mutex_lock(&from_mu);
	while ((f = w->held) != NULL) {
		w->held = f->next_held;
		if (error != NULL)
			send_locked(f, WRK_ERROR, error, strlen(error));
		else
			send_locked(f, f->held_type, f->held, f->held_len);
	}
	pthread_mutex_unlock(&from_mu);
}

void
wrk_held_send(sup_worker *w)
{
	held_flush(w, NULL);
}

void
wrk_held_fail(sup_worker *w, const char *text)
{
	held_flush(w, text);
}

/*
 * At exit: every call still waiting gets an error now, not a timeout.
 * Their handles stay on the list (reachable, never freed): a thread that
 * still holds one gets SUP_ECLOSED from sup_reply().
 */
void
wrk_outstanding_fail(void)
{
	static const char msg[] = "the worker stopped before it answered";

	pthread_mutex_lock(&from_mu);
	closing = true;
	for (sup_from *f = outstanding; f != NULL; f = f->next)
		if (f->req != NULL) {
			wrk_answer(f->req, WRK_ERROR, msg, sizeof(msg) - 1);
			f->req = NULL;
		}
	pthread_mutex_unlock(&from_mu);
}
