/*
 * Node.js's child_process channel (protocol = node): each message is one
 * JSON.stringify value and a newline, both ways, as between fork() and an
 * unmodified process.on('message') worker.  The master turns its TASK
 * frames into TASK lines and reads RESULT and ERROR lines, with or without
 * an id, into the messages the rest of it knows.  Values cross between
 * MessagePack and JSON by the rules of doc/PROTOCOL.md 6.8; one that
 * cannot cross is bad_data, never a changed value.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "frame.h"
#include "ipcd.h"

#define NODE_DEPTH	31		/* as deep as a MessagePack message allows */
#define NODE_SAFE_INT	9007199254740991.0	/* 2^53 - 1 */
#define NODE_FLAGS	(JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL | \
			    JSON_REJECT_DUPLICATES)

static json_t	*to_json(const msgpack_object *, int, const char **);

static int
str_eq(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	    memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

/* {"type": "Buffer", "data": [...]}: how binary travels; it would come back so. */
static int
buffer_shaped(const msgpack_object *o)
{
	const msgpack_object_kv *kv = o->via.map.ptr;

	if (o->via.map.size != 2)
		return 0;
	return (str_eq(&kv[0].key, "type") && str_eq(&kv[0].val, "Buffer") &&
	    str_eq(&kv[1].key, "data")) || (str_eq(&kv[1].key, "type") &&
	    str_eq(&kv[1].val, "Buffer") && str_eq(&kv[0].key, "data"));
}

/* Binary as Node's Buffer.toJSON() writes it. */
static json_t *
buffer_json(const char *p, uint32_t n)
{
	json_t		*a = json_array(), *o = json_object();
	uint32_t	 i;

	if (a == NULL || o == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		if (json_array_append_new(a, json_integer((uint8_t)p[i])) == -1)
			goto fail;
	if (json_object_set_new(o, "type", json_string("Buffer")) == -1 ||
	    json_object_set_new(o, "data", a) == -1) {
		json_decref(o);
		return NULL;
	}
	return o;
fail:
	json_decref(a);
	json_decref(o);
	return NULL;
}

static json_t *
map_json(const msgpack_object *o, int depth, const char **why)
{
	json_t		*j, *v;
	char		*key;
	const msgpack_object_kv *kv;
	uint32_t	 i;
	int		 r;

	if (buffer_shaped(o)) {
		*why = "a map {\"type\": \"Buffer\", \"data\": ...} is how binary "
		    "travels to a node worker: send binary instead";
		return NULL;
	}
	if ((j = json_object()) == NULL)
		return NULL;
	for (i = 0; i < o->via.map.size; i++) {
		kv = &o->via.map.ptr[i];
		if (kv->key.type != MSGPACK_OBJECT_STR) {
			*why = "a map key that is not a string cannot be "
			    "carried to a node worker";
			break;
		}
		if (memchr(kv->key.via.str.ptr, '\0', kv->key.via.str.size)) {
			*why = "a map key with a NUL byte cannot be carried to "
			    "a node worker";
			break;
		}
		if ((v = to_json(&kv->val, depth + 1, why)) == NULL)
			break;
		if ((key = strndup(kv->key.via.str.ptr,
		    kv->key.via.str.size)) == NULL) {
			json_decref(v);
			break;
		}
		r = json_object_get(j, key) != NULL ? 1 :
		    json_object_set_new(j, key, v) == -1 ? 2 : 0;
		free(key);
		if (r == 1)
			json_decref(v);
		if (r != 0) {
			*why = r == 1 ? "a map with a key given twice cannot be "
			    "carried" : "a map key that is not valid UTF-8 "
			    "cannot be carried to a node worker";
			break;
		}
	}
	if (i == o->via.map.size)
		return j;
	json_decref(j);
	return NULL;
}

static json_t *
array_json(const msgpack_object *o, int depth, const char **why)
{
	json_t		*j = json_array(), *v;
	uint32_t	 i;

	for (i = 0; j != NULL && i < o->via.array.size; i++)
		if ((v = to_json(&o->via.array.ptr[i], depth + 1, why)) ==
		    NULL || json_array_append_new(j, v) == -1) {
			json_decref(j);
			return NULL;
		}
	return j;
}

static json_t *
int_json(double v, int64_t i, const char **why)
{
	if (fabs(v) > NODE_SAFE_INT) {
		*why = "an integer beyond 2^53 cannot be carried exactly to a "
		    "node worker";
		return NULL;
	}
	return json_integer(i);
}

/* A MessagePack value as JSON, or NULL with why set. */
static json_t *
to_json(const msgpack_object *o, int depth, const char **why)
{
	json_t	*j;

	if (depth > NODE_DEPTH) {
		*why = "a value nested deeper than 31 levels";
		return NULL;
	}
	switch (o->type) {
	case MSGPACK_OBJECT_NIL:
		return json_null();
	case MSGPACK_OBJECT_BOOLEAN:
		return json_boolean(o->via.boolean);
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		return int_json((double)o->via.u64, (int64_t)o->via.u64, why);
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		return int_json((double)o->via.i64, o->via.i64, why);
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		if (!isfinite(o->via.f64)) {
			*why = "NaN and infinities cannot be carried in JSON";
			return NULL;
		}
		return json_real(o->via.f64);
	case MSGPACK_OBJECT_STR:
		if ((j = json_stringn(o->via.str.ptr, o->via.str.size)) == NULL)
			*why = "a string that is not valid UTF-8 cannot be "
			    "carried to a node worker";
		return j;
	case MSGPACK_OBJECT_BIN:
		return buffer_json(o->via.bin.ptr, o->via.bin.size);
	case MSGPACK_OBJECT_ARRAY:
		return array_json(o, depth, why);
	case MSGPACK_OBJECT_MAP:
		return map_json(o, depth, why);
	default:
		*why = "an extension value cannot be carried to a node worker";
		return NULL;
	}
}

/* jansson's output, appended to a buffer in one pass. */
static int
dump_to_buf(const char *p, size_t n, void *arg)
{
	return buf_append(arg, p, n);
}

/* Append j's JSON text (any value) to out; -1 if memory ran out. */
static int
put_json(struct buf *out, const json_t *j)
{
	return json_dump_callback(j, dump_to_buf, out,
	    JSON_COMPACT | JSON_ENCODE_ANY);
}

/*
 * Bytes of printable ASCII with no quote or backslash: as a JSON string,
 * they are their own text between quotes, as any encoder writes them and
 * any parser reads them.
 */
static int
plain(const uint8_t *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e || p[i] == '"' || p[i] == '\\')
			return 0;
	return 1;
}

/* A plain string (see plain), appended between quotes. */
static int
put_plain(struct buf *out, const char *p, size_t n)
{
	return buf_append(out, "\"", 1) == -1 || buf_append(out, p, n) == -1 ||
	    buf_append(out, "\"", 1) == -1 ? -1 : 0;
}

/* An unsigned integer's decimal digits, appended. */
static int
put_uint(struct buf *out, uint64_t v)
{
	char	 d[20];
	size_t	 i = sizeof(d);

	do
		d[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	return buf_append(out, d + i, sizeof(d) - i);
}

/*
 * Append a value as JSON: an integer or a plain string is written here
 * (most jobs carry one), anything else through jansson.  -1 (with *e and why) if it
 * cannot cross or memory ran out.
 */
static int
put_value(struct buf *out, const msgpack_object *o, enum ipc_err *e,
    const char **why)
{
	json_t	*j;
	int	 r;

	if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    o->via.u64 <= (uint64_t)NODE_SAFE_INT)
		return put_uint(out, o->via.u64);
	if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
	    o->via.i64 >= -(int64_t)NODE_SAFE_INT)
		return buf_append(out, "-", 1) == -1 ? -1 :
		    put_uint(out, (uint64_t)-o->via.i64);
	if (o->type == MSGPACK_OBJECT_STR &&
	    plain((const uint8_t *)o->via.str.ptr, o->via.str.size))
		return put_plain(out, o->via.str.ptr, o->via.str.size);
	if ((j = to_json(o, 1, why)) == NULL) {
		*e = IPC_E_BAD_DATA;
		return -1;
	}
	r = put_json(out, j);
	json_decref(j);
	return r;
}

