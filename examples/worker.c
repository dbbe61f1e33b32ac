/*
 * An ipcd worker in C, on ipcd's worker plane (doc/PROTOCOL.md, section 6),
 * with msgpack-c alone: its channel to the master is descriptor 3.  It says
 * READY, then reads as much as has come, answers every whole TASK in it in
 * order, and writes all the answers at once: many jobs per system call when
 * the master sends many.  It exits when the master closes the channel.
 *
 *   double  a number        -> twice the number
 *   upper   a string        -> the string in upper case (ASCII letters)
 *   echo    any value       -> the same value
 *   sleep   milliseconds    -> the same number, after sleeping that long
 *
 *   cc -O2 -o worker worker.c $(pkg-config --cflags --libs msgpack)
 *
 *   [pool c]
 *   command = /usr/local/libexec/ipcd-example-worker
 *   in_order = yes
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <msgpack.h>

#define CHANNEL		3
#define MAX_FRAME	(64 * 1024 * 1024)

static msgpack_sbuffer	 out;
static msgpack_packer	 pk;

/* Start a frame: 4 bytes for its length, filled in by frame_end. */
static size_t
frame_begin(void)
{
	size_t	 at = out.size;

	msgpack_sbuffer_write(&out, "\0\0\0\0", 4);
	return at;
}

static void
frame_end(size_t at)
{
	uint32_t n = (uint32_t)(out.size - at - 4);

	out.data[at] = n >> 24;
	out.data[at + 1] = n >> 16;
	out.data[at + 2] = n >> 8;
	out.data[at + 3] = n;
}

static void
pack_key(const char *k)
{
	msgpack_pack_str_with_body(&pk, k, strlen(k));
}

/* The envelope of an answer: v, type, id; n more entries follow. */
static void
envelope(const char *type, uint64_t id, size_t n)
{
	msgpack_pack_map(&pk, 3 + n);
	pack_key("v");
	msgpack_pack_uint8(&pk, 1);
	pack_key("type");
	pack_key(type);
	pack_key("id");
	msgpack_pack_uint64(&pk, id);
}

static void
error(uint64_t id, const char *code, const char *message)
{
	envelope("ERROR", id, 2);
	pack_key("code");
	pack_key(code);
	pack_key("message");
	pack_key(message);
}

static int
is(const msgpack_object *o, const char *s)
{
	return o->type == MSGPACK_OBJECT_STR && o->via.str.size == strlen(s) &&
	    memcmp(o->via.str.ptr, s, o->via.str.size) == 0;
}

