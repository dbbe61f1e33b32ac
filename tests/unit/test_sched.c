/*
 * Unit tests of daemon/sched.c: which worker gets the next job, and how a
 * worker's window follows the time its jobs take.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sched.h"

#define NMAX	8
#define MAX	64		/* worker_window */
#define US	1000ULL
#define MS	1000000ULL

struct pool {
	struct sched_slot slot[NMAX];
	unsigned	 n;
	struct sched	 s;
	uint64_t	 now;
};

static struct sched_slot *
at(void *arg, unsigned i)
{
	struct pool	*p = arg;

	assert_true(i < p->n);
	return &p->slot[i];
}

static void
pool_init(struct pool *p, unsigned n)
{
	unsigned	 i;

	memset(p, 0, sizeof(*p));
	p->n = n;
	p->now = 1000 * MS;
	for (i = 0; i < n; i++) {	/* the policy tests: jobs of 1 us */
		sched_slot_init(&p->slot[i], 1 * US, MAX);
		p->slot[i].open = 1;
	}
}

/* Pick a worker and give it the job; -1 if none can take it. */
static int
give(struct pool *p)
{
	int	 i = sched_pick(&p->s, p->n, at, p, p->now);

	if (i >= 0)
		sched_sent(&p->slot[i], p->now);
	return i;
}

/* Worker i answers its oldest job, which took took_ns; the next starts now. */
static void
answer(struct pool *p, unsigned i, uint64_t took_ns)
{
	sched_answered(&p->slot[i], took_ns, p->now, MAX);
}

static void
ties_go_round_robin(void **state)
{
	struct pool	 p;
	int		 i;

	(void)state;
	pool_init(&p, 3);
	for (i = 0; i < 9; i++) {	/* each answered at once: all idle */
		assert_int_equal(give(&p), i % 3);
		answer(&p, (unsigned)(i % 3), 2 * US);
	}
	for (i = 0; i < 9; i++)		/* none answered: counts stay equal */
		assert_int_equal(give(&p), i % 3);
	assert_int_equal(p.slot[0].jobs, 3);
	assert_int_equal(p.slot[1].jobs, 3);
	assert_int_equal(p.slot[2].jobs, 3);
}

static void
fewest_jobs_wins(void **state)
{
	struct pool	 p;

	(void)state;
	pool_init(&p, 3);
	p.slot[0].jobs = 5;
	p.slot[1].jobs = 2;
	p.slot[2].jobs = 4;
	p.slot[0].head_ns = p.slot[1].head_ns = p.slot[2].head_ns = p.now;
	assert_int_equal(give(&p), 1);	/* 2: fewer than 4 and 5 */
	assert_int_equal(give(&p), 1);	/* 3 */
	assert_int_equal(give(&p), 2);	/* 4 and 4: the turn is after 1 */
	assert_int_equal(give(&p), 1);	/* 4 against 5 and 5 */
}

/* A busy worker loses to an idle one, however the turn stands. */
static void
idle_beats_busy(void **state)
{
	struct pool	 p;

	(void)state;
	pool_init(&p, 2);
	assert_int_equal(give(&p), 0);	/* a job that will turn out slow */
	p.now += 200 * US;
	assert_int_equal(give(&p), 1);
	answer(&p, 1, 20 * US);
	assert_int_equal(give(&p), 1);	/* the turn says 0; 0 is busy */
	answer(&p, 1, 20 * US);
	assert_int_equal(give(&p), 1);
}

/* A worker whose job runs far past its usual time gets nothing more. */
static void
late_worker_gets_nothing(void **state)
{
	struct pool	 p;
	int		 i;

	(void)state;
	pool_init(&p, 2);
	for (i = 0; i < 16; i++) {	/* both learn that jobs take 10 us */
		assert_int_equal(give(&p), 0);
		assert_int_equal(give(&p), 1);
		answer(&p, 0, 10 * US);
		answer(&p, 1, 10 * US);
	}
	assert_int_equal(give(&p), 0);	/* 0 starts a job ... */
	p.now += 2 * MS;		/* ... that has run for 2 ms */
	assert_true(sched_late(&p.slot[0], p.now));
	assert_false(sched_late(&p.slot[1], p.now));
	for (i = 0; i < 5; i++)		/* 1 holds more, and still gets them */
		assert_int_equal(give(&p), 1);
	p.slot[1].open = 0;		/* nobody else: the job must wait */
	assert_int_equal(give(&p), -1);
	answer(&p, 0, 2 * MS);		/* once 0 answers, it takes jobs again */
	assert_false(sched_late(&p.slot[0], p.now));
	assert_int_equal(give(&p), 0);
}

/*
 * A worker whose oldest job has run past its usual time comes after one
 * that is surely working, even one holding more jobs: a job sent behind
 * a job that may turn out slow could wait for all of it.
 */
