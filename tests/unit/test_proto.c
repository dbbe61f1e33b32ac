/*
 * Unit tests of common/proto.c, proto_put.c and proto_status.c: every
 * message through its encoder and proto_decode, directions, and the decoder's
 * validation of broken messages (built with msgpack_packer, so each holds
 * exactly the mistake it is about).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "buf.h"
#include "frame.h"
#include "proto.h"

#define MAX	IPC_MAX_MESSAGE_DEFAULT
#define ALL_DIRS	(IPC_DIR_REQUEST | IPC_DIR_REPLY | IPC_DIR_TO_WORKER | \
			    IPC_DIR_FROM_WORKER)

/* A huge declared array makes msgpack-c try a huge allocation. */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

struct fx {
	struct buf	 b;		/* frames from the encoders */
	msgpack_zone	 z;		/* proto_decode's zone */
	msgpack_sbuffer	 sb;		/* hand-packed messages */
	msgpack_packer	 pk;
	uint8_t		*copy;		/* the body decoded, at its exact size */
	struct ipc_msg	 m;
	const char	*why;
	msgpack_sbuffer	 dsb;		/* the sample data value */
	msgpack_zone	 dz;
	msgpack_object	 data;
	msgpack_object	 obj;		/* a decoded message's data, unpacked */
};

/* The sample payload: {"x": 1, "y": [true, nil, "s", -3, 1.5]}. */
static void
pack_sample(msgpack_packer *pk)
{
	msgpack_pack_map(pk, 2);
	msgpack_pack_str_with_body(pk, "x", 1);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_str_with_body(pk, "y", 1);
	msgpack_pack_array(pk, 5);
	msgpack_pack_true(pk);
	msgpack_pack_nil(pk);
	msgpack_pack_str_with_body(pk, "s", 1);
	msgpack_pack_int(pk, -3);
	msgpack_pack_double(pk, 1.5);
}

static int
setup(void **state)
{
	struct fx	*f;
	msgpack_packer	 pk;
	size_t		 off = 0;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	msgpack_zone_init(&f->z, 4096);
	msgpack_zone_init(&f->dz, 4096);
	msgpack_sbuffer_init(&f->sb);
	msgpack_sbuffer_init(&f->dsb);
	msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
	msgpack_packer_init(&pk, &f->dsb, msgpack_sbuffer_write);
	pack_sample(&pk);
	if (msgpack_unpack(f->dsb.data, f->dsb.size, &off, &f->dz,
	    &f->data) != MSGPACK_UNPACK_SUCCESS)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	buf_free(&f->b);
	msgpack_zone_destroy(&f->z);
	msgpack_zone_destroy(&f->dz);
	msgpack_sbuffer_destroy(&f->sb);
	msgpack_sbuffer_destroy(&f->dsb);
	free(f->copy);
	free(f);
	return 0;
}

/* Decode n bytes from a copy of exactly that size, so overreads show. */
static enum ipc_err
decode_bytes(struct fx *f, const void *p, size_t n, unsigned dirs)
{
	free(f->copy);
	f->copy = malloc(n ? n : 1);
	assert_non_null(f->copy);
	if (n > 0)
		memcpy(f->copy, p, n);
	f->why = NULL;
	return proto_decode(f->copy, n, dirs, &f->z, &f->m, &f->why);
}

/* Decode the message hand-packed into f->sb. */
static enum ipc_err
decode_sb(struct fx *f, unsigned dirs)
{
	enum ipc_err	 e;

	e = decode_bytes(f, f->sb.data, f->sb.size, dirs);
	assert_non_null(f->why);
	if (e != IPC_E_NONE)
		assert_true(f->why[0] != '\0');
	return e;
}

/* Decode the one frame in f->b, checking its header first. */
static enum ipc_err
decode_frame(struct fx *f, unsigned dirs)
{
	uint32_t len = 0;

	assert_int_equal(frame_parse(buf_head(&f->b), buf_avail(&f->b),
	    UINT32_MAX, &len), FRAME_OK);
	assert_int_equal(buf_avail(&f->b), FRAME_HDR + len);
	return decode_bytes(f, buf_head(&f->b) + FRAME_HDR, len, dirs);
}

static void
assert_str(struct ipc_str s, const char *want)
{
	assert_non_null(s.p);
	assert_int_equal(s.len, strlen(want));
	assert_memory_equal(s.p, want, s.len);
}

/* The decoded message's data, unpacked in f->z. */
static const msgpack_object *
data_of(struct fx *f)
{
	assert_int_equal(proto_unpack(f->m.data, &f->z, &f->obj), 0);
	return &f->obj;
}

/* The sample data value's bytes, as a message carries them. */
static struct ipc_bytes
sample_bytes(const struct fx *f)
{
	struct ipc_bytes b = { (const uint8_t *)f->dsb.data, f->dsb.size };

	return b;
}

static void
assert_is_sample(struct fx *f, const msgpack_object *o)
{
	assert_true(msgpack_object_equal(*o, f->data));
}

static void
pk_str(msgpack_packer *pk, const char *s)
{
	msgpack_pack_str_with_body(pk, s, strlen(s));
}

static void
kv_str(msgpack_packer *pk, const char *k, const char *v)
{
	pk_str(pk, k);
	pk_str(pk, v);
}

static void
kv_uint(msgpack_packer *pk, const char *k, uint64_t v)
{
	pk_str(pk, k);
	msgpack_pack_uint64(pk, v);
}

/* A map of n entries that starts with v = 1, type and id. */
static void
env(struct fx *f, uint32_t n, const char *type, uint64_t id)
{
	msgpack_pack_map(&f->pk, n);
	kv_uint(&f->pk, "v", IPC_VERSION);
	kv_str(&f->pk, "type", type);
	kv_uint(&f->pk, "id", id);
}

/* Every message an encoder makes, for tables. */
enum kind {
	K_SUBMIT, K_SUBMIT_NODATA, K_STATUS, K_PING, K_RESULT, K_BEGIN_RESULT,
	K_ERROR_ID, K_ERROR_NOID, K_ERRORF, K_STATUS_REPLY0, K_STATUS_REPLY3,
	K_PONG, K_TASK, K_READY, K_NKINDS
};

static struct ipc_worker_status sample_workers[3];
static struct ipc_status sample_status;

static void
init_status(struct ipc_status *st, uint32_t nworkers)
{
	sample_workers[0].pid = 101;
	sample_workers[0].state = proto_str("idle");
	sample_workers[0].jobs = 0;
	sample_workers[0].done = 5;
	sample_workers[0].restarts = 2;
	sample_workers[0].rss = 1310720;
	sample_workers[0].age_ms = 86400000ULL * 40;
	sample_workers[1].pid = 102;
	sample_workers[1].state = proto_str("busy");
	sample_workers[1].jobs = 3;
	sample_workers[1].done = 7;
	sample_workers[2].pid = UINT64_MAX;
	sample_workers[2].state = proto_str("starting");
	sample_workers[2].jobs = 64;
	sample_workers[2].done = 0;
	memset(st, 0, sizeof(*st));
	st->pid = 100;
	st->version = proto_str("0.1.0");
	st->uptime_ms = 123456789012ULL;
	st->queue = 4;
	st->queue_limit = 65536;
	st->done = 1000;
	st->failed = 2;
	st->timed_out = 1;
	st->retried = 9;
	st->deaths = 4;
	st->degraded = 1;
	st->clients = 3;
	st->nworkers = nworkers;
	st->workers = nworkers ? sample_workers : NULL;
}

