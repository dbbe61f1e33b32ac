/*
 * Jobs in and out: a job goes straight to the worker that can start it
 * soonest (sched.c) while one has room in its window, else waits in the
 * queue, where any worker can take it; each reply goes back to the client
 * that asked.  Also the RELOAD and SCALE
 * requests waiting for the pool to settle, and the STATUS reply.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ipcd.h"
#include "log.h"

static void	worker_msg(struct peer *, const struct ipc_msg *, void *);
static void	worker_bad(struct peer *, enum ipc_err, const char *,
		    const struct ipc_msg *, int, void *);
static void	worker_gone(struct peer *, const char *, void *);

const struct peer_ops master_worker_ops = {
	worker_msg, worker_bad, worker_gone
};

static struct sched_slot *
slot_at(void *arg, unsigned i)
{
	struct ipcd	*ix = arg;

	return &ix->workers[i].ss;
}

static int
pick_worker(struct ipcd *ix, uint64_t now)
{
	return sched_pick(&ix->sched, ix->nslots, slot_at, ix, now);
}

/* The job's time limit: its own, else the configured default. */
static uint32_t
job_timeout(const struct ipcd *ix, const struct ipc_msg *m)
{
	return m->has_timeout ? m->timeout : ix->conf.job_timeout;
}

/*
 * Encode the TASK into the worker's output and keep a copy in the job;
 * -1 with nothing sent if it does not fit in max_message or in memory.
 */
static int
put_task(struct ipcd *ix, struct buf *out, struct job *job, uint64_t id,
    const struct ipc_msg *m)
{
	size_t	 before = buf_avail(out);

	if (proto_put_task(out, ix->conf.max_message, id, m->task,
	    &m->data) == -1)
		return -1;
	if (jobs_set_task(job, buf_head(out) + before,
	    buf_avail(out) - before) == -1) {
		out->len = out->off + before;
		return -1;
	}
	return 0;
}

/* Hand a job straight to a worker; 0 if none can take it now. */
static int
dispatch_now(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	struct worker	*w;
	struct job	*job;
	uint64_t	 id, now = clock_ns();
	int		 i;

	if ((i = pick_worker(ix, now)) == -1)
		return 0;
	w = &ix->workers[i];
	if (jobs_add(&ix->jobs, c, m->id, i, &id) == -1) {
		client_reply_error(c, 1, m->id, IPC_E_INTERNAL, "out of memory");
		return 1;
	}
	job = jobs_get(&ix->jobs, id);
	if (put_task(ix, peer_out(w->peer), job, id, m) == -1) {
		jobs_del(&ix->jobs, job);
		client_reply_error(c, 1, m->id, IPC_E_TOO_LARGE,
		    "task larger than max_message (%u bytes)",
		    ix->conf.max_message);
		return 1;
	}
	job->timeout = job_timeout(ix, m);
	c->refs++;
	hold_add(ix, w, job, now);
	return 1;
}

static void
enqueue(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	struct queue	*q = &ix->queue;
	size_t		 mark;

	if (q->live >= ix->conf.queue_limit) {
		client_reply_error(c, 1, m->id, IPC_E_BUSY,
		    "all workers busy and the queue is full (%u jobs)",
		    ix->conf.queue_limit);
		return;
	}
	mark = queue_begin(q);
	if (mark == (size_t)-1 || proto_put_task(&q->bytes,
	    ix->conf.max_message, 0, m->task, &m->data) == -1 ||
	    queue_commit(q, mark, c, m->id, job_timeout(ix, m)) == -1) {
		queue_abort(q, mark);
		client_reply_error(c, 1, m->id, IPC_E_TOO_LARGE,
		    "task larger than max_message (%u bytes)",
		    ix->conf.max_message);
		return;
	}
	c->refs++;
	c->queued++;
}

void
master_submit(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	if (ix->stopping) {
		client_reply_error(c, 1, m->id, IPC_E_SHUTTING_DOWN,
		    "ipcd is shutting down");
		return;
	}
	if (ix->queue.live == 0 && ix->jobs.waiting == 0 &&
	    dispatch_now(ix, c, m))
		return;
	enqueue(ix, c, m);
}

static int
client_alive(struct client *c)
{
	return c->peer != NULL;
}

/* Send a job, its frame kept in job->task, to worker i. */
static int
send_job(struct ipcd *ix, struct job *job, int i, uint64_t now)
{
	struct worker	*w = &ix->workers[i];

	if (buf_append(peer_out(w->peer), buf_head(&job->task),
	    buf_avail(&job->task)) == -1)
		return -1;
	jobs_assign(&ix->jobs, job, i);
	hold_add(ix, w, job, now);
	return 0;
}

