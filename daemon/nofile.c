/*
 * The descriptor limit.  The master raises its soft limit to the hard one
 * at start (systemd's default soft limit of 1024 is for select(2)-era
 * programs), and gives the workers back the soft limit it was started
 * with, unless their pool sets limit_nofile.  Every pool size, at start,
 * at a reload and at SCALE, is checked against what the limit allows,
 * so that the master never runs out of descriptors for its own workers.
 */
#include <sys/resource.h>

#include <stdio.h>

#include "ipcd.h"
#include "log.h"

/* The master's own: the socket, the loop, signals, systemd, logs, spawns. */
#define NOFILE_OWN	64
/* Kept for clients, whatever the workers take. */
#define NOFILE_CLIENTS	128

/* The soft limit ipcd was started with: a process's, by nature. */
static struct rlimit	 started_with = { RLIM_INFINITY, RLIM_INFINITY };

/* Raise the soft limit to the hard one; what it was is kept for workers. */
void
nofile_raise(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return;
	started_with = rl;
	if (rl.rlim_cur == rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("cannot raise the descriptor limit to %llu",
		    (unsigned long long)rl.rlim_max);
}

/* In a worker of a pool without limit_nofile: the limit ipcd started with. */
int
nofile_restore(void)
{
	struct rlimit	 rl;

	if (started_with.rlim_cur == RLIM_INFINITY ||
	    getrlimit(RLIMIT_NOFILE, &rl) == -1 ||
	    rl.rlim_cur == started_with.rlim_cur)
		return 0;
	rl.rlim_cur = started_with.rlim_cur;
	return setrlimit(RLIMIT_NOFILE, &rl);
}

/* Descriptors the master holds for each worker of a pool. */
unsigned
nofile_per_worker(enum pool_protocol protocol)
{
	/* its channel; a program's output and error pipes too */
	return protocol == POOL_BUILTIN ? 1 : 3;
}

/*
 * Can the master hold the descriptors of workers (their per-worker cost
 * summed, as fds)?  If not, -1 with err saying so.
 */
int
nofile_check(uint64_t fds, char *err, size_t errlen)
{
	struct rlimit	 rl;
	uint64_t	 need = fds + NOFILE_OWN + NOFILE_CLIENTS;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    need <= rl.rlim_cur)
		return 0;
	snprintf(err, errlen, "the workers would need %llu descriptors, with "
	    "%d kept for clients and ipcd itself, and the limit is %llu: fewer "
	    "workers, or raise the limit (LimitNOFILE=)",
	    (unsigned long long)fds, NOFILE_OWN + NOFILE_CLIENTS,
	    (unsigned long long)rl.rlim_cur);
	return -1;
}

/* The descriptors a config's pools need (nofile_check's fds). */
uint64_t
nofile_config(const struct config *c)
{
	uint64_t	 fds = 0;
	unsigned	 i;

	if (c->builtin)
		fds += (uint64_t)c->pool.workers *
		    nofile_per_worker(POOL_BUILTIN);
	for (i = 0; i < c->npools; i++)
		fds += (uint64_t)c->pools[i].workers *
		    nofile_per_worker(c->pools[i].protocol);
	return fds;
}

/* The descriptors the running pools need, with pool resized to count. */
uint64_t
nofile_pools(const struct ipcd *ix, const struct pool *resized,
    unsigned count)
{
	const struct pool *pool;
	uint64_t	 fds = 0;
	unsigned	 n;

	TAILQ_FOREACH(pool, &ix->pools, entry) {
		n = pool == resized ? count : pool->nslots > pool->nworkers ?
		    pool->nslots : pool->nworkers;
		fds += (uint64_t)n * nofile_per_worker(pool->conf.protocol);
	}
	return fds;
}
