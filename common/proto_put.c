/*
 * Encoding: each proto_put_* appends one whole frame to a buffer, or nothing
 * and -1 when it would not fit in the maximum message size or memory ran out.
 * The envelopes of every job (SUBMIT, TASK, RESULT) are written from
 * constant bytes, and read back by that layout (proto_decode_known), as
 * the checks of proto_decode would read them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "mpscan.h"
#include "proto.h"

#define KEY(pk, lit)	proto_pack_str((pk), (lit), sizeof(lit) - 1)

static int
out_write(void *data, const char *p, size_t n)
{
	struct proto_out *o = data;

	if (buf_append(o->b, p, n) == -1) {
		o->err = 1;
		return -1;
	}
	return 0;
}

void
proto_pack_str(msgpack_packer *pk, const char *s, size_t n)
{
	msgpack_pack_str(pk, n);
	msgpack_pack_str_body(pk, s, n);
}

/* Start a frame holding a map of the envelope plus nextra more entries. */
void
proto_begin(struct proto_out *o, struct buf *b, enum ipc_type t, int has_id,
    uint64_t id, size_t nextra)
{
	struct ipc_str	 name = proto_type_str(t);

	o->b = b;
	o->err = 0;
	o->start = frame_begin(b);
	if (o->start == (size_t)-1)
		o->err = 1;
	msgpack_packer_init(&o->pk, o, out_write);
	msgpack_pack_map(&o->pk, 3 + nextra);
	KEY(&o->pk, "v");
	msgpack_pack_uint8(&o->pk, IPC_VERSION);
	KEY(&o->pk, "type");
	proto_pack_str(&o->pk, name.p, name.len);
	KEY(&o->pk, "id");
	if (t == IPC_T_TASK)
		msgpack_pack_fix_uint64(&o->pk, id);	/* see proto_task_set_id */
	else if (has_id)
		msgpack_pack_uint64(&o->pk, id);
	else
		msgpack_pack_nil(&o->pk);
}

int
proto_end(struct proto_out *o, uint32_t max)
{
	if (o->err) {
		frame_abort(o->b, o->start);
		return -1;
	}
	return frame_end(o->b, o->start, max);
}

/* The "pool" entry, if pool names one. */
static void
put_pool(struct proto_out *o, struct ipc_str pool)
{
	if (pool.len == 0)
		return;
	KEY(&o->pk, "pool");
	proto_pack_str(&o->pk, pool.p, pool.len);
}

/*
 * SUBMIT, TASK and RESULT, the frames of every job, are written directly:
 * their envelope is always the same keys in the same order, so its bytes
 * are constants around the id, the names and the data's bytes as they
 * came.  The result is byte for byte what proto_begin's packer writes
 * (tests/unit/test_proto.c checks it).
 */
static const uint8_t task_head[] = {
	0x85, 0xa1, 'v', 0x01, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'T', 'A', 'S', 'K',
	0xa2, 'i', 'd'
};
static const uint8_t result_head[] = {
	0x84, 0xa1, 'v', 0x01, 0xa4, 't', 'y', 'p', 'e', 0xa6, 'R', 'E', 'S',
	'U', 'L', 'T', 0xa2, 'i', 'd'
};
static const uint8_t task_key[] = { 0xa4, 't', 'a', 's', 'k' };
static const uint8_t data_key[] = { 0xa4, 'd', 'a', 't', 'a' };

/* Room for a frame of n body bytes at b's end, its header written. */
static uint8_t *
frame_room(struct buf *b, uint32_t max, size_t n)
{
	uint8_t	*p;

	if (n == 0 || n > max || buf_reserve(b, FRAME_HDR + n) == -1)
		return NULL;
	p = b->data + b->len;
	p[0] = n >> 24;
	p[1] = n >> 16;
	p[2] = n >> 8;
	p[3] = n;
	b->len += FRAME_HDR + n;
	return p + FRAME_HDR;
}

static uint8_t *
put_bytes(uint8_t *p, const void *src, size_t n)
{
	memcpy(p, src, n);
	return p + n;
}

