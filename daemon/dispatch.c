/*
 * One pool's jobs: a job goes straight to the worker that can start it
 * soonest (sched.c) while one has room in its window, else waits in the
 * pool's queue, where any worker can take it; each answer, the worker's or
 * the pool's own, goes back up through the pool's ops to whoever gave the
 * job, exactly once.  Also the workers' channels: their messages, bad ones
 * and their end.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "ipcd.h"
#include "log.h"

static void	worker_msg(struct peer *, const struct ipc_msg *, void *);
static void	worker_bad(struct peer *, enum ipc_err, const char *,
		    const struct ipc_msg *, int, void *);
static void	worker_gone(struct peer *, const char *, void *);

const struct peer_ops dispatch_worker_ops = {
	worker_msg, worker_bad, worker_gone, NULL
};

static struct sched_slot *
slot_at(void *arg, unsigned i)
{
	struct pool	*pool = arg;

	return &pool->workers[i].ss;
}

static int
pick_worker(struct pool *pool, uint64_t now)
{
	return sched_pick(&pool->sched, pool->nslots, slot_at, pool, now);
}

/*
 * The job's time limit: its own, else job_timeout, but never past the
 * operator's ceiling (max_job_timeout, else job_timeout), and none (0)
 * only if the ceiling is none.
 */
static uint32_t
job_timeout(const struct pool *pool, const struct ipc_msg *m)
{
	uint32_t	 t = m->has_timeout ? m->timeout : pool->conf.job_timeout;
	uint32_t	 ceiling = pool->conf.max_job_timeout;

	if (ceiling == CEILING_JOB_TIMEOUT)
		ceiling = pool->conf.job_timeout;
	if (ceiling != 0 && (t == 0 || t > ceiling))
		t = ceiling;
	return t;
}

/* Tell the job's giver of the pool's own error: one answer per job. */
static void
refuse(struct pool *pool, struct client *c, uint64_t cid, enum ipc_err e,
    const char *fmt, ...)
{
	char	 text[IPC_TEXT_MAX + 1];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	pool->ops->answer(c, cid, NULL, e, text);
}

/*
 * Encode the job's TASK frame, kept in the job for as long as it runs;
 * -1 if it does not fit in max_message or in memory.
 */
static int
put_task(struct pool *pool, struct job *job, uint64_t id,
    const struct ipc_msg *m)
{
	struct buf	*b = &pool->scratch;

	b->off = b->len = 0;
	if (proto_put_task(b, pool->ix->conf.max_message, id, m->task,
	    m->data) == -1)
		return -1;
	return jobs_set_task(job, buf_head(b), buf_avail(b));
}

/*
 * Write the job's TASK to worker w, in its pool's protocol: 0, or -1 with
 * *e and *why set (a node worker's JSON cannot carry every value).
 */
static int
worker_send(struct pool *pool, struct worker *w, struct job *job,
    enum ipc_err *e, const char **why)
{
	if (pool->conf.protocol == POOL_NODE)
		return node_put_task(peer_out(w->peer), buf_head(&job->task),
		    buf_avail(&job->task), pool->ix->conf.max_message,
		    &pool->zone, e, why);
	if (buf_append(peer_out(w->peer), buf_head(&job->task),
	    buf_avail(&job->task)) == 0)
		return 0;
	*e = IPC_E_INTERNAL;
	*why = "out of memory";
	return -1;
}

/* A job that cannot go to a worker: answered and forgotten. */
static void
job_refuse(struct pool *pool, struct job *job, enum ipc_err e,
    const char *why)
{
	refuse(pool, job->client, job->cid, e, "%s", why);
	pool->failed++;
	jobs_del(&pool->jobs, job);
}

/* Hand a job straight to a worker; 0 if none can take it now. */
static int
dispatch_now(struct pool *pool, struct client *c, const struct ipc_msg *m)
{
	struct worker	*w;
	struct job	*job;
	uint64_t	 id, now = clock_ns();
	enum ipc_err	 e;
	const char	*why;
	int		 i;

	if ((i = pick_worker(pool, now)) == -1)
		return 0;
	w = &pool->workers[i];
	if (jobs_add(&pool->jobs, c, m->id, i, &id) == -1) {
		refuse(pool, c, m->id, IPC_E_INTERNAL, "out of memory");
		return 1;
	}
	job = jobs_get(&pool->jobs, id);
	if (put_task(pool, job, id, m) == -1) {
		jobs_del(&pool->jobs, job);
		refuse(pool, c, m->id, IPC_E_TOO_LARGE,
		    "task larger than max_message (%u bytes)",
		    pool->ix->conf.max_message);
		return 1;
	}
	if (worker_send(pool, w, job, &e, &why) == -1) {
		job_refuse(pool, job, e, why);
		return 1;
	}
	job->timeout = job_timeout(pool, m);
	pool->ops->take(c, 0, buf_avail(&job->task));
	hold_add(pool, w, job, now);
	return 1;
}

