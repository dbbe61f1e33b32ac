/*
 * A connection's outstanding requests: found by id through a hash (ids are
 * given in order, so id & mask spreads them evenly), and those with a
 * deadline kept in deadline order.  Entries are reused from a free list, so
 * a steady stream of jobs allocates nothing.
 */
#include <stdlib.h>

#include "lib.h"

#define JOBS_MIN_BUCKETS	64

void
jobs_init(struct jobs *js)
{
	js->hash = NULL;
	js->mask = 0;
	js->count = js->live = 0;
	TAILQ_INIT(&js->timed);
	js->free = NULL;
	js->next_id = 1;
}

void
jobs_free(struct jobs *js)
{
	struct job	*j, *next;
	size_t		 i;

	for (i = 0; js->hash != NULL && i <= js->mask; i++)
		for (j = js->hash[i]; j != NULL; j = next) {
			next = j->next;
			free(j);
		}
	for (j = js->free; j != NULL; j = next) {
		next = j->next;
		free(j);
	}
	free(js->hash);
	jobs_init(js);
}

/* Double the buckets once there are more entries than buckets. */
static int
grow(struct jobs *js)
{
	struct job	**h, *j, *next;
	size_t		 n = js->hash ? (js->mask + 1) * 2 : JOBS_MIN_BUCKETS;
	size_t		 i;

	if ((h = calloc(n, sizeof(*h))) == NULL)
		return -1;
	for (i = 0; js->hash != NULL && i <= js->mask; i++)
		for (j = js->hash[i]; j != NULL; j = next) {
			next = j->next;
			j->next = h[j->id & (n - 1)];
			h[j->id & (n - 1)] = j;
		}
	free(js->hash);
	js->hash = h;
	js->mask = n - 1;
	return 0;
}

/* Keep the deadline list in order; equal timeouts append at the tail. */
static void
insert_timed(struct jobs *js, struct job *j)
{
	struct job	*t;

	TAILQ_FOREACH_REVERSE(t, &js->timed, joblist, dl)
		if (t->deadline <= j->deadline)
			break;
	if (t == NULL)
		TAILQ_INSERT_HEAD(&js->timed, j, dl);
	else
		TAILQ_INSERT_AFTER(&js->timed, t, j, dl);
}

/* A new request with the next id; deadline 0: none.  NULL: out of memory. */
struct job *
jobs_add(struct jobs *js, enum ipc_type want, ipcd_callback *cb, void *arg,
    uint32_t timeout_ms, uint64_t deadline)
{
	struct job	*j;
	size_t		 b;

	if ((js->hash == NULL || js->count > js->mask) && grow(js) == -1)
		return NULL;
	if ((j = js->free) != NULL)
		js->free = j->next;
	else if ((j = malloc(sizeof(*j))) == NULL)
		return NULL;
	j->id = js->next_id++;
	j->want = want;
	j->cb = cb;
	j->arg = arg;
	j->timeout_ms = timeout_ms;
	j->deadline = deadline;
	b = j->id & js->mask;
	j->next = js->hash[b];
	js->hash[b] = j;
	js->count++;
	js->live++;
	if (deadline != 0)
		insert_timed(js, j);
	return j;
}

/* The request just added was never sent: forget it and its id. */
void
jobs_take_back(struct jobs *js, struct job *j)
{
	jobs_remove(js, j);
	js->next_id--;
}

struct job *
jobs_find(struct jobs *js, uint64_t id)
{
	struct job	*j;

	if (js->hash == NULL)
		return NULL;
	for (j = js->hash[id & js->mask]; j != NULL; j = j->next)
		if (j->id == id)
			return j;
	return NULL;
}

/* Stop waiting for its deadline; its late reply will be dropped. */
void
jobs_abandon(struct jobs *js, struct job *j)
{
	if (j->cb == NULL)
		return;
	j->cb = NULL;
	js->live--;
	if (j->deadline != 0)
		TAILQ_REMOVE(&js->timed, j, dl);
	j->deadline = 0;
}

void
jobs_remove(struct jobs *js, struct job *j)
{
	struct job	**pp;

	jobs_abandon(js, j);
	for (pp = &js->hash[j->id & js->mask]; *pp != j; pp = &(*pp)->next)
		;
	*pp = j->next;
	js->count--;
	j->next = js->free;
	js->free = j;
}

struct job *
jobs_first_timed(const struct jobs *js)
{
	return TAILQ_FIRST(&js->timed);
}

/*
 * A request still waiting with a callback, or NULL, looking from bucket
 * *from on (and leaving *from there): a caller that answers each one it
 * gets, and adds none meanwhile, walks the table once.
 */
struct job *
jobs_next_live(const struct jobs *js, size_t *from)
{
	struct job	*j;

	for (; js->live > 0 && *from <= js->mask; (*from)++)
		for (j = js->hash[*from]; j != NULL; j = j->next)
			if (j->cb != NULL)
				return j;
	return NULL;
}
