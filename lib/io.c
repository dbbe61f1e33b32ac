/*
 * Driving a connection: what it waits for, reading and writing without
 * blocking, deadlines, the end of a connection, and the poll loop behind the
 * blocking calls.  Every answer reaches its callback through lib_answer.
 */
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

uint64_t
lib_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Give the bytes of a reply lent to a blocking call's caller back. */
void
lib_settle(struct ipcd *c)
{
	if (c->keep > 0) {
		buf_consume(&c->in, c->keep);
		c->keep = 0;
	}
}

/* Run j's callback with r, once: j is gone before the callback starts. */
void
lib_answer(struct ipcd *c, struct job *j, struct ipcd_reply *r)
{
	ipcd_callback	*cb = j->cb;
	void		*arg = j->arg;

	r->id = j->id;
	jobs_remove(&c->jobs, j);
	if (cb == NULL)
		return;
	c->answered = 1;
	c->in_cb++;
	cb(c, r, arg);
	c->in_cb--;
}

int
ipcd_events(const struct ipcd *c)
{
	int	 ev = 0;

	if (c == NULL || c->err != IPCD_OK)
		return 0;
	if (c->jobs.live > 0)	/* abandoned ones' replies can wait */
		ev |= IPCD_WANT_READ;
	if (buf_avail(&c->out) > 0)
		ev |= IPCD_WANT_WRITE;
	return ev;
}

int
ipcd_next_timeout(const struct ipcd *c)
{
	struct job	*j;
	uint64_t	 now;

	if (c == NULL || c->err != IPCD_OK ||
	    (j = jobs_first_timed(&c->jobs)) == NULL)
		return -1;
	if ((now = lib_now()) >= j->deadline)
		return 0;
	return (int)((j->deadline - now + 999999) / 1000000);
}

/* Tell the event loop's adapter when what it should watch has changed. */
void
lib_tell(struct ipcd *c)
{
	struct job	*j;
	int		 ev, ms;

	if (c->watch == NULL)
		return;
	ev = ipcd_events(c);
	j = c->err == IPCD_OK ? jobs_first_timed(&c->jobs) : NULL;
	if (ev == c->watched && (j == NULL ? 0 : j->deadline) ==
	    c->watched_deadline)
		return;
	ms = j == NULL ? -1 : ipcd_next_timeout(c);
	c->watched = ev;
	c->watched_deadline = j == NULL ? 0 : j->deadline;
	c->watch(c, ev, ms, c->watch_arg);
}

void
ipcd_set_watch(struct ipcd *c, ipcd_watch *fn, void *arg)
{
	c->watch = fn;
	c->watch_arg = arg;
	c->watched = -1;
	lib_tell(c);
}

/*
 * The connection is over: say why once, stop watching it, close it, and
 * fail every request still waiting with that error, each exactly once.
 */
int
lib_fail(struct ipcd *c, int err, const char *fmt, ...)
{
	struct ipcd_reply r;
	struct job	*j;
	size_t		 from = 0;
	va_list		 ap;

	if (c->err != IPCD_OK)
		return c->err;
	c->err = err;
	va_start(ap, fmt);
	vsnprintf(c->errstr, sizeof(c->errstr), fmt, ap);
	va_end(ap);
	lib_tell(c);
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	/* no request is added now that c->err is set: one walk */
	while ((j = jobs_next_live(&c->jobs, &from)) != NULL) {
		memset(&r, 0, sizeof(r));
		r.error = err;
		r.code = ipcd_errname(err);
		r.message = c->errstr;
		lib_answer(c, j, &r);
	}
	return err;
}

/* Answer every request whose deadline has passed with timeout. */
static void
expire(struct ipcd *c)
{
	struct ipcd_reply r;
	ipcd_callback	*cb;
	struct job	*j;
	uint64_t	 now = 0;

	while ((j = jobs_first_timed(&c->jobs)) != NULL) {
		if (now == 0)
			now = lib_now();
		if (j->deadline > now)
			break;
		snprintf(c->message, sizeof(c->message), "no answer within "
		    "%u ms", j->timeout_ms);
		memset(&r, 0, sizeof(r));
		r.error = IPCD_E_TIMEOUT;
		r.code = ipcd_errname(IPCD_E_TIMEOUT);
		r.message = c->message;
		/* its late reply is dropped: the entry stays, abandoned */
		r.id = j->id;
		cb = j->cb;
		jobs_abandon(&c->jobs, j);
		c->answered = 1;
		c->in_cb++;
		cb(c, &r, j->arg);
		c->in_cb--;
	}
}

/*
 * Read once, then answer every whole reply that came.  The descriptor
 * itself blocks: flags say whether this read may (MSG_DONTWAIT: not).
 */
static int
consume(struct ipcd *c, int flags)
{
	ssize_t	 n;

	if (c->keep > 0)	/* a reply is lent: the buffer must not move */
		return IPCD_OK;
	if (buf_reserve(&c->in, LIB_READ_CHUNK) == -1)
		return lib_fail(c, IPCD_E_NOMEM, "out of memory");
	do {
		n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len,
		    flags);
	} while (n == -1 && errno == EINTR);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return IPCD_OK;
	if (n == -1)
		return lib_fail(c, IPCD_E_IO, "read: %s", strerror(errno));
	if (n == 0)
		return lib_fail(c, IPCD_E_CLOSED, "ipcd closed the connection");
	c->in.len += (size_t)n;
	return reply_frames(c);
}