/* The task's data, checked bytes, decoded in z and appended as JSON. */
static int
put_data(struct buf *out, struct ipc_bytes data, msgpack_zone *z,
    enum ipc_err *e, const char **why)
{
	msgpack_object	 o;

	if (proto_unpack(data, z, &o) == -1) {	/* refused, not retried */
		*e = IPC_E_BAD_DATA;
		*why = "out of memory turning the job's data into JSON";
		return -1;
	}
	return put_value(out, &o, e, why);
}

/*
 * The task's name as a JSON string; -1 if it is not UTF-8 (or no memory).
 * A plain name is written as it is, jansson writes the rest.
 */
static int
put_task_name(struct buf *out, struct ipc_str task, enum ipc_err *e,
    const char **why)
{
	json_t	*j;
	int	 r;

	if (plain((const uint8_t *)task.p, task.len))
		return put_plain(out, task.p, task.len);
	if ((j = json_stringn(task.p, task.len)) == NULL) {
		*e = IPC_E_BAD_DATA;
		*why = "a task name that is not valid UTF-8 cannot be carried "
		    "to a node worker";
		return -1;
	}
	r = put_json(out, j);
	json_decref(j);
	return r;
}

/*
 * The TASK line for a TASK frame (as proto_put_task wrote it), appended to
 * out: 0, or -1 with *e and why set (bad_data: a value JSON cannot carry;
 * too_large: past max bytes), and nothing appended.
 */
