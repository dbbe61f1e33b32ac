/*
 * The workers' lives: starting them, noticing their deaths, replacing them
 * with back-off when they keep dying young, stopping one (SIGKILL if it
 * lingers), recycling one gracefully, and letting them go at the end.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ipcd.h"
#include "log.h"

#define RESPAWN_MIN_MS	100
#define RESPAWN_MAX_MS	10000
#define KILL_GRACE_S	2

static void	pool_trim(struct pool *);

static const char *const worker_states[] = {
	[W_EMPTY] = "empty", [W_STARTING] = "starting", [W_READY] = "ready",
	[W_RETIRING] = "retiring", [W_EXITING] = "exiting"
};

const char *
pool_state_name(enum worker_state s)
{
	return worker_states[s];
}

void
pool_set_state(struct worker *w, enum worker_state s)
{
	log_debug("pool %s worker %u (pid %ld): %s -> %s", w->pool->name,
	    w->slot, (long)w->pid, worker_states[w->state], worker_states[s]);
	if (w->state == W_READY)
		w->pool->nready--;
	if (s == W_READY)
		w->pool->nready++;
	w->state = s;
	pool_late_changed(w);
}

/* A worker takes new jobs while it is ready and holds no late one. */
void
pool_late_changed(struct worker *w)
{
	w->ss.open = w->state == W_READY && w->late == 0;
}

/* A program's output and error, read by the master into its log. */
static void
capture_output(struct pool *pool, struct worker *w, const int out[2])
{
	int	 i;

	for (i = 0; i < 2; i++) {
		outlog_free(w->out[i]);
		w->out[i] = outlog_new(pool->ix->base, out[i], i, pool->name,
		    w->pid);
		if (w->out[i] == NULL) {
			log_warnx("pool %s worker %ld: out of memory for its "
			    "output; it is lost", pool->name, (long)w->pid);
			close(out[i]);
		}
	}
}

static void
start_due(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	if (w->state != W_STARTING)
		return;
	log_warnx("pool %s worker %u (pid %ld) did not say READY within %u "
	    "ms; stopping it", w->pool->name, w->slot, (long)w->pid,
	    w->pool->conf.start_timeout);
	pool_stop_worker(w, SIGTERM);
}

/* A worker that does not say READY in time is stopped (0: no limit). */
static void
start_timer(struct pool *pool, struct worker *w)
{
	unsigned	 ms = pool->conf.start_timeout;
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (ms == 0)
		return;
	if (w->ev_start == NULL)
		w->ev_start = evtimer_new(pool->ix->base, start_due, w);
	if (w->ev_start != NULL)
		evtimer_add(w->ev_start, &tv);
}

int
pool_spawn(struct pool *pool, struct worker *w)
{
	int	 builtin = pool->conf.protocol == POOL_BUILTIN;
	pid_t	 pid;
	int	 fd, out[2];

	if ((pid = proc_spawn(pool, &fd, builtin ? worker_main : program_main,
	    builtin ? NULL : out)) == -1) {
		log_warn("pool %s worker %u: cannot start", pool->name,
		    w->slot);
		return -1;
	}
	w->pid = pid;
	w->gen = pool->gen;
	if (!builtin)
		capture_output(pool, w, out);
	sched_slot_restart(&w->ss);
	joblist_init(&w->held);
	/* the built-in worker runs one job at a time; a program if it says so */
	w->inorder = builtin || pool->conf.in_order;
	w->life_done = 0;
	w->asked = 0;
	w->recycle = 0;
	clock_gettime(CLOCK_MONOTONIC, &w->started);
	w->ids = 0;
	w->termed = 0;
	w->late = 0;
	pool_window_changed(w);
	w->peer = peer_new(&pool->ix->pb, fd, IPC_DIR_FROM_WORKER,
	    pool->ix->conf.max_message, &dispatch_worker_ops, w);
	if (w->peer == NULL) {
		log_warnx("pool %s worker %u: out of memory for its channel",
		    pool->name, w->slot);
		close(fd);
		kill(pid, SIGKILL);
		pool_set_state(w, W_EXITING);
		return -1;
	}
	pool_set_state(w, W_STARTING);
	if (pool->conf.protocol == POOL_NODE) {
		/* a node worker says nothing first: Node queues what comes */
		peer_set_framing(w->peer, &framing_node);
		dispatch_ready(w);
	} else
		start_timer(pool, w);
	return 0;
}

