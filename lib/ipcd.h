/*
 * libipcd: the client library of ipcd, a supervised pool of worker
 * processes behind a Unix socket.
 *
 * A connection (struct ipcd) carries any number of jobs at once.  Each
 * request gets an id from the library and its reply is matched by that id,
 * so one job can time out or be abandoned while the others go on.  The
 * blocking calls (ipcd_submit, ipcd_command) send one request and wait for
 * its reply; the asynchronous calls (ipcd_submit_async, ipcd_command_async)
 * queue a request with a callback, and any event loop drives the connection
 * through ipcd_fd, ipcd_events and ipcd_handle (ipcd-libevent.h does it for
 * libevent).  Data goes in and comes out as MessagePack bytes.
 *
 * A connection is not locked: use each one from one thread at a time.
 * See libipcd(3).
 */
#ifndef IPCD_H
#define IPCD_H

#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPCD_LIB_VERSION	"0.1.0"

/* Error codes: the protocol's (doc/PROTOCOL.md 4), then the library's. */
enum ipcd_error {
	IPCD_OK = 0,
	IPCD_E_BAD_FRAME = 1,
	IPCD_E_TOO_LARGE,	/* also: refused here, above max_message */
	IPCD_E_BAD_MESSAGE,
	IPCD_E_BAD_VERSION,
	IPCD_E_UNKNOWN_TYPE,
	IPCD_E_UNKNOWN_TASK,
	IPCD_E_BAD_DATA,
	IPCD_E_BUSY,
	IPCD_E_WORKER_DIED,
	IPCD_E_SHUTTING_DOWN,
	IPCD_E_INTERNAL,
	IPCD_E_BAD_CONFIG,
	IPCD_E_FORBIDDEN,
	IPCD_E_TIMEOUT,		/* also: no answer within the local deadline */
	IPCD_E_UNKNOWN_POOL,
	IPCD_E_OTHER = 63,	/* a code this library does not know: see code */
	IPCD_E_CONNECT = 64,	/* cannot connect to the socket */
	IPCD_E_CLOSED,		/* the connection ended before the answer */
	IPCD_E_BAD_REPLY,	/* the daemon sent what the protocol forbids */
	IPCD_E_IO,		/* reading or writing the socket failed */
	IPCD_E_NOMEM,
	IPCD_E_CANCELLED,	/* abandoned with ipcd_cancel */
	IPCD_E_INVALID		/* a bad argument: nothing was sent */
};

/* The requests besides SUBMIT. */
enum ipcd_command {
	IPCD_STATUS = 2,	/* reply data: the STATUS map */
	IPCD_PING = 3,
	IPCD_RELOAD = 4,
	IPCD_SCALE = 5,		/* count workers for pool */
	IPCD_SHUTDOWN = 6
};

/* What a connection waits for (ipcd_events). */
#define IPCD_WANT_READ	0x1
#define IPCD_WANT_WRITE	0x2

struct ipcd;

/*
 * One answer.  Its pointers are valid until the callback returns, or until
 * the next call on the connection for a blocking call.
 */
struct ipcd_reply {
	uint64_t	 id;
	int		 error;		/* IPCD_OK or an enum ipcd_error */
	const char	*code;		/* its wire name ("busy"); "" if IPCD_OK */
	const char	*message;	/* what went wrong, or "" */
	const void	*data;		/* MessagePack: RESULT's data, STATUS's
					   map; NULL if none */
	size_t		 len;
};

/* Per job; a NULL struct ipcd_opts * means all defaults. */
struct ipcd_opts {
	const char	*pool;		/* NULL: as the daemon routes the task */
	uint32_t	 timeout_ms;	/* the daemon ends the job after this
					   and answers IPCD_E_TIMEOUT; 0: the
					   pool's job_timeout; IPCD_NO_TIMEOUT:
					   none (if the pool allows it) */
	uint32_t	 wait_ms;	/* the library stops waiting after this
					   and answers IPCD_E_TIMEOUT itself;
					   0: ipcd_set_timeout's */
};
#define IPCD_NO_TIMEOUT	UINT32_MAX

typedef void	 ipcd_callback(struct ipcd *, const struct ipcd_reply *,
		    void *);