static int
put(struct fx *f, enum kind k, uint32_t max)
{
	struct proto_out o;

	switch (k) {
	case K_SUBMIT:
		return proto_put_submit(&f->b, max, 42, proto_str("echo"),
		    proto_str(""), f->dsb.data, f->dsb.size, -1);
	case K_SUBMIT_NODATA:
		return proto_put_submit(&f->b, max, 43, proto_str("noop"), proto_str(""),
		    NULL, 0, -1);
	case K_STATUS:
		return proto_put_request(&f->b, max, IPC_T_STATUS, 7);
	case K_PING:
		return proto_put_request(&f->b, max, IPC_T_PING, 8);
	case K_RESULT:
		return proto_put_result(&f->b, max, 9, sample_bytes(f));
	case K_BEGIN_RESULT:
		if (proto_begin_result(&o, &f->b, 10) == -1)
			return -1;
		pack_sample(&o.pk);
		return proto_end(&o, max);
	case K_ERROR_ID:
		return proto_put_error(&f->b, max, 1, 5, proto_str("busy"),
		    proto_str("queue full"));
	case K_ERROR_NOID:
		return proto_put_error(&f->b, max, 0, 0,
		    proto_str("bad_message"), proto_str("a message must be "
		    "a map"));
	case K_ERRORF:
		return proto_put_errorf(&f->b, max, 1, 6, IPC_E_UNKNOWN_TASK,
		    "no task '%s' (%d)", "frob", 12);
	case K_STATUS_REPLY0:
		init_status(&sample_status, 0);
		return proto_put_status(&f->b, max, 11, &sample_status);
	case K_STATUS_REPLY3:
		init_status(&sample_status, 3);
		return proto_put_status(&f->b, max, 12, &sample_status);
	case K_PONG:
		return proto_put_pong(&f->b, max, 13, proto_str("1.2.3"),
		    65536);
	case K_TASK:
		return proto_put_task(&f->b, max, 14, proto_str("sleep"),
		    sample_bytes(f));
	case K_READY:
		return proto_put_ready(&f->b, max, 4242);
	case K_NKINDS:
		break;
	}
	fail();
	return -1;
}

/* The direction(s) each kind is meant for. */
static unsigned
kind_dirs(enum kind k)
{
	switch (k) {
	case K_SUBMIT: case K_SUBMIT_NODATA: case K_PING:
		return IPC_DIR_REQUEST;
	case K_STATUS: case K_STATUS_REPLY0: case K_STATUS_REPLY3:
		/* The request and the reply are both called STATUS. */
		return IPC_DIR_REQUEST | IPC_DIR_REPLY;
	case K_RESULT: case K_BEGIN_RESULT: case K_ERROR_ID: case K_ERRORF:
		return IPC_DIR_REPLY | IPC_DIR_FROM_WORKER;
	case K_ERROR_NOID: case K_PONG:
		return IPC_DIR_REPLY;
	case K_TASK:
		return IPC_DIR_TO_WORKER;
	case K_READY:
		return IPC_DIR_FROM_WORKER;
	case K_NKINDS:
		break;
	}
	fail();
	return 0;
}

/* The type a kind decodes as in direction dir. */
static enum ipc_type
kind_type(enum kind k, unsigned dir)
{
	switch (k) {
	case K_SUBMIT: case K_SUBMIT_NODATA:
		return IPC_T_SUBMIT;
	case K_STATUS: case K_STATUS_REPLY0: case K_STATUS_REPLY3:
		return dir == IPC_DIR_REQUEST ? IPC_T_STATUS :
		    IPC_T_STATUS_REPLY;
	case K_PING:
		return IPC_T_PING;
	case K_RESULT: case K_BEGIN_RESULT:
		return IPC_T_RESULT;
	case K_ERROR_ID: case K_ERROR_NOID: case K_ERRORF:
		return IPC_T_ERROR;
	case K_PONG:
		return IPC_T_PONG;
	case K_TASK:
		return IPC_T_TASK;
	case K_READY:
		return IPC_T_READY;
	case K_NKINDS:
		break;
	}
	fail();
	return IPC_T_NONE;
}

/* Round trips */

static void
submit_round_trip(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_SUBMIT, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_string_equal(f->why, "");
	assert_int_equal(f->m.type, IPC_T_SUBMIT);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 42);
	assert_str(f->m.task, "echo");
	assert_is_sample(f, data_of(f));
	assert_int_equal(proto_unpack(f->m.body, &f->z, &f->obj), 0);
	assert_int_equal(f->obj.type, MSGPACK_OBJECT_MAP);
	assert_int_equal(f->obj.via.map.size, 5);
}

static void
submit_without_data(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_SUBMIT_NODATA, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_SUBMIT);
	assert_int_equal(f->m.id, 43);
	assert_str(f->m.task, "noop");
	assert_int_equal(data_of(f)->type, MSGPACK_OBJECT_NIL);
}

/* "timeout": absent, 0, the largest, and refused past 32 bits or typed wrong. */
static void
submit_timeout(void **state)
{
	static const int64_t ok[] = { 0, 250, UINT32_MAX };
	struct fx	*f = *state;
	size_t		 i;

	assert_int_equal(proto_put_submit(&f->b, MAX, 1, proto_str("t"),
	    proto_str(""), NULL, 0, -1), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.has_timeout, 0);
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		f->b.off = f->b.len = 0;
		assert_int_equal(proto_put_submit(&f->b, MAX, 1,
		    proto_str("t"), proto_str(""), NULL, 0, ok[i]), 0);
		assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
		assert_int_equal(f->m.has_timeout, 1);
		assert_true(f->m.timeout == (uint32_t)ok[i]);
	}
	f->b.off = f->b.len = 0;
	assert_int_equal(proto_put_submit(&f->b, MAX, 1, proto_str("t"),
	    proto_str(""), NULL, 0, (int64_t)UINT32_MAX + 1), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_non_null(strstr(f->why, "'timeout'"));
	assert_int_equal(f->m.has_id, 1);
}

/* RELOAD, SHUTDOWN and SCALE requests, and OK replies, each one way only. */
static void
admin_round_trips(void **state)
{
	static const enum ipc_type req[] = { IPC_T_RELOAD, IPC_T_SHUTDOWN };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(req) / sizeof(req[0]); i++) {
		f->b.off = f->b.len = 0;
		assert_int_equal(proto_put_request(&f->b, MAX, req[i], 4), 0);
		assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
		assert_int_equal(f->m.type, req[i]);
		assert_int_equal(f->m.id, 4);
		assert_int_equal(decode_frame(f, IPC_DIR_REPLY),
		    IPC_E_UNKNOWN_TYPE);
	}
	f->b.off = f->b.len = 0;
	assert_int_equal(proto_put_scale(&f->b, MAX, 5, 3, proto_str("")), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_SCALE);
	assert_int_equal(f->m.count, 3);
	f->b.off = f->b.len = 0;
	assert_int_equal(proto_put_request(&f->b, MAX, IPC_T_SCALE, 5), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_string_equal(f->why, "missing key 'count'");
	f->b.off = f->b.len = 0;
	assert_int_equal(proto_put_request(&f->b, MAX, IPC_T_OK, 5), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_OK);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_UNKNOWN_TYPE);
	assert_string_equal(proto_type_name(IPC_T_SHUTDOWN), "SHUTDOWN");
}