/* An unsigned integer in its shortest MessagePack form, as msgpack-c packs. */
static size_t
uint_size(uint64_t v)
{
	return v < 128 ? 1 : v <= UINT8_MAX ? 2 : v <= UINT16_MAX ? 3 :
	    v <= UINT32_MAX ? 5 : 9;
}

static uint8_t *
put_uint(uint8_t *p, uint64_t v, size_t n)
{
	static const uint8_t tags[] = { 0, 0, 0xcc, 0xcd, 0, 0xce, 0, 0, 0,
	    0xcf };
	size_t	 i;

	if (n == 1) {
		*p = (uint8_t)v;
		return p + 1;
	}
	*p = tags[n];
	for (i = n - 1; i >= 1; i--, v >>= 8)
		p[i] = v & 0xff;
	return p + n;
}

/* The "data" entry: its bytes as they are, or nil if there are none. */
static uint8_t *
put_data_raw(uint8_t *p, struct ipc_bytes data)
{
	p = put_bytes(p, data_key, sizeof(data_key));
	if (data.len == 0) {
		*p = 0xc0;
		return p + 1;
	}
	return put_bytes(p, data.p, data.len);
}

/* A string's head (fixstr, str 8, 16, 32), as msgpack-c packs it. */
static size_t
str_size(uint32_t n)
{
	return n < 32 ? 1 : n <= UINT8_MAX ? 2 : n <= UINT16_MAX ? 3 : 5;
}

static uint8_t *
put_str(uint8_t *p, struct ipc_str s)
{
	static const uint8_t tags[] = { 0, 0, 0xd9, 0xda, 0, 0xdb };
	size_t	 n = str_size(s.len), i;
	uint32_t v = s.len;

	if (n == 1)
		*p = 0xa0 | s.len;
	else {
		*p = tags[n];
		for (i = n - 1; i >= 1; i--, v >>= 8)
			p[i] = v & 0xff;
	}
	return put_bytes(p + n, s.p, s.len);
}

int
proto_put_task(struct buf *b, uint32_t max, uint64_t id, struct ipc_str task,
    struct ipc_bytes data)
{
	size_t	 n;
	uint8_t	*p;

	if (data.len > max)
		return -1;
	n = sizeof(task_head) + 9 + sizeof(task_key) + str_size(task.len) +
	    task.len + sizeof(data_key) + (data.len ? data.len : 1);
	if ((p = frame_room(b, max, n)) == NULL)
		return -1;
	p = put_bytes(p, task_head, sizeof(task_head));
	p = put_uint(p, id, 9);		/* always 9 bytes: proto_task_set_id */
	p = put_bytes(p, task_key, sizeof(task_key));
	p = put_str(p, task);
	put_data_raw(p, data);
	return 0;
}

/* SUBMIT, the client's every job, written the same way. */
static const uint8_t submit_head[] = {
	0xa1, 'v', 0x01, 0xa4, 't', 'y', 'p', 'e', 0xa6, 'S', 'U', 'B', 'M',
	'I', 'T', 0xa2, 'i', 'd'
};
static const uint8_t timeout_key[] = { 0xa7, 't', 'i', 'm', 'e', 'o', 'u',
	't' };
static const uint8_t pool_key[] = { 0xa4, 'p', 'o', 'o', 'l' };

int
proto_put_submit(struct buf *b, uint32_t max, uint64_t id, struct ipc_str task,
    struct ipc_str pool, const void *data, size_t datalen, int64_t timeout)
{
	struct ipc_bytes d = { data, datalen };
	size_t		 n, idn = uint_size(id);
	size_t		 tn = timeout >= 0 ? uint_size((uint64_t)timeout) : 0;
	uint8_t		*p;

