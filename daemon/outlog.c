/*
 * A worker program's standard output and standard error, into ipcd's log
 * line by line, tagged with the pool and the worker's pid.  The master
 * reads a bounded amount per turn of the loop and keeps at most one line
 * per stream: a worker that writes megabytes, or never ends a line, costs
 * it log lines, never memory or a blocked loop.  Control characters are
 * shown as '?', so that a worker cannot forge lines or terminal escapes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "ipcd.h"
#include "log.h"

#define OUTLOG_LINE	1024		/* longer lines are cut in pieces */
#define OUTLOG_TURN	(64 * 1024)	/* bytes read per turn of the loop */

struct outlog {
	struct event	*ev;
	int		 fd;
	int		 err;		/* standard error, not output */
	char		 pool[POOL_NAME_MAX + 1];
	long		 pid;
	size_t		 len;
	char		 line[OUTLOG_LINE];
};

static void
outlog_emit(struct outlog *o, int cut)
{
	size_t	 i;

	for (i = 0; i < o->len; i++)
		if ((unsigned char)o->line[i] < 0x20 || o->line[i] == 0x7f)
			o->line[i] = o->line[i] == '\t' ? ' ' : '?';
	if (o->err)
		log_warnx("pool %s worker %ld: %.*s%s", o->pool, o->pid,
		    (int)o->len, o->line, cut ? " [...]" : "");
	else
		log_info("pool %s worker %ld: %.*s%s", o->pool, o->pid,
		    (int)o->len, o->line, cut ? " [...]" : "");
	o->len = 0;
}

/* Take the bytes read: a line at each newline, a piece when one is full. */
static void
outlog_take(struct outlog *o, const char *p, size_t n)
{
	const char	*nl;
	size_t		 k;

	while (n > 0) {
		nl = memchr(p, '\n', n);
		k = nl != NULL ? (size_t)(nl - p) : n;
		if (k > sizeof(o->line) - o->len)
			k = sizeof(o->line) - o->len;
		memcpy(o->line + o->len, p, k);
		o->len += k;
		p += k;
		n -= k;
		if (n > 0 && *p == '\n') {
			outlog_emit(o, 0);
			p++;
			n--;
		} else if (o->len == sizeof(o->line))
			outlog_emit(o, 1);
	}
}

static void
outlog_read(evutil_socket_t fd, short what, void *arg)
{
	struct outlog	*o = arg;
	char		 buf[8192];
	size_t		 total = 0;
	ssize_t		 n;

	(void)what;
	while (total < OUTLOG_TURN) {
		n = read(fd, buf, sizeof(buf));
		if (n > 0) {
			outlog_take(o, buf, (size_t)n);
			total += (size_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			return;
		if (o->len > 0)		/* the last line had no newline */
			outlog_emit(o, 0);
		event_del(o->ev);	/* the end: nothing more to read */
		return;
	}
}

/* Log what comes from fd (non-blocking, ours to close) as pool's pid's. */
struct outlog *
outlog_new(struct event_base *base, int fd, int err, const char *pool,
    pid_t pid)
{
	struct outlog	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->fd = fd;
	o->err = err;
	o->pid = (long)pid;
	snprintf(o->pool, sizeof(o->pool), "%s", pool);
	o->ev = event_new(base, fd, EV_READ | EV_PERSIST, outlog_read, o);
	if (o->ev == NULL || event_add(o->ev, NULL) == -1) {
		if (o->ev != NULL)
			event_free(o->ev);
		free(o);
		return NULL;
	}
	return o;
}

/* Read what is left without waiting, then stop. */
void
outlog_free(struct outlog *o)
{
	if (o == NULL)
		return;
	if (event_pending(o->ev, EV_READ, NULL))
		outlog_read(o->fd, EV_READ, o);
	if (o->len > 0)
		outlog_emit(o, 0);
	event_free(o->ev);
	close(o->fd);
	free(o);
}
