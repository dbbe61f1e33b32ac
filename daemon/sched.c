#include "sched.h"

/* A new slot, for jobs thought to take svc_ns (0: nothing known yet). */
void
sched_slot_init(struct sched_slot *s, uint64_t svc_ns, unsigned max)
{
	s->svc_ns = svc_ns != 0 ? svc_ns : SCHED_START_NS;
	s->window = sched_window(s->svc_ns, max);
	sched_slot_restart(s);
}

/* A new process in the slot: it holds nothing, and knows what the slot knew. */
void
sched_slot_restart(struct sched_slot *s)
{
	s->open = 0;
	s->jobs = 0;
	s->head_ns = 0;
}

/* The window for jobs that take svc_ns each: 1 + SCHED_HOLD_NS of them. */
unsigned
sched_window(uint64_t svc_ns, unsigned max)
{
	uint64_t	 w;

	if (svc_ns == 0)
		return max;
	w = 1 + SCHED_HOLD_NS / svc_ns;
	return w < max ? (unsigned)w : max;
}

/* Has its oldest job run longer than factor mean job times, and min_ns? */
static int
head_past(const struct sched_slot *s, uint64_t now, unsigned factor,
    uint64_t min_ns)
{
	uint64_t	 limit = factor * s->svc_ns;

	if (limit < min_ns)
		limit = min_ns;
	return s->jobs > 0 && now > s->head_ns && now - s->head_ns > limit;
}

/* Has its oldest job run far longer than its jobs take? */
int
sched_late(const struct sched_slot *s, uint64_t now)
{
	return head_past(s, now, SCHED_LATE_FACTOR, SCHED_LATE_MIN_NS);
}

static int
can_take(const struct sched_slot *s, uint64_t now)
{
	return s->open && s->jobs < s->window && !sched_late(s, now);
}

/*
 * Has its oldest job run past twice its usual time (and SCHED_STALE_MIN_NS)?
 * It may yet answer soon, but a worker that is surely working is better.
 */
int
sched_stale(const struct sched_slot *s, uint64_t now)
{
	return head_past(s, now, SCHED_STALE_FACTOR, SCHED_STALE_MIN_NS);
}

/*
 * The worker that can start a job soonest: of those that can take one, a
 * worker whose oldest job is not stale before one whose is, then the one
 * holding fewest, then the first after the last chosen; -1 if none can
 * take one.
 */
int
sched_pick(struct sched *s, unsigned n, sched_at at, void *arg, uint64_t now)
{
	struct sched_slot *w;
	unsigned	 i, k, best_jobs = 0;
	int		 best = -1, st, best_st = 0;

	for (k = 0; k < n; k++) {
		i = (s->next + k) % n;
		w = at(arg, i);
		if (!can_take(w, now))
			continue;
		st = sched_stale(w, now);
		if (best != -1 && (st > best_st ||
		    (st == best_st && w->jobs >= best_jobs)))
			continue;
		best = (int)i;
		best_jobs = w->jobs;
		best_st = st;
		if (best_jobs == 0)
			break;
	}
	if (best != -1)
		s->next = ((unsigned)best + 1) % n;
	return best;
}

/* It was given a job; an idle worker starts it now. */
void
sched_sent(struct sched_slot *s, uint64_t now)
{
	if (s->jobs++ == 0)
		s->head_ns = now;
}

/*
 * Its oldest job was answered after took_ns; the next one started at
 * head_ns.  The mean job time moves toward took_ns, and the window with it.
 */
void
sched_answered(struct sched_slot *s, uint64_t took_ns, uint64_t head_ns,
    unsigned max)
{
	int64_t	 d = (int64_t)took_ns - (int64_t)s->svc_ns;

	if (s->jobs > 0)
		s->jobs--;
	s->svc_ns = (uint64_t)((int64_t)s->svc_ns + d / (1 << SCHED_EWMA_SHIFT));
	if (s->svc_ns == 0 && took_ns > 0)
		s->svc_ns = 1;
	s->window = sched_window(s->svc_ns, max);
	s->head_ns = head_ns;
}

/* A job was taken back unanswered; its oldest job now started at head_ns. */
void
sched_dropped(struct sched_slot *s, uint64_t head_ns)
{
	if (s->jobs > 0)
		s->jobs--;
	s->head_ns = head_ns;
}