	if (datalen > max)
		return -1;
	n = 1 + sizeof(submit_head) + idn +
	    (timeout >= 0 ? sizeof(timeout_key) + tn : 0) +
	    sizeof(task_key) + str_size(task.len) + task.len +
	    (pool.len > 0 ? sizeof(pool_key) + str_size(pool.len) + pool.len :
	    0) + sizeof(data_key) + (datalen ? datalen : 1);
	if ((p = frame_room(b, max, n)) == NULL)
		return -1;
	*p++ = 0x80 | (5 + (timeout >= 0) + (pool.len > 0));
	p = put_bytes(p, submit_head, sizeof(submit_head));
	p = put_uint(p, id, idn);
	if (timeout >= 0) {
		p = put_bytes(p, timeout_key, sizeof(timeout_key));
		p = put_uint(p, (uint64_t)timeout, tn);
	}
	p = put_bytes(p, task_key, sizeof(task_key));
	p = put_str(p, task);
	if (pool.len > 0) {
		p = put_bytes(p, pool_key, sizeof(pool_key));
		p = put_str(p, pool);
	}
	put_data_raw(p, d);
	return 0;
}

int
proto_put_result(struct buf *b, uint32_t max, uint64_t id,
    struct ipc_bytes data)
{
	size_t	 idn = uint_size(id), n;
	uint8_t	*p;

	if (data.len > max)
		return -1;
	n = sizeof(result_head) + idn + sizeof(data_key) +
	    (data.len ? data.len : 1);
	if ((p = frame_room(b, max, n)) == NULL)
		return -1;
	p = put_bytes(p, result_head, sizeof(result_head));
	p = put_uint(p, id, idn);
	put_data_raw(p, data);
	return 0;
}

/* Start a RESULT whose data value the caller packs with o->pk. */
int
proto_begin_result(struct proto_out *o, struct buf *b, uint64_t id)
{
	proto_begin(o, b, IPC_T_RESULT, 1, id, 1);
	KEY(&o->pk, "data");
	return o->err ? -1 : 0;
}

int
proto_put_error(struct buf *b, uint32_t max, int has_id, uint64_t id,
    struct ipc_str code, struct ipc_str message)
{
	struct proto_out o;

	if (message.len > IPC_TEXT_MAX) {
		/* cut at a character boundary, not inside a UTF-8 sequence */
		message.len = IPC_TEXT_MAX;
		while (message.len > 0 &&
		    ((uint8_t)message.p[message.len] & 0xc0) == 0x80)
			message.len--;
	}
	proto_begin(&o, b, IPC_T_ERROR, has_id, id, 2);
	KEY(&o.pk, "code");
	proto_pack_str(&o.pk, code.p, code.len);
	KEY(&o.pk, "message");
	proto_pack_str(&o.pk, message.p, message.len);
	return proto_end(&o, max);
}

int
proto_put_errorf(struct buf *b, uint32_t max, int has_id, uint64_t id,
    enum ipc_err e, const char *fmt, ...)
{
	char	 text[IPC_TEXT_MAX + 1];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	return proto_put_error(b, max, has_id, id,
	    proto_str(proto_err_name(e)), proto_str(text));
}

/* A message that is only the envelope: STATUS, PING, RELOAD, PONG, OK. */
int
proto_put_request(struct buf *b, uint32_t max, enum ipc_type t, uint64_t id)
{
	struct proto_out o;

	proto_begin(&o, b, t, 1, id, 0);
	return proto_end(&o, max);
}

/* PONG: the daemon's version and the largest frame body it accepts. */
int
proto_put_pong(struct buf *b, uint32_t max, uint64_t id, struct ipc_str version,
    uint32_t max_message)
{
	struct proto_out o;

	proto_begin(&o, b, IPC_T_PONG, 1, id, 2);
	KEY(&o.pk, "version");
	proto_pack_str(&o.pk, version.p, version.len);
	KEY(&o.pk, "max_message");
	msgpack_pack_uint32(&o.pk, max_message);
	return proto_end(&o, max);
}

/* A request that may name a pool: STATUS. */
int
proto_put_pool_request(struct buf *b, uint32_t max, enum ipc_type t,
    uint64_t id, struct ipc_str pool)
{
	struct proto_out o;

	proto_begin(&o, b, t, 1, id, pool.len > 0);
	put_pool(&o, pool);
	return proto_end(&o, max);
}

