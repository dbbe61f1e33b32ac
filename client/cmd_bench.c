/*
 * ipcctl bench: push tiny "double" jobs through the daemon with a window of
 * outstanding jobs, check every result, and report jobs/s, p50/p99/p99.9
 * latency and the resident memory of the master and its workers.
 *
 * Closed loop (the default) keeps a window of jobs outstanding.  Open loop
 * (-r RATE) sends job i at start + i / RATE whatever the replies do, and
 * measures each job's latency from that scheduled time, so a stall shows as
 * latency instead of slowing the sender (no coordinated omission).  A mix
 * (--mix TASK:DATA:EVERY) makes every EVERY-th job that task instead; the
 * latencies reported are those of the double jobs alone.  With -c N the
 * closed loop runs over N connections from this one process, the window
 * split among them, and also reports the spread of the connections' p99.
 * The master's CPU time and read and write calls per job come from /proc.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <sys/epoll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipcctl.h"

#define BENCH_MAX_JOBS	20000000ULL
#define BENCH_MAX_CONNS	4096

struct bench;

/* One connection of a closed-loop run, with its share of the window. */
struct lane {
	struct ipcd	*c;
	struct bench	*b;
	unsigned	 k;
	uint64_t	 window;
	uint64_t	 out;		/* jobs sent, not answered yet */
	int		 watched;	/* IPCD_WANT_* told to epoll; -1: none */
};

struct bench {
	uint64_t	 n, warm, window, total;
	double		 rate;		/* jobs/s, open loop; 0: closed loop */
	const char	*pool;		/* "": as the daemon routes it */
	uint64_t	 size;		/* echo strings of this many bytes; 0: double */
	char		*text;		/* the string for --size */
	const char	*mix_task;	/* every mix_every-th job, or NULL */
	int64_t		 mix_data;
	uint64_t	 mix_every;
	uint64_t	 start_ns;	/* open loop: job 1's scheduled time */
	uint64_t	 read_ns;	/* when the replies at hand came; 0: unread */
	uint64_t	*sent;		/* send time (ns) by job id */
	double		*lat;		/* round trip (us) of each timed job */
	uint64_t	 nlat;
	double		 t0, t1;	/* timed span, seconds */
	msgpack_sbuffer	 data;
	msgpack_zone	*zone;		/* for results */
	uint64_t	 done;		/* jobs answered */
	int		 failed;	/* an exit status once a reply was wrong */
	unsigned	 nconn;		/* -c */
	struct lane	*lanes;
	uint16_t	*who;		/* the lane of each job id */
	uint16_t	*lat_lane;	/* the lane of each latency */
};

#define BENCH_MAX_PIDS	64	/* workers whose CPU time is counted */

/*
 * CPU time (us) of the master, of its workers and of this process, and
 * the master's read and write calls, from /proc and the process clock.
 */
struct usage {
	double		 cpu_us;
	double		 worker_us[BENCH_MAX_PIDS];	/* by rss.pids */
	double		 self_us;
	uint64_t	 calls;
};

