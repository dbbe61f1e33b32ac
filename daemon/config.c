/*
 * Loading ipcd.conf: the table of keys, their defaults, and the file read
 * with inih, section by section: [ipcd] first, then each [pool NAME] over
 * [ipcd]'s pool keys, wherever they stand; every error with its line.
 * config_value.c parses each value.
 */
#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <ini.h>

#include "config_keys.h"
#include "log.h"
#include "proto.h"

#define OFF(f)	offsetof(struct config, f)
#define POFF(f)	offsetof(struct poolconf, f)
#define G(f)	S_IPCD, OFF(f)
#define P(f)	S_POOL, POFF(f)
#define X(f)	S_PROG, POFF(f)

/* value_id sets the int flag just before the id it fills in. */
_Static_assert(OFF(socket_group) == OFF(socket_group_set) + sizeof(int),
    "socket_group_set must precede socket_group");
_Static_assert(OFF(socket_owner) == OFF(socket_owner_set) + sizeof(int),
    "socket_owner_set must precede socket_owner");
_Static_assert(OFF(admin_group) == OFF(admin_group_set) + sizeof(int),
    "admin_group_set must precede admin_group");
_Static_assert(POFF(worker_group) == POFF(worker_group_set) + sizeof(int),
    "worker_group_set must precede worker_group");
_Static_assert(POFF(worker_user) == POFF(worker_user_set) + sizeof(int),
    "worker_user_set must precede worker_user");

#define DAY_MS		(24UL * 3600 * 1000)
#define SIZE64		(1ULL << 40)	/* a size key wider than 32 bits */

static const struct key keys[] = {
	{ "workers", value_uint, P(workers), 1, WORKERS_MAX },
	{ "worker_window", value_uint, P(worker_window), 1, 4096 },
	{ "queue_limit", value_uint, P(queue_limit), 0, 10000000 },
	{ "max_message", value_size, G(max_message), IPC_MAX_MESSAGE_MIN,
	    IPC_MAX_MESSAGE_MAX },
	{ "drain_timeout", value_uint, G(drain_timeout), 0, 3600 },
	{ "socket", value_path, G(socket), 0, 0 },
	{ "socket_mode", value_mode, G(socket_mode), 0, 07777 },
	{ "log_level", value_level, G(log_level), 0, 0 },
	{ "socket_owner", value_id, G(socket_owner), 0, 0 },
	{ "socket_group", value_id, G(socket_group), 1, 0 },
	{ "admin_group", value_id, G(admin_group), 1, 0 },
	{ "allow_users", value_ids, G(allow_users), 0, 0 },
	{ "allow_groups", value_ids, G(allow_groups), 1, 0 },
	{ "builtin", value_bool, G(builtin), 0, 0 },
	{ "retries", value_uint, P(retries), 0, 100 },
	{ "job_timeout", value_duration, P(job_timeout), 0, 30 * DAY_MS },
	{ "max_job_timeout", value_duration, P(max_job_timeout), 0,
	    30 * DAY_MS },
	{ "max_jobs_per_worker", value_uint, P(max_jobs_per_worker), 0,
	    UINT32_MAX },
	{ "max_worker_rss", value_size, P(max_worker_rss), 0, SIZE64 },
	{ "max_worker_age", value_duration, P(max_worker_age), 0,
	    30 * DAY_MS },
	{ "start_timeout", value_duration, P(start_timeout), 0, DAY_MS },
	{ "worker_user", value_user, P(worker_user), 0, 0 },
	{ "worker_group", value_id, P(worker_group), 1, 0 },
	{ "limit_nofile", value_uint, P(limit_nofile), 0, 1048576 },
	{ "limit_as", value_size, P(limit_as), 0, SIZE64 },
	{ "limit_cpu", value_uint, P(limit_cpu), 0, 31 * 24 * 3600 },
	{ "max_connections_per_user", value_uint,
	    G(max_connections_per_user), 0, 65536 },
	{ "max_jobs_per_client", value_uint, G(max_jobs_per_client), 0,
	    10000000 },
	{ "max_client_buffer", value_size, G(max_client_buffer),
	    IPC_MAX_MESSAGE_MIN, SIZE64 },
	{ "max_memory_per_user", value_size, G(max_memory_per_user), 0,
	    SIZE64 },
	{ "max_memory", value_size, G(max_memory), 0, SIZE64 },
	{ "frame_timeout", value_duration, G(frame_timeout), 0, DAY_MS },
	{ "command", value_command, X(command), 0, 0 },
	{ "protocol", value_protocol, X(protocol), 0, 0 },
	{ "directory", value_directory, X(directory), 0, 0 },
	{ "environment", value_environment, X(environment), 0, 0 },
	{ "tasks", value_tasks, X(tasks), 0, 0 },
	{ "in_order", value_bool, X(in_order), 0, 0 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

static void
poolconf_defaults(struct poolconf *p)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "builtin");
	p->protocol = POOL_BUILTIN;
	p->workers = 2;
	p->worker_window = 64;
	p->queue_limit = 65536;
	p->retries = 1;
	p->job_timeout = 60 * 1000;
	p->max_job_timeout = CEILING_JOB_TIMEOUT;
	p->start_timeout = 60 * 1000;
}

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", IPCD_SOCK_PATH);
	c->socket_mode = 0660;
	c->max_message = IPC_MAX_MESSAGE_DEFAULT;
	c->drain_timeout = 10;
	c->log_level = LOG_INFO;
	c->max_connections_per_user = 256;
	c->max_jobs_per_client = 65536;
	c->max_client_buffer = 64 * 1024 * 1024;
	c->max_memory_per_user = 64 * 1024 * 1024;
	c->max_memory = 256 * 1024 * 1024;
	c->frame_timeout = 30 * 1000;
	c->builtin = 1;
	poolconf_defaults(&c->pool);
}

