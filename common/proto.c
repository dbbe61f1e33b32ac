/*
 * Encoding and decoding of every message, with all validation in one place:
 * handlers only ever see a struct ipc_msg whose fields have the right types.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "mpscan.h"
#include "proto.h"

/* Envelope keys, as bits for "seen" and "required" masks. */
enum {
	F_V = 0, F_TYPE, F_ID, F_TASK, F_DATA, F_CODE, F_MESSAGE, F_PID,
	F_COUNT, F_TIMEOUT, F_POOL, F_VERSION, F_MAX_MESSAGE, F_MAX
};
#define B(f)	(1u << (f))

#define NAME(s)	{ s, sizeof(s) - 1 }

static const struct ipc_str field_names[F_MAX] = {
	NAME("v"), NAME("type"), NAME("id"), NAME("task"), NAME("data"),
	NAME("code"), NAME("message"), NAME("pid"), NAME("count"),
	NAME("timeout"), NAME("pool"), NAME("version"), NAME("max_message")
};

static const struct {
	enum ipc_type	 type;
	struct ipc_str	 name;
	unsigned	 dirs;
	unsigned	 need;
} types[] = {
	{ IPC_T_SUBMIT, NAME("SUBMIT"), IPC_DIR_REQUEST, B(F_ID) | B(F_TASK) },
	{ IPC_T_STATUS, NAME("STATUS"), IPC_DIR_REQUEST, B(F_ID) },
	{ IPC_T_PING, NAME("PING"), IPC_DIR_REQUEST, B(F_ID) },
	{ IPC_T_RELOAD, NAME("RELOAD"), IPC_DIR_REQUEST, B(F_ID) },
	{ IPC_T_SCALE, NAME("SCALE"), IPC_DIR_REQUEST, B(F_ID) | B(F_COUNT) },
	{ IPC_T_SHUTDOWN, NAME("SHUTDOWN"), IPC_DIR_REQUEST, B(F_ID) },
	{ IPC_T_RESULT, NAME("RESULT"), IPC_DIR_REPLY | IPC_DIR_FROM_WORKER,
	    B(F_ID) },
	{ IPC_T_ERROR, NAME("ERROR"), IPC_DIR_REPLY, B(F_CODE) },
	{ IPC_T_ERROR, NAME("ERROR"), IPC_DIR_FROM_WORKER, B(F_ID) | B(F_CODE) },
	{ IPC_T_STATUS_REPLY, NAME("STATUS"), IPC_DIR_REPLY, B(F_ID) },
	{ IPC_T_PONG, NAME("PONG"), IPC_DIR_REPLY, B(F_ID) },
	{ IPC_T_OK, NAME("OK"), IPC_DIR_REPLY, B(F_ID) },
	{ IPC_T_TASK, NAME("TASK"), IPC_DIR_TO_WORKER, B(F_ID) | B(F_TASK) },
	{ IPC_T_READY, NAME("READY"), IPC_DIR_FROM_WORKER, B(F_PID) },
};
#define NTYPES	(sizeof(types) / sizeof(types[0]))

static const char *const err_names[IPC_E_MAX] = {
	[IPC_E_NONE] = "ok",
	[IPC_E_BAD_FRAME] = "bad_frame",
	[IPC_E_TOO_LARGE] = "too_large",
	[IPC_E_BAD_MESSAGE] = "bad_message",
	[IPC_E_BAD_VERSION] = "bad_version",
	[IPC_E_UNKNOWN_TYPE] = "unknown_type",
	[IPC_E_UNKNOWN_TASK] = "unknown_task",
	[IPC_E_BAD_DATA] = "bad_data",
	[IPC_E_BUSY] = "busy",
	[IPC_E_WORKER_DIED] = "worker_died",
	[IPC_E_SHUTTING_DOWN] = "shutting_down",
	[IPC_E_INTERNAL] = "internal",
	[IPC_E_BAD_CONFIG] = "bad_config",
	[IPC_E_FORBIDDEN] = "forbidden",
	[IPC_E_TIMEOUT] = "timeout",
	[IPC_E_UNKNOWN_POOL] = "unknown_pool",
};

