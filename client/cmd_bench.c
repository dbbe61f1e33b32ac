/*
 * ipcctl bench: push tiny "double" jobs through the daemon with a window of
 * outstanding jobs, check every result, and report jobs/s, p50/p99 latency
 * and the resident memory of the master and its workers.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipcctl.h"

#define BENCH_MAX_JOBS	20000000ULL

struct bench {
	uint64_t	 n, warm, window, total;
	uint64_t	*sent;		/* send time (ns) by job id */
	double		*lat;		/* round trip (us) of each timed job */
	uint64_t	 nlat;
	double		 t0, t1;	/* timed span, seconds */
	struct buf	 data;
};

struct rss {
	long	 master_kb, master_hwm_kb, worker_kb, worker_hwm_kb;
	unsigned nworkers;
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
measure_rss(struct ctl *ctl, uint64_t id, struct rss *r)
{
	struct ipc_status st;
	struct ipc_msg	 m;
	long		 kb, hwm;
	uint32_t	 i;

	memset(r, 0, sizeof(*r));
	if (ctl_call(ctl, IPC_T_STATUS, id, &m) != 0)
		return -1;
	if (m.type == IPC_T_ERROR) {
		ctl_print_error(&m);
		return -1;
	}
	if (proto_get_status(&m, &ctl->conn.zone, &st) == -1)
		return -1;
	proc_rss(st.pid, &r->master_kb, &r->master_hwm_kb);
	r->worker_kb = r->worker_hwm_kb = -1;
	for (i = 0; i < st.nworkers; i++) {
		proc_rss(st.workers[i].pid, &kb, &hwm);
		if (kb > r->worker_kb)
			r->worker_kb = kb;
		if (hwm > r->worker_hwm_kb)
			r->worker_hwm_kb = hwm;
	}
	r->nworkers = st.nworkers;
	return 0;
}

static int
send_job(struct ctl *ctl, struct bench *b, uint64_t id)
{
	msgpack_packer	 pk;

	b->data.off = b->data.len = 0;
	msgpack_packer_init(&pk, &b->data, buf_msgpack_write);
	msgpack_pack_uint64(&pk, id);
	b->sent[id] = now_ns();
	return proto_put_submit(&ctl->conn.out, IPC_MAX_MESSAGE_MAX, id,
	    proto_str("double"), buf_head(&b->data), buf_avail(&b->data), -1);
}

/* Check one reply and record its latency; -1 if it is wrong. */
static int
take_reply(struct bench *b, const struct ipc_msg *m, uint64_t done)
{
	uint64_t	 t = now_ns();

	if (m->type == IPC_T_ERROR) {
		ctl_print_error(m);
		return -1;
	}
	if (m->type != IPC_T_RESULT || !m->has_id || m->id == 0 ||
	    m->id > b->total || b->sent[m->id] == 0 ||
	    m->data.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
	    m->data.via.u64 != 2 * m->id) {
		fprintf(stderr, "ipcctl: bench: wrong reply for job %llu\n",
		    (unsigned long long)m->id);
		return -1;
	}
	if (m->id > b->warm)
		b->lat[b->nlat++] = (t - b->sent[m->id]) / 1e3;
	b->sent[m->id] = 0;
	if (done + 1 == b->warm || (b->warm == 0 && done == 0))
		b->t0 = t / 1e9;
	b->t1 = t / 1e9;
	return 0;
}

static int
run(struct ctl *ctl, struct bench *b)
{
	struct ipc_msg	 m;
	uint64_t	 next = 1, done = 0;

	while (done < b->total) {
		while (next <= b->total && next - 1 - done < b->window)
			if (send_job(ctl, b, next++) == -1)
				return EXIT_CONN;
		if (conn_flush(&ctl->conn) == -1) {
			perror("ipcctl: write");
			return EXIT_CONN;
		}
		do {
			if (conn_recv(&ctl->conn, &m) == -1)
				return EXIT_CONN;
			if (take_reply(b, &m, done++) == -1)
				return EXIT_JOB_FAILED;
		} while (done < b->total && conn_buffered(&ctl->conn));
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

static void
report(const struct ctl *ctl, const struct bench *b, const struct rss *r0,
    const struct rss *r1)
{
	double	 secs = b->t1 - b->t0, jps = secs > 0 ? b->n / secs : 0;

	if (ctl->json) {
		printf("{\"jobs\":%llu,\"window\":%llu,\"workers\":%u,"
		    "\"jobs_per_s\":%.0f,\"p50_us\":%.1f,\"p99_us\":%.1f,"
		    "\"master_rss_kb_idle\":%ld,\"master_rss_kb\":%ld,"
		    "\"master_hwm_kb\":%ld,\"worker_rss_kb\":%ld,"
		    "\"worker_hwm_kb\":%ld}\n", (unsigned long long)b->n,
		    (unsigned long long)b->window, r1->nworkers, jps,
		    percentile(b, 50), percentile(b, 99), r0->master_kb,
		    r1->master_kb, r1->master_hwm_kb, r1->worker_kb,
		    r1->worker_hwm_kb);
		return;
	}
	printf("%llu double jobs, window %llu, %u workers\n"
	    "  throughput  %.0f jobs/s (%.3f s)\n"
	    "  latency     p50 %.1f us, p99 %.1f us\n"
	    "  master RSS  %.1f MiB idle, %.1f MiB after, peak %.1f MiB\n"
	    "  worker RSS  %.1f MiB (largest), peak %.1f MiB\n",
	    (unsigned long long)b->n, (unsigned long long)b->window,
	    r1->nworkers, jps, secs, percentile(b, 50), percentile(b, 99),
	    r0->master_kb / 1024.0, r1->master_kb / 1024.0,
	    r1->master_hwm_kb / 1024.0, r1->worker_kb / 1024.0,
	    r1->worker_hwm_kb / 1024.0);
}

static int
bench_usage(void)
{
	fprintf(stderr, "usage: ipcctl bench [-n jobs] [-w window] "
	    "[-k warmup] [--json]\n");
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

static int
bench_args(struct ctl *ctl, struct bench *b, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'n' },
		{ "window", required_argument, NULL, 'w' },
		{ "warmup", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch, bad = 0;

	b->n = 200000;
	b->window = 256;
	b->warm = 10000;
	while ((ch = getopt_long(argc, argv, "+n:w:k:j", longopts,
	    NULL)) != -1) {
		if (ch == 'n')
			bad |= parse_count(optarg, 1, BENCH_MAX_JOBS, &b->n);
		else if (ch == 'w')
			bad |= parse_count(optarg, 1, 65536, &b->window);
		else if (ch == 'k')
			bad |= parse_count(optarg, 0, BENCH_MAX_JOBS, &b->warm);
		else if (ch == 'j')
			ctl->json = 1;
		else
			bad = 1;
	}
	if (bad || optind != argc)
		return -1;
	b->total = b->n + b->warm;
	return 0;
}

int
cmd_bench(struct ctl *ctl, int argc, char **argv)
{
	struct bench	 b;
	struct rss	 r0, r1;
	int		 r;

	memset(&b, 0, sizeof(b));
	if (bench_args(ctl, &b, argc, argv) == -1)
		return bench_usage();
	b.sent = calloc(b.total + 1, sizeof(*b.sent));
	b.lat = calloc(b.n, sizeof(*b.lat));
	if (b.sent == NULL || b.lat == NULL) {
		fprintf(stderr, "ipcctl: bench: out of memory\n");
		r = EXIT_USAGE;
		goto done;
	}
	if ((r = ctl_connect(ctl)) != 0)
		goto done;
	if (measure_rss(ctl, b.total + 1, &r0) == -1 ||
	    (r = run(ctl, &b)) != 0 ||
	    measure_rss(ctl, b.total + 2, &r1) == -1) {
		r = r ? r : EXIT_CONN;
		goto done;
	}
	qsort(b.lat, b.nlat, sizeof(*b.lat), cmp_double);
	report(ctl, &b, &r0, &r1);
done:
	free(b.sent);
	free(b.lat);
	buf_free(&b.data);
	return r;
}
