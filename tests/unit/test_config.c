/*
 * Unit tests of daemon/config.c: defaults, loading a file, and the error
 * for each kind of mistake, which must name the file, the line and the key.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

/* By path: a bare "config.h" is the build's autoconf header. */
#include "../../daemon/config.h"
#include "proto.h"

struct fx {
	char		 dir[64];
	char		 path[80];
	char		 err[CONFIG_ERR_MAX];
	struct config	 c;
	struct config	 before;	/* c as it was before a failed load */
};

static int
setup(void **state)
{
	struct fx	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	/* a directory of its own: ipcd trusts no config in /tmp itself */
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/ipcd.conf", f->dir);
	/* Not the defaults, so that "unchanged" and "defaults" differ. */
	config_defaults(&f->c);
	f->c.pool.workers = 77;
	f->c.pool.queue_limit = 5;
	f->c.log_level = LOG_ERR;
	snprintf(f->c.socket, sizeof(f->c.socket), "/sentinel");
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx	*f = *state;

	unlink(f->path);
	rmdir(f->dir);
	config_free(&f->c);
	free(f);
	return 0;
}

static int
load(struct fx *f, const char *text)
{
	struct poolconf	*old;
	FILE		*fp;
	int		 r;

	assert_non_null(fp = fopen(f->path, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	memcpy(&f->before, &f->c, sizeof(f->before));
	f->err[0] = '\0';
	old = f->c.pools;
	r = config_load(&f->c, f->path, f->err, sizeof(f->err));
	if (r == 0 && old != f->c.pools)
		free(old);	/* what an earlier load of the test gave */
	return r;
}

/* The load failed at line with a message naming what: c is unchanged. */
static void
expect_error(struct fx *f, const char *text, int line, const char *what)
{
	char	 prefix[128];

	assert_int_equal(load(f, text), -1);
	snprintf(prefix, sizeof(prefix), "%s:%d: ", f->path, line);
	if (strncmp(f->err, prefix, strlen(prefix)) != 0)
		fail_msg("error '%s' does not start with '%s'", f->err,
		    prefix);
	if (strstr(f->err + strlen(prefix), what) == NULL)
		fail_msg("error '%s' does not name '%s'", f->err, what);
	assert_memory_equal(&f->c, &f->before, sizeof(f->c));
}

/* key = value on line 2 + skip of an otherwise good file is refused. */
static void
bad_value(struct fx *f, const char *key, const char *value, int skip)
{
	char	 text[1024];
	int	 n, i;

	n = snprintf(text, sizeof(text), "[ipcd]\n");
	for (i = 0; i < skip; i++)
		n += snprintf(text + n, sizeof(text) - n, "# filler %d\n", i);
	n += snprintf(text + n, sizeof(text) - n, "%s = %s\n", key, value);
	snprintf(text + n, sizeof(text) - n, "drain_timeout = 1\n");
	expect_error(f, text, 2 + skip, key);
	/* config_set refuses it too, and names the key. */
	f->err[0] = '\0';
	assert_int_equal(config_set(&f->c, key, value, f->err,
	    sizeof(f->err)), -1);
	assert_non_null(strstr(f->err, key));
	assert_memory_equal(&f->c, &f->before, sizeof(f->c));
}

static void
set_ok(struct fx *f, const char *key, const char *value)
{
	f->err[0] = '\0';
	if (config_set(&f->c, key, value, f->err, sizeof(f->err)) != 0)
		fail_msg("%s = %s refused: %s", key, value, f->err);
}

/* Defaults and good files */

static void
defaults(void **state)
{
	struct config	 c;

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	config_defaults(&c);
	assert_string_equal(c.socket, IPCD_SOCK_PATH);
	assert_int_equal(c.socket_mode, 0660);
	assert_int_equal(c.pool.workers, 2);
	assert_int_equal(c.pool.worker_window, 64);
	assert_int_equal(c.pool.queue_limit, 65536);
	assert_int_equal(c.max_message, 1024 * 1024);
	assert_int_equal(c.max_message, IPC_MAX_MESSAGE_DEFAULT);
	assert_int_equal(c.drain_timeout, 10);
	assert_int_equal(c.log_level, LOG_INFO);
	assert_int_equal(c.pool.retries, 1);
	assert_int_equal(c.pool.job_timeout, 60000);
	assert_int_equal(c.pool.max_jobs_per_worker, 0);
	assert_true(c.pool.max_worker_rss == 0);
	assert_int_equal(c.pool.max_worker_age, 0);
	assert_int_equal(c.pool.worker_user_set, 0);
	assert_int_equal(c.pool.worker_group_set, 0);
	assert_int_equal(c.pool.limit_nofile, 0);
	assert_true(c.pool.limit_as == 0);
	assert_int_equal(c.pool.limit_cpu, 0);
	assert_int_equal(c.max_connections_per_user, 256);
	assert_int_equal(c.max_jobs_per_client, 65536);
	assert_true(c.max_client_buffer == 64ULL * 1024 * 1024);
}

static void
load_every_key(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(load(f,
	    "# ipcd.conf\n"
	    "; another comment\n"
	    "\n"
	    "[ipcd]\n"
	    "workers = 8\n"
	    "socket = /tmp/ipcd-test.sock\n"
	    "socket_mode = 0600\n"
	    "worker_window = 16\n"
	    "queue_limit = 100\n"
	    "max_message = 2M\n"
	    "drain_timeout = 30\n"
	    "log_level = debug\n"), 0);
	assert_int_equal(f->c.pool.workers, 8);
	assert_string_equal(f->c.socket, "/tmp/ipcd-test.sock");
	assert_int_equal(f->c.socket_mode, 0600);
	assert_int_equal(f->c.pool.worker_window, 16);
	assert_int_equal(f->c.pool.queue_limit, 100);
	assert_int_equal(f->c.max_message, 2 * 1024 * 1024);
	assert_int_equal(f->c.drain_timeout, 30);
	assert_int_equal(f->c.log_level, LOG_DEBUG);
}

/* A file replaces the whole config: keys it omits get their defaults. */
static void
load_over_defaults(void **state)
{
	struct fx	*f = *state;
	struct config	 d;

	assert_int_equal(load(f, "[ipcd]\nworker_window = 3\n"), 0);
	config_defaults(&d);
	d.pool.worker_window = 3;
	assert_memory_equal(&f->c, &d, sizeof(d));
}

static void
load_empty_file(void **state)
{
	struct fx	*f = *state;
	struct config	 d;

	assert_int_equal(load(f, ""), 0);
	config_defaults(&d);
	assert_memory_equal(&f->c, &d, sizeof(d));
}

static void
load_syntax_variants(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(load(f,
	    "[ipcd]\n"
	    "workers: 4\n"
	    "  \n"
	    "queue_limit=9 ; nine\n"
	    "drain_timeout   =   7   \n"), 0);
	assert_int_equal(f->c.pool.workers, 4);
	assert_int_equal(f->c.pool.queue_limit, 9);
	assert_int_equal(f->c.drain_timeout, 7);
}

static void
load_log_levels(void **state)
{
	static const struct {
		const char	*name;
		int		 level;
	} t[] = {
		{ "err", LOG_ERR }, { "warning", LOG_WARNING },
		{ "notice", LOG_NOTICE }, { "info", LOG_INFO },
		{ "debug", LOG_DEBUG }, { "DEBUG", LOG_DEBUG },
		{ "Warning", LOG_WARNING },
	};
	struct fx	*f = *state;
	char		 text[64];
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(text, sizeof(text), "[ipcd]\nlog_level = %s\n",
		    t[i].name);
		assert_int_equal(load(f, text), 0);
		assert_int_equal(f->c.log_level, t[i].level);
	}
}

static void
size_suffixes(void **state)
{
	static const struct {
		const char	*text;
		uint32_t	 bytes;
	} t[] = {
		{ "1K", 1024 }, { "1k", 1024 }, { "1024", 1024 },
		{ "1025", 1025 }, { "640K", 640 * 1024 }, { "2m", 2 << 20 },
		{ "64M", 64 << 20 }, { "67108864", 64 << 20 },
		{ "1048576", 1 << 20 }, { "65535k", 65535u * 1024 },
	};
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_ok(f, "max_message", t[i].text);
		assert_int_equal(f->c.max_message, t[i].bytes);
	}
}