void
config_free(struct config *c)
{
	free(c->pools);
	c->pools = NULL;
	c->npools = 0;
}

static int
key_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Where a key of [ipcd] goes: the daemon's settings or the pools' defaults. */
static void *
ipcd_base(struct config *c, const struct key *k)
{
	return k->scope == S_IPCD ? (void *)c : (void *)&c->pool;
}

/* Set one key of [ipcd] from its text, as the config file would. */
int
config_set(struct config *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	int	 i;

	if ((i = key_find(name)) == -1 || keys[i].scope == S_PROG) {
		snprintf(err, errlen, "unknown key '%s'", name);
		return -1;
	}
	return keys[i].parse(ipcd_base(c, &keys[i]), &keys[i], value, err,
	    errlen);
}

/* One key = value as read, kept until every section has been seen. */
struct entry {
	int		 sec;		/* SEC_IPCD, or a pool's index */
	int		 line;
	char		*name;
	char		*value;
};

#define SEC_NONE	(-2)		/* before any section */
#define SEC_IPCD	(-1)

/* State of one ini_parse_stream run; the reader counts lines for messages. */
struct loader {
	struct config	*c;
	FILE		*fp;
	int		 line;
	int		 sec;		/* the section being read */
	int		 errline;
	char		 err[CONFIG_ERR_MAX];
	struct entry	*v;
	unsigned	 n;
	unsigned	 cap;
	int		 nomem;
};

/* Keep the first problem in file order. */
static int
loader_fail_at(struct loader *l, int line, const char *msg)
{
	if (l->errline == 0 || line < l->errline) {
		l->errline = line;
		snprintf(l->err, sizeof(l->err), "%s", msg);
	}
	return 0;
}

static int
loader_fail(struct loader *l, const char *msg)
{
	return loader_fail_at(l, l->line, msg);
}

/* A pool's name: 1 to 32 of a-z, 0-9, _ and -. */
static int
pool_name_ok(const char *s, size_t n)
{
	return n >= 1 && n <= POOL_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") >= n;
}

