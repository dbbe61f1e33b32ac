#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"

static const struct {
	const char	*unit;
	uint64_t	 ms;
} units[] = {
	{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "min", 60000 },
	{ "h", 3600000 }
};

/* "90", "250ms", "2min": 0 with the time in milliseconds, or -1. */
int
duration_parse(const char *s, uint64_t *ms)
{
	unsigned long long n;
	char		*end;
	size_t		 i;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].unit) == 0) {
			if (n > UINT64_MAX / units[i].ms)
				return -1;
			*ms = n * units[i].ms;
			return 0;
		}
	return -1;
}
