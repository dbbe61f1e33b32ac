/*
 * Opening and closing a connection: where the socket is, connecting (with
 * a wait for a daemon that is starting), and the PING that tells the
 * library the daemon's version and largest message.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib.h"

#define CONNECT_RETRY_NS	10000000

/* The socket to use: path, else $IPCD_SOCKET, else the default. */
const char *
ipcd_socket_path(const char *path)
{
	const char	*env;

	if (path != NULL && *path != '\0')
		return path;
	if ((env = getenv("IPCD_SOCKET")) != NULL && *env != '\0')
		return env;
	return IPCD_SOCK_PATH;
}

static int
try_connect(const struct sockaddr_un *sun)
{
	int	 fd, e;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	/* the descriptor blocks: the library says per call (io.c) */
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0 &&
	    fcntl(fd, F_SETFL, 0) == 0)
		return fd;
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

/* Connect, retrying while the socket is missing or full, for wait_ms. */
static int
open_socket(struct ipcd *c, const char *path, int wait_ms)
{
	struct timespec	 pause = { 0, CONNECT_RETRY_NS };
	struct sockaddr_un sun;
	uint64_t	 end = lib_now() + (uint64_t)(wait_ms > 0 ? wait_ms : 0) *
			    1000000;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path))
		return lib_fail(c, IPCD_E_CONNECT, "cannot connect to %s: %s",
		    path, strerror(ENAMETOOLONG));
	memcpy(sun.sun_path, path, strlen(path));
	while ((c->fd = try_connect(&sun)) == -1) {
		if ((errno != ENOENT && errno != ECONNREFUSED &&
		    errno != EAGAIN) || lib_now() >= end)
			return lib_fail(c, IPCD_E_CONNECT, "cannot connect to "
			    "%s: %s", path, strerror(errno));
		nanosleep(&pause, NULL);
	}
	return IPCD_OK;
}

/* PING: the daemon answers, and says what it accepts. */
static int
hello(struct ipcd *c)
{
	struct ipcd_reply r;
	int		 e;

	if ((e = ipcd_command(c, IPCD_PING, NULL, 0, &r)) == IPCD_OK ||
	    c->err != IPCD_OK)
		return e;
	return lib_fail(c, e, "%s: %s", r.code, r.message);
}

/* A connection over fd (-1: none yet), not yet greeted; NULL: no memory. */
struct ipcd *
lib_adopt(int fd)
{
	struct ipcd	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	c->fd = fd;
	c->max_message = IPC_MAX_MESSAGE_MAX;
	c->watched = -1;
	jobs_init(&c->jobs);
	if (!msgpack_zone_init(&c->zone, 8192)) {
		free(c);
		return NULL;
	}
	return c;
}

/*
 * A connection to the socket (NULL: ipcd_socket_path's choice), waiting up
 * to wait_ms for it to accept.  NULL only when out of memory; otherwise
 * check ipcd_error.
 */
struct ipcd *
ipcd_connect_wait(const char *path, int wait_ms)
{
	struct ipcd	*c;

	if ((c = lib_adopt(-1)) == NULL)
		return NULL;
	if (open_socket(c, ipcd_socket_path(path), wait_ms) == IPCD_OK)
		hello(c);
	return c;
}

struct ipcd *
ipcd_connect(const char *path)
{
	return ipcd_connect_wait(path, 0);
}

/* Close the connection; requests still waiting fail with IPCD_E_CLOSED. */
void
ipcd_free(struct ipcd *c)
{
	if (c == NULL)
		return;
	lib_fail(c, IPCD_E_CLOSED, "the connection was closed");
	jobs_free(&c->jobs);
	buf_free(&c->in);
	buf_free(&c->out);
	msgpack_zone_destroy(&c->zone);
	free(c);
}

int
ipcd_error(const struct ipcd *c)
{
	return c == NULL ? IPCD_E_NOMEM : c->err;
}

const char *
ipcd_errstr(const struct ipcd *c)
{
	if (c == NULL)
		return ipcd_strerror(IPCD_E_NOMEM);
	if (c->err != IPCD_OK)
		return c->errstr;
	return c->refused ? c->message : "";
}

const char *
ipcd_version(const struct ipcd *c)
{
	return c == NULL ? "" : c->version;
}

uint32_t
ipcd_max_message(const struct ipcd *c)
{
	return c == NULL ? 0 : c->max_message;
}

int
ipcd_fd(const struct ipcd *c)
{
	return c == NULL ? -1 : c->fd;
}

/* Give up on any reply after ms (0: wait for ever); for later requests. */
void
ipcd_set_timeout(struct ipcd *c, int ms)
{
	if (c != NULL)
		c->timeout_ms = ms > 0 ? ms : 0;
}

/* The caller's own pointer, for its callbacks. */
void
ipcd_set_userdata(struct ipcd *c, void *p)
{
	if (c != NULL)
		c->userdata = p;
}

void *
ipcd_userdata(const struct ipcd *c)
{
	return c == NULL ? NULL : c->userdata;
}
