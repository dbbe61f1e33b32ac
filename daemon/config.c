#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <grp.h>
#include <pwd.h>

#include <ini.h>
#include <wordexp.h>

#include "config.h"
#include "duration.h"
#include "log.h"
#include "proto.h"

/* Where a key may be given: [ipcd] only, both, or [pool NAME] only. */
enum scope {
	S_IPCD,			/* a setting of the daemon */
	S_POOL,			/* a pool's; in [ipcd], every pool's default */
	S_PROG			/* a program pool's own */
};

struct key {
	const char	*name;
	int		(*parse)(void *, const struct key *, const char *,
			    char *, size_t);
	enum scope	 scope;
	size_t		 off;		/* in struct config or struct poolconf */
	unsigned long	 min;
	unsigned long	 max;
};

#define PARSER(fn)	static int fn(void *, const struct key *, \
			    const char *, char *, size_t)
PARSER(parse_uint);
PARSER(parse_size);
PARSER(parse_mode);
PARSER(parse_path);
PARSER(parse_level);
PARSER(parse_id);
PARSER(parse_ids);
PARSER(parse_user);
PARSER(parse_duration);
PARSER(parse_bool);
PARSER(parse_command);
PARSER(parse_protocol);
PARSER(parse_directory);
PARSER(parse_environment);
PARSER(parse_tasks);

#define OFF(f)	offsetof(struct config, f)
#define POFF(f)	offsetof(struct poolconf, f)
#define G(f)	S_IPCD, OFF(f)
#define P(f)	S_POOL, POFF(f)
#define X(f)	S_PROG, POFF(f)

/* parse_id sets the int flag just before the id it fills in. */
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
	{ "workers", parse_uint, P(workers), 1, WORKERS_MAX },
	{ "worker_window", parse_uint, P(worker_window), 1, 4096 },
	{ "queue_limit", parse_uint, P(queue_limit), 0, 10000000 },
	{ "max_message", parse_size, G(max_message), IPC_MAX_MESSAGE_MIN,
	    IPC_MAX_MESSAGE_MAX },
	{ "drain_timeout", parse_uint, G(drain_timeout), 0, 3600 },
	{ "socket", parse_path, G(socket), 0, 0 },
	{ "socket_mode", parse_mode, G(socket_mode), 0, 07777 },
	{ "log_level", parse_level, G(log_level), 0, 0 },
	{ "socket_owner", parse_id, G(socket_owner), 0, 0 },
	{ "socket_group", parse_id, G(socket_group), 1, 0 },
	{ "admin_group", parse_id, G(admin_group), 1, 0 },
	{ "allow_users", parse_ids, G(allow_users), 0, 0 },
	{ "allow_groups", parse_ids, G(allow_groups), 1, 0 },
	{ "builtin", parse_bool, G(builtin), 0, 0 },
	{ "retries", parse_uint, P(retries), 0, 100 },
	{ "job_timeout", parse_duration, P(job_timeout), 0, 30 * DAY_MS },
	{ "max_jobs_per_worker", parse_uint, P(max_jobs_per_worker), 0,
	    UINT32_MAX },
	{ "max_worker_rss", parse_size, P(max_worker_rss), 0, SIZE64 },
	{ "max_worker_age", parse_duration, P(max_worker_age), 0,
	    30 * DAY_MS },
	{ "start_timeout", parse_duration, P(start_timeout), 0, DAY_MS },
	{ "worker_user", parse_user, P(worker_user), 0, 0 },
	{ "worker_group", parse_id, P(worker_group), 1, 0 },
	{ "limit_nofile", parse_uint, P(limit_nofile), 0, 1048576 },
	{ "limit_as", parse_size, P(limit_as), 0, SIZE64 },
	{ "limit_cpu", parse_uint, P(limit_cpu), 0, 31 * 24 * 3600 },
	{ "max_connections_per_user", parse_uint,
	    G(max_connections_per_user), 0, 65536 },
	{ "max_jobs_per_client", parse_uint, G(max_jobs_per_client), 0,
	    10000000 },
	{ "max_client_buffer", parse_size, G(max_client_buffer),
	    IPC_MAX_MESSAGE_MIN, SIZE64 },
	{ "command", parse_command, X(command), 0, 0 },
	{ "protocol", parse_protocol, X(protocol), 0, 0 },
	{ "directory", parse_directory, X(directory), 0, 0 },
	{ "environment", parse_environment, X(environment), 0, 0 },
	{ "tasks", parse_tasks, X(tasks), 0, 0 },
	{ "in_order", parse_bool, X(in_order), 0, 0 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

#define AT(base, k, type)	((type *)((char *)(base) + (k)->off))

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
parse_number(const struct key *k, const char *v, int base,
    unsigned long long *out, char *err, size_t errlen)
{
	char			*end;
	unsigned long long	 n;

	errno = 0;
	if (*v == '-' || *v == '\0')
		goto bad;
	n = strtoull(v, &end, base);
	if (errno != 0 || end == v)
		goto bad;
	*out = n;
	return end - v;
bad:
	snprintf(err, errlen, "%s: '%s' is not a number", k->name, v);
	return -1;
}

static int
in_range(const struct key *k, unsigned long long n, const char *v, char *err,
    size_t errlen)
{
	if (n >= k->min && n <= k->max)
		return 0;
	snprintf(err, errlen, "%s: %s is out of range (%lu to %lu)", k->name, v,
	    k->min, k->max);
	return -1;
}

static int
parse_uint(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	unsigned long long n;
	int		 used;

	if ((used = parse_number(k, v, 10, &n, err, errlen)) == -1)
		return -1;
	if (v[used] != '\0') {
		snprintf(err, errlen, "%s: '%s' is not a number", k->name, v);
		return -1;
	}
	if (in_range(k, n, v, err, errlen) == -1)
		return -1;
	*AT(base, k, unsigned) = (unsigned)n;
	return 0;
}

/* A byte count with an optional K, M or G (powers of 1024). */
static int
parse_size(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	unsigned long long n;
	int		 used, shift = 0;

	if ((used = parse_number(k, v, 10, &n, err, errlen)) == -1)
		return -1;
	switch (v[used]) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	default:
		shift = -1;
	}
	if (shift < 0 || (shift > 0 && v[used + 1] != '\0') ||
	    n > (ULLONG_MAX >> shift)) {
		snprintf(err, errlen, "%s: '%s' is not a size (bytes, or a "
		    "number with K, M or G)", k->name, v);
		return -1;
	}
	if (in_range(k, n << shift, v, err, errlen) == -1)
		return -1;
	if (k->max > UINT32_MAX)
		*AT(base, k, uint64_t) = n << shift;
	else
		*AT(base, k, uint32_t) = (uint32_t)(n << shift);
	return 0;
}