struct rss {
	long	 master_kb, master_hwm_kb, worker_kb, worker_hwm_kb;
	unsigned nworkers;
	uint64_t master_pid;
	unsigned npids;
	uint64_t pids[BENCH_MAX_PIDS];	/* the first workers' */
};

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* VmRSS and VmHWM of a process, in KiB; -1 if unknown. */
static void
proc_rss(uint64_t pid, long *rss, long *hwm)
{
	char	 path[64], line[256];
	FILE	*fp;

	*rss = *hwm = -1;
	snprintf(path, sizeof(path), "/proc/%llu/status",
	    (unsigned long long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL) {
		sscanf(line, "VmRSS: %ld", rss);
		sscanf(line, "VmHWM: %ld", hwm);
	}
	fclose(fp);
}

static int
measure_rss(struct ctl *ctl, struct rss *r)
{
	const struct ipcd_status *st;
	struct ipcd_reply m;
	long		 kb, hwm;
	uint32_t	 i;

	memset(r, 0, sizeof(*r));
	if (ctl_command(ctl, IPCD_STATUS, NULL, 0, &m) != 0)
		return -1;
	if ((st = ipcd_status_decode(&m, &ctl->zone)) == NULL) {
		fprintf(stderr, "ipcctl: malformed status reply\n");
		return -1;
	}
	proc_rss(st->pid, &r->master_kb, &r->master_hwm_kb);
	r->worker_kb = r->worker_hwm_kb = -1;
	for (i = 0; i < st->nworkers; i++) {
		proc_rss(st->workers[i].pid, &kb, &hwm);
		if (kb > r->worker_kb)
			r->worker_kb = kb;
		if (hwm > r->worker_hwm_kb)
			r->worker_hwm_kb = hwm;
		if (r->npids < BENCH_MAX_PIDS)
			r->pids[r->npids++] = st->workers[i].pid;
	}
	r->nworkers = st->nworkers;
	r->master_pid = st->pid;
	return 0;
}

/* One thread's CPU time so far in us, from its schedstat; 0 if unknown. */
static double
thread_cpu_us(const char *path)
{
	unsigned long long ns = 0;
	FILE		*fp;

	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fscanf(fp, "%llu", &ns) != 1)
		ns = 0;
	fclose(fp);
	return ns / 1e3;
}

/*
 * A process's CPU time so far, in us: the nanoseconds of each of its
 * threads' /proc/PID/task/TID/schedstat, else /proc/PID/stat's clock ticks
 * (the whole process); 0 if /proc does not say (another user's process).
 */
static double
proc_cpu_us(uint64_t pid)
{
	char		 path[64], line[1024], *p;
	unsigned long	 ut = 0, st = 0;
	struct dirent	*de;
	double		 us = 0;
	DIR		*d;
	FILE		*fp;

	snprintf(path, sizeof(path), "/proc/%llu/task", (unsigned long long)pid);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			snprintf(line, sizeof(line), "%s/%s/schedstat", path,
			    de->d_name);
			us += thread_cpu_us(line);
		}
		closedir(d);
		if (us > 0)
			return us;
	}
	snprintf(path, sizeof(path), "/proc/%llu/stat", (unsigned long long)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return 0;
	if (fgets(line, sizeof(line), fp) != NULL &&
	    (p = strrchr(line, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
	    "%lu %lu", &ut, &st) == 2)
		us = (ut + st) * 1e6 / sysconf(_SC_CLK_TCK);
	fclose(fp);
	return us;
}

/*
 * The CPU (us) the workers of r1 ran since r0: the difference for a worker
 * in both, all of it for one started since (a worker that ended in between
 * took its time with it).
 */
static double
workers_us(const struct rss *r0, const struct usage *u0, const struct rss *r1,
    const struct usage *u1)
{
	double		 us = 0, was;
	unsigned	 i, j;

	for (j = 0; j < r1->npids; j++) {
		for (i = 0, was = 0; i < r0->npids; i++)
			if (r0->pids[i] == r1->pids[j])
				was = u0->worker_us[i];
		if (u1->worker_us[j] >= was)
			us += u1->worker_us[j] - was;
	}
	return us;
}

/* The usage so far of the master, its workers in r, and this process. */
static void
proc_usage(const struct rss *r, struct usage *u)
{
	char		 path[64], line[256];
	unsigned long long n;
	struct timespec	 ts;
	unsigned	 i;
	FILE		*fp;

	memset(u, 0, sizeof(*u));
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0)
		u->self_us = ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
	u->cpu_us = proc_cpu_us(r->master_pid);
	for (i = 0; i < r->npids; i++)
		u->worker_us[i] = proc_cpu_us(r->pids[i]);
	snprintf(path, sizeof(path), "/proc/%llu/io",
	    (unsigned long long)r->master_pid);
	if ((fp = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), fp) != NULL)
		if (sscanf(line, "syscr: %llu", &n) == 1 ||
		    sscanf(line, "syscw: %llu", &n) == 1)
			u->calls += n;
	fclose(fp);
}

