/*
 * Unit tests of daemon/jobs.c: the table of running jobs with generation
 * ids, and the FIFO of waiting frames.  struct client is opaque here, so
 * clients are fake pointers that are compared, never followed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "jobs.h"

#define CA	((struct client *)0x1000)
#define CB	((struct client *)0x2000)
#define CC	((struct client *)0x3000)

#define SLOT(id)	((uint32_t)((id) & 0xffffffffu))
#define GEN(id)		((uint32_t)((id) >> 32))

/* Jobs */

static uint64_t
add(struct jobs *j, struct client *c, uint64_t cid, int w)
{
	uint64_t id = 0;

	assert_int_equal(jobs_add(j, c, cid, w, &id), 0);
	return id;
}

static void
jobs_empty(void **state)
{
	struct jobs	 j;

	(void)state;
	jobs_init(&j);
	assert_int_equal(j.running, 0);
	assert_int_equal(j.n, 0);
	assert_null(jobs_get(&j, 0));
	assert_null(jobs_get(&j, (uint64_t)1 << 32));
	assert_null(jobs_at(&j, 0));
	jobs_free(&j);
}

static void
jobs_add_get(void **state)
{
	struct jobs	 j;
	struct job	*job;
	uint64_t	 id;

	(void)state;
	jobs_init(&j);
	id = add(&j, CA, 10, 3);
	assert_int_equal(j.running, 1);
	job = jobs_get(&j, id);
	assert_non_null(job);
	assert_ptr_equal(job->client, CA);
	assert_int_equal(job->cid, 10);
	assert_int_equal(job->worker, 3);
	assert_ptr_equal(jobs_at(&j, SLOT(id)), job);
	jobs_free(&j);
}

static void
jobs_ids_differ(void **state)
{
	struct jobs	 j;
	uint64_t	 a, b, c;

	(void)state;
	jobs_init(&j);
	a = add(&j, CA, 1, 0);
	b = add(&j, CB, 1, 1);
	c = add(&j, CA, 2, 0);
	assert_true(a != b && b != c && a != c);
	assert_int_equal(j.running, 3);
	assert_ptr_equal(jobs_get(&j, a)->client, CA);
	assert_ptr_equal(jobs_get(&j, b)->client, CB);
	assert_int_equal(jobs_get(&j, c)->cid, 2);
	assert_int_equal(jobs_get(&j, b)->worker, 1);
	jobs_free(&j);
}

static void
jobs_del_forgets(void **state)
{
	struct jobs	 j;
	uint64_t	 a, b;

	(void)state;
	jobs_init(&j);
	a = add(&j, CA, 1, 0);
	b = add(&j, CB, 2, 1);
	jobs_del(&j, jobs_get(&j, a));
	assert_int_equal(j.running, 1);
	assert_null(jobs_get(&j, a));
	assert_null(jobs_at(&j, SLOT(a)));
	assert_non_null(jobs_get(&j, b));
	assert_int_equal(jobs_get(&j, b)->cid, 2);
	jobs_del(&j, jobs_get(&j, b));
	assert_int_equal(j.running, 0);
	assert_null(jobs_get(&j, b));
	jobs_free(&j);
}

/* A reused slot gets a new generation: the old id is stale. */
static void
jobs_reuse_new_id(void **state)
{
	struct jobs	 j;
	uint64_t	 a, b;

	(void)state;
	jobs_init(&j);
	a = add(&j, CA, 1, 0);
	jobs_del(&j, jobs_get(&j, a));
	b = add(&j, CB, 2, 1);
	assert_int_equal(SLOT(b), SLOT(a));
	assert_true(b != a);
	assert_null(jobs_get(&j, a));
	assert_non_null(jobs_get(&j, b));
	assert_ptr_equal(jobs_get(&j, b)->client, CB);
	assert_int_equal(j.n, 1);
	jobs_free(&j);
}

/* Many reuses of one slot never give an id twice. */
static void
jobs_reuse_many(void **state)
{
	struct jobs	 j;
	uint64_t	 ids[100];
	int		 i, k;

	(void)state;
	jobs_init(&j);
	for (i = 0; i < 100; i++) {
		ids[i] = add(&j, CA, (uint64_t)i, 0);
		for (k = 0; k < i; k++)
			assert_true(ids[k] != ids[i]);
		for (k = 0; k < i; k++)
			assert_null(jobs_get(&j, ids[k]));
		jobs_del(&j, jobs_get(&j, ids[i]));
	}
	assert_int_equal(j.n, 1);
	assert_int_equal(j.running, 0);
	jobs_free(&j);
}

