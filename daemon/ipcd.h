/*
 * The daemon's one context, passed to every function that needs state.
 */
#ifndef IPCD_H
#define IPCD_H

#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "fairq.h"
#include "jobs.h"
#include "peer.h"
#include "sched.h"

enum worker_state {
	W_EMPTY,	/* no process; one is due */
	W_STARTING,	/* forked, has not said READY */
	W_READY,	/* takes jobs */
	W_RETIRING,	/* takes no more jobs; goes when its jobs are done */
	W_EXITING	/* channel closed, waiting to reap it */
};

struct ipcd;
struct outlog;
struct pool;

struct worker {
	struct pool		*pool;
	unsigned		 slot;
	pid_t			 pid;
	enum worker_state	 state;
	struct peer		*peer;
	struct sched_slot	 ss;		/* jobs held, window (sched.c) */
	struct joblist		 held;		/* its jobs, oldest first */
	int			 inorder;	/* runs its jobs one at a time */
	uint64_t		 done;		/* by this slot's workers */
	uint64_t		 life_done;	/* by this process */
	uint64_t		 restarts;	/* times this slot was refilled */
	int			 asked;		/* told to exit: not a death */
	int			 recycle;	/* retiring, to be replaced */
	struct timespec		 started;
	struct event		*ev_kill;	/* SIGKILL if it lingers */
	struct event		*ev_start;	/* no READY in start_timeout */
	struct outlog		*out[2];	/* a program's output, error */
	unsigned		 gen;		/* its pool's gen when started */
	int			 ids;		/* node: it echoes TASK ids */
	int			 termed;	/* SIGTERM sent, SIGKILL next */
	unsigned		 late;		/* jobs held past their timeout */
};

/* The process at the other end of a client connection. */
struct peercred {
	pid_t			 pid;
	uint32_t		 uid;
	uint32_t		 gid;
	int			 ngroups;
	uint32_t		 groups[64];
};

struct client {
	struct ipcd		*ix;
	struct peer		*peer;		/* NULL once gone */
	uint64_t		 serial;
	unsigned		 refs;		/* queued and running jobs */
	unsigned		 queued;
	struct peercred		 cred;
	struct user		*user;		/* its uid's (limits.c) */
	size_t			 in_held;	/* a frame it is sending */
	uint64_t		 in_since;	/* ms: that frame let in */
	size_t			 out_held;	/* replies it has not read */
	int			 starved;	/* reading waits for room */
	TAILQ_ENTRY(client)	 entry;
	TAILQ_ENTRY(client)	 starve_entry;
};

/* A uid with clients, and what it holds (limits.c). */
struct user {
	uint32_t		 uid;
	unsigned		 conns;		/* connections open */
	unsigned		 refs;		/* its clients, open or gone */
	uint64_t		 held;		/* bytes held on its behalf */
};
/* The users, sorted by uid. */
struct uidtab {
	struct user		**v;
	unsigned		 n;
	unsigned		 cap;
};

/* Someone waiting for the pool to reach its size (RELOAD, SCALE). */
#define WAITERS_MAX	64
struct waiter {
	struct client		*client;
	uint64_t		 id;
};

struct sdstate {
	int			 notify;	/* NOTIFY_SOCKET is set */
	struct event		*ev_status;
	struct event		*ev_watchdog;
	double			 last_t;
	uint64_t		 last_done;
};

/*
 * How a pool gives news of the jobs it was given, to whoever gave them
 * (control_req.c's clients): calls go down to a pool, news comes back up
 * through these.  Every job the pool accepts gets exactly one answer.
 */
struct pool_ops {
	/* Job cid is answered: the worker's RESULT or ERROR m, or (m NULL)
	 * the pool's own error e, text saying why. */
	void	(*answer)(struct client *, uint64_t, const struct ipc_msg *,
		    enum ipc_err, const char *);
	/* holds one more job (queued), its TASK frame of n bytes */
	void	(*take)(struct client *, int, size_t);
	void	(*dequeue)(struct client *);	/* a queued one is sent */
	void	(*drop)(struct client *, size_t);	/* one fewer, of n bytes */
	int	(*alive)(const struct client *);	/* wants the answers */
	/* whose turn its queued jobs wait for (fairq.c): its user */
	const void *(*owner)(const struct client *);
};
extern const struct pool_ops client_pool_ops;

/*
 * A pool of workers: their processes, the jobs they hold and the queue of
 * those waiting, its supervision and its counters.
 */
struct pool {
	struct ipcd		*ix;
	const struct pool_ops	*ops;		/* news of its jobs, upward */
	char			 name[POOL_NAME_MAX + 1];
	struct poolconf		 conf;		/* its settings */

