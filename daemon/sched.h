/*
 * Round-robin choice of a worker: the next one after the last chosen that
 * can take a job.  Pure, so the policy is tested on its own.
 */
#ifndef IPCD_SCHED_H
#define IPCD_SCHED_H

struct sched {
	unsigned	 next;
};

typedef int	(*sched_can_take)(void *, unsigned);

int	 sched_pick(struct sched *, unsigned, sched_can_take, void *);

#endif
