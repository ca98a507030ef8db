// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/manystat: one process that makes many events.
 *
 *   manystat N [THREADS]
 *
 * stat(2)s N distinct missing paths, in a shuffled order, from one
 * process: the canonicalizer's worst case for memory (one process's
 * events are ordered together; a make that stats every file of a tree
 * is the real one).  With THREADS, that many threads share the N (a JVM
 * or a build server is the real one: its threads' events are grouped
 * thread by thread).  Exits 0; 2 on a bad argument.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static long n, nthreads = 1;

static void *stats(void *arg)
{
	long t = (long)arg;
	struct stat st;
	char path[64];

	for (long i = t; i < n; i += nthreads) {
		snprintf(path, sizeof(path), "/nonexistent/f%ld", (i * 7919) % n);
		stat(path, &st);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t *t;

	n = argc >= 2 && argc <= 3 ? atol(argv[1]) : 0;
	if (argc == 3)
		nthreads = atol(argv[2]);
	if (n <= 0 || nthreads <= 0 || nthreads > 256) {
		fprintf(stderr, "usage: manystat N [THREADS]\n");
		return 2;
	}
	if (nthreads == 1) {
		stats(0);
		return 0;
	}
	t = calloc((size_t)nthreads, sizeof(*t));
	if (!t)
		return 1;
	for (long i = 0; i < nthreads; i++)
		if (pthread_create(&t[i], NULL, stats, (void *)i)) {
			fprintf(stderr, "manystat: cannot create a thread\n");
			return 1;
		}
	for (long i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	free(t);
	return 0;
}
