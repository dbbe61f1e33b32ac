/*
 * notify: a stand-in for systemd's notification socket in tests.  Binds an
 * AF_UNIX datagram socket at PATH and prints each message it receives on
 * one line, its fields joined by " | ", until it is killed.
 *
 *   notify PATH
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_un sun;
	char		 msg[4096];
	ssize_t		 n, i;
	int		 fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "usage: notify PATH\n");
		return 2;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, argv[1]);
	unlink(argv[1]);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("notify");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		if ((n = recv(fd, msg, sizeof(msg) - 1, 0)) == -1) {
			if (errno == EINTR)
				continue;
			perror("notify: recv");
			return 1;
		}
		for (i = 0; i < n; i++)
			if (msg[i] == '\n') {
				fputs(" | ", stdout);
			} else
				putchar(msg[i]);
		putchar('\n');
	}
}