/* A [pool NAME] header: a new pool, in file order. */
static void
pool_section(struct loader *l, const char *name, size_t n)
{
	struct config	*c = l->c;
	struct poolconf	*v;
	char		 msg[128];
	unsigned	 i;

	if (!pool_name_ok(name, n)) {
		snprintf(msg, sizeof(msg), "pool name '%.*s' must be 1 to 32 "
		    "of a-z, 0-9, _ and -", (int)n, name);
		loader_fail(l, msg);
		return;
	}
	for (i = 0; i < c->npools; i++)
		if (strlen(c->pools[i].name) == n &&
		    strncmp(c->pools[i].name, name, n) == 0)
			break;
	if (i < c->npools || (n == 7 && strncmp(name, "builtin", 7) == 0)) {
		snprintf(msg, sizeof(msg), i < c->npools ? "pool '%.*s' is "
		    "defined twice (first on line %d)" : "pool name '%.*s' is "
		    "the built-in pool's", (int)n, name,
		    i < c->npools ? c->pools[i].line : 0);
		loader_fail(l, msg);
		return;
	}
	if (c->npools == POOLS_MAX) {
		snprintf(msg, sizeof(msg), "at most %d pools", POOLS_MAX);
		loader_fail(l, msg);
		return;
	}
	if ((v = reallocarray(c->pools, c->npools + 1, sizeof(*v))) == NULL) {
		l->nomem = 1;
		return;
	}
	c->pools = v;
	v = &c->pools[c->npools];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%.*s", (int)n, name);
	v->line = l->line;
	l->sec = (int)c->npools++;
}

/*
 * inih reports keys, not sections, so a section with no keys would pass
 * unnoticed: look at section headers as the lines go by.
 */
static void
check_section(struct loader *l, const char *line)
{
	char	 msg[128];
	size_t	 n, w;

	line += strspn(line, " \t");
	if (*line != '[')
		return;
	n = strcspn(++line, "]");
	if (line[n] != ']')
		return;		/* inih says it is a syntax error */
	l->sec = SEC_NONE;
	if (n == 4 && strncmp(line, "ipcd", 4) == 0) {
		l->sec = SEC_IPCD;
		return;
	}
	if (n > 5 && strncmp(line, "pool", 4) == 0 &&
	    (line[4] == ' ' || line[4] == '\t')) {
		w = 4 + strspn(line + 4, " \t");
		pool_section(l, line + w, n - w);
		return;
	}
	snprintf(msg, sizeof(msg), "unknown section [%.*s]", (int)n, line);
	loader_fail(l, msg);
}

/* Hand inih one line at a time; a line too long for it is an error. */
static char *
loader_read(char *str, int num, void *arg)
{
	struct loader	*l = arg;
	char		 msg[64];
	size_t		 n;
	int		 c;

	if (fgets(str, num, l->fp) == NULL)
		return NULL;
	l->line++;
	check_section(l, str);
	n = strlen(str);
	if (n > 0 && str[n - 1] != '\n' && !feof(l->fp)) {
		snprintf(msg, sizeof(msg), "line longer than %d characters",
		    num - 2);
		loader_fail(l, msg);
		while ((c = fgetc(l->fp)) != EOF && c != '\n')
			;
		str[0] = '\0';
	}
	return str;
}

/* Keep each key = value for later, with its section and line. */
static int
loader_key(void *arg, const char *section, const char *name,
    const char *value)
{
	struct loader	*l = arg;
	struct entry	*v;
	char		 msg[CONFIG_ERR_MAX];

	(void)section;		/* check_section knows it better */
	if (l->sec == SEC_NONE) {
		if (*section == '\0') {
			snprintf(msg, sizeof(msg), "key '%s' is outside the "
			    "[ipcd] section", name);
			loader_fail(l, msg);
		}
		return 1;	/* in a section already refused */
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 32;
		if ((v = reallocarray(l->v, l->cap, sizeof(*v))) == NULL) {
			l->nomem = 1;
			return 0;
		}
		l->v = v;
	}
	v = &l->v[l->n];
	v->sec = l->sec;
	v->line = l->line;
	v->name = strdup(name);
	v->value = strdup(value);
	if (v->name == NULL || v->value == NULL) {
		free(v->name);
		free(v->value);
		l->nomem = 1;
		return 0;
	}
	l->n++;
	return 1;
}

