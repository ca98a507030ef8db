// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * places: changes whose place only the kernel knows for sure, for the
 * tracer tests (as sc.c, a mode each): a cwd or fd table a child shares
 * and moves, a socket file a bind makes.  Run in a scratch directory:
 * `places MODE`.
 */
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "tests/helpers/common.h"

/* A child that shares the cwd (CLONE_FS) or the fd table (CLONE_FILES)
 * of its parent and changes it: the parent's next changes are where the
 * kernel says, in B, not in A or the tree's top. */
static int share_child(void *arg)
{
	if (arg) {
		int b = open(".", O_RDONLY | O_DIRECTORY);	/* B, by now */

		return dup2(b, 20) == 20 ? 0 : 1;	/* fd 20 was A */
	}
	return chdir("B") == 0 ? 0 : 1;
}

static int m_shared_base(void)
{
	static char stack[2][64 * 1024];
	int a, fd, st;
	pid_t c;

	mkdir("A", 0755);
	mkdir("B", 0755);
	a = open("A", O_RDONLY | O_DIRECTORY);
	must(dup2(a, 20) == 20, "dup2");
	c = clone(share_child, stack[0] + sizeof(stack[0]), CLONE_FS | SIGCHLD, NULL);
	must(c > 0 && waitpid(c, &st, 0) == c && st == 0, "clone(CLONE_FS)");
	fd = open("via-cwd.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);
	c = clone(share_child, stack[1] + sizeof(stack[1]), CLONE_FILES | SIGCHLD, "");
	must(c > 0 && waitpid(c, &st, 0) == c && st == 0, "clone(CLONE_FILES)");
	fd = openat(20, "via-fd.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);
	return 0;
}

/* AF_UNIX binds make socket files: one left, one unlinked after, and an
 * abstract one (no file). */
static int m_bind_unix(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	const char *names[] = { "sock", "srv.sock", "\0abstract" };

	for (int i = 0; i < 3; i++) {
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		size_t n = i == 2 ? 9 : strlen(names[i]);

		memcpy(a.sun_path, names[i], n);
		must(s >= 0 && bind(s, (struct sockaddr *)&a,
				    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) == 0,
		     "bind");
	}
	return unlink("srv.sock");
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } modes[] = {
		{ "shared-base", m_shared_base }, { "bind-unix", m_bind_unix },
	};

	for (size_t i = 0; argc == 2 && i < sizeof(modes) / sizeof(*modes); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].fn();
	fprintf(stderr, "usage: places MODE\n");
	return 2;
}
