#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define RATE_BURST	10		/* lines per call site and interval */
#define RATE_MS		5000

/* Logging state is process-wide by nature: one stderr, one level. */
static struct {
	const char	*ident;
	int		 level;
	int		 journal;
	unsigned	 dropped;	/* lines the reader was too slow for */
	int		 partial;	/* the last line went out in part */
} logger = { "ipcd", LOG_INFO, 0, 0, 0 };

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

/*
 * Never wait for the log's reader: a line it has no room for is dropped,
 * and counted, rather than stall the caller (the master's event loop).  A
 * terminal is left as it is, since the shell shares it.
 */
void
log_nonblock(void)
{
	int	 fl;

	if (isatty(STDERR_FILENO) || (fl = fcntl(STDERR_FILENO, F_GETFL)) == -1)
		return;
	(void)fcntl(STDERR_FILENO, F_SETFL, fl | O_NONBLOCK);
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

/* The start of a line of priority pri, in line; its length. */
static size_t
log_prefix(char *line, size_t len, int pri)
{
	int	 n;

	if (logger.journal)
		n = snprintf(line, len, "<%d>", pri);
	else
		n = snprintf(line, len, "%s[%ld]: %s: ", logger.ident,
		    (long)getpid(), log_level_name(pri));
	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

/* One write of n bytes, or none: -1 if the reader has no room now. */
static int
log_put(const char *p, size_t n)
{
	ssize_t	 r;

	while ((r = write(STDERR_FILENO, p, n)) == -1 && errno == EINTR)
		;
	if (r == -1)
		return -1;
	logger.partial = (size_t)r < n && p[n - 1] == '\n';
	return 0;
}

/* Say first how many lines were dropped, if any; -1 if still no room. */
static int
log_catch_up(void)
{
	char	 note[160];
	size_t	 n = 0;

	if (logger.dropped == 0 && !logger.partial)
		return 0;
	if (logger.partial)
		note[n++] = '\n';
	n += log_prefix(note + n, sizeof(note) - n, LOG_WARNING);
	snprintf(note + n, sizeof(note) - n, "%u log lines dropped: the log "
	    "was not read fast enough\n", logger.dropped);
	if (logger.dropped == 0)
		snprintf(note + n, sizeof(note) - n, "(the line before was cut "
		    "short: the log was not read fast enough)\n");
	if (log_put(note, strlen(note)) == -1)
		return -1;
	logger.dropped = 0;
	return 0;
}

static void vlog(int, const char *, va_list, const char *)
    __attribute__((format(printf, 2, 0)));

static void
vlog(int pri, const char *fmt, va_list ap, const char *err)
{
	char	 line[2048];
	size_t	 n;

	if (pri > logger.level)
		return;
	n = log_prefix(line, sizeof(line) - 1, pri);
	vsnprintf(line + n, sizeof(line) - 1 - n, fmt, ap);
	n = strlen(line);
	if (err != NULL)
		snprintf(line + n, sizeof(line) - 1 - n, ": %s", err);
	n = strlen(line);
	line[n++] = '\n';
	if (log_catch_up() == -1 || log_put(line, n) == -1)
		logger.dropped++;
}

#define LOG_BODY(pri, err) do {			\
	va_list	 ap;				\
	va_start(ap, fmt);			\
	vlog((pri), fmt, ap, (err));		\
	va_end(ap);				\
} while (0)

static void logit(int, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
logit(int pri, const char *fmt, ...)
{
	LOG_BODY(pri, NULL);
}

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

/*
 * Log at most RATE_BURST lines from one call site (its struct lograte) in
 * RATE_MS; the next line after a quieter spell says how many were not.
 */
void
log_rated(struct lograte *r, int pri, const char *fmt, ...)
{
	char		 text[1536];
	uint64_t	 now = clock_ms();
	unsigned	 skipped = 0;
	va_list		 ap;

	if (pri > logger.level)
		return;
	if (r->since == 0 || now - r->since >= RATE_MS) {
		skipped = r->skipped;
		r->since = now;
		r->n = r->skipped = 0;
	}
	if (r->n >= RATE_BURST) {
		r->skipped++;
		return;
	}
	r->n++;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (skipped > 0)
		logit(pri, "%s (and %u more like it in %d s, not logged)",
		    text, skipped, RATE_MS / 1000);
	else
		logit(pri, "%s", text);
}