int
node_put_task(struct buf *out, const uint8_t *frame, size_t len, uint32_t max,
    msgpack_zone *z, enum ipc_err *e, const char **why)
{
	struct ipc_str	 task;
	struct ipc_bytes data;
	uint64_t	 id;
	size_t		 at = out->len;

	*e = IPC_E_INTERNAL;
	if (proto_task_parts(frame, len, &id, &task, &data) == -1) {
		*why = "a TASK frame of an unknown shape";
		return -1;
	}
	*why = "out of memory";
	msgpack_zone_clear(z);
	if (buf_append(out, "{\"type\":\"TASK\",\"id\":", 20) == -1 ||
	    put_uint(out, id) == -1 ||
	    buf_append(out, ",\"task\":", 8) == -1 ||
	    put_task_name(out, task, e, why) == -1 ||
	    buf_append(out, ",\"data\":", 8) == -1 ||
	    put_data(out, data, z, e, why) == -1 ||
	    buf_append(out, "}\n", 2) == -1) {
		out->len = at;
		return -1;
	}
	if (out->len - at > max) {
		out->len = at;
		*e = IPC_E_TOO_LARGE;
		*why = "the job's TASK line is larger than max_message";
		return -1;
	}
	return 0;
}

static int	pack_json(msgpack_packer *, const json_t *, int, const char **);

/* {"type": "Buffer", "data": [bytes]}, as Node writes a Buffer: binary. */
static int
pack_buffer(msgpack_packer *pk, const json_t *j)
{
	json_t		*data = json_object_get(j, "data"), *v;
	const char	*type = json_string_value(json_object_get(j, "type"));
	char		*bytes;
	size_t		 i, n;
	double		 b;

	if (json_object_size(j) != 2 || type == NULL ||
	    strcmp(type, "Buffer") != 0 || !json_is_array(data))
		return 0;
	n = json_array_size(data);
	json_array_foreach(data, i, v) {
		b = json_number_value(v);
		if (!json_is_number(v) || b < 0 || b > 255 || b != floor(b))
			return 0;
	}
	if ((bytes = malloc(n ? n : 1)) == NULL)
		return -1;
	json_array_foreach(data, i, v)
		bytes[i] = (char)(int)json_number_value(v);
	msgpack_pack_bin(pk, n);
	msgpack_pack_bin_body(pk, bytes, n);
	free(bytes);
	return 1;
}

