/*
 * The workers' lives: starting them, noticing their deaths, replacing them
 * with back-off when they keep dying young, stopping one (SIGKILL if it
 * lingers), recycling one gracefully, and letting them go at the end.
 */
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

static void	pool_trim(struct ipcd *);

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
	log_debug("worker %u (pid %ld): %s -> %s", w->slot, (long)w->pid,
	    worker_states[w->state], worker_states[s]);
	if (w->state == W_READY)
		w->ix->nready--;
	if (s == W_READY)
		w->ix->nready++;
	w->state = s;
	w->ss.open = s == W_READY;
}

int
pool_spawn(struct ipcd *ix, struct worker *w)
{
	pid_t	 pid;
	int	 fd;

	if ((pid = proc_spawn(ix, &fd, worker_main)) == -1) {
		log_warn("worker %u: cannot start", w->slot);
		return -1;
	}
	w->pid = pid;
	sched_slot_restart(&w->ss);
	joblist_init(&w->held);
	w->inorder = 1;		/* the built-in worker runs one job at a time */
	w->life_done = 0;
	w->asked = 0;
	w->recycle = 0;
	clock_gettime(CLOCK_MONOTONIC, &w->started);
	w->peer = peer_new(&ix->pb, fd, IPC_DIR_FROM_WORKER,
	    ix->conf.max_message, &master_worker_ops, w);
	if (w->peer == NULL) {
		log_warnx("worker %u: out of memory for its channel", w->slot);
		close(fd);
		kill(pid, SIGKILL);
		pool_set_state(w, W_EXITING);
		return -1;
	}
	pool_set_state(w, W_STARTING);
	return 0;
}

static void
respawn_arm(struct ipcd *ix)
{
	struct timeval	 tv;

	if (evtimer_pending(ix->ev_respawn, NULL))
		return;
	tv.tv_sec = ix->backoff_ms / 1000;
	tv.tv_usec = (ix->backoff_ms % 1000) * 1000;
	evtimer_add(ix->ev_respawn, &tv);
}

static void
backoff_grow(struct ipcd *ix)
{
	if (ix->backoff_ms == 0) {
		ix->backoff_ms = RESPAWN_MIN_MS;
		sd_send_status(ix);	/* degraded: say so now */
	} else if ((ix->backoff_ms *= 2) > RESPAWN_MAX_MS)
		ix->backoff_ms = RESPAWN_MAX_MS;
}

/*
 * Start a worker in every empty slot; try again later if one fails.  No
 * flush here: this runs inside clients' callbacks too (SCALE, RELOAD).
 */
static void
respawn_fill(struct ipcd *ix)
{
	unsigned	 i;
	int		 failed = 0;

	for (i = 0; i < ix->nworkers && !ix->stopping; i++)
		if (ix->workers[i].state == W_EMPTY &&
		    pool_spawn(ix, &ix->workers[i]) == -1)
			failed = 1;
	if (failed) {
		backoff_grow(ix);
		respawn_arm(ix);
	}
}

static void
respawn_due(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd	*ix = arg;

	(void)fd;
	(void)what;
	respawn_fill(ix);
	peer_flush_all(&ix->pb);
}

/* Replace a dead worker, backing off while workers keep dying young. */
static void
respawn_later(struct ipcd *ix, struct worker *w)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - w->started.tv_sec >= 2)
		supervise_healthy(ix);
	else
		backoff_grow(ix);
	if (ix->backoff_ms == 0) {
		respawn_fill(ix);
		return;
	}
	if (!evtimer_pending(ix->ev_respawn, NULL))
		log_warnx("workers are dying young: next start in %u ms",
		    ix->backoff_ms);
	respawn_arm(ix);
}

