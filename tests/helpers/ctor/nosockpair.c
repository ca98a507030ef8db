// SPDX-License-Identifier: GPL-2.0-or-later
/* socketpair(2) that always fails, preloaded into sandrun itself: the
 * run folds its delta from the trace it wrote, with no fold thread
 * (tests/run/trace.t). */
#include <errno.h>
#include <sys/socket.h>

int socketpair(int domain, int type, int protocol, int sv[2])
{
	(void)domain;
	(void)type;
	(void)protocol;
	(void)sv;
	errno = EMFILE;
	return -1;
}
