/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_ZSTDIO_H
#define SR_ZSTDIO_H

#include <stdbool.h>
#include <stdio.h>

/*
 * zstd streams as stdio FILEs (fopencookie), so writers and readers of
 * traces need not know whether a file is compressed.  libzstd is
 * included here only.  The returned FILE owns `raw` and closes it; on
 * failure (NULL) `raw` is closed already.
 */
FILE *zstd_open_write(FILE *raw, int level);
FILE *zstd_open_read(FILE *raw);

/* After a read failed with EBADMSG: what is wrong with the compressed
 * data (damaged, or cut mid-frame), for the message. */
const char *zstd_read_error(void);

/* Whether the path names a compressed file (ends in .zst). */
bool zstd_wanted(const char *path);
/* Open a trace for reading, compressed or not (by its magic): a file, or
 * a pipe (its first bytes given back after the look at them). */
FILE *zstd_fopen_any(const char *path);
/* The same on an fd open for reading (taken: closed with the FILE, or at
 * once on failure). */
FILE *zstd_fdopen_any(int fd);

#endif
