/*
 * chaos: a test client that pushes many jobs through ipcd over several
 * pipelining connections, from one process, and checks that every job gets
 * exactly one valid answer while workers are being killed.
 *
 * Job i (1 to n) goes on connection (i - 1) % c.  Every e-th job is
 * "sleep" of SLEEP ms with a "timeout" of TIMEOUT ms, expected to end in
 * ERROR timeout; every E-th other job is "echo" of a string, expected back
 * unchanged; the rest are "double" of i, expected to give 2 * i.  Any job
 * may instead get ERROR worker_died (its worker died after its retry).
 * Anything else is a failure: a wrong result, an answer for an unknown id
 * or on the wrong connection, a second answer, another error code, or no
 * answer when a connection ends or the deadline passes.  Once every job
 * is answered, the connections stay open for -l ms more, to catch answers
 * that come late.  The last line of output sums it up; the exit status is
 * 0 only if all is well.
 *
 *   chaos [-c conns] [-E echo_every] [-e sleep_every] [-l linger_ms]
 *         [-n jobs] [-S sleep_ms] [-T timeout_ms] [-t seconds] [-w window]
 *         SOCKET
 *
 * By default: 100000 jobs on 4 connections, each keeping up to 256 jobs
 * outstanding (-w); one job in 2000 sleeps 2000 ms with a timeout of
 * 100 ms, one in 10 is an echo; a deadline of 60 s (-t) and no linger.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "proto.h"

#define CONNS_MAX	256
#define READ_CHUNK	65536
#define REPORT_MAX	10	/* failures described one by one */

enum kind {
	K_DOUBLE,
	K_ECHO,
	K_SLEEP
};

enum jstate {
	J_UNSENT,
	J_SENT,
	J_ANSWERED
};

struct opts {
	const char	*socket;
	uint64_t	 jobs;
	unsigned	 conns;
	unsigned	 window;
	uint64_t	 sleep_every;	/* 0: no sleep job */
	uint64_t	 echo_every;	/* 0: no echo job */
	unsigned	 sleep_ms;
	unsigned	 timeout_ms;
	unsigned	 deadline_s;
	unsigned	 linger_ms;
};

struct conn {
	int		 fd;		/* -1 once closed */
	unsigned	 index;
	struct buf	 in;
	struct buf	 out;
	uint64_t	 next;		/* the next job id it sends */
	uint64_t	 outstanding;
};

struct tally {
	uint64_t	 sleeps;	/* sleep jobs among the jobs */
	uint64_t	 results;
	uint64_t	 sleep_results;	/* of which sleep jobs that finished */
	uint64_t	 died;		/* ERROR worker_died */
	uint64_t	 timeouts;	/* ERROR timeout, for sleep jobs */
	uint64_t	 other;		/* any other answer */
	uint64_t	 dups;
	uint64_t	 unknown;	/* unknown id, or on the wrong connection */
	uint64_t	 wrong;
	uint64_t	 missing;
	unsigned	 reported;
};

struct chaos {
	struct opts	 o;
	struct conn	*conns;
	uint8_t		*state;		/* enum jstate, by job id */
	struct tally	 t;
	struct buf	 data;		/* scratch for packing "data" */
	msgpack_zone	 zone;
};

static void
usage(void)
{
	fprintf(stderr, "usage: chaos [-c conns] [-E echo_every] "
	    "[-e sleep_every] [-l linger_ms]\n"
	    "             [-n jobs] [-S sleep_ms] [-T timeout_ms] "
	    "[-t seconds] [-w window]\n"
	    "             SOCKET\n");
	exit(2);
}

static uint64_t
number(const char *s, uint64_t min, uint64_t max)
{
	char			*end;
	unsigned long long	 v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "chaos: bad number '%s'\n", s);
		usage();
	}
	return v;
}

