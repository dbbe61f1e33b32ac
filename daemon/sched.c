#include "sched.h"

/* Index of the next of n candidates that can take a job, or -1 if none can. */
int
sched_pick(struct sched *s, unsigned n, sched_can_take can_take, void *arg)
{
	unsigned	 i, k;

	for (k = 0; k < n; k++) {
		i = (s->next + k) % n;
		if (can_take(arg, i)) {
			s->next = (i + 1) % n;
			return (int)i;
		}
	}
	return -1;
}
