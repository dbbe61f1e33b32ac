/*
 * libipcd against a scripted daemon: a child process on a Unix socket that
 * answers as each test says, including what the protocol forbids.  Checks
 * that replies are matched by id, that each request is answered exactly
 * once, and that bad input from the daemon ends the connection cleanly.
 */
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "frame.h"
#include "ipcd.h"
#include "ipcd-libevent.h"
#include "proto.h"

#define MAXREC	16

/* The scripted daemon's side. */
struct fake {
	char		 dir[64];
	char		 path[96];
	pid_t		 pid;
	int		 fd;		/* the child's connection */
	struct buf	 in;
	msgpack_zone	 zone;
	uint32_t	 max_message;	/* in PONG; 0: none */
};

typedef void	 script(struct fake *);

static void
put(struct fake *f, struct buf *b)
{
	size_t	 off = 0;
	ssize_t	 n;

	while (off < buf_avail(b)) {
		if ((n = write(f->fd, buf_head(b) + off, buf_avail(b) - off)) <= 0)
			_exit(3);
		off += (size_t)n;
	}
	buf_free(b);
}

static void
put_bytes(struct fake *f, const void *p, size_t n)
{
	if (write(f->fd, p, n) != (ssize_t)n)
		_exit(3);
}

/* The next request; 0 at the end of the connection. */
static int
get(struct fake *f, struct ipc_msg *m)
{
	const char	*why;
	uint32_t	 len;
	ssize_t		 n;

	buf_consume(&f->in, 0);
	for (;;) {
		if (frame_parse(buf_head(&f->in), buf_avail(&f->in),
		    IPC_MAX_MESSAGE_MAX, &len) == FRAME_OK)
			break;
		if (buf_reserve(&f->in, 65536) == -1)
			_exit(4);
		n = read(f->fd, f->in.data + f->in.len, f->in.cap - f->in.len);
		if (n <= 0)
			return 0;
		f->in.len += (size_t)n;
	}
	if (proto_decode(buf_head(&f->in) + FRAME_HDR, len, IPC_DIR_REQUEST,
	    &f->zone, m, &why) != IPC_E_NONE)
		_exit(5);
	buf_consume(&f->in, FRAME_HDR + len);
	return 1;
}

static void
result_uint(struct fake *f, uint64_t id, uint64_t v)
{
	struct buf	 b = { 0 };
	msgpack_sbuffer	 sb;
	msgpack_packer	 pk;

	msgpack_sbuffer_init(&sb);
	msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
	msgpack_pack_uint64(&pk, v);
	proto_put_result(&b, UINT32_MAX, id, (struct ipc_bytes){
	    (const uint8_t *)sb.data, sb.size });
	msgpack_sbuffer_destroy(&sb);
	put(f, &b);
}

static void
error_reply(struct fake *f, int has_id, uint64_t id, const char *code,
    const char *text)
{
	struct buf	 b = { 0 };

	proto_put_error(&b, UINT32_MAX, has_id, id, proto_str(code),
	    proto_str(text));
	put(f, &b);
}

/* Answer the library's PING. */
static void
greet(struct fake *f)
{
	struct ipc_msg	 m;
	struct buf	 b = { 0 };

	if (!get(f, &m) || m.type != IPC_T_PING)
		_exit(6);
	if (f->max_message > 0)
		proto_put_pong(&b, UINT32_MAX, m.id, proto_str("9.9.9"),
		    f->max_message);
	else
		proto_put_request(&b, UINT32_MAX, IPC_T_PONG, m.id);
	put(f, &b);
}

/* Read requests until the connection ends (so writes do not fail). */
static void
drain(struct fake *f)
{
	struct ipc_msg	 m;

	while (get(f, &m))
		;
}

static struct fake *
fake_start(script *fn, uint32_t max_message)
{
	struct sockaddr_un sun;
	struct fake	*f = calloc(1, sizeof(*f));
	int		 lfd;

	assert_non_null(f);
	f->max_message = max_message;
	snprintf(f->dir, sizeof(f->dir), "/tmp/libipcd.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/s.sock", f->dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 4), 0);
	if ((f->pid = fork()) == 0) {
		alarm(20);
		if ((f->fd = accept(lfd, NULL, NULL)) == -1)
			_exit(2);
		msgpack_zone_init(&f->zone, 4096);
		greet(f);
		fn(f);
		_exit(0);
	}
	assert_true(f->pid > 0);
	close(lfd);
	return f;
}

