// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * net-probe: a tiny TCP/UDP peer for the network tests.
 *   net-probe listen PORT     accept one TCP connection on 127.0.0.1:PORT,
 *                             write "pong", exit 0 (prints "listening")
 *   net-probe connect PORT    connect over TCP to 127.0.0.1:PORT; prints
 *                             "connected" + what was read, or the errno name
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in loopback(const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_port = htons((unsigned short)atoi(port));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return a;
}

static int do_listen(const char *port)
{
	struct sockaddr_in a = loopback(port);
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;

	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4) < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	c = accept(s, NULL, NULL);
	if (c < 0)
		return 1;
	if (write(c, "pong", 4) != 4)
		return 1;
	close(c);
	return 0;
}

static int do_connect(const char *port)
{
	struct sockaddr_in a = loopback(port);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char buf[16] = { 0 };

	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		printf("%s\n", strerrorname_np(errno));
		return 1;
	}
	if (read(s, buf, sizeof(buf) - 1) < 0)
		return 1;
	printf("connected %s\n", buf);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "listen"))
		return do_listen(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "connect"))
		return do_connect(argv[2]);
	fprintf(stderr, "usage: net-probe listen|connect PORT\n");
	return 2;
}
