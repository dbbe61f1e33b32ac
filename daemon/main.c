/*
 * ipcd: a preforked pool of worker processes fed over a Unix socket.
 * Runs in the foreground, where a service manager supervises it, or with
 * -d in the background once its workers are ready.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ipcd.h"
#include "log.h"

struct options {
	const char	*conf;
	const char	*socket;
	int		 check;
	int		 detach;
	int		 verbose;
};

static void __attribute__((noreturn))
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: ipcd [-dnvV] [-f config] [-s socket]\n"
	    "  -f, --config FILE   configuration (default %s)\n"
	    "  -s, --socket PATH   control socket, overriding the config\n"
	    "  -d, --daemon        go to the background once every worker is\n"
	    "                      ready (exit 0), or exit 1 if ipcd cannot start\n"
	    "  -n, --check         check the configuration and exit\n"
	    "  -v, --verbose       log debug messages too\n"
	    "  -V, --version       print the version and exit\n",
	    IPCD_CONF_PATH);
	exit(status);
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' },
		{ "socket", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'n' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	o->conf = IPCD_CONF_PATH;
	while ((ch = getopt_long(argc, argv, "f:s:dnvVh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			o->conf = optarg;
			break;
		case 's':
			o->socket = optarg;
			break;
		case 'n':
			o->check = 1;
			break;
		case 'd':
			o->detach = 1;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 'V':
			printf("ipcd %s\n", PACKAGE_VERSION);
			exit(0);
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);
}

static void
load_config(struct ipcd *ix, const struct options *o)
{
	char	 err[CONFIG_ERR_MAX + 128];

	if (config_load(&ix->conf, o->conf, err, sizeof(err)) == -1) {
		fprintf(stderr, "ipcd: %s\n", err);
		exit(1);
	}
	if (o->socket != NULL &&
	    config_set(&ix->conf, "socket", o->socket, err, sizeof(err)) == -1) {
		fprintf(stderr, "ipcd: -s %s\n", err);
		exit(1);
	}
	if (nofile_check(nofile_config(&ix->conf), err, sizeof(err)) == -1) {
		fprintf(stderr, "ipcd: %s: %s\n", o->conf, err);
		exit(1);
	}
	ix->conf_path = o->conf;
	ix->socket_arg = o->socket;
}

/* -n: every pool's program can be run, as its workers would find it. */
static void
check_programs(const struct config *c, const char *path)
{
	char		 err[CONFIG_ERR_MAX];
	unsigned	 i;
	int		 bad = 0;

	for (i = 0; i < c->npools; i++)
		if (program_check(&c->pools[i], err, sizeof(err)) == -1) {
			fprintf(stderr, "ipcd: %s:%d: pool %s: %s\n", path,
			    c->pools[i].line, c->pools[i].name, err);
			bad = 1;
		}
	if (bad)
		exit(1);
}

/*
 * -d: the parent waits until the child says it is ready (sd_state) and
 * exits 0, or exits with the child's status if it ended first; the child
 * goes on in a session of its own, its standard error unchanged for logs.
 */
