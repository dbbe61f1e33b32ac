/*
 * The router between clients and pools: a job goes to its pool
 * (route.c, dispatch.c); the pools are set up, reaped, retired and freed
 * here; the follow-ups of each turn of the loop; the RELOAD and SCALE
 * requests waiting for the pools to settle, readiness, and the STATUS
 * reply.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "ipcd.h"
#include "log.h"

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

/* A SUBMIT: to the pool it goes to (route.c), or refused here. */
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
	dispatch_submit(pool, c, m);
}

/* A client went: drop its waiting jobs; its running ones finish unseen. */
void
master_client_gone(struct ipcd *ix, struct client *c)
{
	struct pool	*pool;
	uint64_t	 bytes = 0;
	unsigned	 n;

	TAILQ_FOREACH(pool, &ix->pools, entry) {
		if (c->queued == 0)
			break;
		n = dispatch_client_gone(pool, c, &bytes);
		c->queued -= n;
		c->refs -= n;
	}
	limits_charge(ix, c->user, -(int64_t)bytes);
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

/*
 * Answer RELOAD and SCALE once every pool has its size, or has stopped
 * getting there for now (pool_stalled: its workers cannot start or die
 * young, and it backs off, which may take long; the status shows it).  A
 * pool removed by a reload is waited for until its workers have gone.
 */
void
master_settle(struct ipcd *ix)
{
	struct pool	*pool;

	if (ix->nwaiters == 0)
		return;
	TAILQ_FOREACH(pool, &ix->pools, entry)
		if (!pool_settled(pool) && (pool->gone || !pool_stalled(pool)))
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
	st->held = ix->held;
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
}

/*
 * After each turn of the event loop, the follow-ups of whatever happened
 * in it, once: jobs to workers that have room, a pool's health told to
 * systemd, removed pools retired, the end of a drain, readiness, RELOAD
 * and SCALE answered, and every peer's output written in one write()
 * each.
 */
void
master_loop(struct ipcd *ix)
{
	struct pool	*pool;

	TAILQ_FOREACH(pool, &ix->pools, entry) {
		dispatch_pump(pool);
		if (pool->health_news) {
			pool->health_news = 0;
			sd_send_status(ix);
		}
	}
	master_retire_pools(ix);
	master_check_drained(ix);
	announce(ix);
	master_settle(ix);
	peer_flush_all(&ix->pb);
	control_resume(ix);
}

/* A pool with these settings, started, at the end of the list. */
struct pool *
master_add_pool(struct ipcd *ix, const struct poolconf *pc)
{
	struct pool	*pool;

	if ((pool = pool_new(ix, pc, &client_pool_ops)) == NULL)
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