static void
parse_opts(struct opts *o, int argc, char **argv)
{
	int	 ch;

	*o = (struct opts){ NULL, 100000, 4, 256, 2000, 10, 2000, 100, 60, 0 };
	while ((ch = getopt(argc, argv, "c:E:e:l:n:S:T:t:w:")) != -1) {
		if (ch == 'c')
			o->conns = number(optarg, 1, CONNS_MAX);
		else if (ch == 'E')
			o->echo_every = number(optarg, 0, UINT64_MAX);
		else if (ch == 'e')
			o->sleep_every = number(optarg, 0, UINT64_MAX);
		else if (ch == 'l')
			o->linger_ms = number(optarg, 0, 3600000);
		else if (ch == 'n')
			o->jobs = number(optarg, 1, UINT32_MAX);
		else if (ch == 'S')
			o->sleep_ms = number(optarg, 0, 3600000);
		else if (ch == 'T')
			o->timeout_ms = number(optarg, 0, UINT32_MAX);
		else if (ch == 't')
			o->deadline_s = number(optarg, 1, 86400);
		else if (ch == 'w')
			o->window = number(optarg, 1, 1000000);
		else
			usage();
	}
	if (optind + 1 != argc)
		usage();
	o->socket = argv[optind];
}

static enum kind
job_kind(const struct opts *o, uint64_t id)
{
	if (o->sleep_every != 0 && id % o->sleep_every == 0)
		return K_SLEEP;
	if (o->echo_every != 0 && id % o->echo_every == 0)
		return K_ECHO;
	return K_DOUBLE;
}

static int
echo_text(char *s, size_t len, uint64_t id)
{
	return snprintf(s, len, "chaos job %llu", (unsigned long long)id);
}

static double
now_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Append job id's SUBMIT to c's output. */
static int
put_job(struct chaos *ch, struct conn *c, uint64_t id)
{
	static const char *const names[] = { "double", "echo", "sleep" };
	enum kind	 k = job_kind(&ch->o, id);
	msgpack_packer	 pk;
	char		 s[64];
	int		 n;

	ch->data.off = ch->data.len = 0;
	msgpack_packer_init(&pk, &ch->data, buf_msgpack_write);
	if (k == K_ECHO) {
		n = echo_text(s, sizeof(s), id);
		msgpack_pack_str(&pk, n);
		msgpack_pack_str_body(&pk, s, n);
	} else
		msgpack_pack_uint64(&pk, k == K_SLEEP ? ch->o.sleep_ms : id);
	return proto_put_submit(&c->out, IPC_MAX_MESSAGE_MAX, id,
	    proto_str(names[k]), proto_str(""), buf_head(&ch->data),
	    buf_avail(&ch->data),
	    k == K_SLEEP ? (int64_t)ch->o.timeout_ms : -1);
}

/* Keep the connection's window full. */
static int
conn_fill(struct chaos *ch, struct conn *c)
{
	while (c->outstanding < ch->o.window && c->next <= ch->o.jobs) {
		if (put_job(ch, c, c->next) == -1)
			return -1;
		ch->state[c->next] = J_SENT;
		c->outstanding++;
		c->next += ch->o.conns;
	}
	return 0;
}

static int
conn_open(struct conn *c, const char *path, unsigned index)
{
	struct sockaddr_un sun;

	memset(c, 0, sizeof(*c));
	c->index = index;
	c->next = index + 1;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    fcntl(c->fd, F_SETFL, O_NONBLOCK) == -1) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	return 0;
}

static void
conn_close(struct chaos *ch, struct conn *c, const char *why)
{
	if (c->fd == -1)
		return;
	if (why != NULL && (c->outstanding > 0 || c->next <= ch->o.jobs))
		fprintf(stderr, "chaos: connection %u %s with %llu jobs "
		    "outstanding\n", c->index, why,
		    (unsigned long long)c->outstanding);
	close(c->fd);
	c->fd = -1;
}

/* Describe one failure, up to REPORT_MAX of them. */
static void
report(struct chaos *ch, const struct ipc_msg *m, const char *what)
{
	if (ch->t.reported++ >= REPORT_MAX)
		return;
	fprintf(stderr, "chaos: %s: id %llu, %s", what,
	    (unsigned long long)m->id, proto_type_name(m->type));
	if (m->type == IPC_T_ERROR)
		fprintf(stderr, " %.*s: %.*s", (int)m->code.len, m->code.p,
		    (int)m->message.len, m->message.p);
	fputc('\n', stderr);
}

static int
result_right(const struct opts *o, uint64_t id, const msgpack_object *d)
{
	char	 s[64];
	int	 n;

	switch (job_kind(o, id)) {
	case K_DOUBLE:
		return d->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    d->via.u64 == 2 * id;
	case K_ECHO:
		n = echo_text(s, sizeof(s), id);
		return d->type == MSGPACK_OBJECT_STR &&
		    d->via.str.size == (uint32_t)n &&
		    memcmp(d->via.str.ptr, s, n) == 0;
	case K_SLEEP:
		return d->type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    d->via.u64 == o->sleep_ms;
	}
	return 0;
}

