/*
 * systemd integration: readiness and status (sd_notify), the watchdog, and
 * the control socket passed by socket activation.  Without systemd these
 * cost nothing: sd_notify with no NOTIFY_SOCKET does nothing.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "ipcd.h"
#include "log.h"

#define SD_STATUS_MS	2000

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The sums over every pool that the status line shows. */
struct sd_sums {
	unsigned	 workers, ready, busy, queued;
	uint64_t	 done, failed;
	int		 degraded;
};

static void
sd_sum(const struct ipcd *ix, struct sd_sums *t)
{
	const struct pool *pool;
	unsigned	 i;

	memset(t, 0, sizeof(*t));
	TAILQ_FOREACH(pool, &ix->pools, entry) {
		for (i = 0; i < pool->nslots; i++)
			if (pool->workers[i].state == W_READY &&
			    pool->workers[i].ss.jobs > 0)
				t->busy++;
		t->workers += pool->nworkers;
		t->ready += pool->nready;
		t->queued += pool->queue.live;
		t->done += pool->done;
		t->failed += pool->failed;
		t->degraded |= supervise_degraded(pool);
	}
}

/* The pools in one line, for systemctl status. */
static void
sd_status_text(struct ipcd *ix, char *text, size_t len)
{
	struct sd_sums	 t;
	double		 now = now_s(), rate = 0;

	sd_sum(ix, &t);
	if (ix->sd.last_t > 0 && now > ix->sd.last_t)
		rate = (t.done - ix->sd.last_done) / (now - ix->sd.last_t);
	ix->sd.last_t = now;
	ix->sd.last_done = t.done;
	snprintf(text, len, "%s%u workers: %u busy, %u idle%s; queue %u; "
	    "%llu jobs done, %llu failed; %.0f jobs/s",
	    t.degraded ? "DEGRADED, workers keep dying; " : "",
	    t.workers, t.busy, t.ready - t.busy,
	    t.ready < t.workers ? " (starting)" : "", t.queued,
	    (unsigned long long)t.done, (unsigned long long)t.failed, rate);
}

void
sd_send_status(struct ipcd *ix)
{
	char	 text[256];

	if (!ix->sd.notify)
		return;
	sd_status_text(ix, text, sizeof(text));
	sd_notifyf(0, "STATUS=%s", text);
}

static void
sd_tick(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd	*ix = arg;

	(void)fd;
	(void)what;
	sd_send_status(ix);
}

static void
sd_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	sd_notify(0, "WATCHDOG=1");
}

static struct event *
sd_every(struct ipcd *ix, uint64_t usec, event_callback_fn fn)
{
	struct timeval	 tv = { usec / 1000000, usec % 1000000 };
	struct event	*ev;

	if ((ev = event_new(ix->base, -1, EV_PERSIST, fn, ix)) != NULL)
		event_add(ev, &tv);
	return ev;
}

/* Start the status and watchdog timers if systemd listens. */
void
sd_start(struct ipcd *ix)
{
	uint64_t	 usec;

	ix->sd.notify = getenv("NOTIFY_SOCKET") != NULL;
	if (!ix->sd.notify)
		return;
	ix->sd.ev_status = sd_every(ix, SD_STATUS_MS * 1000ULL, sd_tick);
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		ix->sd.ev_watchdog = sd_every(ix, usec / 2, sd_watchdog);
}

void
sd_stop(struct ipcd *ix)
{
	if (ix->sd.ev_status != NULL)
		event_free(ix->sd.ev_status);
	if (ix->sd.ev_watchdog != NULL)
		event_free(ix->sd.ev_watchdog);
	ix->sd.ev_status = ix->sd.ev_watchdog = NULL;
}

/*
 * Tell systemd one of READY, RELOADING or STOPPING, with the status; the
 * first READY also lets the parent of ipcd -d exit.
 */
void
sd_state(struct ipcd *ix, const char *state)
{
	char	 text[256];

	if (ix->ready_fd != -1 && strcmp(state, "READY") == 0) {
		(void)write(ix->ready_fd, "", 1);
		close(ix->ready_fd);
		ix->ready_fd = -1;
	}
	if (!ix->sd.notify)
		return;
	sd_status_text(ix, text, sizeof(text));
	if (strcmp(state, "RELOADING") == 0)
		sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=%s",
		    (unsigned long long)(now_s() * 1e6), text);
	else
		sd_notifyf(0, "%s=1\nSTATUS=%s", state, text);
}

/*
 * The listening socket passed by socket activation, made non-blocking, or
 * -1 if none was passed.  More than one, or one of the wrong kind, is an
 * error (-2).
 */
int
sd_listen_socket(void)
{
	int	 n, fd = SD_LISTEN_FDS_START;

	if ((n = sd_listen_fds(1)) <= 0)
		return n == 0 ? -1 : -2;
	if (n > 1 || sd_is_socket_unix(fd, SOCK_STREAM, 1, NULL, 0) <= 0) {
		log_warnx("socket activation: expected one listening Unix "
		    "stream socket, got %d descriptors", n);
		return -2;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		return -2;
	return fd;
}
