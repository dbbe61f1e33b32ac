/*
 * ipcctl: the command-line client of ipcd's control socket.
 */
#ifndef IPCCTL_H
#define IPCCTL_H

#include <jansson.h>
#include <msgpack.h>

#include "buf.h"
#include "proto.h"

/* Exit codes. */
#define EXIT_JOB_FAILED	1	/* the daemon answered with an ERROR */
#define EXIT_USAGE	2	/* bad command line or input */
#define EXIT_CONN	3	/* cannot connect, or the connection failed */

#define DEFAULT_SOCKET	IPCD_SOCK_PATH

struct conn {
	int		 fd;
	struct buf	 in;
	struct buf	 out;
	size_t		 taken;		/* bytes of the last frame returned */
	msgpack_zone	 zone;
	int		 zone_ok;
};

struct ctl {
	const char	*socket;
	double		 wait;		/* seconds to wait for the socket */
	double		 timeout;	/* seconds to wait for a reply */
	int		 json;
	struct conn	 conn;
};

/* conn.c */
int	 conn_open(struct conn *, const char *, double, double);
int	 conn_flush(struct conn *);
int	 conn_recv(struct conn *, struct ipc_msg *);
int	 conn_buffered(struct conn *);
void	 conn_close(struct conn *);
int	 ctl_connect(struct ctl *);
int	 ctl_call(struct ctl *, enum ipc_type, uint64_t, struct ipc_msg *);
int	 ctl_call_pool(struct ctl *, enum ipc_type, uint64_t, const char *,
	    struct ipc_msg *);
int	 ctl_wait(struct ctl *, uint64_t, struct ipc_msg *);

/* jsonmp.c */
int	 jsonmp_pack(const json_t *, msgpack_packer *);
json_t	*jsonmp_from(const msgpack_object *);
int	 jsonmp_print(FILE *, const msgpack_object *);

/* commands */
int	 cmd_submit(struct ctl *, int, char **);
int	 cmd_status(struct ctl *, int, char **);
int	 cmd_ping(struct ctl *, int, char **);
int	 cmd_bench(struct ctl *, int, char **);
int	 cmd_reload(struct ctl *, int, char **);
int	 cmd_scale(struct ctl *, int, char **);
int	 cmd_shutdown(struct ctl *, int, char **);
int	 ctl_print_error(const struct ipc_msg *);

#endif
