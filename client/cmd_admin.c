/*
 * ipcctl reload and ipcctl scale [POOL] N: change the running pools.
 * Both answer once the pools have their new size.  ipcctl shutdown: stop ipcd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcctl.h"


/*
 * RELOAD and SCALE are answered once every pool has its size, or has
 * stopped getting there (degraded: its workers cannot start): say which
 * pools did not, and fail.
 */
static int
check_ready(struct ctl *ctl, const char *pool)
{
	const struct ipcd_status *st;
	struct ipcd_reply m;
	uint32_t	 i;
	int		 r;

	if ((r = ctl_command(ctl, IPCD_STATUS, pool, 0, &m)) != 0)
		return r;
	if ((st = ipcd_status_decode(&m, &ctl->zone)) == NULL) {
		fprintf(stderr, "ipcctl: malformed status reply\n");
		return EXIT_CONN;
	}
	for (i = 0; i < st->npools; i++)
		if (st->pools[i].degraded &&
		    st->pools[i].ready < st->pools[i].size) {
			fprintf(stderr, "ipcctl: pool %s has %llu of %llu "
			    "workers ready: its workers keep failing to start "
			    "(see ipcd's log)\n", st->pools[i].name,
			    (unsigned long long)st->pools[i].ready,
			    (unsigned long long)st->pools[i].size);
			r = EXIT_JOB_FAILED;
		}
	return r;
}

/* A request without arguments: RELOAD or SHUTDOWN. */
static int
admin_call(struct ctl *ctl, int argc, char **argv, enum ipcd_command cmd,
    const char *done)
{
	struct ipcd_reply m;
	int		 r;

	if (argc != 1) {
		fprintf(stderr, "usage: ipcctl %s\n", argv[0]);
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0 ||
	    (r = ctl_command(ctl, cmd, NULL, 0, &m)) != 0)
		return r;
	printf("%s\n", done);
	return 0;
}

int
cmd_reload(struct ctl *ctl, int argc, char **argv)
{
	int	 r;

	if ((r = admin_call(ctl, argc, argv, IPCD_RELOAD, "reloaded")) != 0)
		return r;
	return check_ready(ctl, NULL);
}

int
cmd_scale(struct ctl *ctl, int argc, char **argv)
{
	struct ipcd_reply m;
	char		*end;
	unsigned long	 n;
	int		 r;

	const char	*pool = argc == 3 ? argv[1] : NULL;

	if ((argc != 2 && argc != 3) || argv[argc - 1][0] == '-' ||
	    (n = strtoul(argv[argc - 1], &end, 10)) == 0 || *end != '\0' ||
	    n > IPCCTL_WORKERS_MAX) {
		fprintf(stderr, "usage: ipcctl scale [POOL] WORKERS (1 to %d)\n",
		    IPCCTL_WORKERS_MAX);
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0 ||
	    (r = ctl_command(ctl, IPCD_SCALE, pool, (uint32_t)n, &m)) != 0)
		return r;
	printf("%lu workers\n", n);
	return check_ready(ctl, pool);
}

int
cmd_shutdown(struct ctl *ctl, int argc, char **argv)
{
	return admin_call(ctl, argc, argv, IPCD_SHUTDOWN, "stopping");
}
