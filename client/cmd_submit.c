/*
 * ipcctl submit TASK [DATA | -] [--file PATH]: run one job, print its result.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	fprintf(stderr, "usage: ipcctl submit TASK [DATA | -]\n"
	    "       ipcctl submit TASK --file PATH\n");
	return EXIT_USAGE;
}

static int
submit_reply(const struct ipc_msg *m)
{
	if (m->type == IPC_T_ERROR)
		return ctl_print_error(m);
	if (m->type != IPC_T_RESULT) {
		fprintf(stderr, "ipcctl: unexpected %s reply\n",
		    proto_type_name(m->type));
		return EXIT_CONN;
	}
	if (jsonmp_print(stdout, &m->data) == -1) {
		fprintf(stderr, "ipcctl: cannot print the result as JSON\n");
		return EXIT_CONN;
	}
	return 0;
}

/*
 * Split argv into TASK [DATA] and --file PATH, in any order.  Not getopt:
 * DATA may be a negative number such as -5, which is not an option.
 */
static int
submit_args(int argc, char **argv, const char **pos, int *npos,
    const char **file)
{
	int	 i, opts = 1;

	*npos = 0;
	for (i = 1; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0)
			opts = 0;
		else if (opts && (strcmp(argv[i], "--file") == 0 ||
		    strcmp(argv[i], "-f") == 0)) {
			if (++i == argc || *file != NULL)
				return -1;
			*file = argv[i];
		} else if (opts && strncmp(argv[i], "--file=", 7) == 0) {
			if (*file != NULL)
				return -1;
			*file = argv[i] + 7;
		} else if (opts && argv[i][0] == '-' && argv[i][1] == '-')
			return -1;
		else if (*npos == 2)
			return -1;
		else
			pos[(*npos)++] = argv[i];
	}
	return *npos == 0 || (*file != NULL && *npos == 2) ? -1 : 0;
}

int
cmd_submit(struct ctl *ctl, int argc, char **argv)
{
	struct buf	 data = { NULL, 0, 0, 0 };
	msgpack_packer	 pk;
	struct ipc_msg	 m;
	const char	*file = NULL, *pos[2];
	int		 npos, r;

	if (submit_args(argc, argv, pos, &npos, &file) == -1)
		return submit_usage();
	msgpack_packer_init(&pk, &data, buf_msgpack_write);
	if ((file != NULL && data_from_file(file, &pk) == -1) ||
	    (npos == 2 && data_from_json(pos[1], &pk) == -1)) {
		buf_free(&data);
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) != 0)
		goto done;
	if (proto_put_submit(&ctl->conn.out, IPC_MAX_MESSAGE_MAX, SUBMIT_ID,
	    proto_str(pos[0]), buf_head(&data), buf_avail(&data)) == -1) {
		fprintf(stderr, "ipcctl: the job does not fit in a message\n");
		r = EXIT_USAGE;
		goto done;
	}
	if ((r = ctl_wait(ctl, SUBMIT_ID, &m)) == 0)
		r = submit_reply(&m);
done:
	buf_free(&data);
	return r;
}
