/*
 * ipcctl status [POOL] [--json] and ipcctl ping.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ipcctl.h"


static void
print_uptime(uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (s >= 86400)
		printf("%llud ", (unsigned long long)(s / 86400));
	printf("%02llu:%02llu:%02llu", (unsigned long long)(s / 3600 % 24),
	    (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

/* A duration as "45s", "12m", "5h" or "3d": the largest unit that fits. */
static const char *
short_age(uint64_t ms, char *buf, size_t len)
{
	uint64_t	 s = ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%llum", (unsigned long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%lluh", (unsigned long long)(s / 3600));
	else
		snprintf(buf, len, "%llud", (unsigned long long)(s / 86400));
	return buf;
}

static void
print_workers(const struct ipcd_status *st)
{
	const struct ipcd_worker_status *w;
	char		 age[32], busy[32];
	uint32_t	 i, slot;

	printf("%-12s %6s %8s  %-9s %6s %6s %8s %12s %8s %9s %6s\n", "POOL",
	    "WORKER", "PID", "STATE", "JOBS", "WINDOW", "BUSY", "DONE",
	    "RESTARTS", "RSS", "AGE");
	for (i = 0, slot = 0; i < st->nworkers; i++, slot++) {
		w = &st->workers[i];
		if (i > 0 && strcmp(w->pool, w[-1].pool) != 0)
			slot = 0;	/* slots count from 0 in each pool */
		if (w->jobs > 0)
			snprintf(busy, sizeof(busy), "%llums",
			    (unsigned long long)w->busy_ms);
		else
			snprintf(busy, sizeof(busy), "-");
		printf("%-12s %6u %8llu  %-9s %6llu %6llu %8s %12llu %8llu "
		    "%8lluK %6s\n", w->pool, slot,
		    (unsigned long long)w->pid, w->state,
		    (unsigned long long)w->jobs, (unsigned long long)w->window,
		    busy, (unsigned long long)w->done,
		    (unsigned long long)w->restarts,
		    (unsigned long long)(w->rss / 1024),
		    w->pid ? short_age(w->age_ms, age, sizeof(age)) : "-");
	}
}

/* One line per pool: what it runs, its size, queue and counters. */
static void
print_pools(const struct ipcd_status *st)
{
	const struct ipcd_pool_status *p;
	uint32_t	 i;

	for (i = 0; i < st->npools; i++) {
		p = &st->pools[i];
		printf("pool %s (%s%s%s): %llu workers (%llu ready), "
		    "queue %llu of %llu; %llu done, %llu failed%s\n",
		    p->name, p->protocol, *p->command ? ": " : "", p->command,
		    (unsigned long long)p->size, (unsigned long long)p->ready,
		    (unsigned long long)p->queue,
		    (unsigned long long)p->queue_limit,
		    (unsigned long long)p->done, (unsigned long long)p->failed,
		    p->degraded ? "; DEGRADED" : "");
	}
	if (st->npools > 0)
		printf("\n");
}

static void
print_status(const struct ipcd_status *st)
{
	uint32_t i, ready = 0;

	for (i = 0; i < st->nworkers; i++)
		if (strcmp(st->workers[i].state, "ready") == 0)
			ready++;
	printf("ipcd %s, pid %llu, up ", st->version,
	    (unsigned long long)st->pid);
	print_uptime(st->uptime_ms);
	if (st->degraded)
		printf("\nDEGRADED: workers keep dying; restarts are backing "
		    "off");
	printf("\nworkers %u (%u ready), queue %llu of %llu, clients %llu "
	    "(%llu bytes held)\n"
	    "jobs %llu done, %llu failed (%llu timed out), %llu retried; "
	    "%llu worker deaths\n\n", st->nworkers, ready,
	    (unsigned long long)st->queue, (unsigned long long)st->queue_limit,
	    (unsigned long long)st->clients, (unsigned long long)st->held,
	    (unsigned long long)st->done,
	    (unsigned long long)st->failed, (unsigned long long)st->timed_out,
	    (unsigned long long)st->retried, (unsigned long long)st->deaths);
	print_pools(st);
	print_workers(st);
}

/* The reply as JSON, without the envelope keys. */
static int
print_status_json(const struct ipcd_reply *r, msgpack_zone *z)
{
	msgpack_object	 body;
	json_t		*j;

	if (ipcd_unpack(r, z, &body) != IPCD_OK ||
	    (j = jsonmp_from(&body)) == NULL)
		return -1;
	json_object_del(j, "v");
	json_object_del(j, "type");
	json_object_del(j, "id");
	json_dumpf(j, stdout, JSON_COMPACT);
	fputc('\n', stdout);
	json_decref(j);
	return 0;
}

int
cmd_status(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 }
	};
	const struct ipcd_status *st;
	struct ipcd_reply m;
	const char	*pool = NULL;
	int		 ch, r;

	while ((ch = getopt_long(argc, argv, "j", longopts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "usage: ipcctl status [POOL] [--json]\n");
			return EXIT_USAGE;
		}
		ctl->json = 1;
	}
	if (optind + 1 == argc)
		pool = argv[optind++];
	if (optind != argc) {
		fprintf(stderr, "usage: ipcctl status [POOL] [--json]\n");
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0 ||
	    (r = ctl_command(ctl, IPCD_STATUS, pool, 0, &m)) != 0)
		return r;
	if ((st = ipcd_status_decode(&m, &ctl->zone)) == NULL ||
	    (ctl->json && print_status_json(&m, &ctl->zone) == -1)) {
		fprintf(stderr, "ipcctl: malformed status reply\n");
		return EXIT_CONN;
	}
	if (!ctl->json)
		print_status(st);
	return 0;
}

int
cmd_ping(struct ctl *ctl, int argc, char **argv)
{
	struct timespec	 t0, t1;
	struct ipcd_reply m;
	int		 r;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: ipcctl ping\n");
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = ctl_command(ctl, IPCD_PING, NULL, 0, &m)) != 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("pong from %s in %.3f ms\n", ctl->socket,
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