static int
code_is(const struct ipc_msg *m, const char *name)
{
	return m->code.len == strlen(name) &&
	    memcmp(m->code.p, name, m->code.len) == 0;
}

/* Judge the one answer of job id. */
static void
judge(struct chaos *ch, const struct ipc_msg *m)
{
	struct tally	*t = &ch->t;
	int		 is_sleep = job_kind(&ch->o, m->id) == K_SLEEP;
	msgpack_object	 d;

	if (m->type == IPC_T_RESULT &&
	    proto_unpack(m->data, &ch->zone, &d) == 0 &&
	    result_right(&ch->o, m->id, &d)) {
		t->results++;
		t->sleep_results += is_sleep;
	} else if (m->type == IPC_T_RESULT) {
		t->wrong++;
		report(ch, m, "wrong result");
	} else if (m->type == IPC_T_ERROR && code_is(m, "worker_died"))
		t->died++;
	else if (m->type == IPC_T_ERROR && is_sleep && code_is(m, "timeout"))
		t->timeouts++;
	else {
		t->other++;
		report(ch, m, "unexpected answer");
	}
}

/* One reply on c: is it the first answer to one of c's jobs? */
static void
take_reply(struct chaos *ch, struct conn *c, const struct ipc_msg *m)
{
	if (!m->has_id || m->id == 0 || m->id > ch->o.jobs ||
	    (m->id - 1) % ch->o.conns != c->index ||
	    ch->state[m->id] == J_UNSENT) {
		ch->t.unknown++;
		report(ch, m, "answer for no job of this connection");
		return;
	}
	if (ch->state[m->id] == J_ANSWERED) {
		ch->t.dups++;
		report(ch, m, "second answer");
		return;
	}
	ch->state[m->id] = J_ANSWERED;
	c->outstanding--;
	judge(ch, m);
}

/* Take every whole frame in c's input; -1 on a framing error. */
static int
conn_frames(struct chaos *ch, struct conn *c)
{
	struct ipc_msg	 m;
	const char	*why;
	uint32_t	 len;
	enum frame_status fs;

	while ((fs = frame_parse(buf_head(&c->in), buf_avail(&c->in),
	    IPC_MAX_MESSAGE_MAX, &len)) == FRAME_OK) {
		if (proto_decode(buf_head(&c->in) + FRAME_HDR, len,
		    IPC_DIR_REPLY, &ch->zone, &m, &why) != IPC_E_NONE) {
			fprintf(stderr, "chaos: undecodable reply: %s\n", why);
			ch->t.other++;
		} else
			take_reply(ch, c, &m);
		msgpack_zone_clear(&ch->zone);
		buf_consume(&c->in, FRAME_HDR + (size_t)len);
	}
	if (fs == FRAME_MORE)
		return 0;
	fprintf(stderr, "chaos: %s\n", frame_status_name(fs));
	return -1;
}

static void
conn_read(struct chaos *ch, struct conn *c)
{
	ssize_t	 n;

	if (buf_reserve(&c->in, READ_CHUNK) == -1) {
		conn_close(ch, c, "ran out of memory");
		return;
	}
	n = read(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(ch, c, n == 0 ? "was closed by ipcd" :
		    "failed to read");
		return;
	}
	c->in.len += (size_t)n;
	if (conn_frames(ch, c) == -1)
		conn_close(ch, c, "had a framing error");
}

static void
conn_write(struct chaos *ch, struct conn *c)
{
	ssize_t	 n;

	n = write(c->fd, buf_head(&c->out), buf_avail(&c->out));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_close(ch, c, "failed to write");
		return;
	}
	buf_consume(&c->out, (size_t)n);
}

static int
conn_busy(const struct chaos *ch, const struct conn *c)
{
	return c->outstanding > 0 || c->next <= ch->o.jobs ||
	    buf_avail(&c->out) > 0;
}

