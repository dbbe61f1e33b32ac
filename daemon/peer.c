#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "log.h"
#include "peer.h"

#define PEER_READ_CHUNK	(64 * 1024)
#define PEER_ZONE_CHUNK	8192

struct peer {
	struct peerbase		*pb;
	int			 fd;
	unsigned		 dirs;
	uint32_t		 max;
	size_t			 out_limit;	/* pause reading above this */
	const uint64_t		*out_max;	/* close above this; NULL: none */
	size_t			 overflow;	/* output waiting when closed so */
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_closed;	/* while not reading: a hang-up */
	struct buf		 in;
	struct buf		 out;
	msgpack_zone		 zone;
	const struct peer_ops	*ops;
	const struct framing	*framing;
	void			*arg;
	int			 busy;		/* inside one of our callbacks */
	int			 dead;		/* closed while busy */
	int			 reading;	/* ev_read is armed */
	int			 queued;	/* on the dirty list */
	int			 starved;	/* held() refused: not reading */
	size_t			 held_in;	/* as held() was last told */
	size_t			 held_out;
	TAILQ_ENTRY(peer)	 entry;
};

static void	peer_on_read(evutil_socket_t, short, void *);
static void	peer_on_write(evutil_socket_t, short, void *);
static void	peer_on_closed(evutil_socket_t, short, void *);

void
peerbase_init(struct peerbase *pb, struct event_base *base)
{
	pb->base = base;
	TAILQ_INIT(&pb->dirty);
}

struct peer *
peer_new(struct peerbase *pb, int fd, unsigned dirs, uint32_t max,
    const struct peer_ops *ops, void *arg)
{
	struct peer	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->pb = pb;
	p->fd = fd;
	p->dirs = dirs;
	p->max = max;
	p->ops = ops;
	p->framing = &framing_ipcd;
	p->arg = arg;
	p->out_limit = SIZE_MAX;
	if (!msgpack_zone_init(&p->zone, PEER_ZONE_CHUNK))
		goto fail;
	p->ev_read = event_new(pb->base, fd, EV_READ | EV_PERSIST,
	    peer_on_read, p);
	p->ev_write = event_new(pb->base, fd, EV_WRITE | EV_PERSIST,
	    peer_on_write, p);
	p->ev_closed = event_new(pb->base, fd, EV_CLOSED | EV_PERSIST,
	    peer_on_closed, p);
	if (p->ev_read == NULL || p->ev_write == NULL || p->ev_closed == NULL ||
	    event_add(p->ev_read, NULL) == -1)
		goto fail;
	p->reading = 1;
	return p;
fail:
	if (p->ev_read)
		event_free(p->ev_read);
	if (p->ev_write)
		event_free(p->ev_write);
	if (p->ev_closed)
		event_free(p->ev_closed);
	msgpack_zone_destroy(&p->zone);
	free(p);
	return NULL;
}

void
peer_set_out_limit(struct peer *p, size_t limit)
{
	p->out_limit = limit;
}

/*
 * A hard cap on output waiting to be written, read through the pointer at
 * each check so that a new value (a reload) applies at once.  A peer still
 * above it after a write is lost; reading pauses at half of it at most.
 */
void
peer_set_out_max(struct peer *p, const uint64_t *max)
{
	p->out_max = max;
}

/* In the gone callback: the output left waiting if over the cap, else 0. */
size_t
peer_overflow(const struct peer *p)
{
	return p->overflow;
}

uint32_t
peer_max(const struct peer *p)
{
	return p->max;
}

/* The output buffer, to append whole frames to; it goes out after this callback. */
struct buf *
peer_out(struct peer *p)
{
	if (!p->queued && !p->dead) {
		TAILQ_INSERT_TAIL(&p->pb->dirty, p, entry);
		p->queued = 1;
	}
	return &p->out;
}

/* Free the peer after one try to send what is pending (a last ERROR). */
static void
peer_free(struct peer *p)
{
	if (buf_avail(&p->out) > 0)
		(void)write(p->fd, buf_head(&p->out), buf_avail(&p->out));
	if (p->queued)
		TAILQ_REMOVE(&p->pb->dirty, p, entry);
	event_free(p->ev_read);
	event_free(p->ev_write);
	event_free(p->ev_closed);
	close(p->fd);
	buf_free(&p->in);
	buf_free(&p->out);
	msgpack_zone_destroy(&p->zone);
	free(p);
}

