/*
 * ipcctl submit TASK [DATA | -] [--pool NAME] [--file PATH] [--timeout TIME]:
 * run one job, print its result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "ipcctl.h"

#define SUBMIT_ID	1

static int
read_all(FILE *fp, struct buf *b)
{
	size_t	 n;

	do {
		if (buf_reserve(b, 65536) == -1)
			return -1;
		n = fread(b->data + b->len, 1, b->cap - b->len, fp);
		b->len += n;
		if (buf_avail(b) > IPC_MAX_MESSAGE_MAX) {
			errno = EFBIG;
			return -1;
		}
	} while (n > 0);
	return ferror(fp) ? -1 : 0;
}

static int
data_from_file(const char *path, msgpack_packer *pk)
{
	struct buf	 b = { NULL, 0, 0, 0 };
	FILE		*fp;
	int		 r;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "ipcctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if ((r = read_all(fp, &b)) == -1)
		fprintf(stderr, "ipcctl: %s: %s\n", path, strerror(errno));
	else {
		msgpack_pack_bin(pk, buf_avail(&b));
		msgpack_pack_bin_body(pk, buf_head(&b), buf_avail(&b));
	}
	fclose(fp);
	buf_free(&b);
	return r;
}

static int
data_from_json(const char *text, msgpack_packer *pk)
{
	struct buf	 in = { NULL, 0, 0, 0 };
	json_error_t	 err;
	json_t		*j;
	int		 r;

	if (strcmp(text, "-") == 0) {
		if (read_all(stdin, &in) == -1) {
			fprintf(stderr, "ipcctl: stdin: %s\n", strerror(errno));
			return -1;
		}
		j = json_loadb((const char *)buf_head(&in), buf_avail(&in),
		    JSON_DECODE_ANY, &err);
		buf_free(&in);
	} else
		j = json_loads(text, JSON_DECODE_ANY, &err);
	if (j == NULL) {
		fprintf(stderr, "ipcctl: DATA is not JSON: %s (a string must "
		    "be quoted: '\"text\"')\n", err.text);
		return -1;
	}
	r = jsonmp_pack(j, pk);
	json_decref(j);
	return r;
}

static int
submit_usage(void)
{
	fprintf(stderr, "usage: ipcctl submit TASK [DATA | -] [--pool NAME] "
	    "[--timeout TIME]\n"
	    "       ipcctl submit TASK --file PATH [--pool NAME] "
	    "[--timeout TIME]\n");
	return EXIT_USAGE;
}

static int
submit_reply(const struct ipc_msg *m, msgpack_zone *z)
{
	msgpack_object	 data;

	if (m->type == IPC_T_ERROR)
		return ctl_print_error(m);
	if (m->type != IPC_T_RESULT) {
		fprintf(stderr, "ipcctl: unexpected %s reply\n",
		    proto_type_name(m->type));
		return EXIT_CONN;
	}
	if (proto_unpack(m->data, z, &data) == -1 ||
	    jsonmp_print(stdout, &data) == -1) {
		fprintf(stderr, "ipcctl: cannot print the result as JSON\n");
		return EXIT_CONN;
	}
	return 0;
}

struct submit_args {
	const char	*pos[2];	/* TASK [DATA] */
	int		 npos;
	const char	*file;
	const char	*timeout;
	const char	*pool;
};

/*
 * Option name (or alt) at argv[*i], with its value next or after '=':
 * 1 with *val set, 0 if it is not this option, -1 if given twice or bare.
 */
static int
option(int argc, char **argv, int *i, const char *name, const char *alt,
    const char **val)
{
	size_t		 n = strlen(name);
	const char	*v;

	if (strcmp(argv[*i], name) == 0 || strcmp(argv[*i], alt) == 0)
		v = ++*i < argc ? argv[*i] : NULL;
	else if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		v = argv[*i] + n + 1;
	else
		return 0;
	if (v == NULL || *val != NULL)
		return -1;
	*val = v;
	return 1;
}

/*
 * Split argv into TASK [DATA], --pool NAME, --file PATH and --timeout
 * TIME, in any order.  Not getopt: DATA may be a negative number such as -5.
 */
static int
submit_args(int argc, char **argv, struct submit_args *a)
{
	int	 i, r, opts = 1;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts && ((r = option(argc, argv, &i, "--file", "-f",
		    &a->file)) != 0 || (r = option(argc, argv, &i,
		    "--timeout", "-T", &a->timeout)) != 0 ||
		    (r = option(argc, argv, &i, "--pool", "-p", &a->pool)) !=
		    0)) {
			if (r == -1)
				return -1;
		} else if (opts && argv[i][0] == '-' && argv[i][1] == '-')
			return -1;
		else if (a->npos == 2)
			return -1;
		else
			a->pos[a->npos++] = argv[i];
	}
	return a->npos == 0 || (a->file != NULL && a->npos == 2) ? -1 : 0;
}

/* --timeout TIME as milliseconds for the SUBMIT; -1 when not given. */
static int
submit_timeout(const char *text, int64_t *ms)
{
	uint64_t	 v;

	*ms = -1;
	if (text == NULL)
		return 0;
	if (duration_parse(text, &v) == -1 || v > UINT32_MAX) {
		fprintf(stderr, "ipcctl: --timeout: '%s' is not a time "
		    "(seconds, or a number with ms, s, min or h; at most "
		    "49 days)\n", text);
		return -1;
	}
	*ms = (int64_t)v;
	return 0;
}

int
cmd_submit(struct ctl *ctl, int argc, char **argv)
{
	struct buf	 data = { NULL, 0, 0, 0 };
	msgpack_packer	 pk;
	struct ipc_msg	 m;
	struct submit_args a;
	int64_t		 timeout;
	int		 r;

	if (submit_args(argc, argv, &a) == -1)
		return submit_usage();
	if (submit_timeout(a.timeout, &timeout) == -1)
		return EXIT_USAGE;
	msgpack_packer_init(&pk, &data, buf_msgpack_write);
	if ((a.file != NULL && data_from_file(a.file, &pk) == -1) ||
	    (a.npos == 2 && data_from_json(a.pos[1], &pk) == -1)) {
		buf_free(&data);
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0)
		goto done;
	if (proto_put_submit(&ctl->conn.out, IPC_MAX_MESSAGE_MAX, SUBMIT_ID,
	    proto_str(a.pos[0]), proto_str(a.pool ? a.pool : ""),
	    buf_head(&data), buf_avail(&data), timeout) == -1) {
		fprintf(stderr, "ipcctl: the job does not fit in a message\n");
		r = EXIT_USAGE;
		goto done;
	}
	if ((r = ctl_wait(ctl, SUBMIT_ID, &m)) == 0)
		r = submit_reply(&m, &ctl->conn.zone);
done:
	buf_free(&data);
	return r;
}