static void
respawn_arm(struct pool *pool)
{
	struct timeval	 tv;

	if (evtimer_pending(pool->ev_respawn, NULL))
		return;
	tv.tv_sec = pool->backoff_ms / 1000;
	tv.tv_usec = (pool->backoff_ms % 1000) * 1000;
	evtimer_add(pool->ev_respawn, &tv);
}

static void
backoff_grow(struct pool *pool)
{
	if (pool->backoff_ms == 0) {
		pool->backoff_ms = RESPAWN_MIN_MS;
		pool->health_news = 1;	/* degraded: say so now */
	} else if ((pool->backoff_ms *= 2) > RESPAWN_MAX_MS)
		pool->backoff_ms = RESPAWN_MAX_MS;
}

/*
 * Start a worker in every empty slot; try again later if one fails.  No
 * flush here: this runs inside clients' callbacks too (SCALE, RELOAD).
 */
static void
respawn_fill(struct pool *pool)
{
	unsigned	 i;
	int		 failed = 0;

	for (i = 0; i < pool->nworkers && !pool->ix->stopping; i++)
		if (pool->workers[i].state == W_EMPTY &&
		    pool_spawn(pool, &pool->workers[i]) == -1)
			failed = 1;
	if (failed) {
		backoff_grow(pool);
		respawn_arm(pool);
	}
}

static void
respawn_due(evutil_socket_t fd, short what, void *arg)
{
	struct pool	*pool = arg;

	(void)fd;
	(void)what;
	respawn_fill(pool);
}

/* Replace a dead worker, backing off while workers keep dying young. */
static void
respawn_later(struct pool *pool, struct worker *w)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - w->started.tv_sec >= 2)
		supervise_healthy(pool);
	else
		backoff_grow(pool);
	if (pool->backoff_ms == 0) {
		respawn_fill(pool);
		return;
	}
	if (!evtimer_pending(pool->ev_respawn, NULL))
		log_warnx("pool %s: workers are dying young: next start in "
		    "%u ms", pool->name, pool->backoff_ms);
	respawn_arm(pool);
}

/* A pool named name, with its settings, but no worker yet. */
struct pool *
pool_new(struct ipcd *ix, const struct poolconf *conf,
    const struct pool_ops *ops)
{
	struct pool	*pool;

	if ((pool = calloc(1, sizeof(*pool))) == NULL)
		return NULL;
	pool->ix = ix;
	pool->ops = ops;
	pool->conf = *conf;
	snprintf(pool->name, sizeof(pool->name), "%s", conf->name);
	jobs_init(&pool->jobs);
	fairq_init(&pool->queue);
	if (!msgpack_zone_init(&pool->zone, 8192)) {
		free(pool);
		return NULL;
	}
	pool->workers = calloc(WORKERS_MAX, sizeof(*pool->workers));
	pool->ev_respawn = evtimer_new(ix->base, respawn_due, pool);
	if (pool->workers == NULL || pool->ev_respawn == NULL ||
	    supervise_start(pool) == -1) {
		pool_free(pool);
		return NULL;
	}
	return pool;
}

/* Start its workers; those that cannot start are tried again later. */
void
pool_start(struct pool *pool)
{
	struct worker	*w;
	unsigned	 i;

	pool->nworkers = pool->nslots = pool->conf.workers;
	for (i = 0; i < pool->nworkers; i++) {
		w = &pool->workers[i];
		w->pool = pool;
		w->slot = i;
		sched_slot_init(&w->ss, 0, pool->conf.worker_window);
	}
	respawn_fill(pool);
}

static struct worker *
worker_by_pid(const struct pool *pool, pid_t pid)
{
	unsigned	 i;

	for (i = 0; i < pool->nslots; i++)
		if (pool->workers[i].pid == pid)
			return &pool->workers[i];
	return NULL;
}

int
pool_all_reaped(const struct pool *pool)
{
	unsigned	 i;

	for (i = 0; i < pool->nslots; i++)
		if (pool->workers[i].pid > 0)
			return 0;
	return 1;
}

