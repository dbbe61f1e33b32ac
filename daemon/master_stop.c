/*
 * Stopping (SIGTERM, SIGINT, SHUTDOWN): no new job, the queues answered
 * shutting_down, running jobs drained for up to drain_timeout, then the
 * workers of every pool let go.
 */
#include "ipcd.h"
#include "log.h"

static unsigned
jobs_running(const struct ipcd *ix)
{
	const struct pool *pool;
	unsigned	 n = 0;

	TAILQ_FOREACH(pool, &ix->pools, entry)
		n += pool->jobs.running;
	return n;
}

static int
all_reaped(const struct ipcd *ix)
{
	const struct pool *pool;

	TAILQ_FOREACH(pool, &ix->pools, entry)
		if (!pool_all_reaped(pool))
			return 0;
	return 1;
}

static void
close_pools(struct ipcd *ix)
{
	struct pool	*pool;

	TAILQ_FOREACH(pool, &ix->pools, entry)
		pool_close(pool);
}

/*
 * While stopping: the last running job's end lets the workers go, and
 * the last worker's end, the loop.  Jobs still waiting to be sent again
 * then have no worker left.
 */
void
master_check_drained(struct ipcd *ix)
{
	if (!ix->stopping)
		return;
	if (jobs_running(ix) == 0)
		close_pools(ix);
	if (all_reaped(ix)) {
		master_fail_all(ix);
		event_base_loopexit(ix->base, NULL);
	}
}

/* Stopping: answer every job still running or waiting shutting_down. */
void
master_fail_all(struct ipcd *ix)
{
	struct pool	*pool;
	struct job	*job;
	uint32_t	 i;

	TAILQ_FOREACH(pool, &ix->pools, entry)
		for (i = 0; i < pool->jobs.n; i++)
			if ((job = jobs_at(&pool->jobs, i)) != NULL)
				dispatch_fail(pool, job,
				    IPC_E_SHUTTING_DOWN,
				    "ipcd stopped before the job finished");
}

/* The drain is over: cancel what still runs and let the workers go. */
static void
drain_end(struct ipcd *ix)
{
	unsigned	 n = jobs_running(ix);

	if (n > 0)
		log_warnx("drain timeout: %u jobs still running are "
		    "cancelled", n);
	master_fail_all(ix);
	close_pools(ix);
	master_check_drained(ix);
}

static void
drain_due(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd	*ix = arg;

	(void)fd;
	(void)what;
	drain_end(ix);
}

/* Stop taking jobs, answer the waiting ones, let running ones finish. */
void
master_stop(struct ipcd *ix)
{
	struct timeval	 tv = { ix->conf.drain_timeout, 0 };
	struct pool	*pool;

	if (ix->stopping)
		return;
	ix->stopping = 1;
	master_answer_waiters(ix, IPC_E_SHUTTING_DOWN);
	TAILQ_FOREACH(pool, &ix->pools, entry) {
		evtimer_del(pool->ev_respawn);
		dispatch_unqueue_all(pool);
	}
	log_notice("stopping: %u jobs running, draining for up to %u s",
	    jobs_running(ix), ix->conf.drain_timeout);
	if (jobs_running(ix) == 0) {
		master_check_drained(ix);
		return;
	}
	ix->ev_drain = evtimer_new(ix->base, drain_due, ix);
	if (ix->ev_drain == NULL || evtimer_add(ix->ev_drain, &tv) == -1)
		drain_end(ix);
}

/* SIGTERM, SIGINT or SHUTDOWN: no new client, drain, stop. */
void
master_shutdown(struct ipcd *ix)
{
	sd_state(ix, "STOPPING");
	control_close(ix);
	master_stop(ix);
}