typedef void	 ipcd_watch(struct ipcd *, int, int, void *);

/* Connecting (ipcd_connect(3)). */
struct ipcd	*ipcd_connect(const char *);
struct ipcd	*ipcd_connect_wait(const char *, int);
const char	*ipcd_socket_path(const char *);
void		 ipcd_free(struct ipcd *);
int		 ipcd_error(const struct ipcd *);
const char	*ipcd_errstr(const struct ipcd *);
const char	*ipcd_version(const struct ipcd *);
uint32_t	 ipcd_max_message(const struct ipcd *);
void		 ipcd_set_timeout(struct ipcd *, int);
void		 ipcd_set_userdata(struct ipcd *, void *);
void		*ipcd_userdata(const struct ipcd *);

/* Blocking calls (ipcd_submit(3)). */
int		 ipcd_submit(struct ipcd *, const char *, const void *, size_t,
		    const struct ipcd_opts *, struct ipcd_reply *);
int		 ipcd_command(struct ipcd *, enum ipcd_command, const char *,
		    uint32_t, struct ipcd_reply *);

/* Pipelined and asynchronous calls (ipcd_async(3)). */
int		 ipcd_submit_async(struct ipcd *, const char *, const void *,
		    size_t, const struct ipcd_opts *, ipcd_callback *, void *,
		    uint64_t *);
int		 ipcd_command_async(struct ipcd *, enum ipcd_command,
		    const char *, uint32_t, ipcd_callback *, void *,
		    uint64_t *);
int		 ipcd_cancel(struct ipcd *, uint64_t);
size_t		 ipcd_pending(const struct ipcd *);
int		 ipcd_fd(const struct ipcd *);
int		 ipcd_events(const struct ipcd *);
int		 ipcd_next_timeout(const struct ipcd *);
int		 ipcd_handle(struct ipcd *, int);
int		 ipcd_flush(struct ipcd *);
int		 ipcd_run(struct ipcd *, int);
int		 ipcd_wait(struct ipcd *, int);
void		 ipcd_set_watch(struct ipcd *, ipcd_watch *, void *);

/* Errors and data (ipcd_strerror(3)). */
const char	*ipcd_strerror(int);
const char	*ipcd_errname(int);
int		 ipcd_unpack(const struct ipcd_reply *, msgpack_zone *,
		    msgpack_object *);

/* A STATUS reply, decoded (ipcd_status(3)). */
struct ipcd_worker_status {
	const char	*pool;
	uint64_t	 pid;		/* 0: not running */
	const char	*state;		/* starting, idle, busy, ... */
	uint64_t	 jobs;		/* in flight now */
	uint64_t	 window;	/* jobs it may hold now */
	uint64_t	 busy_ms;	/* its oldest job has run this long */
	uint64_t	 done;
	uint64_t	 restarts;
	uint64_t	 rss;		/* bytes */
	uint64_t	 age_ms;
};

struct ipcd_pool_status {
	const char	*name;
	const char	*protocol;	/* builtin, ipcd or node */
	const char	*command;	/* "" for builtin */
	uint64_t	 size;		/* workers it should have */
	uint64_t	 ready;
	uint64_t	 queue;
	uint64_t	 queue_limit;
	uint64_t	 done;
	uint64_t	 failed;
	uint64_t	 timed_out;
	uint64_t	 retried;
	uint64_t	 deaths;
	int		 degraded;
};

/* Made by the library only, so that it can grow at its end. */
struct ipcd_status {
	uint64_t	 pid;
	const char	*version;
	uint64_t	 uptime_ms;
	uint64_t	 queue;
	uint64_t	 queue_limit;
	uint64_t	 done;
	uint64_t	 failed;
	uint64_t	 timed_out;
	uint64_t	 retried;
	uint64_t	 deaths;
	int		 degraded;
	uint64_t	 clients;
	uint64_t	 held;		/* bytes held for clients */
	uint32_t	 nworkers;
	const struct ipcd_worker_status *workers;
	uint32_t	 npools;
	const struct ipcd_pool_status *pools;
};

const struct ipcd_status *ipcd_status_decode(const struct ipcd_reply *,
		    msgpack_zone *);

#ifdef __cplusplus
}
#endif

#endif
