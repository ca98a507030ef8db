// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/spawnloop: what one process costs, from the inside.
 *
 *   spawnloop N PROGRAM
 *
 * Starts PROGRAM (no arguments, this environment) N times with
 * posix_spawn, each waited for before the next, as make and gcc start
 * theirs, and prints one line:
 *
 *   wall W child_cpu C parent_cpu P us/proc
 *
 * W: the loop's wall time a process; C: the children's user and system
 * time a process (getrusage RUSAGE_CHILDREN); P: this process's own.
 * Under a tracer, W - C - P is roughly what the processes waited for it.
 * Exits 0, or 125 if a spawn fails.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double us(const struct timeval *tv)
{
	return (double)tv->tv_sec * 1e6 + (double)tv->tv_usec;
}

int main(int argc, char **argv)
{
	struct timespec a, b;
	struct rusage kids, self;
	char *av[2];
	long n;

	if (argc != 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: spawnloop N PROGRAM\n");
		return 125;
	}
	av[0] = argv[2];
	av[1] = NULL;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		pid_t pid;
		int st;

		if (posix_spawn(&pid, argv[2], NULL, NULL, av, environ)) {
			perror("spawnloop: posix_spawn");
			return 125;
		}
		while (waitpid(pid, &st, 0) < 0)
			if (errno != EINTR) {
				perror("spawnloop: waitpid");
				return 125;
			}
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	getrusage(RUSAGE_CHILDREN, &kids);
	getrusage(RUSAGE_SELF, &self);
	printf("wall %.1f child_cpu %.1f parent_cpu %.1f us/proc\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3 / (double)n,
	       (us(&kids.ru_utime) + us(&kids.ru_stime)) / (double)n,
	       (us(&self.ru_utime) + us(&self.ru_stime)) / (double)n);
	return 0;
}
