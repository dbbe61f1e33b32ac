/*
 * The wire protocol of both planes: message types, error codes, limits, and
 * the only code that encodes or decodes a message.  doc/PROTOCOL.md is its
 * description; the two change together.
 */
#ifndef IPC_PROTO_H
#define IPC_PROTO_H

#include <stdint.h>
#include <msgpack.h>

#include "buf.h"

#define IPC_VERSION		1
#define IPC_MAX_MESSAGE_DEFAULT	(1024 * 1024)
#define IPC_MAX_MESSAGE_MIN	1024
#define IPC_MAX_MESSAGE_MAX	(64 * 1024 * 1024)
#define IPC_TASK_MAX		64	/* bytes in a task name */
#define IPC_POOL_MAX		32	/* bytes in a pool name */
#define IPC_CODE_MAX		64	/* bytes in an error code */
#define IPC_TEXT_MAX		1024	/* bytes in an error message */
#define IPC_VERSION_TEXT_MAX	64	/* bytes in PONG's and STATUS's version */
#define IPC_WORKERS_MAX		1024	/* SCALE's count, workers = */
#define IPC_CHANNEL_FD		3	/* a worker's channel to the master */
#define IPC_CHANNEL_FD_TEXT	"3"

/* Who sends a message to whom; a type is valid in some directions only. */
enum ipc_dir {
	IPC_DIR_REQUEST = 1,		/* client -> master */
	IPC_DIR_REPLY = 2,		/* master -> client */
	IPC_DIR_TO_WORKER = 4,		/* master -> worker */
	IPC_DIR_FROM_WORKER = 8		/* worker -> master */
};

/* Message types.  The numbers are internal but never change. */
enum ipc_type {
	IPC_T_NONE = 0,
	/* control plane, client to master: 1-31 */
	IPC_T_SUBMIT = 1,
	IPC_T_STATUS = 2,
	IPC_T_PING = 3,
	IPC_T_RELOAD = 4,
	IPC_T_SCALE = 5,
	IPC_T_SHUTDOWN = 6,
	/* replies, master to client (RESULT and ERROR also worker to master) */
	IPC_T_RESULT = 32,
	IPC_T_ERROR = 33,
	IPC_T_STATUS_REPLY = 34,
	IPC_T_PONG = 35,
	IPC_T_OK = 36,
	/* worker plane, master to worker: 64-95 */
	IPC_T_TASK = 64,
	/* worker plane, worker to master: 96-127 */
	IPC_T_READY = 96
};

/* Error codes, sent as their names. */
enum ipc_err {
	IPC_E_NONE = 0,
	IPC_E_BAD_FRAME,
	IPC_E_TOO_LARGE,
	IPC_E_BAD_MESSAGE,
	IPC_E_BAD_VERSION,
	IPC_E_UNKNOWN_TYPE,
	IPC_E_UNKNOWN_TASK,
	IPC_E_BAD_DATA,
	IPC_E_BUSY,
	IPC_E_WORKER_DIED,
	IPC_E_SHUTTING_DOWN,
	IPC_E_INTERNAL,
	IPC_E_BAD_CONFIG,
	IPC_E_FORBIDDEN,
	IPC_E_TIMEOUT,
	IPC_E_UNKNOWN_POOL,
	IPC_E_MAX
};

struct ipc_str {
	const char	*p;
	uint32_t	 len;
};

/* MessagePack bytes, checked (mpscan.h); len 0: none. */
struct ipc_bytes {
	const uint8_t	*p;
	size_t		 len;
};

/*
 * A decoded, validated message.  Pointers refer into the frame.  Its data
 * is left as the bytes that came, checked but not decoded: the master
 * forwards them, and whoever wants the value unpacks it (proto_unpack).
 */
struct ipc_msg {
	enum ipc_type	 type;
	int		 has_id;
	uint64_t	 id;
	struct ipc_str	 task;		/* SUBMIT, TASK */
	struct ipc_str	 pool;		/* SUBMIT; len 0 if absent */
	struct ipc_bytes data;		/* SUBMIT, TASK, RESULT; len 0 if absent */
	struct ipc_str	 code;		/* ERROR */
	struct ipc_str	 message;	/* ERROR; may be empty */
	uint64_t	 pid;		/* READY */
	uint64_t	 count;		/* SCALE */
	int		 has_timeout;	/* SUBMIT */
	uint32_t	 timeout;	/* SUBMIT, milliseconds; 0: none */
	struct ipc_str	 version;	/* PONG, STATUS reply; len 0 if absent */
	uint64_t	 max_message;	/* PONG; 0 if absent */
	struct ipc_bytes body;		/* the whole map (STATUS reply) */
};

