#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

/* Logging state is process-wide by nature: one stderr, one level. */
static struct {
	const char	*ident;
	int		 level;
	int		 journal;
} logger = { "ipcd", LOG_INFO, 0 };

static const char *const level_names[] = {
	[LOG_ERR] = "err", [LOG_WARNING] = "warning", [LOG_NOTICE] = "notice",
	[LOG_INFO] = "info", [LOG_DEBUG] = "debug"
};

void
log_init(const char *ident, int level)
{
	logger.ident = ident;
	logger.level = level;
	logger.journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_setlevel(int level)
{
	logger.level = level;
}

/* A level's name to its number, or -1. */
int
log_level_parse(const char *s)
{
	int	 i;

	for (i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (strcasecmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

const char *
log_level_name(int level)
{
	if (level < LOG_ERR || level > LOG_DEBUG)
		return "?";
	return level_names[level];
}

static void vlog(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char	 line[2048];
	int	 n;

	if (pri > logger.level)
		return;
	if (logger.journal)
		n = snprintf(line, sizeof(line), "<%d>", pri);
	else
		n = snprintf(line, sizeof(line), "%s[%ld]: %s: ", logger.ident,
		    (long)getpid(), log_level_name(pri));
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (err != NULL)
		fprintf(stderr, "%s: %s\n", line, err);
	else
		fprintf(stderr, "%s\n", line);
}

#define LOG_BODY(pri, err) do {			\
	va_list	 ap;				\
	va_start(ap, fmt);			\
	vlog((pri), fmt, ap, (err));		\
	va_end(ap);				\
} while (0)

void
log_warn(const char *fmt, ...)
{
	const char	*err = strerror(errno);

	LOG_BODY(LOG_WARNING, err);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, NULL);
}

void
log_notice(const char *fmt, ...)
{
	LOG_BODY(LOG_NOTICE, NULL);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, NULL);
}

void
log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_DEBUG, NULL);
}

void
fatal(const char *fmt, ...)
{
	const char	*err = strerror(errno);

	LOG_BODY(LOG_ERR, err);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_ERR, NULL);
	exit(1);
}
