/*
 * raw: a test tool that writes arbitrary bytes to ipcd's control socket and
 * prints what comes back, one reply per line as JSON, then "EOF" if the
 * daemon closed the connection or "OPEN" if it was still open after the
 * wait.  Input bytes are hex on the command line ("hex:0a0b...") or frames
 * built from JSON ("json:{...}", packed as MessagePack and framed).
 * With -p it first waits, reading nothing, like a client that does not
 * read its replies.  The wait (-w) is 2 s, or with -n, 30 s: replies that
 * are due come when they come (a sanitizer or a busy machine slows them),
 * and the wait only bounds a hang.
 *
 *   raw SOCKET [-w MS] [-n REPLIES] [-p MS] ARG...
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "frame.h"
#include "ipcctl.h"
#include "proto.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
add_hex(struct buf *b, const char *s)
{
	uint8_t	 byte;

	for (; s[0] && s[1]; s += 2) {
		if (hexval(s[0]) < 0 || hexval(s[1]) < 0)
			return -1;
		byte = (uint8_t)(hexval(s[0]) << 4 | hexval(s[1]));
		if (buf_append(b, &byte, 1) == -1)
			return -1;
	}
	return *s ? -1 : 0;
}

static int
add_json(struct buf *b, const char *s)
{
	msgpack_packer	 pk;
	json_error_t	 err;
	json_t		*j;
	size_t		 start;
	int		 r;

	if ((j = json_loads(s, JSON_DECODE_ANY, &err)) == NULL) {
		fprintf(stderr, "raw: bad JSON: %s\n", err.text);
		return -1;
	}
	start = frame_begin(b);
	msgpack_packer_init(&pk, b, buf_msgpack_write);
	r = jsonmp_pack(j, &pk);
	json_decref(j);
	return r == -1 ? -1 : frame_end(b, start, UINT32_MAX);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un sun;
	int		 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("raw: connect");
		exit(2);
	}
	return fd;
}

/* Print every whole frame in b as a JSON line. */
static void
print_frames(struct buf *b, msgpack_zone *z, int *count)
{
	struct ipc_msg	 m;
	msgpack_object	 body;
	const char	*why;
	uint32_t	 len;

	while (frame_parse(buf_head(b), buf_avail(b), UINT32_MAX, &len) ==
	    FRAME_OK) {
		if (proto_decode(buf_head(b) + FRAME_HDR, len, IPC_DIR_REPLY, z,
		    &m, &why) != IPC_E_NONE)
			printf("UNDECODABLE %s\n", why);
		else if (proto_unpack(m.body, z, &body) == -1)
			printf("UNDECODABLE out of memory\n");
		else
			jsonmp_print(stdout, &body);
		buf_consume(b, FRAME_HDR + (size_t)len);
		(*count)++;
	}
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct buf	 out = { 0 }, in = { 0 };
	msgpack_zone	 zone;
	struct pollfd	 pfd;
	int		 fd, ch, wait_ms = -1, want = -1, got = 0, r = 0;
	int		 pause_ms = 0;
	ssize_t		 n;

	while ((ch = getopt(argc, argv, "w:n:p:")) != -1) {
		if (ch == 'w')
			wait_ms = atoi(optarg);
		else if (ch == 'n')
			want = atoi(optarg);
		else if (ch == 'p')
			pause_ms = atoi(optarg);
		else
			return 2;
	}
	if (wait_ms < 0)
		wait_ms = want < 0 ? 2000 : 30000;
	signal(SIGPIPE, SIG_IGN);	/* a closed connection is reported */
	if (optind >= argc)
		return 2;
	fd = connect_to(argv[optind++]);
	for (; optind < argc; optind++) {
		if (strncmp(argv[optind], "hex:", 4) == 0)
			r = add_hex(&out, argv[optind] + 4);
		else if (strncmp(argv[optind], "json:", 5) == 0)
			r = add_json(&out, argv[optind] + 5);
		else
			r = -1;
		if (r == -1) {
			fprintf(stderr, "raw: bad argument %s\n", argv[optind]);
			buf_free(&out);
			return 2;
		}
	}
	if (buf_avail(&out) > 0 &&
	    write(fd, buf_head(&out), buf_avail(&out)) != (ssize_t)buf_avail(&out))
		perror("raw: write");
	if (pause_ms > 0)
		poll(NULL, 0, pause_ms);
	msgpack_zone_init(&zone, 8192);
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (want < 0 || got < want) {
		if (poll(&pfd, 1, wait_ms) <= 0) {
			printf("OPEN\n");
			break;
		}
		if (buf_reserve(&in, 65536) == -1) {
			r = 2;
			break;
		}
		n = read(fd, in.data + in.len, in.cap - in.len);
		if (n <= 0) {
			printf("EOF\n");
			break;
		}
		in.len += n;
		print_frames(&in, &zone, &got);
	}
	close(fd);
	buf_free(&in);
	buf_free(&out);
	msgpack_zone_destroy(&zone);
	return r == 2 ? 2 : 0;
}
