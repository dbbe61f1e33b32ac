/*
 * ipcctl reload and ipcctl scale [POOL] N: change the running pools.
 * Both answer once the pools have their new size.  ipcctl shutdown: stop ipcd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipcctl.h"

#define REQ_ID	1

static int
admin_reply(const struct ipc_msg *m, const char *done)
{
	if (m->type == IPC_T_ERROR)
		return ctl_print_error(m);
	if (m->type != IPC_T_OK) {
		fprintf(stderr, "ipcctl: unexpected %s reply\n",
		    proto_type_name(m->type));
		return EXIT_CONN;
	}
	printf("%s\n", done);
	return 0;
}

/*
 * RELOAD and SCALE are answered once every pool has its size, or has
 * stopped getting there (degraded: its workers cannot start): say which
 * pools did not, and fail.
 */
static int
check_ready(struct ctl *ctl, const char *pool)
{
	struct ipc_status st;
	struct ipc_msg	 m;
	uint32_t	 i;
	int		 r;

	if ((r = ctl_call_pool(ctl, IPC_T_STATUS, REQ_ID + 1, pool, &m)) != 0)
		return r;
	if (m.type != IPC_T_STATUS_REPLY ||
	    proto_get_status(&m, &ctl->conn.zone, &st) == -1) {
		fprintf(stderr, "ipcctl: malformed status reply\n");
		return EXIT_CONN;
	}
	for (i = 0; i < st.npools; i++)
		if (st.pools[i].degraded &&
		    st.pools[i].ready < st.pools[i].size) {
			fprintf(stderr, "ipcctl: pool %.*s has %llu of %llu "
			    "workers ready: its workers keep failing to start "
			    "(see ipcd's log)\n",
			    (int)st.pools[i].name.len, st.pools[i].name.p,
			    (unsigned long long)st.pools[i].ready,
			    (unsigned long long)st.pools[i].size);
			r = EXIT_JOB_FAILED;
		}
	return r;
}

/* A request without arguments: RELOAD or SHUTDOWN. */
static int
admin_call(struct ctl *ctl, int argc, char **argv, enum ipc_type type,
    const char *done)
{
	struct ipc_msg	 m;
	int		 r;

	if (argc != 1) {
		fprintf(stderr, "usage: ipcctl %s\n", argv[0]);
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0 ||
	    (r = ctl_call(ctl, type, REQ_ID, &m)) != 0)
		return r;
	return admin_reply(&m, done);
}

int
cmd_reload(struct ctl *ctl, int argc, char **argv)
{
	int	 r;

	if ((r = admin_call(ctl, argc, argv, IPC_T_RELOAD, "reloaded")) != 0)
		return r;
	return check_ready(ctl, "");
}

int
cmd_scale(struct ctl *ctl, int argc, char **argv)
{
	struct ipc_msg	 m;
	char		*end, done[64];
	unsigned long	 n;
	int		 r;

	const char	*pool = argc == 3 ? argv[1] : "";

	if ((argc != 2 && argc != 3) || argv[argc - 1][0] == '-' ||
	    (n = strtoul(argv[argc - 1], &end, 10)) == 0 || *end != '\0' ||
	    n > IPC_WORKERS_MAX) {
		fprintf(stderr, "usage: ipcctl scale [POOL] WORKERS (1 to %d)\n",
		    IPC_WORKERS_MAX);
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0)
		return r;
	if (proto_put_scale(&ctl->conn.out, IPC_MAX_MESSAGE_MAX, REQ_ID,
	    n, proto_str(pool)) == -1) {
		fprintf(stderr, "ipcctl: out of memory\n");
		return EXIT_CONN;
	}
	if ((r = ctl_wait(ctl, REQ_ID, &m)) != 0)
		return r;
	snprintf(done, sizeof(done), "%lu workers", n);
	if ((r = admin_reply(&m, done)) != 0)
		return r;
	return check_ready(ctl, pool);
}

int
cmd_shutdown(struct ctl *ctl, int argc, char **argv)
{
	return admin_call(ctl, argc, argv, IPC_T_SHUTDOWN, "stopping");
}