struct ipc_worker_status {
	struct ipc_str	 pool;		/* its pool's name */
	uint64_t	 pid;
	struct ipc_str	 state;
	uint64_t	 jobs;		/* in flight now */
	uint64_t	 window;	/* jobs it may hold now */
	uint64_t	 busy_ms;	/* its oldest job has run this long */
	uint64_t	 done;
	uint64_t	 restarts;
	uint64_t	 rss;		/* bytes */
	uint64_t	 age_ms;
};

/* One pool, in a STATUS reply's "pools". */
struct ipc_pool_status {
	struct ipc_str	 name;
	struct ipc_str	 protocol;	/* builtin, ipcd or node */
	struct ipc_str	 command;	/* "" for builtin */
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

/* A STATUS reply: the daemon, sums over its pools, their workers, each pool. */
struct ipc_status {
	uint64_t	 pid;
	struct ipc_str	 version;
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
	struct ipc_worker_status *workers;
	uint32_t	 npools;
	struct ipc_pool_status *pools;
};

/* Packs one frame whose map the caller finishes (see proto_begin_result). */
struct proto_out {
	struct buf	*b;
	size_t		 start;
	int		 err;
	msgpack_packer	 pk;
};

const char	*proto_err_name(enum ipc_err);
const char	*proto_type_name(enum ipc_type);
struct ipc_str	 proto_type_str(enum ipc_type);
struct ipc_str	 proto_str(const char *);

enum ipc_err	 proto_decode(const uint8_t *, size_t, unsigned, msgpack_zone *,
		    struct ipc_msg *, const char **);
enum ipc_err	 proto_decode_keys(const uint8_t *, size_t, unsigned,
		    msgpack_zone *, struct ipc_msg *, const char **);
int		 proto_unpack(struct ipc_bytes, msgpack_zone *,
		    msgpack_object *);
int		 proto_get_status(const struct ipc_msg *, msgpack_zone *,
		    struct ipc_status *);

int	 proto_put_submit(struct buf *, uint32_t, uint64_t, struct ipc_str,
	    struct ipc_str, const void *, size_t, int64_t);
int	 proto_put_task(struct buf *, uint32_t, uint64_t, struct ipc_str,
	    struct ipc_bytes);
int	 proto_put_result(struct buf *, uint32_t, uint64_t, struct ipc_bytes);
int	 proto_put_error(struct buf *, uint32_t, int, uint64_t, struct ipc_str,
	    struct ipc_str);
int	 proto_put_errorf(struct buf *, uint32_t, int, uint64_t, enum ipc_err,
	    const char *, ...) __attribute__((format(printf, 6, 7)));
int	 proto_put_request(struct buf *, uint32_t, enum ipc_type, uint64_t);
void	 proto_task_set_id(uint8_t *, uint64_t);
int	 proto_decode_known(const uint8_t *, size_t, unsigned,
	    struct ipc_msg *);
int	 proto_task_parts(const uint8_t *, size_t, uint64_t *,
	    struct ipc_str *, struct ipc_bytes *);
int	 proto_put_pong(struct buf *, uint32_t, uint64_t, struct ipc_str,
	    uint32_t);
int	 proto_put_ready(struct buf *, uint32_t, uint64_t);
int	 proto_put_scale(struct buf *, uint32_t, uint64_t, uint64_t,
	    struct ipc_str);
int	 proto_put_pool_request(struct buf *, uint32_t, enum ipc_type, uint64_t,
	    struct ipc_str);
int	 proto_put_status(struct buf *, uint32_t, uint64_t,
	    const struct ipc_status *);

void	 proto_begin(struct proto_out *, struct buf *, enum ipc_type, int,
	    uint64_t, size_t);
void	 proto_pack_str(msgpack_packer *, const char *, size_t);
int	 proto_begin_result(struct proto_out *, struct buf *, uint64_t);
int	 proto_end(struct proto_out *, uint32_t);

#endif
