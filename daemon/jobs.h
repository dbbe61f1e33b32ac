/*
 * Jobs handed to workers, and the FIFO of jobs waiting for one.
 *
 * A running job lives in a slot of a table that grows but never shrinks past
 * its peak; its id on the worker plane is its slot plus a generation, so a
 * stale or forged id from a worker is recognised.  A waiting job is a frame
 * already encoded for a worker, kept in one byte FIFO: queueing and
 * dispatching allocate nothing once the buffers have grown.
 */
#ifndef IPCD_JOBS_H
#define IPCD_JOBS_H

#include <stdint.h>

#include "buf.h"

struct client;

struct job {
	struct client	*client;	/* NULL: the client has gone */
	uint64_t	 cid;		/* the client's id for it */
	uint32_t	 gen;
	uint32_t	 next_free;
	int		 worker;	/* -1 when the slot is free */
};

struct jobs {
	struct job	*v;
	uint32_t	 n;		/* slots in use or freed */
	uint32_t	 cap;
	uint32_t	 free_head;	/* UINT32_MAX: none */
	uint32_t	 running;
};

/* What precedes each waiting frame in the queue's bytes. */
struct qent {
	struct client	*client;
	uint64_t	 cid;
	uint32_t	 len;		/* frame bytes that follow */
	uint32_t	 pad;
};

struct queue {
	struct buf	 bytes;
	uint32_t	 live;		/* entries */
};

void		 jobs_init(struct jobs *);
void		 jobs_free(struct jobs *);
int		 jobs_add(struct jobs *, struct client *, uint64_t, int,
		    uint64_t *);
struct job	*jobs_get(struct jobs *, uint64_t);
void		 jobs_del(struct jobs *, struct job *);
struct job	*jobs_at(struct jobs *, uint32_t);

void		 queue_init(struct queue *);
void		 queue_free(struct queue *);
size_t		 queue_begin(struct queue *);
int		 queue_commit(struct queue *, size_t, struct client *, uint64_t);
void		 queue_abort(struct queue *, size_t);
int		 queue_peek(struct queue *, struct qent *, const uint8_t **);
void		 queue_pop(struct queue *);
unsigned	 queue_remove(struct queue *, const struct client *);

#endif
