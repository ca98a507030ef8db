// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/stopcost: what one syscall costs a build, by the way a recorder
 * sees it.
 *
 *   stopcost N
 *
 * Makes N calls each of three kinds and prints, for each, its name and
 * the microseconds a call took (wall clock, this process's view):
 *  - getppid: no recorder stops it (sandrun's filter lets it through);
 *  - stat of a path that is not there: under sandrun's preload, recorded
 *    in-process (no stop);
 *  - chdir("."): under sandrun, a notified call and its result (two
 *    seccomp notifications); with --no-seccomp-notify, two ptrace stops;
 *    under strace, an entry and an exit stop.
 * Exits 0; 2 on a bad argument, 1 if a call fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc == 2 ? strtol(argv[1], NULL, 10) : 0;
	double t0, t1, t2, t3;
	struct stat st;

	if (n <= 0) {
		fprintf(stderr, "usage: stopcost N\n");
		return 2;
	}
	t0 = now();
	for (long i = 0; i < n; i++)
		(void)getppid();
	t1 = now();
	for (long i = 0; i < n; i++)
		if (stat("/nonexistent/stopcost", &st) == 0)
			return 1;
	t2 = now();
	for (long i = 0; i < n; i++)
		if (chdir(".") != 0)
			return 1;
	t3 = now();
	printf("getppid %.2f\nstat-missing %.2f\nchdir %.2f\n", (t1 - t0) / (double)n * 1e6,
	       (t2 - t1) / (double)n * 1e6, (t3 - t2) / (double)n * 1e6);
	return 0;
}