static int
is_mixed(const struct bench *b, uint64_t id)
{
	return b->mix_task != NULL && id % b->mix_every == 0;
}

/* When job id is due: now in closed loop, its slot in open loop. */
static uint64_t
due_ns(const struct bench *b, uint64_t id)
{
	return b->start_ns + (uint64_t)((double)(id - 1) * 1e9 / b->rate);
}

/*
 * When the replies being handled came: the clock read once for all that
 * one read of the socket brought, as they came together.
 */
static uint64_t
reply_ns(struct bench *b)
{
	if (b->read_ns == 0)
		b->read_ns = now_ns();
	return b->read_ns;
}

static void	 answered(struct ipcd *, const struct ipcd_reply *, void *);

/* Queue job id on c, sent by the next flush: at sent_ns in closed loop. */
static int
send_job(struct ipcd *c, struct bench *b, uint64_t id, uint64_t sent_ns)
{
	struct ipcd_opts o = { NULL, 0, 0 };
	msgpack_packer	 pk;
	const char	*task = "double";
	int		 e;

	o.pool = *b->pool ? b->pool : NULL;
	msgpack_sbuffer_clear(&b->data);
	msgpack_packer_init(&pk, &b->data, msgpack_sbuffer_write);
	if (b->size > 0) {
		task = "echo";
		msgpack_pack_str_with_body(&pk, b->text, b->size);
	} else if (is_mixed(b, id)) {
		task = b->mix_task;
		msgpack_pack_int64(&pk, b->mix_data);
	} else
		msgpack_pack_uint64(&pk, id);
	b->sent[id] = b->rate > 0 ? due_ns(b, id) : sent_ns;
	if ((e = ipcd_submit_async(c, task, b->data.data, b->data.size, &o,
	    answered, (void *)(uintptr_t)id, NULL)) != IPCD_OK) {
		fprintf(stderr, "ipcctl: bench: %s\n", *ipcd_errstr(c) ?
		    ipcd_errstr(c) : ipcd_strerror(e));
		return -1;
	}
	return 0;
}

/* Is r the right result for job id? */
static int
right_result(const struct bench *b, const struct ipcd_reply *r, uint64_t id)
{
	msgpack_object	 d;

	if (ipcd_unpack(r, b->zone, &d) != IPCD_OK)
		return 0;
	if (b->size > 0)
		return d.type == MSGPACK_OBJECT_STR && d.via.str.size == b->size &&
		    memcmp(d.via.str.ptr, b->text, b->size) == 0;
	if (is_mixed(b, id))
		return d.type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
		    (int64_t)d.via.u64 == b->mix_data;
	return d.type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
	    d.via.u64 == 2 * id;
}

/* Check one reply and record its latency; -1 if it is wrong. */
static int
take_reply(struct bench *b, const struct ipcd_reply *r, uint64_t id)
{
	uint64_t	 t = reply_ns(b), done = b->done++;

	if (r->error != IPCD_OK)
		return -1;
	if (id == 0 || id > b->total || b->sent[id] == 0 ||
	    !right_result(b, r, id)) {
		fprintf(stderr, "ipcctl: bench: wrong reply for job %llu\n",
		    (unsigned long long)id);
		return -1;
	}
	if (id > b->warm && !is_mixed(b, id)) {
		if (b->lat_lane != NULL)
			b->lat_lane[b->nlat] = b->who[id];
		b->lat[b->nlat++] = (t - b->sent[id]) / 1e3;
	}
	b->sent[id] = 0;
	if (done + 1 == b->warm || (b->warm == 0 && done == 0))
		b->t0 = t / 1e9;
	b->t1 = t / 1e9;
	return 0;
}

/* A reply, from the library: the job's number is its argument. */
static void
answered(struct ipcd *c, const struct ipcd_reply *r, void *arg)
{
	struct lane	*l = ipcd_userdata(c);
	struct bench	*b = l->b;

	l->out--;
	if (b->failed)
		return;
	if (r->error != IPCD_OK)
		b->failed = ctl_failed(NULL, r);
	else if (take_reply(b, r, (uint64_t)(uintptr_t)arg) == -1)
		b->failed = EXIT_JOB_FAILED;
}