/* Log a worker's end; one that was not told to go is a death. */
static void
reaped_log(struct pool *pool, struct worker *w, pid_t pid, const char *text)
{
	if (w->asked || pool->ix->stopping || w->slot >= pool->nworkers) {
		log_info("pool %s worker %u (pid %ld) %s", pool->name,
		    w->slot, (long)pid, text);
		return;
	}
	pool->deaths++;
	log_warnx("pool %s worker %u (pid %ld) %s, holding %u job%s",
	    pool->name, w->slot, (long)pid, text, w->ss.jobs,
	    w->ss.jobs == 1 ? "" : "s");
}

/* One worker is gone: deliver what it wrote, then see to its jobs. */
static void
reaped(struct pool *pool, struct worker *w, pid_t pid, int status)
{
	char	 text[128], why[160];

	w->pid = 0;
	if (w->ev_kill != NULL)
		evtimer_del(w->ev_kill);
	pool_set_state(w, W_EXITING);	/* no new job while draining */
	if (w->peer != NULL)
		peer_drain(w->peer);
	if (w->peer != NULL)
		peer_close(w->peer);
	w->peer = NULL;
	outlog_free(w->out[0]);
	outlog_free(w->out[1]);
	w->out[0] = w->out[1] = NULL;
	proc_exit_text(status, text, sizeof(text));
	reaped_log(pool, w, pid, text);
	pool_set_state(w, W_EMPTY);
	snprintf(why, sizeof(why), "worker (pid %ld) %s", (long)pid, text);
	if (w->ss.jobs > 0)
		supervise_worker_lost(pool, w, why);
	if (pool->ix->stopping || w->slot >= pool->nworkers)
		return;
	w->restarts++;
	if (w->asked)
		respawn_fill(pool);
	else
		respawn_later(pool, w);
}

/* A child has exited: if it was one of this pool's workers, see to it. */
/*
 * Someone stopped a worker (SIGSTOP, SIGTSTP): it would hold its jobs for
 * ever.  It is killed, and replaced as a worker that died.
 */