static void
stale_worker_comes_last(void **state)
{
	struct pool	 p;
	int		 i;

	(void)state;
	pool_init(&p, 2);
	for (i = 0; i < 16; i++) {	/* both learn that jobs take 50 us */
		assert_int_equal(give(&p), 0);
		assert_int_equal(give(&p), 1);
		answer(&p, 0, 50 * US);
		answer(&p, 1, 50 * US);
	}
	assert_int_equal(give(&p), 0);	/* 0 starts a job ... */
	p.now += 300 * US;		/* ... not answered after 300 us */
	assert_true(sched_stale(&p.slot[0], p.now));
	assert_false(sched_late(&p.slot[0], p.now));
	for (i = 0; i < 5; i++)		/* 1 holds more, and still gets them */
		assert_int_equal(give(&p), 1);
	assert_int_equal(p.slot[0].jobs, 1);
	p.slot[1].jobs = p.slot[1].window;	/* 1 is full: 0 may take one */
	assert_int_equal(give(&p), 0);
}

/* Never stale within SCHED_STALE_MIN_NS, nor within 2 mean job times. */
static void
stale_threshold(void **state)
{
	struct sched_slot s;

	(void)state;
	sched_slot_init(&s, 1 * US, MAX);
	assert_false(sched_stale(&s, 10 * MS));	/* idle */
	sched_sent(&s, 0);
	assert_false(sched_stale(&s, SCHED_STALE_MIN_NS));
	assert_true(sched_stale(&s, SCHED_STALE_MIN_NS + 1));
	s.svc_ns = 5 * MS;
	assert_false(sched_stale(&s, 10 * MS));
	assert_true(sched_stale(&s, 10 * MS + 1));
}

/* Never late within SCHED_LATE_MIN_NS, nor within 4 mean job times. */
static void
late_threshold(void **state)
{
	struct sched_slot s;

	(void)state;
	sched_slot_init(&s, 1 * US, MAX);
	assert_false(sched_late(&s, 10 * MS));	/* idle */
	sched_sent(&s, 0);
	assert_false(sched_late(&s, SCHED_LATE_MIN_NS));
	assert_true(sched_late(&s, SCHED_LATE_MIN_NS + 1));
	s.svc_ns = 5 * MS;
	assert_false(sched_late(&s, 20 * MS));
	assert_true(sched_late(&s, 20 * MS + 1));
}

static void
window_from_job_time(void **state)
{
	(void)state;
	assert_int_equal(sched_window(0, MAX), MAX);	/* nothing known */
	assert_int_equal(sched_window(1 * US, MAX), MAX);
	assert_int_equal(sched_window(1 * US, 4096), 1001);
	assert_int_equal(sched_window(100 * US, MAX), 11);
	assert_int_equal(sched_window(1 * MS, MAX), 2);
	assert_int_equal(sched_window(2 * MS, MAX), 1);
	assert_int_equal(sched_window(3000 * MS, MAX), 1);
	assert_int_equal(sched_window(1 * US, 1), 1);	/* worker_window = 1 */
}

/* Slow answers shrink the window to 1; fast ones grow it back to the bound. */
static void
window_shrinks_and_grows(void **state)
{
	struct sched_slot s;
	unsigned	 last = MAX;
	int		 i;

	(void)state;
	sched_slot_init(&s, 1 * US, MAX);
	assert_int_equal(s.window, MAX);
	for (i = 0; i < 40; i++) {
		sched_sent(&s, 0);
		sched_answered(&s, 10 * MS, 0, MAX);
		assert_true(s.window <= last);
		last = s.window;
	}
	assert_int_equal(s.window, 1);
	assert_int_equal(s.jobs, 0);
	for (i = 0; i < 200; i++) {
		sched_sent(&s, 0);
		sched_answered(&s, 2 * US, 0, MAX);
		assert_true(s.window >= last);
		last = s.window;
	}
	assert_int_equal(s.window, MAX);
	/* One slow job among fast ones: the window drops at once. */
	sched_sent(&s, 0);
	sched_answered(&s, 10 * MS, 0, MAX);
	assert_int_equal(s.window, 1);
}

/* The repro: a slow job on 0, then a burst of tiny jobs; 0 gets none. */
static void
burst_after_slow_job(void **state)
{
	struct pool	 p;
	int		 i, k;

	(void)state;
	pool_init(&p, 2);
	for (i = 0; i < 8; i++) {
		k = give(&p);
		answer(&p, (unsigned)k, 30 * US);
	}
	assert_int_equal(give(&p), 0);	/* sleep 3000 */
	p.now += 200 * MS;
	for (i = 0; i < 10; i++)	/* ten at once, none answered yet */
		assert_int_equal(give(&p), 1);
	for (i = 0; i < 10; i++)
		answer(&p, 1, 30 * US);
	assert_int_equal(p.slot[0].jobs, 1);
	assert_int_equal(p.slot[1].jobs, 0);
}