static void
set_limits_accepted(void **state)
{
	struct fx	*f = *state;
	char		 path[sizeof(f->c.socket)];

	set_ok(f, "workers", "1");
	assert_int_equal(f->c.pool.workers, 1);
	set_ok(f, "workers", "1024");
	assert_int_equal(f->c.pool.workers, 1024);
	set_ok(f, "worker_window", "1");
	assert_int_equal(f->c.pool.worker_window, 1);
	set_ok(f, "worker_window", "4096");
	assert_int_equal(f->c.pool.worker_window, 4096);
	set_ok(f, "queue_limit", "0");
	assert_int_equal(f->c.pool.queue_limit, 0);
	set_ok(f, "queue_limit", "10000000");
	assert_int_equal(f->c.pool.queue_limit, 10000000);
	set_ok(f, "drain_timeout", "0");
	assert_int_equal(f->c.drain_timeout, 0);
	set_ok(f, "drain_timeout", "3600");
	assert_int_equal(f->c.drain_timeout, 3600);
	set_ok(f, "socket_mode", "0");
	assert_int_equal(f->c.socket_mode, 0);
	set_ok(f, "socket_mode", "7777");
	assert_int_equal(f->c.socket_mode, 07777);
	set_ok(f, "socket_mode", "644");
	assert_int_equal(f->c.socket_mode, 0644);
	set_ok(f, "log_level", "notice");
	assert_int_equal(f->c.log_level, LOG_NOTICE);
	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';		/* 107 bytes */
	set_ok(f, "socket", path);
	assert_string_equal(f->c.socket, path);
	set_ok(f, "socket", "s");
	assert_string_equal(f->c.socket, "s");
}

