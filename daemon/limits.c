/*
 * What one user may hold: its connections, and the bytes the master holds
 * on its behalf (its jobs' frames, the part of a frame it is sending, the
 * replies it has not read), against max_connections_per_user,
 * max_memory_per_user and, for all users together, max_memory.  A user
 * is an entry of an array sorted by uid, one per uid with a client, a
 * handful in practice: a binary search finds one, nothing walks the
 * clients.
 */
#include <stdlib.h>
#include <string.h>

#include "ipcd.h"

#define UIDTAB_MIN	8

/* The index of uid, or where it would go; *found says which. */
static unsigned
uidtab_find(const struct uidtab *t, uint32_t uid, int *found)
{
	unsigned	 lo = 0, hi = t->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (t->v[mid]->uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < t->n && t->v[lo]->uid == uid;
	return lo;
}

static int
uidtab_grow(struct uidtab *t)
{
	struct user	**v;
	unsigned	 cap;

	if (t->n < t->cap)
		return 0;
	cap = t->cap ? 2 * t->cap : UIDTAB_MIN;
	if ((v = realloc(t->v, (size_t)cap * sizeof(*v))) == NULL)
		return -1;
	t->v = v;
	t->cap = cap;
	return 0;
}

/* How many connections uid has open. */
unsigned
limits_conns(const struct uidtab *t, uint32_t uid)
{
	unsigned	 i;
	int		 found;

	i = uidtab_find(t, uid, &found);
	return found ? t->v[i]->conns : 0;
}

/*
 * Count one more connection of uid: its user, which the connection's
 * client holds until limits_user_put; NULL if out of memory.
 */
struct user *
limits_conn_open(struct uidtab *t, uint32_t uid)
{
	struct user	*u;
	unsigned	 i;
	int		 found;

	i = uidtab_find(t, uid, &found);
	if (found) {
		u = t->v[i];
		u->conns++;
		u->refs++;
		return u;
	}
	if (uidtab_grow(t) == -1 || (u = calloc(1, sizeof(*u))) == NULL)
		return NULL;
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(t->v[0]));
	u->uid = uid;
	u->conns = u->refs = 1;
	t->v[i] = u;
	t->n++;
	return u;
}

/* One connection of u has closed; its client may live on, with its jobs. */
void
limits_conn_close(struct user *u)
{
	u->conns--;
}

/* A client of u is freed; so is u with its last, and the table when empty. */
void
limits_user_put(struct uidtab *t, struct user *u)
{
	unsigned	 i;
	int		 found;

	if (--u->refs > 0)
		return;
	i = uidtab_find(t, u->uid, &found);
	if (found) {
		t->n--;
		memmove(&t->v[i], &t->v[i + 1], (t->n - i) * sizeof(t->v[0]));
	}
	free(u);
	if (t->n == 0) {
		free(t->v);
		memset(t, 0, sizeof(*t));
	}
}

/* A limit as it applies: 0 is none; never below twice max_message. */
static uint64_t
effective(const struct ipcd *ix, uint64_t limit)
{
	uint64_t	 least = 2 * (uint64_t)ix->conf.max_message;

	if (limit == 0)
		return UINT64_MAX;
	return limit < least ? least : limit;
}

/* What u may hold (root: no limit, as with max_connections_per_user). */
static uint64_t
user_limit(const struct ipcd *ix, const struct user *u)
{
	return u->uid == 0 ? UINT64_MAX :
	    effective(ix, ix->conf.max_memory_per_user);
}

/* What u's bytes count for in max_memory: never more than its own limit. */
static uint64_t
counted(const struct ipcd *ix, const struct user *u)
{
	uint64_t	 lim = user_limit(ix, u);

	return u->held < lim ? u->held : lim;
}

/*
 * May u be held more bytes: within its own max_memory_per_user and, with
 * everyone's, within max_memory?  If not, which one stops it.  A user over
 * its own limit (replies it does not read can take it there) counts in
 * max_memory for its limit only, so it cannot make others busy; and a user
 * holding nothing is never stopped by its own limit, whatever a reload
 * made of it.
 */
enum room
limits_room(const struct ipcd *ix, const struct user *u, uint64_t more)
{
	uint64_t	 lim = user_limit(ix, u);

	if (u->held > 0 && (u->held >= lim || more > lim - u->held))
		return NO_ROOM_USER;
	if (ix->held_counted > 0 &&
	    ix->held_counted + more > effective(ix, ix->conf.max_memory))
		return NO_ROOM_ALL;
	return ROOM;
}

/* Add (or take back, delta < 0) bytes held for u. */
void
limits_charge(struct ipcd *ix, struct user *u, int64_t delta)
{
	uint64_t	 before = counted(ix, u);

	u->held += delta;
	ix->held += delta;
	ix->held_counted += counted(ix, u) - before;
	if (delta < 0)
		ix->held_freed = 1;
}

/* The limits have changed (a reload): count again, and let readers retry. */
void
limits_recount(struct ipcd *ix)
{
	unsigned	 i;

	ix->held_counted = 0;
	for (i = 0; i < ix->conns.n; i++)
		ix->held_counted += counted(ix, ix->conns.v[i]);
	ix->held_freed = 1;
}