const char *
proto_err_name(enum ipc_err e)
{
	if (e < 0 || e >= IPC_E_MAX)
		return "internal";
	return err_names[e];
}

const char *
proto_type_name(enum ipc_type t)
{
	return proto_type_str(t).p;
}

struct ipc_str
proto_type_str(enum ipc_type t)
{
	struct ipc_str	 none = { "?", 1 };
	size_t		 i;

	for (i = 0; i < NTYPES; i++)
		if (types[i].type == t)
			return types[i].name;
	return none;
}

struct ipc_str
proto_str(const char *s)
{
	struct ipc_str	 r = { s, (uint32_t)strlen(s) };

	return r;
}

/* The envelope's fields: scalars decoded, containers only checked. */
struct envelope {
	msgpack_object		 o[F_MAX];
	const msgpack_object	*vals[F_MAX];	/* NULL: absent */
	struct ipc_bytes	 raw[F_MAX];
};

static int
str_is(const msgpack_object *o, struct ipc_str s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == s.len &&
	    memcmp(o->via.str.ptr, s.p, s.len) == 0;
}

/* The field a key (a checked string head at p) names, or -1. */
static int
field_index(const uint8_t *p, const struct mp_head *h)
{
	const char	*s = (const char *)p + h->hdr;
	int		 f;

	/* by length and a letter, then the whole name to be sure */
	switch (h->n) {
	case 1:
		f = F_V;
		break;
	case 2:
		f = F_ID;
		break;
	case 3:
		f = F_PID;
		break;
	case 4:
		f = s[0] == 'd' ? F_DATA : s[0] == 'c' ? F_CODE :
		    s[0] == 'p' ? F_POOL : s[1] == 'y' ? F_TYPE : F_TASK;
		break;
	case 5:
		f = F_COUNT;
		break;
	case 7:
		f = s[0] == 'm' ? F_MESSAGE : s[0] == 't' ? F_TIMEOUT :
		    F_VERSION;
		break;
	case 11:
		f = F_MAX_MESSAGE;
		break;
	default:
		return -1;
	}
	return memcmp(s, field_names[f].p, h->n) == 0 ? f : -1;
}

static enum ipc_err
scan_error(enum mp_status st, const char **why)
{
	*why = mpscan_text(st);
	return IPC_E_BAD_MESSAGE;
}

/*
 * One field's value, n checked bytes at p with head *h: a scalar is decoded, a
 * container stands as an empty array (no field may be one, so the checks
 * refuse it) and "data" is kept as its bytes.
 */
static enum ipc_err
field_value(int f, const uint8_t *p, size_t n, const struct mp_head *h,
    msgpack_zone *z, struct envelope *env, const char **why)
{
	msgpack_object	*o = &env->o[f];
	size_t		 off = 0;

	env->raw[f].p = p;
	env->raw[f].len = n;
	env->vals[f] = o;
	o->type = MSGPACK_OBJECT_NIL;
	if (f == F_DATA)
		return IPC_E_NONE;
	if (h->kind == MP_ARRAY || h->kind == MP_MAP) {
		o->type = MSGPACK_OBJECT_ARRAY;
		o->via.array.size = 0;
		o->via.array.ptr = NULL;
		return IPC_E_NONE;
	}
	/* the envelope's usual values, as msgpack-c would give them */
	if (h->kind == MP_STR) {
		o->type = MSGPACK_OBJECT_STR;
		o->via.str.ptr = (const char *)p + h->hdr;
		o->via.str.size = h->n;
		return IPC_E_NONE;
	}
	if (mpscan_uint(p, h, &o->via.u64) == 0) {
		o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
		return IPC_E_NONE;
	}
	if (msgpack_unpack((const char *)p, n, &off, z, o) !=
	    MSGPACK_UNPACK_SUCCESS) {
		*why = "MessagePack value too large to decode";
		return IPC_E_BAD_MESSAGE;
	}
	return IPC_E_NONE;
}

