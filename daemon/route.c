/*
 * Which pool a job goes to: the pool its SUBMIT names, else the one pool
 * whose tasks = lists its task, else the built-in pool.  The task table is
 * sorted once, when the pools are set up, so that routing a job costs a
 * binary search, and nothing when no pool lists tasks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcd.h"

struct route {
	char		 task[IPC_TASK_MAX + 1];
	size_t		 len;
	struct pool	*pool;
};

static int
route_cmp(const void *a, const void *b)
{
	const struct route *x = a, *y = b;
	size_t		 n = x->len < y->len ? x->len : y->len;
	int		 c = memcmp(x->task, y->task, n);

	return c != 0 ? c : (x->len > y->len) - (x->len < y->len);
}

struct addtask {
	struct routes	*rt;
	struct pool	*pool;
	int		 nomem;
};

static int
add_task(const char *name, size_t n, void *arg)
{
	struct addtask	*a = arg;
	struct routes	*rt = a->rt;
	struct route	*v;

	if (rt->n == rt->cap) {
		rt->cap = rt->cap ? 2 * rt->cap : 16;
		if ((v = reallocarray(rt->v, rt->cap, sizeof(*v))) == NULL) {
			a->nomem = 1;
			return 1;
		}
		rt->v = v;
	}
	v = &rt->v[rt->n++];
	memcpy(v->task, name, n);
	v->task[n] = '\0';
	v->len = n;
	v->pool = a->pool;
	return 0;
}

/* The table of tasks named by the pools' tasks = (config.c: one home each). */
int
route_build(struct ipcd *ix)
{
	struct addtask	 a = { &ix->routes, NULL, 0 };
	struct pool	*pool;

	ix->routes.n = 0;
	TAILQ_FOREACH(pool, &ix->pools, entry) {
		if (pool->gone)
			continue;
		a.pool = pool;
		config_each_task(pool->conf.tasks, add_task, &a);
		if (a.nomem)
			return -1;
	}
	if (ix->routes.n > 1)
		qsort(ix->routes.v, ix->routes.n, sizeof(*ix->routes.v),
		    route_cmp);
	return 0;
}

void
route_free(struct ipcd *ix)
{
	free(ix->routes.v);
	memset(&ix->routes, 0, sizeof(ix->routes));
}

/* The pool of that name that takes jobs, or NULL. */
struct pool *
route_pool(struct ipcd *ix, const char *name, size_t n)
{
	struct pool	*pool;

	TAILQ_FOREACH(pool, &ix->pools, entry)
		if (!pool->gone && strlen(pool->name) == n &&
		    memcmp(pool->name, name, n) == 0)
			return pool;
	return NULL;
}

/*
 * The pool for a SUBMIT, or NULL with *err and why set: unknown_pool for
 * a pool that does not exist, unknown_task for a task that no pool takes.
 */
struct pool *
route_job(struct ipcd *ix, const struct ipc_msg *m, enum ipc_err *err,
    char *why, size_t len)
{
	struct route	 key, *r;
	struct pool	*pool;

	if (m->pool.len > 0) {
		if ((pool = route_pool(ix, m->pool.p, m->pool.len)) == NULL) {
			*err = IPC_E_UNKNOWN_POOL;
			snprintf(why, len, "no pool named '%.*s'",
			    (int)m->pool.len, m->pool.p);
		}
		return pool;
	}
	if (ix->routes.n > 0) {
		memcpy(key.task, m->task.p, m->task.len);
		key.len = m->task.len;
		r = bsearch(&key, ix->routes.v, ix->routes.n, sizeof(key),
		    route_cmp);
		if (r != NULL)
			return r->pool;
	}
	if ((pool = ix->builtin) == NULL) {
		*err = IPC_E_UNKNOWN_TASK;
		snprintf(why, len, "no pool takes task '%.*s' (and the built-in "
		    "pool is off)", (int)m->task.len, m->task.p);
	}
	return pool;
}
