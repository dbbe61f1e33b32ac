/*
 * The configuration: an INI file with a section [ipcd] and a section
 * [pool NAME] for each pool of worker programs.  A loaded config is never
 * changed; a reload builds a new one and swaps it in.
 */
#ifndef IPCD_CONFIG_H
#define IPCD_CONFIG_H

#include <sys/types.h>
#include <sys/un.h>
#include <stddef.h>
#include <stdint.h>
#include <wordexp.h>

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

#define POOL_NAME_MAX	32
#define POOLS_MAX	64
#define CONF_TEXT_MAX	1024		/* command, environment, ... */
#define CONFIG_ENV_MAX	64		/* variables in environment */
/* max_job_timeout not set: job_timeout is the ceiling */
#define CEILING_JOB_TIMEOUT	UINT32_MAX

/* uids or gids named in the config */
struct idlist {
	unsigned	 n;
	uint32_t	 id[CONFIG_IDS_MAX];
};

/* How the master talks to a pool's workers. */
enum pool_protocol {
	POOL_BUILTIN,		/* ipcd's own worker, forked */
	POOL_IPCD,		/* a program on ipcd's worker plane, fd 3 */
	POOL_NODE		/* a program on Node's child_process channel */
};

/*
 * One pool's settings: [pool NAME], over the defaults in [ipcd].  Text
 * only, no pointers, so that a pool keeps a copy of its own.
 */
struct poolconf {
	char		 name[POOL_NAME_MAX + 1];
	int		 line;			/* of its section; 0: [ipcd] */
	enum pool_protocol protocol;
	char		 command[CONF_TEXT_MAX];	/* as written */
	char		 directory[CONF_TEXT_MAX];	/* "": ipcd's, / */
	char		 environment[CONF_TEXT_MAX];	/* as written */
	char		 tasks[CONF_TEXT_MAX];		/* as written */
	int		 tasks_line;
	int		 in_order;		/* node: answers in order */

	unsigned	 workers;
	unsigned	 worker_window;
	unsigned	 queue_limit;

	/* supervision: durations in milliseconds, 0 meaning none */
	unsigned	 retries;
	unsigned	 job_timeout;
	unsigned	 max_job_timeout;	/* CEILING_JOB_TIMEOUT: that */
	unsigned	 max_jobs_per_worker;
	uint64_t	 max_worker_rss;		/* bytes */
	unsigned	 max_worker_age;
	unsigned	 start_timeout;		/* for READY */

	/* what the workers run as (when the master is root), and their limits */
	int		 worker_user_set;
	uint32_t	 worker_user;
	uint32_t	 worker_user_gid;		/* its primary group */
	int		 worker_group_set;
	uint32_t	 worker_group;
	unsigned	 limit_nofile;			/* 0: inherited */
	uint64_t	 limit_as;			/* bytes; 0: inherited */
	unsigned	 limit_cpu;			/* seconds; 0: inherited */
};

struct config {
	char		 socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	mode_t		 socket_mode;
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

	/* what one client may hold */
	unsigned	 max_connections_per_user;
	unsigned	 max_jobs_per_client;
	uint64_t	 max_client_buffer;		/* bytes */
	uint64_t	 max_memory_per_user;		/* bytes; 0: no limit */
	uint64_t	 max_memory;			/* all users; 0: none */
	unsigned	 frame_timeout;		/* ms to finish a frame let in */

	/* [ipcd]'s pool keys: the built-in pool's, and every pool's defaults */
	struct poolconf	 pool;
	int		 builtin;		/* run the built-in pool */
	struct poolconf	*pools;			/* [pool NAME], in file order */
	unsigned	 npools;
};

void	 config_defaults(struct config *);
int	 config_load(struct config *, const char *, char *, size_t);
int	 config_set(struct config *, const char *, const char *, char *,
	    size_t);
void	 config_free(struct config *);
int	 config_words(const char *, wordexp_t *, char *, size_t);
int	 config_each_task(const char *, int (*)(const char *, size_t, void *),
	    void *);
int	 config_lists_task(const char *, const char *, size_t);

#endif