int
pool_start(struct ipcd *ix)
{
	unsigned	 i;

	ix->nworkers = ix->nslots = ix->conf.workers;
	ix->workers = calloc(WORKERS_MAX, sizeof(*ix->workers));
	ix->ev_respawn = evtimer_new(ix->base, respawn_due, ix);
	if (ix->workers == NULL || ix->ev_respawn == NULL)
		return -1;
	for (i = 0; i < ix->nworkers; i++) {
		ix->workers[i].ix = ix;
		ix->workers[i].slot = i;
		sched_slot_init(&ix->workers[i].ss, 0, ix->conf.worker_window);
		if (pool_spawn(ix, &ix->workers[i]) == -1)
			return -1;
	}
	return 0;
}

static struct worker *
worker_by_pid(struct ipcd *ix, pid_t pid)
{
	unsigned	 i;

	for (i = 0; i < ix->nslots; i++)
		if (ix->workers[i].pid == pid)
			return &ix->workers[i];
	return NULL;
}

int
pool_all_reaped(struct ipcd *ix)
{
	unsigned	 i;

	for (i = 0; i < ix->nslots; i++)
		if (ix->workers[i].pid > 0)
			return 0;
	return 1;
}

/* Log a worker's end; one that was not told to go is a death. */
static void
reaped_log(struct ipcd *ix, struct worker *w, pid_t pid, const char *text)
{
	if (w->asked || ix->stopping || w->slot >= ix->nworkers) {
		log_info("worker %u (pid %ld) %s", w->slot, (long)pid, text);
		return;
	}
	ix->deaths++;
	log_warnx("worker %u (pid %ld) %s, holding %u job%s", w->slot,
	    (long)pid, text, w->ss.jobs, w->ss.jobs == 1 ? "" : "s");
}

/* One worker is gone: deliver what it wrote, then see to its jobs. */
static void
reaped(struct ipcd *ix, struct worker *w, pid_t pid, int status)
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
	proc_exit_text(status, text, sizeof(text));
	reaped_log(ix, w, pid, text);
	pool_set_state(w, W_EMPTY);
	snprintf(why, sizeof(why), "worker (pid %ld) %s", (long)pid, text);
	if (w->ss.jobs > 0)
		supervise_worker_lost(ix, w, why);
	if (ix->stopping || w->slot >= ix->nworkers)
		return;
	w->restarts++;
	if (w->asked)
		respawn_fill(ix);
	else
		respawn_later(ix, w);
}

/* SIGCHLD: collect dead workers, deliver what they wrote, replace them. */
void
pool_reap(struct ipcd *ix)
{
	struct worker	*w;
	pid_t		 pid;
	int		 status;

	while (proc_reap(&pid, &status) > 0)
		if ((w = worker_by_pid(ix, pid)) != NULL)
			reaped(ix, w, pid, status);
	pool_trim(ix);
	if (ix->stopping && pool_all_reaped(ix)) {
		/* jobs waiting to be sent again have no worker left */
		master_fail_all(ix);
		event_base_loopexit(ix->base, NULL);
	}
	master_settle(ix);
}

/* Forget the empty slots above the wanted count. */
static void
pool_trim(struct ipcd *ix)
{
	while (ix->nslots > ix->nworkers &&
	    ix->workers[ix->nslots - 1].state == W_EMPTY)
		ix->nslots--;
}

