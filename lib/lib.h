/*
 * libipcd's insides: a connection, its outstanding requests, the calls the
 * library's files make to each other.
 */
#ifndef IPCD_LIB_H
#define IPCD_LIB_H

#include <sys/queue.h>

#include "buf.h"
#include "ipcd.h"
#include "proto.h"

#define LIB_READ_CHUNK	(64 * 1024)
#define LIB_ERRSTR_MAX	256

/* One request waiting for its reply. */
struct job {
	uint64_t		 id;
	enum ipc_type		 want;		/* the reply type besides ERROR */
	ipcd_callback		*cb;		/* NULL: abandoned, reply dropped */
	void			*arg;
	uint64_t		 deadline;	/* ns, monotonic; 0: none */
	uint32_t		 timeout_ms;	/* what the deadline came from */
	struct job		*next;		/* in its hash chain, or free */
	TAILQ_ENTRY(job)	 dl;		/* in the deadline list */
};
TAILQ_HEAD(joblist, job);

/* The outstanding requests by id, and those with deadlines by deadline. */
struct jobs {
	struct job	**hash;
	size_t		 mask;		/* buckets - 1 */
	size_t		 count;		/* live, abandoned included */
	size_t		 live;		/* with a callback */
	struct joblist	 timed;		/* by deadline, earliest first */
	struct job	*free;
	uint64_t	 next_id;
};

struct ipcd {
	int		 fd;
	int		 err;		/* IPCD_OK while usable */
	char		 errstr[LIB_ERRSTR_MAX];
	struct buf	 in;
	struct buf	 out;
	size_t		 keep;		/* input bytes of a reply still lent */
	int		 lend;		/* set by a blocking call's callback */
	int		 refused;	/* the last request was: see message */
	msgpack_zone	 zone;
	struct jobs	 jobs;
	uint32_t	 max_message;	/* from PONG; IPC_MAX_MESSAGE_MAX else */
	char		 version[IPC_VERSION_TEXT_MAX + 1];
	int		 timeout_ms;	/* default local deadline; 0: none */
	int		 in_cb;		/* > 0 while a callback runs */
	int		 answered;	/* a callback ran (ipcd_wait) */
	void		*userdata;
	ipcd_watch	*watch;
	void		*watch_arg;
	int		 watched;	/* events last told to watch */
	uint64_t	 watched_deadline;	/* 0: none */
	char		 code[IPC_CODE_MAX + 1];
	char		 message[IPC_TEXT_MAX + 1];
};

/* connect.c */
struct ipcd	*lib_adopt(int);

/* jobs.c */
void		 jobs_init(struct jobs *);
void		 jobs_free(struct jobs *);
struct job	*jobs_add(struct jobs *, enum ipc_type, ipcd_callback *, void *,
		    uint32_t, uint64_t);
void		 jobs_take_back(struct jobs *, struct job *);
struct job	*jobs_find(struct jobs *, uint64_t);
void		 jobs_remove(struct jobs *, struct job *);
void		 jobs_abandon(struct jobs *, struct job *);
struct job	*jobs_first_timed(const struct jobs *);
struct job	*jobs_next_live(const struct jobs *, size_t *);

/* io.c */
uint64_t	 lib_now(void);
int		 lib_fail(struct ipcd *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));
void		 lib_answer(struct ipcd *, struct job *, struct ipcd_reply *);
void		 lib_settle(struct ipcd *);
void		 lib_tell(struct ipcd *);
int		 lib_wait(struct ipcd *, const int *, int);

/* reply.c */
int		 reply_frames(struct ipcd *);

/* errors.c */
int		 lib_error_code(struct ipc_str);

#endif
