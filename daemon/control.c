/*
 * The control socket: accepts clients, checks who they are, and hands
 * their requests to control_req.c.  A client that misbehaves gets an ERROR
 * and, for a framing error, loses its connection; nothing else is affected.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcd.h"
#include "log.h"

#define ACCEPT_PAUSE_MS	100

static void	client_msg(struct peer *, const struct ipc_msg *, void *);
static void	client_bad(struct peer *, enum ipc_err, const char *,
		    const struct ipc_msg *, int, void *);
static void	client_gone(struct peer *, const char *, void *);
static void	refuse(struct ipcd *, int, enum ipc_err, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

static const struct peer_ops client_ops = {
	client_msg, client_bad, client_gone, control_held
};

void
client_reply_error(struct client *c, int has_id, uint64_t id, enum ipc_err e,
    const char *fmt, ...)
{
	char	 text[IPC_TEXT_MAX + 1];
	va_list	 ap;

	if (c->peer == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	proto_put_error(peer_out(c->peer), peer_max(c->peer), has_id, id,
	    proto_str(proto_err_name(e)), proto_str(text));
}

static void
client_free(struct client *c)
{
	limits_user_put(&c->ix->conns, c->user);
	free(c);
}

/* Drop a reference; a client that has gone is freed with its last job. */
void
client_unref(struct client *c)
{
	if (--c->refs == 0 && c->peer == NULL)
		client_free(c);
}

static void
client_msg(struct peer *p, const struct ipc_msg *m, void *arg)
{
	(void)p;
	control_request(arg, m);
}

static void
client_bad(struct peer *p, enum ipc_err e, const char *why,
    const struct ipc_msg *m, int fatal, void *arg)
{
	struct client	*c = arg;

	(void)p;
	log_debug("client %llu: %s: %s%s", (unsigned long long)c->serial,
	    proto_err_name(e), why, fatal ? "; closing" : "");
	client_reply_error(c, m ? m->has_id : 0, m ? m->id : 0, e, "%s", why);
}

/* The connection has ended: forget it; its jobs go unanswered. */
void
control_detach(struct ipcd *ix, struct client *c)
{
	TAILQ_REMOVE(&ix->clients, c, entry);
	ix->nclients--;
	limits_conn_close(c->user);
	if (c->starved)
		TAILQ_REMOVE(&ix->starved, c, starve_entry);
	c->starved = 0;
	limits_charge(ix, c->user, -(int64_t)(c->in_held + c->out_held));
	c->in_held = c->out_held = 0;
	c->peer = NULL;
	master_client_gone(ix, c);
	if (c->refs == 0)
		client_free(c);
}

static void
client_gone(struct peer *p, const char *why, void *arg)
{
	static struct lograte	 rl;
	struct client	*c = arg;
	struct ipcd	*ix = c->ix;
	size_t		 over;

	if ((over = peer_overflow(p)) > 0)
		log_rated(&rl, LOG_WARNING, "client %llu (pid %ld, uid %u): "
		    "%zu bytes of replies "
		    "unread, above max_client_buffer (%llu); closing",
		    (unsigned long long)c->serial, (long)c->cred.pid,
		    c->cred.uid, over,
		    (unsigned long long)ix->conf.max_client_buffer);
	else
		log_debug("client %llu: %s", (unsigned long long)c->serial,
		    why);
	control_detach(ix, c);
}

/* Tell a refused peer why, once, without waiting, and hang up. */
static void
refuse(struct ipcd *ix, int fd, enum ipc_err e, const char *fmt, ...)
{
	struct buf	 b = { NULL, 0, 0, 0 };
	char		 text[IPC_TEXT_MAX + 1];
	va_list		 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (proto_put_errorf(&b, ix->conf.max_message, 0, 0, e, "%s",
	    text) == 0)
		(void)write(fd, buf_head(&b), buf_avail(&b));
	buf_free(&b);
	close(fd);
}