static void
jobs_generation_wraps_past_zero(void **state)
{
	struct jobs	 j;
	uint64_t	 a, b;

	(void)state;
	jobs_init(&j);
	a = add(&j, CA, 1, 0);
	j.v[SLOT(a)].gen = JOBS_GEN_MAX;	/* ids stay below 2^53 */
	a = (uint64_t)JOBS_GEN_MAX << 32 | SLOT(a);
	assert_true(a < (1ULL << 53));
	assert_non_null(jobs_get(&j, a));
	jobs_del(&j, jobs_get(&j, a));
	b = add(&j, CA, 2, 0);
	assert_int_equal(GEN(b), 1);
	assert_null(jobs_get(&j, a));
	assert_non_null(jobs_get(&j, b));
	jobs_free(&j);
}

static void
jobs_forged_ids(void **state)
{
	struct jobs	 j;
	uint64_t	 a;

	(void)state;
	jobs_init(&j);
	a = add(&j, CA, 1, 0);
	add(&j, CB, 2, 0);
	assert_null(jobs_get(&j, (uint64_t)GEN(a) << 32 | 2));	/* slot n */
	assert_null(jobs_get(&j, (uint64_t)GEN(a) << 32 | 255));
	assert_null(jobs_get(&j, (uint64_t)GEN(a) << 32 | 256));
	assert_null(jobs_get(&j, (uint64_t)GEN(a) << 32 | 0xffffffffu));
	assert_null(jobs_get(&j, UINT64_MAX));
	assert_null(jobs_get(&j, SLOT(a)));			/* gen 0 */
	assert_null(jobs_get(&j, (uint64_t)(GEN(a) + 1) << 32 | SLOT(a)));
	assert_null(jobs_at(&j, 2));
	assert_null(jobs_at(&j, 256));
	assert_null(jobs_at(&j, UINT32_MAX));
	assert_non_null(jobs_get(&j, a));
	jobs_free(&j);
}

/* Past 256 slots and several reallocations, every id still finds its job. */
static void
jobs_growth(void **state)
{
	enum { N = 3000 };
	struct jobs	 j;
	struct job	*job;
	uint64_t	*ids;
	uint32_t	 n;
	int		 i;

	(void)state;
	assert_non_null(ids = calloc(N, sizeof(*ids)));
	jobs_init(&j);
	for (i = 0; i < N; i++)
		ids[i] = add(&j, i % 2 ? CA : CB, 1000 + (uint64_t)i, i % 7);
	assert_int_equal(j.running, N);
	assert_true(j.cap >= N);
	for (i = 0; i < N; i++) {
		job = jobs_get(&j, ids[i]);
		assert_non_null(job);
		assert_int_equal(job->cid, 1000 + (uint64_t)i);
		assert_int_equal(job->worker, i % 7);
		assert_ptr_equal(job->client, i % 2 ? CA : CB);
		assert_int_equal(SLOT(ids[i]), (uint32_t)i);
	}
	for (i = 0; i < N; i += 2)
		jobs_del(&j, jobs_get(&j, ids[i]));
	assert_int_equal(j.running, N / 2);
	for (i = 0; i < N; i++) {
		if (i % 2 == 0)
			assert_null(jobs_get(&j, ids[i]));
		else
			assert_int_equal(jobs_get(&j, ids[i])->cid,
			    1000 + (uint64_t)i);
	}
	/* Freed slots are used again before the table grows. */
	n = j.n;
	for (i = 0; i < N; i += 2)
		ids[i] = add(&j, CC, 5000 + (uint64_t)i, 0);
	assert_int_equal(j.n, n);
	assert_int_equal(j.running, N);
	for (i = 0; i < N; i++)
		assert_int_equal(jobs_get(&j, ids[i])->cid,
		    (i % 2 ? 1000 : 5000) + (uint64_t)i);
	jobs_free(&j);
	free(ids);
}

static void
jobs_at_scan(void **state)
{
	struct jobs	 j;
	uint64_t	 ids[5];
	uint32_t	 i, seen = 0;
	int		 k;

	(void)state;
	jobs_init(&j);
	for (k = 0; k < 5; k++)
		ids[k] = add(&j, CA, (uint64_t)k, 0);
	jobs_del(&j, jobs_get(&j, ids[1]));
	jobs_del(&j, jobs_get(&j, ids[3]));
	for (i = 0; i < j.n; i++)
		if (jobs_at(&j, i) != NULL)
			seen |= 1u << jobs_at(&j, i)->cid;
	assert_int_equal(seen, 1u << 0 | 1u << 2 | 1u << 4);
	jobs_free(&j);
}