	/* WORKERS_MAX slots, nworkers wanted, nslots in use */
	struct worker		*workers;
	unsigned		 nworkers;
	unsigned		 nslots;
	unsigned		 nready;
	struct sched		 sched;
	struct jobs		 jobs;
	struct fairq		 queue;
	struct event		*ev_respawn;
	unsigned		 backoff_ms;
	struct event		*ev_timeout;	/* the next job deadline */
	uint64_t		 timeout_at;	/* ms; 0: not armed */
	struct event		*ev_tick;	/* recycling and health, 1/s */
	unsigned		 tick_first;
	struct event		*ev_kill;	/* SIGKILL the lingering ones */
	struct buf		 scratch;	/* a TASK being encoded */
	msgpack_zone		 zone;		/* node.c's, for each TASK */

	uint64_t		 done;
	uint64_t		 failed;
	uint64_t		 timed_out;
	uint64_t		 retried;
	uint64_t		 deaths;
	int			 gone;		/* removed by a reload: drains */
	int			 health_news;	/* degraded or healthy: tell */
	int			 mark;		/* reload.c's, while it runs */
	unsigned		 gen;		/* of its settings for workers */
	TAILQ_ENTRY(pool)	 entry;
};
TAILQ_HEAD(pools, pool);

/* Tasks named by the pools' tasks =, sorted (route.c). */
struct route;
struct routes {
	struct route		*v;
	unsigned		 n;
	unsigned		 cap;
};

struct ipcd {
	struct event_base	*base;
	struct peerbase		 pb;
	struct config		 conf;
	const char		*conf_path;
	int			 log_forced;	/* -v given */
	const char		*socket_arg;	/* -s given */
	int			 ready_fd;	/* -d: the waiting parent */
	struct timespec		 started;

	/* control socket */
	int			 listen_fd;
	int			 listen_inherited;	/* socket activation */
	struct stat		 listen_sb;	/* the socket made, to remove */
	int			 socket_gid_known;
	uint32_t		 socket_gid;		/* may connect */
	struct event		*ev_accept;
	struct event		*ev_accept_pause;
	TAILQ_HEAD(, client)	 clients;
	unsigned		 nclients;
	uint64_t		 client_serial;
	struct uidtab		 conns;		/* users: connections, bytes */
	uint64_t		 held;		/* bytes held for all users */
	uint64_t		 held_counted;	/* for max_memory (limits.c) */
	int			 held_freed;	/* some given back this turn */
	TAILQ_HEAD(, client)	 starved;	/* waiting for room to read */
	struct event		*ev_frames;	/* frame_timeout's check */

	struct pools		 pools;
	struct pool		*builtin;	/* NULL if turned off */
	struct routes		 routes;
	int			 announced;	/* said READY once */
	struct waiter		 waiters[WAITERS_MAX];
	unsigned		 nwaiters;
	struct sdstate		 sd;

	/* shutting down */
	int			 stopping;
	struct event		*ev_drain;
	struct event		*ev_signals[4];
};

/* dispatch.c: one pool's jobs, and its workers' channels */
extern const struct peer_ops dispatch_worker_ops;
void	 dispatch_submit(struct pool *, struct client *,
	    const struct ipc_msg *);
void	 dispatch_pump(struct pool *);
void	 dispatch_fail(struct pool *, struct job *, enum ipc_err,
	    const char *);
void	 dispatch_abandon(struct pool *, struct job *, enum ipc_err,
	    const char *);
void	 dispatch_ready(struct worker *);
unsigned dispatch_client_gone(struct pool *, const struct client *,
	    uint64_t *);
void	 dispatch_unqueue_all(struct pool *);

/* master.c: the router, the pools, the loop's follow-ups; master_stop.c */
int	 master_start(struct ipcd *);
void	 master_submit(struct ipcd *, struct client *,
	    const struct ipc_msg *);
void	 master_client_gone(struct ipcd *, struct client *);
void	 master_stop(struct ipcd *);
void	 master_shutdown(struct ipcd *);
void	 master_fail_all(struct ipcd *);
void	 master_status_size(struct ipcd *, const struct pool *, uint32_t *,
	    uint32_t *);
void	 master_status(struct ipcd *, const struct pool *,
	    struct ipc_status *);
int	 master_wait_settled(struct ipcd *, struct client *, uint64_t);
void	 master_settle(struct ipcd *);
void	 master_answer_waiters(struct ipcd *, enum ipc_err);
void	 master_check_drained(struct ipcd *);
void	 master_reap(struct ipcd *);
void	 master_loop(struct ipcd *);
void	 master_free(struct ipcd *);
void	 master_retire_pools(struct ipcd *);
struct pool *master_add_pool(struct ipcd *, const struct poolconf *);

/* route.c: which pool a job goes to */
int	 route_build(struct ipcd *);
void	 route_free(struct ipcd *);
struct pool *route_pool(struct ipcd *, const char *, size_t);
struct pool *route_job(struct ipcd *, const struct ipc_msg *, enum ipc_err *,
	    char *, size_t);

/* hold.c: the jobs a worker holds, when each starts, the worker's window */
void	 hold_add(struct pool *, struct worker *, struct job *, uint64_t);
void	 hold_answered(struct pool *, struct worker *, struct job *,
	    uint64_t);
void	 hold_drop(struct pool *, struct worker *, struct job *, uint64_t);
uint64_t hold_kick(struct pool *, struct worker *, uint64_t);
uint64_t hold_busy_ms(const struct worker *, uint64_t);

