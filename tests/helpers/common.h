/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the tracer tests' helper programs share (sc.c, probes.c, places.c). */
#ifndef SR_TEST_HELPERS_COMMON_H
#define SR_TEST_HELPERS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ok, or the program exits 99 saying what failed */
static inline void must(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "%s: %s\n", what, strerror(errno));
		exit(99);
	}
}

static inline void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	must(fd >= 0, path);
	must(write(fd, text, strlen(text)) == (ssize_t)strlen(text), "write");
	close(fd);
}

#endif