/*
 * The daemon stopped reading (it closes a connection after a framing error,
 * and says why first): take what it sent, then end the connection.
 */
static int
write_failed(struct ipcd *c, int e)
{
	while (c->err == IPCD_OK && c->keep == 0 &&
	    consume(c, MSG_DONTWAIT) == IPCD_OK) {
		struct pollfd	 pfd = { c->fd, POLLIN, 0 };

		if (poll(&pfd, 1, 0) != 1)
			break;
	}
	if (e == EPIPE || e == ECONNRESET)
		return lib_fail(c, IPCD_E_CLOSED, "ipcd closed the connection");
	return lib_fail(c, IPCD_E_IO, "write: %s", strerror(e));
}

int
ipcd_flush(struct ipcd *c)
{
	ssize_t	 n;

	if (c->err != IPCD_OK)
		return c->err;
	while (buf_avail(&c->out) > 0) {
		n = send(c->fd, buf_head(&c->out), buf_avail(&c->out),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return write_failed(c, n == 0 ? EPIPE : errno);
		buf_consume(&c->out, (size_t)n);
	}
	if (buf_avail(&c->out) == 0)
		buf_shrink(&c->out, LIB_READ_CHUNK);
	lib_tell(c);
	return IPCD_OK;
}

/* Do what the ready events allow, then expire deadlines. */
int
ipcd_handle(struct ipcd *c, int events)
{
	lib_settle(c);
	if (c->err == IPCD_OK)
		reply_frames(c);	/* those behind a reply that was lent */
	if (c->err == IPCD_OK && (events & IPCD_WANT_WRITE))
		ipcd_flush(c);
	if (c->err == IPCD_OK && (events & IPCD_WANT_READ))
		consume(c, MSG_DONTWAIT);
	if (c->err == IPCD_OK)
		expire(c);
	lib_tell(c);
	return c->err;
}

/*
 * Wait for what the connection wants, for at most ms (-1: no limit), and
 * do it.  With only replies to wait for and no deadline, a blocking read
 * is the wait: one call, and the quickest wake-up.
 */
static int
poll_once(struct ipcd *c, int ms)
{
	struct pollfd	 pfd;
	int		 ev = ipcd_events(c), t = ipcd_next_timeout(c), n;

	if (t >= 0 && (ms < 0 || t < ms))
		ms = t;
	if (ev == IPCD_WANT_READ && ms < 0) {	/* so no deadline either */
		consume(c, 0);
		lib_tell(c);
		return c->err;
	}
	pfd.fd = c->fd;
	pfd.events = ((ev & IPCD_WANT_READ) ? POLLIN : 0) |
	    ((ev & IPCD_WANT_WRITE) ? POLLOUT : 0);
	pfd.revents = 0;
	if ((n = poll(&pfd, 1, ms)) == -1 && errno != EINTR)
		return lib_fail(c, IPCD_E_IO, "poll: %s", strerror(errno));
	ev = 0;
	if (n > 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR)))
		ev |= IPCD_WANT_READ;
	if (n > 0 && (pfd.revents & (POLLOUT | POLLERR)))
		ev |= IPCD_WANT_WRITE;
	return ipcd_handle(c, ev);
}

/*
 * Drive the connection until *done is set (if done), until nothing is
 * waiting, or until ms have passed (-1: no limit): IPCD_OK, IPCD_E_TIMEOUT,
 * or the connection's error.
 */
int
lib_wait(struct ipcd *c, const int *done, int ms)
{
	uint64_t	 end = ms >= 0 ? lib_now() + (uint64_t)ms * 1000000 : 0;
	uint64_t	 now;
	int		 left = ms;

	while (!(done != NULL && *done)) {
		/* replies already read first: behind a lent one, or by flush */
		lib_settle(c);
		if (c->err != IPCD_OK || reply_frames(c) != IPCD_OK ||
		    (done != NULL && *done) || c->jobs.live == 0)
			break;
		if (ms >= 0) {
			if ((now = lib_now()) >= end)
				return IPCD_E_TIMEOUT;
			left = (int)((end - now + 999999) / 1000000);
		}
		poll_once(c, left);
	}
	if (done != NULL && *done)
		return IPCD_OK;
	return c->err;
}

int
ipcd_run(struct ipcd *c, int ms)
{
	if (c == NULL || c->in_cb > 0)
		return IPCD_E_INVALID;
	lib_settle(c);
	return lib_wait(c, NULL, ms);
}

/* Drive the connection until at least one request is answered. */
int
ipcd_wait(struct ipcd *c, int ms)
{
	if (c == NULL || c->in_cb > 0)
		return IPCD_E_INVALID;
	lib_settle(c);
	c->answered = 0;
	return lib_wait(c, &c->answered, ms);
}