/*
 * The queue is full, and a user with less than an equal share of it has
 * a job: the newest job of the user holding the most makes room.
 */
static void
push_out(struct pool *pool)
{
	struct qent	 e;

	if (!fairq_push_out(&pool->queue, &e))
		return;
	pool->ops->dequeue(e.client);
	refuse(pool, e.client, e.cid, IPC_E_BUSY, "all workers busy and the "
	    "queue is full (%u jobs): pushed out for another user's job, as "
	    "this user holds the most of it", pool->conf.queue_limit);
	pool->ops->drop(e.client, e.len);
}

/* Encode the job into its owner's FIFO; its frame's length, or 0. */
static size_t
queue_job(struct pool *pool, struct subq *sq, struct client *c,
    const struct ipc_msg *m)
{
	struct queue	*q = &sq->q;
	size_t		 mark, len = 0;

	mark = queue_begin(q);
	if (mark != (size_t)-1 && proto_put_task(&q->bytes,
	    pool->ix->conf.max_message, 0, m->task, m->data) == 0)
		len = buf_avail(&q->bytes) - mark - sizeof(struct qent);
	if (len == 0 || queue_commit(q, mark, c, m->id,
	    job_timeout(pool, m)) == -1) {
		queue_abort(q, mark);
		len = 0;
	}
	fairq_close(&pool->queue, sq, len != 0);
	return len;
}

/* Queue a job, in its user's turn (fairq.c); busy if it has its share. */
static void
enqueue(struct pool *pool, struct client *c, const struct ipc_msg *m)
{
	const void	*owner = pool->ops->owner(c);
	struct subq	*sq;
	enum fairq_room	 room;
	size_t		 len;

	room = fairq_room(&pool->queue, owner, pool->conf.queue_limit);
	if (room == FAIRQ_FULL) {
		refuse(pool, c, m->id, IPC_E_BUSY,
		    "all workers busy and the queue is full (%u jobs)",
		    pool->conf.queue_limit);
		return;
	}
	/* its FIFO first: no job is pushed out for one that cannot queue */
	if ((sq = fairq_open(&pool->queue, owner)) == NULL) {
		refuse(pool, c, m->id, IPC_E_INTERNAL, "out of memory");
		return;
	}
	if (room == FAIRQ_PUSH_OUT)
		push_out(pool);
	if ((len = queue_job(pool, sq, c, m)) == 0) {
		refuse(pool, c, m->id, IPC_E_TOO_LARGE,
		    "task larger than max_message (%u bytes)",
		    pool->ix->conf.max_message);
		return;
	}
	pool->ops->take(c, 1, len);
}

/* A job for this pool: to a worker at once if one can take it, else queued. */
void
dispatch_submit(struct pool *pool, struct client *c, const struct ipc_msg *m)
{
	if (pool->queue.live == 0 && pool->jobs.waiting == 0 &&
	    dispatch_now(pool, c, m))
		return;
	enqueue(pool, c, m);
}

/*
 * Send a job, its frame kept in job->task, to worker i: 0; 1 if it cannot
 * go (it is answered and forgotten: unref its client); -1 if memory ran
 * out, with nothing changed.
 */
static int
send_job(struct pool *pool, struct job *job, int i, uint64_t now)
{
	struct worker	*w = &pool->workers[i];
	enum ipc_err	 e;
	const char	*why;

	if (worker_send(pool, w, job, &e, &why) == -1) {
		if (e == IPC_E_INTERNAL)
			return -1;
		job_refuse(pool, job, e, why);
		return 1;
	}
	jobs_assign(&pool->jobs, job, i);
	hold_add(pool, w, job, now);
	return 0;
}

