/*
 * Times as people write them in the config and on the command line: a
 * number of seconds, or a number with ms, s, min or h.
 */
#ifndef IPC_DURATION_H
#define IPC_DURATION_H

#include <stdint.h>

int	 duration_parse(const char *, uint64_t *);

#endif
