#include <stdlib.h>
#include <string.h>

#include "jobs.h"

#define SLOT(id)	((uint32_t)((id) & 0xffffffffu))
#define GEN(id)		((uint32_t)((id) >> 32))
#define ALIGN8(n)	(((n) + 7) & ~(size_t)7)
#define QUEUE_KEEP	(1024 * 1024)	/* the queue's bytes, kept however idle */

void
jobs_init(struct jobs *j)
{
	memset(j, 0, sizeof(*j));
	j->free_head = UINT32_MAX;
	joblist_init(&j->wait);
}

void
jobs_free(struct jobs *j)
{
	uint32_t	 i;

	for (i = 0; i < j->n; i++)
		buf_free(&j->v[i].task);
	free(j->v);
	jobs_init(j);
}

/* Take a slot for a job running on worker w; its wire id goes to *id. */
int
jobs_add(struct jobs *j, struct client *c, uint64_t cid, int w, uint64_t *id)
{
	struct job	*job, *v;
	uint32_t	 slot;

	if (j->free_head != UINT32_MAX) {
		slot = j->free_head;
		j->free_head = j->v[slot].next;
	} else {
		if (j->n == j->cap) {
			uint32_t cap = j->cap ? j->cap * 2 : 256;

			if (cap < j->cap ||
			    (v = realloc(j->v, (size_t)cap * sizeof(*v))) == NULL)
				return -1;
			j->v = v;
			j->cap = cap;
		}
		slot = j->n++;
		memset(&j->v[slot], 0, sizeof(j->v[slot]));
		j->v[slot].gen = 1;
	}
	job = &j->v[slot];
	job->client = c;
	job->cid = cid;
	job->worker = w;
	job->started_ns = 0;
	job->deadline = 0;
	job->timeout = 0;
	job->tries = 0;
	job->late = 0;
	job->task.off = job->task.len = 0;
	j->running++;
	*id = (uint64_t)job->gen << 32 | slot;
	return 0;
}

/* The running job with this wire id, or NULL for an unknown or stale one. */
struct job *
jobs_get(struct jobs *j, uint64_t id)
{
	struct job	*job;

	if (SLOT(id) >= j->n)
		return NULL;
	job = &j->v[SLOT(id)];
	if (job->worker == JOB_FREE || job->gen != GEN(id))
		return NULL;
	return job;
}

/*
 * Keep a copy of the job's TASK frame, in a buffer sized to it (not to
 * the 4 KiB a growing buffer starts with: there is one per running job).
 */
int
jobs_set_task(struct job *job, const void *frame, size_t n)
{
	struct buf	*b = &job->task;
	size_t		 cap = (n + 63) & ~(size_t)63;
	uint8_t		*p;

	if (b->cap < n) {
		if ((p = realloc(b->data, cap)) == NULL)
			return -1;
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data, frame, n);
	b->off = 0;
	b->len = n;
	return 0;
}

uint64_t
jobs_id(const struct jobs *j, const struct job *job)
{
	return (uint64_t)job->gen << 32 | (uint32_t)(job - j->v);
}

/* The job in slot i, if it is running (for scans over all jobs). */
struct job *
jobs_at(struct jobs *j, uint32_t i)
{
	if (i >= j->n || j->v[i].worker == JOB_FREE)
		return NULL;
	return &j->v[i];
}

void
jobs_del(struct jobs *j, struct job *job)
{
	uint32_t slot = (uint32_t)(job - j->v);

	if (job->worker == JOB_WAITING) {
		joblist_unlink(j, &j->wait, job);
		j->waiting--;
	}
	job->worker = JOB_FREE;
	job->client = NULL;
	if (++job->gen > JOBS_GEN_MAX)
		job->gen = 1;
	job->task.off = job->task.len = 0;
	buf_trim(&job->task, 1024);
	job->next = j->free_head;
	j->free_head = slot;
	j->running--;
}

/* Put a job, taken off its worker, at the end of the waiting list. */
void
jobs_wait(struct jobs *j, struct job *job)
{
	job->worker = JOB_WAITING;
	joblist_push(j, &j->wait, job);
	j->waiting++;
}

/* The job that has waited longest to be sent again, or NULL. */
struct job *
jobs_first_waiting(struct jobs *j)
{
	return joblist_first(j, &j->wait);
}

/* The job now runs on worker w (taken out of the waiting list if there). */
void
jobs_assign(struct jobs *j, struct job *job, int w)
{
	if (job->worker == JOB_WAITING) {
		joblist_unlink(j, &j->wait, job);
		j->waiting--;
	}
	job->worker = w;
}

void
joblist_init(struct joblist *l)
{
	l->head = l->tail = UINT32_MAX;
}

/* Add a job to the end of a worker's list (it is on no other list). */
void
joblist_push(struct jobs *j, struct joblist *l, struct job *job)
{
	uint32_t slot = (uint32_t)(job - j->v);

	job->next = UINT32_MAX;
	if (l->tail == UINT32_MAX)
		l->head = slot;
	else
		j->v[l->tail].next = slot;
	l->tail = slot;
}