int
proto_put_scale(struct buf *b, uint32_t max, uint64_t id, uint64_t count,
    struct ipc_str pool)
{
	struct proto_out o;

	proto_begin(&o, b, IPC_T_SCALE, 1, id, 1 + (pool.len > 0));
	KEY(&o.pk, "count");
	msgpack_pack_uint64(&o.pk, count);
	put_pool(&o, pool);
	return proto_end(&o, max);
}

int
proto_put_ready(struct buf *b, uint32_t max, uint64_t pid)
{
	struct proto_out o;

	proto_begin(&o, b, IPC_T_READY, 0, 0, 1);
	KEY(&o.pk, "pid");
	msgpack_pack_uint64(&o.pk, pid);
	return proto_end(&o, max);
}

/*
 * Rewrite the id of an encoded TASK frame in place.  A TASK's id is always
 * a uint 64 (0xcf) right after the envelope's first keys, so the master can
 * encode a waiting job once and number it when a worker takes it.
 */
#define TASK_ID_OFF	(FRAME_HDR + 1 + 2 + 1 + 5 + 5 + 3)

void
proto_task_set_id(uint8_t *frame, uint64_t id)
{
	uint8_t	*p = frame + TASK_ID_OFF + 1;
	int	 i;

	for (i = 7; i >= 0; i--) {
		p[i] = id & 0xff;
		id >>= 8;
	}
}

/*
 * The parts of a TASK frame that proto_put_task wrote: its id, task name
 * and data bytes (0xc0 if it had none), read from their known places.  The
 * frame is trusted to be one it wrote (the master keeps them); -1 if its
 * head, id tag or task key are not, or it is too short for its task name.
 */
int
proto_task_parts(const uint8_t *frame, size_t len, uint64_t *id,
    struct ipc_str *task, struct ipc_bytes *data)
{
	const uint8_t	*p = frame + FRAME_HDR, *end = frame + len;
	size_t		 n, i;
	uint32_t	 tl = 0;

	if (len < TASK_ID_OFF + 9 + sizeof(task_key) + 1 + sizeof(data_key) +
	    1 || memcmp(p, task_head, sizeof(task_head)) != 0 ||
	    p[sizeof(task_head)] != 0xcf)
		return -1;
	for (*id = 0, i = 1; i <= 8; i++)
		*id = *id << 8 | p[sizeof(task_head) + i];
	p += sizeof(task_head) + 9;
	if (memcmp(p, task_key, sizeof(task_key)) != 0)
		return -1;
	p += sizeof(task_key);
	n = *p < 0xc0 ? 1 : *p == 0xd9 ? 2 : *p == 0xda ? 3 : 5;
	if (n == 1)
		tl = *p & 0x1f;
	for (i = 1; i < n; i++)
		tl = tl << 8 | p[i];
	p += n;
	if ((size_t)(end - p) < (size_t)tl + sizeof(data_key) + 1)
		return -1;
	task->p = (const char *)p;
	task->len = tl;
	p += tl + sizeof(data_key);
	data->p = p;
	data->len = (size_t)(end - p);
	return 0;
}

/* Reading back.  Each returns what follows, or NULL if p does not start so. */

static const uint8_t *
known_bytes(const uint8_t *p, const uint8_t *end, const uint8_t *want,
    size_t n)
{
	return (size_t)(end - p) >= n && memcmp(p, want, n) == 0 ? p + n : NULL;
}

static const uint8_t *
known_uint(const uint8_t *p, const uint8_t *end, uint64_t *v)
{
	struct mp_head	 h;

	if (p == NULL || mpscan_head(p, (size_t)(end - p), &h) != MP_OK ||
	    mpscan_uint(p, &h, v) == -1)
		return NULL;
	return p + h.size;
}

/* A string of min to max bytes, into s. */
static const uint8_t *
known_str(const uint8_t *p, const uint8_t *end, uint32_t min, uint32_t max,
    struct ipc_str *s)
{
	struct mp_head	 h;

