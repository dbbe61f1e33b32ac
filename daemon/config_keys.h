/*
 * The keys of ipcd.conf as config.c's table describes them, and the
 * parsers of one value each (config_value.c), shared by the two files.
 */
#ifndef IPCD_CONFIG_KEYS_H
#define IPCD_CONFIG_KEYS_H

#include <stddef.h>

#include "config.h"

/* Where a key may be given: [ipcd] only, both, or [pool NAME] only. */
enum scope {
	S_IPCD,			/* a setting of the daemon */
	S_POOL,			/* a pool's; in [ipcd], every pool's default */
	S_PROG			/* a program pool's own */
};

struct key {
	const char	*name;
	int		(*parse)(void *, const struct key *, const char *,
			    char *, size_t);
	enum scope	 scope;
	size_t		 off;		/* in struct config or struct poolconf */
	unsigned long	 min;
	unsigned long	 max;
};

#define PARSER(fn)	int fn(void *, const struct key *, const char *, \
			    char *, size_t)
PARSER(value_uint);
PARSER(value_size);
PARSER(value_mode);
PARSER(value_path);
PARSER(value_level);
PARSER(value_id);
PARSER(value_ids);
PARSER(value_user);
PARSER(value_duration);
PARSER(value_bool);
PARSER(value_command);
PARSER(value_protocol);
PARSER(value_directory);
PARSER(value_environment);
PARSER(value_tasks);

/* The field a key's value goes to, in the struct at base. */
#define AT(base, k, type)	((type *)((char *)(base) + (k)->off))

#endif