/* The window bounds what one worker holds; then the next one gets the job. */
static void
window_bounds(void **state)
{
	struct pool	 p;
	int		 i;

	(void)state;
	pool_init(&p, 2);
	p.slot[0].window = 2;
	p.slot[1].window = 2;
	for (i = 0; i < 4; i++)
		assert_true(give(&p) >= 0);
	assert_int_equal(give(&p), -1);
	assert_int_equal(p.slot[0].jobs, 2);
	assert_int_equal(p.slot[1].jobs, 2);
}

static void
closed_slots_skipped(void **state)
{
	struct pool	 p;
	int		 i;

	(void)state;
	pool_init(&p, 3);
	p.slot[1].open = 0;
	for (i = 0; i < 6; i++) {
		assert_int_equal(give(&p), i % 2 ? 2 : 0);
		answer(&p, i % 2 ? 2 : 0, US);
	}
}

static void
none_can_take(void **state)
{
	struct pool	 p;

	(void)state;
	pool_init(&p, 4);
	assert_int_equal(give(&p), 0);
	p.slot[1].open = p.slot[2].open = p.slot[3].open = 0;
	p.slot[0].window = 1;
	p.s.next = 2;
	assert_int_equal(give(&p), -1);
	assert_int_equal(p.s.next, 2);	/* a failed pick moves nothing */
	assert_int_equal(sched_pick(&p.s, 0, at, &p, p.now), -1);
}

/* The pool shrank below the turn: the pick stays in range. */
static void
pool_shrinks(void **state)
{
	struct pool	 p;

	(void)state;
	pool_init(&p, 4);
	p.s.next = 3;
	p.n = 2;
	assert_int_equal(give(&p), 1);	/* (3 + 0) % 2 */
	assert_int_equal(give(&p), 0);
}

/* Dropping a job (its worker was stopped) frees room without learning. */
static void
dropped_job(void **state)
{
	struct sched_slot s;

	(void)state;
	sched_slot_init(&s, 1 * US, MAX);
	sched_sent(&s, 5);
	sched_sent(&s, 6);
	sched_dropped(&s, 7);
	assert_int_equal(s.jobs, 1);
	assert_int_equal(s.head_ns, 7);
	assert_int_equal(s.window, MAX);
	assert_int_equal(s.svc_ns, 1 * US);
	sched_dropped(&s, 8);
	sched_dropped(&s, 9);		/* never below zero */
	assert_int_equal(s.jobs, 0);
}

/*
 * A new slot knows nothing: it starts with a window of 2, so a burst of
 * slow jobs at start puts at most 2 on each worker; fast answers open it
 * up within a few dozen jobs.  A restarted process keeps what its slot
 * learned.
 */
static void
slow_start(void **state)
{
	struct sched_slot s;
	int		 i;

	(void)state;
	sched_slot_init(&s, 0, MAX);
	assert_int_equal(s.svc_ns, SCHED_START_NS);
	assert_int_equal(s.window, 2);
	for (i = 0; i < 40; i++) {
		sched_sent(&s, 0);
		sched_answered(&s, 2 * US, 0, MAX);
	}
	assert_int_equal(s.window, MAX);
	sched_sent(&s, 0);
	s.open = 1;
	sched_slot_restart(&s);
	assert_int_equal(s.jobs, 0);
	assert_int_equal(s.open, 0);
	assert_int_equal(s.window, MAX);
	sched_slot_init(&s, 100 * US, MAX);	/* a new slot, from the others */
	assert_int_equal(s.window, 11);
}

static void
no_starvation(void **state)
{
	struct pool	 p;
	unsigned	 count[4] = { 0 };
	int		 i, r;

	(void)state;
	pool_init(&p, 4);
	for (i = 0; i < 400; i++) {
		r = give(&p);
		assert_true(r >= 0 && r < 4);
		count[r]++;
		answer(&p, (unsigned)r, 3 * US);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(count[i], 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ties_go_round_robin),
		cmocka_unit_test(fewest_jobs_wins),
		cmocka_unit_test(idle_beats_busy),
		cmocka_unit_test(late_worker_gets_nothing),
		cmocka_unit_test(late_threshold),
		cmocka_unit_test(stale_worker_comes_last),
		cmocka_unit_test(stale_threshold),
		cmocka_unit_test(window_from_job_time),
		cmocka_unit_test(window_shrinks_and_grows),
		cmocka_unit_test(burst_after_slow_job),
		cmocka_unit_test(window_bounds),
		cmocka_unit_test(closed_slots_skipped),
		cmocka_unit_test(none_can_take),
		cmocka_unit_test(pool_shrinks),
		cmocka_unit_test(dropped_job),
		cmocka_unit_test(slow_start),
		cmocka_unit_test(no_starvation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
