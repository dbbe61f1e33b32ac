/*
 * The control plane's requests, one small handler per message type, found
 * by type in a table: SUBMIT, STATUS, PING, and the administrative RELOAD,
 * SCALE and SHUTDOWN.
 */
#include <stdlib.h>

#include "frame.h"
#include "ipcd.h"
#include "log.h"

/*
 * Is there room for the job's bytes in what the master holds for its
 * user, and for everyone?  Else busy, with the figures; -1.
 */
static int
room_for(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	enum room	 r = limits_room(ix, c->user, FRAME_HDR + m->body.len);

	if (r == ROOM)
		return 0;
	if (r == NO_ROOM_ALL)
		client_reply_error(c, 1, m->id, IPC_E_BUSY, "ipcd holds %llu "
		    "bytes for its clients already (max_memory %llu): try "
		    "again later", (unsigned long long)ix->held,
		    (unsigned long long)ix->conf.max_memory);
	else
		client_reply_error(c, 1, m->id, IPC_E_BUSY, "ipcd holds %llu "
		    "bytes for uid %u already (max_memory_per_user %llu): "
		    "try again when its jobs are done",
		    (unsigned long long)c->user->held, c->user->uid,
		    (unsigned long long)ix->conf.max_memory_per_user);
	return -1;
}

/*
 * A job, unless the connection holds max_jobs_per_client requests
 * already, or its user too many bytes.
 */
static void
ctl_submit(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	unsigned	 max = ix->conf.max_jobs_per_client;

	if (max != 0 && c->refs >= max) {
		client_reply_error(c, 1, m->id, IPC_E_BUSY,
		    "too many jobs outstanding on this connection "
		    "(%u, max_jobs_per_client)", c->refs);
		return;
	}
	if (room_for(ix, c, m) == -1)
		return;
	master_submit(ix, c, m);
}

/*
 * The pool a request names (STATUS, SCALE), or with none the default: all
 * pools (NULL) for STATUS, the built-in pool for SCALE.  -1 if there is no
 * such pool, with the error sent.
 */
static int
named_pool(struct ipcd *ix, struct client *c, const struct ipc_msg *m,
    struct pool *none, struct pool **pool)
{
	*pool = none;
	if (m->pool.len > 0 &&
	    (*pool = route_pool(ix, m->pool.p, m->pool.len)) == NULL) {
		client_reply_error(c, 1, m->id, IPC_E_UNKNOWN_POOL,
		    "no pool named '%.*s'", (int)m->pool.len, m->pool.p);
		return -1;
	}
	if (m->pool.len == 0 && m->type == IPC_T_SCALE && none == NULL) {
		client_reply_error(c, 1, m->id, IPC_E_UNKNOWN_POOL,
		    "the built-in pool is off: name a pool");
		return -1;
	}
	return 0;
}

static void
ctl_status(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	struct pool	*pool;
	struct ipc_status st;
	uint32_t	 nw, np;

	if (named_pool(ix, c, m, NULL, &pool) == -1)
		return;
	memset(&st, 0, sizeof(st));
	master_status_size(ix, pool, &nw, &np);
	st.workers = calloc(nw ? nw : 1, sizeof(*st.workers));
	st.pools = calloc(np ? np : 1, sizeof(*st.pools));
	if (st.workers == NULL || st.pools == NULL)
		client_reply_error(c, 1, m->id, IPC_E_INTERNAL, "out of memory");
	else {
		master_status(ix, pool, &st);
		if (proto_put_status(peer_out(c->peer), peer_max(c->peer),
		    m->id, &st) == -1)
			client_reply_error(c, 1, m->id, IPC_E_INTERNAL,
			    "status does not fit in a message");
	}
	free(st.workers);
	free(st.pools);
}

static void
ctl_ping(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	if (proto_put_pong(peer_out(c->peer), peer_max(c->peer), m->id,
	    proto_str(PACKAGE_VERSION), ix->conf.max_message) == -1)
		client_reply_error(c, 1, m->id, IPC_E_INTERNAL, "out of memory");
}

/*
 * RELOAD, SCALE and SHUTDOWN: only for root, ipcd's user and admin_group,
 * and not while stopping.  -1 if refused (the reply is sent).
 */
static int
admin_request(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	static struct lograte	 rl;

	if (!access_admin(ix, &c->cred)) {
		log_rated(&rl, LOG_NOTICE, "refused %s from uid %u",
		    proto_type_name(m->type), c->cred.uid);
		client_reply_error(c, 1, m->id, IPC_E_FORBIDDEN,
		    "%s needs root, ipcd's user or admin_group",
		    proto_type_name(m->type));
		return -1;
	}
	if (ix->stopping) {
		client_reply_error(c, 1, m->id, IPC_E_SHUTTING_DOWN,
		    "ipcd is shutting down");
		return -1;
	}
	return 0;
}

/*
 * RELOAD and SCALE change the pool, and are answered once it has its new
 * size: only while there is room to remember them.  -1 if refused.
 */
