/*
 * What a client's connection holds, for its user's budget (limits.c): the
 * replies it has not read, and the frame it is part way through sending,
 * let in only while there is room, else its reading waits (starved) until
 * bytes come back.  A frame let in must be finished within frame_timeout,
 * or the connection is closed: room is not held for a sender that stops.
 */
#include <stdio.h>

#include "clock.h"
#include "ipcd.h"
#include "log.h"

#define FRAMES_CHECK_MS	1000

int
control_held(struct peer *p, size_t in, size_t out, void *arg)
{
	struct client	*c = arg;
	struct ipcd	*ix = c->ix;

	(void)p;
	limits_charge(ix, c->user, (int64_t)out - (int64_t)c->out_held);
	c->out_held = out;
	if (in > c->in_held &&
	    limits_room(ix, c->user, in - c->in_held) != ROOM) {
		if (!c->starved) {
			c->starved = 1;
			TAILQ_INSERT_TAIL(&ix->starved, c, starve_entry);
		}
		return -1;
	}
	if (in > 0 && c->in_held == 0)
		c->in_since = clock_ms();
	limits_charge(ix, c->user, (int64_t)in - (int64_t)c->in_held);
	c->in_held = in;
	return 0;
}

/* Once a turn, if bytes were given back: the starved read again. */
void
control_resume(struct ipcd *ix)
{
	struct client	*c;

	if (!ix->held_freed)
		return;
	ix->held_freed = 0;
	while ((c = TAILQ_FIRST(&ix->starved)) != NULL) {
		TAILQ_REMOVE(&ix->starved, c, starve_entry);
		c->starved = 0;
		peer_resume(c->peer);
	}
}

/* A frame let in too long ago: tell the client, and close. */
static void
frame_expired(struct ipcd *ix, struct client *c, uint64_t age)
{
	static struct lograte	 rl;

	log_rated(&rl, LOG_WARNING, "client %llu (uid %u, pid %ld): a frame "
	    "of %zu bytes begun %llu ms ago is not finished (frame_timeout); "
	    "closing", (unsigned long long)c->serial, c->cred.uid,
	    (long)c->cred.pid, c->in_held, (unsigned long long)age);
	client_reply_error(c, 0, 0, IPC_E_BAD_FRAME, "a frame begun %llu ms "
	    "ago is not finished (frame_timeout %u ms)",
	    (unsigned long long)age, ix->conf.frame_timeout);
	peer_close(c->peer);
	control_detach(ix, c);
}

static void
frames_check(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd	*ix = arg;
	struct client	*c, *next;
	uint64_t	 now = clock_ms();

	(void)fd;
	(void)what;
	if (ix->conf.frame_timeout == 0)
		return;
	for (c = TAILQ_FIRST(&ix->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->in_held > 0 &&
		    now - c->in_since >= ix->conf.frame_timeout)
			frame_expired(ix, c, now - c->in_since);
	}
}

/* The check of begun frames, once a second; -1 if out of memory. */
int
control_held_start(struct ipcd *ix)
{
	struct timeval	 tv = { FRAMES_CHECK_MS / 1000, 0 };

	ix->ev_frames = event_new(ix->base, -1, EV_PERSIST, frames_check, ix);
	if (ix->ev_frames == NULL || event_add(ix->ev_frames, &tv) == -1)
		return -1;
	return 0;
}

void
control_held_stop(struct ipcd *ix)
{
	if (ix->ev_frames != NULL)
		event_free(ix->ev_frames);
	ix->ev_frames = NULL;
}
