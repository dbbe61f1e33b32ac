/*
 * The jobs a worker holds, oldest first, and when each starts to run.  A
 * worker that runs its jobs one at a time, in order (inorder: the built-in
 * worker), starts a job when the one before it is answered, or when it is
 * written if the worker was idle; a worker that may run several at once
 * starts each when it is written.  A job's deadline counts from its start,
 * so a job waiting behind a slow one on the same worker is not charged for
 * it.  The worker's scheduling slot (sched.c) learns each job's time here.
 */
#include "ipcd.h"

static void
hold_start(struct pool *pool, struct job *job, uint64_t now)
{
	job->started_ns = now;
	supervise_job_started(pool, job, now / 1000000);
}

/* Worker w takes job (assigned to it already), written at now. */
void
hold_add(struct pool *pool, struct worker *w, struct job *job, uint64_t now)
{
	joblist_push(&pool->jobs, &w->held, job);
	sched_sent(&w->ss, now);
	job->started_ns = 0;
	job->deadline = 0;
	if (!w->inorder || w->ss.jobs == 1)
		hold_start(pool, job, now);
}

/*
 * The oldest job of a working worker starts now if it has not: an in-order
 * worker's next job, once the one before it has gone.  A worker on its way
 * out starts nothing.  Returns when its oldest job started (now if none).
 */
uint64_t
hold_kick(struct pool *pool, struct worker *w, uint64_t now)
{
	struct job	*first;

	if ((first = joblist_first(&pool->jobs, &w->held)) == NULL)
		return now;
	if (first->started_ns == 0 &&
	    (w->state == W_READY || w->state == W_RETIRING)) {
		hold_start(pool, first, now);
		w->ss.head_ns = now;
	}
	return first->started_ns != 0 ? first->started_ns : now;
}

static uint64_t
hold_unlink(struct pool *pool, struct worker *w, struct job *job, uint64_t now)
{
	joblist_unlink(&pool->jobs, &w->held, job);
	return hold_kick(pool, w, now);
}

/* w answered job at now: what it took feeds w's window. */
void
hold_answered(struct pool *pool, struct worker *w, struct job *job,
    uint64_t now)
{
	uint64_t	 took = job->started_ns != 0 && now > job->started_ns ?
			    now - job->started_ns : 0;
	uint64_t	 head = hold_unlink(pool, w, job, now);

	sched_answered(&w->ss, took, head, pool_window_max(w));
}

/* job leaves w unanswered (w died, or it is sent elsewhere or failed). */
void
hold_drop(struct pool *pool, struct worker *w, struct job *job, uint64_t now)
{
	sched_dropped(&w->ss, hold_unlink(pool, w, job, now));
}

/* How long w's oldest job has been running, in ms; 0 if w is idle. */
uint64_t
hold_busy_ms(const struct worker *w, uint64_t now)
{
	if (w->ss.jobs == 0 || now < w->ss.head_ns)
		return 0;
	return (now - w->ss.head_ns) / 1000000;
}