static void
submit_big_id(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(proto_put_submit(&f->b, MAX, UINT64_MAX,
	    proto_str("t"), proto_str(""), NULL, 0, -1), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.has_id, 1);
	assert_true(f->m.id == UINT64_MAX);
}

static void
status_request_round_trip(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_STATUS, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_STATUS);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 7);
	assert_int_equal(data_of(f)->type, MSGPACK_OBJECT_NIL);
}

static void
ping_round_trip(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_PING, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_PING);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 8);
}

static void
result_to_client(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_RESULT, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_RESULT);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 9);
	assert_is_sample(f, data_of(f));
}

static void
result_from_worker(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_RESULT, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_FROM_WORKER), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_RESULT);
	assert_int_equal(f->m.id, 9);
	assert_is_sample(f, data_of(f));
}

static void
result_begin_end(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_BEGIN_RESULT, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_RESULT);
	assert_int_equal(f->m.id, 10);
	assert_is_sample(f, data_of(f));
}

static void
error_with_id(void **state)
{
	struct fx	*f = *state;
	unsigned	 dirs[] = { IPC_DIR_REPLY, IPC_DIR_FROM_WORKER };
	size_t		 i;

	assert_int_equal(put(f, K_ERROR_ID, MAX), 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(decode_frame(f, dirs[i]), IPC_E_NONE);
		assert_int_equal(f->m.type, IPC_T_ERROR);
		assert_int_equal(f->m.has_id, 1);
		assert_int_equal(f->m.id, 5);
		assert_str(f->m.code, "busy");
		assert_str(f->m.message, "queue full");
	}
}

static void
error_without_id(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_ERROR_NOID, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_ERROR);
	assert_int_equal(f->m.has_id, 0);
	assert_int_equal(f->m.id, 0);
	assert_str(f->m.code, "bad_message");
	assert_str(f->m.message, "a message must be a map");
	/* A worker must say which job failed. */
	assert_int_equal(decode_frame(f, IPC_DIR_FROM_WORKER),
	    IPC_E_BAD_MESSAGE);
}

static void
errorf_round_trip(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_ERRORF, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_ERROR);
	assert_int_equal(f->m.id, 6);
	assert_str(f->m.code, "unknown_task");
	assert_str(f->m.message, "no task 'frob' (12)");
}

static void
error_message_cut_to_max(void **state)
{
	struct fx	*f = *state;
	char		 text[2000];

	memset(text, 'm', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(proto_put_error(&f->b, MAX, 1, 1, proto_str("x"),
	    proto_str(text)), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.message.len, IPC_TEXT_MAX);
	assert_memory_equal(f->m.message.p, text, IPC_TEXT_MAX);
}

/* A cut never splits a UTF-8 sequence: "\xc3\xa9" straddling byte 1024 goes. */
static void
error_message_cut_at_utf8_boundary(void **state)
{
	struct fx	*f = *state;
	char		 text[2000];

	memset(text, 'm', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	text[IPC_TEXT_MAX - 1] = (char)0xc3;
	text[IPC_TEXT_MAX] = (char)0xa9;
	assert_int_equal(proto_put_error(&f->b, MAX, 1, 1, proto_str("x"),
	    proto_str(text)), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.message.len, IPC_TEXT_MAX - 1);
	assert_memory_equal(f->m.message.p, text, IPC_TEXT_MAX - 1);
}

static void
status_reply_check(struct fx *f, enum kind k, uint64_t id, uint32_t n)
{
	struct ipc_status st;
	uint32_t	 i;

	assert_int_equal(put(f, k, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_STATUS_REPLY);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, id);
	assert_int_equal(proto_get_status(&f->m, &f->z, &st), 0);
	assert_int_equal(st.pid, 100);
	assert_str(st.version, "0.1.0");
	assert_true(st.uptime_ms == 123456789012ULL);
	assert_int_equal(st.queue, 4);
	assert_int_equal(st.queue_limit, 65536);
	assert_int_equal(st.done, 1000);
	assert_int_equal(st.failed, 2);
	assert_int_equal(st.timed_out, 1);
	assert_int_equal(st.retried, 9);
	assert_int_equal(st.deaths, 4);
	assert_int_equal(st.degraded, 1);
	assert_int_equal(st.clients, 3);
	assert_int_equal(st.nworkers, n);
	for (i = 0; i < n; i++) {
		assert_true(st.workers[i].pid == sample_workers[i].pid);
		assert_int_equal(st.workers[i].state.len,
		    sample_workers[i].state.len);
		assert_memory_equal(st.workers[i].state.p,
		    sample_workers[i].state.p, sample_workers[i].state.len);
		assert_int_equal(st.workers[i].jobs, sample_workers[i].jobs);
		assert_int_equal(st.workers[i].done, sample_workers[i].done);
		assert_int_equal(st.workers[i].restarts,
		    sample_workers[i].restarts);
		assert_true(st.workers[i].rss == sample_workers[i].rss);
		assert_true(st.workers[i].age_ms == sample_workers[i].age_ms);
	}
}

static void
status_reply_no_workers(void **state)
{
	status_reply_check(*state, K_STATUS_REPLY0, 11, 0);
}

static void
status_reply_three_workers(void **state)
{
	status_reply_check(*state, K_STATUS_REPLY3, 12, 3);
}

static void
status_get_wrong_type(void **state)
{
	struct fx	*f = *state;
	struct ipc_status st;

	assert_int_equal(put(f, K_PONG, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(proto_get_status(&f->m, &f->z, &st), -1);
	assert_int_equal(st.nworkers, 0);
}

/* Unknown keys are skipped, missing ones read as 0, a bad workers fails. */
static void
status_get_lenient(void **state)
{
	struct fx	*f = *state;
	struct ipc_status st;

	env(f, 6, "STATUS", 1);
	kv_uint(&f->pk, "pid", 9);
	kv_str(&f->pk, "future", "x");
	pk_str(&f->pk, "queue");
	pk_str(&f->pk, "not a number");
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_STATUS_REPLY);
	assert_int_equal(proto_get_status(&f->m, &f->z, &st), 0);
	assert_int_equal(st.pid, 9);
	assert_int_equal(st.queue, 0);
	assert_int_equal(st.done, 0);
	assert_str(st.version, "?");
	assert_int_equal(st.nworkers, 0);
}

static void
status_get_bad_workers(void **state)
{
	struct fx	*f = *state;
	struct ipc_status st;

	env(f, 4, "STATUS", 1);
	kv_uint(&f->pk, "workers", 3);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(proto_get_status(&f->m, &f->z, &st), -1);
}

static void
pong_round_trip(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_PONG, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_PONG);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 13);
	assert_int_equal(f->m.version.len, 5);
	assert_memory_equal(f->m.version.p, "1.2.3", 5);
	assert_int_equal(f->m.max_message, 65536);
}

static void
task_round_trip(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_TASK, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_TO_WORKER), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_TASK);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 14);
	assert_str(f->m.task, "sleep");
	assert_is_sample(f, data_of(f));
}

