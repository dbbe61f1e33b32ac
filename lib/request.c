/*
 * Requests: each one encoded (proto_put.c) into the output buffer with the
 * next id and remembered until its reply.  The blocking calls are the
 * asynchronous ones plus a wait for that one reply.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "lib.h"
#include "mpscan.h"

static int	 refuse(struct ipcd *, int, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* A request refused before it was sent: code, and why in c->message. */
static int
refuse(struct ipcd *c, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
	c->refused = 1;
	return code;
}

/* The reply type each request is answered with, besides ERROR. */
static enum ipc_type
wanted(enum ipc_type t)
{
	switch (t) {
	case IPC_T_SUBMIT:
		return IPC_T_RESULT;
	case IPC_T_STATUS:
		return IPC_T_STATUS_REPLY;
	case IPC_T_PING:
		return IPC_T_PONG;
	default:
		return IPC_T_OK;
	}
}

static int
check_name(const char *s, size_t max)
{
	size_t	 n;

	return s == NULL || ((n = strlen(s)) > 0 && n <= max) ? 0 : -1;
}

/*
 * The daemon reads no id from a frame whose data is not one well-formed
 * value (PROTOCOL.md 5.3), so its error could not be matched to the job.
 */
static int
check_data(struct ipcd *c, const void *data, size_t len)
{
	enum mp_status	 st;
	size_t		 used;

	if ((st = mpscan_value(data, len, MP_DEPTH_MAX - 1, &used)) != MP_OK)
		return refuse(c, IPCD_E_INVALID, "data: %s", mpscan_text(st));
	if (used != len)
		return refuse(c, IPCD_E_INVALID, "data: %zu bytes after its "
		    "MessagePack value", len - used);
	return IPCD_OK;
}

/* A new request's entry, waited for wait_ms, else as c says (0: ever). */
static struct job *
new_job(struct ipcd *c, enum ipc_type t, uint32_t wait_ms,
    ipcd_callback *cb, void *arg)
{
	uint32_t	 ms = wait_ms > 0 ? wait_ms : (uint32_t)c->timeout_ms;

	return jobs_add(&c->jobs, wanted(t), cb, arg, ms,
	    ms > 0 ? lib_now() + (uint64_t)ms * 1000000 : 0);
}

/* Encode the request just added; on failure take it back. */
static int
encode(struct ipcd *c, struct job *j, enum ipc_type t, const char *task,
    const void *data, size_t len, const char *pool, uint32_t count,
    int64_t timeout)
{
	struct ipc_str	 p = proto_str(pool != NULL ? pool : "");
	size_t		 before = buf_avail(&c->out);
	int		 r;

	if (t == IPC_T_SUBMIT)
		r = proto_put_submit(&c->out, UINT32_MAX, j->id, proto_str(task),
		    p, data, len, timeout);
	else if (t == IPC_T_SCALE)
		r = proto_put_scale(&c->out, UINT32_MAX, j->id, count, p);
	else
		r = proto_put_pool_request(&c->out, UINT32_MAX, t, j->id, p);
	if (r == 0 && buf_avail(&c->out) - before - 4 > c->max_message) {
		r = refuse(c, IPCD_E_TOO_LARGE, "a message of %zu bytes is "
		    "above ipcd's max_message of %u bytes",
		    buf_avail(&c->out) - before - 4, c->max_message);
		frame_abort(&c->out, before);
	} else if (r != 0)
		r = refuse(c, IPCD_E_NOMEM, "out of memory");
	if (r != 0)
		jobs_take_back(&c->jobs, j);
	return r;
}

static int
request(struct ipcd *c, enum ipc_type t, const char *task, const void *data,
    size_t len, const char *pool, uint32_t count, int64_t timeout,
    uint32_t wait_ms, ipcd_callback *cb, void *arg, uint64_t *idp)
{
	struct job	*j;
	int		 r;

	if (c == NULL || cb == NULL)
		return IPCD_E_INVALID;
	c->refused = 0;
	if (c->err != IPCD_OK)
		return c->err;
	if (t == IPC_T_SUBMIT && (task == NULL ||
	    check_name(task, IPC_TASK_MAX) == -1))
		return refuse(c, IPCD_E_INVALID, "a task name must have 1 to "
		    "%d bytes", IPC_TASK_MAX);
	if (check_name(pool, IPC_POOL_MAX) == -1)
		return refuse(c, IPCD_E_INVALID, "a pool name must have 1 to "
		    "%d bytes", IPC_POOL_MAX);
	if (len > 0 && data == NULL)
		return refuse(c, IPCD_E_INVALID, "data of %zu bytes at NULL",
		    len);
	if (len > c->max_message)
		return refuse(c, IPCD_E_TOO_LARGE, "data of %zu bytes is "
		    "above ipcd's max_message of %u bytes", len,
		    c->max_message);
	if (len > 0 && check_data(c, data, len) != IPCD_OK)
		return IPCD_E_INVALID;
	if ((j = new_job(c, t, wait_ms, cb, arg)) == NULL)
		return refuse(c, IPCD_E_NOMEM, "out of memory");
	if ((r = encode(c, j, t, task, data, len, pool, count,
	    timeout)) != IPCD_OK)
		return r;
	if (idp != NULL)
		*idp = j->id;
	lib_tell(c);
	return IPCD_OK;
}