static void
kill_due_one(evutil_socket_t fd, short what, void *arg)
{
	struct worker	*w = arg;

	(void)fd;
	(void)what;
	if (w->pid <= 0 || w->state != W_EXITING)
		return;
	log_warnx("worker %u (pid %ld) did not exit; killing it", w->slot,
	    (long)w->pid);
	kill(w->pid, SIGKILL);
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
	pool_set_state(w, W_EXITING);
	if (w->ev_kill == NULL)
		w->ev_kill = evtimer_new(w->ix->base, kill_due_one, w);
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
	struct ipcd	*ix = w->ix;

	if (w->state != W_READY || ix->stopping)
		return 0;
	if (ix->nworkers > 1 && ix->nready < 2)
		return 0;
	log_info("worker %u (pid %ld) %s: replacing it", w->slot,
	    (long)w->pid, why);
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
/* worker_window changed: every window takes the new bound at once. */
void
pool_set_window(struct ipcd *ix)
{
	unsigned	 i;

	for (i = 0; i < ix->nslots; i++)
		ix->workers[i].ss.window = sched_window(ix->workers[i].ss.svc_ns,
		    ix->conf.worker_window);
}

/* The mean job time the pool's slots have learned; 0 if it has none. */
static uint64_t
pool_svc_ns(const struct ipcd *ix)
{
	uint64_t	 sum = 0;
	unsigned	 i;

	for (i = 0; i < ix->nslots; i++)
		sum += ix->workers[i].ss.svc_ns;
	return ix->nslots > 0 ? sum / ix->nslots : 0;
}

void
pool_resize(struct ipcd *ix, unsigned n)
{
	struct worker	*w;
	uint64_t	 svc = pool_svc_ns(ix);
	unsigned	 i;

	log_notice("pool: %u workers (was %u)", n, ix->nworkers);
	ix->nworkers = n;
	for (i = 0; i < n; i++) {
		w = &ix->workers[i];
		if (i >= ix->nslots)	/* a new slot learns from the others */
			sched_slot_init(&w->ss, svc, ix->conf.worker_window);
		w->ix = ix;
		w->slot = i;
		if (w->state == W_RETIRING && !w->recycle)
			pool_set_state(w, W_READY);
	}
	for (i = n; i < ix->nslots; i++) {
		w = &ix->workers[i];
		if (w->state == W_READY || w->state == W_STARTING) {
			pool_set_state(w, W_RETIRING);
			pool_retire_if_idle(w);
		}
	}
	if (n > ix->nslots)
		ix->nslots = n;
	pool_trim(ix);
	respawn_fill(ix);
}

/* Has the pool reached its size: n workers ready and none going? */
int
pool_settled(struct ipcd *ix)
{
	unsigned	 i;

	if (ix->nslots != ix->nworkers)
		return 0;
	for (i = 0; i < ix->nworkers; i++)
		if (ix->workers[i].state != W_READY)
			return 0;
	return 1;
}

static void
kill_due(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd	*ix = arg;
	unsigned	 i;

	(void)fd;
	(void)what;
	for (i = 0; i < ix->nslots; i++)
		if (ix->workers[i].pid > 0) {
			log_warnx("worker %u (pid %ld) did not exit; killing it",
			    i, (long)ix->workers[i].pid);
			kill(ix->workers[i].pid, SIGKILL);
		}
}

/* Close every channel: a worker exits when its channel ends. */
void
pool_close(struct ipcd *ix)
{
	struct timeval	 tv = { KILL_GRACE_S, 0 };
	struct worker	*w;
	unsigned	 i;

	if (ix->ev_kill != NULL)
		return;
	for (i = 0; i < ix->nslots; i++) {
		w = &ix->workers[i];
		w->asked = 1;
		if (w->peer != NULL) {
			peer_close(w->peer);
			w->peer = NULL;
		}
		if (w->pid > 0)
			pool_set_state(w, W_EXITING);
	}
	if ((ix->ev_kill = evtimer_new(ix->base, kill_due, ix)) != NULL)
		evtimer_add(ix->ev_kill, &tv);
	if (pool_all_reaped(ix))
		event_base_loopexit(ix->base, NULL);
}

void
pool_free(struct ipcd *ix)
{
	unsigned	 i;

	if (ix->workers != NULL)
		for (i = 0; i < WORKERS_MAX; i++)
			if (ix->workers[i].ev_kill != NULL)
				event_free(ix->workers[i].ev_kill);
	if (ix->ev_respawn != NULL)
		event_free(ix->ev_respawn);
	if (ix->ev_kill != NULL)
		event_free(ix->ev_kill);
	free(ix->workers);
	ix->workers = NULL;
}
