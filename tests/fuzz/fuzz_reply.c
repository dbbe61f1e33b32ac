/*
 * libFuzzer target for libipcd's reply path: the input is what a daemon
 * sends on a connection where six requests wait (four jobs, a STATUS and a
 * PING, ids 1 to 6).  Whatever the bytes, the library must not crash, and
 * must answer each request exactly once.  Seeds: tests/fuzz/corpus-reply.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NREQ	6

static void
counted(struct ipcd *c, const struct ipcd_reply *r, void *arg)
{
	msgpack_zone	 z;
	msgpack_object	 o;
	int		*calls = arg;

	calls[r->id]++;
	if (r->error == IPCD_OK) {
		msgpack_zone_init(&z, 1024);
		(void)ipcd_unpack(r, &z, &o);
		(void)ipcd_status_decode(r, &z);
		msgpack_zone_destroy(&z);
	}
	(void)c;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t nil[] = { 0xc0 };
	int		 sv[2], calls[NREQ + 1], i;
	struct ipcd	*c;
	size_t		 off = 0;
	ssize_t		 n;

	memset(calls, 0, sizeof(calls));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		abort();
	if ((c = lib_adopt(sv[1])) == NULL)
		abort();
	for (i = 0; i < 4; i++)
		if (ipcd_submit_async(c, "double", nil, 1, NULL, counted, calls,
		    NULL) != IPCD_OK)
			abort();
	if (ipcd_command_async(c, IPCD_STATUS, NULL, 0, counted, calls,
	    NULL) != IPCD_OK || ipcd_command_async(c, IPCD_PING, NULL, 0,
	    counted, calls, NULL) != IPCD_OK)
		abort();
	/* the daemon's side: everything it says, then the end */
	while (off < size && (n = send(sv[0], data + off,
	    size - off > 65536 ? 65536 : size - off, MSG_NOSIGNAL)) > 0) {
		off += (size_t)n;
		(void)ipcd_handle(c, IPCD_WANT_READ | IPCD_WANT_WRITE);
	}
	close(sv[0]);
	while (ipcd_error(c) == IPCD_OK && ipcd_pending(c) > 0)
		(void)ipcd_handle(c, IPCD_WANT_READ);
	ipcd_free(c);
	for (i = 1; i <= NREQ; i++)
		if (calls[i] != 1)
			abort();
	return 0;
}
