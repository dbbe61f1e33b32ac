/*
 * Reload: read the config file again and apply it to the running daemon.
 * A file with an error changes nothing.  The pool is resized live (see
 * pool_resize); the control socket and max_message stay as they were until
 * the next start, since clients and workers already use them.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "ipcd.h"
#include "log.h"

/* Keep the settings that only a restart can change, saying so. */
static void
keep_restart_only(const struct config *cur, struct config *next)
{
	if (strcmp(cur->socket, next->socket) != 0 ||
	    cur->socket_mode != next->socket_mode)
		log_warnx("reload: socket and socket_mode take effect at the "
		    "next start; still %s, mode %04o", cur->socket,
		    (unsigned)cur->socket_mode);
	if (cur->max_message != next->max_message)
		log_warnx("reload: max_message takes effect at the next start;"
		    " still %u", cur->max_message);
	if (cur->socket_group_set != next->socket_group_set ||
	    cur->socket_group != next->socket_group ||
	    cur->socket_owner_set != next->socket_owner_set ||
	    cur->socket_owner != next->socket_owner)
		log_warnx("reload: socket_owner and socket_group take effect "
		    "at the next start");
	next->socket_group_set = cur->socket_group_set;
	next->socket_group = cur->socket_group;
	next->socket_owner_set = cur->socket_owner_set;
	next->socket_owner = cur->socket_owner;
	memcpy(next->socket, cur->socket, sizeof(next->socket));
	next->socket_mode = cur->socket_mode;
	next->max_message = cur->max_message;
}

/*
 * Apply the config file again, telling systemd RELOADING then READY; -1
 * with err set, and nothing changed, if the file has an error.
 */
int
master_reload(struct ipcd *ix, char *err, size_t errlen)
{
	struct config	 next;
	struct pool	*pool;
	char		 ignored[CONFIG_ERR_MAX];

	sd_state(ix, "RELOADING");
	if (config_load(&next, ix->conf_path, err, errlen) == -1) {
		log_warnx("reload refused, the running configuration stays: %s",
		    err);
		sd_state(ix, "READY");
		return -1;
	}
	if (ix->socket_arg != NULL)	/* -s still wins over the file */
		config_set(&next, "socket", ix->socket_arg, ignored,
		    sizeof(ignored));
	keep_restart_only(&ix->conf, &next);
	if (ix->log_forced == 0)
		log_setlevel(next.log_level);
	config_free(&ix->conf);
	ix->conf = next;
	pool = master_pool(ix);
	pool->conf = ix->conf.pool;
	pool_set_window(pool);
	if (pool->conf.workers != pool->nworkers)
		pool_resize(pool, pool->conf.workers);
	log_notice("reloaded %s: %u workers, window %u, queue limit %u",
	    ix->conf_path, pool->conf.workers, pool->conf.worker_window,
	    pool->conf.queue_limit);
	master_pump(pool);
	sd_state(ix, "READY");
	return 0;
}
