/*
 * The body of a STATUS reply: the daemon, the sums over its pools (or over
 * the one pool asked for), every worker, and each pool, as a map encoded
 * by the master and decoded by clients.  Unknown keys are skipped and
 * missing ones read as 0, so either side may add fields without breaking
 * the other.
 */
#include <stddef.h>
#include <string.h>

#include "frame.h"
#include "proto.h"

#define KEY(pk, lit)	proto_pack_str((pk), (lit), sizeof(lit) - 1)

/* The fields of a map, described once for encoding and decoding. */
enum kind { K_U64, K_STR, K_BOOL };
struct field {
	const char	*name;
	enum kind	 kind;
	size_t		 off;
};
#define F(s, name, kind)	{ #name, kind, offsetof(struct s, name) }
#define NFIELDS(t)		(sizeof(t) / sizeof((t)[0]))

static const struct field worker_fields[] = {
	F(ipc_worker_status, pool, K_STR),
	F(ipc_worker_status, pid, K_U64),
	F(ipc_worker_status, state, K_STR),
	F(ipc_worker_status, jobs, K_U64),
	F(ipc_worker_status, window, K_U64),
	F(ipc_worker_status, busy_ms, K_U64),
	F(ipc_worker_status, done, K_U64),
	F(ipc_worker_status, restarts, K_U64),
	F(ipc_worker_status, rss, K_U64),
	F(ipc_worker_status, age_ms, K_U64),
};

static const struct field pool_fields[] = {
	F(ipc_pool_status, name, K_STR),
	F(ipc_pool_status, protocol, K_STR),
	F(ipc_pool_status, command, K_STR),
	F(ipc_pool_status, size, K_U64),
	F(ipc_pool_status, ready, K_U64),
	F(ipc_pool_status, queue, K_U64),
	F(ipc_pool_status, queue_limit, K_U64),
	F(ipc_pool_status, done, K_U64),
	F(ipc_pool_status, failed, K_U64),
	F(ipc_pool_status, timed_out, K_U64),
	F(ipc_pool_status, retried, K_U64),
	F(ipc_pool_status, deaths, K_U64),
	F(ipc_pool_status, degraded, K_BOOL),
};

/* Every key of the reply but "workers" and "pools", which follow them. */
static const struct field status_fields[] = {
	F(ipc_status, pid, K_U64),
	F(ipc_status, version, K_STR),
	F(ipc_status, uptime_ms, K_U64),
	F(ipc_status, queue, K_U64),
	F(ipc_status, queue_limit, K_U64),
	F(ipc_status, done, K_U64),
	F(ipc_status, failed, K_U64),
	F(ipc_status, timed_out, K_U64),
	F(ipc_status, retried, K_U64),
	F(ipc_status, deaths, K_U64),
	F(ipc_status, degraded, K_BOOL),
	F(ipc_status, clients, K_U64),
	F(ipc_status, held, K_U64),
};

static void
pack_fields(msgpack_packer *pk, const struct field *f, size_t n,
    const void *base)
{
	const char	*p = base;
	const struct ipc_str *str;
	size_t		 i;

	for (i = 0; i < n; i++, f++) {
		proto_pack_str(pk, f->name, strlen(f->name));
		switch (f->kind) {
		case K_U64:
			msgpack_pack_uint64(pk, *(const uint64_t *)(p + f->off));
			break;
		case K_STR:
			str = (const struct ipc_str *)(p + f->off);
			proto_pack_str(pk, str->p, str->len);
			break;
		case K_BOOL:
			if (*(const int *)(p + f->off))
				msgpack_pack_true(pk);
			else
				msgpack_pack_false(pk);
			break;
		}
	}
}

int
proto_put_status(struct buf *b, uint32_t max, uint64_t id,
    const struct ipc_status *st)
{
	struct proto_out o;
	uint32_t	 i;

	proto_begin(&o, b, IPC_T_STATUS_REPLY, 1, id,
	    NFIELDS(status_fields) + 2);
	pack_fields(&o.pk, status_fields, NFIELDS(status_fields), st);
	KEY(&o.pk, "workers");
	msgpack_pack_array(&o.pk, st->nworkers);
	for (i = 0; i < st->nworkers; i++) {
		msgpack_pack_map(&o.pk, NFIELDS(worker_fields));
		pack_fields(&o.pk, worker_fields, NFIELDS(worker_fields),
		    &st->workers[i]);
	}
	KEY(&o.pk, "pools");
	msgpack_pack_array(&o.pk, st->npools);
	for (i = 0; i < st->npools; i++) {
		msgpack_pack_map(&o.pk, NFIELDS(pool_fields));
		pack_fields(&o.pk, pool_fields, NFIELDS(pool_fields),
		    &st->pools[i]);
	}
	return proto_end(&o, max);
}