/* A JSON number: an integer when it has no fraction and is within 2^53. */
static void
pack_number(msgpack_packer *pk, double v)
{
	if (v == floor(v) && fabs(v) <= NODE_SAFE_INT) {
		if (v >= 0)
			msgpack_pack_uint64(pk, (uint64_t)v);
		else
			msgpack_pack_int64(pk, (int64_t)v);
	} else
		msgpack_pack_double(pk, v);
}

static int
pack_json(msgpack_packer *pk, const json_t *j, int depth, const char **why)
{
	const char	*key;
	json_t		*v;
	size_t		 i;
	int		 r;

	if (depth > NODE_DEPTH) {
		*why = "the worker's value is nested deeper than 31 levels";
		return -1;
	}
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if ((r = pack_buffer(pk, j)) != 0)
			return r == 1 ? 0 : -1;
		msgpack_pack_map(pk, json_object_size(j));
		json_object_foreach((json_t *)j, key, v) {
			msgpack_pack_str_with_body(pk, key, strlen(key));
			if (pack_json(pk, v, depth + 1, why) == -1)
				return -1;
		}
		return 0;
	case JSON_ARRAY:
		msgpack_pack_array(pk, json_array_size(j));
		json_array_foreach(j, i, v)
			if (pack_json(pk, v, depth + 1, why) == -1)
				return -1;
		return 0;
	case JSON_STRING:
		return msgpack_pack_str_with_body(pk, json_string_value(j),
		    json_string_length(j));
	case JSON_INTEGER:
	case JSON_REAL:
		pack_number(pk, json_number_value(j));
		return 0;
	case JSON_TRUE:
		return msgpack_pack_true(pk);
	case JSON_FALSE:
		return msgpack_pack_false(pk);
	case JSON_NULL:
		return msgpack_pack_nil(pk);
	}
	return -1;
}

/* A copy of s in z, as a protocol string cut to max bytes. */
static struct ipc_str
zone_str(msgpack_zone *z, const char *s, size_t n, size_t max)
{
	struct ipc_str	 r = { "", 0 };
	char		*p;

	if (n > max)
		n = max;
	if (s == NULL || (p = msgpack_zone_malloc(z, n + 1)) == NULL)
		return r;
	memcpy(p, s, n);
	p[n] = '\0';
	r.p = p;
	r.len = (uint32_t)n;
	return r;
}

/* A JSON integer literal of at most 15 digits (so within 2^53), or -1. */
static int
int_literal(const uint8_t *p, size_t n, int64_t *v)
{
	size_t	 i;
	int64_t	 x = 0;

	if (n == 0)
		return -1;
	i = p[0] == '-';
	if (n == i || n - i > 15 || (p[i] == '0' && n - i > 1))
		return -1;	/* JSON has no leading zeros */
	for (; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		x = x * 10 + (p[i] - '0');
	}
	*v = p[0] == '-' ? -x : x;
	return 0;
}

/* A worker's value: parsed by jansson, or read from the line at once. */
struct value {
	enum { V_JSON, V_INT, V_STR }	 kind;
	const json_t	*json;		/* V_JSON; NULL: none */
	int64_t		 i;		/* V_INT */
	const uint8_t	*s;		/* V_STR: a plain string's bytes */
	size_t		 n;
};

static int
pack_value(msgpack_packer *pk, const struct value *v, const char **why)
{
	if (v->kind == V_INT) {
		pack_number(pk, (double)v->i);
		return 0;
	}
	if (v->kind == V_STR)
		return msgpack_pack_str_with_body(pk, v->s, v->n);
	return pack_json(pk, v->json, 1, why);
}