/* May the peer connect?  -1 if not: it has been told why and hung up on. */
static int
client_admit(struct ipcd *ix, int fd, const struct peercred *pc)
{
	unsigned	 max = ix->conf.max_connections_per_user, n;

	static struct lograte	 refused, full;

	if (!access_allowed(ix, pc)) {
		log_rated(&refused, LOG_NOTICE, "refused a connection from uid "
		    "%u (pid %ld)", pc->uid, (long)pc->pid);
		refuse(ix, fd, IPC_E_FORBIDDEN,
		    "uid %u may not use this socket", pc->uid);
		return -1;
	}
	n = limits_conns(&ix->conns, pc->uid);
	if (pc->uid != 0 && max != 0 && n >= max) {
		log_rated(&full, LOG_NOTICE, "refused a connection from uid %u "
		    "(pid %ld): %u open, max_connections_per_user %u", pc->uid,
		    (long)pc->pid, n, max);
		refuse(ix, fd, IPC_E_BUSY, "uid %u has %u connections open "
		    "(max_connections_per_user)", pc->uid, n);
		return -1;
	}
	return 0;
}

/*
 * A client that does not read its replies stops being read, and goes if
 * they still pile up past max_client_buffer (which the peer reads live).
 */
static void
client_set_limits(struct ipcd *ix, struct client *c)
{
	size_t		 limit;

	limit = 2 * (size_t)ix->conf.max_message;
	peer_set_out_limit(c->peer, limit < 1048576 ? 1048576 : limit);
	peer_set_out_max(c->peer, &ix->conf.max_client_buffer);
}

static void
client_new(struct ipcd *ix, int fd)
{
	static struct lograte	 rl;
	struct peercred	 pc;
	struct client	*c = NULL;

	if (access_peer(fd, &pc) == -1) {
		log_rated(&rl, LOG_WARNING, "peer credentials: %s",
		    strerror(errno));
		close(fd);
		return;
	}
	if (client_admit(ix, fd, &pc) == -1)
		return;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->user = limits_conn_open(&ix->conns, pc.uid)) == NULL)
		goto fail;
	c->ix = ix;
	c->cred = pc;
	c->serial = ++ix->client_serial;
	c->peer = peer_new(&ix->pb, fd, IPC_DIR_REQUEST, ix->conf.max_message,
	    &client_ops, c);
	if (c->peer == NULL) {
		limits_conn_close(c->user);
		limits_user_put(&ix->conns, c->user);
		goto fail;
	}
	client_set_limits(ix, c);
	TAILQ_INSERT_TAIL(&ix->clients, c, entry);
	ix->nclients++;
	log_debug("client %llu: connected", (unsigned long long)c->serial);
	return;
fail:
	log_warnx("out of memory for a client");
	close(fd);
	free(c);
}

static void
accept_resume(evutil_socket_t fd, short what, void *arg)
{
	struct ipcd	*ix = arg;

	(void)fd;
	(void)what;
	event_add(ix->ev_accept, NULL);
}

/* Out of descriptors: stop accepting for a moment rather than spin. */
static void
accept_pause(struct ipcd *ix)
{
	static struct lograte	 rl;
	struct timeval	 tv = { 0, ACCEPT_PAUSE_MS * 1000 };

	log_rated(&rl, LOG_WARNING, "accept: %s", strerror(errno));
	event_del(ix->ev_accept);
	evtimer_add(ix->ev_accept_pause, &tv);
}

static void
control_accept(evutil_socket_t lfd, short what, void *arg)
{
	static struct lograte	 rl;
	struct ipcd	*ix = arg;
	int		 fd, i;

	(void)what;
	for (i = 0; i < 64; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_pause(ix);
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				log_rated(&rl, LOG_WARNING, "accept: %s",
				    strerror(errno));
			return;
		}
		client_new(ix, fd);
	}
}

/*
 * Is someone listening at sun?  The connect never blocks: a listener whose
 * backlog is full (a frozen ipcd) says EAGAIN, which is as good as a yes.
 */
static int
control_listening(const struct sockaddr_un *sun)
{
	int	 fd, r;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	r = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	if (r == -1)
		r = errno == EAGAIN || errno == EINPROGRESS ? 0 : -1;
	close(fd);
	return r == 0;
}