/* Send lane k as many jobs as its window has room for. */
static int
fill_lane(struct bench *b, unsigned k, uint64_t *next)
{
	struct lane	*l = &b->lanes[k];
	uint64_t	 t = 0;
	int		 e;

	while (*next <= b->total && l->out < l->window) {
		if (t == 0)	/* they all go in the one write of the flush */
			t = now_ns();
		b->who[*next] = (uint16_t)k;
		if (send_job(l->c, b, (*next)++, t) == -1)
			return -1;
		l->out++;
	}
	if ((e = ipcd_flush(l->c)) != IPCD_OK) {
		fprintf(stderr, "ipcctl: %s\n", ipcd_errstr(l->c));
		return -1;
	}
	return 0;
}

static int
lib_events(short revents)
{
	return ((revents & (POLLIN | POLLHUP | POLLERR)) ? IPCD_WANT_READ : 0) |
	    ((revents & (POLLOUT | POLLERR)) ? IPCD_WANT_WRITE : 0);
}

/* Tell epoll what lane k's connection now waits for, if that changed. */
static int
watch_lane(struct bench *b, int ep, unsigned k)
{
	struct lane		*l = &b->lanes[k];
	struct epoll_event	 ev;
	int			 want = ipcd_events(l->c);

	if (want == l->watched)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = ((want & IPCD_WANT_READ) ? EPOLLIN : 0) |
	    ((want & IPCD_WANT_WRITE) ? EPOLLOUT : 0);
	ev.data.u32 = k;
	if (epoll_ctl(ep, l->watched == -1 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD,
	    ipcd_fd(l->c), &ev) == -1) {
		perror("ipcctl: bench: epoll_ctl");
		return -1;
	}
	l->watched = want;
	return 0;
}

static int
lib_epoll_events(uint32_t events)
{
	return ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ? IPCD_WANT_READ :
	    0) | ((events & (EPOLLOUT | EPOLLERR)) ? IPCD_WANT_WRITE : 0);
}

/* Whatever lane k's connection is ready for, then its window filled. */
static int
serve_lane(struct bench *b, unsigned k, int events, uint64_t *next)
{
	struct lane	*l = &b->lanes[k];

	b->read_ns = 0;
	if (ipcd_handle(l->c, events) != IPCD_OK) {
		if (!b->failed)
			fprintf(stderr, "ipcctl: %s\n", ipcd_errstr(l->c));
		return b->failed ? b->failed : EXIT_CONN;
	}
	if (b->failed)
		return b->failed;
	return fill_lane(b, k, next) == -1 ? EXIT_CONN : 0;
}

/*
 * How long to wait for the lanes: with a reply timeout (-t), at most a
 * tenth of a second, after which every lane is handled so the library can
 * time out what is late (per lane, the nearest deadline would cost a look
 * at every lane each turn); without one, until something comes.
 */
static int
lanes_tick(const struct ctl *ctl)
{
	int	 ms = (int)(ctl->timeout * 1000);

	return ctl->timeout <= 0 ? -1 : ms < 100 ? (ms > 0 ? ms : 1) : 100;
}

/* Closed loop on one connection: the library waits for the replies. */
static int
run_one(struct bench *b)
{
	struct lane	*l = &b->lanes[0];
	uint64_t	 next = 1;

	if (fill_lane(b, 0, &next) == -1)
		return EXIT_CONN;
	while (b->done < b->total) {
		b->read_ns = 0;
		if (ipcd_wait(l->c, -1) != IPCD_OK) {
			if (!b->failed)
				fprintf(stderr, "ipcctl: %s\n", ipcd_errstr(l->c));
			return b->failed ? b->failed : EXIT_CONN;
		}
		if (b->failed)
			return b->failed;
		if (fill_lane(b, 0, &next) == -1)
			return EXIT_CONN;
	}
	return 0;
}

/*
 * Closed loop over the lanes, each keeping its window of jobs outstanding,
 * on epoll so that a turn costs what was ready, not one look per lane.
 */