/* Jobs taken off a dead worker go first; a gone client's are dropped. */
static void
pump_waiting(struct ipcd *ix, uint64_t now)
{
	struct client	*c;
	struct job	*job;
	int		 i;

	while ((job = jobs_first_waiting(&ix->jobs)) != NULL) {
		if (!client_alive(job->client)) {
			c = job->client;
			jobs_del(&ix->jobs, job);
			client_unref(c);
		} else if ((i = pick_worker(ix, now)) == -1 ||
		    send_job(ix, job, i, now) == -1)
			break;
	}
}

/* Take the oldest queued job into the job table, for worker i. */
static struct job *
unqueue(struct ipcd *ix, const struct qent *e, const uint8_t *frame, int i)
{
	struct job	*job;
	uint64_t	 id;

	if (jobs_add(&ix->jobs, e->client, e->cid, i, &id) == -1)
		return NULL;
	job = jobs_get(&ix->jobs, id);
	if (jobs_set_task(job, frame, e->len) == -1) {
		jobs_del(&ix->jobs, job);
		return NULL;
	}
	proto_task_set_id(buf_head(&job->task), id);
	job->timeout = e->timeout;
	return job;
}

/* Move waiting jobs to workers while any can take one. */
void
master_pump(struct ipcd *ix)
{
	struct qent	 e;
	const uint8_t	*frame;
	struct job	*job;
	uint64_t	 now;
	int		 i;

	if (ix->jobs.waiting == 0 && ix->queue.live == 0)
		return;
	now = clock_ns();
	if (ix->jobs.waiting > 0)
		pump_waiting(ix, now);
	while (ix->jobs.waiting == 0 && queue_peek(&ix->queue, &e, &frame)) {
		if ((i = pick_worker(ix, now)) == -1 ||
		    (job = unqueue(ix, &e, frame, i)) == NULL)
			break;
		if (send_job(ix, job, i, now) == -1) {
			jobs_del(&ix->jobs, job);
			break;
		}
		e.client->queued--;
		queue_pop(&ix->queue);
	}
}

/* Forget a job, replying err to its client if it is still there. */
void
master_job_fail(struct ipcd *ix, struct job *job, enum ipc_err err,
    const char *text)
{
	struct client	*c = job->client;
	struct worker	*w = NULL;

	if (job->worker >= 0) {
		w = &ix->workers[job->worker];
		hold_drop(ix, w, job, clock_ns());
	}
	if (client_alive(c))
		client_reply_error(c, 1, job->cid, err, "%s", text);
	ix->failed++;
	jobs_del(&ix->jobs, job);
	if (w != NULL)
		pool_retire_if_idle(w);
	client_unref(c);
}

static void
job_done(struct ipcd *ix, struct worker *w, const struct ipc_msg *m)
{
	struct job	*job = jobs_get(&ix->jobs, m->id);
	struct client	*c;
	uint32_t	 max;

	if (job == NULL || job->worker != (int)w->slot) {
		log_warnx("worker %u (pid %ld): reply for unknown job %llu",
		    w->slot, (long)w->pid, (unsigned long long)m->id);
		return;
	}
	c = job->client;
	w->life_done++;
	if (m->type == IPC_T_RESULT) {
		ix->done++;
		w->done++;
	} else
		ix->failed++;
	if (client_alive(c)) {
		max = peer_max(c->peer);
		if (m->type == IPC_T_ERROR)
			proto_put_error(peer_out(c->peer), max, 1, job->cid,
			    m->code, m->message);
		else if (proto_put_result(peer_out(c->peer), max, job->cid,
		    &m->data) == -1)
			client_reply_error(c, 1, job->cid, IPC_E_TOO_LARGE,
			    "result larger than max_message (%u bytes)", max);
	}
	hold_answered(ix, w, job, clock_ns());
	jobs_del(&ix->jobs, job);
	supervise_worker_answered(ix, w);
	pool_retire_if_idle(w);
	client_unref(c);
}

static void
worker_ready(struct ipcd *ix, struct worker *w, const struct ipc_msg *m)
{
	if (w->state != W_STARTING || m->pid != (uint64_t)w->pid) {
		log_warnx("worker %u (pid %ld): unexpected READY (pid %llu)",
		    w->slot, (long)w->pid, (unsigned long long)m->pid);
		return;
	}
	pool_set_state(w, W_READY);
	if (!ix->announced && ix->nready == ix->nworkers) {
		ix->announced = 1;
		log_notice("ready: %u workers, socket %s", ix->nworkers,
		    ix->listen_inherited ? "passed by systemd" :
		    ix->conf.socket);
		sd_state(ix, "READY");
	}
	master_settle(ix);
}

static void
worker_msg(struct peer *p, const struct ipc_msg *m, void *arg)
{
	struct worker	*w = arg;
	struct ipcd	*ix = w->ix;

	(void)p;
	if (m->type == IPC_T_READY)
		worker_ready(ix, w, m);
	else
		job_done(ix, w, m);
	master_pump(ix);
	master_check_drained(ix);
}

