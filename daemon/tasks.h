/*
 * The built-in tasks a worker runs.  A task either packs exactly one result
 * value and returns IPC_E_NONE, or packs nothing and returns an error code
 * with a message.
 */
#ifndef IPCD_TASKS_H
#define IPCD_TASKS_H

#include <msgpack.h>

#include "proto.h"

struct task {
	const char	*name;
	int		 blocking;	/* may take long: send results first */
	enum ipc_err	(*run)(const msgpack_object *, msgpack_packer *,
			    char *, size_t);
};

const struct task *tasks_find(struct ipc_str);

#endif
