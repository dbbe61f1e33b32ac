/*
 * A fuzz target over what ipcd reads from sockets: the bytes are a stream of
 * frames, each decoded as every direction would decode it, and a STATUS
 * reply read as a client reads it.  Built with libFuzzer by
 * ./configure --enable-fuzzing (clang); make check replays the corpus and
 * the crashes kept in tests/fuzz/ through the same function.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frame.h"
#include "proto.h"

#define FUZZ_MAX	(64 * 1024)

static const unsigned dirs[] = {
	IPC_DIR_REQUEST, IPC_DIR_REPLY, IPC_DIR_TO_WORKER, IPC_DIR_FROM_WORKER
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
same_str(struct ipc_str a, struct ipc_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/*
 * What the layout-reading of jobs' envelopes takes, the key-by-key
 * reading takes too, and reads the same; else the fuzzer has found a
 * difference (abort).
 */
static void
check_known(msgpack_zone *z, const uint8_t *p, size_t n, unsigned dir)
{
	struct ipc_msg	 a, b;
	const char	*why;

	if (proto_decode_known(p, n, dir, &a) == -1)
		return;
	if (proto_decode_keys(p, n, dir, z, &b, &why) != IPC_E_NONE ||
	    a.type != b.type || a.has_id != b.has_id || a.id != b.id ||
	    !same_str(a.task, b.task) || !same_str(a.pool, b.pool) ||
	    a.data.p != b.data.p || a.data.len != b.data.len ||
	    a.has_timeout != b.has_timeout || a.timeout != b.timeout)
		abort();
	msgpack_zone_clear(z);
}

static void
decode_body(msgpack_zone *z, const uint8_t *p, size_t n)
{
	struct ipc_status st;
	struct ipc_msg	 m;
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		check_known(z, p, n, dirs[i]);
		if (proto_decode(p, n, dirs[i], z, &m, &why) == IPC_E_NONE &&
		    m.type == IPC_T_STATUS_REPLY)
			(void)proto_get_status(&m, z, &st);
		msgpack_zone_clear(z);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	msgpack_zone	 zone;
	uint32_t	 len;

	if (!msgpack_zone_init(&zone, 8192))
		return 0;
	while (size > 0) {
		switch (frame_parse(data, size, FUZZ_MAX, &len)) {
		case FRAME_OK:
			decode_body(&zone, data + FRAME_HDR, len);
			data += FRAME_HDR + (size_t)len;
			size -= FRAME_HDR + (size_t)len;
			continue;
		case FRAME_MORE:
			/* a body cut short: decode what there is, as one */
			decode_body(&zone, data, size);
			break;
		default:
			break;
		}
		break;
	}
	msgpack_zone_destroy(&zone);
	return 0;
}
