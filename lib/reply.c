/*
 * Replies from the daemon: each whole frame checked (proto.c), matched to
 * its request by id, and handed to that request's callback.  Anything the
 * protocol does not allow (a malformed frame, an unexpected type, an id
 * never asked) ends the connection with IPCD_E_BAD_REPLY: the caller's
 * program never trusts the daemon's bytes.
 */
#include <string.h>

#include "frame.h"
#include "lib.h"

static void
copy_str(char *dst, size_t size, struct ipc_str s)
{
	size_t	 n = s.len < size - 1 ? s.len : size - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* PONG: what the daemon accepts. */
static void
learn(struct ipcd *c, const struct ipc_msg *m)
{
	if (m->version.len > 0)
		copy_str(c->version, sizeof(c->version), m->version);
	if (m->max_message > 0)
		c->max_message = m->max_message < IPC_MAX_MESSAGE_MAX ?
		    (uint32_t)m->max_message : IPC_MAX_MESSAGE_MAX;
}

/* An ERROR with no id: the daemon could not read a request, or refused us. */
static int
refused(struct ipcd *c, const struct ipc_msg *m)
{
	copy_str(c->code, sizeof(c->code), m->code);
	copy_str(c->message, sizeof(c->message), m->message);
	return lib_fail(c, lib_error_code(m->code), "%s: %s", c->code,
	    c->message);
}

static int
deliver(struct ipcd *c, struct job *j, const struct ipc_msg *m)
{
	struct ipcd_reply r;

	memset(&r, 0, sizeof(r));
	r.code = r.message = "";
	if (m->type == IPC_T_ERROR) {
		copy_str(c->code, sizeof(c->code), m->code);
		copy_str(c->message, sizeof(c->message), m->message);
		r.error = lib_error_code(m->code);
		r.code = c->code;
		r.message = c->message;
	} else if (m->type == IPC_T_STATUS_REPLY) {
		r.data = m->body.p;
		r.len = m->body.len;
	} else if (m->data.len > 0) {
		r.data = m->data.p;
		r.len = m->data.len;
	}
	if (m->type == IPC_T_PONG)
		learn(c, m);
	lib_answer(c, j, &r);
	return IPCD_OK;
}

/* One decoded reply. */
static int
reply(struct ipcd *c, const struct ipc_msg *m)
{
	struct job	*j;

	if (!m->has_id) {
		if (m->type != IPC_T_ERROR)
			return lib_fail(c, IPCD_E_BAD_REPLY, "bad reply from "
			    "ipcd: a %s without an id", proto_type_name(m->type));
		return refused(c, m);
	}
	if ((j = jobs_find(&c->jobs, m->id)) == NULL)
		return lib_fail(c, IPCD_E_BAD_REPLY, "bad reply from ipcd: a "
		    "reply for id %llu, which is not waiting",
		    (unsigned long long)m->id);
	if (m->type != IPC_T_ERROR && m->type != j->want)
		return lib_fail(c, IPCD_E_BAD_REPLY, "bad reply from ipcd: "
		    "%s for a request that wants %s", proto_type_name(m->type),
		    proto_type_name(j->want));
	return deliver(c, j, m);
}

/*
 * Answer every whole frame in the input.  A blocking call's reply stays in
 * the buffer (c->keep) until the caller's next call, and stops the walk.
 */
int
reply_frames(struct ipcd *c)
{
	enum frame_status st;
	struct ipc_msg	 m;
	const char	*why;
	uint32_t	 len;

	while (c->err == IPCD_OK && c->keep == 0 &&
	    buf_avail(&c->in) >= FRAME_HDR) {	/* (an empty buffer has no data) */
		st = frame_parse(buf_head(&c->in), buf_avail(&c->in),
		    IPC_MAX_MESSAGE_MAX, &len);
		if (st == FRAME_MORE)
			break;
		if (st != FRAME_OK)
			return lib_fail(c, IPCD_E_BAD_REPLY, "bad reply from "
			    "ipcd: %s", frame_status_name(st));
		if (proto_decode(buf_head(&c->in) + FRAME_HDR, len,
		    IPC_DIR_REPLY, &c->zone, &m, &why) != IPC_E_NONE)
			return lib_fail(c, IPCD_E_BAD_REPLY, "bad reply from "
			    "ipcd: %s", why);
		c->lend = 0;
		reply(c, &m);
		if (c->lend)
			c->keep = FRAME_HDR + (size_t)len;
		else if (c->err == IPCD_OK)
			buf_consume(&c->in, FRAME_HDR + (size_t)len);
	}
	return c->err;
}