/*
 * The worker's "data" as MessagePack bytes in z, for m->data; -1 with why.
 * It is packed into a buffer kept from one result to the next.
 */
static int
result_data(const struct value *v, msgpack_zone *z, struct ipc_msg *m,
    const char **why)
{
	static struct buf b;
	msgpack_packer	 pk;
	uint8_t		*copy;
	int		 r = -1;

	m->data.len = 0;
	if (v->kind == V_JSON && v->json == NULL)
		return 0;
	*why = "out of memory for the worker's value";
	b.off = b.len = 0;
	msgpack_packer_init(&pk, &b, buf_msgpack_write);
	if (pack_value(&pk, v, why) == 0 && buf_avail(&b) > 0) {
		if ((copy = msgpack_zone_malloc(z, buf_avail(&b))) != NULL) {
			memcpy(copy, buf_head(&b), buf_avail(&b));
			m->data.p = copy;
			m->data.len = buf_avail(&b);
			r = 0;
		}
	}
	b.off = b.len = 0;
	buf_trim(&b, 256 * 1024);
	return r;
}

/* The id a worker echoed: an integer below 2^53; -1 if it is not one. */
static int
line_id(const json_t *id, struct ipc_msg *m)
{
	double	 v;

	if (id == NULL)
		return 0;
	v = json_number_value(id);
	if (!json_is_number(id) || v < 0 || v > NODE_SAFE_INT || v != floor(v))
		return -1;
	m->has_id = 1;
	m->id = (uint64_t)v;
	return 0;
}

/* A RESULT of this data; one that cannot cross: the job's bad_data. */
static enum framing_result
result_msg(const struct value *v, msgpack_zone *z, struct ipc_msg *m,
    const char **why)
{
	m->type = IPC_T_RESULT;
	if (result_data(v, z, m, why) == 0)
		return FRAMING_MSG;
	m->type = IPC_T_ERROR;
	m->code = proto_str(proto_err_name(IPC_E_BAD_DATA));
	m->message = zone_str(z, *why, strlen(*why), IPC_TEXT_MAX);
	return FRAMING_MSG;
}

/*
 * A RESULT line as JSON.stringify writes {type: 'RESULT', data} or
 * {type: 'RESULT', id, data}: 1 and *r if it is one, with data a JSON value
 * of its own (the line is then exactly that object): an integer literal or
 * a plain string read at once, else parsed alone.  Otherwise, or if the
 * value cannot cross (the whole line may be refused for another reason
 * first: jansson's depth counts the object too), 0, and line_msg reads the
 * whole line.
 */
static int
known_line(const uint8_t *p, size_t len, msgpack_zone *z, struct ipc_msg *m,
    const char **why, enum framing_result *r)
{
	static const char head[] = "{\"type\":\"RESULT\",";
	const uint8_t	*v, *end = p + len, *q;
	struct value	 val = { V_JSON, NULL, 0, NULL, 0 };
	json_t		*j = NULL;
	int64_t		 id;
	size_t		 n;
	int		 ok;

	if (len < sizeof(head) - 1 + 9 || memcmp(p, head, sizeof(head) - 1) ||
	    end[-1] != '}')
		return 0;
	v = p + sizeof(head) - 1;
	if (memcmp(v, "\"id\":", 5) == 0) {
		for (q = v + 5; q < end && *q >= '0' && *q <= '9'; q++)
			;
		if (int_literal(v + 5, (size_t)(q - v - 5), &id) == -1 ||
		    q == end || *q != ',')
			return 0;
		m->has_id = 1;
		m->id = (uint64_t)id;
		v = q + 1;
	}
	if ((size_t)(end - v) < 8 || memcmp(v, "\"data\":", 7) != 0)
		return 0;
	v += 7;
	n = (size_t)(end - 1 - v);
	msgpack_zone_clear(z);
	if (int_literal(v, n, &val.i) == 0)
		val.kind = V_INT;
	else if (n >= 2 && v[0] == '"' && v[n - 1] == '"' &&
	    plain(v + 1, n - 2)) {
		val.kind = V_STR;
		val.s = v + 1;
		val.n = n - 2;
	} else if ((j = json_loadb((const char *)v, n, NODE_FLAGS,
	    NULL)) == NULL)
		return 0;
	val.json = j;
	m->type = IPC_T_RESULT;
	ok = result_data(&val, z, m, why) == 0;
	json_decref(j);
	*r = FRAMING_MSG;
	return ok;
}

