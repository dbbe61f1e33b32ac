/*
 * Unit tests of daemon/fairq.c: one FIFO per owner served round-robin,
 * and a full queue that makes room for an owner below its share.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fairq.h"

#define UA	((const void *)0x10)	/* owners */
#define UB	((const void *)0x20)
#define UC	((const void *)0x30)
#define CA	((struct client *)0x1000)	/* their clients */
#define CB	((struct client *)0x2000)
#define CC	((struct client *)0x3000)

static void
push(struct fairq *fq, const void *owner, struct client *c, uint64_t cid)
{
	struct subq	*sq;
	size_t		 mark;

	assert_non_null(sq = fairq_open(fq, owner));
	mark = queue_begin(&sq->q);
	assert_int_equal(buf_append(&sq->q.bytes, "frame", 5), 0);
	assert_int_equal(queue_commit(&sq->q, mark, c, cid, 0), 0);
	fairq_close(fq, sq, 1);
}

/* The next job served is cid's; it is popped. */
static void
expect_next(struct fairq *fq, uint64_t cid)
{
	struct qent	 e;
	const uint8_t	*frame;

	assert_int_equal(fairq_peek(fq, &e, &frame), 1);
	assert_int_equal(e.cid, cid);
	assert_int_equal(e.len, 5);
	assert_memory_equal(frame, "frame", 5);
	fairq_pop(fq);
}

static void
expect_empty(struct fairq *fq)
{
	struct qent	 e;
	const uint8_t	*frame;

	assert_int_equal(fq->live, 0);
	assert_int_equal(fq->nsubq, 0);
	assert_int_equal(fairq_peek(fq, &e, &frame), 0);
}

/* A hundred jobs of A ahead of two of B: B's wait for one of A's each. */
static void
round_robin(void **state)
{
	struct fairq	 fq;
	uint64_t	 i;

	(void)state;
	fairq_init(&fq);
	expect_empty(&fq);
	for (i = 1; i <= 100; i++)
		push(&fq, UA, CA, i);
	push(&fq, UB, CB, 1001);
	push(&fq, UB, CB, 1002);
	push(&fq, UC, CC, 2001);
	assert_int_equal(fq.live, 103);
	assert_int_equal(fq.nsubq, 3);
	expect_next(&fq, 1);
	expect_next(&fq, 1001);
	expect_next(&fq, 2001);
	expect_next(&fq, 2);
	expect_next(&fq, 1002);
	for (i = 3; i <= 100; i++)		/* then A's, in order */
		expect_next(&fq, i);
	expect_empty(&fq);
	fairq_free(&fq);
}

/* One owner alone may fill the queue; a second gets in by pushing out. */
static void
full_queue_shares(void **state)
{
	struct fairq	 fq;
	struct qent	 e;
	uint64_t	 i;

	(void)state;
	fairq_init(&fq);
	for (i = 1; i <= 10; i++) {
		assert_int_equal(fairq_room(&fq, UA, 10), FAIRQ_ROOM);
		push(&fq, UA, CA, i);
	}
	assert_int_equal(fairq_room(&fq, UA, 10), FAIRQ_FULL);
	assert_int_equal(fairq_room(&fq, UB, 10), FAIRQ_PUSH_OUT);
	assert_int_equal(fairq_push_out(&fq, &e), 1);
	assert_ptr_equal(e.client, CA);
	assert_int_equal(e.cid, 10);		/* A's newest */
	push(&fq, UB, CB, 101);
	for (i = 102; i <= 105; i++) {		/* B up to its half: 5 */
		assert_int_equal(fairq_room(&fq, UB, 10), FAIRQ_PUSH_OUT);
		assert_int_equal(fairq_push_out(&fq, &e), 1);
		assert_ptr_equal(e.client, CA);
		push(&fq, UB, CB, i);
	}
	assert_int_equal(fairq_room(&fq, UB, 10), FAIRQ_FULL);
	assert_int_equal(fairq_room(&fq, UA, 10), FAIRQ_FULL);
	assert_int_equal(fairq_room(&fq, UC, 10), FAIRQ_PUSH_OUT);
	assert_int_equal(fq.live, 10);
	for (i = 1; i <= 5; i++) {		/* A 1-5 and B 101-105, taking turns */
		expect_next(&fq, i);
		expect_next(&fq, 100 + i);
	}
	expect_empty(&fq);
	assert_int_equal(fairq_room(&fq, UA, 0), FAIRQ_FULL);	/* no queue */
	fairq_free(&fq);
}

/* A client's entries go, its owner's others stay; bytes are counted. */
static void
remove_client(void **state)
{
	struct fairq	 fq;
	uint64_t	 bytes = 0;
	struct client	*ca2 = (struct client *)0x1001;

	(void)state;
	fairq_init(&fq);
	push(&fq, UA, CA, 1);
	push(&fq, UA, ca2, 2);
	push(&fq, UB, CB, 3);
	push(&fq, UA, CA, 4);
	assert_int_equal(fairq_remove(&fq, UA, CA, &bytes), 2);
	assert_int_equal(bytes, 10);
	assert_int_equal(fq.live, 2);
	assert_int_equal(fairq_remove(&fq, UC, CC, &bytes), 0);
	assert_int_equal(fairq_remove(&fq, UB, CB, &bytes), 1);
	assert_int_equal(fq.nsubq, 1);		/* B's FIFO is gone */
	expect_next(&fq, 2);
	expect_empty(&fq);
	push(&fq, UB, CB, 5);
	fairq_free(&fq);			/* with entries: no leak */
	expect_empty(&fq);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_robin),
		cmocka_unit_test(full_queue_shares),
		cmocka_unit_test(remove_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