	if (p == NULL || mpscan_head(p, (size_t)(end - p), &h) != MP_OK ||
	    h.kind != MP_STR || h.n < min || h.n > max ||
	    (size_t)(end - p) < h.size)
		return NULL;
	s->p = (const char *)p + h.hdr;
	s->len = h.n;
	return p + h.size;
}

/* "data" and one well-formed value that ends the body, into m. */
static int
known_data(const uint8_t *p, const uint8_t *end, struct ipc_msg *m)
{
	struct mp_head	 h;
	size_t		 len;

	if ((p = known_bytes(p, end, data_key, sizeof(data_key))) == NULL ||
	    mpscan_next(p, (size_t)(end - p), MP_DEPTH_MAX - 1, &h, &len) !=
	    MP_OK || len != (size_t)(end - p))
		return -1;
	m->data.p = p;
	m->data.len = len;
	return 0;
}

static int
known_task(const uint8_t *p, const uint8_t *end, struct ipc_msg *m)
{
	p = known_uint(known_bytes(p, end, task_head, sizeof(task_head)), end,
	    &m->id);
	p = known_str(p == NULL ? NULL : known_bytes(p, end, task_key,
	    sizeof(task_key)), end, 1, IPC_TASK_MAX, &m->task);
	m->type = IPC_T_TASK;
	return p == NULL ? -1 : known_data(p, end, m);
}

static int
known_result(const uint8_t *p, const uint8_t *end, struct ipc_msg *m)
{
	p = known_uint(known_bytes(p, end, result_head, sizeof(result_head)),
	    end, &m->id);
	m->type = IPC_T_RESULT;
	return p == NULL ? -1 : known_data(p, end, m);
}

static int
known_submit(const uint8_t *p, const uint8_t *end, struct ipc_msg *m)
{
	const uint8_t	*q;
	uint64_t	 t;
	unsigned	 pairs;

	if (p == end || (*p & 0xf0) != 0x80)
		return -1;
	pairs = *p & 0x0f;
	p = known_uint(known_bytes(p + 1, end, submit_head,
	    sizeof(submit_head)), end, &m->id);
	if (p != NULL && (q = known_bytes(p, end, timeout_key,
	    sizeof(timeout_key))) != NULL) {
		if ((p = known_uint(q, end, &t)) == NULL || t > UINT32_MAX)
			return -1;
		m->has_timeout = 1;
		m->timeout = (uint32_t)t;
	}
	p = known_str(p == NULL ? NULL : known_bytes(p, end, task_key,
	    sizeof(task_key)), end, 1, IPC_TASK_MAX, &m->task);
	if (p != NULL && (q = known_bytes(p, end, pool_key,
	    sizeof(pool_key))) != NULL)
		p = known_str(q, end, 1, IPC_POOL_MAX, &m->pool);
	m->type = IPC_T_SUBMIT;
	if (p == NULL ||
	    pairs != 5 + (unsigned)m->has_timeout + (m->pool.len > 0))
		return -1;
	return known_data(p, end, m);
}

/*
 * A SUBMIT, TASK or RESULT body laid out as proto_put_* writes it, read into
 * m (zeroed first) as proto_decode would read it: 0, or -1 if it is laid
 * out otherwise (proto_decode then reads it key by key).
 */
int
proto_decode_known(const uint8_t *p, size_t n, unsigned dirs,
    struct ipc_msg *m)
{
	static const struct {
		unsigned	 dirs;
		int		 (*read)(const uint8_t *, const uint8_t *,
				    struct ipc_msg *);
	} kinds[] = {
		{ IPC_DIR_REQUEST, known_submit },
		{ IPC_DIR_TO_WORKER, known_task },
		{ IPC_DIR_REPLY | IPC_DIR_FROM_WORKER, known_result },
	};
	size_t		 i;

	if (n < 2 || p[1] != 0xa1)
		return -1;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if ((dirs & kinds[i].dirs) == 0)
			continue;
		memset(m, 0, sizeof(*m));
		m->has_id = 1;
		m->body.p = p;
		m->body.len = n;
		if (kinds[i].read(p, p + n, m) == 0)
			return 0;
	}
	return -1;
}
