/*
 * worker/task.c — offloaded work (sup_task_start): a function run on one
 * of a few task threads inside the worker, which answers its call with
 * sup_reply() when done, while the worker's loop goes on serving.
 *
 * A task asked for during a callback starts only once that callback's
 * changes are committed, like its replies (reply.c): a task's answer
 * never goes out for state a kill -9 could take back, and when the
 * commit fails the task never runs and its caller gets the error. On an
 * orderly stop, tasks not started are answered with an error and running
 * ones finish (their answers go out) before terminate runs. A task that
 * crashes the process is a crash like any other: supd restarts the
 * worker, and its callers get SUP_EDOWN.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "wrk.h"

#define DEFAULT_THREADS 2
#define MAX_THREADS 64
#define MAX_QUEUED 4096 /* tasks waiting for a thread */

struct wrk_task {
	sup_task_fn fn;
	void *arg;
	sup_from *from;
	struct wrk_task *next;
};

static pthread_mutex_t tmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tcv = PTHREAD_COND_INITIALIZER;
/* Under tmu: */
static struct wrk_task *head, *tail;
static int nqueued, nthreads;
static bool closing;
static pthread_t threads[MAX_THREADS];

static void *
task_thread(void *arg)
{
	struct wrk_task *t;

	(void)arg;
	for (;;) {
		pthread_mutex_lock(&tmu);
		while (head == NULL && !closing)
			pthread_cond_wait(&tcv, &tmu);
		if ((t = head) == NULL) { /* closing, nothing left */
			pthread_mutex_unlock(&tmu);
			return NULL;
		}
		head = t->next;
		if (head == NULL)
			tail = NULL;
		nqueued--;
		pthread_mutex_unlock(&tmu);
		t->fn(t->arg, t->from);
		free(t);
	}
}

/* Queues a list of tasks; starts the threads on first use. */
static sup_err
enqueue(sup_worker *w, struct wrk_task *list, int n)
{
	int want = w->ops->task_threads > 0 ? w->ops->task_threads
					    : DEFAULT_THREADS;
	sup_err e = SUP_OK;

	if (want > MAX_THREADS)
		want = MAX_THREADS;
	sigset_t all, old;

	sigfillset(&all);
	pthread_mutex_lock(&tmu);
	/* Signals are the loop's (its signalfd): none for task threads,
	 * whichever thread asked first. */
	pthread_sigmask(SIG_BLOCK, &all, &old);
	while (!closing && nthreads < want &&
	    pthread_create(&threads[nthreads], NULL, task_thread, NULL) == 0)
		nthreads++;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (closing)
		e = SUP_ECLOSED;
	else if (nthreads == 0)
		e = SUP_ENOMEM;
	if (e == SUP_OK) {
		if (tail != NULL)
			tail->next = list;
		else
			head = list;
		while (list->next != NULL)
			list = list->next;
		tail = list;
		nqueued += n;
		pthread_cond_broadcast(&tcv);
	}
	pthread_mutex_unlock(&tmu);
	return e;
}

SUP_API sup_err
sup_task_start(sup_worker *w, sup_task_fn fn, void *arg, sup_from *from)
{
	struct wrk_task *t;
	bool mine, full;

	if (w == NULL || fn == NULL)
		return SUP_EINVAL;
	mine = pthread_equal(pthread_self(), w->thread);
	pthread_mutex_lock(&tmu);
	full = nqueued + (mine ? w->ntasks_held : 0) >= MAX_QUEUED;
	pthread_mutex_unlock(&tmu);
	if (full)
		return SUP_EBUSY;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return SUP_ENOMEM;
	*t = (struct wrk_task){.fn = fn, .arg = arg, .from = from};
	if (mine && w->in_callback) {
		t->next = NULL; /* in order, after this callback's commit */
		if (w->tasks_held_tail != NULL)
			w->tasks_held_tail->next = t;
		else
			w->tasks_held = t;
		w->tasks_held_tail = t;
		w->ntasks_held++;
		return SUP_OK;
	}
	sup_err e = enqueue(w, t, 1);
	if (e != SUP_OK)
		free(t);
	return e;
}

/* Each task of list answered with text (when it has a call) and freed. */
static void
tasks_refuse(struct wrk_task *list, const char *text)
{
	struct wrk_task *t;

	while ((t = list) != NULL) {
		list = t->next;
		if (t->from != NULL)
			sup_reply_error(t->from, text);
		free(t);
	}
}

void
wrk_tasks_release(sup_worker *w)
{
	struct wrk_task *list = w->tasks_held;
	int n = w->ntasks_held;

	w->tasks_held = w->tasks_held_tail = NULL;
	w->ntasks_held = 0;
	sup_err e = list != NULL ? enqueue(w, list, n) : SUP_OK;

	if (e != SUP_OK)
		tasks_refuse(list, e == SUP_ECLOSED
		    ? "the worker stopped before this task started"
		    : "no task thread could be started");
}

void
wrk_tasks_fail(sup_worker *w, const char *text)
{
	struct wrk_task *list = w->tasks_held;

	w->tasks_held = w->tasks_held_tail = NULL;
	w->ntasks_held = 0;
	tasks_refuse(list, text);
}

void
wrk_tasks_stop(sup_worker *w)
{
	struct wrk_task *left;

	wrk_tasks_fail(w, "the worker stopped before this task started");
	pthread_mutex_lock(&tmu);
	closing = true;
	left = head;
	head = tail = NULL;
	nqueued = 0;
	pthread_cond_broadcast(&tcv);
	pthread_mutex_unlock(&tmu);
	tasks_refuse(left, "the worker stopped before this task started");
	/* Running tasks finish and answer: the stop waits for them (supd's
	 * shutdown timeout bounds it). */
	for (int i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	nthreads = 0;
}
