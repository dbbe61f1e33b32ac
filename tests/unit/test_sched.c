/*
 * Unit tests of daemon/sched.c: round-robin choice among n candidates.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sched.h"

#define NMAX	8

/* Which candidates can take a job, and the order they were asked in. */
struct pool {
	int		 can[NMAX];
	unsigned	 asked[4 * NMAX];
	unsigned	 nasked;
};

static int
can_take(void *arg, unsigned i)
{
	struct pool	*p = arg;

	assert_true(i < NMAX);
	if (p->nasked < sizeof(p->asked) / sizeof(p->asked[0]))
		p->asked[p->nasked++] = i;
	return p->can[i];
}

static void
pool_init(struct pool *p, unsigned n)
{
	unsigned	 i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++)
		p->can[i] = 1;
}

static int
pick(struct sched *s, unsigned n, struct pool *p)
{
	return sched_pick(s, n, can_take, p);
}

static void
round_robin(void **state)
{
	static const int want[] = { 0, 1, 2, 0, 1, 2, 0, 1, 2 };
	struct sched	 s = { 0 };
	struct pool	 p;
	size_t		 i;

	(void)state;
	pool_init(&p, 3);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(pick(&s, 3, &p), want[i]);
	/* Each pick asked one candidate only: the one it took. */
	assert_int_equal(p.nasked, 9);
	for (i = 0; i < 9; i++)
		assert_int_equal(p.asked[i], want[i]);
}

static void
skips_busy(void **state)
{
	static const int want[] = { 0, 2, 0, 2, 0 };
	struct sched	 s = { 0 };
	struct pool	 p;
	size_t		 i;

	(void)state;
	pool_init(&p, 3);
	p.can[1] = 0;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		assert_int_equal(pick(&s, 3, &p), want[i]);
}

static void
skips_several(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;

	(void)state;
	pool_init(&p, 5);
	p.can[0] = p.can[1] = p.can[2] = 0;
	assert_int_equal(pick(&s, 5, &p), 3);
	assert_int_equal(p.nasked, 4);
	assert_int_equal(p.asked[0], 0);
	assert_int_equal(p.asked[1], 1);
	assert_int_equal(p.asked[2], 2);
	assert_int_equal(p.asked[3], 3);
	assert_int_equal(pick(&s, 5, &p), 4);
	assert_int_equal(pick(&s, 5, &p), 3);	/* wraps past 0, 1, 2 */
}

static void
none_can_take(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;

	(void)state;
	pool_init(&p, 4);
	assert_int_equal(pick(&s, 4, &p), 0);
	assert_int_equal(pick(&s, 4, &p), 1);
	memset(p.can, 0, sizeof(p.can));
	p.nasked = 0;
	assert_int_equal(pick(&s, 4, &p), -1);
	/* Each was asked once, starting after the last picked. */
	assert_int_equal(p.nasked, 4);
	assert_int_equal(p.asked[0], 2);
	assert_int_equal(p.asked[1], 3);
	assert_int_equal(p.asked[2], 0);
	assert_int_equal(p.asked[3], 1);
	assert_int_equal(s.next, 2);	/* a failed pick moves nothing */
	p.can[1] = 1;
	assert_int_equal(pick(&s, 4, &p), 1);
}

/* After a skip, the turn goes on from the one picked, not the one skipped. */
static void
fairness_resumes(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;

	(void)state;
	pool_init(&p, 3);
	assert_int_equal(pick(&s, 3, &p), 0);
	assert_int_equal(pick(&s, 3, &p), 1);
	p.can[2] = 0;
	assert_int_equal(pick(&s, 3, &p), 0);
	p.can[2] = 1;
	assert_int_equal(pick(&s, 3, &p), 1);
	assert_int_equal(pick(&s, 3, &p), 2);
	assert_int_equal(pick(&s, 3, &p), 0);
}

/* A candidate that keeps being able to take does not starve the others. */
static void
no_starvation(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;
	unsigned	 count[4] = { 0 };
	int		 i, r;

	(void)state;
	pool_init(&p, 4);
	for (i = 0; i < 400; i++) {
		r = pick(&s, 4, &p);
		assert_true(r >= 0 && r < 4);
		count[r]++;
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(count[i], 100);
}

static void
single(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;

	(void)state;
	pool_init(&p, 1);
	assert_int_equal(pick(&s, 1, &p), 0);
	assert_int_equal(pick(&s, 1, &p), 0);
	assert_int_equal(s.next, 0);
	p.can[0] = 0;
	assert_int_equal(pick(&s, 1, &p), -1);
	p.can[0] = 1;
	assert_int_equal(pick(&s, 1, &p), 0);
}

static void
zero_candidates(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;

	(void)state;
	pool_init(&p, 3);
	assert_int_equal(pick(&s, 0, &p), -1);
	assert_int_equal(p.nasked, 0);
	s.next = 5;
	assert_int_equal(pick(&s, 0, &p), -1);
	assert_int_equal(p.nasked, 0);
}

/* The pool shrank below the next index: the pick stays in range. */
static void
pool_shrinks(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;

	(void)state;
	pool_init(&p, 5);
	assert_int_equal(pick(&s, 5, &p), 0);
	assert_int_equal(pick(&s, 5, &p), 1);
	assert_int_equal(pick(&s, 5, &p), 2);
	assert_int_equal(pick(&s, 5, &p), 3);
	assert_int_equal(pick(&s, 2, &p), 0);	/* next was 4: 4 % 2 */
	assert_int_equal(pick(&s, 2, &p), 1);
	assert_int_equal(pick(&s, 2, &p), 0);
}

/* The pool grew: the turn goes on to the new candidates. */
static void
pool_grows(void **state)
{
	struct sched	 s = { 0 };
	struct pool	 p;

	(void)state;
	pool_init(&p, 4);
	assert_int_equal(pick(&s, 2, &p), 0);
	assert_int_equal(pick(&s, 2, &p), 1);
	assert_int_equal(pick(&s, 2, &p), 0);
	assert_int_equal(pick(&s, 4, &p), 1);
	assert_int_equal(pick(&s, 4, &p), 2);
	assert_int_equal(pick(&s, 4, &p), 3);
	assert_int_equal(pick(&s, 4, &p), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_robin),
		cmocka_unit_test(skips_busy),
		cmocka_unit_test(skips_several),
		cmocka_unit_test(none_can_take),
		cmocka_unit_test(fairness_resumes),
		cmocka_unit_test(no_starvation),
		cmocka_unit_test(single),
		cmocka_unit_test(zero_candidates),
		cmocka_unit_test(pool_shrinks),
		cmocka_unit_test(pool_grows),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