/* Apply the keys of section sec to base (for [ipcd], to c and c->pool). */
static void
apply(struct loader *l, int sec, struct poolconf *pc)
{
	unsigned char	 seen[NKEYS] = { 0 };
	const struct key *k;
	struct entry	*e;
	char		 msg[CONFIG_ERR_MAX], why[CONFIG_ERR_MAX - 64];
	unsigned	 i;
	int		 ki;

	for (i = 0; i < l->n; i++) {
		if ((e = &l->v[i])->sec != sec)
			continue;
		if ((ki = key_find(e->name)) == -1) {
			snprintf(msg, sizeof(msg), "unknown key '%s'", e->name);
			loader_fail_at(l, e->line, msg);
			continue;
		}
		k = &keys[ki];
		if (sec == SEC_IPCD ? k->scope == S_PROG : k->scope == S_IPCD) {
			snprintf(msg, sizeof(msg), "key '%s' belongs in %s",
			    e->name, sec == SEC_IPCD ? "a [pool NAME] section" :
			    "the [ipcd] section");
			loader_fail_at(l, e->line, msg);
		} else if (seen[ki]++) {
			snprintf(msg, sizeof(msg), "key '%s' given twice",
			    e->name);
			loader_fail_at(l, e->line, msg);
		} else if (k->parse(sec == SEC_IPCD ? ipcd_base(l->c, k) : pc,
		    k, e->value, why, sizeof(why)) == -1)
			loader_fail_at(l, e->line, why);
		else if (ki == key_find("tasks"))
			pc->tasks_line = e->line;
	}
}

struct taskdup {
	struct loader	*l;
	unsigned	 pool;
};

/* A task of pool d->pool listed by an earlier pool too is an error. */
static int
task_dup(const char *name, size_t n, void *arg)
{
	struct taskdup	*d = arg;
	struct config	*c = d->l->c;
	char		 msg[CONFIG_ERR_MAX];
	unsigned	 i;

	for (i = 0; i < d->pool; i++) {
		if (!config_lists_task(c->pools[i].tasks, name, n))
			continue;
		snprintf(msg, sizeof(msg), "task '%.*s' is listed by pool %s "
		    "(line %d) and pool %s", (int)n, name, c->pools[i].name,
		    c->pools[i].tasks_line, c->pools[d->pool].name);
		loader_fail_at(d->l, c->pools[d->pool].tasks_line, msg);
		return 1;
	}
	return 0;
}

/* Was the key given in section sec (well or not)? */
static int
has_key(const struct loader *l, int sec, const char *name)
{
	unsigned	 i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].sec == sec && strcmp(l->v[i].name, name) == 0)
			return 1;
	return 0;
}

/* Each pool: [ipcd]'s pool keys, then its own; a program, one home per task. */
static void
build_pools(struct loader *l)
{
	struct config	*c = l->c;
	struct poolconf	*pc;
	struct taskdup	 d = { l, 0 };
	char		 msg[128];
	char		 name[POOL_NAME_MAX + 1];
	int		 line;

	for (d.pool = 0; d.pool < c->npools; d.pool++) {
		pc = &c->pools[d.pool];
		memcpy(name, pc->name, sizeof(name));
		line = pc->line;
		*pc = c->pool;
		memcpy(pc->name, name, sizeof(name));
		pc->line = line;
		pc->protocol = POOL_IPCD;
		apply(l, (int)d.pool, pc);
		if (!has_key(l, (int)d.pool, "command")) {
			snprintf(msg, sizeof(msg), "pool %s has no command",
			    pc->name);
			loader_fail_at(l, pc->line, msg);
		}
		config_each_task(pc->tasks, task_dup, &d);
	}
}

/* Drop a UTF-8 sequence that snprintf cut short at the end of s. */
static void
utf8_trim(char *s)
{
	size_t	 n = strlen(s), i = n, need;

	while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || ((unsigned char)s[i - 1] & 0x80) == 0)
		return;
	i--;			/* the lead byte */
	need = ((unsigned char)s[i] & 0xe0) == 0xc0 ? 2 :
	    ((unsigned char)s[i] & 0xf0) == 0xe0 ? 3 : 4;
	if (n - i < need)
		s[i] = '\0';
}