/* One key and its value at p; *used bytes.  A bad key does not stop the walk. */
static enum ipc_err
entry(const uint8_t *p, size_t n, msgpack_zone *z, struct envelope *env,
    size_t *used, enum ipc_err *bad, const char **why)
{
	struct mp_head	 h, vh;
	enum mp_status	 st;
	size_t		 klen, vlen;
	int		 f;

	if ((st = mpscan_next(p, n, MP_DEPTH_MAX - 1, &h, &klen)) != MP_OK ||
	    (st = mpscan_next(p + klen, n - klen, MP_DEPTH_MAX - 1, &vh,
	    &vlen)) != MP_OK)
		return scan_error(st, why);
	*used = klen + vlen;
	if (h.kind != MP_STR) {
		*why = "map keys must be strings";
		*bad = IPC_E_BAD_MESSAGE;
	} else if ((f = field_index(p, &h)) == -1)
		;	/* unknown keys are ignored */
	else if (env->vals[f] != NULL) {
		*why = "duplicate key";
		*bad = IPC_E_BAD_MESSAGE;
	} else
		return field_value(f, p + klen, vlen, &vh, z, env, why);
	return IPC_E_NONE;
}

/*
 * Walk the body, one map, into env: every byte checked once (mpscan.c),
 * nothing decoded but the envelope's scalars.  A bad key is reported after
 * the walk, so the id is still found for the error reply (*bad).
 */
static enum ipc_err
collect(const uint8_t *p, size_t n, msgpack_zone *z, struct envelope *env,
    enum ipc_err *bad, const char **why)
{
	struct mp_head	 h;
	enum mp_status	 st;
	enum ipc_err	 e;
	size_t		 off, used;
	uint32_t	 i;

	msgpack_zone_clear(z);
	if ((st = mpscan_head(p, n, &h)) != MP_OK)
		return scan_error(st, why);
	if (h.kind != MP_MAP) {
		if ((st = mpscan_value(p, n, MP_DEPTH_MAX, &off)) != MP_OK)
			return scan_error(st, why);
		*why = off < n ? "bytes left over after the MessagePack value" :
		    "a message must be a map";
		return IPC_E_BAD_MESSAGE;
	}
	for (off = h.hdr, i = 0; i < h.n; i++, off += used)
		if ((e = entry(p + off, n - off, z, env, &used, bad,
		    why)) != IPC_E_NONE)
			return e;
	if (off < n) {
		*why = "bytes left over after the MessagePack value";
		return IPC_E_BAD_MESSAGE;
	}
	return IPC_E_NONE;
}

static int
get_str(const msgpack_object *o, uint32_t min, uint32_t max,
    struct ipc_str *s)
{
	if (o->type != MSGPACK_OBJECT_STR || o->via.str.size < min ||
	    o->via.str.size > max)
		return -1;
	s->p = o->via.str.ptr;
	s->len = o->via.str.size;
	return 0;
}

static enum ipc_err
check_version(const msgpack_object *v, const char **why)
{
	if (v == NULL) {
		*why = "missing key 'v' (protocol version)";
		return IPC_E_BAD_MESSAGE;
	}
	if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    v->via.u64 != IPC_VERSION) {
		*why = "unsupported protocol version (this is version 1)";
		return IPC_E_BAD_VERSION;
	}
	return IPC_E_NONE;
}

