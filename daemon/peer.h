/*
 * A peer is one framed channel (a client connection or a worker's
 * socketpair) driven by libevent.  It reads in large batches and hands each
 * decoded message to its owner; output is appended to peer_out() and written
 * once per turn of the event loop (peer_flush_all, from master_loop) for
 * every peer that has some, so all that a turn produced for one peer costs
 * one write(), not one per message.
 */
#ifndef IPCD_PEER_H
#define IPCD_PEER_H

#include <sys/queue.h>
#include <event2/event.h>

#include "buf.h"
#include "proto.h"

struct peer;

struct peer_ops {
	/* A valid message. */
	void	(*msg)(struct peer *, const struct ipc_msg *, void *);
	/* A bad one; after a fatal error the peer is closed. */
	void	(*bad)(struct peer *, enum ipc_err, const char *,
		    const struct ipc_msg *, int, void *);
	/* End of the channel; the peer is freed when this returns. */
	void	(*gone)(struct peer *, const char *, void *);
	/*
	 * Optional: the peer now holds in bytes of a frame it is reading
	 * (the frame's whole length, before it buffers it) and out bytes of
	 * output not yet written.  -1 refuses the input: reading waits for
	 * peer_resume, and the output is counted all the same.
	 */
	int	(*held)(struct peer *, size_t, size_t, void *);
};

/*
 * How a channel's bytes become messages: ipcd's frames (the default), or
 * Node's JSON lines (node.c).  next() looks at the bytes not yet taken:
 * FRAMING_MSG with m filled (and *used bytes taken), FRAMING_BAD for a
 * message that is refused (*used taken; e and why say why), FRAMING_MORE,
 * or FRAMING_FATAL for bytes that end the channel.
 */
enum framing_result {
	FRAMING_MORE, FRAMING_MSG, FRAMING_BAD, FRAMING_FATAL
};
struct framing {
	enum framing_result (*next)(const uint8_t *, size_t, uint32_t,
			    unsigned, msgpack_zone *, struct ipc_msg *,
			    size_t *, enum ipc_err *, const char **);
};
extern const struct framing framing_ipcd;
extern const struct framing framing_node;

struct peerbase {
	struct event_base	*base;
	TAILQ_HEAD(, peer)	 dirty;
};

void	 peerbase_init(struct peerbase *, struct event_base *);
void	 peer_flush_all(struct peerbase *);

struct peer *peer_new(struct peerbase *, int, unsigned, uint32_t,
	    const struct peer_ops *, void *);
void	 peer_set_framing(struct peer *, const struct framing *);
void	 peer_set_out_limit(struct peer *, size_t);
void	 peer_set_out_max(struct peer *, const uint64_t *);
size_t	 peer_overflow(const struct peer *);
struct buf *peer_out(struct peer *);
uint32_t peer_max(const struct peer *);
void	 peer_close(struct peer *);
void	 peer_drain(struct peer *);
void	 peer_resume(struct peer *);

#endif
