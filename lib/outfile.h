/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_OUTFILE_H
#define SR_OUTFILE_H

#include <stdio.h>

#include "lib/error.h"

/*
 * Output files are written whole or not at all: to "PATH.tmp.PID",
 * created exclusively (never through a symlink someone planted), then
 * flushed, synced and renamed over PATH.
 */
struct outfile {
	FILE *f;
	char *path;
	char *tmp;
};

/* 0 if path is missing or a regular file (or a link to one), which a new
 * file may replace; else an error (a device, a pipe, a directory: never
 * replaced, nor written into). */
int outfile_check(const char *path, struct sr_error **err);
int outfile_open(struct outfile *o, const char *path, struct sr_error **err);
/* Commit (rename into place); on any write error nothing is left. */
int outfile_commit(struct outfile *o, struct sr_error **err);
/* Give up: remove the temporary file. */
void outfile_abort(struct outfile *o);

#endif
