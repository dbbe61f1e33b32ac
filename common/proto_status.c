/*
 * The body of a STATUS reply: the pool as a map, encoded by the master and
 * decoded by clients.  Unknown keys are skipped and missing ones read as 0,
 * so either side may add fields without breaking the other.
 */
#include <string.h>

#include "frame.h"
#include "proto.h"

#define KEY(pk, lit)	proto_pack_str((pk), (lit), sizeof(lit) - 1)

static void
pack_worker(msgpack_packer *pk, const struct ipc_worker_status *w)
{
	msgpack_pack_map(pk, 7);
	KEY(pk, "pid");
	msgpack_pack_uint64(pk, w->pid);
	KEY(pk, "state");
	proto_pack_str(pk, w->state.p, w->state.len);
	KEY(pk, "jobs");
	msgpack_pack_uint64(pk, w->jobs);
	KEY(pk, "done");
	msgpack_pack_uint64(pk, w->done);
	KEY(pk, "restarts");
	msgpack_pack_uint64(pk, w->restarts);
	KEY(pk, "rss");
	msgpack_pack_uint64(pk, w->rss);
	KEY(pk, "age_ms");
	msgpack_pack_uint64(pk, w->age_ms);
}

int
proto_put_status(struct buf *b, uint32_t max, uint64_t id,
    const struct ipc_status *st)
{
	struct proto_out o;
	uint32_t	 i;

	proto_begin(&o, b, IPC_T_STATUS_REPLY, 1, id, 13);
	KEY(&o.pk, "pid");
	msgpack_pack_uint64(&o.pk, st->pid);
	KEY(&o.pk, "version");
	proto_pack_str(&o.pk, st->version.p, st->version.len);
	KEY(&o.pk, "uptime_ms");
	msgpack_pack_uint64(&o.pk, st->uptime_ms);
	KEY(&o.pk, "queue");
	msgpack_pack_uint64(&o.pk, st->queue);
	KEY(&o.pk, "queue_limit");
	msgpack_pack_uint64(&o.pk, st->queue_limit);
	KEY(&o.pk, "done");
	msgpack_pack_uint64(&o.pk, st->done);
	KEY(&o.pk, "failed");
	msgpack_pack_uint64(&o.pk, st->failed);
	KEY(&o.pk, "timed_out");
	msgpack_pack_uint64(&o.pk, st->timed_out);
	KEY(&o.pk, "retried");
	msgpack_pack_uint64(&o.pk, st->retried);
	KEY(&o.pk, "deaths");
	msgpack_pack_uint64(&o.pk, st->deaths);
	KEY(&o.pk, "degraded");
	if (st->degraded)
		msgpack_pack_true(&o.pk);
	else
		msgpack_pack_false(&o.pk);
	KEY(&o.pk, "clients");
	msgpack_pack_uint64(&o.pk, st->clients);
	KEY(&o.pk, "workers");
	msgpack_pack_array(&o.pk, st->nworkers);
	for (i = 0; i < st->nworkers; i++)
		pack_worker(&o.pk, &st->workers[i]);
	return proto_end(&o, max);
}

static int
key_is(const msgpack_object *k, const char *s)
{
	size_t	 n = strlen(s);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	    memcmp(k->via.str.ptr, s, n) == 0;
}

static void
get_u64(const msgpack_object *v, uint64_t *out)
{
	if (v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		*out = v->via.u64;
}

static void
get_str(const msgpack_object *v, struct ipc_str *out)
{
	if (v->type == MSGPACK_OBJECT_STR) {
		out->p = v->via.str.ptr;
		out->len = v->via.str.size;
	}
}

static int
get_worker(const msgpack_object *o, struct ipc_worker_status *w)
{
	uint32_t i;

	memset(w, 0, sizeof(*w));
	w->state = proto_str("?");
	if (o->type != MSGPACK_OBJECT_MAP)
		return -1;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (key_is(k, "pid"))
			get_u64(v, &w->pid);
		else if (key_is(k, "state"))
			get_str(v, &w->state);
		else if (key_is(k, "jobs"))
			get_u64(v, &w->jobs);
		else if (key_is(k, "done"))
			get_u64(v, &w->done);
		else if (key_is(k, "restarts"))
			get_u64(v, &w->restarts);
		else if (key_is(k, "rss"))
			get_u64(v, &w->rss);
		else if (key_is(k, "age_ms"))
			get_u64(v, &w->age_ms);
	}
	return 0;
}

static int
get_workers(const msgpack_object *v, msgpack_zone *z, struct ipc_status *st)
{
	uint32_t i, n;

	if (v->type != MSGPACK_OBJECT_ARRAY)
		return -1;
	n = v->via.array.size;
	st->workers = msgpack_zone_malloc(z, (n ? n : 1) * sizeof(*st->workers));
	if (st->workers == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (get_worker(&v->via.array.ptr[i], &st->workers[i]) == -1)
			return -1;
	st->nworkers = n;
	return 0;
}

/* Read a decoded STATUS reply into st; the worker array lives in z. */
int
proto_get_status(const struct ipc_msg *m, msgpack_zone *z,
    struct ipc_status *st)
{
	const msgpack_object *o = &m->body;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->version = proto_str("?");
	if (m->type != IPC_T_STATUS_REPLY || o->type != MSGPACK_OBJECT_MAP)
		return -1;
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object *k = &o->via.map.ptr[i].key;
		const msgpack_object *v = &o->via.map.ptr[i].val;

		if (key_is(k, "pid"))
			get_u64(v, &st->pid);
		else if (key_is(k, "version"))
			get_str(v, &st->version);
		else if (key_is(k, "uptime_ms"))
			get_u64(v, &st->uptime_ms);
		else if (key_is(k, "queue"))
			get_u64(v, &st->queue);
		else if (key_is(k, "queue_limit"))
			get_u64(v, &st->queue_limit);
		else if (key_is(k, "done"))
			get_u64(v, &st->done);
		else if (key_is(k, "failed"))
			get_u64(v, &st->failed);
		else if (key_is(k, "timed_out"))
			get_u64(v, &st->timed_out);
		else if (key_is(k, "retried"))
			get_u64(v, &st->retried);
		else if (key_is(k, "deaths"))
			get_u64(v, &st->deaths);
		else if (key_is(k, "degraded"))
			st->degraded = v->type == MSGPACK_OBJECT_BOOLEAN &&
			    v->via.boolean;
		else if (key_is(k, "clients"))
			get_u64(v, &st->clients);
		else if (key_is(k, "workers") && get_workers(v, z, st) == -1)
			return -1;
	}
	return 0;
}