static void
task_set_id(void **state)
{
	struct fx	*f = *state;
	uint8_t		 hdr[FRAME_HDR];
	size_t		 n;

	assert_int_equal(proto_put_task(&f->b, MAX, 0, proto_str("sleep"),
	    sample_bytes(f)), 0);
	n = buf_avail(&f->b);
	memcpy(hdr, buf_head(&f->b), sizeof(hdr));
	proto_task_set_id(buf_head(&f->b), 0x0123456789abcdefULL);
	assert_int_equal(buf_avail(&f->b), n);
	assert_memory_equal(buf_head(&f->b), hdr, sizeof(hdr));
	assert_int_equal(decode_frame(f, IPC_DIR_TO_WORKER), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_TASK);
	assert_int_equal(f->m.has_id, 1);
	assert_true(f->m.id == 0x0123456789abcdefULL);
	assert_str(f->m.task, "sleep");
	assert_is_sample(f, data_of(f));
	proto_task_set_id(buf_head(&f->b), 1);
	assert_int_equal(decode_frame(f, IPC_DIR_TO_WORKER), IPC_E_NONE);
	assert_int_equal(f->m.id, 1);
	assert_str(f->m.task, "sleep");
}

/* proto_task_parts reads back what proto_put_task wrote, as proto_decode does. */
static void
task_parts(void **state)
{
	struct fx	*f = *state;
	static char	 name[70000];
	static const uint32_t lens[] = { 1, 31, 32, 255, 256, 65535, 65536 };
	struct ipc_str	 task;
	struct ipc_bytes data, none = { NULL, 0 };
	uint64_t	 id;
	size_t		 i;

	memset(name, 'n', sizeof(name));
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		buf_consume(&f->b, buf_avail(&f->b));
		assert_int_equal(proto_put_task(&f->b, MAX, 0,
		    (struct ipc_str){ name, lens[i] }, i % 2 ? none :
		    sample_bytes(f)), 0);
		proto_task_set_id(buf_head(&f->b), 1000 + i);
		assert_int_equal(proto_task_parts(buf_head(&f->b),
		    buf_avail(&f->b), &id, &task, &data), 0);
		assert_true(id == 1000 + i);
		assert_int_equal(task.len, lens[i]);
		assert_memory_equal(task.p, name, task.len);
		if (i % 2)
			assert_true(data.len == 1 && data.p[0] == 0xc0);
		else {
			assert_int_equal(data.len, f->dsb.size);
			assert_memory_equal(data.p, f->dsb.data, data.len);
		}
		if (lens[i] > IPC_TASK_MAX)
			continue;
		assert_int_equal(decode_frame(f, IPC_DIR_TO_WORKER), IPC_E_NONE);
		assert_true(id == f->m.id);
		assert_int_equal(data.len, f->m.data.len);
	}
	/* a frame of another shape is refused */
	buf_consume(&f->b, buf_avail(&f->b));
	assert_int_equal(put(f, K_PING, MAX), 0);
	assert_int_equal(proto_task_parts(buf_head(&f->b), buf_avail(&f->b),
	    &id, &task, &data), -1);
	buf_consume(&f->b, buf_avail(&f->b));
	assert_int_equal(proto_put_task(&f->b, MAX, 0, proto_str("t"),
	    sample_bytes(f)), 0);
	assert_int_equal(proto_task_parts(buf_head(&f->b), FRAME_HDR + 20,
	    &id, &task, &data), -1);
}

static void
assert_same_msg(const struct ipc_msg *a, const struct ipc_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->has_id, b->has_id);
	assert_true(a->id == b->id);
	assert_int_equal(a->task.len, b->task.len);
	assert_memory_equal(a->task.p, b->task.p, a->task.len);
	assert_int_equal(a->pool.len, b->pool.len);
	if (a->pool.len)
		assert_memory_equal(a->pool.p, b->pool.p, a->pool.len);
	assert_ptr_equal(a->data.p, b->data.p);
	assert_int_equal(a->data.len, b->data.len);
	assert_int_equal(a->has_timeout, b->has_timeout);
	assert_int_equal(a->timeout, b->timeout);
	assert_ptr_equal(a->body.p, b->body.p);
	assert_int_equal(a->body.len, b->body.len);
	assert_int_equal(a->code.len, b->code.len);
	assert_int_equal(a->message.len, b->message.len);
}

/*
 * The layout-reading of jobs' envelopes (proto_decode_known) takes only what
 * the key-by-key reading takes, and reads it the same: on every envelope
 * proto_put_* writes, and on 200,000 mutations of them.
 */
static void
known_agrees(void **state)
{
	struct fx	*f = *state;
	static const unsigned dirs[] = { IPC_DIR_REQUEST, IPC_DIR_TO_WORKER,
	    IPC_DIR_REPLY, IPC_DIR_FROM_WORKER };
	struct ipc_msg	 a, b;
	struct ipc_bytes none = { NULL, 0 };
	const char	*why;
	uint8_t		 body[512];
	size_t		 n, i, d, known = 0;
	unsigned	 seed = 1, k;

	for (i = 0; i < 200000; i++) {
		buf_consume(&f->b, buf_avail(&f->b));
		k = i % 4;
		if (k == 0)
			assert_int_equal(proto_put_submit(&f->b, MAX, i * 7919,
			    proto_str(i % 3 ? "double" : "t"),
			    proto_str(i % 5 ? "" : "pool_a"), f->dsb.data,
			    i % 7 ? f->dsb.size : 0, i % 2 ? -1 :
			    (int64_t)(i * 31)), 0);
		else if (k == 1)
			assert_int_equal(proto_put_task(&f->b, MAX, i,
			    proto_str("sleep"), i % 3 ? sample_bytes(f) : none),
			    0);
		else
			assert_int_equal(proto_put_result(&f->b, MAX, i *
			    1000003ULL, i % 3 ? sample_bytes(f) : none), 0);
		n = buf_avail(&f->b) - FRAME_HDR;
		assert_true(n <= sizeof(body));
		memcpy(body, buf_head(&f->b) + FRAME_HDR, n);
		if (i >= 4) {	/* the first of each kind as written */
			seed = seed * 1103515245 + 12345;
			body[(seed >> 8) % n] = (uint8_t)(seed >> 16);
			if (seed & 0x80000000U)
				n -= (seed >> 4) % n;
		}
		for (d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
			if (proto_decode_known(body, n, dirs[d], &a) == -1) {
				assert_true(i >= 4 || (dirs[d] &
				    (k == 0 ? IPC_DIR_REQUEST : k == 1 ?
				    IPC_DIR_TO_WORKER : IPC_DIR_REPLY |
				    IPC_DIR_FROM_WORKER)) == 0);
				continue;
			}
			known++;
			assert_int_equal(proto_decode_keys(body, n, dirs[d],
			    &f->z, &b, &why), IPC_E_NONE);
			assert_same_msg(&a, &b);
		}
	}
	assert_true(known > 50000);
}

