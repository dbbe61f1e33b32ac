/*
 * Jobs handed to workers, and the FIFO of jobs waiting for one.
 *
 * A running job lives in a slot of a table that grows but never shrinks past
 * its peak; its id on the worker plane is its slot plus a generation, so a
 * stale or forged id from a worker is recognised.  The jobs one worker holds
 * form a list of their own, oldest first (struct joblist).  The slot keeps a copy of
 * the job's TASK frame, so that a job whose worker died can be sent again;
 * such a job waits in a list of its own, ahead of the queue.  A queued job
 * is a frame already encoded for a worker, kept in one byte FIFO: queueing
 * and dispatching allocate nothing once the buffers have grown.
 */
#ifndef IPCD_JOBS_H
#define IPCD_JOBS_H

#include <stdint.h>

#include "buf.h"

struct client;

/*
 * A generation has 21 bits, so that an id (generation << 32 | slot) is
 * below 2^53: a JSON worker (Node's channel) carries it exactly.
 */
#define JOBS_GEN_MAX	((1u << 21) - 1)

#define JOB_FREE	(-1)		/* job.worker: the slot is free */
#define JOB_WAITING	(-2)		/* job.worker: waits to be sent again */

struct job {
	struct client	*client;	/* NULL: the client has gone */
	uint64_t	 cid;		/* the client's id for it */
	struct buf	 task;		/* its TASK frame */
	uint64_t	 started_ns;	/* CLOCK_MONOTONIC; 0: not running yet */
	uint64_t	 deadline;	/* CLOCK_MONOTONIC ms; 0: none */
	uint32_t	 timeout;	/* ms; 0: none */
	uint32_t	 tries;		/* times it was sent again */
	uint32_t	 late;		/* answered timeout; still on its worker */
	uint32_t	 gen;
	uint32_t	 next;		/* free, waiting or worker's list */
	int		 worker;	/* its worker's slot, or JOB_* */
};

/* A list of jobs, oldest first: a worker's, or those waiting. */
struct joblist {
	uint32_t	 head;		/* UINT32_MAX: none */
	uint32_t	 tail;
};

struct jobs {
	struct job	*v;
	uint32_t	 n;		/* slots in use or freed */
	uint32_t	 cap;
	uint32_t	 free_head;	/* UINT32_MAX: none */
	uint32_t	 running;	/* slots in use: on a worker or waiting */
	struct joblist	 wait;		/* to be sent again, oldest first */
	uint32_t	 waiting;
};

/* What precedes each waiting frame in the queue's bytes. */
struct qent {
	struct client	*client;
	uint64_t	 cid;
	uint32_t	 len;		/* frame bytes that follow */
	uint32_t	 timeout;	/* ms; 0: none */
	uint32_t	 prev;		/* bytes of the entry before; 0: none */
};

struct queue {
	struct buf	 bytes;
	uint32_t	 live;		/* entries */
	uint32_t	 last;		/* bytes of the last entry */
};

void		 jobs_init(struct jobs *);
void		 jobs_free(struct jobs *);
int		 jobs_add(struct jobs *, struct client *, uint64_t, int,
		    uint64_t *);
struct job	*jobs_get(struct jobs *, uint64_t);
void		 jobs_del(struct jobs *, struct job *);
struct job	*jobs_at(struct jobs *, uint32_t);
uint64_t	 jobs_id(const struct jobs *, const struct job *);
int		 jobs_set_task(struct job *, const void *, size_t);
void		 jobs_wait(struct jobs *, struct job *);
struct job	*jobs_first_waiting(struct jobs *);
void		 jobs_assign(struct jobs *, struct job *, int);

void		 joblist_init(struct joblist *);
void		 joblist_push(struct jobs *, struct joblist *, struct job *);
void		 joblist_unlink(struct jobs *, struct joblist *, struct job *);
struct job	*joblist_first(struct jobs *, const struct joblist *);
struct job	*joblist_next(struct jobs *, const struct job *);

void		 queue_init(struct queue *);
void		 queue_free(struct queue *);
size_t		 queue_begin(struct queue *);
int		 queue_commit(struct queue *, size_t, struct client *, uint64_t,
		    uint32_t);
void		 queue_abort(struct queue *, size_t);
int		 queue_peek(struct queue *, struct qent *, const uint8_t **);
void		 queue_pop(struct queue *);
int		 queue_pop_last(struct queue *, struct qent *);
unsigned	 queue_remove(struct queue *, const struct client *,
		    uint64_t *);

#endif
