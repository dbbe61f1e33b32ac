/*
 * replay: run a fuzz target over files, without libFuzzer, so that the
 * seed corpus and every crash ever found stay tests in make check.  With
 * -m N, each file is also run N times mutated (bytes changed, inserted,
 * cut off), from a fixed seed, so every run tries the same inputs.  Prints
 * TAP, one line per file.
 *
 *   replay [-m N] FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPLAY_MAX	(1 << 20)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* One random change to data, n bytes long, at most max; its new length. */
static size_t
mutate(uint8_t *data, size_t n, size_t max)
{
	size_t	 at = n ? (size_t)random() % n : 0;

	switch (random() % 4) {
	case 0:			/* a byte changed */
		if (n > 0)
			data[at] = (uint8_t)random();
		return n;
	case 1:			/* a bit flipped */
		if (n > 0)
			data[at] ^= (uint8_t)(1u << (random() % 8));
		return n;
	case 2:			/* a byte inserted */
		if (n == max)
			return n;
		memmove(data + at + 1, data + at, n - at);
		data[at] = (uint8_t)random();
		return n + 1;
	default:		/* cut off */
		return at;
	}
}

static void
run_mutated(const uint8_t *orig, size_t n, long times)
{
	static uint8_t	 data[REPLAY_MAX];
	size_t		 len;
	long		 i, k;

	for (i = 0; i < times; i++) {
		memcpy(data, orig, n);
		len = n;
		for (k = 1 + random() % 4; k > 0; k--)
			len = mutate(data, len, sizeof(data));
		LLVMFuzzerTestOneInput(data, len);
	}
}

int
main(int argc, char **argv)
{
	static uint8_t	 data[REPLAY_MAX];
	FILE		*fp;
	size_t		 n;
	long		 times = 0;
	int		 i, ch;

	while ((ch = getopt(argc, argv, "m:")) != -1) {
		if (ch != 'm') {
			fprintf(stderr, "usage: replay [-m N] FILE...\n");
			return 2;
		}
		times = strtol(optarg, NULL, 10);
	}
	argc -= optind - 1;
	argv += optind - 1;
	srandom(1);
	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		if ((fp = fopen(argv[i], "rb")) == NULL) {
			printf("not ok %d - %s: cannot open\n", i, argv[i]);
			continue;
		}
		n = fread(data, 1, sizeof(data), fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(data, n);
		run_mutated(data, n, times);
		printf("ok %d - %s%s\n", i, argv[i], times ? " and mutations" :
		    "");
	}
	return 0;
}
