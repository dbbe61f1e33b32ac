/*
 * Every job gets exactly one answer, whatever its worker does: a job whose
 * worker died is sent again to another one, up to `retries` times, else
 * answered worker_died; a job that runs past its deadline is answered
 * timeout and its worker is stopped.  Also, once a second, workers that
 * are too old or too big are recycled, and a pool that was dying young is
 * declared healthy again once it has stayed whole for a while.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "ipcd.h"
#include "log.h"

#define TICK_MS		1000
#define HEALTHY_MS	2000	/* whole and no worker younger: healthy */

static void
timeout_arm(struct pool *pool, uint64_t at, uint64_t now)
{
	struct timeval	 tv = { 0, 0 };

	if (at > now) {
		tv.tv_sec = (time_t)((at - now) / 1000);
		tv.tv_usec = (suseconds_t)((at - now) % 1000) * 1000;
	}
	pool->timeout_at = at;
	evtimer_add(pool->ev_timeout, &tv);
}

/* A job has started to run on its worker (hold.c): its time runs from now. */
void
supervise_job_started(struct pool *pool, struct job *job, uint64_t now)
{
	if (job->timeout == 0) {
		job->deadline = 0;
		return;
	}
	job->deadline = now + job->timeout;
	if (pool->timeout_at == 0 || job->deadline < pool->timeout_at)
		timeout_arm(pool, job->deadline, now);
}

/* Why a job leaves its worker unanswered, and what that costs it. */
enum retry {
	R_UNSTARTED,	/* it had not started: sent again, never charged */
	R_CHARGED	/* its worker died: one try used */
};

/*
 * A job of w's must leave it unanswered (text says why): send it again
 * later, or answer worker_died if it may not be.  A job that had not
 * started never ran, so it is sent again even with retries = 0; one that
 * had started is sent again only if retries allow.
 */
static void
supervise_retry(struct pool *pool, struct worker *w, struct job *job,
    const char *text, enum retry why)
{
	struct client	*c = job->client;

	if (job->late) {	/* answered already: only forgotten */
		dispatch_fail(pool, job, IPC_E_NONE, NULL);
		return;
	}
	if (!pool->ops->alive(c)) {	/* nobody wants the answer */
		size_t	 bytes = buf_avail(&job->task);

		hold_drop(pool, w, job, clock_ns());
		jobs_del(&pool->jobs, job);
		pool->ops->drop(c, bytes);
		return;
	}
	if (why == R_CHARGED && job->tries >= pool->conf.retries) {
		log_info("job %llu of client %llu: %s; not tried again",
		    (unsigned long long)job->cid,
		    (unsigned long long)c->serial, text);
		dispatch_fail(pool, job, IPC_E_WORKER_DIED, text);
		return;
	}
	hold_drop(pool, w, job, clock_ns());
	job->tries += why == R_CHARGED;
	job->deadline = 0;
	pool->retried++;
	jobs_wait(&pool->jobs, job);
}

/*
 * Send every job w still holds elsewhere.  Those it had started are sent
 * as why says; those still waiting behind them had no part in its end.
 */
static void
retry_all(struct pool *pool, struct worker *w, const char *text,
    enum retry why)
{
	struct job	*job;
	unsigned	 started = 0;

	for (job = joblist_first(&pool->jobs, &w->held); job != NULL &&
	    job->started_ns != 0; job = joblist_next(&pool->jobs, job))
		started++;
	while ((job = joblist_first(&pool->jobs, &w->held)) != NULL) {
		supervise_retry(pool, w, job, text, started > 0 ? why :
		    R_UNSTARTED);
		if (started > 0)
			started--;
	}
}

/* Every job worker w still held is sent again or answered worker_died. */
void
supervise_worker_lost(struct pool *pool, struct worker *w, const char *text)
{
	retry_all(pool, w, text, R_CHARGED);
}

/*
 * Answer w's jobs that are past their deadline with timeout (if answer);
 * each stays on w, late, until w answers it or goes.  How many there are.
 */
