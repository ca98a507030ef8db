/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_LOCK_H
#define SR_LOCK_H

#include <stdio.h>

#include "lib/error.h"

/*
 * A build's host inputs (docs/policy.md, "Lock files"): every path the
 * run read, executed, listed or looked up outside $SRC and $TMP, and that
 * the run did not change itself, with what it found there:
 *   file:DIGEST   a file's content (read or executed)
 *   dir:DIGEST    a directory's listing
 *   TYPE          looked up and found (file, dir, symlink, ...)
 *   absent        looked up and not found
 */
struct lock_entry {
	char *path;		/* as in the trace, roots written */
	char *state;
	unsigned long line;	/* lock_read's: its line in the file */
};

struct lock {
	char *digest;		/* the trace's digest algorithm */
	struct lock_entry *v;
	size_t n;
};

int lock_from_trace(const char *trace, struct lock *ret, struct sr_error **err);
int lock_read(const char *file, struct lock *ret, struct sr_error **err);
void lock_write(FILE *f, const struct lock *l);
void lock_free(struct lock *l);

/* What drifted: new host inputs and changed ones (removed ones are not
 * drift: the build no longer looks there; a file or directory one run
 * read and the other only looked up compares by its type).  Calls
 * report() for each. */
size_t lock_compare(const struct lock *locked, const struct lock *now,
		    void (*report)(const char *path, const char *was, const char *is,
				   void *ctx), void *ctx);

#endif