/* Refuse to take over the socket of a running ipcd; remove a stale one. */
static int
control_clear(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat	 sb;
	int		 r;

	if (lstat(path, &sb) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((r = control_listening(&sun)) == -1)
		return -1;
	if (r == 1) {
		snprintf(err, errlen, "%s: another ipcd is listening there",
		    path);
		return -1;
	}
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return 0;
}

/*
 * Make the socket's directory if it is missing (as systemd's
 * RuntimeDirectory= would): mode 0755, owned by ipcd's user, only the last
 * component.  An existing directory is used as it is, never changed.
 */
static int
control_mkdir(const char *path, char *err, size_t errlen)
{
	char	 dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char	*slash;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) == 0) {
		(void)chmod(dir, 0755);		/* whatever the umask */
		log_info("made the socket's directory %s (mode 0755)", dir);
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	snprintf(err, errlen, "cannot make the socket's directory %s: %s",
	    dir, strerror(errno));
	return -1;
}

/* Bind and listen on the socket; what it is (dev, inode) goes to *sb. */
static int
control_bind(const struct config *conf, struct stat *sb)
{
	const char	*path = conf->socket;
	mode_t		 mode = conf->socket_mode;
	struct sockaddr_un sun;
	mode_t		 old;
	int		 fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	old = umask(~mode & 0777);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r == -1 || chmod(path, mode) == -1 ||
	    ((conf->socket_owner_set || conf->socket_group_set) &&
	    chown(path, conf->socket_owner_set ? conf->socket_owner :
	    (uid_t)-1, conf->socket_group_set ? conf->socket_group :
	    (gid_t)-1) == -1) ||
	    listen(fd, SOMAXCONN) == -1 || lstat(path, sb) == -1) {
		r = errno;
		close(fd);
		errno = r;
		return -1;
	}
	return fd;
}

int
control_listen(struct ipcd *ix, char *err, size_t errlen)
{
	const char	*path = ix->conf.socket;

	*err = '\0';
	TAILQ_INIT(&ix->clients);
	TAILQ_INIT(&ix->starved);
	if ((ix->listen_fd = sd_listen_socket()) == -2) {
		snprintf(err, errlen, "socket activation: unusable socket");
		return -1;
	}
	ix->listen_inherited = ix->listen_fd >= 0;
	if (ix->listen_inherited)
		log_info("using the control socket passed by systemd");
	else if (control_mkdir(path, err, errlen) == -1 ||
	    control_clear(path, err, errlen) == -1 ||
	    (ix->listen_fd = control_bind(&ix->conf, &ix->listen_sb)) == -1) {
		if (*err == '\0')
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	access_socket_group(ix);
	ix->ev_accept = event_new(ix->base, ix->listen_fd,
	    EV_READ | EV_PERSIST, control_accept, ix);
	ix->ev_accept_pause = evtimer_new(ix->base, accept_resume, ix);
	if (ix->ev_accept == NULL || ix->ev_accept_pause == NULL ||
	    event_add(ix->ev_accept, NULL) == -1 ||
	    control_held_start(ix) == -1) {
		snprintf(err, errlen, "cannot watch the control socket");
		return -1;
	}
	return 0;
}

/*
 * Remove the socket ipcd made, if it is still there: whatever has taken
 * its place since (another ipcd's socket, a file) is left alone.
 */
static void
control_unlink(const struct ipcd *ix)
{
	struct stat	 sb;

	if (lstat(ix->conf.socket, &sb) == -1)
		return;
	if (!S_ISSOCK(sb.st_mode) || sb.st_dev != ix->listen_sb.st_dev ||
	    sb.st_ino != ix->listen_sb.st_ino) {
		log_info("%s is no longer ipcd's socket: left as it is",
		    ix->conf.socket);
		return;
	}
	unlink(ix->conf.socket);
}

/* Stop accepting and remove the socket; connected clients stay. */
void
control_close(struct ipcd *ix)
{
	if (ix->listen_fd == -1)
		return;
	control_held_stop(ix);
	event_free(ix->ev_accept);
	event_free(ix->ev_accept_pause);
	ix->ev_accept = ix->ev_accept_pause = NULL;
	close(ix->listen_fd);
	ix->listen_fd = -1;
	if (!ix->listen_inherited)	/* systemd owns an inherited one */
		control_unlink(ix);
}

/* Close every client connection, trying once to send what is pending. */
void
control_close_clients(struct ipcd *ix)
{
	struct client	*c;

	while ((c = TAILQ_FIRST(&ix->clients)) != NULL) {
		peer_close(c->peer);
		control_detach(ix, c);
	}
}