/* The frame need not be first in its buffer. */
static void
task_set_id_second_frame(void **state)
{
	struct fx	*f = *state;
	size_t		 first;

	assert_int_equal(put(f, K_PING, MAX), 0);
	first = buf_avail(&f->b);
	assert_int_equal(proto_put_task(&f->b, MAX, UINT64_MAX,
	    proto_str("t"), sample_bytes(f)), 0);
	proto_task_set_id(buf_head(&f->b) + first, 77);
	buf_consume(&f->b, first);
	assert_int_equal(decode_frame(f, IPC_DIR_TO_WORKER), IPC_E_NONE);
	assert_int_equal(f->m.id, 77);
	assert_str(f->m.task, "t");
}

static void
ready_round_trip(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_READY, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_FROM_WORKER), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_READY);
	assert_int_equal(f->m.has_id, 0);
	assert_int_equal(f->m.pid, 4242);
}

/* Each message decodes in its directions only, and as unknown elsewhere. */
static void
directions(void **state)
{
	static const unsigned dirs[] = { IPC_DIR_REQUEST, IPC_DIR_REPLY,
	    IPC_DIR_TO_WORKER, IPC_DIR_FROM_WORKER };
	struct fx	*f = *state;
	enum kind	 k;
	size_t		 i;
	enum ipc_err	 e;

	for (k = 0; k < K_NKINDS; k++) {
		buf_free(&f->b);
		assert_int_equal(put(f, k, MAX), 0);
		for (i = 0; i < 4; i++) {
			e = decode_frame(f, dirs[i]);
			if (k == K_ERROR_NOID && dirs[i] == IPC_DIR_FROM_WORKER)
				assert_int_equal(e, IPC_E_BAD_MESSAGE);
			else if (kind_dirs(k) & dirs[i]) {
				assert_int_equal(e, IPC_E_NONE);
				assert_int_equal(f->m.type, kind_type(k, dirs[i]));
			} else {
				assert_int_equal(e, IPC_E_UNKNOWN_TYPE);
				assert_int_equal(f->m.type, IPC_T_NONE);
			}
		}
	}
}

static void
task_as_request(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_TASK, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_UNKNOWN_TYPE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 14);
}

static void
ready_from_client(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(put(f, K_READY, MAX), 0);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_UNKNOWN_TYPE);
	assert_int_equal(decode_frame(f, IPC_DIR_REPLY), IPC_E_UNKNOWN_TYPE);
	assert_int_equal(decode_frame(f, IPC_DIR_TO_WORKER),
	    IPC_E_UNKNOWN_TYPE);
}

/* Every proper prefix of every message is refused, never read past. */
static void
truncations(void **state)
{
	struct fx	*f = *state;
	enum kind	 k;
	uint8_t		*body;
	size_t		 n, i;
	unsigned	 dirs;

	for (k = 0; k < K_NKINDS; k++) {
		buf_free(&f->b);
		assert_int_equal(put(f, k, MAX), 0);
		dirs = kind_dirs(k);
		n = buf_avail(&f->b) - FRAME_HDR;
		body = malloc(n);
		assert_non_null(body);
		memcpy(body, buf_head(&f->b) + FRAME_HDR, n);
		for (i = 0; i < n; i++) {
			assert_int_equal(decode_bytes(f, body, i, dirs),
			    IPC_E_BAD_MESSAGE);
			assert_int_equal(f->m.type, IPC_T_NONE);
		}
		assert_int_equal(decode_bytes(f, body, n, dirs), IPC_E_NONE);
		free(body);
	}
}

/* Each encoder refuses a frame one byte over max and leaves b alone. */
static void
encoders_respect_max(void **state)
{
	struct fx	*f = *state;
	enum kind	 k;
	size_t		 len;

	for (k = 0; k < K_NKINDS; k++) {
		buf_free(&f->b);
		assert_int_equal(put(f, k, MAX), 0);
		len = buf_avail(&f->b) - FRAME_HDR;
		buf_free(&f->b);
		assert_int_equal(buf_append(&f->b, "xxprefix", 8), 0);
		buf_consume(&f->b, 2);
		assert_int_equal(put(f, k, (uint32_t)len - 1), -1);
		assert_int_equal(buf_avail(&f->b), 6);
		assert_memory_equal(buf_head(&f->b), "prefix", 6);
		assert_int_equal(put(f, k, (uint32_t)len), 0);
		assert_int_equal(buf_avail(&f->b), 6 + FRAME_HDR + len);
		assert_memory_equal(buf_head(&f->b), "prefix", 6);
		buf_consume(&f->b, 6);
		assert_int_equal(decode_frame(f, kind_dirs(k)), IPC_E_NONE);
	}
}

static void
encoder_refuses_tiny_max(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(proto_put_request(&f->b, 4, IPC_T_PING, 1), -1);
	assert_int_equal(buf_avail(&f->b), 0);
	assert_int_equal(proto_put_submit(&f->b, 1024, 1, proto_str("t"),
	    proto_str(""), NULL, 0, -1), 0);
	assert_int_equal(proto_put_task(&f->b, 10, 1, proto_str("t"),
	    sample_bytes(f)), -1);
	assert_int_equal(decode_frame(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_SUBMIT);
}

/* Broken messages */

static void
trailing_bytes(void **state)
{
	struct fx	*f = *state;

	env(f, 3, "PING", 1);
	msgpack_pack_nil(&f->pk);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
}

static void
not_a_map(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_array(&f->pk, 2);
	msgpack_pack_int(&f->pk, 1);
	msgpack_pack_int(&f->pk, 2);
	assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_BAD_MESSAGE);
	msgpack_sbuffer_clear(&f->sb);
	pk_str(&f->pk, "PING");
	assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_BAD_MESSAGE);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_nil(&f->pk);
	assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_BAD_MESSAGE);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_int(&f->pk, 1);
	assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_BAD_MESSAGE);
}

static void
empty_body(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(decode_bytes(f, "", 0, ALL_DIRS), IPC_E_BAD_MESSAGE);
}

static void
not_msgpack(void **state)
{
	static const uint8_t bad[] = { 0xc1 };	/* never used */
	struct fx	*f = *state;

	assert_int_equal(decode_bytes(f, bad, sizeof(bad), ALL_DIRS),
	    IPC_E_BAD_MESSAGE);
}

/* Headers that declare 2^32-1 elements and stop there. */
static void
huge_declared_sizes(void **state)
{
	static const uint8_t arr[] = { 0xdd, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t map[] = { 0xdf, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t str[] = { 0xdb, 0xff, 0xff, 0xff, 0xff };
	struct fx	*f = *state;

	assert_int_equal(decode_bytes(f, arr, sizeof(arr), ALL_DIRS),
	    IPC_E_BAD_MESSAGE);
	assert_int_equal(decode_bytes(f, map, sizeof(map), ALL_DIRS),
	    IPC_E_BAD_MESSAGE);
	assert_int_equal(decode_bytes(f, str, sizeof(str), ALL_DIRS),
	    IPC_E_BAD_MESSAGE);
}

static void
non_string_key(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "PING");
	msgpack_pack_int(&f->pk, 1);
	msgpack_pack_uint64(&f->pk, 3);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
}

static void
non_string_key_keeps_id(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "PING", 3);
	msgpack_pack_int(&f->pk, 1);
	pk_str(&f->pk, "x");
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 3);
}

