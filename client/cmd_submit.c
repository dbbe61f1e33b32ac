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

/* All of fp, at most the protocol's largest message. */
static int
read_all(FILE *fp, msgpack_sbuffer *b)
{
	char	 chunk[65536];
	size_t	 n;

	do {
		n = fread(chunk, 1, sizeof(chunk), fp);
		if (b->size + n > IPCCTL_MAX_MESSAGE) {
			errno = EFBIG;
			return -1;
		}
		if (n > 0 && msgpack_sbuffer_write(b, chunk, n) != 0) {
			errno = ENOMEM;
			return -1;
		}
	} while (n > 0);
	return ferror(fp) ? -1 : 0;
}

static int
data_from_file(const char *path, msgpack_packer *pk)
{
	msgpack_sbuffer	 b;
	FILE		*fp;
	int		 r;

	if ((fp = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "ipcctl: %s: %s\n", path, strerror(errno));
		return -1;
	}
	msgpack_sbuffer_init(&b);
	if ((r = read_all(fp, &b)) == -1)
		fprintf(stderr, "ipcctl: %s: %s\n", path, strerror(errno));
	else {
		msgpack_pack_bin(pk, b.size);
		msgpack_pack_bin_body(pk, b.data, b.size);
	}
	fclose(fp);
	msgpack_sbuffer_destroy(&b);
	return r;
}

static int
data_from_json(const char *text, msgpack_packer *pk)
{
	msgpack_sbuffer	 in;
	json_error_t	 err;
	json_t		*j;
	int		 r;

	if (strcmp(text, "-") == 0) {
		msgpack_sbuffer_init(&in);
		if (read_all(stdin, &in) == -1) {
			fprintf(stderr, "ipcctl: stdin: %s\n", strerror(errno));
			msgpack_sbuffer_destroy(&in);
			return -1;
		}
		j = json_loadb(in.data ? in.data : "", in.size,
		    JSON_DECODE_ANY, &err);
		msgpack_sbuffer_destroy(&in);
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
submit_reply(const struct ipcd_reply *m, msgpack_zone *z)
{
	msgpack_object	 data;

	if (ipcd_unpack(m, z, &data) != IPCD_OK ||
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

/* --timeout TIME as the job's timeout; 0 when not given. */
static int
submit_timeout(const char *text, uint32_t *ms)
{
	uint64_t	 v;

	*ms = 0;
	if (text == NULL)
		return 0;
	if (duration_parse(text, &v) == -1 || v >= UINT32_MAX) {
		fprintf(stderr, "ipcctl: --timeout: '%s' is not a time "
		    "(seconds, or a number with ms, s, min or h; at most "
		    "49 days)\n", text);
		return -1;
	}
	*ms = v == 0 ? IPCD_NO_TIMEOUT : (uint32_t)v;
	return 0;
}

int
cmd_submit(struct ctl *ctl, int argc, char **argv)
{
	struct ipcd_opts o = { NULL, 0, 0 };
	msgpack_sbuffer	 data;
	msgpack_packer	 pk;
	struct ipcd_reply m;
	struct submit_args a;
	int		 r;

	if (submit_args(argc, argv, &a) == -1)
		return submit_usage();
	if (submit_timeout(a.timeout, &o.timeout_ms) == -1)
		return EXIT_USAGE;
	o.pool = a.pool;
	msgpack_sbuffer_init(&data);
	msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
	if ((a.file != NULL && data_from_file(a.file, &pk) == -1) ||
	    (a.npos == 2 && data_from_json(a.pos[1], &pk) == -1)) {
		msgpack_sbuffer_destroy(&data);
		return EXIT_USAGE;
	}
	if ((r = ctl_connect(ctl)) == 0) {
		if (ipcd_submit(ctl->c, a.pos[0], data.data, data.size, &o,
		    &m) != IPCD_OK)
			r = ctl_failed(ctl, &m);
		else
			r = submit_reply(&m, &ctl->zone);
	}
	msgpack_sbuffer_destroy(&data);
	return r;
}
