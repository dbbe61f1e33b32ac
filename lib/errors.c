/*
 * Error codes: their wire names (the protocol's, from proto.c, and the
 * library's own) and what each means to the person reading it.
 */
#include <string.h>

#include "lib.h"

static const struct {
	int		 code;
	const char	*name;
	const char	*text;
} lib_errors[] = {
	{ IPCD_OK, "ok", "no error" },
	{ IPCD_E_BAD_FRAME, NULL, "the daemon could not read a frame" },
	{ IPCD_E_TOO_LARGE, NULL, "the message is larger than max_message" },
	{ IPCD_E_BAD_MESSAGE, NULL, "the daemon found the message malformed" },
	{ IPCD_E_BAD_VERSION, NULL, "the daemon speaks another version" },
	{ IPCD_E_UNKNOWN_TYPE, NULL, "the daemon does not know the request" },
	{ IPCD_E_UNKNOWN_TASK, NULL, "no pool runs that task" },
	{ IPCD_E_BAD_DATA, NULL, "the task refused its data" },
	{ IPCD_E_BUSY, NULL, "the daemon is full: try again later" },
	{ IPCD_E_WORKER_DIED, NULL, "the worker running the job died" },
	{ IPCD_E_SHUTTING_DOWN, NULL, "the daemon is stopping" },
	{ IPCD_E_INTERNAL, NULL, "the daemon failed" },
	{ IPCD_E_BAD_CONFIG, NULL, "the new configuration is invalid" },
	{ IPCD_E_FORBIDDEN, NULL, "not allowed for this user" },
	{ IPCD_E_TIMEOUT, NULL, "no answer in time" },
	{ IPCD_E_UNKNOWN_POOL, NULL, "no such pool" },
	{ IPCD_E_OTHER, "other", "an error this library does not know" },
	{ IPCD_E_CONNECT, "connect", "cannot connect to the daemon" },
	{ IPCD_E_CLOSED, "closed", "the connection ended before the answer" },
	{ IPCD_E_BAD_REPLY, "bad_reply", "the daemon sent a malformed reply" },
	{ IPCD_E_IO, "io", "reading or writing the socket failed" },
	{ IPCD_E_NOMEM, "nomem", "out of memory" },
	{ IPCD_E_CANCELLED, "cancelled", "cancelled" },
	{ IPCD_E_INVALID, "invalid", "invalid argument" },
};
#define NERRORS	(sizeof(lib_errors) / sizeof(lib_errors[0]))

static int
find(int code)
{
	size_t	 i;

	for (i = 0; i < NERRORS; i++)
		if (lib_errors[i].code == code)
			return (int)i;
	return -1;
}

/* The code's wire name: "busy", "closed", ...; "other" if unknown. */
const char *
ipcd_errname(int code)
{
	int	 i = find(code);

	if (i == -1)
		return "other";
	if (lib_errors[i].name == NULL)
		return proto_err_name((enum ipc_err)code);
	return lib_errors[i].name;
}

const char *
ipcd_strerror(int code)
{
	int	 i = find(code);

	return i == -1 ? "unknown error" : lib_errors[i].text;
}

/* The enum for a code the daemon sent; IPCD_E_OTHER if it is new to us. */
int
lib_error_code(struct ipc_str s)
{
	int	 e;

	for (e = IPC_E_NONE + 1; e < IPC_E_MAX; e++)
		if (strlen(proto_err_name(e)) == s.len &&
		    memcmp(proto_err_name(e), s.p, s.len) == 0)
			return e;
	return IPCD_E_OTHER;
}