static void
duplicate_key(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "PING", 3);
	kv_uint(&f->pk, "v", 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
}

static void
duplicate_id(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "PING", 3);
	kv_uint(&f->pk, "id", 3);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
}

static void
duplicate_key_keeps_id(void **state)
{
	struct fx	*f = *state;

	env(f, 5, "SUBMIT", 21);
	kv_str(&f->pk, "task", "a");
	kv_str(&f->pk, "task", "b");
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 21);
}

static void
missing_version(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 2);
	kv_str(&f->pk, "type", "PING");
	kv_uint(&f->pk, "id", 4);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 4);
}

static void
version_two(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 2);
	kv_str(&f->pk, "type", "PING");
	kv_uint(&f->pk, "id", 77);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_VERSION);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 77);
}

static void
version_zero_or_negative(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 0);
	kv_str(&f->pk, "type", "PING");
	kv_uint(&f->pk, "id", 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_VERSION);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_map(&f->pk, 3);
	pk_str(&f->pk, "v");
	msgpack_pack_int(&f->pk, -1);
	kv_str(&f->pk, "type", "PING");
	kv_uint(&f->pk, "id", 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_VERSION);
}

static void
missing_type(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 2);
	kv_uint(&f->pk, "v", 1);
	kv_uint(&f->pk, "id", 5);
	assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 5);
}

static void
type_not_string(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_uint(&f->pk, "type", IPC_T_PING);
	kv_uint(&f->pk, "id", 5);
	assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_BAD_MESSAGE);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	pk_str(&f->pk, "type");
	msgpack_pack_bin_with_body(&f->pk, "PING", 4);
	kv_uint(&f->pk, "id", 5);
	assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_BAD_MESSAGE);
}

static void
unknown_type(void **state)
{
	static const char *const names[] = { "FOO", "ping", "", "PIN",
	    "PINGS", "STATUS_REPLY", "NONE" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		msgpack_sbuffer_clear(&f->sb);
		env(f, 3, names[i], 100 + i);
		assert_int_equal(decode_sb(f, ALL_DIRS), IPC_E_UNKNOWN_TYPE);
		assert_int_equal(f->m.has_id, 1);
		assert_int_equal(f->m.id, 100 + i);
	}
}

static void
id_negative(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "PING");
	pk_str(&f->pk, "id");
	msgpack_pack_int64(&f->pk, -1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 0);
}

static void
id_string(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "PING");
	kv_str(&f->pk, "id", "1");
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 0);
}

static void
id_float(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "PING");
	pk_str(&f->pk, "id");
	msgpack_pack_double(&f->pk, 1.0);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 0);
}

static void
id_nil_is_missing(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "PING");
	pk_str(&f->pk, "id");
	msgpack_pack_nil(&f->pk);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 0);
}

static void
id_zero(void **state)
{
	struct fx	*f = *state;

	env(f, 3, "PING", 0);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 0);
}

static void
submit_missing_id(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "SUBMIT");
	kv_str(&f->pk, "task", "echo");
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 0);
}

static void
submit_missing_task(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "SUBMIT", 31);
	pk_str(&f->pk, "data");
	msgpack_pack_int(&f->pk, 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 31);
}

static void
task_missing(void **state)
{
	struct fx	*f = *state;

	env(f, 3, "TASK", 32);
	assert_int_equal(decode_sb(f, IPC_DIR_TO_WORKER), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 32);
}

static void
task_empty(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "SUBMIT", 33);
	kv_str(&f->pk, "task", "");
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 33);
}

static void
task_too_long(void **state)
{
	struct fx	*f = *state;
	char		 name[IPC_TASK_MAX + 2];

	memset(name, 't', IPC_TASK_MAX + 1);
	name[IPC_TASK_MAX + 1] = '\0';
	env(f, 4, "SUBMIT", 34);
	kv_str(&f->pk, "task", name);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 34);
}

static void
task_longest(void **state)
{
	struct fx	*f = *state;
	char		 name[IPC_TASK_MAX + 1];

	memset(name, 't', IPC_TASK_MAX);
	name[IPC_TASK_MAX] = '\0';
	env(f, 4, "SUBMIT", 35);
	kv_str(&f->pk, "task", name);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_str(f->m.task, name);
}

static void
task_not_string(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "SUBMIT", 36);
	kv_uint(&f->pk, "task", 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
	msgpack_sbuffer_clear(&f->sb);
	env(f, 4, "SUBMIT", 36);
	pk_str(&f->pk, "task");
	msgpack_pack_bin_with_body(&f->pk, "echo", 4);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
}

/* A key has one type whatever the message: a PING with a bad task. */
static void
field_checked_in_any_type(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "PING", 37);
	kv_uint(&f->pk, "task", 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_BAD_MESSAGE);
}

static void
code_not_string(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "ERROR", 38);
	kv_uint(&f->pk, "code", 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 38);
}

static void
code_empty_or_long(void **state)
{
	struct fx	*f = *state;
	char		 code[IPC_CODE_MAX + 2];

	env(f, 4, "ERROR", 39);
	kv_str(&f->pk, "code", "");
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_BAD_MESSAGE);
	memset(code, 'c', IPC_CODE_MAX + 1);
	code[IPC_CODE_MAX + 1] = '\0';
	msgpack_sbuffer_clear(&f->sb);
	env(f, 4, "ERROR", 39);
	kv_str(&f->pk, "code", code);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_BAD_MESSAGE);
	code[IPC_CODE_MAX] = '\0';
	msgpack_sbuffer_clear(&f->sb);
	env(f, 4, "ERROR", 39);
	kv_str(&f->pk, "code", code);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_str(f->m.code, code);
}

static void
error_missing_code(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "ERROR", 40);
	kv_str(&f->pk, "message", "hi");
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 40);
}

static void
error_without_message(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "ERROR", 41);
	kv_str(&f->pk, "code", "busy");
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_str(f->m.code, "busy");
	assert_int_equal(f->m.message.len, 0);
}

static void
message_too_long(void **state)
{
	struct fx	*f = *state;
	char		 text[IPC_TEXT_MAX + 2];

	memset(text, 'm', IPC_TEXT_MAX + 1);
	text[IPC_TEXT_MAX + 1] = '\0';
	env(f, 5, "ERROR", 42);
	kv_str(&f->pk, "code", "busy");
	kv_str(&f->pk, "message", text);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_BAD_MESSAGE);
	assert_int_equal(f->m.has_id, 1);
	assert_int_equal(f->m.id, 42);
	text[IPC_TEXT_MAX] = '\0';
	msgpack_sbuffer_clear(&f->sb);
	env(f, 5, "ERROR", 42);
	kv_str(&f->pk, "code", "busy");
	kv_str(&f->pk, "message", text);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.message.len, IPC_TEXT_MAX);
}

