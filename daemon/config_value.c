/*
 * One value of ipcd.conf each: numbers, sizes, times, modes, users and
 * groups, words split as the shell would (command, environment), task
 * lists, and the rest; each parser writes the field its key names, or
 * says in err what is wrong with the text.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>

#include <grp.h>
#include <pwd.h>

#include "config_keys.h"
#include "duration.h"
#include "log.h"
#include "proto.h"

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

int
value_uint(void *base, const struct key *k, const char *v, char *err,
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
int
value_size(void *base, const struct key *k, const char *v, char *err,
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
int
value_duration(void *base, const struct key *k, const char *v,
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

int
value_mode(void *base, const struct key *k, const char *v, char *err,
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

int
value_path(void *base, const struct key *k, const char *v, char *err,
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

int
value_level(void *base, const struct key *k, const char *v, char *err,
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
int
value_id(void *base, const struct key *k, const char *v, char *err,
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
int
value_user(void *base, const struct key *k, const char *v, char *err,
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
int
value_ids(void *base, const struct key *k, const char *v, char *err,
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
int
value_bool(void *base, const struct key *k, const char *v, char *err,
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

int
value_command(void *base, const struct key *k, const char *v, char *err,
    size_t errlen)
{
	return set_words(base, k, v, command_check, err, errlen);
}

int
value_protocol(void *base, const struct key *k, const char *v, char *err,
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

int
value_directory(void *base, const struct key *k, const char *v, char *err,
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

int
value_environment(void *base, const struct key *k, const char *v, char *err,
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

int
value_tasks(void *base, const struct key *k, const char *v, char *err,
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