/* Jobs taken off a dead worker go first; a gone client's are dropped. */
static void
pump_waiting(struct pool *pool, uint64_t now)
{
	struct client	*c;
	struct job	*job;
	size_t		 bytes;
	int		 i, r;

	while ((job = jobs_first_waiting(&pool->jobs)) != NULL) {
		c = job->client;
		bytes = buf_avail(&job->task);
		if (!pool->ops->alive(c)) {
			jobs_del(&pool->jobs, job);
			pool->ops->drop(c, bytes);
		} else if ((i = pick_worker(pool, now)) == -1 ||
		    (r = send_job(pool, job, i, now)) == -1)
			break;
		else if (r == 1)
			pool->ops->drop(c, bytes);
	}
}

/* Take the oldest queued job into the job table, for worker i. */
static struct job *
unqueue(struct pool *pool, const struct qent *e, const uint8_t *frame, int i)
{
	struct job	*job;
	uint64_t	 id;

	if (jobs_add(&pool->jobs, e->client, e->cid, i, &id) == -1)
		return NULL;
	job = jobs_get(&pool->jobs, id);
	if (jobs_set_task(job, frame, e->len) == -1) {
		jobs_del(&pool->jobs, job);
		return NULL;
	}
	proto_task_set_id(buf_head(&job->task), id);
	job->timeout = e->timeout;
	return job;
}

/* Move waiting jobs to workers while any can take one. */
void
dispatch_pump(struct pool *pool)
{
	struct qent	 e;
	const uint8_t	*frame;
	struct job	*job;
	uint64_t	 now;
	int		 i, r;

	if (pool->jobs.waiting == 0 && pool->queue.live == 0)
		return;
	now = clock_ns();
	if (pool->jobs.waiting > 0)
		pump_waiting(pool, now);
	while (pool->jobs.waiting == 0 &&
	    fairq_peek(&pool->queue, &e, &frame)) {
		if ((i = pick_worker(pool, now)) == -1 ||
		    (job = unqueue(pool, &e, frame, i)) == NULL)
			break;
		if ((r = send_job(pool, job, i, now)) == -1) {
			jobs_del(&pool->jobs, job);
			break;
		}
		pool->ops->dequeue(e.client);
		fairq_pop(&pool->queue);
		if (r == 1)		/* answered: the queue's reference goes */
			pool->ops->drop(e.client, e.len);
	}
}

/*
 * Forget a job, replying err to its client if it is still there (a late
 * job has had its answer).
 */
void
dispatch_fail(struct pool *pool, struct job *job, enum ipc_err err,
    const char *text)
{
	struct client	*c = job->client;
	struct worker	*w = NULL;
	size_t		 bytes = buf_avail(&job->task);
	int		 late = job->late != 0;

	if (job->worker >= 0) {
		w = &pool->workers[job->worker];
		hold_drop(pool, w, job, clock_ns());
		w->late -= late;
		pool_late_changed(w);
	}
	if (!late) {
		refuse(pool, c, job->cid, err, "%s", text);
		pool->failed++;
	}
	jobs_del(&pool->jobs, job);
	if (w != NULL)
		pool_retire_if_idle(w);
	if (!late)
		pool->ops->drop(c, bytes);
}

/*
 * Answer a job err now, though its worker still holds it: the job stays
 * there, late, until the worker answers it (unseen) or goes.
 */
void
dispatch_abandon(struct pool *pool, struct job *job, enum ipc_err err,
    const char *text)
{
	struct client	*c = job->client;

	refuse(pool, c, job->cid, err, "%s", text);
	pool->failed++;
	job->client = NULL;
	job->late = 1;
	job->deadline = 0;
	pool->ops->drop(c, buf_avail(&job->task));
}

/*
 * The job an answer is for: the one its id names, or for a node worker's
 * answer without an id, the oldest job the worker holds (such a worker
 * holds one at a time unless its pool says it answers in order).
 */
static struct job *
answered_job(struct pool *pool, struct worker *w, const struct ipc_msg *m)
{
	if (!m->has_id)
		return joblist_first(&pool->jobs, &w->held);
	if (pool->conf.protocol == POOL_NODE && !w->ids) {
		w->ids = 1;	/* it echoes ids: it may hold a window */
		pool_window_changed(w);
	}
	return jobs_get(&pool->jobs, m->id);
}

