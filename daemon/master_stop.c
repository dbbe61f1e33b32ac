/*
 * Stopping (SIGTERM, SIGINT, SHUTDOWN): no new job, the queue answered
 * shutting_down, running jobs drained for up to drain_timeout, then the
 * workers let go.
 */
#include "ipcd.h"
#include "log.h"

/* While stopping, the last running job's end lets the workers go. */
void
master_check_drained(struct ipcd *ix)
{
	if (ix->stopping && ix->jobs.running == 0)
		pool_close(ix);
}

/* Stopping: answer every job still running or waiting shutting_down. */
void
master_fail_all(struct ipcd *ix)
{
	struct job	*job;
	uint32_t	 i;

	for (i = 0; i < ix->jobs.n; i++)
		if ((job = jobs_at(&ix->jobs, i)) != NULL)
			master_job_fail(ix, job, IPC_E_SHUTTING_DOWN,
			    "ipcd stopped before the job finished");
}

/* The drain is over: cancel what still runs and let the workers go. */
static void
drain_end(struct ipcd *ix)
{
	if (ix->jobs.running > 0)
		log_warnx("drain timeout: %u jobs still running are "
		    "cancelled", ix->jobs.running);
	master_fail_all(ix);
	pool_close(ix);
}

static void
drain_due(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd	*ix = arg;

	(void)fd;
	(void)what;
	drain_end(ix);
	peer_flush_all(&ix->pb);
}

/* Stop taking jobs, answer the waiting ones, let running ones finish. */
void
master_stop(struct ipcd *ix)
{
	struct timeval	 tv = { ix->conf.drain_timeout, 0 };
	struct qent	 e;
	const uint8_t	*frame;

	if (ix->stopping)
		return;
	ix->stopping = 1;
	evtimer_del(ix->ev_respawn);
	master_answer_waiters(ix, IPC_E_SHUTTING_DOWN);
	while (queue_peek(&ix->queue, &e, &frame)) {
		queue_pop(&ix->queue);
		e.client->queued--;
		client_reply_error(e.client, 1, e.cid, IPC_E_SHUTTING_DOWN,
		    "ipcd is shutting down");
		ix->failed++;
		client_unref(e.client);
	}
	log_notice("stopping: %u jobs running, draining for up to %u s",
	    ix->jobs.running, ix->conf.drain_timeout);
	if (ix->jobs.running == 0) {
		pool_close(ix);
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
