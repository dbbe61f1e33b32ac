/*
 * What one client may hold: the number of connections each uid has open,
 * kept in an array sorted by uid.  It holds one entry per uid connected
 * right now, a handful in practice, so a binary search finds one and an
 * insertion moves a few entries; nothing walks the client list.
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
		if (t->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < t->n && t->v[lo].uid == uid;
	return lo;
}

static int
uidtab_grow(struct uidtab *t)
{
	struct uidcount	*v;
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
	return found ? t->v[i].n : 0;
}

/* Count one more connection of uid; -1 if out of memory. */
int
limits_conn_open(struct uidtab *t, uint32_t uid)
{
	unsigned	 i;
	int		 found;

	i = uidtab_find(t, uid, &found);
	if (found) {
		t->v[i].n++;
		return 0;
	}
	if (uidtab_grow(t) == -1)
		return -1;
	memmove(&t->v[i + 1], &t->v[i], (t->n - i) * sizeof(t->v[0]));
	t->v[i].uid = uid;
	t->v[i].n = 1;
	t->n++;
	return 0;
}

/* One connection of uid has closed; the table is freed when it empties. */
void
limits_conn_close(struct uidtab *t, uint32_t uid)
{
	unsigned	 i;
	int		 found;

	i = uidtab_find(t, uid, &found);
	if (!found)
		return;
	if (--t->v[i].n > 0)
		return;
	t->n--;
	memmove(&t->v[i], &t->v[i + 1], (t->n - i) * sizeof(t->v[0]));
	if (t->n == 0) {
		free(t->v);
		memset(t, 0, sizeof(*t));
	}
}