static void
message_not_string(void **state)
{
	struct fx	*f = *state;

	env(f, 5, "ERROR", 43);
	kv_str(&f->pk, "code", "busy");
	kv_uint(&f->pk, "message", 5);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_BAD_MESSAGE);
}

static void
pid_not_integer(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "READY");
	kv_str(&f->pk, "pid", "1234");
	assert_int_equal(decode_sb(f, IPC_DIR_FROM_WORKER), IPC_E_BAD_MESSAGE);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "READY");
	pk_str(&f->pk, "pid");
	msgpack_pack_int(&f->pk, -5);
	assert_int_equal(decode_sb(f, IPC_DIR_FROM_WORKER), IPC_E_BAD_MESSAGE);
	msgpack_sbuffer_clear(&f->sb);
	msgpack_pack_map(&f->pk, 3);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "READY");
	pk_str(&f->pk, "pid");
	msgpack_pack_double(&f->pk, 12.0);
	assert_int_equal(decode_sb(f, IPC_DIR_FROM_WORKER), IPC_E_BAD_MESSAGE);
}

static void
ready_missing_pid(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 2);
	kv_uint(&f->pk, "v", 1);
	kv_str(&f->pk, "type", "READY");
	assert_int_equal(decode_sb(f, IPC_DIR_FROM_WORKER), IPC_E_BAD_MESSAGE);
}

static void
unknown_keys_ignored(void **state)
{
	struct fx	*f = *state;

	env(f, 6, "SUBMIT", 44);
	pk_str(&f->pk, "extra");
	msgpack_pack_array(&f->pk, 2);
	msgpack_pack_int(&f->pk, 1);
	msgpack_pack_int(&f->pk, 2);
	kv_str(&f->pk, "task", "echo");
	pk_str(&f->pk, "zzz");
	msgpack_pack_map(&f->pk, 0);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_SUBMIT);
	assert_int_equal(f->m.id, 44);
	assert_str(f->m.task, "echo");
	assert_int_equal(data_of(f)->type, MSGPACK_OBJECT_NIL);
}

static void
key_order_free(void **state)
{
	struct fx	*f = *state;

	msgpack_pack_map(&f->pk, 4);
	kv_str(&f->pk, "task", "echo");
	kv_uint(&f->pk, "id", 45);
	kv_str(&f->pk, "type", "SUBMIT");
	kv_uint(&f->pk, "v", 1);
	assert_int_equal(decode_sb(f, IPC_DIR_REQUEST), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_SUBMIT);
	assert_int_equal(f->m.id, 45);
}

static void
data_absent_is_nil(void **state)
{
	struct fx	*f = *state;

	env(f, 3, "RESULT", 46);
	assert_int_equal(decode_sb(f, IPC_DIR_REPLY), IPC_E_NONE);
	assert_int_equal(f->m.type, IPC_T_RESULT);
	assert_int_equal(data_of(f)->type, MSGPACK_OBJECT_NIL);
}

static void
data_any_type(void **state)
{
	struct fx	*f = *state;

	env(f, 4, "RESULT", 47);
	pk_str(&f->pk, "data");
	msgpack_pack_bin_with_body(&f->pk, "\0\1", 2);
	assert_int_equal(decode_sb(f, IPC_DIR_FROM_WORKER), IPC_E_NONE);
	assert_int_equal(data_of(f)->type, MSGPACK_OBJECT_BIN);
	assert_int_equal(data_of(f)->via.bin.size, 2);
	assert_memory_equal(data_of(f)->via.bin.ptr, "\0\1", 2);
}

static void
names(void **state)
{
	(void)state;
	assert_string_equal(proto_err_name(IPC_E_NONE), "ok");
	assert_string_equal(proto_err_name(IPC_E_BAD_FRAME), "bad_frame");
	assert_string_equal(proto_err_name(IPC_E_TOO_LARGE), "too_large");
	assert_string_equal(proto_err_name(IPC_E_BAD_MESSAGE), "bad_message");
	assert_string_equal(proto_err_name(IPC_E_BAD_VERSION), "bad_version");
	assert_string_equal(proto_err_name(IPC_E_UNKNOWN_TYPE),
	    "unknown_type");
	assert_string_equal(proto_err_name(IPC_E_UNKNOWN_TASK),
	    "unknown_task");
	assert_string_equal(proto_err_name(IPC_E_BAD_DATA), "bad_data");
	assert_string_equal(proto_err_name(IPC_E_BUSY), "busy");
	assert_string_equal(proto_err_name(IPC_E_WORKER_DIED), "worker_died");
	assert_string_equal(proto_err_name(IPC_E_SHUTTING_DOWN),
	    "shutting_down");
	assert_string_equal(proto_err_name(IPC_E_INTERNAL), "internal");
	assert_string_equal(proto_err_name(IPC_E_FORBIDDEN), "forbidden");
	assert_string_equal(proto_err_name(IPC_E_TIMEOUT), "timeout");
	assert_string_equal(proto_err_name(IPC_E_MAX), "internal");
	assert_string_equal(proto_err_name((enum ipc_err)-1), "internal");
	assert_string_equal(proto_type_name(IPC_T_SUBMIT), "SUBMIT");
	assert_string_equal(proto_type_name(IPC_T_STATUS), "STATUS");
	assert_string_equal(proto_type_name(IPC_T_STATUS_REPLY), "STATUS");
	assert_string_equal(proto_type_name(IPC_T_TASK), "TASK");
	assert_string_equal(proto_type_name(IPC_T_READY), "READY");
	assert_string_equal(proto_type_name(IPC_T_NONE), "?");
	assert_string_equal(proto_type_name((enum ipc_type)99), "?");
}


/* TASK and RESULT as msgpack-c's packer writes them, to compare with. */
static int
packer_write(void *data, const char *p, size_t n)
{
	return buf_append(data, p, n);
}

/* A reference envelope's head: "v", "type" and "id" (TASK's fixed width). */
static void
packed_head(msgpack_packer *pk, size_t pairs, const char *type, uint64_t id)
{
	msgpack_pack_map(pk, pairs);
	msgpack_pack_str_with_body(pk, "v", 1);
	msgpack_pack_uint8(pk, 1);
	msgpack_pack_str_with_body(pk, "type", 4);
	msgpack_pack_str_with_body(pk, type, strlen(type));
	msgpack_pack_str_with_body(pk, "id", 2);
	if (strcmp(type, "TASK") == 0)
		msgpack_pack_fix_uint64(pk, id);
	else
		msgpack_pack_uint64(pk, id);
}

/* A reference envelope's "data", last, and the frame ended. */
static void
packed_data(msgpack_packer *pk, struct buf *b, size_t start,
    struct ipc_bytes data)
{
	msgpack_pack_str_with_body(pk, "data", 4);
	if (data.len == 0)
		msgpack_pack_nil(pk);
	else
		buf_append(b, data.p, data.len);
	assert_int_equal(frame_end(b, start, UINT32_MAX), 0);
}

static void
packed_frame(struct buf *b, int task, uint64_t id, struct ipc_str name,
    struct ipc_bytes data)
{
	msgpack_packer	 pk;
	size_t		 start = frame_begin(b);