static enum ipc_err
find_type(const msgpack_object *t, unsigned dirs, struct ipc_msg *m,
    unsigned *need, const char **why)
{
	size_t	 i;

	if (t == NULL || t->type != MSGPACK_OBJECT_STR) {
		*why = "missing or non-string key 'type'";
		return IPC_E_BAD_MESSAGE;
	}
	for (i = 0; i < NTYPES; i++) {
		if ((types[i].dirs & dirs) == 0 || !str_is(t, types[i].name))
			continue;
		m->type = types[i].type;
		*need = types[i].need;
		return IPC_E_NONE;
	}
	*why = "unknown message type";
	return IPC_E_UNKNOWN_TYPE;
}

/* PONG's (and STATUS's) "version", PONG's "max_message". */
static enum ipc_err
check_hello(const msgpack_object **vals, struct ipc_msg *m, const char **why)
{
	if (vals[F_VERSION] &&
	    get_str(vals[F_VERSION], 1, IPC_VERSION_TEXT_MAX, &m->version)) {
		*why = "'version' must be a string of 1 to 64 bytes";
		return IPC_E_BAD_MESSAGE;
	}
	if (vals[F_MAX_MESSAGE]) {
		if (vals[F_MAX_MESSAGE]->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
			*why = "'max_message' must be an unsigned integer";
			return IPC_E_BAD_MESSAGE;
		}
		m->max_message = vals[F_MAX_MESSAGE]->via.u64;
	}
	return IPC_E_NONE;
}

/* Check each present field's type; the type of a key never depends on the message. */
static enum ipc_err
check_fields(const msgpack_object **vals, struct ipc_msg *m, const char **why)
{
	if (vals[F_TASK] && get_str(vals[F_TASK], 1, IPC_TASK_MAX, &m->task)) {
		*why = "'task' must be a string of 1 to 64 bytes";
		return IPC_E_BAD_MESSAGE;
	}
	if (vals[F_POOL] && get_str(vals[F_POOL], 1, IPC_POOL_MAX, &m->pool)) {
		*why = "'pool' must be a string of 1 to 32 bytes";
		return IPC_E_BAD_MESSAGE;
	}
	if (vals[F_CODE] && get_str(vals[F_CODE], 1, IPC_CODE_MAX, &m->code)) {
		*why = "'code' must be a string of 1 to 64 bytes";
		return IPC_E_BAD_MESSAGE;
	}
	if (vals[F_MESSAGE] &&
	    get_str(vals[F_MESSAGE], 0, IPC_TEXT_MAX, &m->message)) {
		*why = "'message' must be a string of at most 1024 bytes";
		return IPC_E_BAD_MESSAGE;
	}
	if (vals[F_PID]) {
		if (vals[F_PID]->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
			*why = "'pid' must be an unsigned integer";
			return IPC_E_BAD_MESSAGE;
		}
		m->pid = vals[F_PID]->via.u64;
	}
	if (vals[F_COUNT]) {
		if (vals[F_COUNT]->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
			*why = "'count' must be an unsigned integer";
			return IPC_E_BAD_MESSAGE;
		}
		m->count = vals[F_COUNT]->via.u64;
	}
	if (vals[F_TIMEOUT]) {
		if (vals[F_TIMEOUT]->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
		    vals[F_TIMEOUT]->via.u64 > UINT32_MAX) {
			*why = "'timeout' must be an unsigned integer of at most "
			    "4294967295 (milliseconds)";
			return IPC_E_BAD_MESSAGE;
		}
		m->has_timeout = 1;
		m->timeout = (uint32_t)vals[F_TIMEOUT]->via.u64;
	}
	return check_hello(vals, m, why);
}

static enum ipc_err
check_id(const msgpack_object *v, struct ipc_msg *m, const char **why)
{
	if (v == NULL || v->type == MSGPACK_OBJECT_NIL)
		return IPC_E_NONE;
	if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
		*why = "'id' must be an unsigned integer";
		return IPC_E_BAD_MESSAGE;
	}
	m->has_id = 1;
	m->id = v->via.u64;
	return IPC_E_NONE;
}

