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
	struct pool	*pool = arg;

	return &pool->workers[i].ss;
}

static int
pick_worker(struct pool *pool, uint64_t now)
{
	return sched_pick(&pool->sched, pool->nslots, slot_at, pool, now);
}

/* The job's time limit: its own, else the configured default. */
static uint32_t
job_timeout(const struct pool *pool, const struct ipc_msg *m)
{
	return m->has_timeout ? m->timeout : pool->conf.job_timeout;
}

static int
client_alive(struct client *c)
{
	return c->peer != NULL;
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
	    &m->data) == -1)
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
	if (client_alive(job->client))
		client_reply_error(job->client, 1, job->cid, e, "%s", why);
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
		client_reply_error(c, 1, m->id, IPC_E_INTERNAL, "out of memory");
		return 1;
	}
	job = jobs_get(&pool->jobs, id);
	if (put_task(pool, job, id, m) == -1) {
		jobs_del(&pool->jobs, job);
		client_reply_error(c, 1, m->id, IPC_E_TOO_LARGE,
		    "task larger than max_message (%u bytes)",
		    pool->ix->conf.max_message);
		return 1;
	}
	if (worker_send(pool, w, job, &e, &why) == -1) {
		job_refuse(pool, job, e, why);
		return 1;
	}
	job->timeout = job_timeout(pool, m);
	c->refs++;
	hold_add(pool, w, job, now);
	return 1;
}

static void
enqueue(struct pool *pool, struct client *c, const struct ipc_msg *m)
{
	struct queue	*q = &pool->queue;
	size_t		 mark;

	if (q->live >= pool->conf.queue_limit) {
		client_reply_error(c, 1, m->id, IPC_E_BUSY,
		    "all workers busy and the queue is full (%u jobs)",
		    pool->conf.queue_limit);
		return;
	}
	mark = queue_begin(q);
	if (mark == (size_t)-1 || proto_put_task(&q->bytes,
	    pool->ix->conf.max_message, 0, m->task, &m->data) == -1 ||
	    queue_commit(q, mark, c, m->id, job_timeout(pool, m)) == -1) {
		queue_abort(q, mark);
		client_reply_error(c, 1, m->id, IPC_E_TOO_LARGE,
		    "task larger than max_message (%u bytes)",
		    pool->ix->conf.max_message);
		return;
	}
	c->refs++;
	c->queued++;
}