/* Fill every open connection and set up poll; *busy: those with work. */
static nfds_t
poll_setup(struct chaos *ch, struct pollfd *pfd, struct conn **who,
    unsigned *busy)
{
	struct conn	*c;
	nfds_t		 n = 0;
	unsigned	 i;

	*busy = 0;
	for (i = 0; i < ch->o.conns; i++) {
		c = &ch->conns[i];
		if (c->fd != -1 && conn_fill(ch, c) == -1)
			conn_close(ch, c, "could not encode a job");
		if (c->fd == -1)
			continue;
		*busy += conn_busy(ch, c);
		pfd[n].fd = c->fd;
		pfd[n].events = POLLIN | (buf_avail(&c->out) ? POLLOUT : 0);
		who[n++] = c;
	}
	return n;
}

/*
 * Run until every job is answered and the linger time has passed, or the
 * deadline passes, or every connection has closed.
 */
static void
run(struct chaos *ch, double deadline)
{
	struct pollfd	 pfd[CONNS_MAX];
	struct conn	*who[CONNS_MAX];
	double		 left, linger = 0;
	unsigned	 busy;
	nfds_t		 n, i;

	while ((n = poll_setup(ch, pfd, who, &busy)) > 0) {
		if (busy == 0 && linger == 0)
			linger = now_s() + ch->o.linger_ms / 1e3;
		if ((left = (busy ? deadline : linger) - now_s()) <= 0) {
			if (busy)
				fprintf(stderr, "chaos: deadline passed\n");
			return;
		}
		if (poll(pfd, n, (int)(left * 1000) + 1) == -1 &&
		    errno != EINTR) {
			perror("chaos: poll");
			return;
		}
		for (i = 0; i < n; i++) {
			if (pfd[i].revents & POLLOUT)
				conn_write(ch, who[i]);
			if (who[i]->fd != -1 &&
			    pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(ch, who[i]);
		}
	}
}

/* Print the summary; 0 if every job had exactly one valid answer. */
static int
summary(struct chaos *ch, double seconds)
{
	struct tally	*t = &ch->t;
	uint64_t	 id;

	for (id = 1; id <= ch->o.jobs; id++) {
		if (ch->state[id] != J_ANSWERED)
			t->missing++;
		if (job_kind(&ch->o, id) == K_SLEEP)
			t->sleeps++;
	}
	printf("chaos: jobs=%llu sleeps=%llu results=%llu sleep_results=%llu "
	    "worker_died=%llu timeout=%llu other=%llu duplicates=%llu "
	    "unknown=%llu wrong=%llu missing=%llu seconds=%.2f\n",
	    (unsigned long long)ch->o.jobs, (unsigned long long)t->sleeps,
	    (unsigned long long)t->results,
	    (unsigned long long)t->sleep_results,
	    (unsigned long long)t->died, (unsigned long long)t->timeouts,
	    (unsigned long long)t->other, (unsigned long long)t->dups,
	    (unsigned long long)t->unknown, (unsigned long long)t->wrong,
	    (unsigned long long)t->missing, seconds);
	return t->other + t->dups + t->unknown + t->wrong + t->missing == 0 ?
	    0 : 1;
}

int
main(int argc, char **argv)
{
	struct chaos	 ch;
	double		 t0;
	unsigned	 i;
	int		 rc;

	memset(&ch, 0, sizeof(ch));
	parse_opts(&ch.o, argc, argv);
	signal(SIGPIPE, SIG_IGN);	/* a closed connection is reported */
	ch.state = calloc(ch.o.jobs + 1, 1);
	ch.conns = calloc(ch.o.conns, sizeof(*ch.conns));
	if (ch.state == NULL || ch.conns == NULL ||
	    !msgpack_zone_init(&ch.zone, 8192)) {
		fprintf(stderr, "chaos: out of memory\n");
		return 2;
	}
	for (i = 0; i < ch.o.conns; i++)
		if (conn_open(&ch.conns[i], ch.o.socket, i) == -1) {
			fprintf(stderr, "chaos: %s: %s\n", ch.o.socket,
			    strerror(errno));
			return 2;
		}
	t0 = now_s();
	run(&ch, t0 + ch.o.deadline_s);
	rc = summary(&ch, now_s() - t0);
	for (i = 0; i < ch.o.conns; i++) {
		conn_close(&ch, &ch.conns[i], NULL);
		buf_free(&ch.conns[i].in);
		buf_free(&ch.conns[i].out);
	}
	free(ch.state);
	free(ch.conns);
	buf_free(&ch.data);
	msgpack_zone_destroy(&ch.zone);
	return rc;
}
