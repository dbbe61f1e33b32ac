/*
 * A fuzz target over what ipcd reads from sockets: the bytes are a stream of
 * frames, each decoded as every direction would decode it, and a STATUS
 * reply read as a client reads it.  Built with libFuzzer by
 * ./configure --enable-fuzzing (clang); make check replays the corpus and
 * the crashes kept in tests/fuzz/ through the same function.
 */
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "proto.h"

#define FUZZ_MAX	(64 * 1024)

static const unsigned dirs[] = {
	IPC_DIR_REQUEST, IPC_DIR_REPLY, IPC_DIR_TO_WORKER, IPC_DIR_FROM_WORKER
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
decode_body(msgpack_zone *z, const uint8_t *p, size_t n)
{
	struct ipc_status st;
	struct ipc_msg	 m;
	const char	*why;
	size_t		 i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
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
