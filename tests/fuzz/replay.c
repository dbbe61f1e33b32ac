/*
 * replay: run the fuzz target over files, without libFuzzer, so that the
 * seed corpus and every crash ever found stay tests in make check.  Prints
 * TAP, one line per file.
 *
 *   replay FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
main(int argc, char **argv)
{
	static uint8_t	 data[1 << 20];
	FILE		*fp;
	size_t		 n;
	int		 i;

	printf("1..%d\n", argc - 1);
	for (i = 1; i < argc; i++) {
		if ((fp = fopen(argv[i], "rb")) == NULL) {
			printf("not ok %d - %s: cannot open\n", i, argv[i]);
			continue;
		}
		n = fread(data, 1, sizeof(data), fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(data, n);
		printf("ok %d - %s\n", i, argv[i]);
	}
	return 0;
}