static void
set_unknown_key(void **state)
{
	struct fx	*f = *state;

	memcpy(&f->before, &f->c, sizeof(f->before));
	assert_int_equal(config_set(&f->c, "worker", "2", f->err,
	    sizeof(f->err)), -1);
	assert_string_equal(f->err, "unknown key 'worker'");
	assert_memory_equal(&f->c, &f->before, sizeof(f->c));
}

/* Bad values, one key each */

static void
bad_workers(void **state)
{
	static const char *const v[] = { "abc", "-1", "0", "1025", "2x", "",
	    "4294967298", "99999999999999999999999", "1.5", "0x10", "2 3",
	    "1K" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bad_value(f, "workers", v[i], (int)i);
}

static void
bad_worker_window(void **state)
{
	static const char *const v[] = { "0", "4097", "-3", "64k", "many" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bad_value(f, "worker_window", v[i], (int)i + 1);
}

static void
bad_queue_limit(void **state)
{
	static const char *const v[] = { "10000001", "-1", "1e6",
	    "4294967296", "lots" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bad_value(f, "queue_limit", v[i], (int)i);
}

static void
bad_max_message(void **state)
{
	static const char *const v[] = { "1023", "67108865", "65M", "1G",
	    "0", "0K", "1X", "1KB", "K", "-1K", "abc", "17179869184G",
	    "1.5M", "", "1 K" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bad_value(f, "max_message", v[i], (int)i);
}

static void
bad_drain_timeout(void **state)
{
	static const char *const v[] = { "3601", "-1", "ten", "10s" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bad_value(f, "drain_timeout", v[i], (int)i);
}

static void
bad_socket(void **state)
{
	struct fx	*f = *state;
	char		 path[sizeof(f->c.socket) + 1];

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';		/* 108 bytes */
	bad_value(f, "socket", path, 0);
	bad_value(f, "socket", "", 3);
}

static void
bad_socket_mode(void **state)
{
	static const char *const v[] = { "0999", "8", "rw-r-----", "-1",
	    "010000", "0660x", "", "0x1ff", "u+rw" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bad_value(f, "socket_mode", v[i], (int)i);
}

static void
bad_log_level(void **state)
{
	static const char *const v[] = { "verbose", "", "3", "infos",
	    "emerg", "inf" };
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		bad_value(f, "log_level", v[i], (int)i);
}

/* The whole message, for one case of each kind of value. */
static void
bad_value_messages(void **state)
{
	struct fx	*f = *state;
	char		 want[256];

	assert_int_equal(load(f, "[ipcd]\n\nworkers = 0\n"), -1);
	snprintf(want, sizeof(want), "%s:3: workers: 0 is out of range "
	    "(1 to 1024)", f->path);
	assert_string_equal(f->err, want);
	assert_int_equal(load(f, "[ipcd]\nworkers = 2x\n"), -1);
	snprintf(want, sizeof(want), "%s:2: workers: '2x' is not a number",
	    f->path);
	assert_string_equal(f->err, want);
	assert_int_equal(load(f, "[ipcd]\nmax_message = 1X\n"), -1);
	snprintf(want, sizeof(want), "%s:2: max_message: '1X' is not a size "
	    "(bytes, or a number with K, M or G)", f->path);
	assert_string_equal(f->err, want);
	assert_int_equal(load(f, "[ipcd]\nsocket_mode = 0999\n"), -1);
	snprintf(want, sizeof(want), "%s:2: socket_mode: '0999' is not an "
	    "octal mode", f->path);
	assert_string_equal(f->err, want);
	assert_int_equal(load(f, "[ipcd]\nlog_level = loud\n"), -1);
	snprintf(want, sizeof(want), "%s:2: log_level: 'loud' is not one of "
	    "err, warning, notice, info, debug", f->path);
	assert_string_equal(f->err, want);
}

/* Structural mistakes */

static void
unknown_key(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 2\nbogus = 1\n", 3,
	    "unknown key 'bogus'");
}

static void
key_names_case_sensitive(void **state)
{
	expect_error(*state, "[ipcd]\nWorkers = 2\n", 2,
	    "unknown key 'Workers'");
}

static void
unknown_section(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 2\n[other]\n\nfoo = 1\n", 3,
	    "unknown section [other]");
}

static void
section_case_sensitive(void **state)
{
	expect_error(*state, "[IPCD]\nworkers = 2\n", 1,
	    "unknown section [IPCD]");
}

/* ipcd.conf(5): "any other section ... is an error", keys or not. */
static void
unknown_section_without_keys(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 2\n[other]\n", 3, "other");
}

static void
key_outside_section(void **state)
{
	expect_error(*state, "# top\nworkers = 2\n[ipcd]\n", 2,
	    "key 'workers' is outside the [ipcd] section");
}

static void
key_given_twice(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 2\n\nworkers = 3\n", 4,
	    "key 'workers' given twice");
}

/* Twice is an error even when the first one was bad... and it is first. */
static void
key_twice_first_error_wins(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 0\nworkers = 3\n", 2,
	    "workers: 0 is out of range");
}

static void
syntax_error(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 2\ngarbage\n", 3,
	    "syntax error");
}

static void
syntax_error_section(void **state)
{
	expect_error(*state, "[ipcd\nworkers = 2\n", 1, "syntax error");
}

static void
syntax_error_before_bad_value(void **state)
{
	expect_error(*state, "[ipcd]\ngarbage\nworkers = 0\n", 2,
	    "syntax error");
}

static void
bad_value_before_syntax_error(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 0\ngarbage\n", 2, "workers");
}

static void
first_of_two_bad_values(void **state)
{
	expect_error(*state, "[ipcd]\nqueue_limit = -1\n\nworkers = 0\n", 2,
	    "queue_limit");
}

/* A # after a value is part of it (ipcd.conf(5)). */
static void
hash_is_part_of_value(void **state)
{
	expect_error(*state, "[ipcd]\nworkers = 4 # four\n", 2, "workers");
}

/* A good key before the bad one is not applied either. */
static void
unchanged_on_error(void **state)
{
	struct fx	*f = *state;

	expect_error(f, "[ipcd]\nworkers = 9\nsocket = /x\nlog_level = loud\n",
	    4, "log_level");
	assert_int_equal(f->c.pool.workers, 77);
	assert_string_equal(f->c.socket, "/sentinel");
}

static void
missing_file(void **state)
{
	struct fx	*f = *state;
	char		 want[256];

	memcpy(&f->before, &f->c, sizeof(f->before));
	assert_int_equal(config_load(&f->c, "/nonexistent/ipcd/ipcd.conf",
	    f->err, sizeof(f->err)), -1);
	snprintf(want, sizeof(want), "/nonexistent/ipcd/ipcd.conf: %s",
	    strerror(ENOENT));
	assert_string_equal(f->err, want);
	assert_memory_equal(&f->c, &f->before, sizeof(f->c));
}

/* err is "PATH: ...what..." and c is unchanged. */
static void
expect_refused(struct fx *f, const char *what)
{
	char	 prefix[128];

	assert_int_equal(load(f, "[ipcd]\nworkers = 3\n"), -1);
	snprintf(prefix, sizeof(prefix), "%s: ", f->path);
	if (strncmp(f->err, prefix, strlen(prefix)) != 0 ||
	    strstr(f->err, what) == NULL)
		fail_msg("error '%s' is not '%s...%s'", f->err, prefix, what);
	assert_memory_equal(&f->c, &f->before, sizeof(f->c));
}

/* A config anyone but its owner may write to is refused, as is its dir. */
static void
writable_refused(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(load(f, "[ipcd]\nworkers = 3\n"), 0);
	assert_int_equal(chmod(f->path, 0666), 0);
	expect_refused(f, "the file may be written by anyone (mode 0666)");
	assert_int_equal(chmod(f->path, 0664), 0);
	expect_refused(f, "the file may be written by its group (mode 0664)");
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(chmod(f->dir, 0777), 0);
	expect_refused(f, "its directory may be written by anyone");
	assert_int_equal(chmod(f->dir, 01777), 0);
	expect_refused(f, "its directory may be written by anyone");
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(load(f, "[ipcd]\nworkers = 3\n"), 0);
	assert_int_equal(f->c.pool.workers, 3);
}

/* Owned by another user than root or ipcd's: refused (needs root). */
static void
foreign_owner_refused(void **state)
{
	struct fx	*f = *state;

	if (geteuid() != 0)
		skip();
	assert_int_equal(load(f, "[ipcd]\n"), 0);
	assert_int_equal(chown(f->path, 65534, (gid_t)-1), 0);
	expect_refused(f, "the file is owned by uid 65534, not by root");
	assert_int_equal(chown(f->path, 0, (gid_t)-1), 0);
	assert_int_equal(chown(f->dir, 65534, (gid_t)-1), 0);
	expect_refused(f, "its directory is owned by uid 65534");
	assert_int_equal(chown(f->dir, 0, (gid_t)-1), 0);
}

/* A short error buffer gets a truncated, terminated message. */
static void
short_error_buffer(void **state)
{
	struct fx	*f = *state;
	char		 err[8];

	assert_int_equal(load(f, "[ipcd]\nworkers = 0\n"), -1);
	assert_int_equal(config_load(&f->c, f->path, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, f->path, sizeof(err) - 1);
}

/* Times: bare seconds, or ms, s, min, h; stored in milliseconds. */
static void
durations(void **state)
{
	static const struct {
		const char	*text;
		unsigned	 ms;
	} t[] = {
		{ "0", 0 }, { "5", 5000 }, { "250ms", 250 }, { "2s", 2000 },
		{ "3min", 180000 }, { "2h", 7200000 }, { "720h", 2592000000U },
	};
	struct fx	*f = *state;
	size_t		 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		set_ok(f, "job_timeout", t[i].text);
		assert_int_equal(f->c.pool.job_timeout, t[i].ms);
		set_ok(f, "max_worker_age", t[i].text);
		assert_int_equal(f->c.pool.max_worker_age, t[i].ms);
	}
	bad_value(f, "job_timeout", "5x", 0);
	bad_value(f, "job_timeout", "5 s", 0);
	bad_value(f, "job_timeout", "ms", 0);
	bad_value(f, "job_timeout", "-1s", 0);
	bad_value(f, "job_timeout", "721h", 0);
	bad_value(f, "max_worker_age", "99999999999999999999h", 1);
	bad_value(f, "max_worker_age", "1d", 0);
}

/* Supervision, worker and per-client keys: good values, and bad ones. */
static void
supervision_keys(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(load(f, "[ipcd]\nretries = 3\nmax_jobs_per_worker = "
	    "1000\nmax_worker_rss = 6G\nlimit_as = 1G\nlimit_nofile = 64\n"
	    "limit_cpu = 30\nmax_connections_per_user = 4\n"
	    "max_jobs_per_client = 10\nmax_client_buffer = 2M\n"
	    "worker_user = 0\nworker_group = root\n"), 0);
	assert_int_equal(f->c.pool.retries, 3);
	assert_int_equal(f->c.pool.max_jobs_per_worker, 1000);
	assert_true(f->c.pool.max_worker_rss == 6ULL << 30);
	assert_true(f->c.pool.limit_as == 1ULL << 30);
	assert_int_equal(f->c.pool.limit_nofile, 64);
	assert_int_equal(f->c.pool.limit_cpu, 30);
	assert_int_equal(f->c.max_connections_per_user, 4);
	assert_int_equal(f->c.max_jobs_per_client, 10);
	assert_true(f->c.max_client_buffer == 2 << 20);
	assert_int_equal(f->c.pool.worker_user_set, 1);
	assert_int_equal(f->c.pool.worker_user, 0);
	assert_int_equal(f->c.pool.worker_user_gid, 0);
	assert_int_equal(f->c.pool.worker_group_set, 1);
	assert_int_equal(f->c.pool.worker_group, 0);
	bad_value(f, "retries", "101", 0);
	bad_value(f, "retries", "-1", 0);
	bad_value(f, "max_worker_rss", "2T", 0);
	bad_value(f, "limit_nofile", "2000000", 0);
	bad_value(f, "max_client_buffer", "100", 0);
	bad_value(f, "worker_user", "nosuchuser-x", 0);
	bad_value(f, "worker_group", "nosuchgroup-x", 0);
	set_ok(f, "worker_user", "");
	assert_int_equal(f->c.pool.worker_user_set, 0);
}

/* Access keys: names and numbers, lists split on spaces and commas. */
static void
access_keys(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(load(f, "[ipcd]\nallow_users = root, 65534 0\n"
	    "allow_groups = root\nadmin_group = 0\nsocket_group = root\n"
	    "socket_owner = root\n"), 0);
	assert_int_equal(f->c.socket_owner_set, 1);
	assert_int_equal(f->c.socket_owner, 0);
	assert_int_equal(f->c.allow_users.n, 3);
	assert_int_equal(f->c.allow_users.id[0], 0);
	assert_int_equal(f->c.allow_users.id[1], 65534);
	assert_int_equal(f->c.allow_groups.n, 1);
	assert_int_equal(f->c.allow_groups.id[0], 0);
	assert_int_equal(f->c.admin_group_set, 1);
	assert_int_equal(f->c.admin_group, 0);
	assert_int_equal(f->c.socket_group_set, 1);
	assert_int_equal(f->c.socket_group, 0);
}

static void
access_defaults(void **state)
{
	struct fx	*f = *state;

	assert_int_equal(load(f, "[ipcd]\nadmin_group =\nsocket_group =\n"), 0);
	assert_int_equal(f->c.allow_users.n, 0);
	assert_int_equal(f->c.allow_groups.n, 0);
	assert_int_equal(f->c.admin_group_set, 0);
	assert_int_equal(f->c.socket_group_set, 0);
}

static void
access_unknown_names(void **state)
{
	struct fx	*f = *state;

	expect_error(f, "[ipcd]\nallow_users = root nosuchuser-x\n", 2,
	    "allow_users: no user 'nosuchuser-x'");
	expect_error(f, "[ipcd]\n\nallow_groups = nosuchgroup-x\n", 3,
	    "allow_groups: no group 'nosuchgroup-x'");
	expect_error(f, "[ipcd]\nadmin_group = nosuchgroup-x\n", 2,
	    "admin_group: no group 'nosuchgroup-x'");
	expect_error(f, "[ipcd]\nsocket_group = 12x\n", 2,
	    "socket_group: no group '12x'");
	expect_error(f, "[ipcd]\nsocket_owner = nosuchuser-x\n", 2,
	    "socket_owner: no user 'nosuchuser-x'");
}

/* Pools */

static void
load_ok(struct fx *f, const char *text)
{
	if (load(f, text) != 0)
		fail_msg("refused: %s", f->err);
}

/* A pool takes [ipcd]'s pool keys as its defaults, wherever they stand. */
static void
pool_defaults_from_ipcd(void **state)
{
	struct fx	*f = *state;
	const struct poolconf *p;

	load_ok(f, "[pool thumbs]\n"
	    "command = /usr/bin/node /srv/thumbs/worker.js\n"
	    "protocol = node\n"
	    "workers = 4\n"
	    "directory = /srv/thumbs\n"
	    "environment = NODE_ENV=production LANG=C.UTF-8\n"
	    "job_timeout = 30s\n"
	    "in_order = yes\n"
	    "[ipcd]\n"
	    "workers = 3\n"
	    "retries = 5\n"
	    "worker_window = 8\n"
	    "[pool py]\n"
	    "command = /usr/bin/python3 '/srv/my py/worker.py'\n"
	    "tasks = resize crop\n");
	assert_int_equal(f->c.npools, 2);
	assert_int_equal(f->c.builtin, 1);
	assert_string_equal(f->c.pool.name, "builtin");
	assert_int_equal(f->c.pool.protocol, POOL_BUILTIN);
	assert_int_equal(f->c.pool.workers, 3);
	p = &f->c.pools[0];
	assert_string_equal(p->name, "thumbs");
	assert_int_equal(p->line, 1);
	assert_int_equal(p->protocol, POOL_NODE);
	assert_string_equal(p->command,
	    "/usr/bin/node /srv/thumbs/worker.js");
	assert_string_equal(p->directory, "/srv/thumbs");
	assert_string_equal(p->environment,
	    "NODE_ENV=production LANG=C.UTF-8");
	assert_int_equal(p->workers, 4);		/* its own */
	assert_int_equal(p->job_timeout, 30000);
	assert_int_equal(p->retries, 5);		/* [ipcd]'s, set later */
	assert_int_equal(p->worker_window, 8);
	assert_int_equal(p->queue_limit, 65536);	/* the default */
	assert_int_equal(p->in_order, 1);
	p = &f->c.pools[1];
	assert_string_equal(p->name, "py");
	assert_int_equal(p->line, 13);
	assert_int_equal(p->protocol, POOL_IPCD);
	assert_int_equal(p->workers, 3);
	assert_int_equal(p->in_order, 0);
	assert_string_equal(p->tasks, "resize crop");
	assert_int_equal(p->tasks_line, 15);
	assert_true(config_lists_task(p->tasks, "crop", 4));
	assert_false(config_lists_task(p->tasks, "cro", 3));
	assert_false(config_lists_task(f->c.pools[0].tasks, "crop", 4));
}

static void
builtin_off(void **state)
{
	struct fx	*f = *state;

	load_ok(f, "[ipcd]\nbuiltin = no\n[pool a]\ncommand = /bin/cat\n");
	assert_int_equal(f->c.builtin, 0);
	assert_int_equal(f->c.npools, 1);
	load_ok(f, "[ipcd]\nbuiltin = yes\n");
	assert_int_equal(f->c.builtin, 1);
	assert_int_equal(f->c.npools, 0);
}

/* The words of a command, as the shell would split them. */
static void
command_words(void **state)
{
	wordexp_t	 we;
	char		 err[256];

	(void)state;
	assert_int_equal(config_words("/usr/bin/python3 'a b' \"c d\" e\\ f",
	    &we, err, sizeof(err)), 0);
	assert_int_equal(we.we_wordc, 4);
	assert_string_equal(we.we_wordv[1], "a b");
	assert_string_equal(we.we_wordv[2], "c d");
	assert_string_equal(we.we_wordv[3], "e f");
	wordfree(&we);
	assert_int_equal(config_words("a $(id)", &we, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "substitution"));
	assert_int_equal(config_words("a | b", &we, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "quoted"));
	assert_int_equal(config_words("a 'b", &we, err, sizeof(err)), -1);
	assert_int_equal(config_words("$IPCD_TEST_NO_SUCH_VAR", &we, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "not set"));
}

static void
pool_errors(void **state)
{
	struct fx	*f = *state;

	expect_error(f, "[ipcd]\n[pool Thumbs]\ncommand = x\n", 2,
	    "pool name 'Thumbs'");
	expect_error(f, "[pool a]\ncommand = x\n[pool a]\ncommand = y\n", 3,
	    "pool 'a' is defined twice (first on line 1)");
	expect_error(f, "[pool builtin]\ncommand = x\n", 1, "built-in");
	expect_error(f, "[ipcd]\n\n[pool a]\nworkers = 2\n", 3,
	    "pool a has no command");
	expect_error(f, "[pool a]\ncommand = x\nsocket = /s\n", 3,
	    "key 'socket' belongs in the [ipcd] section");
	expect_error(f, "[ipcd]\ncommand = x\n", 2,
	    "key 'command' belongs in a [pool NAME] section");
	expect_error(f, "[pool a]\ncommand = x\nprotocol = http\n", 3,
	    "protocol: 'http' is not ipcd or node");
	expect_error(f, "[pool a]\ncommand = x\ndirectory = srv\n", 3,
	    "directory: 'srv' is not an absolute path");
	expect_error(f, "[pool a]\ncommand = x\nenvironment = A=1 B\n", 3,
	    "environment: 'B' is not NAME=VALUE");
	expect_error(f, "[pool a]\ncommand = x\nenvironment = NODE_CHANNEL_FD=4"
	    "\n", 3, "NODE_CHANNEL_FD is set by ipcd itself");
	expect_error(f, "[pool a]\ncommand = 'x\n", 2, "command: unbalanced");
	expect_error(f, "[pool a]\ncommand = x\ntasks = a b a\n", 3,
	    "tasks: 'a' is listed twice");
	expect_error(f, "[pool a]\ncommand = x\nin_order = maybe\n", 3,
	    "in_order: 'maybe' is not yes or no");
	expect_error(f, "[pool a]\ncommand = x\nworkers = 0\n", 3, "workers");
	expect_error(f, "[pool a]\ncommand = x\nworkers = 1\nworkers = 2\n", 4,
	    "key 'workers' given twice");
}

/* A task has one home: two pools listing it is an error naming both. */
static void
task_in_two_pools(void **state)
{
	struct fx	*f = *state;

	expect_error(f, "[pool a]\ncommand = x\ntasks = resize crop\n"
	    "[pool b]\ncommand = y\n\ntasks = scale crop\n", 7,
	    "task 'crop' is listed by pool a (line 3) and pool b");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		T(pool_defaults_from_ipcd),
		T(builtin_off),
		cmocka_unit_test(command_words),
		T(pool_errors),
		T(task_in_two_pools),
		T(load_every_key),
		T(access_keys),
		T(durations),
		T(supervision_keys),
		T(access_defaults),
		T(access_unknown_names),
		T(load_over_defaults),
		T(load_empty_file),
		T(load_syntax_variants),
		T(load_log_levels),
		T(size_suffixes),
		T(set_limits_accepted),
		T(set_unknown_key),
		T(bad_workers),
		T(bad_worker_window),
		T(bad_queue_limit),
		T(bad_max_message),
		T(bad_drain_timeout),
		T(bad_socket),
		T(bad_socket_mode),
		T(bad_log_level),
		T(bad_value_messages),
		T(unknown_key),
		T(key_names_case_sensitive),
		T(unknown_section),
		T(section_case_sensitive),
		T(unknown_section_without_keys),
		T(key_outside_section),
		T(key_given_twice),
		T(key_twice_first_error_wins),
		T(syntax_error),
		T(syntax_error_section),
		T(syntax_error_before_bad_value),
		T(bad_value_before_syntax_error),
		T(first_of_two_bad_values),
		T(hash_is_part_of_value),
		T(unchanged_on_error),
		T(missing_file),
		T(writable_refused),
		T(foreign_owner_refused),
		T(short_error_buffer),
	};

	umask(022);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