/* A time: a number of seconds, or a number with ms, s, min or h; in ms. */
static int
parse_duration(void *base, const struct key *k, const char *v,
    char *err, size_t errlen)
{
	uint64_t	 ms;

	if (duration_parse(v, &ms) == -1) {
		snprintf(err, errlen, "%s: '%s' is not a time (seconds, or a "
		    "number with ms, s, min or h)", k->name, v);
		return -1;
	}
	if (ms > k->max) {
		snprintf(err, errlen, "%s: %s is out of range (0 to %lu s)",
		    k->name, v, k->max / 1000);
		return -1;
	}
	*AT(base, k, unsigned) = (unsigned)ms;
	return 0;
}

static int
parse_mode(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	unsigned long long n;
	int		 used;

	if ((used = parse_number(k, v, 8, &n, err, errlen)) == -1 ||
	    v[used] != '\0') {
		snprintf(err, errlen, "%s: '%s' is not an octal mode", k->name,
		    v);
		return -1;
	}
	if (in_range(k, n, v, err, errlen) == -1)
		return -1;
	*AT(base, k, mode_t) = (mode_t)n;
	return 0;
}

static int
parse_path(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	size_t	 room = sizeof(((struct config *)0)->socket);

	if (*v == '\0' || strlen(v) >= room) {
		snprintf(err, errlen, "%s: path must be 1 to %zu bytes",
		    k->name, room - 1);
		return -1;
	}
	snprintf(AT(base, k, char), room, "%s", v);
	return 0;
}

static int
parse_level(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	int	 level;

	if ((level = log_level_parse(v)) == -1) {
		snprintf(err, errlen, "%s: '%s' is not one of err, warning, "
		    "notice, info, debug", k->name, v);
		return -1;
	}
	*AT(base, k, int) = level;
	return 0;
}

/* A user or group, by name or number: 0 with *id set, or -1. */
static int
lookup_id(const char *s, int group, uint32_t *id)
{
	struct passwd	*pw;
	struct group	*gr;
	char		*end;
	unsigned long	 n;

	if (*s >= '0' && *s <= '9') {
		n = strtoul(s, &end, 10);
		if (*end != '\0' || n >= UINT32_MAX)
			return -1;
		*id = (uint32_t)n;
		return 0;
	}
	if (group && (gr = getgrnam(s)) != NULL)
		*id = gr->gr_gid;
	else if (!group && (pw = getpwnam(s)) != NULL)
		*id = pw->pw_uid;
	else
		return -1;
	return 0;
}