/*
 * "FILE:LINE: problem" in err, however long FILE is: a path too long for
 * the room left by the rest loses its beginning, shown as "...".
 */
static void
load_error(char *err, size_t errlen, const char *path, int line,
    const char *problem)
{
	char	 where[16] = "";
	size_t	 plen = strlen(path), tail, room;

	if (line > 0)
		snprintf(where, sizeof(where), ":%d", line);
	tail = strlen(where) + 2 + strlen(problem);
	room = errlen > tail + 1 ? errlen - tail - 1 : 0;
	if (plen > room && room > 3) {
		path += plen - (room - 3);
		while (((unsigned char)*path & 0xc0) == 0x80)
			path++;
		snprintf(err, errlen, "...%s%s: %s", path, where, problem);
	} else
		snprintf(err, errlen, "%s%s: %s", path, where, problem);
	utf8_trim(err);
}

/*
 * May sb, what (the file or its directory), be trusted?  Only if it is
 * owned by root or by ipcd's own user and nobody else may write to it, as
 * sshd's StrictModes has it: anyone else could hand ipcd their settings.
 */
static int
trusted(const struct stat *sb, const char *what, char *problem, size_t len)
{
	uid_t	 me = geteuid();

	if (sb->st_uid != 0 && sb->st_uid != me)
		snprintf(problem, len, "%s is owned by uid %u, not by root or "
		    "ipcd's user (uid %u): refused", what,
		    (unsigned)sb->st_uid, (unsigned)me);
	else if (sb->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(problem, len, "%s may be written by %s (mode %04o): "
		    "refused; chmod go-w it", what, sb->st_mode & S_IWOTH ?
		    "anyone" : "its group", (unsigned)(sb->st_mode & 07777));
	else
		return 1;
	return 0;
}

/* The open config file fp, and the directory holding path: trusted? */
static int
config_trusted(FILE *fp, const char *path, char *err, size_t errlen)
{
	struct stat	 sb;
	char		 dir[PATH_MAX], problem[256];
	int		 ok;

	snprintf(dir, sizeof(dir), "%s", path);
	problem[0] = '\0';
	ok = fstat(fileno(fp), &sb) == 0 &&
	    trusted(&sb, "the file", problem, sizeof(problem)) &&
	    stat(dirname(dir), &sb) == 0 &&
	    trusted(&sb, "its directory", problem, sizeof(problem));
	if (!ok)
		load_error(err, errlen, path, 0, *problem != '\0' ? problem :
		    strerror(errno));
	return ok;
}

/*
 * Load path over the defaults into c.  On error c is untouched and err holds
 * "FILE:LINE: problem" (or "FILE: problem").
 */
int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	struct loader	 l;
	struct config	 tmp;
	unsigned	 i;
	int		 r;

	memset(&l, 0, sizeof(l));
	config_defaults(&tmp);
	l.c = &tmp;
	l.sec = SEC_NONE;
	if ((l.fp = fopen(path, "r")) == NULL) {
		load_error(err, errlen, path, 0, strerror(errno));
		return -1;
	}
	if (!config_trusted(l.fp, path, err, errlen)) {
		fclose(l.fp);
		return -1;
	}
	r = ini_parse_stream(loader_read, &l, loader_key, &l);
	fclose(l.fp);
	if (r >= 0 && !l.nomem) {
		apply(&l, SEC_IPCD, &tmp.pool);
		build_pools(&l);
	}
	for (i = 0; i < l.n; i++) {
		free(l.v[i].name);
		free(l.v[i].value);
	}
	free(l.v);
	if (r == 0 && l.errline > 0)
		r = l.errline;
	if (r == 0 && !l.nomem) {
		*c = tmp;
		return 0;
	}
	config_free(&tmp);
	utf8_trim(l.err);
	if (r < 0 || l.nomem)
		load_error(err, errlen, path, 0, "cannot parse (out of memory)");
	else if (l.errline == 0 || r < l.errline)
		load_error(err, errlen, path, r, "syntax error (expected "
		    "[section] or key = value)");
	else
		load_error(err, errlen, path, l.errline, l.err);
	return -1;
}