int
ipcd_submit_async(struct ipcd *c, const char *task, const void *data,
    size_t len, const struct ipcd_opts *o, ipcd_callback *cb, void *arg,
    uint64_t *idp)
{
	int64_t	 timeout = -1;	/* not sent: the pool's */

	if (o != NULL && o->timeout_ms == IPCD_NO_TIMEOUT)
		timeout = 0;
	else if (o != NULL && o->timeout_ms > 0)
		timeout = o->timeout_ms;
	return request(c, IPC_T_SUBMIT, task, data, len, o ? o->pool : NULL, 0,
	    timeout, o ? o->wait_ms : 0, cb, arg, idp);
}

int
ipcd_command_async(struct ipcd *c, enum ipcd_command cmd, const char *pool,
    uint32_t count, ipcd_callback *cb, void *arg, uint64_t *idp)
{
	switch (cmd) {
	case IPCD_STATUS:
	case IPCD_SCALE:
		break;
	case IPCD_PING:
	case IPCD_RELOAD:
	case IPCD_SHUTDOWN:
		if (pool != NULL)
			return IPCD_E_INVALID;
		break;
	default:
		return IPCD_E_INVALID;
	}
	if (cmd == IPCD_SCALE && (count == 0 || count > IPC_WORKERS_MAX))
		return IPCD_E_INVALID;
	return request(c, (enum ipc_type)cmd, NULL, NULL, 0, pool, count, -1,
	    0, cb, arg, idp);
}

/* A blocking call's reply, lent from the input buffer until the next call. */
struct waiter {
	int			 done;
	struct ipcd_reply	*r;
};

static void
waited(struct ipcd *c, const struct ipcd_reply *r, void *arg)
{
	struct waiter	*w = arg;

	*w->r = *r;
	w->done = 1;
	c->lend = 1;
}

static int
finish(struct ipcd *c, int r, struct waiter *w, struct ipcd_reply *out)
{
	if (r == IPCD_OK && (r = lib_wait(c, &w->done, -1)) == IPCD_OK)
		return out->error;
	memset(out, 0, sizeof(*out));
	out->error = r;
	out->code = ipcd_errname(r);
	if (c != NULL && c->refused)
		out->message = c->message;
	else if (c != NULL && c->err == r)
		out->message = c->errstr;
	else
		out->message = ipcd_strerror(r);
	return r;
}

int
ipcd_submit(struct ipcd *c, const char *task, const void *data, size_t len,
    const struct ipcd_opts *o, struct ipcd_reply *out)
{
	struct waiter	 w = { 0, out };
	int		 r = IPCD_E_INVALID;

	if (c != NULL && c->in_cb == 0) {
		lib_settle(c);
		r = ipcd_submit_async(c, task, data, len, o, waited, &w, NULL);
	}
	return finish(c, r, &w, out);
}

int
ipcd_command(struct ipcd *c, enum ipcd_command cmd, const char *pool,
    uint32_t count, struct ipcd_reply *out)
{
	struct waiter	 w = { 0, out };
	int		 r = IPCD_E_INVALID;

	if (c != NULL && c->in_cb == 0) {
		lib_settle(c);
		r = ipcd_command_async(c, cmd, pool, count, waited, &w, NULL);
	}
	return finish(c, r, &w, out);
}

/* Abandon a request: its callback runs now with IPCD_E_CANCELLED. */
int
ipcd_cancel(struct ipcd *c, uint64_t id)
{
	struct ipcd_reply r;
	ipcd_callback	*cb;
	struct job	*j;

	if (c == NULL || (j = jobs_find(&c->jobs, id)) == NULL ||
	    j->cb == NULL)
		return IPCD_E_INVALID;
	cb = j->cb;
	jobs_abandon(&c->jobs, j);
	memset(&r, 0, sizeof(r));
	r.id = id;
	r.error = IPCD_E_CANCELLED;
	r.code = ipcd_errname(IPCD_E_CANCELLED);
	r.message = ipcd_strerror(IPCD_E_CANCELLED);
	c->in_cb++;
	cb(c, &r, j->arg);
	c->in_cb--;
	lib_tell(c);
	return IPCD_OK;
}

size_t
ipcd_pending(const struct ipcd *c)
{
	return c == NULL ? 0 : c->jobs.live;
}
