/*
 * A peer is one framed channel (a client connection or a worker's
 * socketpair) driven by libevent.  It reads in large batches and hands each
 * decoded message to its owner; output is appended to peer_out() and written
 * once per event callback for every peer that has some, so a batch of
 * messages costs one write() per peer, not one per message.
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
};

struct peerbase {
	struct event_base	*base;
	TAILQ_HEAD(, peer)	 dirty;
};

void	 peerbase_init(struct peerbase *, struct event_base *);
void	 peer_flush_all(struct peerbase *);

struct peer *peer_new(struct peerbase *, int, unsigned, uint32_t,
	    const struct peer_ops *, void *);
void	 peer_set_out_limit(struct peer *, size_t);
void	 peer_set_out_max(struct peer *, const uint64_t *);
size_t	 peer_overflow(const struct peer *);
struct buf *peer_out(struct peer *);
uint32_t peer_max(const struct peer *);
void	 peer_close(struct peer *);
void	 peer_drain(struct peer *);

#endif