static void
worker_stopped(struct worker *w, int status)
{
	int	 sig = WSTOPSIG(status);

	log_warnx("pool %s worker %u (pid %ld) was stopped by signal %d "
	    "(SIG%s): killing it", w->pool->name, w->slot, (long)w->pid, sig,
	    sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
	kill(w->pid, SIGKILL);
}

int
pool_reaped(struct pool *pool, pid_t pid, int status)
{
	struct worker	*w;

	if ((w = worker_by_pid(pool, pid)) == NULL)
		return 0;
	if (WIFSTOPPED(status)) {
		worker_stopped(w, status);
		return 1;
	}
	reaped(pool, w, pid, status);
	pool_trim(pool);
	return 1;
}

/* Forget the empty slots above the wanted count. */
static void
pool_trim(struct pool *pool)
{
	while (pool->nslots > pool->nworkers &&
	    pool->workers[pool->nslots - 1].state == W_EMPTY)
		pool->nslots--;
}

/*
 * A worker still there after the grace: a program (which a closed channel
 * may not end, as a Node worker holding a timer) gets SIGTERM and another
 * grace, then SIGKILL.  1 once it has been killed.
 */
static int
linger(struct worker *w)
{
	if (!w->termed && w->pool->conf.protocol != POOL_BUILTIN) {
		log_info("pool %s worker %u (pid %ld) did not exit; sending "
		    "SIGTERM", w->pool->name, w->slot, (long)w->pid);
		w->termed = 1;
		kill(w->pid, SIGTERM);
		return 0;
	}
	log_warnx("pool %s worker %u (pid %ld) did not exit; killing it",
	    w->pool->name, w->slot, (long)w->pid);
	kill(w->pid, SIGKILL);
	return 1;
}

static void
kill_due_one(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	if (w->pid <= 0 || w->state != W_EXITING)
		return;
	if (linger(w) == 0 && w->ev_kill != NULL) {
		struct timeval	 tv = { KILL_GRACE_S, 0 };

		evtimer_add(w->ev_kill, &tv);
	}
}

/*
 * Make a worker go: close its channel, send sig (0: none, the closed
 * channel tells it), and SIGKILL it if it is still there after the grace.
 */
void
pool_stop_worker(struct worker *w, int sig)
{
	struct timeval	 tv = { KILL_GRACE_S, 0 };

	if (w->peer != NULL)
		peer_close(w->peer);
	w->peer = NULL;
	if (w->pid <= 0)
		return;
	if (sig != 0)
		kill(w->pid, sig);
	w->termed |= sig == SIGTERM;
	pool_set_state(w, W_EXITING);
	if (w->ev_kill == NULL)
		w->ev_kill = evtimer_new(w->pool->ix->base, kill_due_one, w);
	if (w->ev_kill != NULL)
		evtimer_add(w->ev_kill, &tv);
}

/* A retiring worker with no job left: close its channel and it exits. */
void
pool_retire_if_idle(struct worker *w)
{
	if (w->state != W_RETIRING || w->ss.jobs > 0)
		return;
	w->asked = 1;
	pool_stop_worker(w, 0);
}

/*
 * Replace a worker once its current jobs are done; not the last ready
 * worker of a pool of two or more.  1 if it is on its way out.
 */
int
pool_recycle(struct worker *w, const char *why)
{
	struct pool	*pool = w->pool;

	if (w->state != W_READY || pool->ix->stopping)
		return 0;
	if (pool->nworkers > 1 && pool->nready < 2)
		return 0;
	log_info("pool %s worker %u (pid %ld) %s: replacing it",
	    w->pool->name, w->slot, (long)w->pid, why);
	w->recycle = 1;
	pool_set_state(w, W_RETIRING);
	pool_retire_if_idle(w);
	return 1;
}

/* Resident memory of a worker, from /proc; 0 if unknown. */
uint64_t
pool_worker_rss(const struct worker *w)
{
	char			 path[64], text[128];
	unsigned long long	 size, rss;
	ssize_t			 n;
	int			 fd;

	snprintf(path, sizeof(path), "/proc/%ld/statm", (long)w->pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	text[n] = '\0';
	if (sscanf(text, "%llu %llu", &size, &rss) != 2)
		return 0;
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

uint64_t
pool_worker_age_ms(const struct worker *w, const struct timespec *now)
{
	return (uint64_t)(now->tv_sec - w->started.tv_sec) * 1000 +
	    (now->tv_nsec - w->started.tv_nsec) / 1000000;
}

/*
 * Want n workers: start the missing ones; the ones above n take no more
 * jobs and go once their current jobs are done.
 */
/*
 * The most jobs w may hold: worker_window, except that a node worker that
 * has not shown it echoes ids holds one, unless its pool is in order.
 */
unsigned
pool_window_max(const struct worker *w)
{
	const struct poolconf *c = &w->pool->conf;

	if (c->protocol == POOL_NODE && !w->ids && !c->in_order)
		return 1;
	return c->worker_window;
}

/* Its bound changed: its window takes it at once. */
void
pool_window_changed(struct worker *w)
{
	w->ss.window = sched_window(w->ss.svc_ns, pool_window_max(w));
}

/* worker_window changed: every window takes the new bound at once. */
void
pool_set_window(struct pool *pool)
{
	unsigned	 i;

	for (i = 0; i < pool->nslots; i++)
		pool_window_changed(&pool->workers[i]);
}

/* The mean job time the pool's slots have learned; 0 if it has none. */
static uint64_t
pool_svc_ns(const struct pool *pool)
{
	uint64_t	 sum = 0;
	unsigned	 i;

	for (i = 0; i < pool->nslots; i++)
		sum += pool->workers[i].ss.svc_ns;
	return pool->nslots > 0 ? sum / pool->nslots : 0;
}

void
pool_resize(struct pool *pool, unsigned n)
{
	struct worker	*w;
	uint64_t	 svc = pool_svc_ns(pool);
	unsigned	 i;

	log_notice("pool %s: %u workers (was %u)", pool->name, n,
	    pool->nworkers);
	pool->nworkers = n;
	for (i = 0; i < n; i++) {
		w = &pool->workers[i];
		if (i >= pool->nslots)	/* a new slot learns from the others */
			sched_slot_init(&w->ss, svc, pool->conf.worker_window);
		w->pool = pool;
		w->slot = i;
		if (w->state == W_RETIRING && !w->recycle)
			pool_set_state(w, W_READY);
	}
	for (i = n; i < pool->nslots; i++) {
		w = &pool->workers[i];
		if (w->state == W_READY || w->state == W_STARTING) {
			pool_set_state(w, W_RETIRING);
			pool_retire_if_idle(w);
		}
	}
	if (n > pool->nslots)
		pool->nslots = n;
	pool_trim(pool);
	respawn_fill(pool);
}

/* Has the pool reached its size: n workers ready and none going? */
/*
 * Degraded, with every worker short of ready waiting for its respawn:
 * nothing under way will bring the pool to its size soon.
 */
int
pool_stalled(const struct pool *pool)
{
	unsigned	 i;

	if (!supervise_degraded(pool))
		return 0;
	for (i = 0; i < pool->nslots; i++)
		if (pool->workers[i].state != W_READY &&
		    pool->workers[i].state != W_EMPTY)
			return 0;
	return 1;
}

int
pool_settled(const struct pool *pool)
{
	unsigned	 i;

	if (pool->gone || pool->nslots != pool->nworkers)
		return 0;
	for (i = 0; i < pool->nworkers; i++)
		if (pool->workers[i].gen != pool->gen)
			return 0;
	for (i = 0; i < pool->nworkers; i++)
		if (pool->workers[i].state != W_READY)
			return 0;
	return 1;
}

static void
kill_due(evutil_socket_t fd, short what, void *arg)
{
	struct pool	*pool = arg;
	struct timeval	 tv = { KILL_GRACE_S, 0 };
	unsigned	 i;
	int		 again = 0;

	(void)fd;
	(void)what;
	for (i = 0; i < pool->nslots; i++)
		if (pool->workers[i].pid > 0)
			again |= linger(&pool->workers[i]) == 0;
	if (again)
		evtimer_add(pool->ev_kill, &tv);
}

/* Close every channel of the pool: a worker exits when its channel ends. */
void
pool_close(struct pool *pool)
{
	struct timeval	 tv = { KILL_GRACE_S, 0 };
	struct worker	*w;
	unsigned	 i;

	if (pool->ev_kill != NULL)
		return;
	for (i = 0; i < pool->nslots; i++) {
		w = &pool->workers[i];
		w->asked = 1;
		if (w->peer != NULL) {
			peer_close(w->peer);
			w->peer = NULL;
		}
		if (w->pid > 0)
			pool_set_state(w, W_EXITING);
	}
	if ((pool->ev_kill = evtimer_new(pool->ix->base, kill_due, pool)) !=
	    NULL)
		evtimer_add(pool->ev_kill, &tv);
}

/* No job running or waiting. */
int
pool_idle(const struct pool *pool)
{
	return pool->jobs.running == 0 && pool->queue.live == 0;
}

/*
 * Replace the next worker that runs older settings than the pool's, when
 * that leaves the pool a ready worker (pool_recycle); each replacement's
 * READY calls this again, so they go one at a time.
 */
void
pool_renew_next(struct pool *pool)
{
	struct worker	*w;
	unsigned	 i;

	for (i = 0; i < pool->nworkers; i++) {
		w = &pool->workers[i];
		if (w->gen == pool->gen || w->state != W_READY)
			continue;
		pool_recycle(w, "runs older settings");
		return;
	}
}

/* What the workers run has changed: every worker is to be replaced. */
void
pool_renew(struct pool *pool)
{
	pool->gen++;
	pool_renew_next(pool);
}

void
pool_free(struct pool *pool)
{
	unsigned	 i;

	if (pool->workers != NULL)
		for (i = 0; i < WORKERS_MAX; i++) {
			if (pool->workers[i].ev_kill != NULL)
				event_free(pool->workers[i].ev_kill);
			if (pool->workers[i].ev_start != NULL)
				event_free(pool->workers[i].ev_start);
			outlog_free(pool->workers[i].out[0]);
			outlog_free(pool->workers[i].out[1]);
		}
	if (pool->ev_respawn != NULL)
		event_free(pool->ev_respawn);
	if (pool->ev_kill != NULL)
		event_free(pool->ev_kill);
	free(pool->workers);
	supervise_free(pool);
	jobs_free(&pool->jobs);
	fairq_free(&pool->queue);
	buf_free(&pool->scratch);
	msgpack_zone_destroy(&pool->zone);
	free(pool);
}