static int
run(struct ctl *ctl, struct bench *b)
{
	struct epoll_event *evs;
	uint64_t	 next = 1;
	unsigned	 k;
	int		 ep, n, i, r = 0, tick = lanes_tick(ctl);

	if (b->nconn == 1)
		return run_one(b);
	if ((evs = calloc(b->nconn, sizeof(*evs))) == NULL)
		return EXIT_USAGE;
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("ipcctl: bench: epoll_create1");
		free(evs);
		return EXIT_CONN;
	}
	for (k = 0; r == 0 && k < b->nconn; k++)
		if (fill_lane(b, k, &next) == -1 || watch_lane(b, ep, k) == -1)
			r = EXIT_CONN;
	while (r == 0 && b->done < b->total) {
		if ((n = epoll_wait(ep, evs, (int)b->nconn, tick)) == -1) {
			if (errno == EINTR)
				continue;
			perror("ipcctl: bench: epoll_wait");
			r = EXIT_CONN;
		}
		for (i = 0; r == 0 && i < n; i++) {
			k = evs[i].data.u32;
			if ((r = serve_lane(b, k, lib_epoll_events(
			    evs[i].events), &next)) == 0)
				r = watch_lane(b, ep, k) == -1 ? EXIT_CONN : 0;
		}
		for (k = 0; r == 0 && n == 0 && k < b->nconn; k++)
			if ((r = serve_lane(b, k, 0, &next)) == 0)
				r = watch_lane(b, ep, k) == -1 ? EXIT_CONN : 0;
	}
	close(ep);
	free(evs);
	return r;
}

/* Take every reply that has come, waiting at most wait_ns for the first. */
static int
take_replies(struct ctl *ctl, struct bench *b, uint64_t wait_ns)
{
	struct pollfd	 pfd = { ipcd_fd(ctl->c), POLLIN, 0 };
	struct timespec	 ts = { (time_t)(wait_ns / 1000000000ULL),
			    (long)(wait_ns % 1000000000ULL) };
	int		 r;

	if ((r = ppoll(&pfd, 1, &ts, NULL)) == -1 && errno != EINTR) {
		perror("ipcctl: poll");
		return EXIT_CONN;
	}
	b->read_ns = 0;
	if (ipcd_handle(ctl->c, r > 0 ? lib_events(pfd.revents) : 0) !=
	    IPCD_OK) {
		if (!b->failed)
			fprintf(stderr, "ipcctl: %s\n", ipcd_errstr(ctl->c));
		return b->failed ? b->failed : EXIT_CONN;
	}
	return b->failed;
}

