/*
 * ipcctl status [--json] and ipcctl ping.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ipcctl.h"

#define REQ_ID	1

int
ctl_print_error(const struct ipc_msg *m)
{
	fprintf(stderr, "ipcctl: %.*s: %.*s\n", (int)m->code.len, m->code.p,
	    (int)m->message.len, m->message.p);
	return EXIT_JOB_FAILED;
}

static void
print_uptime(uint64_t ms)
{
	uint64_t s = ms / 1000;

	if (s >= 86400)
		printf("%llud ", (unsigned long long)(s / 86400));
	printf("%02llu:%02llu:%02llu", (unsigned long long)(s / 3600 % 24),
	    (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
}

static void
print_status(const struct ipc_status *st)
{
	uint32_t i, ready = 0;

	for (i = 0; i < st->nworkers; i++)
		if (st->workers[i].state.len == 5 &&
		    memcmp(st->workers[i].state.p, "ready", 5) == 0)
			ready++;
	printf("ipcd %.*s, pid %llu, up ", (int)st->version.len,
	    st->version.p, (unsigned long long)st->pid);
	print_uptime(st->uptime_ms);
	printf("\nworkers %u (%u ready), queue %llu of %llu, clients %llu\n"
	    "jobs %llu done, %llu failed\n\n", st->nworkers, ready,
	    (unsigned long long)st->queue, (unsigned long long)st->queue_limit,
	    (unsigned long long)st->clients, (unsigned long long)st->done,
	    (unsigned long long)st->failed);
	printf("%6s %8s  %-9s %6s %12s\n", "WORKER", "PID", "STATE", "JOBS",
	    "DONE");
	for (i = 0; i < st->nworkers; i++)
		printf("%6u %8llu  %-9.*s %6llu %12llu\n", i,
		    (unsigned long long)st->workers[i].pid,
		    (int)st->workers[i].state.len, st->workers[i].state.p,
		    (unsigned long long)st->workers[i].jobs,
		    (unsigned long long)st->workers[i].done);
}

/* The reply as JSON, without the envelope keys. */
static int
print_status_json(const struct ipc_msg *m)
{
	json_t	*j = jsonmp_from(&m->body);

	if (j == NULL)
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
	struct ipc_status st;
	struct ipc_msg	 m;
	int		 ch, r;

	while ((ch = getopt_long(argc, argv, "+j", longopts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "usage: ipcctl status [--json]\n");
			return EXIT_USAGE;
		}
		ctl->json = 1;
	}
	if (optind != argc) {
		fprintf(stderr, "usage: ipcctl status [--json]\n");
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0 ||
	    (r = ctl_call(ctl, IPC_T_STATUS, REQ_ID, &m)) != 0)
		return r;
	if (m.type == IPC_T_ERROR)
		return ctl_print_error(&m);
	if (proto_get_status(&m, &ctl->conn.zone, &st) == -1 ||
	    (ctl->json && print_status_json(&m) == -1)) {
		fprintf(stderr, "ipcctl: malformed status reply\n");
		return EXIT_CONN;
	}
	if (!ctl->json)
		print_status(&st);
	return 0;
}

int
cmd_ping(struct ctl *ctl, int argc, char **argv)
{
	struct timespec	 t0, t1;
	struct ipc_msg	 m;
	int		 r;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: ipcctl ping\n");
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = ctl_call(ctl, IPC_T_PING, REQ_ID, &m)) != 0)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (m.type == IPC_T_ERROR)
		return ctl_print_error(&m);
	printf("pong from %s in %.3f ms\n", ctl->socket,
	    (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6);
	return 0;
}
