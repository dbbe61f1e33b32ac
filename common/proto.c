/*
 * Encoding and decoding of every message, with all validation in one place:
 * handlers only ever see a struct ipc_msg whose fields have the right types.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "proto.h"

/* Envelope keys, as bits for "seen" and "required" masks. */
enum {
	F_V = 0, F_TYPE, F_ID, F_TASK, F_DATA, F_CODE, F_MESSAGE, F_PID,
	F_COUNT, F_TIMEOUT, F_POOL, F_MAX
};
#define B(f)	(1u << (f))

#define NAME(s)	{ s, sizeof(s) - 1 }

static const struct ipc_str field_names[F_MAX] = {
	NAME("v"), NAME("type"), NAME("id"), NAME("task"), NAME("data"),
	NAME("code"), NAME("message"), NAME("pid"), NAME("count"),
	NAME("timeout"), NAME("pool")
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

static int
str_is(const msgpack_object *o, struct ipc_str s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == s.len &&
	    memcmp(o->via.str.ptr, s.p, s.len) == 0;
}

static int
field_index(const msgpack_object *key)
{
	int	 i;

	for (i = 0; i < F_MAX; i++)
		if (str_is(key, field_names[i]))
			return i;
	return -1;
}

/* Unpack exactly one value filling the whole frame body. */
static enum ipc_err
unpack_one(const uint8_t *p, size_t n, msgpack_zone *z, msgpack_object *o,
    const char **why)
{
	size_t	 off = 0;

	msgpack_zone_clear(z);
	switch (msgpack_unpack((const char *)p, n, &off, z, o)) {
	case MSGPACK_UNPACK_SUCCESS:
		return IPC_E_NONE;
	case MSGPACK_UNPACK_EXTRA_BYTES:
		*why = "bytes left over after the MessagePack value";
		return IPC_E_BAD_MESSAGE;
	case MSGPACK_UNPACK_CONTINUE:
		*why = "truncated MessagePack value";
		return IPC_E_BAD_MESSAGE;
	case MSGPACK_UNPACK_NOMEM_ERROR:
		*why = "MessagePack value too large to decode";
		return IPC_E_BAD_MESSAGE;
	default:
		*why = "not valid MessagePack";
		return IPC_E_BAD_MESSAGE;
	}
}

/*
 * Sort the map's entries into vals[] by envelope key.  A bad key does not
 * stop the scan, so the id is still found for the error reply.
 */
static enum ipc_err
collect(const msgpack_object *o, const msgpack_object **vals, const char **why)
{
	enum ipc_err	 e = IPC_E_NONE;
	uint32_t	 i;
	int		 f;

	if (o->type != MSGPACK_OBJECT_MAP) {
		*why = "a message must be a map";
		return IPC_E_BAD_MESSAGE;
	}
	for (i = 0; i < o->via.map.size; i++) {
		const msgpack_object_kv *kv = &o->via.map.ptr[i];

		if (kv->key.type != MSGPACK_OBJECT_STR) {
			*why = "map keys must be strings";
			e = IPC_E_BAD_MESSAGE;
		} else if ((f = field_index(&kv->key)) == -1)
			continue;	/* unknown keys are ignored */
		else if (vals[f] != NULL) {
			*why = "duplicate key";
			e = IPC_E_BAD_MESSAGE;
		} else
			vals[f] = &kv->val;
	}
	return e;
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
	if (vals[F_DATA])
		m->data = *vals[F_DATA];
	return IPC_E_NONE;
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
 */
enum ipc_err
proto_decode(const uint8_t *p, size_t n, unsigned dirs, msgpack_zone *z,
    struct ipc_msg *m, const char **why)
{
	const msgpack_object *vals[F_MAX] = { NULL };
	const char	*ignored;
	enum ipc_err	 e;
	unsigned	 need = 0;

	memset(m, 0, sizeof(*m));
	m->data.type = MSGPACK_OBJECT_NIL;
	*why = "";

	if ((e = unpack_one(p, n, z, &m->body, why)) != IPC_E_NONE)
		return e;
	/* the id first, so that any error reply can name the request */
	if ((e = collect(&m->body, vals, why)) == IPC_E_NONE)
		e = check_id(vals[F_ID], m, why);
	else
		(void)check_id(vals[F_ID], m, &ignored);
	if (e != IPC_E_NONE ||
	    (e = check_version(vals[F_V], why)) != IPC_E_NONE ||
	    (e = find_type(vals[F_TYPE], dirs, m, &need, why)) != IPC_E_NONE ||
	    (e = check_fields(vals, m, why)) != IPC_E_NONE ||
	    (e = check_need(vals, m, need, why)) != IPC_E_NONE)
		return e;
	return IPC_E_NONE;
}