static void
jobs_free_resets(void **state)
{
	struct jobs	 j;
	uint64_t	 a;

	(void)state;
	jobs_init(&j);
	a = add(&j, CA, 1, 0);
	jobs_free(&j);
	assert_null(j.v);
	assert_int_equal(j.n, 0);
	assert_int_equal(j.running, 0);
	assert_null(jobs_get(&j, a));
	a = add(&j, CA, 2, 0);
	assert_int_equal(jobs_get(&j, a)->cid, 2);
	jobs_free(&j);
}

/* The waiting list: jobs taken off a dead worker, to be sent again. */
static void
jobs_waiting_fifo(void **state)
{
	struct jobs	 j;
	uint64_t	 id[4];
	int		 i;

	(void)state;
	jobs_init(&j);
	for (i = 0; i < 4; i++)
		id[i] = add(&j, CA, (uint64_t)i, 0);
	assert_null(jobs_first_waiting(&j));
	jobs_wait(&j, jobs_get(&j, id[2]));
	jobs_wait(&j, jobs_get(&j, id[0]));
	jobs_wait(&j, jobs_get(&j, id[3]));
	assert_int_equal(j.waiting, 3);
	assert_int_equal(j.running, 4);
	assert_int_equal(jobs_get(&j, id[0])->worker, JOB_WAITING);
	/* oldest first; the same ids, still valid while waiting */
	assert_ptr_equal(jobs_first_waiting(&j), jobs_get(&j, id[2]));
	jobs_assign(&j, jobs_get(&j, id[2]), 5);
	assert_int_equal(jobs_get(&j, id[2])->worker, 5);
	assert_ptr_equal(jobs_first_waiting(&j), jobs_get(&j, id[0]));
	/* deleting a waiting job takes it out of the list, here the last */
	jobs_del(&j, jobs_get(&j, id[3]));
	assert_int_equal(j.waiting, 1);
	jobs_wait(&j, jobs_get(&j, id[1]));
	jobs_del(&j, jobs_get(&j, id[0]));
	assert_ptr_equal(jobs_first_waiting(&j), jobs_get(&j, id[1]));
	jobs_assign(&j, jobs_get(&j, id[1]), 1);
	assert_null(jobs_first_waiting(&j));
	assert_int_equal(j.waiting, 0);
	assert_int_equal(j.running, 2);
	jobs_free(&j);
}

/* A slot keeps its frame's bytes for a retry, and a new job starts empty. */
static void
jobs_task_kept(void **state)
{
	struct jobs	 j;
	struct job	*job;
	uint64_t	 a, b;

	(void)state;
	jobs_init(&j);
	a = add(&j, CA, 1, 0);
	job = jobs_get(&j, a);
	assert_int_equal(jobs_set_task(job, "frame", 5), 0);
	assert_int_equal(job->task.cap, 64);
	assert_memory_equal(buf_head(&job->task), "frame", 5);
	assert_int_equal(jobs_set_task(job, "longer frame", 12), 0);
	assert_int_equal(job->task.cap, 64);
	assert_memory_equal(buf_head(&job->task), "longer frame", 12);
	job->tries = 3;
	job->deadline = 99;
	assert_int_equal(jobs_id(&j, job), a);
	jobs_del(&j, job);
	b = add(&j, CB, 2, 1);
	job = jobs_get(&j, b);
	assert_int_equal(SLOT(a), SLOT(b));
	assert_int_equal(buf_avail(&job->task), 0);
	assert_int_equal(job->tries, 0);
	assert_true(job->deadline == 0);
	jobs_free(&j);
}

/* Queue */

/* The byte i of a frame for cid: recognisable, different per entry. */
static uint8_t
pat(uint64_t cid, size_t i)
{
	return (uint8_t)(cid * 31 + i * 7 + 1);
}

static void
enqueue(struct queue *q, struct client *c, uint64_t cid, size_t len)
{
	size_t	 mark, i;
	uint8_t	 b;

	mark = queue_begin(q);
	assert_true(mark != (size_t)-1);
	for (i = 0; i < len; i++) {
		b = pat(cid, i);
		assert_int_equal(buf_append(&q->bytes, &b, 1), 0);
	}
	assert_int_equal(queue_commit(q, mark, c, cid, 0), 0);
}

