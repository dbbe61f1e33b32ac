/*
 * A worker program, in the child that becomes it: its arguments (command,
 * split as the shell would), a small clean environment, its directory, and
 * exec.  The master's own environment is not passed on: only PATH, LANG,
 * HOME, USER and LOGNAME (of the user it runs as), what the pool's
 * environment adds or replaces, and for a node pool the channel's
 * NODE_CHANNEL_FD and NODE_CHANNEL_SERIALIZATION_MODE.  Also the check
 * behind ipcd -n that each pool's program can be run.
 */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcd.h"

#define PROGRAM_PATH	"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:" \
			    "/sbin:/bin"
#define PROGRAM_LANG	"C.UTF-8"
#define ENV_MAX		(CONFIG_ENV_MAX + 8)

extern char **environ;

struct env {
	char		*v[ENV_MAX + 1];
	unsigned	 n;
	char		 text[8][CONF_TEXT_MAX + 32];	/* the ones made here */
	unsigned	 ntext;
};

/* Add NAME=VALUE s, replacing an earlier one of the same name. */
static void
env_put(struct env *e, char *s)
{
	size_t	 n = strcspn(s, "=") + 1;
	unsigned i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], s, n) == 0) {
			e->v[i] = s;
			return;
		}
	if (e->n < ENV_MAX)
		e->v[e->n++] = s;
}

static void
env_make(struct env *e, const char *name, const char *value)
{
	char	*s;

	if (e->ntext == sizeof(e->text) / sizeof(e->text[0]))
		return;
	s = e->text[e->ntext++];
	snprintf(s, sizeof(e->text[0]), "%s=%s", name, value);
	env_put(e, s);
}

/* The worker's environment; -1 with why set if the pool's is unusable. */
static int
env_build(const struct poolconf *pc, struct env *e, wordexp_t *we,
    char *why, size_t len)
{
	struct passwd	*pw = getpwuid(geteuid());
	size_t		 i;

	memset(e, 0, sizeof(*e));
	env_make(e, "PATH", PROGRAM_PATH);
	env_make(e, "LANG", PROGRAM_LANG);
	if (pw != NULL) {
		env_make(e, "HOME", pw->pw_dir);
		env_make(e, "USER", pw->pw_name);
		env_make(e, "LOGNAME", pw->pw_name);
	}
	if (config_words(pc->environment, we, why, len) == -1)
		return -1;
	for (i = 0; i < we->we_wordc; i++)
		env_put(e, we->we_wordv[i]);
	if (pc->protocol == POOL_NODE) {
		env_make(e, "NODE_CHANNEL_FD", IPC_CHANNEL_FD_TEXT);
		env_make(e, "NODE_CHANNEL_SERIALIZATION_MODE", "json");
	}
	e->v[e->n] = NULL;
	return 0;
}

static const char *
env_get(const struct env *e, const char *name)
{
	size_t	 n = strlen(name);
	unsigned i;

	for (i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, n) == 0 && e->v[i][n] == '=')
			return e->v[i] + n + 1;
	return NULL;
}

/* Can file be run: a regular file we may execute?  0, or an errno. */
static int
runnable(const char *file)
{
	struct stat	 sb;

	if (stat(file, &sb) == -1)
		return errno;
	if (!S_ISREG(sb.st_mode))
		return EACCES;
	return access(file, X_OK) == 0 ? 0 : errno;
}

/* Where name is found along path, as execvp would look; 0 or an errno. */
static int
find_program(const char *name, const char *path, char *out, size_t len)
{
	size_t	 n;
	int	 e, found = ENOENT;

	if (strchr(name, '/') != NULL) {
		snprintf(out, len, "%s", name);
		return runnable(name);
	}
	for (; path != NULL && *path != '\0'; path += n + (path[n] == ':')) {
		n = strcspn(path, ":");
		snprintf(out, len, "%.*s/%s", (int)n, n ? path : ".", name);
		if ((e = runnable(out)) == 0)
			return 0;
		if (e == EACCES)
			found = EACCES;
	}
	return found;
}

/*
 * Can the pool's program be run, as its worker would find it?  0, or -1
 * with err saying why.  (Run by the master, whose user may differ.)
 */
int
program_check(const struct poolconf *pc, char *err, size_t errlen)
{
	wordexp_t	 args, we;
	struct env	 e;
	char		 why[256], path[4096];
	int		 r = 0, en;

	if (config_words(pc->command, &args, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "command: %s", why);
		return -1;
	}
	if (env_build(pc, &e, &we, why, sizeof(why)) == -1) {
		snprintf(err, errlen, "environment: %s", why);
		wordfree(&args);
		return -1;
	}
	if ((en = find_program(args.we_wordv[0], env_get(&e, "PATH"), path,
	    sizeof(path))) != 0) {
		snprintf(err, errlen, "command: cannot run %s: %s",
		    args.we_wordv[0], strerror(en));
		r = -1;
	}
	wordfree(&we);
	wordfree(&args);
	return r;
}

/* In the worker's child: become the pool's program, or exit 127 saying why. */
void
program_main(int fd, const struct pool *pool)
{
	const struct poolconf *pc = &pool->conf;
	const char	*dir = pc->directory[0] ? pc->directory : "/";
	wordexp_t	 args, we;
	struct env	 e;
	char		 why[256];

	(void)fd;		/* already at IPC_CHANNEL_FD */
	if (config_words(pc->command, &args, why, sizeof(why)) == -1 ||
	    env_build(pc, &e, &we, why, sizeof(why)) == -1) {
		fprintf(stderr, "ipcd: cannot start the worker: %s\n", why);
		_exit(127);
	}
	if (chdir(dir) == -1) {
		fprintf(stderr, "ipcd: cannot change to directory %s: %s\n",
		    dir, strerror(errno));
		_exit(127);
	}
	environ = e.v;
	execvp(args.we_wordv[0], args.we_wordv);
	fprintf(stderr, "ipcd: cannot run %s: %s\n", args.we_wordv[0],
	    strerror(errno));
	_exit(127);
}
