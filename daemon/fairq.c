#include <stdlib.h>
#include <string.h>

#include "fairq.h"

void
fairq_init(struct fairq *fq)
{
	TAILQ_INIT(&fq->active);
	fq->nsubq = 0;
	fq->live = 0;
}

void
fairq_free(struct fairq *fq)
{
	struct subq	*sq;

	while ((sq = TAILQ_FIRST(&fq->active)) != NULL) {
		TAILQ_REMOVE(&fq->active, sq, entry);
		queue_free(&sq->q);
		free(sq);
	}
	fairq_init(fq);
}

static struct subq *
find(const struct fairq *fq, const void *owner)
{
	struct subq	*sq;

	TAILQ_FOREACH(sq, &fq->active, entry)
		if (sq->owner == owner)
			return sq;
	return NULL;
}

/*
 * May owner queue one more job, with limit jobs in all?  Past the limit,
 * only an owner holding less than limit / owners (itself counted) may,
 * by pushing out another's newest job.
 */
enum fairq_room
fairq_room(const struct fairq *fq, const void *owner, uint32_t limit)
{
	const struct subq *sq = find(fq, owner);
	unsigned	 owners = fq->nsubq + (sq == NULL);
	uint32_t	 mine = sq != NULL ? sq->q.live : 0;

	if (fq->live < limit)
		return FAIRQ_ROOM;
	if (owners > 1 && mine < limit / owners)
		return FAIRQ_PUSH_OUT;
	return FAIRQ_FULL;
}

/* The owner's FIFO, to append one entry to; NULL if out of memory. */
struct subq *
fairq_open(struct fairq *fq, const void *owner)
{
	struct subq	*sq;

	if ((sq = find(fq, owner)) != NULL)
		return sq;
	if ((sq = calloc(1, sizeof(*sq))) == NULL)
		return NULL;
	sq->owner = owner;
	queue_init(&sq->q);
	TAILQ_INSERT_TAIL(&fq->active, sq, entry);
	fq->nsubq++;
	return sq;
}

static void
drop_if_empty(struct fairq *fq, struct subq *sq)
{
	if (sq->q.live > 0)
		return;
	TAILQ_REMOVE(&fq->active, sq, entry);
	fq->nsubq--;
	queue_free(&sq->q);
	free(sq);
}

/* After appending one entry to sq (added), or failing to. */
void
fairq_close(struct fairq *fq, struct subq *sq, int added)
{
	fq->live += added != 0;
	drop_if_empty(fq, sq);
}

/* Take the newest entry of the longest FIFO into *e; 0 if all are empty. */
int
fairq_push_out(struct fairq *fq, struct qent *e)
{
	struct subq	*sq, *big = NULL;

	TAILQ_FOREACH(sq, &fq->active, entry)
		if (big == NULL || sq->q.live > big->q.live)
			big = sq;
	if (big == NULL || !queue_pop_last(&big->q, e))
		return 0;
	fq->live--;
	drop_if_empty(fq, big);
	return 1;
}

/* The next entry to serve: the oldest of the next FIFO in turn. */
int
fairq_peek(struct fairq *fq, struct qent *e, const uint8_t **frame)
{
	struct subq	*sq = TAILQ_FIRST(&fq->active);

	return sq != NULL && queue_peek(&sq->q, e, frame);
}

/* Drop the entry fairq_peek showed; its FIFO's turn passes to the next. */
void
fairq_pop(struct fairq *fq)
{
	struct subq	*sq = TAILQ_FIRST(&fq->active);

	queue_pop(&sq->q);
	fq->live--;
	TAILQ_REMOVE(&fq->active, sq, entry);
	TAILQ_INSERT_TAIL(&fq->active, sq, entry);
	drop_if_empty(fq, sq);
}

/* Remove the entries of client c (of owner); how many, their bytes added. */
unsigned
fairq_remove(struct fairq *fq, const void *owner, const struct client *c,
    uint64_t *bytes)
{
	struct subq	*sq = find(fq, owner);
	unsigned	 n;

	if (sq == NULL)
		return 0;
	n = queue_remove(&sq->q, c, bytes);
	fq->live -= n;
	drop_if_empty(fq, sq);
	return n;
}
