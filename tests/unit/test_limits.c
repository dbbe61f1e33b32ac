/*
 * Unit tests of daemon/limits.c: the users, their open connections and
 * the bytes held for them against max_memory_per_user and max_memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipcd.h"

/* The table is sorted by uid and holds no user without a client. */
static void
assert_sorted(const struct uidtab *t)
{
	unsigned	 i;

	assert_true(t->n <= t->cap);
	for (i = 0; i < t->n; i++) {
		assert_true(t->v[i]->refs > 0);
		if (i > 0)
			assert_true(t->v[i - 1]->uid < t->v[i]->uid);
	}
}

/* A connection opened and its client freed at once. */
static void
close_one(struct uidtab *t, struct user *u)
{
	limits_conn_close(u);
	limits_user_put(t, u);
}

static void
empty(void **state)
{
	struct uidtab	 t = { 0 };

	(void)state;
	assert_int_equal(limits_conns(&t, 0), 0);
	assert_int_equal(limits_conns(&t, 1000), 0);
	assert_int_equal(t.n, 0);
	assert_null(t.v);
}

static void
counts_one_uid(void **state)
{
	struct uidtab	 t = { 0 };
	struct user	*u[5];
	unsigned	 i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_non_null(u[i] = limits_conn_open(&t, 1000));
		assert_ptr_equal(u[i], u[0]);
		assert_int_equal(limits_conns(&t, 1000), i + 1);
	}
	assert_int_equal(t.n, 1);
	assert_int_equal(limits_conns(&t, 1001), 0);
	assert_int_equal(limits_conns(&t, 999), 0);
	for (i = 5; i > 0; i--) {
		close_one(&t, u[i - 1]);
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
	struct user	*u[3][sizeof(uids) / sizeof(uids[0])];
	size_t		 i, k;

	(void)state;
	for (k = 0; k < 3; k++)	/* uids[0]: 1, uids[1]: 2, others: 3 */
		for (i = k; i < nuids; i++)
			assert_non_null(u[k][i] =
			    limits_conn_open(&t, uids[i]));
	assert_sorted(&t);
	assert_int_equal(t.n, nuids);
	for (i = 0; i < nuids; i++)
		assert_int_equal(limits_conns(&t, uids[i]),
		    i == 0 ? 1 : i == 1 ? 2 : 3);
	assert_int_equal(limits_conns(&t, 7), 0);
	for (k = 0; k < 3; k++)
		for (i = k; i < nuids; i++)
			close_one(&t, u[k][i]);
	assert_int_equal(t.n, 0);
	assert_null(t.v);
}

/* A closed connection's user lives on while its client holds jobs. */
static void
user_outlives_connection(void **state)
{
	struct uidtab	 t = { 0 };
	struct user	*a, *b;

	(void)state;
	a = limits_conn_open(&t, 10);
	b = limits_conn_open(&t, 20);
	limits_conn_close(a);
	assert_int_equal(limits_conns(&t, 10), 0);
	assert_int_equal(t.n, 2);		/* its client is not freed */
	assert_ptr_equal(limits_conn_open(&t, 10), a);
	assert_int_equal(a->refs, 2);
	limits_user_put(&t, a);
	close_one(&t, a);
	assert_int_equal(t.n, 1);
	assert_sorted(&t);
	assert_int_equal(limits_conns(&t, 20), 1);
	close_one(&t, b);
	assert_null(t.v);
}

/* Bytes: per user, and all together; root has no per-user limit. */
static void
memory_budgets(void **state)
{
	static struct ipcd ix;
	struct user	*a, *b, *root;

	(void)state;
	memset(&ix, 0, sizeof(ix));
	ix.conf.max_message = 1024;
	ix.conf.max_memory_per_user = 10000;
	ix.conf.max_memory = 25000;
	a = limits_conn_open(&ix.conns, 1000);
	b = limits_conn_open(&ix.conns, 1001);
	root = limits_conn_open(&ix.conns, 0);
	assert_int_equal(limits_room(&ix, a, 10000), ROOM);
	assert_int_equal(limits_room(&ix, a, 10001), ROOM);	/* holds none */
	limits_charge(&ix, a, 9000);
	assert_int_equal(limits_room(&ix, a, 1000), ROOM);
	assert_int_equal(limits_room(&ix, a, 1001), NO_ROOM_USER);
	assert_int_equal(limits_room(&ix, b, 10000), ROOM);
	limits_charge(&ix, b, 9000);
	assert_int_equal(ix.held, 18000);
	assert_int_equal(limits_room(&ix, root, 7000), ROOM);
	assert_int_equal(limits_room(&ix, root, 7001), NO_ROOM_ALL);
	assert_int_equal(limits_room(&ix, a, 1000), ROOM);
	limits_charge(&ix, root, 6500);
	assert_int_equal(limits_room(&ix, a, 1000), NO_ROOM_ALL);
	ix.held_freed = 0;
	limits_charge(&ix, a, -9000);
	assert_int_equal(ix.held_freed, 1);
	assert_int_equal(a->held, 0);
	assert_int_equal(ix.held, 15500);
	ix.conf.max_memory_per_user = 0;	/* none */
	ix.conf.max_memory = 0;
	limits_recount(&ix);
	assert_int_equal(limits_room(&ix, b, UINT64_MAX / 2), ROOM);
	ix.conf.max_memory_per_user = 100;	/* never below 2 x max_message */
	ix.conf.max_memory = 25000;
	limits_recount(&ix);
	limits_charge(&ix, a, 1);
	assert_int_equal(limits_room(&ix, a, 2047), ROOM);
	assert_int_equal(limits_room(&ix, a, 2048), NO_ROOM_USER);
	/* b, over its limit (unread replies), counts for 2048 in all only */
	assert_int_equal(ix.held, 15501);
	assert_int_equal(ix.held_counted, 1 + 2048 + 6500);
	assert_int_equal(limits_room(&ix, root, 25000 - 8549), ROOM);
	assert_int_equal(limits_room(&ix, root, 25000 - 8548), NO_ROOM_ALL);
	limits_charge(&ix, b, -9000);
	assert_int_equal(ix.held_counted, 1 + 6500);
	limits_charge(&ix, a, -1);
	limits_charge(&ix, root, -6500);
	assert_int_equal(ix.held, 0);
	assert_int_equal(ix.held_counted, 0);
	close_one(&ix.conns, a);
	close_one(&ix.conns, b);
	close_one(&ix.conns, root);
	assert_null(ix.conns.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(empty),
		cmocka_unit_test(counts_one_uid),
		cmocka_unit_test(many_uids),
		cmocka_unit_test(user_outlives_connection),
		cmocka_unit_test(memory_budgets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
