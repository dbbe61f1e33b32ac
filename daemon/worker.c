/*
 * A worker process: reads TASK frames from its channel in batches, runs
 * each in turn and writes the replies back in batches.  It speaks only the
 * worker plane of doc/PROTOCOL.md, as a worker in any language would: READY
 * first, then one RESULT or ERROR per TASK; it exits when the channel ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "frame.h"
#include "ipcd.h"
#include "log.h"
#include "tasks.h"

#define WORKER_READ_CHUNK	(64 * 1024)
#define WORKER_HOLD_NS		1000000	/* longest a result waits for a batch */

struct wctx {
	int		 fd;
	uint32_t	 max;
	struct buf	 in;
	struct buf	 out;
	msgpack_zone	 zone;
	struct timespec	 held;		/* when out got its first reply */
};

static void
worker_flush(struct wctx *w)
{
	ssize_t	 n;

	while (buf_avail(&w->out) > 0) {
		n = write(w->fd, buf_head(&w->out), buf_avail(&w->out));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(n == -1 && errno == EPIPE ? 0 : 1);
		buf_consume(&w->out, n);
	}
}

/* Send the replies held so far if the next task may block or they are old. */
static void
worker_maybe_flush(struct wctx *w, const struct task *t)
{
	struct timespec	 now;
	long long	 ns;

	if (buf_avail(&w->out) == 0)
		return;
	if (t == NULL || !t->blocking) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ns = (now.tv_sec - w->held.tv_sec) * 1000000000LL +
		    (now.tv_nsec - w->held.tv_nsec);
		if (ns < WORKER_HOLD_NS)
			return;
	}
	worker_flush(w);
}

static void
worker_run(struct wctx *w, const struct ipc_msg *m)
{
	const struct task *t = tasks_find(m->task);
	struct proto_out o;
	msgpack_object	 data;
	enum ipc_err	 e;
	char		 err[IPC_TEXT_MAX];

	worker_maybe_flush(w, t);
	if (buf_avail(&w->out) == 0)
		clock_gettime(CLOCK_MONOTONIC, &w->held);
	if (t == NULL) {
		proto_put_errorf(&w->out, w->max, 1, m->id, IPC_E_UNKNOWN_TASK,
		    "no task named '%.*s'", (int)m->task.len, m->task.p);
		return;
	}
	if (proto_unpack(m->data, &w->zone, &data) == -1) {
		proto_put_errorf(&w->out, w->max, 1, m->id, IPC_E_INTERNAL,
		    "out of memory for the task's data");
		return;
	}
	proto_begin_result(&o, &w->out, m->id);
	if ((e = t->run(&data, &o.pk, err, sizeof(err))) != IPC_E_NONE) {
		frame_abort(&w->out, o.start);
		proto_put_errorf(&w->out, w->max, 1, m->id, e, "%s", err);
	} else if (proto_end(&o, w->max) == -1)
		proto_put_errorf(&w->out, w->max, 1, m->id, IPC_E_TOO_LARGE,
		    "result larger than max_message (%u bytes)", w->max);
}

static void
worker_frame(struct wctx *w, const uint8_t *p, uint32_t len)
{
	struct ipc_msg	 m;
	const char	*why;
	enum ipc_err	 e;

	e = proto_decode(p, len, IPC_DIR_TO_WORKER, &w->zone, &m, &why);
	if (e == IPC_E_NONE)
		worker_run(w, &m);
	else if (m.has_id)
		proto_put_errorf(&w->out, w->max, 1, m.id, e, "%s", why);
	else
		log_warnx("worker: %s from master: %s", proto_err_name(e), why);
}

/* Handle every whole frame read so far. */
static void
worker_parse(struct wctx *w)
{
	enum frame_status st;
	uint32_t	 len;

	while ((st = frame_parse(buf_head(&w->in), buf_avail(&w->in), w->max,
	    &len)) == FRAME_OK) {
		worker_frame(w, buf_head(&w->in) + FRAME_HDR, len);
		buf_consume(&w->in, FRAME_HDR + (size_t)len);
	}
	if (st != FRAME_MORE) {
		log_warnx("worker: %s from master", frame_status_name(st));
		_exit(1);
	}
}

void
worker_main(int fd, const struct pool *pool)
{
	struct wctx	 w;
	ssize_t		 n;

	memset(&w, 0, sizeof(w));
	w.fd = fd;
	w.max = pool->ix->conf.max_message;
	if (!msgpack_zone_init(&w.zone, 8192) ||
	    proto_put_ready(&w.out, w.max, (uint64_t)getpid()) == -1)
		_exit(1);
	for (;;) {
		worker_flush(&w);
		if (buf_reserve(&w.in, WORKER_READ_CHUNK + FRAME_HDR +
		    (size_t)w.max) == -1)
			_exit(1);
		n = read(fd, w.in.data + w.in.len, w.in.cap - w.in.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(n == 0 ? 0 : 1);
		w.in.len += n;
		worker_parse(&w);
	}
}
