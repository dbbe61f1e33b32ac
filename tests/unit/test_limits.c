/*
 * Unit tests of daemon/limits.c: the count of open connections per uid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipcd.h"

/* The table is sorted by uid and holds no entry at zero. */
static void
assert_sorted(const struct uidtab *t)
{
	unsigned	 i;

	assert_true(t->n <= t->cap);
	for (i = 0; i < t->n; i++) {
		assert_true(t->v[i].n > 0);
		if (i > 0)
			assert_true(t->v[i - 1].uid < t->v[i].uid);
	}
}

static void
empty(void **state)
{
	struct uidtab	 t = { 0 };

	(void)state;
	assert_int_equal(limits_conns(&t, 0), 0);
	assert_int_equal(limits_conns(&t, 1000), 0);
	limits_conn_close(&t, 1000);	/* never opened: no effect */
	assert_int_equal(t.n, 0);
	assert_null(t.v);
}

static void
counts_one_uid(void **state)
{
	struct uidtab	 t = { 0 };
	unsigned	 i;

	(void)state;
	for (i = 1; i <= 5; i++) {
		assert_int_equal(limits_conn_open(&t, 1000), 0);
		assert_int_equal(limits_conns(&t, 1000), i);
	}
	assert_int_equal(t.n, 1);
	assert_int_equal(limits_conns(&t, 1001), 0);
	assert_int_equal(limits_conns(&t, 999), 0);
	for (i = 5; i > 0; i--) {
		limits_conn_close(&t, 1000);
		assert_int_equal(limits_conns(&t, 1000), i - 1);
	}
	assert_int_equal(t.n, 0);
	assert_null(t.v);		/* freed when empty */
}

static void
many_uids(void **state)
{
	static const uint32_t uids[] = { 500, 0, 65534, 1000, 1, 4294967295u,
	    42, 1001, 999, 2, 3, 70000, 12, 13 };
	const size_t	 nuids = sizeof(uids) / sizeof(uids[0]);
	struct uidtab	 t = { 0 };
	size_t		 i, k;

	(void)state;
	for (k = 0; k < 3; k++)	/* uids[0]: 1, uids[1]: 2, others: 3 */
		for (i = k; i < nuids; i++)
			assert_int_equal(limits_conn_open(&t, uids[i]), 0);
	assert_sorted(&t);
	assert_int_equal(t.n, nuids);
	for (i = 0; i < nuids; i++)
		assert_int_equal(limits_conns(&t, uids[i]),
		    i == 0 ? 1 : i == 1 ? 2 : 3);
	assert_int_equal(limits_conns(&t, 7), 0);
	for (k = 0; k < 3; k++)
		for (i = 0; i < nuids; i++)
			limits_conn_close(&t, uids[i]);
	assert_int_equal(t.n, 0);
	assert_null(t.v);
}

/* Closing one uid's last connection keeps the others' counts. */
static void
remove_middle(void **state)
{
	struct uidtab	 t = { 0 };

	(void)state;
	assert_int_equal(limits_conn_open(&t, 10), 0);
	assert_int_equal(limits_conn_open(&t, 20), 0);
	assert_int_equal(limits_conn_open(&t, 20), 0);
	assert_int_equal(limits_conn_open(&t, 30), 0);
	limits_conn_close(&t, 20);
	assert_int_equal(t.n, 3);
	limits_conn_close(&t, 20);
	assert_int_equal(t.n, 2);
	assert_sorted(&t);
	assert_int_equal(limits_conns(&t, 10), 1);
	assert_int_equal(limits_conns(&t, 20), 0);
	assert_int_equal(limits_conns(&t, 30), 1);
	limits_conn_close(&t, 20);	/* one too many: no effect */
	assert_int_equal(limits_conns(&t, 10), 1);
	limits_conn_close(&t, 10);
	limits_conn_close(&t, 30);
	assert_null(t.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty),
		cmocka_unit_test(counts_one_uid),
		cmocka_unit_test(many_uids),
		cmocka_unit_test(remove_middle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