	msgpack_packer_init(&pk, b, packer_write);
	packed_head(&pk, task ? 5 : 4, task ? "TASK" : "RESULT", id);
	if (task) {
		msgpack_pack_str_with_body(&pk, "task", 4);
		msgpack_pack_str_with_body(&pk, name.p, name.len);
	}
	packed_data(&pk, b, start, data);
}

/* proto_put_task and proto_put_result write exactly the packer's bytes. */
static void
task_result_bytes(void **state)
{
	static const uint64_t ids[] = { 0, 1, 127, 128, 255, 256, 65535,
	    65536, 4294967295ULL, 4294967296ULL, 9007199254740991ULL,
	    UINT64_MAX };
	static const size_t names[] = { 1, 31, 32, 64 };
	static const uint8_t seven[] = { 0x07 }, arr[] = { 0x92, 0xa1, 'x',
	    0xc3 };
	const struct ipc_bytes datas[] = { { NULL, 0 }, { seven, 1 },
	    { arr, 4 } };
	char		 name[64];
	struct buf	 want = { 0 }, got = { 0 };
	size_t		 i, k, d;

	(void)state;
	memset(name, 't', sizeof(name));
	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		for (d = 0; d < 3; d++) {
			for (k = 0; k < 4; k++) {
				struct ipc_str n = { name, (uint32_t)names[k] };

				want.off = want.len = got.off = got.len = 0;
				packed_frame(&want, 1, ids[i], n, datas[d]);
				assert_int_equal(proto_put_task(&got, UINT32_MAX,
				    ids[i], n, datas[d]), 0);
				assert_int_equal(got.len, want.len);
				assert_memory_equal(got.data, want.data, got.len);
			}
			want.off = want.len = got.off = got.len = 0;
			packed_frame(&want, 0, ids[i], proto_str(""), datas[d]);
			assert_int_equal(proto_put_result(&got, UINT32_MAX,
			    ids[i], datas[d]), 0);
			assert_int_equal(got.len, want.len);
			assert_memory_equal(got.data, want.data, got.len);
		}
	/* past max, nothing is written */
	got.off = got.len = 0;
	assert_int_equal(proto_put_result(&got, 10, 1, datas[2]), -1);
	assert_int_equal(proto_put_task(&got, 20, 1, proto_str("double"),
	    datas[1]), -1);
	assert_int_equal(got.len, 0);
	buf_free(&want);
	buf_free(&got);
}


static void
packed_submit(struct buf *b, uint64_t id, struct ipc_str task,
    struct ipc_str pool, struct ipc_bytes data, int64_t timeout)
{
	msgpack_packer	 pk;
	size_t		 start = frame_begin(b);

	msgpack_packer_init(&pk, b, packer_write);
	packed_head(&pk, 5 + (timeout >= 0) + (pool.len > 0), "SUBMIT", id);
	if (timeout >= 0) {
		msgpack_pack_str_with_body(&pk, "timeout", 7);
		msgpack_pack_uint64(&pk, (uint64_t)timeout);
	}
	msgpack_pack_str_with_body(&pk, "task", 4);
	msgpack_pack_str_with_body(&pk, task.p, task.len);
	if (pool.len > 0) {
		msgpack_pack_str_with_body(&pk, "pool", 4);
		msgpack_pack_str_with_body(&pk, pool.p, pool.len);
	}
	packed_data(&pk, b, start, data);
}

/* proto_put_submit writes exactly the packer's bytes, every option. */
static void
submit_bytes(void **state)
{
	static const int64_t timeouts[] = { -1, 0, 127, 128, 70000,
	    4294967295LL };
	static const uint64_t ids[] = { 1, 200, 70000, 5000000000ULL };
	static const uint8_t seven[] = { 0x07 };
	char		 name[300];
	struct buf	 want = { 0 }, got = { 0 };
	size_t		 i, t, k, pl, d;
	static const uint32_t lens[] = { 1, 31, 32, 255, 256 };

	(void)state;
	memset(name, 'n', sizeof(name));
	for (i = 0; i < 4; i++)
	for (t = 0; t < 6; t++)
	for (k = 0; k < 5; k++)
	for (pl = 0; pl < 3; pl++)
	for (d = 0; d < 2; d++) {
		struct ipc_str task = { name, lens[k] };
		struct ipc_str pool = { name, pl == 0 ? 0 : pl == 1 ? 5 : 32 };
		struct ipc_bytes data = { d ? seven : NULL, d };

		want.off = want.len = got.off = got.len = 0;
		packed_submit(&want, ids[i], task, pool, data, timeouts[t]);
		assert_int_equal(proto_put_submit(&got, UINT32_MAX, ids[i], task,
		    pool, data.p, data.len, timeouts[t]), 0);
		assert_int_equal(got.len, want.len);
		assert_memory_equal(got.data, want.data, got.len);
	}
	buf_free(&want);
	buf_free(&got);
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(submit_round_trip),
		T(error_message_cut_at_utf8_boundary),
		T(submit_without_data),
		T(submit_big_id),
		T(submit_timeout),
		T(admin_round_trips),
		T(status_request_round_trip),
		T(ping_round_trip),
		T(result_to_client),
		T(result_from_worker),
		T(result_begin_end),
		cmocka_unit_test(task_result_bytes),
		cmocka_unit_test(submit_bytes),
		T(error_with_id),
		T(error_without_id),
		T(errorf_round_trip),
		T(error_message_cut_to_max),
		T(status_reply_no_workers),
		T(status_reply_three_workers),
		T(status_get_wrong_type),
		T(status_get_lenient),
		T(status_get_bad_workers),
		T(pong_round_trip),
		T(task_round_trip),
		T(task_set_id),
		T(task_parts),
		T(known_agrees),
		T(task_set_id_second_frame),
		T(ready_round_trip),
		T(directions),
		T(task_as_request),
		T(ready_from_client),
		T(truncations),
		T(encoders_respect_max),
		T(encoder_refuses_tiny_max),
		T(trailing_bytes),
		T(not_a_map),
		T(empty_body),
		T(not_msgpack),
		T(huge_declared_sizes),
		T(non_string_key),
		T(non_string_key_keeps_id),
		T(duplicate_key),
		T(duplicate_id),
		T(duplicate_key_keeps_id),
		T(missing_version),
		T(version_two),
		T(version_zero_or_negative),
		T(missing_type),
		T(type_not_string),
		T(unknown_type),
		T(id_negative),
		T(id_string),
		T(id_float),
		T(id_nil_is_missing),
		T(id_zero),
		T(submit_missing_id),
		T(submit_missing_task),
		T(task_missing),
		T(task_empty),
		T(task_too_long),
		T(task_longest),
		T(task_not_string),
		T(field_checked_in_any_type),
		T(code_not_string),
		T(code_empty_or_long),
		T(error_missing_code),
		T(error_without_message),
		T(message_too_long),
		T(message_not_string),
		T(pid_not_integer),
		T(ready_missing_pid),
		T(unknown_keys_ignored),
		T(key_order_free),
		T(data_absent_is_nil),
		T(data_any_type),
		T(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