static void
expect_front(struct queue *q, struct client *c, uint64_t cid, size_t len)
{
	struct qent	 e;
	const uint8_t	*frame = NULL;
	size_t		 i;

	assert_int_equal(queue_peek(q, &e, &frame), 1);
	assert_ptr_equal(e.client, c);
	assert_int_equal(e.cid, cid);
	assert_int_equal(e.len, len);
	assert_non_null(frame);
	for (i = 0; i < len; i++)
		assert_int_equal(frame[i], pat(cid, i));
}

static void
expect_pop(struct queue *q, struct client *c, uint64_t cid, size_t len)
{
	expect_front(q, c, cid, len);
	queue_pop(q);
}

static void
expect_empty(struct queue *q)
{
	struct qent	 e;
	const uint8_t	*frame;

	assert_int_equal(q->live, 0);
	assert_int_equal(queue_peek(q, &e, &frame), 0);
}

/* Remove c's entries; their frames' bytes must add up as pushed. */
static unsigned
qremove(struct queue *q, const struct client *c)
{
	struct qent	 e;
	uint64_t	 want = 0, got = 0;
	size_t		 off;

	for (off = 0; off < buf_avail(&q->bytes);
	    off += sizeof(e) + ((e.len + 7) & ~7u)) {
		memcpy(&e, buf_head(&q->bytes) + off, sizeof(e));
		if (e.client == c)
			want += e.len;
	}
	off = queue_remove(q, c, &got);
	assert_int_equal(got, want);
	return (unsigned)off;
}

static const size_t lens[] = { 1, 7, 8, 9, 13, 16, 23, 100, 4095, 3 };
#define NLENS	(sizeof(lens) / sizeof(lens[0]))

static void
queue_fifo(void **state)
{
	struct queue	 q;
	size_t		 i;

	(void)state;
	queue_init(&q);
	expect_empty(&q);
	for (i = 0; i < NLENS; i++)
		enqueue(&q, i % 2 ? CA : CB, 100 + i, lens[i]);
	assert_int_equal(q.live, NLENS);
	for (i = 0; i < NLENS; i++) {
		expect_pop(&q, i % 2 ? CA : CB, 100 + i, lens[i]);
		assert_int_equal(q.live, NLENS - i - 1);
	}
	expect_empty(&q);
	queue_free(&q);
}

/* Entries stay 8-byte aligned in the bytes, whatever the frame lengths. */
static void
queue_alignment(void **state)
{
	struct queue	 q;
	size_t		 i, total = 0;

	(void)state;
	queue_init(&q);
	for (i = 0; i < NLENS; i++) {
		enqueue(&q, CA, i, lens[i]);
		total += sizeof(struct qent) + ((lens[i] + 7) & ~(size_t)7);
		assert_int_equal(buf_avail(&q.bytes), total);
	}
	queue_free(&q);
}

static void
queue_interleaved(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	enqueue(&q, CA, 1, 5);
	enqueue(&q, CB, 2, 12);
	enqueue(&q, CA, 3, 8);
	expect_pop(&q, CA, 1, 5);
	enqueue(&q, CC, 4, 1);
	expect_pop(&q, CB, 2, 12);
	enqueue(&q, CA, 5, 31);
	assert_int_equal(q.live, 3);
	expect_pop(&q, CA, 3, 8);
	expect_pop(&q, CC, 4, 1);
	expect_pop(&q, CA, 5, 31);
	expect_empty(&q);
	/* And again after it drained. */
	enqueue(&q, CB, 6, 2);
	expect_pop(&q, CB, 6, 2);
	expect_empty(&q);
	queue_free(&q);
}