/* Set the field that key k names from v; unknown keys and types are skipped. */
static void
get_field(const struct field *f, size_t n, const msgpack_object *k,
    const msgpack_object *v, void *base)
{
	char		*p = base;
	struct ipc_str	*str;
	size_t		 i;

	if (k->type != MSGPACK_OBJECT_STR)
		return;
	for (i = 0; i < n; i++, f++) {
		if (strlen(f->name) != k->via.str.size ||
		    memcmp(f->name, k->via.str.ptr, k->via.str.size) != 0)
			continue;
		if (f->kind == K_U64 && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
			*(uint64_t *)(p + f->off) = v->via.u64;
		else if (f->kind == K_STR && v->type == MSGPACK_OBJECT_STR) {
			str = (struct ipc_str *)(p + f->off);
			str->p = v->via.str.ptr;
			str->len = v->via.str.size;
		} else if (f->kind == K_BOOL && v->type == MSGPACK_OBJECT_BOOLEAN)
			*(int *)(p + f->off) = v->via.boolean;
		return;
	}
}

static int
get_map(const msgpack_object *o, const struct field *f, size_t nf, void *base)
{
	uint32_t i;

	if (o->type != MSGPACK_OBJECT_MAP)
		return -1;
	for (i = 0; i < o->via.map.size; i++)
		get_field(f, nf, &o->via.map.ptr[i].key,
		    &o->via.map.ptr[i].val, base);
	return 0;
}

/* An array of maps of fields f into *out (size each, in z); its length. */
static int
get_array(const msgpack_object *v, msgpack_zone *z, const struct field *f,
    size_t nf, size_t size, void **out, uint32_t *n)
{
	char		*p;
	uint32_t	 i;

	if (v->type != MSGPACK_OBJECT_ARRAY)
		return -1;
	*n = v->via.array.size;
	if ((p = msgpack_zone_malloc(z, (*n ? *n : 1) * size)) == NULL)
		return -1;
	memset(p, 0, (*n ? *n : 1) * size);
	for (i = 0; i < *n; i++)
		if (get_map(&v->via.array.ptr[i], f, nf, p + i * size) == -1)
			return -1;
	*out = p;
	return 0;
}

static void
unknown_states(struct ipc_status *st)
{
	uint32_t i;

	for (i = 0; i < st->nworkers; i++)
		if (st->workers[i].state.len == 0)
			st->workers[i].state = proto_str("?");
}

static int
key_is(const msgpack_object *k, const char *name)
{
	size_t	 n = strlen(name);

	return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
	    memcmp(k->via.str.ptr, name, n) == 0;
}

/* Read a decoded STATUS reply into st; the worker array lives in z. */
int
proto_get_status(const struct ipc_msg *m, msgpack_zone *z,
    struct ipc_status *st)
{
	msgpack_object	 body, *o = &body, *k, *v;
	uint32_t i;

	memset(st, 0, sizeof(*st));
	st->version = proto_str("?");
	if (m->type != IPC_T_STATUS_REPLY || proto_unpack(m->body, z, o) == -1 ||
	    o->type != MSGPACK_OBJECT_MAP)
		return -1;
	for (i = 0; i < o->via.map.size; i++) {
		k = &o->via.map.ptr[i].key;
		v = &o->via.map.ptr[i].val;
		if (key_is(k, "workers")) {
			if (get_array(v, z, worker_fields,
			    NFIELDS(worker_fields), sizeof(*st->workers),
			    (void **)&st->workers, &st->nworkers) == -1)
				return -1;
			unknown_states(st);
		} else if (key_is(k, "pools")) {
			if (get_array(v, z, pool_fields, NFIELDS(pool_fields),
			    sizeof(*st->pools), (void **)&st->pools,
			    &st->npools) == -1)
				return -1;
		} else
			get_field(status_fields, NFIELDS(status_fields), k, v,
			    st);
	}
	return 0;
}