/* Take a job out of a worker's list, wherever it is (mostly the head). */
void
joblist_unlink(struct jobs *j, struct joblist *l, struct job *job)
{
	uint32_t	 slot = (uint32_t)(job - j->v), prev = UINT32_MAX;
	uint32_t	*pp = &l->head;

	while (*pp != slot) {
		if (*pp == UINT32_MAX)
			return;		/* not on this list */
		prev = *pp;
		pp = &j->v[*pp].next;
	}
	*pp = job->next;
	if (l->tail == slot)
		l->tail = prev;
	job->next = UINT32_MAX;
}

struct job *
joblist_first(struct jobs *j, const struct joblist *l)
{
	return l->head == UINT32_MAX ? NULL : &j->v[l->head];
}

struct job *
joblist_next(struct jobs *j, const struct job *job)
{
	return job->next == UINT32_MAX ? NULL : &j->v[job->next];
}

void
queue_init(struct queue *q)
{
	memset(q, 0, sizeof(*q));
}

void
queue_free(struct queue *q)
{
	buf_free(&q->bytes);
	queue_init(q);
}

/* Start an entry; the caller appends one frame to q->bytes, then commits. */
size_t
queue_begin(struct queue *q)
{
	static const struct qent zero;
	size_t	 mark = buf_avail(&q->bytes);

	if (buf_append(&q->bytes, &zero, sizeof(zero)) == -1)
		return (size_t)-1;
	return mark;
}

int
queue_commit(struct queue *q, size_t mark, struct client *c, uint64_t cid,
    uint32_t timeout)
{
	static const uint8_t zeros[8];
	struct qent	 e = { c, cid, 0, timeout, q->live ? q->last : 0 };
	size_t		 len;

	if (mark == (size_t)-1)
		return -1;
	len = buf_avail(&q->bytes) - mark - sizeof(e);
	if (buf_append(&q->bytes, zeros, ALIGN8(len) - len) == -1) {
		queue_abort(q, mark);
		return -1;
	}
	e.len = (uint32_t)len;
	memcpy(buf_head(&q->bytes) + mark, &e, sizeof(e));
	q->live++;
	q->last = (uint32_t)(sizeof(e) + ALIGN8(len));
	return 0;
}

void
queue_abort(struct queue *q, size_t mark)
{
	if (mark != (size_t)-1 && mark <= buf_avail(&q->bytes))
		q->bytes.len = q->bytes.off + mark;
}

/* The oldest entry and its frame, or 0 if the queue is empty. */
int
queue_peek(struct queue *q, struct qent *e, const uint8_t **frame)
{
	if (buf_avail(&q->bytes) < sizeof(*e))
		return 0;
	memcpy(e, buf_head(&q->bytes), sizeof(*e));
	*frame = buf_head(&q->bytes) + sizeof(*e);
	return 1;
}

/* Drop the oldest entry. */
void
queue_pop(struct queue *q)
{
	struct qent	 e;

	memcpy(&e, buf_head(&q->bytes), sizeof(e));
	buf_consume(&q->bytes, sizeof(e) + ALIGN8((size_t)e.len));
	if (--q->live == 0)
		q->last = 0;
	buf_shrink(&q->bytes, QUEUE_KEEP);
}

/* Take the newest entry off the queue, into *e; 0 if it is empty. */
int
queue_pop_last(struct queue *q, struct qent *e)
{
	if (q->live == 0)
		return 0;
	memcpy(e, buf_head(&q->bytes) + buf_avail(&q->bytes) - q->last,
	    sizeof(*e));
	q->bytes.len -= q->last;
	q->last = --q->live ? e->prev : 0;
	buf_shrink(&q->bytes, QUEUE_KEEP);
	return 1;
}

/*
 * Remove every entry of client c, in place; returns how many went, and
 * adds their frames' bytes to *bytes.
 */
unsigned
queue_remove(struct queue *q, const struct client *c, uint64_t *bytes)
{
	uint8_t		*base;
	struct qent	 e;
	size_t		 rd, wr = 0, sz, n = buf_avail(&q->bytes);
	unsigned	 gone = 0;
	uint32_t	 prev = 0;

	if (n == 0)
		return 0;
	base = buf_head(&q->bytes);
	for (rd = 0; rd < n; rd += sz) {
		memcpy(&e, base + rd, sizeof(e));
		sz = sizeof(e) + ALIGN8((size_t)e.len);
		if (e.client == c) {
			gone++;
			*bytes += e.len;
			continue;
		}
		e.prev = prev;
		memmove(base + wr, &e, sizeof(e));
		if (wr != rd)
			memmove(base + wr + sizeof(e), base + rd + sizeof(e),
			    sz - sizeof(e));
		prev = (uint32_t)sz;
		wr += sz;
	}
	q->bytes.len = q->bytes.off + wr;
	q->live -= gone;
	q->last = q->live ? prev : 0;
	buf_shrink(&q->bytes, QUEUE_KEEP);
	return gone;
}