/* The child's exit status (0 if the script ran to its end). */
static int
fake_stop(struct fake *f)
{
	int	 st = 0;

	waitpid(f->pid, &st, 0);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* What the callbacks saw, by the index each request was given. */
struct rec {
	int		 calls[MAXREC];
	int		 error[MAXREC];
	uint64_t	 value[MAXREC];
	char		 code[MAXREC][64];
	int		 order[MAXREC];
	int		 n;
};

static struct rec	 rec;

static void
record(struct ipcd *c, const struct ipcd_reply *r, void *arg)
{
	msgpack_zone	 z;
	msgpack_object	 o;
	int		 i = (int)(intptr_t)arg;

	(void)c;
	rec.calls[i]++;
	rec.error[i] = r->error;
	snprintf(rec.code[i], sizeof(rec.code[i]), "%s", r->code);
	rec.order[rec.n++] = i;
	msgpack_zone_init(&z, 1024);
	if (r->error == IPCD_OK && ipcd_unpack(r, &z, &o) == IPCD_OK &&
	    o.type == MSGPACK_OBJECT_POSITIVE_INTEGER)
		rec.value[i] = o.via.u64;
	msgpack_zone_destroy(&z);
}

static uint8_t	 ten[] = { 0x0a };

static int
submit(struct ipcd *c, int i, const struct ipcd_opts *o)
{
	return ipcd_submit_async(c, "double", ten, 1, o, record,
	    (void *)(intptr_t)i, NULL);
}

static int
setup(void **state)
{
	(void)state;
	memset(&rec, 0, sizeof(rec));
	return 0;
}

/* ---- scripts ---- */

static void
s_double(struct fake *f)
{
	struct ipc_msg	 m;

	while (get(f, &m))
		result_uint(f, m.id, 20);
}

/* Three jobs answered in the order 3, 1, 2. */
static void
s_reorder(struct fake *f)
{
	struct ipc_msg	 m;
	uint64_t	 ids[3];
	int		 i;

	for (i = 0; i < 3; i++) {
		if (!get(f, &m))
			_exit(7);
		ids[i] = m.id;
	}
	result_uint(f, ids[2], 3);
	result_uint(f, ids[0], 1);
	result_uint(f, ids[1], 2);
	drain(f);
}

static void
s_unknown_id(struct fake *f)
{
	struct ipc_msg	 m;

	if (!get(f, &m) || !get(f, &m))
		_exit(7);
	result_uint(f, 999, 1);
	drain(f);
}

static void
s_truncated(struct fake *f)
{
	static const uint8_t part[] = { 0, 0, 0, 20, 0x83, 0xa1, 'v', 1 };
	struct ipc_msg	 m;

	if (!get(f, &m) || !get(f, &m))
		_exit(7);
	put_bytes(f, part, sizeof(part));
}

static void
s_not_a_map(struct fake *f)
{
	static const uint8_t frame[] = { 0, 0, 0, 2, 0x91, 0x01 };
	struct ipc_msg	 m;

	if (!get(f, &m))
		_exit(7);
	put_bytes(f, frame, sizeof(frame));
	drain(f);
}

static void
s_wrong_type(struct fake *f)
{
	struct ipc_msg	 m;
	struct buf	 b = { 0 };

	if (!get(f, &m))
		_exit(7);
	proto_put_request(&b, UINT32_MAX, IPC_T_OK, m.id);
	put(f, &b);
	drain(f);
}

static void
s_huge_header(struct fake *f)
{
	static const uint8_t hdr[] = { 0x7f, 0xff, 0xff, 0xff };
	struct ipc_msg	 m;

	if (!get(f, &m))
		_exit(7);
	put_bytes(f, hdr, sizeof(hdr));
	drain(f);
}

/* The first job is never answered until the second is; then late. */
static void
s_late(struct fake *f)
{
	struct ipc_msg	 m;
	uint64_t	 first;

	if (!get(f, &m))
		_exit(7);
	first = m.id;
	if (!get(f, &m))		/* sent once the first timed out */
		_exit(7);
	result_uint(f, first, 1);	/* late: to be dropped */
	result_uint(f, m.id, 2);
	drain(f);
}

static void
s_refuse(struct fake *f)
{
	struct ipc_msg	 m;

	if (!get(f, &m) || !get(f, &m))
		_exit(7);
	error_reply(f, 0, 0, "busy", "too many connections");
}

static void
s_errors(struct fake *f)
{
	struct ipc_msg	 m;

	if (!get(f, &m))
		_exit(7);
	error_reply(f, 1, m.id, "unknown_task", "no task named 'x'");
	if (!get(f, &m))
		_exit(7);
	error_reply(f, 1, m.id, "brand_new_code", "from a newer daemon");
	s_double(f);
}

/* Two requests; both answers in one write, the second's first. */
static void
s_behind(struct fake *f)
{
	struct buf	 b = { 0 };
	struct ipc_msg	 m;
	uint64_t	 first;
	uint8_t		 v;

	if (!get(f, &m))
		_exit(7);
	first = m.id;
	if (!get(f, &m))
		_exit(7);
	v = 2;
	proto_put_result(&b, UINT32_MAX, m.id, (struct ipc_bytes){ &v, 1 });
	v = 1;
	proto_put_result(&b, UINT32_MAX, first, (struct ipc_bytes){ &v, 1 });
	put(f, &b);
	drain(f);
}

static void
s_silent(struct fake *f)
{
	drain(f);
}

/* ---- tests ---- */

static void
greeting(void **state)
{
	struct fake	*f = fake_start(s_double, 4096);
	struct ipcd	*c = ipcd_connect(f->path);
	struct ipcd_reply r;

	(void)state;
	assert_int_equal(ipcd_error(c), IPCD_OK);
	assert_string_equal(ipcd_version(c), "9.9.9");
	assert_int_equal(ipcd_max_message(c), 4096);
	assert_int_equal(ipcd_submit(c, "double", ten, 1, NULL, &r), IPCD_OK);
	assert_int_equal(r.len, 1);
	assert_int_equal(((const uint8_t *)r.data)[0], 20);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
old_pong(void **state)
{
	struct fake	*f = fake_start(s_double, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	assert_int_equal(ipcd_error(c), IPCD_OK);
	assert_string_equal(ipcd_version(c), "");
	assert_int_equal(ipcd_max_message(c), IPC_MAX_MESSAGE_MAX);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
too_large_locally(void **state)
{
	struct fake	*f = fake_start(s_double, 64);
	struct ipcd	*c = ipcd_connect(f->path);
	struct ipcd_reply r;
	uint8_t		 big[100];

	(void)state;
	memset(big, 0xc0, sizeof(big));		/* not one value: never sent */
	big[0] = 0xc4;				/* bin 8 of 60 bytes */
	big[1] = 60;
	assert_int_equal(ipcd_submit(c, "echo", big, 62, NULL, &r),
	    IPCD_E_TOO_LARGE);
	assert_string_equal(r.code, "too_large");
	assert_non_null(strstr(r.message, "max_message of 64"));
	assert_int_equal(ipcd_submit(c, "double", ten, 1, NULL, &r), IPCD_OK);
	assert_int_equal(ipcd_error(c), IPCD_OK);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
matched_by_id(void **state)
{
	struct fake	*f = fake_start(s_reorder, 0);
	struct ipcd	*c = ipcd_connect(f->path);
	int		 i;

	(void)state;
	for (i = 1; i <= 3; i++)
		assert_int_equal(submit(c, i, NULL), IPCD_OK);
	assert_int_equal(ipcd_pending(c), 3);
	assert_int_equal(ipcd_run(c, 10000), IPCD_OK);
	for (i = 1; i <= 3; i++) {
		assert_int_equal(rec.calls[i], 1);
		assert_int_equal(rec.value[i], (uint64_t)i);
	}
	assert_int_equal(rec.order[0], 3);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

/* Every outstanding job fails once with err; the connection stays failed. */
static void
all_failed(struct ipcd *c, int n, int err)
{
	int	 i;

	assert_int_equal(ipcd_error(c), err);
	for (i = 1; i <= n; i++) {
		assert_int_equal(rec.calls[i], 1);
		assert_int_equal(rec.error[i], err);
	}
	assert_int_equal(ipcd_pending(c), 0);
	assert_int_equal(submit(c, 9, NULL), err);
	assert_int_equal(rec.calls[9], 0);
}

static void
unknown_id(void **state)
{
	struct fake	*f = fake_start(s_unknown_id, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, NULL);
	submit(c, 2, NULL);
	assert_int_equal(ipcd_run(c, 10000), IPCD_E_BAD_REPLY);
	all_failed(c, 2, IPCD_E_BAD_REPLY);
	assert_non_null(strstr(ipcd_errstr(c), "id 999"));
	ipcd_free(c);
	assert_int_equal(rec.calls[1], 1);	/* not again on free */
	assert_int_equal(fake_stop(f), 0);
}

static void
truncated(void **state)
{
	struct fake	*f = fake_start(s_truncated, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, NULL);
	submit(c, 2, NULL);
	assert_int_equal(ipcd_run(c, 10000), IPCD_E_CLOSED);
	all_failed(c, 2, IPCD_E_CLOSED);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
not_a_map(void **state)
{
	struct fake	*f = fake_start(s_not_a_map, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, NULL);
	assert_int_equal(ipcd_run(c, 10000), IPCD_E_BAD_REPLY);
	all_failed(c, 1, IPCD_E_BAD_REPLY);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
wrong_type(void **state)
{
	struct fake	*f = fake_start(s_wrong_type, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, NULL);
	assert_int_equal(ipcd_run(c, 10000), IPCD_E_BAD_REPLY);
	all_failed(c, 1, IPCD_E_BAD_REPLY);
	assert_non_null(strstr(ipcd_errstr(c), "OK for a request"));
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
huge_header(void **state)
{
	struct fake	*f = fake_start(s_huge_header, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, NULL);
	assert_int_equal(ipcd_run(c, 10000), IPCD_E_BAD_REPLY);
	all_failed(c, 1, IPCD_E_BAD_REPLY);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
timeout_then_late_reply(void **state)
{
	struct ipcd_opts o = { NULL, 0, 50 };
	struct fake	*f = fake_start(s_late, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, &o);
	/* nothing answers job 1: its own deadline ends the wait */
	assert_int_equal(ipcd_run(c, -1), IPCD_OK);
	assert_int_equal(rec.calls[1], 1);
	assert_int_equal(rec.error[1], IPCD_E_TIMEOUT);
	assert_int_equal(ipcd_pending(c), 0);
	/* the late reply to job 1 comes first, and is dropped */
	submit(c, 2, NULL);
	assert_int_equal(ipcd_run(c, 10000), IPCD_OK);
	assert_int_equal(rec.calls[1], 1);
	assert_int_equal(rec.calls[2], 1);
	assert_int_equal(rec.value[2], 2);
	assert_int_equal(ipcd_error(c), IPCD_OK);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

/* A reply read behind a blocking call's own is answered without a wait. */
static void
reply_behind_blocking_call(void **state)
{
	struct fake	*f = fake_start(s_behind, 0);
	struct ipcd	*c = ipcd_connect(f->path);
	struct ipcd_reply r;

	(void)state;
	submit(c, 1, NULL);
	assert_int_equal(ipcd_submit(c, "double", ten, 1, NULL, &r), IPCD_OK);
	assert_int_equal(((const uint8_t *)r.data)[0], 2);
	assert_int_equal(rec.calls[1], 0);	/* still in the buffer */
	assert_int_equal(ipcd_run(c, 10000), IPCD_OK);
	assert_int_equal(rec.calls[1], 1);
	assert_int_equal(rec.value[1], 1);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
cancel(void **state)
{
	struct fake	*f = fake_start(s_double, 0);
	struct ipcd	*c = ipcd_connect(f->path);
	uint64_t	 id;

	(void)state;
	assert_int_equal(ipcd_submit_async(c, "double", ten, 1, NULL, record,
	    (void *)(intptr_t)1, &id), IPCD_OK);
	submit(c, 2, NULL);
	assert_int_equal(ipcd_cancel(c, id), IPCD_OK);
	assert_int_equal(rec.calls[1], 1);
	assert_int_equal(rec.error[1], IPCD_E_CANCELLED);
	assert_int_equal(ipcd_cancel(c, id), IPCD_E_INVALID);
	assert_int_equal(ipcd_run(c, 10000), IPCD_OK);
	assert_int_equal(rec.calls[1], 1);	/* its reply was dropped */
	assert_int_equal(rec.value[2], 20);
	assert_int_equal(ipcd_error(c), IPCD_OK);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
refused(void **state)
{
	struct fake	*f = fake_start(s_refuse, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, NULL);
	submit(c, 2, NULL);
	assert_int_equal(ipcd_run(c, 10000), IPCD_E_BUSY);
	all_failed(c, 2, IPCD_E_BUSY);
	assert_string_equal(ipcd_errstr(c), "busy: too many connections");
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
error_codes(void **state)
{
	struct fake	*f = fake_start(s_errors, 0);
	struct ipcd	*c = ipcd_connect(f->path);
	struct ipcd_reply r;

	(void)state;
	assert_int_equal(ipcd_submit(c, "x", NULL, 0, NULL, &r),
	    IPCD_E_UNKNOWN_TASK);
	assert_string_equal(r.code, "unknown_task");
	assert_string_equal(r.message, "no task named 'x'");
	assert_int_equal(ipcd_submit(c, "y", NULL, 0, NULL, &r), IPCD_E_OTHER);
	assert_string_equal(r.code, "brand_new_code");
	assert_int_equal(ipcd_submit(c, "double", ten, 1, NULL, &r), IPCD_OK);
	assert_int_equal(ipcd_error(c), IPCD_OK);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
free_fails_pending(void **state)
{
	struct fake	*f = fake_start(s_silent, 0);
	struct ipcd	*c = ipcd_connect(f->path);

	(void)state;
	submit(c, 1, NULL);
	submit(c, 2, NULL);
	ipcd_flush(c);
	ipcd_free(c);
	assert_int_equal(rec.calls[1], 1);
	assert_int_equal(rec.error[1], IPCD_E_CLOSED);
	assert_int_equal(rec.calls[2], 1);
	assert_int_equal(fake_stop(f), 0);
}

static void
bad_arguments(void **state)
{
	struct fake	*f = fake_start(s_silent, 0);
	struct ipcd	*c = ipcd_connect(f->path);
	char		 name[80];

	(void)state;
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(ipcd_submit_async(c, name, NULL, 0, NULL, record,
	    NULL, NULL), IPCD_E_INVALID);
	assert_int_equal(ipcd_submit_async(c, "", NULL, 0, NULL, record,
	    NULL, NULL), IPCD_E_INVALID);
	assert_int_equal(ipcd_submit_async(c, "double", NULL, 5, NULL, record,
	    NULL, NULL), IPCD_E_INVALID);
	assert_int_equal(ipcd_command_async(c, IPCD_SCALE, NULL, 0, record,
	    NULL, NULL), IPCD_E_INVALID);
	assert_int_equal(ipcd_command_async(c, IPCD_PING, "p", 0, record,
	    NULL, NULL), IPCD_E_INVALID);
	assert_int_equal(ipcd_pending(c), 0);
	assert_int_equal(ipcd_error(c), IPCD_OK);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

/* Data that the daemon could not tie to its job is refused here. */
static void
bad_data_refused(void **state)
{
	static const uint8_t two[] = { 0x01, 0x02 }, cut[] = { 0x92, 0x01 };
	struct fake	*f = fake_start(s_double, 0);
	struct ipcd	*c = ipcd_connect(f->path);
	struct ipcd_reply r;
	uint8_t		 deep[40];

	(void)state;
	assert_int_equal(ipcd_submit(c, "echo", two, 2, NULL, &r),
	    IPCD_E_INVALID);
	assert_non_null(strstr(r.message, "after its MessagePack value"));
	assert_int_equal(ipcd_submit(c, "echo", cut, 2, NULL, &r),
	    IPCD_E_INVALID);
	memset(deep, 0x91, sizeof(deep));	/* arrays of one array ... */
	deep[32] = 0x01;			/* 32 deep: one too many */
	assert_int_equal(ipcd_submit(c, "echo", deep, 33, NULL, &r),
	    IPCD_E_INVALID);
	deep[31] = 0x01;			/* 31 deep: fine */
	assert_int_equal(ipcd_submit(c, "echo", deep, 32, NULL, &r), IPCD_OK);
	assert_int_equal(ipcd_error(c), IPCD_OK);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

/* On a libevent loop: a job's wait ends by the loop's timer, and the loop
 * returns once nothing is waiting, its late reply still unread. */
static void
libevent_timeout(void **state)
{
	struct ipcd_opts o = { NULL, 0, 50 };
	struct fake	*f = fake_start(s_late, 0);
	struct ipcd	*c = ipcd_connect(f->path);
	struct event_base *base = event_base_new();
	struct ipcd_libevent *e = ipcd_libevent_attach(c, base);

	(void)state;
	assert_non_null(e);
	submit(c, 1, &o);
	assert_int_equal(event_base_dispatch(base), 1);	/* nothing left */
	assert_int_equal(rec.calls[1], 1);
	assert_int_equal(rec.error[1], IPCD_E_TIMEOUT);
	submit(c, 2, NULL);
	assert_int_equal(event_base_dispatch(base), 1);
	assert_int_equal(rec.calls[1], 1);	/* its late reply was dropped */
	assert_int_equal(rec.value[2], 2);
	ipcd_libevent_detach(e);
	event_base_free(base);
	ipcd_free(c);
	assert_int_equal(fake_stop(f), 0);
}

static void
no_daemon(void **state)
{
	struct ipcd	*c = ipcd_connect("/nonexistent/ipcd.sock");

	(void)state;
	assert_int_equal(ipcd_error(c), IPCD_E_CONNECT);
	assert_non_null(strstr(ipcd_errstr(c), "/nonexistent/ipcd.sock"));
	assert_int_equal(submit(c, 1, NULL), IPCD_E_CONNECT);
	ipcd_free(c);
}

static void
socket_lookup(void **state)
{
	(void)state;
	setenv("IPCD_SOCKET", "/env/sock", 1);
	assert_string_equal(ipcd_socket_path("/arg/sock"), "/arg/sock");
	assert_string_equal(ipcd_socket_path(NULL), "/env/sock");
	setenv("IPCD_SOCKET", "", 1);
	assert_string_equal(ipcd_socket_path(""), IPCD_SOCK_PATH);
	unsetenv("IPCD_SOCKET");
	assert_string_equal(ipcd_socket_path(NULL), IPCD_SOCK_PATH);
}

static void
names(void **state)
{
	(void)state;
	assert_string_equal(ipcd_errname(IPCD_E_BUSY), "busy");
	assert_string_equal(ipcd_errname(IPCD_E_UNKNOWN_POOL), "unknown_pool");
	assert_string_equal(ipcd_errname(IPCD_E_CLOSED), "closed");
	assert_string_equal(ipcd_errname(IPCD_E_BAD_REPLY), "bad_reply");
	assert_string_equal(ipcd_errname(12345), "other");
	assert_true(strlen(ipcd_strerror(IPCD_E_WORKER_DIED)) > 0);
	assert_string_equal(ipcd_strerror(-7), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(greeting, setup),
		cmocka_unit_test_setup(old_pong, setup),
		cmocka_unit_test_setup(too_large_locally, setup),
		cmocka_unit_test_setup(matched_by_id, setup),
		cmocka_unit_test_setup(unknown_id, setup),
		cmocka_unit_test_setup(truncated, setup),
		cmocka_unit_test_setup(not_a_map, setup),
		cmocka_unit_test_setup(wrong_type, setup),
		cmocka_unit_test_setup(huge_header, setup),
		cmocka_unit_test_setup(timeout_then_late_reply, setup),
		cmocka_unit_test_setup(reply_behind_blocking_call, setup),
		cmocka_unit_test_setup(cancel, setup),
		cmocka_unit_test_setup(refused, setup),
		cmocka_unit_test_setup(error_codes, setup),
		cmocka_unit_test_setup(free_fails_pending, setup),
		cmocka_unit_test_setup(bad_arguments, setup),
		cmocka_unit_test_setup(bad_data_refused, setup),
		cmocka_unit_test_setup(libevent_timeout, setup),
		cmocka_unit_test_setup(no_daemon, setup),
		cmocka_unit_test_setup(socket_lookup, setup),
		cmocka_unit_test_setup(names, setup),
	};

	signal(SIGPIPE, SIG_IGN);
	alarm(60);	/* a library that hangs fails rather than stalls */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