static void
run(uint64_t id, const msgpack_object *task, const msgpack_object *data)
{
	char	*s;
	uint32_t i;

	if (is(task, "double") && data->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    data->via.u64 <= INT64_MAX) {
		envelope("RESULT", id, 1);
		pack_key("data");
		msgpack_pack_uint64(&pk, data->via.u64 * 2);
	} else if (is(task, "double") &&
	    data->type == MSGPACK_OBJECT_NEGATIVE_INTEGER &&
	    data->via.i64 >= INT64_MIN / 2) {
		envelope("RESULT", id, 1);
		pack_key("data");
		msgpack_pack_int64(&pk, data->via.i64 * 2);
	} else if (is(task, "double") && (data->type == MSGPACK_OBJECT_FLOAT64 ||
	    data->type == MSGPACK_OBJECT_FLOAT32)) {
		envelope("RESULT", id, 1);
		pack_key("data");
		msgpack_pack_double(&pk, data->via.f64 * 2);
	} else if (is(task, "upper") && data->type == MSGPACK_OBJECT_STR) {
		envelope("RESULT", id, 1);
		pack_key("data");
		msgpack_pack_str(&pk, data->via.str.size);
		if ((s = malloc(data->via.str.size + 1)) == NULL)
			exit(1);
		for (i = 0; i < data->via.str.size; i++) {
			s[i] = data->via.str.ptr[i];
			if (s[i] >= 'a' && s[i] <= 'z')
				s[i] -= 'a' - 'A';
		}
		msgpack_pack_str_body(&pk, s, data->via.str.size);
		free(s);
	} else if (is(task, "sleep") &&
	    data->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    data->via.u64 <= 3600000) {
		struct timespec ts = { (time_t)(data->via.u64 / 1000),
		    (long)(data->via.u64 % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
			;
		envelope("RESULT", id, 1);
		pack_key("data");
		msgpack_pack_uint64(&pk, data->via.u64);
	} else if (is(task, "echo")) {
		envelope("RESULT", id, 1);
		pack_key("data");
		msgpack_pack_object(&pk, *data);
	} else if (is(task, "double"))
		error(id, "bad_data", "double takes a number that fits when "
		    "doubled");
	else if (is(task, "upper"))
		error(id, "bad_data", "upper takes a string");
	else if (is(task, "sleep"))
		error(id, "bad_data", "sleep takes 0 to 3600000 milliseconds");
	else
		error(id, "unknown_task", "no such task");
}

/* One message from the master: a TASK is answered, anything else ignored. */
static void
message(const msgpack_object *m)
{
	msgpack_object	 nil = { .type = MSGPACK_OBJECT_NIL };
	const msgpack_object *type = NULL, *id = NULL, *task = NULL, *data = &nil;
	uint32_t	 i;
	size_t		 at;

	if (m->type != MSGPACK_OBJECT_MAP)
		return;
	for (i = 0; i < m->via.map.size; i++) {
		const msgpack_object_kv *kv = &m->via.map.ptr[i];

		if (is(&kv->key, "type"))
			type = &kv->val;
		else if (is(&kv->key, "id"))
			id = &kv->val;
		else if (is(&kv->key, "task"))
			task = &kv->val;
		else if (is(&kv->key, "data"))
			data = &kv->val;
	}
	if (type == NULL || !is(type, "TASK") || id == NULL || task == NULL ||
	    id->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
		return;
	at = frame_begin();
	run(id->via.u64, task, data);
	frame_end(at);
}

static int
write_all(const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		if ((w = write(CHANNEL, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Answer every whole frame in buf[0..len); how many bytes were used. */
static size_t
frames(const char *buf, size_t len, msgpack_zone *z)
{
	msgpack_object	 m;
	size_t		 used = 0, off;
	uint32_t	 n;

	while (len - used >= 4) {
		n = (uint32_t)(unsigned char)buf[used] << 24 |
		    (uint32_t)(unsigned char)buf[used + 1] << 16 |
		    (uint32_t)(unsigned char)buf[used + 2] << 8 |
		    (unsigned char)buf[used + 3];
		if (n == 0 || n > MAX_FRAME)
			exit(1);	/* not the master speaking */
		if (len - used - 4 < n)
			break;
		off = 0;
		msgpack_zone_clear(z);
		if (msgpack_unpack(buf + used + 4, n, &off, z, &m) ==
		    MSGPACK_UNPACK_SUCCESS)
			message(&m);
		used += 4 + n;
	}
	return used;
}

int
main(void)
{
	msgpack_zone	 z;
	char		*buf;
	size_t		 cap = 65536, len = 0, used, at;
	ssize_t		 n;

	msgpack_sbuffer_init(&out);
	msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);
	if (!msgpack_zone_init(&z, 8192) || (buf = malloc(cap)) == NULL)
		return 1;
	at = frame_begin();
	msgpack_pack_map(&pk, 3);
	pack_key("v");
	msgpack_pack_uint8(&pk, 1);
	pack_key("type");
	pack_key("READY");
	pack_key("pid");
	msgpack_pack_uint64(&pk, (uint64_t)getpid());
	frame_end(at);
	for (;;) {
		if (out.size > 0 && write_all(out.data, out.size) == -1)
			return 1;
		msgpack_sbuffer_clear(&out);
		if (len == cap && (buf = realloc(buf, cap *= 2)) == NULL)
			return 1;
		if ((n = read(CHANNEL, buf + len, cap - len)) == 0)
			return 0;	/* the master closed the channel */
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		len += (size_t)n;
		used = frames(buf, len, &z);
		memmove(buf, buf + used, len - used);
		len -= used;
	}
}
