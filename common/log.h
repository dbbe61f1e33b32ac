/*
 * Logging to stderr.  Under journald (JOURNAL_STREAM set) each line starts
 * with its syslog priority as "<N>", so journalctl -p filters work.
 */
#ifndef IPC_LOG_H
#define IPC_LOG_H

#include <stdarg.h>

#define LOG_FMT(a, b)	__attribute__((format(printf, a, b)))

void	 log_init(const char *, int);
void	 log_setlevel(int);
int	 log_level_parse(const char *);
const char *log_level_name(int);
void	 log_warn(const char *, ...) LOG_FMT(1, 2);
void	 log_warnx(const char *, ...) LOG_FMT(1, 2);
void	 log_notice(const char *, ...) LOG_FMT(1, 2);
void	 log_info(const char *, ...) LOG_FMT(1, 2);
void	 log_debug(const char *, ...) LOG_FMT(1, 2);
void	 fatal(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void	 fatalx(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));

#endif