/* Open loop: each job sent at its time, whatever the replies do. */
static int
run_open(struct ctl *ctl, struct bench *b)
{
	uint64_t	 next = 1, now;
	int		 r;

	b->start_ns = now_ns();
	while (b->done < b->total) {
		now = now_ns();
		while (next <= b->total && due_ns(b, next) <= now &&
		    next - 1 - b->done < b->window) {
			if (send_job(ctl->c, b, next++, 0) == -1)
				return EXIT_CONN;
			b->lanes[0].out++;
		}
		if (ipcd_flush(ctl->c) != IPCD_OK) {
			fprintf(stderr, "ipcctl: %s\n", ipcd_errstr(ctl->c));
			return EXIT_CONN;
		}
		now = now_ns();
		if ((r = take_replies(ctl, b, next <= b->total &&
		    due_ns(b, next) > now ? due_ns(b, next) - now :
		    next <= b->total ? 0 : 1000000000ULL)) != 0)
			return r;
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted latencies. */
static double
percentile(const struct bench *b, double p)
{
	uint64_t rank;

	if (b->nlat == 0)
		return 0;
	rank = (uint64_t)(p / 100.0 * b->nlat + 0.999999);
	if (rank < 1)
		rank = 1;
	return b->lat[(rank > b->nlat ? b->nlat : rank) - 1];
}

/* Each lane's p99 (nearest rank), sorted: its spread over the lanes. */
static int
lane_p99s(const struct bench *b, double *p99)
{
	double		*v;
	uint64_t	 i, n;
	unsigned	 k;

	if ((v = malloc((b->nlat ? b->nlat : 1) * sizeof(*v))) == NULL)
		return -1;
	for (k = 0; k < b->nconn; k++) {
		for (i = n = 0; i < b->nlat; i++)
			if (b->lat_lane[i] == k)
				v[n++] = b->lat[i];
		qsort(v, n, sizeof(*v), cmp_double);
		p99[k] = n ? v[(uint64_t)(0.99 * n + 0.999999) - 1] : 0;
	}
	free(v);
	qsort(p99, b->nconn, sizeof(*p99), cmp_double);
	return 0;
}

/* With several connections: their p99s, lowest, median and highest. */
static void
report_lanes(const struct ctl *ctl, const struct bench *b)
{
	double	*p99;

	if (b->nconn < 2 || (p99 = calloc(b->nconn, sizeof(*p99))) == NULL ||
	    lane_p99s(b, p99) == -1)
		return;
	if (ctl->json)
		printf("\"conns\":%u,\"conn_p99_us_min\":%.1f,"
		    "\"conn_p99_us_median\":%.1f,\"conn_p99_us_max\":%.1f,",
		    b->nconn, p99[0], p99[b->nconn / 2], p99[b->nconn - 1]);
	else
		printf("  %u connections: p99 %.1f us lowest, %.1f median, "
		    "%.1f highest (%.2fx the median)\n", b->nconn, p99[0],
		    p99[b->nconn / 2], p99[b->nconn - 1],
		    p99[b->nconn / 2] > 0 ? p99[b->nconn - 1] /
		    p99[b->nconn / 2] : 0);
	free(p99);
}

/*
 * CPU time per job over the whole run (warm-up included) of the master,
 * its workers, this client, and all three; the master's read/write calls.
 */
static void
report_usage(const struct ctl *ctl, const struct bench *b,
    const struct rss *r0, const struct usage *u0, const struct rss *r1,
    const struct usage *u1)
{
	double	 cpu = (u1->cpu_us - u0->cpu_us) / b->total;
	double	 wcpu = workers_us(r0, u0, r1, u1) / b->total;
	double	 self = (u1->self_us - u0->self_us) / b->total;
	double	 calls = (double)(u1->calls - u0->calls) / b->total;

	if (ctl->json)
		printf("\"master_cpu_us_per_job\":%.3f,"
		    "\"workers_cpu_us_per_job\":%.3f,"
		    "\"client_cpu_us_per_job\":%.3f,"
		    "\"tree_cpu_us_per_job\":%.3f,"
		    "\"master_rw_calls_per_job\":%.3f,", cpu, wcpu, self,
		    cpu + wcpu + self, calls);
	else
		printf("  master      %.3f us CPU and %.3f read/write calls "
		    "per job\n"
		    "  CPU per job %.3f us: master %.3f, workers %.3f, "
		    "this client %.3f\n", cpu, calls, cpu + wcpu + self, cpu,
		    wcpu, self);
}

static void
report(const struct ctl *ctl, const struct bench *b, const struct rss *r0,
    const struct rss *r1)
{
	double	 secs = b->t1 - b->t0, jps = secs > 0 ? b->n / secs : 0;

	if (ctl->json) {
		printf("\"jobs\":%llu,\"window\":%llu,\"workers\":%u,"
		    "\"rate\":%.0f,\"mix\":\"%s\",\"mix_every\":%llu,"
		    "\"jobs_per_s\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
		    "\"p999_us\":%.1f,"
		    "\"master_rss_kb_idle\":%ld,\"master_rss_kb\":%ld,"
		    "\"master_hwm_kb\":%ld,\"worker_rss_kb\":%ld,"
		    "\"worker_hwm_kb\":%ld}\n", (unsigned long long)b->n,
		    (unsigned long long)b->window, r1->nworkers, b->rate,
		    b->mix_task ? b->mix_task : "",
		    (unsigned long long)b->mix_every, jps,
		    percentile(b, 50), percentile(b, 99), percentile(b, 99.9),
		    r0->master_kb,
		    r1->master_kb, r1->master_hwm_kb, r1->worker_kb,
		    r1->worker_hwm_kb);
		return;
	}
	if (b->rate > 0)
		printf("open loop at %.0f jobs/s; latency from each job's "
		    "scheduled time\n", b->rate);
	if (b->mix_task != NULL)
		printf("every %llu-th job is %s %lld; latency of the double "
		    "jobs alone\n", (unsigned long long)b->mix_every,
		    b->mix_task, (long long)b->mix_data);
	printf("%llu jobs, window %llu, %u workers\n"
	    "  throughput  %.0f jobs/s (%.3f s)\n"
	    "  latency     p50 %.1f us, p99 %.1f us, p99.9 %.1f us\n"
	    "  master RSS  %.1f MiB idle, %.1f MiB after, peak %.1f MiB\n"
	    "  worker RSS  %.1f MiB (largest), peak %.1f MiB\n",
	    (unsigned long long)b->n, (unsigned long long)b->window,
	    r1->nworkers, jps, secs, percentile(b, 50), percentile(b, 99),
	    percentile(b, 99.9), r0->master_kb / 1024.0, r1->master_kb / 1024.0,
	    r1->master_hwm_kb / 1024.0, r1->worker_kb / 1024.0,
	    r1->worker_hwm_kb / 1024.0);
}

static int
bench_usage(void)
{
	fprintf(stderr, "usage: ipcctl bench [-n jobs] [-w window] "
	    "[-k warmup] [-r rate] [-c conns] [-p pool] "
	    "[--mix TASK:DATA:EVERY] [--size BYTES] [--json]\n");
	return EXIT_USAGE;
}

static int
parse_count(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 v = strtoull(s, &end, 10);

	if (*s == '\0' || *s == '-' || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* TASK:DATA:EVERY, e.g. sleep:10:1000 (every 1000th job a sleep 10). */
static int
parse_mix(char *s, struct bench *b)
{
	char		*data, *every, *end;
	long long	 v;

	if ((data = strchr(s, ':')) == NULL ||
	    (every = strchr(data + 1, ':')) == NULL)
		return -1;
	*data++ = '\0';
	*every++ = '\0';
	v = strtoll(data, &end, 10);
	if (*s == '\0' || *data == '\0' || *end != '\0' || v < 0 ||
	    parse_count(every, 2, BENCH_MAX_JOBS, &b->mix_every) == -1)
		return -1;
	b->mix_task = s;
	b->mix_data = v;
	return 0;
}

static int
parse_rate(const char *s, double *out)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v > 0) || v > 1e8)
		return -1;
	*out = v;
	return 0;
}

static int
bench_args(struct ctl *ctl, struct bench *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "warmup", required_argument, NULL, 'k' },
		{ "rate", required_argument, NULL, 'r' },
		{ "mix", required_argument, NULL, 'm' },
		{ "pool", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "conns", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, bad = 0, window_set = 0;

	b->n = 200000;
	b->window = 256;
	b->warm = 10000;
	b->pool = "";
	uint64_t c = 1;

	while ((ch = getopt_long(argc, argv, "+n:w:k:r:p:c:j", longopts,
	    NULL)) != -1) {
		if (ch == 'c')
			bad |= parse_count(optarg, 1, BENCH_MAX_CONNS, &c);
		else if (ch == 'n')
			bad |= parse_count(optarg, 1, BENCH_MAX_JOBS, &b->n);
		else if (ch == 'w') {
			bad |= parse_count(optarg, 1, 65536, &b->window);
			window_set = 1;
		} else if (ch == 'r')
			bad |= parse_rate(optarg, &b->rate);
		else if (ch == 'm')
			bad |= parse_mix(optarg, b);
		else if (ch == 'p')
			b->pool = optarg;
		else if (ch == 's')
			bad |= parse_count(optarg, 1, IPCCTL_MAX_MESSAGE / 2,
			    &b->size);
		else if (ch == 'k')
			bad |= parse_count(optarg, 0, BENCH_MAX_JOBS, &b->warm);
		else if (ch == 'j')
			ctl->json = 1;
		else
			bad = 1;
	}
	b->nconn = (unsigned)c;
	if (bad || optind != argc || (c > 1 && (b->rate > 0 || b->window < c)))
		return -1;	/* -c: closed loop, a job per connection at least */
	if (b->rate > 0 && !window_set)	/* open loop: no real bound */
		b->window = 65536;
	if (b->size > 0 && (b->text = malloc(b->size)) == NULL)
		return -1;
	if (b->size > 0)
		memset(b->text, 'x', b->size);
	b->total = b->n + b->warm;
	return 0;
}

/* Open the lanes, each with its share of the window. */
static int
open_lanes(struct ctl *ctl, struct bench *b)
{
	unsigned	 k;

	if ((b->lanes = calloc(b->nconn, sizeof(*b->lanes))) == NULL ||
	    (b->who = calloc(b->total + 1, sizeof(*b->who))) == NULL ||
	    (b->nconn > 1 && (b->lat_lane = calloc(b->n ? b->n : 1,
	    sizeof(*b->lat_lane))) == NULL)) {
		fprintf(stderr, "ipcctl: bench: out of memory\n");
		return EXIT_USAGE;
	}
	for (k = 0; k < b->nconn; k++) {
		struct lane	*l = &b->lanes[k];
		int		 r;

		l->b = b;
		l->k = k;
		l->watched = -1;
		l->window = b->window / b->nconn + (k < b->window % b->nconn);
		if (b->rate > 0 && k == 0)
			l->c = ctl->c;	/* open loop: ctl's connection */
		else if ((r = ctl_open(ctl, &l->c)) != 0)
			return r;
		ipcd_set_userdata(l->c, l);
	}
	return 0;
}

static void
close_lanes(struct bench *b)
{
	unsigned	 k;

	for (k = 0; b->lanes != NULL && k < b->nconn; k++)
		if (b->lanes[k].c != NULL && !(b->rate > 0 && k == 0))
			ipcd_free(b->lanes[k].c);
	free(b->lanes);
	free(b->who);
	free(b->lat_lane);
}

int
cmd_bench(struct ctl *ctl, int argc, char **argv)
{
	struct bench	 b;
	struct rss	 r0, r1;
	struct usage	 u0, u1;
	int		 r;

	memset(&b, 0, sizeof(b));
	if (bench_args(ctl, &b, argc, argv) == -1)
		return bench_usage();
	b.zone = &ctl->zone;
	msgpack_sbuffer_init(&b.data);
	b.sent = calloc(b.total + 1, sizeof(*b.sent));
	b.lat = calloc(b.n, sizeof(*b.lat));
	if (b.sent == NULL || b.lat == NULL) {
		fprintf(stderr, "ipcctl: bench: out of memory\n");
		r = EXIT_USAGE;
		goto done;
	}
	if ((r = ctl_connect(ctl)) != 0 || (r = open_lanes(ctl, &b)) != 0)
		goto done;
	if (measure_rss(ctl, &r0) == -1) {
		r = EXIT_CONN;
		goto done;
	}
	proc_usage(&r0, &u0);
	if ((r = (b.rate > 0 ? run_open(ctl, &b) : run(ctl, &b))) != 0)
		goto done;
	if (measure_rss(ctl, &r1) == -1) {	/* the workers there now */
		r = EXIT_CONN;
		goto done;
	}
	proc_usage(&r1, &u1);
	qsort(b.lat, b.nlat, sizeof(*b.lat), cmp_double);
	if (ctl->json)
		printf("{");
	if (!ctl->json)
		report(ctl, &b, &r0, &r1);
	report_lanes(ctl, &b);
	report_usage(ctl, &b, &r0, &u0, &r1, &u1);
	if (ctl->json)
		report(ctl, &b, &r0, &r1);
done:
	close_lanes(&b);
	free(b.sent);
	free(b.lat);
	free(b.text);
	msgpack_sbuffer_destroy(&b.data);
	return r;
}
