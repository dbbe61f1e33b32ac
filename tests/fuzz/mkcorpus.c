/*
 * mkcorpus DIR: write one file per message type, made by the real encoders,
 * as the fuzz target's seed corpus.
 */
#include <stdio.h>
#include <string.h>

#include "frame.h"
#include "proto.h"

#define MAX	(1 << 20)

static int
save(const char *dir, const char *name, struct buf *b)
{
	char	 path[4096];
	FILE	*fp;
	int	 r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "wb")) == NULL)
		return -1;
	r = fwrite(buf_head(b), 1, buf_avail(b), fp) == buf_avail(b) ? 0 : -1;
	fclose(fp);
	b->off = b->len = 0;
	return r;
}

int
main(int argc, char **argv)
{
	struct ipc_worker_status ws[2] = {
		{ .pool = { "builtin", 7 }, .pid = 10,
		    .state = { "ready", 5 }, .jobs = 1, .done = 7 },
		{ .pool = { "builtin", 7 }, .pid = 11,
		    .state = { "retiring", 8 }, .done = 3 }
	};
	struct ipc_status st = { .pid = 9, .version = { "0.1.0", 5 },
	    .uptime_ms = 1234, .queue = 2, .queue_limit = 65536, .done = 10,
	    .failed = 1, .timed_out = 3, .nworkers = 2, .workers = ws };
	struct ipc_bytes ten;
	struct buf	 b = { 0 }, d = { 0 };
	msgpack_packer	 pk;
	const uint8_t	*data;
	size_t		 datalen;
	int		 r = 0;

	if (argc != 2)
		return 2;
	msgpack_packer_init(&pk, &d, buf_msgpack_write);	/* [1, "x"] */
	msgpack_pack_array(&pk, 2);
	msgpack_pack_int(&pk, 1);
	msgpack_pack_str(&pk, 1);
	msgpack_pack_str_body(&pk, "x", 1);
	data = buf_head(&d);
	datalen = buf_avail(&d);
	ten.p = (const uint8_t *)"\x0a";
	ten.len = 1;
	proto_put_submit(&b, MAX, 1, proto_str("double"), proto_str(""), data,
	    datalen, -1);
	r |= save(argv[1], "submit", &b);
	proto_put_submit(&b, MAX, 300, proto_str("sleep"), proto_str("pool_a"),
	    data, datalen, 70000);
	r |= save(argv[1], "submit_pool", &b);
	proto_put_request(&b, MAX, IPC_T_STATUS, 2);
	r |= save(argv[1], "status", &b);
	proto_put_request(&b, MAX, IPC_T_PING, 3);
	r |= save(argv[1], "ping", &b);
	proto_put_request(&b, MAX, IPC_T_RELOAD, 4);
	r |= save(argv[1], "reload", &b);
	proto_put_scale(&b, MAX, 5, 3, proto_str(""));
	r |= save(argv[1], "scale", &b);
	proto_put_result(&b, MAX, 6, ten);
	r |= save(argv[1], "result", &b);
	proto_put_errorf(&b, MAX, 1, 7, IPC_E_BUSY, "queue full");
	r |= save(argv[1], "error", &b);
	proto_put_status(&b, MAX, 8, &st);
	r |= save(argv[1], "status_reply", &b);
	proto_put_task(&b, MAX, 9, proto_str("echo"), ten);
	r |= save(argv[1], "task", &b);
	proto_put_ready(&b, MAX, 4242);
	r |= save(argv[1], "ready", &b);
	proto_put_request(&b, MAX, IPC_T_PING, 1);
	proto_put_submit(&b, MAX, 2, proto_str("echo"), proto_str(""), data,
	    datalen, 250);
	r |= save(argv[1], "pipelined", &b);
	buf_free(&b);
	buf_free(&d);
	return r ? 1 : 0;
}