/* One user (min 0) or group (min 1), or empty for unset. */
static int
parse_id(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	uint32_t id;

	if (*v == '\0') {	/* empty: not set */
		*(AT(base, k, int) - 1) = 0;
		return 0;
	}
	if (lookup_id(v, k->min, &id) == -1) {
		snprintf(err, errlen, "%s: no %s '%s'", k->name,
		    k->min ? "group" : "user", v);
		return -1;
	}
	*AT(base, k, uint32_t) = id;
	*(AT(base, k, int) - 1) = 1;	/* ..._set */
	return 0;
}

/* The workers' user; its primary group too, unless worker_group is set. */
static int
parse_user(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	struct poolconf	*c = base;
	struct passwd	*pw;
	uint32_t	 id;

	if (*v == '\0') {	/* empty: not set */
		c->worker_user_set = 0;
		return 0;
	}
	if (lookup_id(v, 0, &id) == -1) {
		snprintf(err, errlen, "%s: no user '%s'", k->name, v);
		return -1;
	}
	c->worker_user = id;
	c->worker_user_set = 1;
	if ((pw = getpwuid(id)) != NULL)
		c->worker_user_gid = pw->pw_gid;
	else
		c->worker_user_gid = id;
	return 0;
}

/* A list of users (min 0) or groups (min 1), by name or number. */
static int
parse_ids(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	struct idlist	*l = AT(base, k, struct idlist);
	char		 copy[1024], *tok, *save;

	snprintf(copy, sizeof(copy), "%s", v);
	l->n = 0;
	for (tok = strtok_r(copy, " ,\t", &save); tok != NULL;
	    tok = strtok_r(NULL, " ,\t", &save)) {
		if (l->n == CONFIG_IDS_MAX) {
			snprintf(err, errlen, "%s: at most %d names", k->name,
			    CONFIG_IDS_MAX);
			return -1;
		}
		if (lookup_id(tok, k->min, &l->id[l->n]) == -1) {
			snprintf(err, errlen, "%s: no %s '%s'", k->name,
			    k->min ? "group" : "user", tok);
			return -1;
		}
		l->n++;
	}
	return 0;
}

/* yes or no, in the usual spellings. */
static int
parse_bool(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t	 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*AT(base, k, int) = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*AT(base, k, int) = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "%s: '%s' is not yes or no", k->name, v);
	return -1;
}

/* Text kept as written, for a pool to read again when it needs it. */
static int
set_text(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	if (strlen(v) >= CONF_TEXT_MAX) {
		snprintf(err, errlen, "%s: longer than %d bytes", k->name,
		    CONF_TEXT_MAX - 1);
		return -1;
	}
	snprintf(AT(base, k, char), CONF_TEXT_MAX, "%s", v);
	return 0;
}

/*
 * Split text into words as the shell would, without running one: quotes
 * and backslashes as in sh, $NAME from ipcd's environment (unset is an
 * error), ~ and globs expanded; no command substitution.  0 with *we
 * filled (wordfree it), or -1 with err set.
 */
int
config_words(const char *text, wordexp_t *we, char *err, size_t errlen)
{
	const char	*why;

	switch (wordexp(text, we, WRDE_NOCMD | WRDE_UNDEF)) {
	case 0:
		return 0;
	case WRDE_BADCHAR:
		why = "a character among | & ; < > ( ) { } or a newline must "
		    "be quoted";
		break;
	case WRDE_BADVAL:
		why = "it names an environment variable that is not set";
		break;
	case WRDE_CMDSUB:
		why = "command substitution is not allowed";
		break;
	case WRDE_NOSPACE:
		wordfree(we);
		why = "out of memory";
		break;
	default:
		why = "unbalanced quotes or a syntax error";
	}
	snprintf(err, errlen, "%s", why);
	return -1;
}

/*
 * Split v into words and check them with check (why: the problem), then
 * keep v as written; errors are named after the key.
 */
static int
set_words(void *base, const struct key *k, const char *v,
    int (*check)(const wordexp_t *, char *, size_t), char *err,
    size_t errlen)
{
	wordexp_t	 we;
	char		 why[256];
	int		 r;

	if (config_words(v, &we, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "%s: %s", k->name, why);
		return -1;
	}
	r = check(&we, why, sizeof(why));
	wordfree(&we);
	if (r == -1) {
		snprintf(err, errlen, "%s: %s", k->name, why);
		return -1;
	}
	return set_text(base, k, v, err, errlen);
}

