/*
 * Logging to stderr.  Under journald (JOURNAL_STREAM set) each line starts
 * with its syslog priority as "<N>", so journalctl -p filters work.  A line
 * is one write(2); the daemon never waits for a slow reader (log_nonblock),
 * and what anyone outside can make it log repeatedly is rated (log_rated).
 */
#ifndef IPC_LOG_H
#define IPC_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

#define LOG_FMT(a, b)	__attribute__((format(printf, a, b)))

/* One call site's share of the log (log_rated): zero it to start. */
struct lograte {
	uint64_t	 since;		/* ms: when its interval began */
	unsigned	 n;		/* lines logged in it */
	unsigned	 skipped;	/* lines not logged in it */
};

void	 log_init(const char *, int);
void	 log_nonblock(void);
void	 log_setlevel(int);
int	 log_level_parse(const char *);
const char *log_level_name(int);
void	 log_warn(const char *, ...) LOG_FMT(1, 2);
void	 log_warnx(const char *, ...) LOG_FMT(1, 2);
void	 log_notice(const char *, ...) LOG_FMT(1, 2);
void	 log_info(const char *, ...) LOG_FMT(1, 2);
void	 log_debug(const char *, ...) LOG_FMT(1, 2);
void	 log_rated(struct lograte *, int, const char *, ...) LOG_FMT(3, 4);
void	 fatal(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void	 fatalx(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