/* A big frame that makes the bytes compact and grow while it is written. */
static void
queue_frame_grows_buffer(void **state)
{
	struct queue	 q;
	int		 i;

	(void)state;
	queue_init(&q);
	for (i = 0; i < 40; i++)
		enqueue(&q, CA, (uint64_t)i, 70);
	for (i = 0; i < 30; i++)
		expect_pop(&q, CA, (uint64_t)i, 70);
	assert_true(q.bytes.off > 0);
	enqueue(&q, CB, 999, 20000);
	enqueue(&q, CC, 1000, 5);
	for (i = 30; i < 40; i++)
		expect_pop(&q, CA, (uint64_t)i, 70);
	expect_pop(&q, CB, 999, 20000);
	expect_pop(&q, CC, 1000, 5);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_abort_entry(void **state)
{
	struct queue	 q;
	size_t		 mark, before;

	(void)state;
	queue_init(&q);
	enqueue(&q, CA, 1, 9);
	before = buf_avail(&q.bytes);
	mark = queue_begin(&q);
	assert_int_equal(buf_append(&q.bytes, "partial frame", 13), 0);
	queue_abort(&q, mark);
	assert_int_equal(buf_avail(&q.bytes), before);
	assert_int_equal(q.live, 1);
	enqueue(&q, CB, 2, 4);
	expect_pop(&q, CA, 1, 9);
	expect_pop(&q, CB, 2, 4);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_abort_only(void **state)
{
	struct queue	 q;
	size_t		 mark;

	(void)state;
	queue_init(&q);
	mark = queue_begin(&q);
	assert_int_equal(mark, 0);
	assert_int_equal(buf_append(&q.bytes, "x", 1), 0);
	queue_abort(&q, mark);
	expect_empty(&q);
	queue_abort(&q, (size_t)-1);		/* ignored */
	expect_empty(&q);
	assert_int_equal(queue_commit(&q, (size_t)-1, CA, 1, 0), -1);
	expect_empty(&q);
	queue_free(&q);
}

/* Fill the queue with A B A C A B (cids 1..6) and remove one client. */
static void
fill_mixed(struct queue *q)
{
	enqueue(q, CA, 1, 3);
	enqueue(q, CB, 2, 10);
	enqueue(q, CA, 3, 17);
	enqueue(q, CC, 4, 8);
	enqueue(q, CA, 5, 1);
	enqueue(q, CB, 6, 24);
}

/* The newest entry comes off the end, also after a removal in between. */
static void
queue_pop_last_order(void **state)
{
	struct queue	 q;
	struct qent	 e;

	(void)state;
	queue_init(&q);
	assert_int_equal(queue_pop_last(&q, &e), 0);
	fill_mixed(&q);
	assert_int_equal(queue_pop_last(&q, &e), 1);
	assert_ptr_equal(e.client, CB);
	assert_int_equal(e.cid, 6);
	assert_int_equal(e.len, 24);
	assert_int_equal(qremove(&q, CC), 1);
	assert_int_equal(queue_pop_last(&q, &e), 1);
	assert_int_equal(e.cid, 5);
	assert_int_equal(queue_pop_last(&q, &e), 1);
	assert_int_equal(e.cid, 3);
	expect_pop(&q, CA, 1, 3);
	assert_int_equal(queue_pop_last(&q, &e), 1);
	assert_int_equal(e.cid, 2);
	expect_empty(&q);
	assert_int_equal(queue_pop_last(&q, &e), 0);
	enqueue(&q, CA, 7, 5);			/* and it goes on as a FIFO */
	enqueue(&q, CB, 8, 9);
	assert_int_equal(queue_pop_last(&q, &e), 1);
	assert_int_equal(e.cid, 8);
	expect_pop(&q, CA, 7, 5);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_remove_scattered(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	fill_mixed(&q);
	assert_int_equal(qremove(&q, CA), 3);
	assert_int_equal(q.live, 3);
	expect_pop(&q, CB, 2, 10);
	expect_pop(&q, CC, 4, 8);
	expect_pop(&q, CB, 6, 24);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_remove_front(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	enqueue(&q, CC, 1, 5);
	enqueue(&q, CC, 2, 6);
	enqueue(&q, CA, 3, 7);
	enqueue(&q, CB, 4, 8);
	assert_int_equal(qremove(&q, CC), 2);
	assert_int_equal(q.live, 2);
	expect_pop(&q, CA, 3, 7);
	expect_pop(&q, CB, 4, 8);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_remove_middle(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	fill_mixed(&q);
	assert_int_equal(qremove(&q, CC), 1);
	assert_int_equal(q.live, 5);
	expect_pop(&q, CA, 1, 3);
	expect_pop(&q, CB, 2, 10);
	expect_pop(&q, CA, 3, 17);
	expect_pop(&q, CA, 5, 1);
	expect_pop(&q, CB, 6, 24);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_remove_end(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	enqueue(&q, CA, 1, 5);
	enqueue(&q, CB, 2, 6);
	enqueue(&q, CC, 3, 7);
	enqueue(&q, CC, 4, 9);
	assert_int_equal(qremove(&q, CC), 2);
	assert_int_equal(q.live, 2);
	enqueue(&q, CB, 5, 2);		/* lands after what is left */
	expect_pop(&q, CA, 1, 5);
	expect_pop(&q, CB, 2, 6);
	expect_pop(&q, CB, 5, 2);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_remove_all(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	enqueue(&q, CA, 1, 5);
	enqueue(&q, CA, 2, 6);
	enqueue(&q, CA, 3, 7);
	assert_int_equal(qremove(&q, CA), 3);
	expect_empty(&q);
	assert_int_equal(buf_avail(&q.bytes), 0);
	enqueue(&q, CB, 4, 3);
	expect_pop(&q, CB, 4, 3);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_remove_none(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	fill_mixed(&q);
	assert_int_equal(qremove(&q, (struct client *)0x4000), 0);
	assert_int_equal(q.live, 6);
	expect_pop(&q, CA, 1, 3);
	expect_pop(&q, CB, 2, 10);
	queue_free(&q);
}

/* Removal after pops works on what is left, from the read offset on. */
static void
queue_remove_after_pop(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	fill_mixed(&q);
	expect_pop(&q, CA, 1, 3);
	expect_pop(&q, CB, 2, 10);
	assert_int_equal(qremove(&q, CB), 1);
	assert_int_equal(q.live, 3);
	expect_pop(&q, CA, 3, 17);
	expect_pop(&q, CC, 4, 8);
	expect_pop(&q, CA, 5, 1);
	expect_empty(&q);
	queue_free(&q);
}

/*
 * Memory held for a client is given back when its jobs go: removed for a
 * gone client, or popped, the queue's bytes shrink back to at most 1 MiB.
 */
static void
queue_gives_memory_back(void **state)
{
	struct queue	 q;
	unsigned	 i;

	(void)state;
	queue_init(&q);
	enqueue(&q, CB, 1, 100);
	for (i = 0; i < 256; i++)
		enqueue(&q, CA, 10 + i, 64 * 1024);
	enqueue(&q, CB, 2, 200);
	assert_true(q.bytes.cap >= 16 * 1024 * 1024);
	assert_int_equal(qremove(&q, CA), 256);
	assert_true(q.bytes.cap <= 1024 * 1024);
	expect_pop(&q, CB, 1, 100);
	expect_pop(&q, CB, 2, 200);
	expect_empty(&q);
	for (i = 0; i < 256; i++)
		enqueue(&q, CA, 10 + i, 64 * 1024);
	for (i = 0; i < 255; i++)
		expect_pop(&q, CA, 10 + i, 64 * 1024);
	assert_true(q.bytes.cap <= 1024 * 1024);
	expect_pop(&q, CA, 265, 64 * 1024);
	expect_empty(&q);
	queue_free(&q);
}

static void
queue_remove_empty(void **state)
{
	struct queue	 q;

	(void)state;
	queue_init(&q);
	assert_int_equal(qremove(&q, CA), 0);
	expect_empty(&q);
	queue_free(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(jobs_empty),
		cmocka_unit_test(jobs_add_get),
		cmocka_unit_test(jobs_ids_differ),
		cmocka_unit_test(jobs_del_forgets),
		cmocka_unit_test(jobs_reuse_new_id),
		cmocka_unit_test(jobs_reuse_many),
		cmocka_unit_test(jobs_generation_wraps_past_zero),
		cmocka_unit_test(jobs_forged_ids),
		cmocka_unit_test(jobs_growth),
		cmocka_unit_test(jobs_at_scan),
		cmocka_unit_test(jobs_free_resets),
		cmocka_unit_test(jobs_waiting_fifo),
		cmocka_unit_test(jobs_task_kept),
		cmocka_unit_test(queue_fifo),
		cmocka_unit_test(queue_alignment),
		cmocka_unit_test(queue_interleaved),
		cmocka_unit_test(queue_frame_grows_buffer),
		cmocka_unit_test(queue_abort_entry),
		cmocka_unit_test(queue_abort_only),
		cmocka_unit_test(queue_pop_last_order),
		cmocka_unit_test(queue_remove_scattered),
		cmocka_unit_test(queue_remove_front),
		cmocka_unit_test(queue_remove_middle),
		cmocka_unit_test(queue_remove_end),
		cmocka_unit_test(queue_remove_all),
		cmocka_unit_test(queue_remove_none),
		cmocka_unit_test(queue_remove_after_pop),
		cmocka_unit_test(queue_remove_empty),
		cmocka_unit_test(queue_gives_memory_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
