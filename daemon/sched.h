/*
 * Which worker of a pool gets the next job, and how many jobs each may hold
 * at once.  Pure policy over what the pool tells it of each worker (a
 * struct sched_slot), so that it is tested on its own.
 *
 * A worker's window adapts to how long its jobs take: it may hold its
 * current job and about SCHED_HOLD_NS more of work (so many jobs of
 * microseconds, one or two of milliseconds), never more than the
 * configured worker_window.  A pool's first workers know nothing yet and
 * start as if jobs took SCHED_START_NS (a window of 2), growing as fast
 * answers come; a replaced worker keeps what its slot had learned.
 *
 * A job goes to the open worker holding the fewest jobs, round-robin among equals, except that a worker whose oldest
 * job has run past twice its usual time (stale) comes after every worker
 * whose has not; a worker whose oldest job has run much longer than that
 * (late) gets no more until it answers, and the job waits in the pool's
 * queue for any worker.
 */
#ifndef IPCD_SCHED_H
#define IPCD_SCHED_H

#include <stdint.h>

#define SCHED_HOLD_NS		1000000ULL	/* work held past the current job */
#define SCHED_START_NS		1000000ULL	/* job time assumed at first */
#define SCHED_LATE_MIN_NS	1000000ULL	/* never late before this */
#define SCHED_LATE_FACTOR	4		/* ... nor before 4 mean job times */
#define SCHED_STALE_MIN_NS	200000ULL	/* never stale before this */
#define SCHED_STALE_FACTOR	2		/* ... nor before 2 mean job times */
#define SCHED_EWMA_SHIFT	3		/* each answer weighs 1/8 */

struct sched_slot {
	int		 open;		/* takes jobs (ready) */
	unsigned	 jobs;		/* held now */
	unsigned	 window;	/* may hold now */
	uint64_t	 svc_ns;	/* mean time of its recent jobs */
	uint64_t	 head_ns;	/* when its oldest job started */
};

struct sched {
	unsigned	 next;		/* where the round-robin turn is */
};

typedef struct sched_slot *(*sched_at)(void *, unsigned);

void	 sched_slot_init(struct sched_slot *, uint64_t, unsigned);
void	 sched_slot_restart(struct sched_slot *);
unsigned sched_window(uint64_t, unsigned);
int	 sched_late(const struct sched_slot *, uint64_t);
int	 sched_stale(const struct sched_slot *, uint64_t);
int	 sched_pick(struct sched *, unsigned, sched_at, void *, uint64_t);
void	 sched_sent(struct sched_slot *, uint64_t);
void	 sched_answered(struct sched_slot *, uint64_t, uint64_t, unsigned);
void	 sched_dropped(struct sched_slot *, uint64_t);

#endif