static unsigned
late_jobs(struct pool *pool, struct worker *w, uint64_t now, int answer)
{
	struct job	*job;
	unsigned	 n = 0;

	for (job = joblist_first(&pool->jobs, &w->held); job != NULL;
	    job = joblist_next(&pool->jobs, job)) {
		if (job->late || job->deadline == 0 || job->deadline > now)
			continue;
		n++;
		if (!answer)
			continue;
		pool->timed_out++;
		dispatch_abandon(pool, job, IPC_E_TIMEOUT,
		    "the job ran past its timeout");
		w->late++;
		pool_late_changed(w);
	}
	return n;
}

/* Does w hold a job it has started that is not late: one still in time? */
static int
running_in_time(struct pool *pool, const struct worker *w)
{
	struct job	*job;

	for (job = joblist_first(&pool->jobs, &w->held); job != NULL;
	    job = joblist_next(&pool->jobs, job))
		if (!job->late && job->started_ns != 0)
			return 1;
	return 0;
}

/*
 * w holds late jobs.  While it also runs jobs still in time it goes on,
 * so that one job's timeout never stops or re-runs another's; once its
 * only started jobs are late, it is stopped and the jobs that never
 * started go to other workers, without using a try.
 */
void
supervise_late(struct pool *pool, struct worker *w)
{
	char		 text[128];

	if (w->late == 0 || w->peer == NULL || running_in_time(pool, w))
		return;
	log_warnx("pool %s worker %u (pid %ld): a job ran past its timeout; "
	    "stopping the worker", w->pool->name, w->slot, (long)w->pid);
	w->asked = 1;
	pool_stop_worker(w, SIGTERM);
	snprintf(text, sizeof(text), "worker (pid %ld) was stopped: another "
	    "job on it ran past its timeout", (long)w->pid);
	retry_all(pool, w, text, R_UNSTARTED);
}

/*
 * A job on w is past its deadline.  Take what w has already written (the
 * answer may be there, and then all is well), then answer its late jobs
 * timeout, and stop it unless it still runs others in time.  A worker
 * whose channel has already ended is on its way out: its late jobs are
 * answered now, the rest when it is reaped.
 */
static void
worker_overdue(struct pool *pool, struct worker *w, uint64_t now)
{
	enum worker_state was = w->state;

	if (w->peer != NULL) {
		pool_set_state(w, W_EXITING);	/* no new job meanwhile */
		peer_drain(w->peer);
	}
	if (w->peer != NULL)
		pool_set_state(w, was);
	if (late_jobs(pool, w, now, 0) == 0) {	/* the answers were there */
		hold_kick(pool, w, clock_ns());
		pool_retire_if_idle(w);
		return;
	}
	late_jobs(pool, w, now, 1);
	supervise_late(pool, w);
	if (w->peer != NULL && w->state != W_EXITING)
		log_info("pool %s worker %u (pid %ld): a job ran past its "
		    "timeout; the worker finishes its other jobs first",
		    w->pool->name, w->slot, (long)w->pid);
}

/* Is one of w's jobs past its deadline?  The earliest other one in *next. */
static int
worker_due(struct pool *pool, struct worker *w, uint64_t now, uint64_t *next)
{
	struct job	*job;
	int		 due = 0;

	for (job = joblist_first(&pool->jobs, &w->held); job != NULL;
	    job = joblist_next(&pool->jobs, job)) {
		if (job->deadline == 0)
			continue;
		if (job->deadline <= now)
			due = 1;
		else if (*next == 0 || job->deadline < *next)
			*next = job->deadline;
	}
	return due;
}

/* The earliest deadline has come: deal with every late job's worker. */
static void
timeouts_due(evutil_socket_t fd, short what, void *arg)
{
	struct pool	*pool = arg;
	uint64_t	 now = clock_ms(), next = 0;
	unsigned	 i;

	(void)fd;
	(void)what;
	pool->timeout_at = 0;
	for (i = 0; i < pool->nslots; i++)
		if (worker_due(pool, &pool->workers[i], now, &next))
			worker_overdue(pool, &pool->workers[i], now);
	if (next != 0 && (pool->timeout_at == 0 || next < pool->timeout_at))
		timeout_arm(pool, next, now);
}

