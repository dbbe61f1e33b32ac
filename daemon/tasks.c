#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <nettle/sha2.h>

#include "tasks.h"

#define SLEEP_MAX_MS	3600000

static enum ipc_err
task_double(const msgpack_object *d, msgpack_packer *pk, char *err,
    size_t errlen)
{
	switch (d->type) {
	case MSGPACK_OBJECT_POSITIVE_INTEGER:
		if (d->via.u64 > UINT64_MAX / 2)
			break;
		msgpack_pack_uint64(pk, d->via.u64 * 2);
		return IPC_E_NONE;
	case MSGPACK_OBJECT_NEGATIVE_INTEGER:
		if (d->via.i64 < INT64_MIN / 2)
			break;
		msgpack_pack_int64(pk, d->via.i64 * 2);
		return IPC_E_NONE;
	case MSGPACK_OBJECT_FLOAT32:
	case MSGPACK_OBJECT_FLOAT64:
		msgpack_pack_double(pk, d->via.f64 * 2);
		return IPC_E_NONE;
	default:
		snprintf(err, errlen, "double takes a number");
		return IPC_E_BAD_DATA;
	}
	snprintf(err, errlen, "double: the result does not fit in 64 bits");
	return IPC_E_BAD_DATA;
}

static enum ipc_err
task_echo(const msgpack_object *d, msgpack_packer *pk, char *err,
    size_t errlen)
{
	(void)err;
	(void)errlen;
	msgpack_pack_object(pk, *d);
	return IPC_E_NONE;
}

static enum ipc_err
task_sleep(const msgpack_object *d, msgpack_packer *pk, char *err,
    size_t errlen)
{
	struct timespec	 ts;
	uint64_t	 ms;

	if (d->type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    d->via.u64 > SLEEP_MAX_MS) {
		snprintf(err, errlen, "sleep takes milliseconds, 0 to %d",
		    SLEEP_MAX_MS);
		return IPC_E_BAD_DATA;
	}
	ms = d->via.u64;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
	msgpack_pack_uint64(pk, ms);
	return IPC_E_NONE;
}

static enum ipc_err
task_sha256(const msgpack_object *d, msgpack_packer *pk, char *err,
    size_t errlen)
{
	static const char hex[] = "0123456789abcdef";
	struct sha256_ctx ctx;
	uint8_t		 digest[SHA256_DIGEST_SIZE];
	char		 text[2 * SHA256_DIGEST_SIZE];
	size_t		 i;

	sha256_init(&ctx);
	if (d->type == MSGPACK_OBJECT_BIN)
		sha256_update(&ctx, d->via.bin.size,
		    (const uint8_t *)d->via.bin.ptr);
	else if (d->type == MSGPACK_OBJECT_STR)
		sha256_update(&ctx, d->via.str.size,
		    (const uint8_t *)d->via.str.ptr);
	else {
		snprintf(err, errlen, "sha256 takes a string or binary");
		return IPC_E_BAD_DATA;
	}
	sha256_digest(&ctx, sizeof(digest), digest);
	for (i = 0; i < sizeof(digest); i++) {
		text[2 * i] = hex[digest[i] >> 4];
		text[2 * i + 1] = hex[digest[i] & 15];
	}
	msgpack_pack_str(pk, sizeof(text));
	msgpack_pack_str_body(pk, text, sizeof(text));
	return IPC_E_NONE;
}

static const struct task tasks[] = {
	{ "double", 0, task_double },
	{ "echo", 0, task_echo },
	{ "sleep", 1, task_sleep },
	{ "sha256", 0, task_sha256 },
};

const struct task *
tasks_find(struct ipc_str name)
{
	size_t	 i;

	for (i = 0; i < sizeof(tasks) / sizeof(tasks[0]); i++)
		if (strlen(tasks[i].name) == name.len &&
		    memcmp(tasks[i].name, name.p, name.len) == 0)
			return &tasks[i];
	return NULL;
}
