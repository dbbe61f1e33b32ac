/*
 * ipcctl: talk to ipcd over its control socket, through libipcd.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcctl.h"

static const struct {
	const char	*name;
	int		(*fn)(struct ctl *, int, char **);
	const char	*usage;
} commands[] = {
	{ "submit", cmd_submit, "submit TASK [DATA | -] [--file PATH]" },
	{ "status", cmd_status, "status [--json]" },
	{ "ping", cmd_ping, "ping" },
	{ "reload", cmd_reload, "reload" },
	{ "scale", cmd_scale, "scale WORKERS" },
	{ "shutdown", cmd_shutdown, "shutdown" },
	{ "bench", cmd_bench, "bench [-n jobs] [-w window] [-k warmup] [-r rate]\n"
	    "                [--mix TASK:DATA:EVERY] [--json]" },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static int
usage(FILE *fp, int status)
{
	size_t	 i;

	fprintf(fp, "usage: ipcctl [-s socket] [-W seconds] [-t seconds] "
	    "COMMAND [ARGS]\n"
	    "  -s, --socket PATH     control socket (default $IPCD_SOCKET, "
	    "else %s)\n"
	    "  -W, --wait SECONDS    wait this long for ipcd to accept\n"
	    "  -t, --timeout SECONDS give up on a reply after this long\n"
	    "commands:\n", IPCD_SOCK_PATH);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  ipcctl %s\n", commands[i].usage);
	fprintf(fp, "exit status: 0 ok, 1 the job or command failed "
	    "(ipcctl: CODE: message),\n  2 usage, 3 no connection to ipcd\n");
	return status;
}

static int
parse_seconds(const char *s, double *out)
{
	char	*end;
	double	 v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || !(v >= 0) || v > 86400)
		return -1;
	*out = v;
	return 0;
}

/* The global options, before the command; returns argv's index of the command. */
static int
global_args(struct ctl *ctl, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "wait", required_argument, NULL, 'W' },
		{ "timeout", required_argument, NULL, 't' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	while ((ch = getopt_long(argc, argv, "+s:W:t:Vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 's':
			ctl->socket = optarg;
			break;
		case 'W':
			if (parse_seconds(optarg, &ctl->wait) == -1)
				exit(usage(stderr, EXIT_USAGE));
			break;
		case 't':
			if (parse_seconds(optarg, &ctl->timeout) == -1)
				exit(usage(stderr, EXIT_USAGE));
			break;
		case 'V':
			printf("ipcctl %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			exit(usage(stdout, 0));
		default:
			exit(usage(stderr, EXIT_USAGE));
		}
	}
	return optind;
}

/*
 * A connection as the global options say, in *cp: 0, or the exit status
 * with the error said (1 if the daemon refused it, 3 if it cannot be had).
 */
int
ctl_open(struct ctl *ctl, struct ipcd **cp)
{
	struct ipcd	*c;
	int		 e;

	*cp = NULL;
	c = ipcd_connect_wait(ctl->socket, (int)(ctl->wait * 1000));
	if (c == NULL) {
		fprintf(stderr, "ipcctl: out of memory\n");
		return EXIT_CONN;
	}
	if ((e = ipcd_error(c)) != IPCD_OK) {
		fprintf(stderr, "ipcctl: %s\n", ipcd_errstr(c));
		ipcd_free(c);
		return e < IPCD_E_CONNECT ? EXIT_JOB_FAILED : EXIT_CONN;
	}
	ipcd_set_timeout(c, (int)(ctl->timeout * 1000));
	*cp = c;
	return 0;
}

int
ctl_connect(struct ctl *ctl)
{
	return ctl_open(ctl, &ctl->c);
}

/*
 * Say why a request failed: the daemon's answer (exit 1), or the
 * connection's end (exit 3).
 */
int
ctl_failed(struct ctl *ctl, const struct ipcd_reply *r)
{
	(void)ctl;
	if (r->error >= IPCD_E_CONNECT && r->error != IPCD_E_INVALID) {
		fprintf(stderr, "ipcctl: %s\n", r->message);
		return EXIT_CONN;
	}
	if (r->error == IPCD_E_TIMEOUT && strncmp(r->message, "no answer",
	    9) == 0) {
		fprintf(stderr, "ipcctl: timed out waiting for ipcd (%s)\n",
		    r->message);
		return EXIT_CONN;
	}
	fprintf(stderr, "ipcctl: %s: %s\n", r->code, r->message);
	return r->error == IPCD_E_INVALID ? EXIT_USAGE : EXIT_JOB_FAILED;
}

/* A command and its reply: 0, or the exit status with the error said. */
int
ctl_command(struct ctl *ctl, enum ipcd_command cmd, const char *pool,
    uint32_t count, struct ipcd_reply *r)
{
	if (ipcd_command(ctl->c, cmd, pool, count, r) != IPCD_OK)
		return ctl_failed(ctl, r);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ctl	 ctl;
	size_t		 i;
	int		 first, r;

	signal(SIGPIPE, SIG_IGN);
	memset(&ctl, 0, sizeof(ctl));
	if (!msgpack_zone_init(&ctl.zone, 8192)) {
		fprintf(stderr, "ipcctl: out of memory\n");
		return EXIT_CONN;
	}
	ctl.socket = ipcd_socket_path(NULL);
	first = global_args(&ctl, argc, argv);
	argc -= first;
	argv += first;
	if (argc < 1)
		return usage(stderr, EXIT_USAGE);
	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			break;
	if (i == NCOMMANDS) {
		fprintf(stderr, "ipcctl: unknown command '%s'\n", argv[0]);
		return usage(stderr, EXIT_USAGE);
	}
	optind = 0;	/* restart getopt for the command's own options */
	r = commands[i].fn(&ctl, argc, argv);
	ipcd_free(ctl.c);
	msgpack_zone_destroy(&ctl.zone);
	return r;
}
