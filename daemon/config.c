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

#include "config.h"
#include "duration.h"
#include "log.h"
#include "proto.h"

struct key {
	const char	*name;
	int		(*parse)(struct config *, const struct key *,
			    const char *, char *, size_t);
	size_t		 off;
	unsigned long	 min;
	unsigned long	 max;
};

static int	parse_uint(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_size(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_mode(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_path(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_level(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_id(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_ids(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_user(struct config *, const struct key *, const char *,
		    char *, size_t);
static int	parse_duration(struct config *, const struct key *,
		    const char *, char *, size_t);

#define OFF(f)	offsetof(struct config, f)

/* parse_id sets the int flag just before the id it fills in. */
_Static_assert(OFF(socket_group) == OFF(socket_group_set) + sizeof(int),
    "socket_group_set must precede socket_group");
_Static_assert(OFF(socket_owner) == OFF(socket_owner_set) + sizeof(int),
    "socket_owner_set must precede socket_owner");
_Static_assert(OFF(admin_group) == OFF(admin_group_set) + sizeof(int),
    "admin_group_set must precede admin_group");
_Static_assert(OFF(worker_group) == OFF(worker_group_set) + sizeof(int),
    "worker_group_set must precede worker_group");
_Static_assert(OFF(worker_user) == OFF(worker_user_set) + sizeof(int),
    "worker_user_set must precede worker_user");

#define DAY_MS		(24UL * 3600 * 1000)
#define SIZE64		(1ULL << 40)	/* a size key wider than 32 bits */

static const struct key keys[] = {
	{ "workers", parse_uint, OFF(workers), 1, WORKERS_MAX },
	{ "worker_window", parse_uint, OFF(worker_window), 1, 4096 },
	{ "queue_limit", parse_uint, OFF(queue_limit), 0, 10000000 },
	{ "max_message", parse_size, OFF(max_message), IPC_MAX_MESSAGE_MIN,
	    IPC_MAX_MESSAGE_MAX },
	{ "drain_timeout", parse_uint, OFF(drain_timeout), 0, 3600 },
	{ "socket", parse_path, OFF(socket), 0, 0 },
	{ "socket_mode", parse_mode, OFF(socket_mode), 0, 07777 },
	{ "log_level", parse_level, OFF(log_level), 0, 0 },
	{ "socket_owner", parse_id, OFF(socket_owner), 0, 0 },
	{ "socket_group", parse_id, OFF(socket_group), 1, 0 },
	{ "admin_group", parse_id, OFF(admin_group), 1, 0 },
	{ "allow_users", parse_ids, OFF(allow_users), 0, 0 },
	{ "allow_groups", parse_ids, OFF(allow_groups), 1, 0 },
	{ "retries", parse_uint, OFF(retries), 0, 100 },
	{ "job_timeout", parse_duration, OFF(job_timeout), 0, 30 * DAY_MS },
	{ "max_jobs_per_worker", parse_uint, OFF(max_jobs_per_worker), 0,
	    UINT32_MAX },
	{ "max_worker_rss", parse_size, OFF(max_worker_rss), 0, SIZE64 },
	{ "max_worker_age", parse_duration, OFF(max_worker_age), 0,
	    30 * DAY_MS },
	{ "worker_user", parse_user, OFF(worker_user), 0, 0 },
	{ "worker_group", parse_id, OFF(worker_group), 1, 0 },
	{ "limit_nofile", parse_uint, OFF(limit_nofile), 0, 1048576 },
	{ "limit_as", parse_size, OFF(limit_as), 0, SIZE64 },
	{ "limit_cpu", parse_uint, OFF(limit_cpu), 0, 31 * 24 * 3600 },
	{ "max_connections_per_user", parse_uint,
	    OFF(max_connections_per_user), 0, 65536 },
	{ "max_jobs_per_client", parse_uint, OFF(max_jobs_per_client), 0,
	    10000000 },
	{ "max_client_buffer", parse_size, OFF(max_client_buffer),
	    IPC_MAX_MESSAGE_MIN, SIZE64 },
};
#define NKEYS	(sizeof(keys) / sizeof(keys[0]))

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", IPCD_SOCK_PATH);
	c->socket_mode = 0660;
	c->workers = 2;
	c->worker_window = 64;
	c->queue_limit = 65536;
	c->max_message = IPC_MAX_MESSAGE_DEFAULT;
	c->drain_timeout = 10;
	c->log_level = LOG_INFO;
	c->retries = 1;
	c->job_timeout = 60 * 1000;
	c->max_connections_per_user = 256;
	c->max_jobs_per_client = 65536;
	c->max_client_buffer = 64 * 1024 * 1024;
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
parse_uint(struct config *c, const struct key *k, const char *v, char *err,
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
	*(unsigned *)((char *)c + k->off) = (unsigned)n;
	return 0;
}

/* A byte count with an optional K, M or G (powers of 1024). */
static int
parse_size(struct config *c, const struct key *k, const char *v, char *err,
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
		*(uint64_t *)((char *)c + k->off) = n << shift;
	else
		*(uint32_t *)((char *)c + k->off) = (uint32_t)(n << shift);
	return 0;
}

/* A time: a number of seconds, or a number with ms, s, min or h; in ms. */
static int
parse_duration(struct config *c, const struct key *k, const char *v,
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
	*(unsigned *)((char *)c + k->off) = (unsigned)ms;
	return 0;
}

static int
parse_mode(struct config *c, const struct key *k, const char *v, char *err,
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
	c->socket_mode = (mode_t)n;
	return 0;
}

static int
parse_path(struct config *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	if (*v == '\0' || strlen(v) >= sizeof(c->socket)) {
		snprintf(err, errlen, "%s: path must be 1 to %zu bytes",
		    k->name, sizeof(c->socket) - 1);
		return -1;
	}
	snprintf(c->socket, sizeof(c->socket), "%s", v);
	return 0;
}

static int
parse_level(struct config *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	int	 level;

	if ((level = log_level_parse(v)) == -1) {
		snprintf(err, errlen, "%s: '%s' is not one of err, warning, "
		    "notice, info, debug", k->name, v);
		return -1;
	}
	c->log_level = level;
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
parse_id(struct config *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	uint32_t id;

	if (*v == '\0') {	/* empty: not set */
		*(int *)((char *)c + k->off - sizeof(int)) = 0;
		return 0;
	}
	if (lookup_id(v, k->min, &id) == -1) {
		snprintf(err, errlen, "%s: no %s '%s'", k->name,
		    k->min ? "group" : "user", v);
		return -1;
	}
	*(uint32_t *)((char *)c + k->off) = id;
	*(int *)((char *)c + k->off - sizeof(int)) = 1;	/* ..._set */
	return 0;
}

/* The workers' user; its primary group too, unless worker_group is set. */
static int
parse_user(struct config *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
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
parse_ids(struct config *c, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	struct idlist	*l = (struct idlist *)((char *)c + k->off);
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

static int
key_find(const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Set one key from its text, as the config file would. */
int
config_set(struct config *c, const char *name, const char *value, char *err,
    size_t errlen)
{
	int	 i;

	if ((i = key_find(name)) == -1) {
		snprintf(err, errlen, "unknown key '%s'", name);
		return -1;
	}
	return keys[i].parse(c, &keys[i], value, err, errlen);
}

/* State of one ini_parse_stream run; the reader counts lines for messages. */
struct loader {
	struct config	*c;
	FILE		*fp;
	int		 line;
	int		 errline;
	char		 err[CONFIG_ERR_MAX];
	unsigned char	 seen[NKEYS];
};

static int
loader_fail(struct loader *l, const char *msg)
{
	if (l->errline == 0) {
		l->errline = l->line;
		snprintf(l->err, sizeof(l->err), "%s", msg);
	}
	return 0;
}

/*
 * inih reports keys, not sections, so a section with no keys would pass
 * unnoticed: look at section headers as the lines go by.
 */
static void
check_section(struct loader *l, const char *line)
{
	char	 msg[128];
	size_t	 n;

	line += strspn(line, " \t");
	if (*line != '[')
		return;
	n = strcspn(++line, "]");
	if (line[n] == ']' && (n != 4 || strncmp(line, "ipcd", 4) != 0)) {
		snprintf(msg, sizeof(msg), "unknown section [%.*s]", (int)n,
		    line);
		loader_fail(l, msg);
	}
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

static int
loader_key(void *arg, const char *section, const char *name,
    const char *value)
{
	struct loader	*l = arg;
	char		 msg[CONFIG_ERR_MAX];
	int		 i;

	if (strcmp(section, "ipcd") != 0) {
		snprintf(msg, sizeof(msg), *section ? "unknown section [%s]" :
		    "key '%s' is outside the [ipcd] section", *section ?
		    section : name);
		return loader_fail(l, msg);
	}
	if ((i = key_find(name)) == -1) {
		snprintf(msg, sizeof(msg), "unknown key '%s'", name);
		return loader_fail(l, msg);
	}
	if (l->seen[i]++) {
		snprintf(msg, sizeof(msg), "key '%s' given twice", name);
		return loader_fail(l, msg);
	}
	if (keys[i].parse(l->c, &keys[i], value, msg, sizeof(msg)) == -1)
		return loader_fail(l, msg);
	return 1;
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
	int		 r;

	memset(&l, 0, sizeof(l));
	config_defaults(&tmp);
	l.c = &tmp;
	if ((l.fp = fopen(path, "r")) == NULL) {
		load_error(err, errlen, path, 0, strerror(errno));
		return -1;
	}
	r = ini_parse_stream(loader_read, &l, loader_key, &l);
	fclose(l.fp);
	if (r == 0 && l.errline > 0)
		r = l.errline;
	if (r == 0) {
		*c = tmp;
		return 0;
	}
	utf8_trim(l.err);
	if (r > 0 && (l.errline == 0 || r < l.errline))
		load_error(err, errlen, path, r, "syntax error (expected "
		    "[section] or key = value)");
	else if (r > 0)
		load_error(err, errlen, path, l.errline, l.err);
	else
		load_error(err, errlen, path, 0, "cannot parse (out of memory)");
	return -1;
}