static int
detach(void)
{
	pid_t	 pid;
	int	 fds[2], status, nul;
	char	 c;

	if (pipe2(fds, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		perror("ipcd: -d");
		exit(1);
	}
	if (pid == 0) {
		close(fds[0]);
		if (setsid() == -1 || (nul = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(nul, STDIN_FILENO) == -1 ||
		    dup2(nul, STDOUT_FILENO) == -1)
			exit(1);
		if (nul > STDERR_FILENO)
			close(nul);
		return fds[1];
	}
	close(fds[1]);
	if (read(fds[0], &c, 1) == 1)
		exit(0);
	if (waitpid(pid, &status, 0) == pid && WIFEXITED(status))
		exit(WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1);
	fprintf(stderr, "ipcd: ended before it was ready\n");
	exit(1);
}

/*
 * Started with any of descriptors 0-2 closed, ipcd would hand them out to
 * its own sockets and pipes, and then log into them and pass them on to
 * its workers: /dev/null takes each closed one first.
 */
static void
open_std_fds(void)
{
	int	 fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= STDERR_FILENO)
		;
	if (fd == -1)
		exit(1);
	close(fd);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct ipcd	*ix = arg;

	(void)what;
	if (ix->stopping) {
		if (ix->ev_drain != NULL && evtimer_pending(ix->ev_drain, NULL))
			event_active(ix->ev_drain, EV_TIMEOUT, 0);
		return;
	}
	log_notice("received SIG%s", sigabbrev_np(sig));
	master_shutdown(ix);
}

static void
on_child(evutil_socket_t sig, short what, void *arg)
{
	struct ipcd	*ix = arg;

	(void)sig;
	(void)what;
	master_reap(ix);
}

/* SIGHUP: reload (master_reload tells systemd and logs a refusal). */
static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct ipcd	*ix = arg;
	char		 err[CONFIG_ERR_MAX + 128];

	(void)sig;
	(void)what;
	if (!ix->stopping)
		master_reload(ix, err, sizeof(err));
}

static int
add_signals(struct ipcd *ix)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGCHLD, SIGHUP };
	static event_callback_fn const fns[] = {
		on_stop, on_stop, on_child, on_hup
	};
	size_t	 i;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		ix->ev_signals[i] = evsignal_new(ix->base, sigs[i], fns[i], ix);
		if (ix->ev_signals[i] == NULL ||
		    evsignal_add(ix->ev_signals[i], NULL) == -1)
			return -1;
	}
	return 0;
}

/*
 * The drain is over: a stop asked for again (a second SIGTERM, ^C) must
 * not turn the clean exit into death by signal once the loop's handlers
 * are gone, so the stop signals are ignored from here on.
 */
static void
cleanup(struct ipcd *ix)
{
	size_t	 i;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	control_close(ix);
	control_close_clients(ix);
	sd_stop(ix);
	for (i = 0; i < sizeof(ix->ev_signals) / sizeof(ix->ev_signals[0]); i++)
		if (ix->ev_signals[i] != NULL)
			event_free(ix->ev_signals[i]);
	if (ix->ev_drain != NULL)
		event_free(ix->ev_drain);
	master_free(ix);
	config_free(&ix->conf);
	event_base_free(ix->base);
}

int
main(int argc, char **argv)
{
	struct ipcd	 ix;
	struct options	 o;
	char		 err[512];

	open_std_fds();
	nofile_raise();
	parse_args(argc, argv, &o);
	memset(&ix, 0, sizeof(ix));
	ix.listen_fd = ix.ready_fd = -1;
	log_init("ipcd", LOG_INFO);
	load_config(&ix, &o);
	if (o.check) {
		check_programs(&ix.conf, o.conf);
		printf("%s: configuration OK\n", o.conf);
		return 0;
	}
	if (o.detach)
		ix.ready_fd = detach();
	log_nonblock();
	ix.log_forced = o.verbose;
	log_setlevel(o.verbose ? LOG_DEBUG : ix.conf.log_level);
	clock_gettime(CLOCK_MONOTONIC, &ix.started);
	if ((ix.base = event_base_new()) == NULL)
		fatalx("cannot create the event loop");
	peerbase_init(&ix.pb, ix.base);
	if (add_signals(&ix) == -1)
		fatalx("cannot install signal handlers");
	if (control_listen(&ix, err, sizeof(err)) == -1)
		fatalx("%s", err);
	if (master_start(&ix) == -1) {
		control_close(&ix);
		fatal("cannot start the workers");
	}
	sd_start(&ix);
	privs_advise(&ix.conf);
	log_info("ipcd %s started", PACKAGE_VERSION);
	while (event_base_loop(ix.base, EVLOOP_ONCE) == 0 &&
	    !event_base_got_exit(ix.base))
		master_loop(&ix);
	cleanup(&ix);
	log_notice("stopped");
	return 0;
}