/* A RESULT or ERROR object as a message; a value that cannot cross: bad_data. */
static enum framing_result
line_msg(const json_t *j, msgpack_zone *z, struct ipc_msg *m, enum ipc_err *e,
    const char **why)
{
	const char	*type = json_string_value(json_object_get(j, "type"));
	json_t		*code = json_object_get(j, "code");
	json_t		*text = json_object_get(j, "message");
	struct value	 v = { V_JSON, NULL, 0, NULL, 0 };

	*e = IPC_E_BAD_MESSAGE;
	if (type == NULL || (strcmp(type, "RESULT") != 0 &&
	    strcmp(type, "ERROR") != 0)) {
		*why = "a message that is not a RESULT or an ERROR is ignored";
		return FRAMING_BAD;
	}
	if (line_id(json_object_get(j, "id"), m) == -1) {
		*why = "'id' must be an integer of 0 to 2^53";
		return FRAMING_BAD;
	}
	m->type = strcmp(type, "RESULT") == 0 ? IPC_T_RESULT : IPC_T_ERROR;
	m->data.len = 0;
	if (m->type == IPC_T_RESULT) {
		v.json = json_object_get(j, "data");
		return result_msg(&v, z, m, why);
	}
	m->code = json_is_string(code) && json_string_length(code) > 0 ?
	    zone_str(z, json_string_value(code), json_string_length(code),
	    IPC_CODE_MAX) : proto_str("error");
	m->message = json_is_string(text) ? zone_str(z, json_string_value(text),
	    json_string_length(text), IPC_TEXT_MAX) : proto_str("");
	return FRAMING_MSG;
}

/* One JSON line from a node worker; bytes that are not JSON end the channel. */
static enum framing_result
node_next(const uint8_t *p, size_t n, uint32_t max, unsigned dirs,
    msgpack_zone *z, struct ipc_msg *m, size_t *used, enum ipc_err *e,
    const char **why)
{
	static char	 text[JSON_ERROR_TEXT_LENGTH + 32];
	const uint8_t	*nl = memchr(p, '\n', n < max ? n : max);
	json_error_t	 err;
	enum framing_result r;
	json_t		*j;
	size_t		 len;

	(void)dirs;
	if (nl == NULL && n < max)
		return FRAMING_MORE;
	if (nl == NULL) {
		*e = IPC_E_TOO_LARGE;
		*why = "a line longer than max_message";
		return FRAMING_FATAL;
	}
	*used = (size_t)(nl - p) + 1;
	len = (size_t)(nl - p) - (nl > p && nl[-1] == '\r');
	memset(m, 0, sizeof(*m));
	if (known_line(p, len, z, m, why, &r))
		return r;
	memset(m, 0, sizeof(*m));
	if ((j = json_loadb((const char *)p, len, NODE_FLAGS, &err)) == NULL) {
		snprintf(text, sizeof(text), "not JSON: %s", err.text);
		*e = IPC_E_BAD_MESSAGE;
		*why = text;
		return FRAMING_FATAL;
	}
	msgpack_zone_clear(z);
	if (json_is_object(j))
		r = line_msg(j, z, m, e, why);
	else {
		*e = IPC_E_BAD_MESSAGE;
		*why = "a message that is not an object is ignored";
		r = FRAMING_BAD;
	}
	json_decref(j);
	return r;
}

const struct framing framing_node = { node_next };
