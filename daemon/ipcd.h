/*
 * The daemon's one context, passed to every function that needs state.
 */
#ifndef IPCD_H
#define IPCD_H

#include <sys/queue.h>
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

#include <event2/event.h>

#include "config.h"
#include "jobs.h"
#include "peer.h"
#include "sched.h"

enum worker_state {
	W_EMPTY,	/* no process; one is due */
	W_STARTING,	/* forked, has not said READY */
	W_READY,	/* takes jobs */
	W_EXITING	/* channel closed, waiting to reap it */
};

struct ipcd;

struct worker {
	struct ipcd		*ix;
	unsigned		 slot;
	pid_t			 pid;
	enum worker_state	 state;
	struct peer		*peer;
	unsigned		 jobs;		/* in flight */
	uint64_t		 done;
	struct timespec		 started;
};

struct client {
	struct ipcd		*ix;
	struct peer		*peer;		/* NULL once gone */
	uint64_t		 serial;
	unsigned		 refs;		/* queued and running jobs */
	unsigned		 queued;
	TAILQ_ENTRY(client)	 entry;
};

struct ipcd {
	struct event_base	*base;
	struct peerbase		 pb;
	struct config		 conf;
	const char		*conf_path;
	struct timespec		 started;

	/* control socket */
	int			 listen_fd;
	struct event		*ev_accept;
	struct event		*ev_accept_pause;
	TAILQ_HEAD(, client)	 clients;
	unsigned		 nclients;
	uint64_t		 client_serial;

	/* the pool */
	struct worker		*workers;
	unsigned		 nworkers;
	unsigned		 nready;
	int			 announced;	/* said READY once */
	struct sched		 sched;
	struct jobs		 jobs;
	struct queue		 queue;
	struct event		*ev_respawn;
	unsigned		 backoff_ms;
	uint64_t		 done;
	uint64_t		 failed;

	/* shutting down */
	int			 stopping;
	struct event		*ev_drain;
	struct event		*ev_kill;
	struct event		*ev_signals[4];
};

/* master.c: jobs in and out, the queue, stopping */
extern const struct peer_ops master_worker_ops;
int	 master_start(struct ipcd *);
void	 master_submit(struct ipcd *, struct client *,
	    const struct ipc_msg *);
void	 master_client_gone(struct ipcd *, struct client *);
void	 master_stop(struct ipcd *);
void	 master_status(struct ipcd *, struct ipc_status *);

/* pool.c: the workers' processes */
int	 pool_start(struct ipcd *);
int	 pool_spawn(struct ipcd *, struct worker *);
void	 pool_set_state(struct worker *, enum worker_state);
const char *pool_state_name(enum worker_state);
void	 pool_reap(struct ipcd *);
void	 pool_close(struct ipcd *);
int	 pool_all_reaped(struct ipcd *);

/* control.c */
int	 control_listen(struct ipcd *, char *, size_t);
void	 control_close(struct ipcd *);
void	 control_close_clients(struct ipcd *);
void	 client_unref(struct client *);
void	 client_reply_error(struct client *, int, uint64_t, enum ipc_err,
	    const char *, ...) __attribute__((format(printf, 5, 6)));

/* proc.c */
pid_t	 proc_spawn(struct ipcd *, int *, void (*)(int, const struct config *));
int	 proc_reap(pid_t *, int *);
const char *proc_exit_text(int, char *, size_t);

/* worker.c */
void	 worker_main(int, const struct config *);

#endif