/* Close from the owner's side: no gone callback.  Pending output is tried once. */
void
peer_close(struct peer *p)
{
	if (p->dead)
		return;
	if (p->busy) {
		p->dead = 1;
		event_del(p->ev_read);
		event_del(p->ev_write);
		event_del(p->ev_closed);
		if (p->queued) {
			TAILQ_REMOVE(&p->pb->dirty, p, entry);
			p->queued = 0;
		}
		return;
	}
	peer_free(p);
}

/* The channel has ended: tell the owner, then free. */
static void
peer_lost(struct peer *p, const char *why)
{
	p->busy++;
	p->ops->gone(p, why, p->arg);
	p->busy--;
	if (p->busy == 0)
		peer_free(p);
	else
		p->dead = 1;
}

static void
set_reading(struct peer *p, int on)
{
	if (on && p->starved)
		return;
	if (on == p->reading || p->dead)
		return;
	if (on) {
		event_del(p->ev_closed);
		event_add(p->ev_read, NULL);
	} else {
		event_del(p->ev_read);
		event_add(p->ev_closed, NULL);	/* a gone peer is still seen */
	}
	p->reading = on;
}

/* The other side hung up while we were not reading it: it has gone. */
static void
peer_on_closed(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;

	(void)fd;
	(void)what;
	peer_lost(p, "closed while not read");
}

/* Tell the owner what the peer holds; -1 if it refuses the input. */
static int
peer_held(struct peer *p, size_t in, size_t out)
{
	if (p->ops->held == NULL || (in == p->held_in && out == p->held_out))
		return 0;
	p->held_out = out;
	if (p->ops->held(p, in, out, p->arg) == -1)
		return -1;
	p->held_in = in;
	return 0;
}

/* Where reading pauses: the owner's limit, or half the cap if lower. */
static size_t
pause_at(const struct peer *p)
{
	if (p->out_max != NULL && *p->out_max / 2 < p->out_limit)
		return (size_t)(*p->out_max / 2);
	return p->out_limit;
}

/* Output the other side does not take: wait, or give up above the cap. */
static int
peer_blocked(struct peer *p, const char **why)
{
	size_t	 avail = buf_avail(&p->out);

	if (p->out_max != NULL && avail > *p->out_max) {
		p->overflow = avail;
		*why = "too much output waiting";
		return -1;
	}
	(void)peer_held(p, p->held_in, avail);
	event_add(p->ev_write, NULL);
	set_reading(p, avail <= pause_at(p));
	return 0;
}

