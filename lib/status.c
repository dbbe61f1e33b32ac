/*
 * A STATUS reply decoded (proto_status.c) into the library's own structs,
 * whose strings are NUL-terminated and live in the caller's zone.
 */
#include <string.h>

#include "lib.h"

static const char *
zstr(msgpack_zone *z, struct ipc_str s)
{
	char	*p;

	if ((p = msgpack_zone_malloc(z, s.len + 1)) == NULL)
		return NULL;
	if (s.len > 0)
		memcpy(p, s.p, s.len);
	p[s.len] = '\0';
	return p;
}

static int
workers(const struct ipc_status *in, msgpack_zone *z, struct ipcd_status *st)
{
	struct ipcd_worker_status *w;
	const struct ipc_worker_status *f;
	uint32_t	 i;

	if (in->nworkers == 0)
		return 0;
	if ((w = msgpack_zone_malloc(z, in->nworkers * sizeof(*w))) == NULL)
		return -1;
	for (i = 0; i < in->nworkers; i++) {
		f = &in->workers[i];
		w[i] = (struct ipcd_worker_status){ zstr(z, f->pool), f->pid,
		    zstr(z, f->state), f->jobs, f->window, f->busy_ms, f->done,
		    f->restarts, f->rss, f->age_ms };
		if (w[i].pool == NULL || w[i].state == NULL)
			return -1;
	}
	st->workers = w;
	st->nworkers = in->nworkers;
	return 0;
}

static int
pools(const struct ipc_status *in, msgpack_zone *z, struct ipcd_status *st)
{
	struct ipcd_pool_status *p;
	const struct ipc_pool_status *f;
	uint32_t	 i;

	if (in->npools == 0)
		return 0;
	if ((p = msgpack_zone_malloc(z, in->npools * sizeof(*p))) == NULL)
		return -1;
	for (i = 0; i < in->npools; i++) {
		f = &in->pools[i];
		p[i] = (struct ipcd_pool_status){ zstr(z, f->name),
		    zstr(z, f->protocol), zstr(z, f->command), f->size,
		    f->ready, f->queue, f->queue_limit, f->done, f->failed,
		    f->timed_out, f->retried, f->deaths, f->degraded };
		if (p[i].name == NULL || p[i].protocol == NULL ||
		    p[i].command == NULL)
			return -1;
	}
	st->pools = p;
	st->npools = in->npools;
	return 0;
}

/* The STATUS reply r, decoded in z; NULL if it is not one. */
const struct ipcd_status *
ipcd_status_decode(const struct ipcd_reply *r, msgpack_zone *z)
{
	struct ipcd_status *st;
	struct ipc_status in;
	struct ipc_msg	 m;

	if (r == NULL || r->error != IPCD_OK || r->data == NULL)
		return NULL;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_STATUS_REPLY;
	m.body.p = r->data;
	m.body.len = r->len;
	if (proto_get_status(&m, z, &in) == -1 ||
	    (st = msgpack_zone_malloc(z, sizeof(*st))) == NULL)
		return NULL;
	memset(st, 0, sizeof(*st));
	*st = (struct ipcd_status){ in.pid, zstr(z, in.version), in.uptime_ms,
	    in.queue, in.queue_limit, in.done, in.failed, in.timed_out,
	    in.retried, in.deaths, in.degraded, in.clients, in.held, 0, NULL,
	    0, NULL };
	if (st->version == NULL || workers(&in, z, st) == -1 ||
	    pools(&in, z, st) == -1)
		return NULL;
	return st;
}

/* The reply's data as a msgpack_object in z (nil if it has none). */
int
ipcd_unpack(const struct ipcd_reply *r, msgpack_zone *z, msgpack_object *o)
{
	struct ipc_bytes b = { r->data, r->data != NULL ? r->len : 0 };

	return proto_unpack(b, z, o) == 0 ? IPCD_OK : IPCD_E_BAD_REPLY;
}
