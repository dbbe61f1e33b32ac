/*
 * The configuration: an INI file with one section, [ipcd].  A loaded config
 * is never changed; a reload builds a new one and swaps it in.
 */
#ifndef IPCD_CONFIG_H
#define IPCD_CONFIG_H

#include <sys/types.h>
#include <sys/un.h>
#include <stdint.h>

#ifndef IPCD_CONF_PATH
#define IPCD_CONF_PATH	"/etc/ipcd/ipcd.conf"
#endif
#ifndef IPCD_SOCK_PATH
#define IPCD_SOCK_PATH	"/run/ipcd/ipcd.sock"
#endif

#define CONFIG_ERR_MAX	512
#define WORKERS_MAX	1024

struct config {
	char		 socket[sizeof(((struct sockaddr_un *)0)->sun_path)];
	mode_t		 socket_mode;
	unsigned	 workers;
	unsigned	 worker_window;
	unsigned	 queue_limit;
	uint32_t	 max_message;
	unsigned	 drain_timeout;		/* seconds */
	int		 log_level;
};

void	 config_defaults(struct config *);
int	 config_load(struct config *, const char *, char *, size_t);
int	 config_set(struct config *, const char *, const char *, char *,
	    size_t);

#endif