/* Write what we can; returns -1, with why, if the channel broke. */
static int
peer_flush(struct peer *p, const char **why)
{
	ssize_t	 n;

	while (buf_avail(&p->out) > 0) {
		n = write(p->fd, buf_head(&p->out), buf_avail(&p->out));
		if (n > 0) {
			buf_consume(&p->out, n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return peer_blocked(p, why);
		*why = strerror(errno);
		return -1;
	}
	event_del(p->ev_write);
	buf_trim(&p->out, 256 * 1024);
	(void)peer_held(p, p->held_in, 0);
	set_reading(p, 1);
	return 0;
}

void
peer_flush_all(struct peerbase *pb)
{
	struct peer	*p;
	const char	*why;

	while ((p = TAILQ_FIRST(&pb->dirty)) != NULL) {
		TAILQ_REMOVE(&pb->dirty, p, entry);
		p->queued = 0;
		if (peer_flush(p, &why) == -1)
			peer_lost(p, why);
	}
}

static void
peer_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;
	const char	*why;

	(void)fd;
	(void)what;
	if (peer_flush(p, &why) == -1)
		peer_lost(p, why);
}

/* ipcd's own framing: a length, then one MessagePack message. */
static enum framing_result
ipcd_next(const uint8_t *p, size_t n, uint32_t max, unsigned dirs,
    msgpack_zone *z, struct ipc_msg *m, size_t *used, enum ipc_err *e,
    const char **why)
{
	enum frame_status st;
	uint32_t	 len;

	if ((st = frame_parse(p, n, max, &len)) == FRAME_MORE)
		return FRAMING_MORE;
	if (st != FRAME_OK) {
		*e = st == FRAME_TOO_LARGE ? IPC_E_TOO_LARGE : IPC_E_BAD_FRAME;
		*why = frame_status_name(st);
		return FRAMING_FATAL;
	}
	*used = FRAME_HDR + (size_t)len;
	*e = proto_decode(p + FRAME_HDR, len, dirs, z, m, why);
	return *e == IPC_E_NONE ? FRAMING_MSG : FRAMING_BAD;
}

const struct framing framing_ipcd = { ipcd_next };

void
peer_set_framing(struct peer *p, const struct framing *f)
{
	p->framing = f;
}

/*
 * Hand every whole message in the input buffer to the owner.  Returns -1
 * after a framing error, which the owner has been told of and which ends
 * the peer.
 */
static int
peer_parse(struct peer *p)
{
	struct ipc_msg	 m;
	enum ipc_err	 e;
	const char	*why;
	size_t		 used;

	while (!p->dead) {
		memset(&m, 0, sizeof(m));
		switch (p->framing->next(buf_head(&p->in), buf_avail(&p->in),
		    p->max, p->dirs, &p->zone, &m, &used, &e, &why)) {
		case FRAMING_MORE:
			return 0;
		case FRAMING_FATAL:
			p->ops->bad(p, e, why, NULL, 1, p->arg);
			return -1;
		case FRAMING_MSG:
			(void)peer_held(p, 0, p->held_out);
			p->ops->msg(p, &m, p->arg);
			break;
		case FRAMING_BAD:
			(void)peer_held(p, 0, p->held_out);
			p->ops->bad(p, e, why, &m, 0, p->arg);
			break;
		}
		buf_consume(&p->in, used);
		/* give back what a large or hostile value made the zone take */
		msgpack_zone_clear(&p->zone);
	}
	return 0;
}

/* The whole length of a frame begun and not yet complete, or 0. */
static size_t
partial_frame(const struct peer *p)
{
	size_t	 avail = buf_avail(&p->in);
	uint32_t len = 0;

	if (p->framing == &framing_ipcd && avail >= FRAME_HDR &&
	    frame_parse(buf_head(&p->in), avail, p->max, &len) == FRAME_MORE)
		return FRAME_HDR + (size_t)len;
	return 0;
}

/* Room to ask read() for: a chunk, or the rest of a larger frame begun. */
static size_t
read_need(const struct peer *p, size_t partial)
{
	size_t	 avail = buf_avail(&p->in);

	if (partial > avail && partial - avail > PEER_READ_CHUNK)
		return partial - avail;
	return PEER_READ_CHUNK;
}

/*
 * A frame begun must fit in what the owner lets the peer hold before more
 * of it is read; if not, reading waits (peer_resume).  0 may read.
 */
static int
may_read(struct peer *p, size_t partial)
{
	if (partial <= p->held_in || peer_held(p, partial, p->held_out) == 0)
		return 0;
	p->starved = 1;
	set_reading(p, 0);
	return -1;
}

/* The owner has room again: read where it stopped. */
void
peer_resume(struct peer *p)
{
	if (!p->starved)
		return;
	p->starved = 0;
	set_reading(p, buf_avail(&p->out) <= pause_at(p));
}

/* One read and the frames it completes: 1 read something, 0 nothing to read, -1 ended. */
static int
peer_read(struct peer *p, const char **why)
{
	size_t	 partial = partial_frame(p);
	ssize_t	 n;

	if (may_read(p, partial) == -1)
		return 0;
	if (buf_reserve(&p->in, read_need(p, partial)) == -1) {
		*why = "out of memory";
		return -1;
	}
	n = read(p->fd, p->in.data + p->in.len, p->in.cap - p->in.len);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return 0;
	if (n <= 0) {
		*why = n == 0 ? (buf_avail(&p->in) ? "closed in mid-frame" :
		    "closed") : strerror(errno);
		return -1;
	}
	p->in.len += n;
	if (peer_parse(p) == -1) {
		*why = "framing error";
		return -1;
	}
	/* room kept for a large frame goes back once no frame is begun */
	if (partial_frame(p) == 0)
		buf_shrink(&p->in, 256 * 1024);
	return 1;
}

static void
peer_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct peer	*p = arg;
	const char	*why = NULL;
	int		 r;

	(void)fd;
	(void)what;
	p->busy++;
	r = peer_read(p, &why);
	p->busy--;
	if (p->dead)
		peer_free(p);
	else if (r == -1)
		peer_lost(p, why);
}

/* Read and handle everything the other side wrote, up to its end. */
void
peer_drain(struct peer *p)
{
	const char	*why = NULL;
	int		 r;

	p->busy++;
	while ((r = peer_read(p, &why)) == 1 && !p->dead)
		;
	p->busy--;
	if (p->dead && p->busy == 0)
		peer_free(p);
	else if (r == -1 && !p->dead)
		peer_lost(p, why);
}