static void
job_done(struct pool *pool, struct worker *w, const struct ipc_msg *m)
{
	struct job	*job = answered_job(pool, w, m);
	struct client	*c;
	size_t		 bytes;

	static struct lograte	 rl;

	if (job == NULL || job->worker != (int)w->slot) {
		log_rated(&rl, LOG_WARNING, "pool %s worker %u (pid %ld): reply "
		    "for unknown job "
		    "%llu", w->pool->name, w->slot, (long)w->pid,
		    (unsigned long long)m->id);
		return;
	}
	w->life_done++;
	if (job->late) {	/* answered timeout already */
		hold_answered(pool, w, job, clock_ns());
		w->late--;
		pool_late_changed(w);
		jobs_del(&pool->jobs, job);
		pool_retire_if_idle(w);
		return;
	}
	c = job->client;
	if (m->type == IPC_T_RESULT) {
		pool->done++;
		w->done++;
	} else
		pool->failed++;
	pool->ops->answer(c, job->cid, m, IPC_E_NONE, NULL);
	hold_answered(pool, w, job, clock_ns());
	bytes = buf_avail(&job->task);
	jobs_del(&pool->jobs, job);
	supervise_worker_answered(pool, w);
	supervise_late(pool, w);
	pool_retire_if_idle(w);
	pool->ops->drop(c, bytes);
}

/* A worker is ready: it takes jobs from now on. */
void
dispatch_ready(struct worker *w)
{
	pool_set_state(w, W_READY);
	if (w->ev_start != NULL)
		evtimer_del(w->ev_start);
	pool_renew_next(w->pool);
}

static void
worker_ready(struct pool *pool, struct worker *w, const struct ipc_msg *m)
{
	static struct lograte	 rl;

	(void)pool;
	if (w->state != W_STARTING || m->pid != (uint64_t)w->pid) {
		log_rated(&rl, LOG_WARNING, "pool %s worker %u (pid %ld): "
		    "unexpected READY (pid "
		    "%llu)", w->pool->name, w->slot, (long)w->pid,
		    (unsigned long long)m->pid);
		return;
	}
	dispatch_ready(w);
}

static void
worker_msg(struct peer *p, const struct ipc_msg *m, void *arg)
{
	struct worker	*w = arg;
	struct pool	*pool = w->pool;

	(void)p;
	if (m->type == IPC_T_READY)
		worker_ready(pool, w, m);
	else
		job_done(pool, w, m);
}

static void
worker_bad(struct peer *p, enum ipc_err e, const char *why,
    const struct ipc_msg *m, int fatal, void *arg)
{
	static struct lograte	 rl;
	struct worker	*w = arg;

	(void)p;
	(void)m;
	log_rated(&rl, LOG_WARNING, "pool %s worker %u (pid %ld): %s from "
	    "worker: %s%s",
	    w->pool->name, w->slot, (long)w->pid, proto_err_name(e), why,
	    fatal ? "; closing" : "");
}

/*
 * The channel to a worker ended: it must go.  Its jobs stay with it until
 * it is reaped, when its exit status says what happened to them.
 */
static void
worker_gone(struct peer *p, const char *why, void *arg)
{
	struct worker	*w = arg;
	struct pool	*pool = w->pool;

	(void)p;
	w->peer = NULL;
	if (w->pid <= 0)	/* being reaped */
		return;
	if (!pool->ix->stopping && !w->asked)
		log_warnx("pool %s worker %u (pid %ld): channel %s",
		    w->pool->name, w->slot, (long)w->pid, why);
	pool_stop_worker(w, SIGTERM);
}



/*
 * A client went: forget its queued jobs; the count of those dropped, and
 * their bytes added to *bytes.
 */
unsigned
dispatch_client_gone(struct pool *pool, const struct client *c,
    uint64_t *bytes)
{
	return fairq_remove(&pool->queue, pool->ops->owner(c), c, bytes);
}

/* Stopping: the jobs waiting in the queue are answered shutting_down. */
void
dispatch_unqueue_all(struct pool *pool)
{
	struct qent	 e;
	const uint8_t	*frame;

	while (fairq_peek(&pool->queue, &e, &frame)) {
		fairq_pop(&pool->queue);
		pool->ops->dequeue(e.client);
		refuse(pool, e.client, e.cid, IPC_E_SHUTTING_DOWN,
		    "ipcd is shutting down");
		pool->failed++;
		pool->ops->drop(e.client, e.len);
	}
}