void
master_submit(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	struct pool	*pool;
	enum ipc_err	 e;
	char		 why[160];

	if (ix->stopping) {
		client_reply_error(c, 1, m->id, IPC_E_SHUTTING_DOWN,
		    "ipcd is shutting down");
		return;
	}
	if ((pool = route_job(ix, m, &e, why, sizeof(why))) == NULL) {
		client_reply_error(c, 1, m->id, e, "%s", why);
		return;
	}
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
	int		 i, r;

	while ((job = jobs_first_waiting(&pool->jobs)) != NULL) {
		c = job->client;
		if (!client_alive(c)) {
			jobs_del(&pool->jobs, job);
			client_unref(c);
		} else if ((i = pick_worker(pool, now)) == -1 ||
		    (r = send_job(pool, job, i, now)) == -1)
			break;
		else if (r == 1)
			client_unref(c);
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
master_pump(struct pool *pool)
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
	while (pool->jobs.waiting == 0 && queue_peek(&pool->queue, &e, &frame)) {
		if ((i = pick_worker(pool, now)) == -1 ||
		    (job = unqueue(pool, &e, frame, i)) == NULL)
			break;
		if ((r = send_job(pool, job, i, now)) == -1) {
			jobs_del(&pool->jobs, job);
			break;
		}
		e.client->queued--;
		queue_pop(&pool->queue);
		if (r == 1)		/* answered: the queue's reference goes */
			client_unref(e.client);
	}
}

/* Forget a job, replying err to its client if it is still there. */
void
master_job_fail(struct pool *pool, struct job *job, enum ipc_err err,
    const char *text)
{
	struct client	*c = job->client;
	struct worker	*w = NULL;

	if (job->worker >= 0) {
		w = &pool->workers[job->worker];
		hold_drop(pool, w, job, clock_ns());
	}
	if (client_alive(c))
		client_reply_error(c, 1, job->cid, err, "%s", text);
	pool->failed++;
	jobs_del(&pool->jobs, job);
	if (w != NULL)
		pool_retire_if_idle(w);
	client_unref(c);
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
	uint32_t	 max;

	if (job == NULL || job->worker != (int)w->slot) {
		log_warnx("pool %s worker %u (pid %ld): reply for unknown job "
		    "%llu", w->pool->name, w->slot, (long)w->pid,
		    (unsigned long long)m->id);
		return;
	}
	c = job->client;
	w->life_done++;
	if (m->type == IPC_T_RESULT) {
		pool->done++;
		w->done++;
	} else
		pool->failed++;
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
	hold_answered(pool, w, job, clock_ns());
	jobs_del(&pool->jobs, job);
	supervise_worker_answered(pool, w);
	pool_retire_if_idle(w);
	client_unref(c);
}

/* Once every pool has all its workers at last: ready. */
static void
announce(struct ipcd *ix)
{
	struct pool	*pool;
	unsigned	 n = 0;

	if (ix->announced)
		return;
	TAILQ_FOREACH(pool, &ix->pools, entry) {
		if (pool->nready < pool->nworkers)
			return;
		n += pool->nworkers;
	}
	ix->announced = 1;
	log_notice("ready: %u workers, socket %s", n, ix->listen_inherited ?
	    "passed by systemd" : ix->conf.socket);
	sd_state(ix, "READY");
}

/* A worker is ready: it takes jobs from now on. */
void
master_ready(struct worker *w)
{
	pool_set_state(w, W_READY);
	if (w->ev_start != NULL)
		evtimer_del(w->ev_start);
	pool_renew_next(w->pool);
	announce(w->pool->ix);
	master_settle(w->pool->ix);
}

static void
worker_ready(struct pool *pool, struct worker *w, const struct ipc_msg *m)
{
	(void)pool;
	if (w->state != W_STARTING || m->pid != (uint64_t)w->pid) {
		log_warnx("pool %s worker %u (pid %ld): unexpected READY (pid "
		    "%llu)", w->pool->name, w->slot, (long)w->pid,
		    (unsigned long long)m->pid);
		return;
	}
	master_ready(w);
}

static void
worker_msg(struct peer *p, const struct ipc_msg *m, void *arg)
{
	struct worker	*w = arg;
	struct pool	*pool = w->pool;
	struct ipcd	*ix = pool->ix;

	(void)p;
	if (m->type == IPC_T_READY)
		worker_ready(pool, w, m);
	else
		job_done(pool, w, m);
	if (pool->gone)		/* its workers are still here: no free */
		master_retire_pools(ix);
}

static void
worker_bad(struct peer *p, enum ipc_err e, const char *why,
    const struct ipc_msg *m, int fatal, void *arg)
{
	struct worker	*w = arg;

	(void)p;
	(void)m;
	log_warnx("pool %s worker %u (pid %ld): %s from worker: %s%s",
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


/* A client went: drop its waiting jobs; its running ones finish unseen. */
void
master_client_gone(struct ipcd *ix, struct client *c)
{
	struct pool	*pool;
	unsigned	 n;

	TAILQ_FOREACH(pool, &ix->pools, entry) {
		if (c->queued == 0)
			return;
		n = queue_remove(&pool->queue, c);
		c->queued -= n;
		c->refs -= n;
	}
}

/*
 * Answer RELOAD and SCALE once every pool has its size, or cannot start a
 * worker at all (STATUS says it is degraded); -1 if too many wait.
 */
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

/* No worker of the pool could start: it will not settle by waiting. */
static int
pool_failing(const struct pool *pool)
{
	return supervise_degraded(pool) && pool->nready == 0;
}

void
master_settle(struct ipcd *ix)
{
	struct pool	*pool;

	if (ix->nwaiters == 0)
		return;
	TAILQ_FOREACH(pool, &ix->pools, entry)
		if (!pool_settled(pool) && (pool->gone || !pool_failing(pool)))
			return;
	master_answer_waiters(ix, IPC_E_NONE);
}

static void
worker_status(const struct worker *w, const struct timespec *now,
    struct ipc_worker_status *ws)
{
	uint64_t	 ns = (uint64_t)now->tv_sec * 1000000000ULL +
			    (uint64_t)now->tv_nsec;

	memset(ws, 0, sizeof(*ws));
	ws->pool = proto_str(w->pool->name);
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

static const char *const protocol_names[] = {
	[POOL_BUILTIN] = "builtin", [POOL_IPCD] = "ipcd", [POOL_NODE] = "node"
};

static void
pool_status(const struct pool *pool, struct ipc_pool_status *ps)
{
	memset(ps, 0, sizeof(*ps));
	ps->name = proto_str(pool->name);
	ps->protocol = proto_str(protocol_names[pool->conf.protocol]);
	ps->command = proto_str(pool->conf.command);
	ps->size = pool->nworkers;
	ps->ready = pool->nready;
	ps->queue = pool->queue.live;
	ps->queue_limit = pool->conf.queue_limit;
	ps->done = pool->done;
	ps->failed = pool->failed;
	ps->timed_out = pool->timed_out;
	ps->retried = pool->retried;
	ps->deaths = pool->deaths;
	ps->degraded = supervise_degraded(pool);
}

/* Add one pool to the sums of a STATUS reply. */
static void
status_add(struct ipc_status *st, const struct ipc_pool_status *ps)
{
	st->queue += ps->queue;
	st->queue_limit += ps->queue_limit;
	st->done += ps->done;
	st->failed += ps->failed;
	st->timed_out += ps->timed_out;
	st->retried += ps->retried;
	st->deaths += ps->deaths;
	st->degraded |= ps->degraded;
}

/* Workers and pools that a STATUS reply for one pool (or all) holds. */
void
master_status_size(struct ipcd *ix, const struct pool *one, uint32_t *nw,
    uint32_t *np)
{
	const struct pool *pool;

	*nw = *np = 0;
	TAILQ_FOREACH(pool, &ix->pools, entry)
		if (one == NULL || pool == one) {
			*nw += pool->nslots;
			(*np)++;
		}
}

/* The state for a STATUS reply, of one pool or all; st has the room. */
void
master_status(struct ipcd *ix, const struct pool *one, struct ipc_status *st)
{
	const struct pool *pool;
	struct timespec	 now;
	unsigned	 i;

	clock_gettime(CLOCK_MONOTONIC, &now);
	st->pid = (uint64_t)getpid();
	st->version = proto_str(PACKAGE_VERSION);
	st->uptime_ms = (uint64_t)(now.tv_sec - ix->started.tv_sec) * 1000 +
	    (now.tv_nsec - ix->started.tv_nsec) / 1000000;
	st->clients = ix->nclients;
	st->nworkers = st->npools = 0;
	TAILQ_FOREACH(pool, &ix->pools, entry) {
		if (one != NULL && pool != one)
			continue;
		pool_status(pool, &st->pools[st->npools]);
		status_add(st, &st->pools[st->npools++]);
		for (i = 0; i < pool->nslots; i++)
			worker_status(&pool->workers[i], &now,
			    &st->workers[st->nworkers++]);
	}
}

/* SIGCHLD: collect dead workers, deliver what they wrote, replace them. */
void
master_reap(struct ipcd *ix)
{
	struct pool	*pool;
	pid_t		 pid;
	int		 status;

	while (proc_reap(&pid, &status) > 0)
		TAILQ_FOREACH(pool, &ix->pools, entry)
			if (pool_reaped(pool, pid, status))
				break;
	master_retire_pools(ix);
}

/*
 * After each turn of the event loop, the follow-ups of whatever happened
 * in it, once: jobs to workers that have room, the end of a drain,
 * RELOAD and SCALE answered, and every peer's output written in one
 * write() each.
 */
void
master_loop(struct ipcd *ix)
{
	struct pool	*pool;

	TAILQ_FOREACH(pool, &ix->pools, entry)
		master_pump(pool);
	master_check_drained(ix);
	master_settle(ix);
	peer_flush_all(&ix->pb);
}

/* A pool with these settings, started, at the end of the list. */
struct pool *
master_add_pool(struct ipcd *ix, const struct poolconf *pc)
{
	struct pool	*pool;

	if ((pool = pool_new(ix, pc)) == NULL)
		return NULL;
	TAILQ_INSERT_TAIL(&ix->pools, pool, entry);
	pool_start(pool);
	return pool;
}

/* The built-in pool, with the settings of [ipcd], then each [pool NAME]. */
int
master_start(struct ipcd *ix)
{
	unsigned	 i;

	TAILQ_INIT(&ix->pools);
	if (ix->conf.builtin &&
	    (ix->builtin = master_add_pool(ix, &ix->conf.pool)) == NULL)
		return -1;
	for (i = 0; i < ix->conf.npools; i++)
		if (master_add_pool(ix, &ix->conf.pools[i]) == NULL)
			return -1;
	return route_build(ix);
}

/*
 * Pools removed by a reload: once one has no job left its workers go, and
 * once they are gone, so is the pool.  May free the pool it is called for.
 */
void
master_retire_pools(struct ipcd *ix)
{
	struct pool	*pool, *next;

	for (pool = TAILQ_FIRST(&ix->pools); pool != NULL; pool = next) {
		next = TAILQ_NEXT(pool, entry);
		if (!pool->gone || !pool_idle(pool))
			continue;
		if (pool->nworkers > 0) {
			pool->nworkers = 0;
			pool_close(pool);
		}
		if (pool_all_reaped(pool)) {
			log_info("pool %s: gone", pool->name);
			TAILQ_REMOVE(&ix->pools, pool, entry);
			pool_free(pool);
		}
	}
	master_settle(ix);
}

/* Every pool goes, with what is left of it. */
void
master_free(struct ipcd *ix)
{
	struct pool	*pool;

	while ((pool = TAILQ_FIRST(&ix->pools)) != NULL) {
		TAILQ_REMOVE(&ix->pools, pool, entry);
		pool_free(pool);
	}
	route_free(ix);
}