static void
worker_bad(struct peer *p, enum ipc_err e, const char *why,
    const struct ipc_msg *m, int fatal, void *arg)
{
	struct worker	*w = arg;

	(void)p;
	(void)m;
	log_warnx("worker %u (pid %ld): %s from worker: %s%s", w->slot,
	    (long)w->pid, proto_err_name(e), why, fatal ? "; closing" : "");
}

/*
 * The channel to a worker ended: it must go.  Its jobs stay with it until
 * it is reaped, when its exit status says what happened to them.
 */
static void
worker_gone(struct peer *p, const char *why, void *arg)
{
	struct worker	*w = arg;
	struct ipcd	*ix = w->ix;

	(void)p;
	w->peer = NULL;
	if (w->pid <= 0)	/* being reaped */
		return;
	if (!ix->stopping && !w->asked)
		log_warnx("worker %u (pid %ld): channel %s", w->slot,
		    (long)w->pid, why);
	pool_stop_worker(w, SIGTERM);
	master_pump(ix);
	master_check_drained(ix);
}


/* A client went: drop its waiting jobs; its running ones finish unseen. */
void
master_client_gone(struct ipcd *ix, struct client *c)
{
	unsigned	 n;

	if (c->queued == 0)
		return;
	n = queue_remove(&ix->queue, c);
	c->queued -= n;
	c->refs -= n;
}


/* Answer RELOAD and SCALE once the pool has reached its size; -1 if too many wait. */
int
master_wait_settled(struct ipcd *ix, struct client *c, uint64_t id)
{
	if (ix->nwaiters == WAITERS_MAX)
		return -1;
	ix->waiters[ix->nwaiters].client = c;
	ix->waiters[ix->nwaiters].id = id;
	ix->nwaiters++;
	c->refs++;
	master_settle(ix);
	return 0;
}

/* Answer every RELOAD and SCALE waiting: OK, or the error e. */
void
master_answer_waiters(struct ipcd *ix, enum ipc_err e)
{
	struct client	*c;
	unsigned	 i;

	for (i = 0; i < ix->nwaiters; i++) {
		c = ix->waiters[i].client;
		if (c->peer != NULL && e == IPC_E_NONE)
			proto_put_request(peer_out(c->peer), peer_max(c->peer),
			    IPC_T_OK, ix->waiters[i].id);
		else if (c->peer != NULL)
			client_reply_error(c, 1, ix->waiters[i].id, e,
			    "ipcd is shutting down");
		client_unref(c);
	}
	ix->nwaiters = 0;
}

void
master_settle(struct ipcd *ix)
{
	if (ix->nwaiters > 0 && pool_settled(ix))
		master_answer_waiters(ix, IPC_E_NONE);
}

static void
worker_status(const struct worker *w, const struct timespec *now,
    struct ipc_worker_status *ws)
{
	uint64_t	 ns = (uint64_t)now->tv_sec * 1000000000ULL +
			    (uint64_t)now->tv_nsec;

	memset(ws, 0, sizeof(*ws));
	ws->state = proto_str(pool_state_name(w->state));
	ws->jobs = w->ss.jobs;
	ws->window = w->ss.window;
	ws->busy_ms = hold_busy_ms(w, ns);
	ws->done = w->done;
	ws->restarts = w->restarts;
	if (w->pid <= 0)
		return;
	ws->pid = (uint64_t)w->pid;
	ws->rss = pool_worker_rss(w);
	ws->age_ms = pool_worker_age_ms(w, now);
}

/* The pool's state for a STATUS reply; ws has room for every worker. */
void
master_status(struct ipcd *ix, struct ipc_status *st)
{
	struct timespec	 now;
	unsigned	 i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	st->pid = (uint64_t)getpid();
	st->version = proto_str(PACKAGE_VERSION);
	st->uptime_ms = (uint64_t)(now.tv_sec - ix->started.tv_sec) * 1000 +
	    (now.tv_nsec - ix->started.tv_nsec) / 1000000;
	st->queue = ix->queue.live;
	st->queue_limit = ix->conf.queue_limit;
	st->done = ix->done;
	st->failed = ix->failed;
	st->timed_out = ix->timed_out;
	st->retried = ix->retried;
	st->deaths = ix->deaths;
	st->degraded = supervise_degraded(ix);
	st->clients = ix->nclients;
	st->nworkers = ix->nslots;
	for (i = 0; i < ix->nslots; i++)
		worker_status(&ix->workers[i], &now, &st->workers[i]);
}

int
master_start(struct ipcd *ix)
{
	jobs_init(&ix->jobs);
	queue_init(&ix->queue);
	if (supervise_start(ix) == -1)
		return -1;
	return pool_start(ix);
}
