/*
 * A blocking connection to the control socket: frames out, decoded replies in.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "ipcctl.h"

#define CONN_READ_CHUNK	(64 * 1024)
#define CONN_RETRY_NS	10000000

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
try_connect(const struct sockaddr_un *sun)
{
	int	 fd, e;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/*
 * Connect to path, retrying for up to wait seconds while the socket is not
 * there yet or not accepting; replies must come within timeout (0: forever).
 */
int
conn_open(struct conn *c, const char *path, double wait, double timeout)
{
	struct timespec	 pause = { 0, CONN_RETRY_NS };
	struct timeval	 tv;
	struct sockaddr_un sun;
	double		 deadline = now_s() + wait;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	if (!msgpack_zone_init(&c->zone, 8192))
		return -1;
	c->zone_ok = 1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path));
	while ((c->fd = try_connect(&sun)) == -1) {
		if ((errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN) || now_s() >= deadline)
			return -1;
		nanosleep(&pause, NULL);
	}
	if (timeout > 0) {
		tv.tv_sec = (time_t)timeout;
		tv.tv_usec = (suseconds_t)((timeout - tv.tv_sec) * 1e6);
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return 0;
}

int
conn_flush(struct conn *c)
{
	ssize_t	 n;

	while (buf_avail(&c->out) > 0) {
		n = write(c->fd, buf_head(&c->out), buf_avail(&c->out));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf_consume(&c->out, n);
	}
	return 0;
}

/* Is a whole frame already buffered, so conn_recv will not block? */
int
conn_buffered(struct conn *c)
{
	uint32_t len;

	buf_consume(&c->in, c->taken);
	c->taken = 0;
	return frame_parse(buf_head(&c->in), buf_avail(&c->in),
	    IPC_MAX_MESSAGE_MAX, &len) != FRAME_MORE;
}

static int
conn_fill(struct conn *c)
{
	ssize_t	 n;

	if (buf_reserve(&c->in, CONN_READ_CHUNK) == -1) {
		fprintf(stderr, "ipcctl: out of memory\n");
		return -1;
	}
	do {
		n = read(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len);
	} while (n == -1 && errno == EINTR);
	if (n > 0) {
		c->in.len += n;
		return 0;
	}
	if (n == 0)
		fprintf(stderr, "ipcctl: ipcd closed the connection\n");
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		fprintf(stderr, "ipcctl: timed out waiting for ipcd\n");
	else
		fprintf(stderr, "ipcctl: read: %s\n", strerror(errno));
	return -1;
}

/* The next reply; it stays valid until the next call. */
int
conn_recv(struct conn *c, struct ipc_msg *m)
{
	enum frame_status st;
	const char	*why;
	uint32_t	 len;

	buf_consume(&c->in, c->taken);
	c->taken = 0;
	while ((st = frame_parse(buf_head(&c->in), buf_avail(&c->in),
	    IPC_MAX_MESSAGE_MAX, &len)) == FRAME_MORE)
		if (conn_fill(c) == -1)
			return -1;
	if (st != FRAME_OK) {
		fprintf(stderr, "ipcctl: bad reply from ipcd: %s\n",
		    frame_status_name(st));
		return -1;
	}
	c->taken = FRAME_HDR + (size_t)len;
	if (proto_decode(buf_head(&c->in) + FRAME_HDR, len, IPC_DIR_REPLY,
	    &c->zone, m, &why) != IPC_E_NONE) {
		fprintf(stderr, "ipcctl: bad reply from ipcd: %s\n", why);
		return -1;
	}
	return 0;
}

void
conn_close(struct conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	buf_free(&c->out);
	if (c->zone_ok)
		msgpack_zone_destroy(&c->zone);
	c->zone_ok = 0;
}

int
ctl_connect(struct ctl *ctl)
{
	if (conn_open(&ctl->conn, ctl->socket, ctl->wait, ctl->timeout) == -1) {
		fprintf(stderr, "ipcctl: cannot connect to %s: %s\n",
		    ctl->socket, strerror(errno));
		return EXIT_CONN;
	}
	return 0;
}

/*
 * Send what is in the output buffer and wait for the reply to id.  If the
 * daemon closed the connection while we wrote (it refuses an oversized frame
 * from its header), its ERROR may still be there to read.
 */
int
ctl_wait(struct ctl *ctl, uint64_t id, struct ipc_msg *m)
{
	if (conn_flush(&ctl->conn) == -1) {
		int	 e = errno;

		if (conn_recv(&ctl->conn, m) == 0 && m->type == IPC_T_ERROR)
			return 0;
		fprintf(stderr, "ipcctl: write: %s\n", strerror(e));
		return EXIT_CONN;
	}
	for (;;) {
		if (conn_recv(&ctl->conn, m) == -1)
			return EXIT_CONN;
		if ((m->has_id && m->id == id) ||
		    (!m->has_id && m->type == IPC_T_ERROR))
			return 0;
	}
}

/* A request that is only the envelope (STATUS, PING) and its reply. */
int
ctl_call(struct ctl *ctl, enum ipc_type t, uint64_t id, struct ipc_msg *m)
{
	return ctl_call_pool(ctl, t, id, "", m);
}

/* A request that may name a pool ("": none), and its reply. */
int
ctl_call_pool(struct ctl *ctl, enum ipc_type t, uint64_t id, const char *pool,
    struct ipc_msg *m)
{
	if (proto_put_pool_request(&ctl->conn.out, IPC_MAX_MESSAGE_MAX, t, id,
	    proto_str(pool)) == -1) {
		fprintf(stderr, "ipcctl: out of memory\n");
		return EXIT_CONN;
	}
	return ctl_wait(ctl, id, m);
}