/* After each answer: has w done the jobs it may do in its life? */
void
supervise_worker_answered(struct pool *pool, struct worker *w)
{
	char	 why[64];

	if (pool->conf.max_jobs_per_worker == 0 ||
	    w->life_done < pool->conf.max_jobs_per_worker)
		return;
	snprintf(why, sizeof(why), "answered %llu jobs",
	    (unsigned long long)w->life_done);
	pool_recycle(w, why);
}

/* Why w should be replaced now (in why), or 0 if it should not. */
static int
recycle_due(struct pool *pool, struct worker *w, const struct timespec *now,
    char *why, size_t len)
{
	const struct poolconf *c = &pool->conf;
	uint64_t	 rss;

	if (w->gen != pool->gen)
		snprintf(why, len, "runs older settings");
	else if (c->max_jobs_per_worker != 0 &&
	    w->life_done >= c->max_jobs_per_worker)
		snprintf(why, len, "answered %llu jobs",
		    (unsigned long long)w->life_done);
	else if (c->max_worker_age != 0 &&
	    pool_worker_age_ms(w, now) >= c->max_worker_age)
		snprintf(why, len, "is older than max_worker_age (%u s)",
		    c->max_worker_age / 1000);
	else if (c->max_worker_rss != 0 &&
	    (rss = pool_worker_rss(w)) > c->max_worker_rss)
		snprintf(why, len, "uses %llu KiB, more than max_worker_rss",
		    (unsigned long long)(rss / 1024));
	else
		return 0;
	return 1;
}

/* Respawns need no more back-off; if the pool was degraded, say so now. */
void
supervise_healthy(struct pool *pool)
{
	if (pool->backoff_ms == 0)
		return;
	pool->backoff_ms = 0;
	log_notice("pool %s healthy again: %u of %u workers ready",
	    pool->name, pool->nready, pool->nworkers);
	pool->health_news = 1;
}

/* A pool that was dying young and has stayed whole is healthy again. */
static void
health_check(struct pool *pool, const struct timespec *now)
{
	unsigned	 i;

	if (pool->backoff_ms == 0 || !pool_settled(pool))
		return;
	for (i = 0; i < pool->nworkers; i++)
		if (pool_worker_age_ms(&pool->workers[i], now) < HEALTHY_MS)
			return;
	supervise_healthy(pool);
}

static void
tick(evutil_socket_t fd, short what, void *arg)
{
	struct pool	*pool = arg;
	struct worker	*w;
	struct timespec	 now;
	char		 why[96];
	unsigned	 i;

	(void)fd;
	(void)what;
	clock_gettime(CLOCK_MONOTONIC, &now);
	/* start at another slot each time, so that all get their turn */
	pool->tick_first++;
	for (i = 0; i < pool->nworkers && !pool->ix->stopping; i++) {
		w = &pool->workers[(pool->tick_first + i) % pool->nworkers];
		if (w->state == W_READY &&
		    recycle_due(pool, w, &now, why, sizeof(why)))
			pool_recycle(w, why);
	}
	health_check(pool, &now);
}

/* Workers keep dying young: respawns are backing off. */
int
supervise_degraded(const struct pool *pool)
{
	return pool->backoff_ms > 0;
}

int
supervise_start(struct pool *pool)
{
	struct timeval	 tv = { TICK_MS / 1000, 0 };

	pool->ev_timeout = evtimer_new(pool->ix->base, timeouts_due, pool);
	pool->ev_tick = event_new(pool->ix->base, -1, EV_PERSIST, tick, pool);
	if (pool->ev_timeout == NULL || pool->ev_tick == NULL ||
	    evtimer_add(pool->ev_tick, &tv) == -1)
		return -1;
	return 0;
}

void
supervise_free(struct pool *pool)
{
	if (pool->ev_timeout != NULL)
		event_free(pool->ev_timeout);
	if (pool->ev_tick != NULL)
		event_free(pool->ev_tick);
	pool->ev_timeout = pool->ev_tick = NULL;
}
