/*
 * The configuration: an INI file with one section, [ipcd].  A loaded config
 * is never changed; a reload builds a new one and swaps it in.
 */
#ifndef IPCD_CONFIG_H
#define IPCD_CONFIG_H

#include <sys/types.h>
#include <sys/un.h>
#include <stdint.h>

#include "proto.h"

#ifndef IPCD_CONF_PATH
#define IPCD_CONF_PATH	"/etc/ipcd/ipcd.conf"
#endif
#ifndef IPCD_SOCK_PATH
#define IPCD_SOCK_PATH	"/run/ipcd/ipcd.sock"
#endif

#define CONFIG_ERR_MAX	512
#define WORKERS_MAX	IPC_WORKERS_MAX
#define CONFIG_IDS_MAX	32

/* uids or gids named in the config */
struct idlist {
	unsigned	 n;
	uint32_t	 id[CONFIG_IDS_MAX];
};

struct config {
	char		 socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	mode_t		 socket_mode;
	unsigned	 workers;
	unsigned	 worker_window;
	unsigned	 queue_limit;
	uint32_t	 max_message;
	unsigned	 drain_timeout;		/* seconds */
	int		 log_level;
	int		 socket_owner_set;
	uint32_t	 socket_owner;
	int		 socket_group_set;
	uint32_t	 socket_group;
	struct idlist	 allow_users;
	struct idlist	 allow_groups;
	int		 admin_group_set;
	uint32_t	 admin_group;

	/* supervision: durations in milliseconds, 0 meaning none */
	unsigned	 retries;
	unsigned	 job_timeout;
	unsigned	 max_jobs_per_worker;
	uint64_t	 max_worker_rss;		/* bytes */
	unsigned	 max_worker_age;

	/* what the workers run as (when the master is root), and their limits */
	int		 worker_user_set;
	uint32_t	 worker_user;
	uint32_t	 worker_user_gid;		/* its primary group */
	int		 worker_group_set;
	uint32_t	 worker_group;
	unsigned	 limit_nofile;			/* 0: inherited */
	uint64_t	 limit_as;			/* bytes; 0: inherited */
	unsigned	 limit_cpu;			/* seconds; 0: inherited */

	/* what one client may hold */
	unsigned	 max_connections_per_user;
	unsigned	 max_jobs_per_client;
	uint64_t	 max_client_buffer;		/* bytes */
};

void	 config_defaults(struct config *);
int	 config_load(struct config *, const char *, char *, size_t);
int	 config_set(struct config *, const char *, const char *, char *,
	    size_t);

#endif
