// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/manystat: one process that makes many events.
 *
 *   manystat N
 *
 * stat(2)s N distinct missing paths, in a shuffled order, from one
 * process: the canonicalizer's worst case for memory (one process's
 * events are ordered together; a make that stats every file of a tree
 * is the real one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	long n = argc == 2 ? atol(argv[1]) : 0;
	struct stat st;
	char path[64];

	if (n <= 0) {
		fprintf(stderr, "usage: manystat N\n");
		return 2;
	}
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/nonexistent/f%ld", (i * 7919) % n);
		stat(path, &st);
	}
	return 0;
}