static enum ipc_err
check_need(const msgpack_object **vals, const struct ipc_msg *m,
    unsigned need, const char **why)
{
	int	 f;

	if ((need & B(F_ID)) && !m->has_id) {
		*why = "missing key 'id'";
		return IPC_E_BAD_MESSAGE;
	}
	for (f = 0; f < F_MAX; f++) {
		if ((need & B(f)) && vals[f] == NULL) {
			*why = f == F_TASK ? "missing key 'task'" :
			    f == F_CODE ? "missing key 'code'" :
			    f == F_PID ? "missing key 'pid'" :
			    f == F_COUNT ? "missing key 'count'" : "missing key";
			return IPC_E_BAD_MESSAGE;
		}
	}
	return IPC_E_NONE;
}

/*
 * Decode one frame body into m, accepting only the types valid in the given
 * directions.  On error, *why says what was wrong and m->has_id/m->id are set
 * when the message carried a readable id, so the reply can name the request.
 * This reads it key by key, in any order.
 */
enum ipc_err
proto_decode_keys(const uint8_t *p, size_t n, unsigned dirs, msgpack_zone *z,
    struct ipc_msg *m, const char **why)
{
	struct envelope	 env;
	const msgpack_object **vals = env.vals;
	const char	*ignored;
	enum ipc_err	 e, bad = IPC_E_NONE;
	unsigned	 need = 0;

	*why = "";
	memset(m, 0, sizeof(*m));
	memset(env.vals, 0, sizeof(env.vals));	/* o[], raw[] follow vals[] */

	if ((e = collect(p, n, z, &env, &bad, why)) != IPC_E_NONE)
		return e;
	m->body.p = p;
	m->body.len = n;
	/* the id first, so that any error reply can name the request */
	if ((e = bad) == IPC_E_NONE)
		e = check_id(vals[F_ID], m, why);
	else
		(void)check_id(vals[F_ID], m, &ignored);
	if (e != IPC_E_NONE ||
	    (e = check_version(vals[F_V], why)) != IPC_E_NONE ||
	    (e = find_type(vals[F_TYPE], dirs, m, &need, why)) != IPC_E_NONE ||
	    (e = check_fields(vals, m, why)) != IPC_E_NONE ||
	    (e = check_need(vals, m, need, why)) != IPC_E_NONE)
		return e;
	if (vals[F_DATA] != NULL)
		m->data = env.raw[F_DATA];
	return IPC_E_NONE;
}

/* The same, reading a job's envelope laid out as ipcd writes it at once. */
enum ipc_err
proto_decode(const uint8_t *p, size_t n, unsigned dirs, msgpack_zone *z,
    struct ipc_msg *m, const char **why)
{
	if (proto_decode_known(p, n, dirs, m) == 0) {
		msgpack_zone_clear(z);
		*why = "";
		return IPC_E_NONE;
	}
	return proto_decode_keys(p, n, dirs, z, m, why);
}

/* The value of checked bytes (a message's data or body), decoded in z. */
int
proto_unpack(struct ipc_bytes b, msgpack_zone *z, msgpack_object *o)
{
	size_t	 off = 0;

	struct mp_head	 h;

	o->type = MSGPACK_OBJECT_NIL;
	if (b.len == 0)
		return 0;
	/* a string or an unsigned integer, the most common, at once */
	if (mpscan_head(b.p, b.len, &h) == MP_OK && h.size == b.len) {
		if (h.kind == MP_STR) {
			o->type = MSGPACK_OBJECT_STR;
			o->via.str.ptr = (const char *)b.p + h.hdr;
			o->via.str.size = h.n;
			return 0;
		}
		if (mpscan_uint(b.p, &h, &o->via.u64) == 0) {
			o->type = MSGPACK_OBJECT_POSITIVE_INTEGER;
			return 0;
		}
	}
	return msgpack_unpack((const char *)b.p, b.len, &off, z, o) ==
	    MSGPACK_UNPACK_SUCCESS ? 0 : -1;
}
