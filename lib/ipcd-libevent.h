/*
 * libipcd on a libevent loop: ipcd_libevent_attach(c, base) and the
 * connection is driven by the loop, with no thread and no blocking call.
 * Header only, so that libipcd itself does not depend on libevent.
 * ipcd_libevent_detach (or ipcd_free, after detaching) ends it.
 * See ipcd_async(3).
 */
#ifndef IPCD_LIBEVENT_H
#define IPCD_LIBEVENT_H

#include <stdlib.h>

#include <event2/event.h>

#include "ipcd.h"

struct ipcd_libevent {
	struct ipcd		*c;
	struct event		*io;
	struct event		*timer;
	int			 events;	/* what io watches now */
};

static inline void
ipcd_libevent_io(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd_libevent	*e = (struct ipcd_libevent *)arg;
	int			 ev = 0;

	(void)fd;
	if (what & EV_READ)
		ev |= IPCD_WANT_READ;
	if (what & EV_WRITE)
		ev |= IPCD_WANT_WRITE;
	ipcd_handle(e->c, ev);
}

/* The library says what to watch: re-arm the events to match. */
static inline void
ipcd_libevent_watch(struct ipcd *c, int events, int ms, void *arg)
{
	struct ipcd_libevent	*e = (struct ipcd_libevent *)arg;
	struct timeval		 tv;
	short			 what = EV_PERSIST;

	if (events != e->events) {
		event_del(e->io);
		if (events & IPCD_WANT_READ)
			what |= EV_READ;
		if (events & IPCD_WANT_WRITE)
			what |= EV_WRITE;
		event_assign(e->io, event_get_base(e->io), ipcd_fd(c), what,
		    ipcd_libevent_io, e);
		if (events != 0)
			event_add(e->io, NULL);
		e->events = events;
	}
	if (ms < 0)
		event_del(e->timer);
	else {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		event_add(e->timer, &tv);
	}
}

static inline void
ipcd_libevent_timer(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd_libevent	*e = (struct ipcd_libevent *)arg;

	(void)fd;
	(void)what;
	ipcd_handle(e->c, 0);
}

/* Drive c from base; NULL if out of memory. */
static inline struct ipcd_libevent *
ipcd_libevent_attach(struct ipcd *c, struct event_base *base)
{
	struct ipcd_libevent	*e;

	if ((e = (struct ipcd_libevent *)calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->c = c;
	e->io = event_new(base, -1, 0, ipcd_libevent_io, e);
	e->timer = evtimer_new(base, ipcd_libevent_timer, e);
	if (e->io == NULL || e->timer == NULL) {
		if (e->io != NULL)
			event_free(e->io);
		if (e->timer != NULL)
			event_free(e->timer);
		free(e);
		return NULL;
	}
	ipcd_set_watch(c, ipcd_libevent_watch, e);
	return e;
}

/* Stop driving the connection from the loop; c itself stays. */
static inline void
ipcd_libevent_detach(struct ipcd_libevent *e)
{
	if (e == NULL)
		return;
	ipcd_set_watch(e->c, NULL, NULL);
	event_free(e->io);
	event_free(e->timer);
	free(e);
}

#endif