static int
pool_request(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	if (admin_request(ix, c, m) == -1)
		return -1;
	if (ix->nwaiters == WAITERS_MAX) {
		client_reply_error(c, 1, m->id, IPC_E_BUSY,
		    "%d RELOAD and SCALE requests are already waiting",
		    WAITERS_MAX);
		return -1;
	}
	return 0;
}

static void
wait_settled(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	if (master_wait_settled(ix, c, m->id) == -1)	/* pool_request checked */
		client_reply_error(c, 1, m->id, IPC_E_INTERNAL,
		    "too many waiting requests");
}

/* Reload the config file; the reply comes when the pool has its new size. */
static void
ctl_reload(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	char	 err[CONFIG_ERR_MAX + 128];

	if (pool_request(ix, c, m) == -1)
		return;
	log_notice("client %llu asks for a reload",
	    (unsigned long long)c->serial);
	if (master_reload(ix, err, sizeof(err)) == -1) {
		client_reply_error(c, 1, m->id, IPC_E_BAD_CONFIG, "%s", err);
		return;
	}
	wait_settled(ix, c, m);
}

/* Change the worker count until the next reload. */
static void
ctl_scale(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	struct pool	*pool;
	char		 err[256];

	if (pool_request(ix, c, m) == -1 ||
	    named_pool(ix, c, m, ix->builtin, &pool) == -1)
		return;
	if (m->count < 1 || m->count > WORKERS_MAX) {
		client_reply_error(c, 1, m->id, IPC_E_BAD_DATA,
		    "count must be 1 to %d", WORKERS_MAX);
		return;
	}
	if (nofile_check(nofile_pools(ix, pool, (unsigned)m->count), err,
	    sizeof(err)) == -1) {
		client_reply_error(c, 1, m->id, IPC_E_BAD_DATA, "pool %s: %s",
		    pool->name, err);
		return;
	}
	pool->conf.workers = (unsigned)m->count;
	if (pool->conf.workers != pool->nworkers)
		pool_resize(pool, pool->conf.workers);
	wait_settled(ix, c, m);
}

/* Stop as on SIGTERM: OK at once, then the drain; the connection ends last. */
static void
ctl_shutdown(struct ipcd *ix, struct client *c, const struct ipc_msg *m)
{
	if (admin_request(ix, c, m) == -1)
		return;
	log_notice("client %llu (uid %u, pid %ld) asks ipcd to stop",
	    (unsigned long long)c->serial, c->cred.uid, (long)c->cred.pid);
	proto_put_request(peer_out(c->peer), peer_max(c->peer), IPC_T_OK,
	    m->id);
	master_shutdown(ix);
}

static const struct {
	enum ipc_type	 type;
	void		(*fn)(struct ipcd *, struct client *,
			    const struct ipc_msg *);
} handlers[] = {
	{ IPC_T_SUBMIT, ctl_submit },
	{ IPC_T_STATUS, ctl_status },
	{ IPC_T_PING, ctl_ping },
	{ IPC_T_RELOAD, ctl_reload },
	{ IPC_T_SCALE, ctl_scale },
	{ IPC_T_SHUTDOWN, ctl_shutdown },
};

/* Run the handler of the request's type. */
void
control_request(struct client *c, const struct ipc_msg *m)
{
	size_t	 i;

	for (i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++)
		if (handlers[i].type == m->type) {
			handlers[i].fn(c->ix, c, m);
			return;
		}
	client_reply_error(c, m->has_id, m->id, IPC_E_UNKNOWN_TYPE,
	    "no handler for this message type");
}

/* A pool's news of a client's job (struct pool_ops): the answer goes out. */
static void
client_answer(struct client *c, uint64_t cid, const struct ipc_msg *m,
    enum ipc_err e, const char *text)
{
	uint32_t	 max;

	if (c->peer == NULL)
		return;
	max = peer_max(c->peer);
	if (m == NULL)
		client_reply_error(c, 1, cid, e, "%s", text);
	else if (m->type == IPC_T_ERROR)
		proto_put_error(peer_out(c->peer), max, 1, cid, m->code,
		    m->message);
	else if (proto_put_result(peer_out(c->peer), max, cid, m->data) == -1)
		client_reply_error(c, 1, cid, IPC_E_TOO_LARGE,
		    "result larger than max_message (%u bytes)", max);
}

static void
client_take(struct client *c, int queued, size_t bytes)
{
	c->refs++;
	c->queued += queued != 0;
	limits_charge(c->ix, c->user, (int64_t)bytes);
}

static void
client_drop(struct client *c, size_t bytes)
{
	limits_charge(c->ix, c->user, -(int64_t)bytes);
	client_unref(c);
}

static void
client_dequeue(struct client *c)
{
	c->queued--;
}

static int
client_alive(const struct client *c)
{
	return c->peer != NULL;
}

static const void *
client_owner(const struct client *c)
{
	return c->user;
}

const struct pool_ops client_pool_ops = {
	client_answer, client_take, client_dequeue, client_drop, client_alive,
	client_owner
};
