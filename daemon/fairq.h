/*
 * A pool's waiting jobs, queued fairly: one FIFO (struct queue) per owner
 * (the user whose jobs they are), served round-robin, one job at a time,
 * so that a user with many jobs waiting delays another user's next job by
 * one job, not by all of his.  When the queue is full, a job of an owner
 * holding less than an equal share pushes out the newest job of the owner
 * holding the most, as a fair-queueing scheduler drops from its longest
 * flow.
 */
#ifndef IPCD_FAIRQ_H
#define IPCD_FAIRQ_H

#include <sys/queue.h>
#include <stdint.h>

#include "jobs.h"

struct subq {
	const void		*owner;
	struct queue		 q;
	TAILQ_ENTRY(subq)	 entry;
};

struct fairq {
	TAILQ_HEAD(, subq)	 active;	/* non-empty; next to serve first */
	unsigned		 nsubq;
	uint32_t		 live;		/* entries in all */
};

enum fairq_room {
	FAIRQ_ROOM,		/* the job may be queued */
	FAIRQ_PUSH_OUT,		/* after the newest job of the longest FIFO goes */
	FAIRQ_FULL		/* its owner has its share already: refuse it */
};

void		 fairq_init(struct fairq *);
void		 fairq_free(struct fairq *);
enum fairq_room	 fairq_room(const struct fairq *, const void *, uint32_t);
struct subq	*fairq_open(struct fairq *, const void *);
void		 fairq_close(struct fairq *, struct subq *, int);
int		 fairq_push_out(struct fairq *, struct qent *);
int		 fairq_peek(struct fairq *, struct qent *, const uint8_t **);
void		 fairq_pop(struct fairq *);
unsigned	 fairq_remove(struct fairq *, const void *,
		    const struct client *, uint64_t *);

#endif
