// SPDX-License-Identifier: GPL-2.0-or-later
/* fopencookie(3) that fails for a stream to write, preloaded into sandrun
 * itself: with no tee to the fold thread (runner/record.c: fold_begin),
 * the run folds its delta from the trace it wrote (tests/run/trace.t).
 * A stream to read is made as ever (the trace is read back through
 * one). */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

FILE *fopencookie(void *cookie, const char *mode, cookie_io_functions_t io)
{
	FILE *(*real)(void *, const char *, cookie_io_functions_t);

	if (strchr(mode, 'w')) {
		errno = ENOMEM;
		return NULL;
	}
	real = (FILE *(*)(void *, const char *, cookie_io_functions_t))dlsym(RTLD_NEXT,
									      "fopencookie");
	if (!real) {
		errno = ENOSYS;
		return NULL;
	}
	return real(cookie, mode, io);
}
