// SPDX-License-Identifier: GPL-2.0-or-later
/* Test helper: forks while something else makes the tracer read this
 * process's records, so that it reads them with a fork on its way.
 *
 *   forkrace rename DIR N   a child renames DIR/a to DIR/b and back
 *                           while this process forks N children
 *   forkrace thread DIR N   a thread opens DIR/a for writing while
 *                           another forks N children
 *
 * Each child exits at once and is waited for.  Exits 0, 1 on a failure. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static char a[4096], b[4096];
static atomic_int stop;

static int forks(int n)
{
	for (int i = 0; i < n; i++) {
		pid_t c = fork();
		int st;

		if (c < 0)
			return 1;
		if (c == 0)
			_exit(0);
		if (waitpid(c, &st, 0) != c || !WIFEXITED(st))
			return 1;
	}
	return 0;
}

static void *opener(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		int fd = open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n, r, st;
	pid_t renamer;
	pthread_t t;

	if (argc != 4)
		return 1;
	n = atoi(argv[3]);
	snprintf(a, sizeof(a), "%s/a", argv[2]);
	snprintf(b, sizeof(b), "%s/b", argv[2]);
	close(open(a, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	if (!strcmp(argv[1], "thread")) {
		if (pthread_create(&t, NULL, opener, NULL) != 0)
			return 1;
		r = forks(n);
		atomic_store(&stop, 1);
		pthread_join(t, NULL);
		return r;
	}
	renamer = fork();
	if (renamer < 0)
		return 1;
	if (renamer == 0)
		for (;;) {
			rename(a, b);
			rename(b, a);
		}
	r = forks(n);
	kill(renamer, SIGKILL);
	return waitpid(renamer, &st, 0) == renamer ? r : 1;
}