/* supervise.c: jobs that outlive their worker, timeouts, recycling */
int	 supervise_start(struct pool *);
void	 supervise_free(struct pool *);
void	 supervise_job_started(struct pool *, struct job *, uint64_t);
void	 supervise_worker_lost(struct pool *, struct worker *, const char *);
void	 supervise_worker_answered(struct pool *, struct worker *);
void	 supervise_late(struct pool *, struct worker *);
int	 supervise_degraded(const struct pool *);
void	 supervise_healthy(struct pool *);

/* reload.c */
int	 master_reload(struct ipcd *, char *, size_t);

/* pool.c: one pool and its workers' processes */
struct pool *pool_new(struct ipcd *, const struct poolconf *,
	    const struct pool_ops *);
void	 pool_start(struct pool *);
int	 pool_spawn(struct pool *, struct worker *);
void	 pool_set_state(struct worker *, enum worker_state);
void	 pool_late_changed(struct worker *);
const char *pool_state_name(enum worker_state);
int	 pool_reaped(struct pool *, pid_t, int);
void	 pool_close(struct pool *);
int	 pool_all_reaped(const struct pool *);
void	 pool_resize(struct pool *, unsigned);
void	 pool_set_window(struct pool *);
unsigned pool_window_max(const struct worker *);
void	 pool_window_changed(struct worker *);
void	 pool_retire_if_idle(struct worker *);
int	 pool_settled(const struct pool *);
int	 pool_stalled(const struct pool *);
void	 pool_stop_worker(struct worker *, int);
int	 pool_recycle(struct worker *, const char *);
uint64_t pool_worker_rss(const struct worker *);
uint64_t pool_worker_age_ms(const struct worker *, const struct timespec *);
void	 pool_free(struct pool *);
void	 pool_renew(struct pool *);
void	 pool_renew_next(struct pool *);
int	 pool_idle(const struct pool *);

/* sd.c */
void	 sd_start(struct ipcd *);
void	 sd_stop(struct ipcd *);
void	 sd_state(struct ipcd *, const char *);
void	 sd_send_status(struct ipcd *);
int	 sd_listen_socket(void);

/* control.c */
int	 control_listen(struct ipcd *, char *, size_t);
void	 control_close(struct ipcd *);
void	 control_close_clients(struct ipcd *);
void	 control_detach(struct ipcd *, struct client *);

/* control_held.c: what a client's connection holds */
int	 control_held(struct peer *, size_t, size_t, void *);
void	 control_resume(struct ipcd *);
int	 control_held_start(struct ipcd *);
void	 control_held_stop(struct ipcd *);
void	 client_unref(struct client *);

/* control_req.c */
void	 control_request(struct client *, const struct ipc_msg *);
void	 client_reply_error(struct client *, int, uint64_t, enum ipc_err,
	    const char *, ...) __attribute__((format(printf, 5, 6)));

/* access.c */
int	 access_peer(int, struct peercred *);
int	 access_allowed(const struct ipcd *, const struct peercred *);
int	 access_admin(const struct ipcd *, const struct peercred *);
void	 access_socket_group(struct ipcd *);

/* limits.c: what one user may hold */
unsigned limits_conns(const struct uidtab *, uint32_t);
struct user *limits_conn_open(struct uidtab *, uint32_t);
void	 limits_conn_close(struct user *);
void	 limits_user_put(struct uidtab *, struct user *);
enum room { ROOM, NO_ROOM_USER, NO_ROOM_ALL };
enum room limits_room(const struct ipcd *, const struct user *, uint64_t);
void	 limits_charge(struct ipcd *, struct user *, int64_t);
void	 limits_recount(struct ipcd *);

/* nofile.c: the descriptor limit, and what the pools may take of it */
void	 nofile_raise(void);
int	 nofile_restore(void);
unsigned nofile_per_worker(enum pool_protocol);
int	 nofile_check(uint64_t, char *, size_t);
uint64_t nofile_config(const struct config *);
uint64_t nofile_pools(const struct ipcd *, const struct pool *, unsigned);

/* privs.c */
int	 privs_drop(const struct poolconf *);
void	 privs_advise(const struct config *);

/* proc.c */
pid_t	 proc_spawn(const struct pool *, int *,
	    void (*)(int, const struct pool *), int *);
int	 proc_reap(pid_t *, int *);
const char *proc_exit_text(int, char *, size_t);

/* worker.c: the built-in worker; program.c: a worker program */
void	 worker_main(int, const struct pool *);
void	 program_main(int, const struct pool *);
int	 program_check(const struct poolconf *, char *, size_t);

/* node.c: Node's child_process channel (framing_node in peer.h) */
int	 node_put_task(struct buf *, const uint8_t *, size_t, uint32_t,
	    msgpack_zone *, enum ipc_err *, const char **);

/* outlog.c: a worker program's output and error, into the log */
struct outlog *outlog_new(struct event_base *, int, int, const char *,
	    pid_t);
void	 outlog_free(struct outlog *);

#endif
