/*
 * ipcctl: the command-line client of ipcd's control socket, built on
 * libipcd.
 */
#ifndef IPCCTL_H
#define IPCCTL_H

#include <stdio.h>

#include <jansson.h>
#include <msgpack.h>

#include "ipcd.h"

/* Exit codes. */
#define EXIT_JOB_FAILED	1	/* the daemon answered with an ERROR */
#define EXIT_USAGE	2	/* bad command line or input */
#define EXIT_CONN	3	/* cannot connect, or the connection failed */

#define IPCCTL_MAX_MESSAGE	(64 * 1024 * 1024)	/* the protocol's */
#define IPCCTL_WORKERS_MAX	1024			/* SCALE's count */

struct ctl {
	const char	*socket;
	double		 wait;		/* seconds to wait for the socket */
	double		 timeout;	/* seconds to wait for a reply */
	int		 json;
	struct ipcd	*c;
	msgpack_zone	 zone;		/* for decoded replies */
};

/* ipcctl.c */
int	 ctl_connect(struct ctl *);
int	 ctl_open(struct ctl *, struct ipcd **);
int	 ctl_failed(struct ctl *, const struct ipcd_reply *);
int	 ctl_command(struct ctl *, enum ipcd_command, const char *, uint32_t,
	    struct ipcd_reply *);

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

#endif