static int
command_check(const wordexp_t *we, char *why, size_t len)
{
	if (we->we_wordc > 0)
		return 0;
	snprintf(why, len, "no program named");
	return -1;
}

static int
parse_command(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	return set_words(base, k, v, command_check, err, errlen);
}

static int
parse_protocol(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	if (strcmp(v, "ipcd") == 0)
		*AT(base, k, enum pool_protocol) = POOL_IPCD;
	else if (strcmp(v, "node") == 0)
		*AT(base, k, enum pool_protocol) = POOL_NODE;
	else {
		snprintf(err, errlen, "%s: '%s' is not ipcd or node", k->name,
		    v);
		return -1;
	}
	return 0;
}

static int
parse_directory(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	if (*v != '/') {
		snprintf(err, errlen, "%s: '%s' is not an absolute path",
		    k->name, v);
		return -1;
	}
	return set_text(base, k, v, err, errlen);
}

/* Variables that ipcd sets itself, or that would change what Node does. */
static int
env_reserved(const char *name, size_t n)
{
	static const char *const reserved[] = {
		"NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE",
		"NODE_UNIQUE_ID"
	};
	size_t	 i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strlen(reserved[i]) == n &&
		    strncmp(reserved[i], name, n) == 0)
			return 1;
	return 0;
}

/* One NAME=VALUE word: 0, or -1 with why set. */
static int
env_word(const char *w, char *why, size_t len)
{
	size_t	 n = strcspn(w, "=");

	if (w[n] != '=' || n == 0 || strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_") != n ||
	    (w[0] >= '0' && w[0] <= '9'))
		snprintf(why, len, "'%s' is not NAME=VALUE", w);
	else if (env_reserved(w, n))
		snprintf(why, len, "%.*s is set by ipcd itself", (int)n, w);
	else
		return 0;
	return -1;
}

static int
environment_check(const wordexp_t *we, char *why, size_t len)
{
	size_t	 i;

	if (we->we_wordc > CONFIG_ENV_MAX) {
		snprintf(why, len, "at most %d variables", CONFIG_ENV_MAX);
		return -1;
	}
	for (i = 0; i < we->we_wordc; i++)
		if (env_word(we->we_wordv[i], why, len) == -1)
			return -1;
	return 0;
}

static int
parse_environment(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	return set_words(base, k, v, environment_check, err, errlen);
}

/*
 * Each task name of a list (space-separated) in turn: fn(name, len, arg)
 * until it returns non-zero, which is then returned.
 */
int
config_each_task(const char *list, int (*fn)(const char *, size_t, void *),
    void *arg)
{
	size_t	 n;
	int	 r;

	for (list += strspn(list, " \t"); *list != '\0';
	    list += strspn(list, " \t")) {
		n = strcspn(list, " \t");
		if ((r = fn(list, n, arg)) != 0)
			return r;
		list += n;
	}
	return 0;
}

struct taskcheck {
	const char	*list;
	const char	*bad;
	size_t		 badlen;
	const char	*why;
};

static int
task_check(const char *name, size_t n, void *arg)
{
	struct taskcheck *t = arg;
	const char	*p;

	t->bad = name;
	t->badlen = n;
	if (n > IPC_TASK_MAX) {
		t->why = "is longer than 64 bytes";
		return 1;
	}
	for (p = t->list; p < name; p += strspn(p, " \t")) {
		if ((size_t)strcspn(p, " \t") == n && strncmp(p, name, n) == 0) {
			t->why = "is listed twice";
			return 1;
		}
		p += strcspn(p, " \t");
	}
	return 0;
}

static int
parse_tasks(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	struct taskcheck t = { v, NULL, 0, NULL };

	if (config_each_task(v, task_check, &t) != 0) {
		snprintf(err, errlen, "%s: '%.*s' %s", k->name,
		    (int)t.badlen, t.bad, t.why);
		return -1;
	}
	return set_text(base, k, v, err, errlen);
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

struct taskfind {
	const char	*name;
	size_t		 len;
};

static int
task_is(const char *name, size_t n, void *arg)
{
	struct taskfind	*t = arg;

	return n == t->len && strncmp(name, t->name, n) == 0;
}

/* Does the list name this task? */
int
config_lists_task(const char *list, const char *name, size_t n)
{
	struct taskfind	 t = { name, n };

	return config_each_task(list, task_is, &t);
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
