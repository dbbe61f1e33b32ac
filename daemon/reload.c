/*
 * Reload: read the config file again and apply it to the running daemon.
 * A file with an error changes nothing.  A new pool starts; a pool that
 * stays takes its new settings, is resized live (pool_resize), and has its
 * workers replaced one at a time if what they run changed; a removed pool
 * takes no new job, finishes those it has, then its workers go.  The
 * control socket and max_message stay as they were until the next start,
 * since clients and workers already use them.
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

/* Would a worker started now differ from one started with the old settings? */
static int
spawn_changed(const struct poolconf *a, const struct poolconf *b)
{
	return a->protocol != b->protocol ||
	    strcmp(a->command, b->command) != 0 ||
	    strcmp(a->directory, b->directory) != 0 ||
	    strcmp(a->environment, b->environment) != 0 ||
	    a->worker_user_set != b->worker_user_set ||
	    a->worker_user != b->worker_user ||
	    a->worker_group_set != b->worker_group_set ||
	    a->worker_group != b->worker_group ||
	    a->limit_nofile != b->limit_nofile || a->limit_as != b->limit_as ||
	    a->limit_cpu != b->limit_cpu || a->in_order != b->in_order;
}

/* A pool that stays: its new settings, its new size, its new program. */
static void
reload_pool(struct pool *pool, const struct poolconf *pc)
{
	int	 respawn = spawn_changed(&pool->conf, pc);

	pool->conf = *pc;
	pool_set_window(pool);
	if (pool->conf.workers != pool->nworkers)
		pool_resize(pool, pool->conf.workers);
	if (respawn) {
		log_notice("pool %s: its workers are replaced, one at a time",
		    pool->name);
		pool_renew(pool);
	}
}

/* Each pool of the new config: changed, or added; the others go. */
static void
reload_pools(struct ipcd *ix)
{
	struct pool	*pool, *keep;
	unsigned	 i;

	TAILQ_FOREACH(pool, &ix->pools, entry)
		pool->mark = !pool->gone;
	keep = ix->builtin;
	if (ix->conf.builtin && keep != NULL) {
		reload_pool(keep, &ix->conf.pool);
		keep->mark = 0;
	} else if (ix->conf.builtin)
		ix->builtin = master_add_pool(ix, &ix->conf.pool);
	else
		ix->builtin = NULL;
	for (i = 0; i < ix->conf.npools; i++) {
		pool = route_pool(ix, ix->conf.pools[i].name,
		    strlen(ix->conf.pools[i].name));
		if (pool != NULL && pool != keep) {
			reload_pool(pool, &ix->conf.pools[i]);
			pool->mark = 0;
		} else if (master_add_pool(ix, &ix->conf.pools[i]) == NULL)
			log_warnx("pool %s: out of memory; not started",
			    ix->conf.pools[i].name);
	}
	TAILQ_FOREACH(pool, &ix->pools, entry)
		if (pool->mark) {
			log_notice("pool %s: removed; it finishes its jobs, "
			    "then its workers go", pool->name);
			pool->gone = 1;
			pool->mark = 0;
		}
	if (route_build(ix) == -1)
		log_warnx("reload: out of memory for the task table");
	master_retire_pools(ix);
}

/*
 * Apply the config file again, telling systemd RELOADING then READY; -1
 * with err set, and nothing changed, if the file has an error.
 */
int
master_reload(struct ipcd *ix, char *err, size_t errlen)
{
	struct config	 next;
	char		 ignored[CONFIG_ERR_MAX];

	sd_state(ix, "RELOADING");
	if (config_load(&next, ix->conf_path, err, errlen) == -1) {
		log_warnx("reload refused, the running configuration stays: %s",
		    err);
		sd_state(ix, "READY");
		return -1;
	}
	if (nofile_check(nofile_config(&next), err, errlen) == -1) {
		log_warnx("reload refused, the running configuration stays: %s",
		    err);
		config_free(&next);
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
	limits_recount(ix);
	privs_advise(&ix->conf);
	reload_pools(ix);
	log_notice("reloaded %s: %u pools", ix->conf_path,
	    ix->conf.npools + (ix->conf.builtin != 0));
	sd_state(ix, "READY");
	return 0;
}
