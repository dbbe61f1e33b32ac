/*
 * Process plumbing: a worker is forked with its end of a socketpair on
 * descriptor 3 and nothing else of the master's (no other channel, no
 * control socket, no event loop), default signal handling except that it
 * ignores SIGINT and SIGHUP, and no systemd variables in its environment;
 * then it takes the limits, user and group of the config (privs.c).
 * A worker is the leader of a session of its own: a terminal's ^C or
 * hangup, or a kill sent to the master's process group, reaches the master
 * alone, which drains, then ends a worker by closing its channel.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipcd.h"
#include "log.h"

static const int child_signals[] = {
	SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGPIPE, SIGUSR1, SIGUSR2
};

static const char *const child_unset[] = {
	"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET",
	"WATCHDOG_PID", "WATCHDOG_USEC"
};

/* Close every descriptor above the channel: no other socket of the master's. */
static void
close_above_channel(void)
{
	long	 fd, max;

	if (close_range(IPC_CHANNEL_FD + 1, ~0U, 0) == 0)
		return;
	if ((max = sysconf(_SC_OPEN_MAX)) < 0)
		max = 65536;
	for (fd = IPC_CHANNEL_FD + 1; fd < max; fd++)
		(void)close((int)fd);
}

/*
 * A program's standard output and error go to the master's pipes (out:
 * the write ends, or -1 to keep the master's), its input is /dev/null.
 */
static int
child_stdio(const int out[2])
{
	int	 fd;

	if (out[0] == -1)
		return 0;
	if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
	    dup2(fd, STDIN_FILENO) == -1 ||
	    dup2(out[0], STDOUT_FILENO) == -1 ||
	    dup2(out[1], STDERR_FILENO) == -1)
		return -1;
	return 0;
}

static void __attribute__((noreturn))
proc_child(const struct pool *pool, pid_t parent, int fd, const int out[2],
    void (*fn)(int, const struct pool *))
{
	sigset_t	 none;
	size_t		 i;

	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(1);
	for (i = 0; i < sizeof(child_signals) / sizeof(child_signals[0]); i++)
		signal(child_signals[i], SIG_DFL);
	if (setsid() == -1)
		_exit(1);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (child_stdio(out) == -1)
		_exit(1);
	if (fd != IPC_CHANNEL_FD) {
		if (dup2(fd, IPC_CHANNEL_FD) == -1)
			_exit(1);
	} else if (fcntl(fd, F_SETFD, 0) == -1)
		_exit(1);
	close_above_channel();
	for (i = 0; i < sizeof(child_unset) / sizeof(child_unset[0]); i++)
		unsetenv(child_unset[i]);
	if (privs_drop(&pool->conf) == -1)
		_exit(1);
	/* A new user or group clears the parent-death signal: set it again. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(1);
	fn(IPC_CHANNEL_FD, pool);
	_exit(0);
}

/* Pipes for a program's output and error: read ends in rd, write in wr. */
static int
out_pipes(int rd[2], int wr[2])
{
	int	 a[2], b[2];

	if (pipe2(a, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	if (pipe2(b, O_CLOEXEC | O_NONBLOCK) == -1) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	rd[0] = a[0];
	wr[0] = a[1];
	rd[1] = b[0];
	wr[1] = b[1];
	return 0;
}

static void
close_pair(int fd[2])
{
	if (fd[0] != -1)
		close(fd[0]);
	if (fd[1] != -1)
		close(fd[1]);
}

/*
 * Fork a child running fn on its channel; the master's end goes to *fdp.
 * With out non-NULL, the child's output and error come to the master on
 * out[0] and out[1] (non-blocking).
 */
pid_t
proc_spawn(const struct pool *pool, int *fdp,
    void (*fn)(int, const struct pool *), int *out)
{
	pid_t	 pid, parent = getpid();
	int	 sv[2], rd[2] = { -1, -1 }, wr[2] = { -1, -1 };

	if (out != NULL && out_pipes(rd, wr) == -1)
		return -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		close_pair(rd);
		close_pair(wr);
		return -1;
	}
	if ((pid = fork()) == -1) {
		close(sv[0]);
		close(sv[1]);
		close_pair(rd);
		close_pair(wr);
		return -1;
	}
	if (pid == 0)
		proc_child(pool, parent, sv[1], wr, fn);
	close(sv[1]);
	close_pair(wr);
	if (fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) == -1) {
		close(sv[0]);
		close_pair(rd);
		kill(pid, SIGKILL);
		return -1;
	}
	*fdp = sv[0];
	if (out != NULL) {
		out[0] = rd[0];
		out[1] = rd[1];
	}
	return pid;
}

/* One exited child, without blocking: 1 with its pid and status, else 0. */
int
proc_reap(pid_t *pid, int *status)
{
	do {
		*pid = waitpid(-1, status, WNOHANG | WUNTRACED);
	} while (*pid == -1 && errno == EINTR);
	return *pid > 0;
}

/* "exited with status 1", "was killed by signal 9 (KILL)", ... */
const char *
proc_exit_text(int status, char *text, size_t len)
{
	if (WIFEXITED(status))
		snprintf(text, len, "exited with status %d",
		    WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(text, len, "was killed by signal %d (SIG%s)%s",
		    WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "?",
		    WCOREDUMP(status) ? ", core dumped" : "");
	else
		snprintf(text, len, "changed state (status %#x)", status);
	return text;
}
