/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_CANON_H
#define SR_CANON_H

#include <stdio.h>
#include <sys/types.h>

#include "lib/digest.h"
#include "lib/error.h"
#include "tracer/spool.h"

/* A root: host paths under `path` are written as `name` ($SRC, ...). */
struct canon_root {
	const char *name;
	const char *path;
};

struct canon_opts {
	const struct canon_root *roots;	/* longest path first */
	size_t nroots;
	const char *const *mounted;	/* tracer_opts.mounted, for the header */
	size_t nmounted;
	enum digest_algo algo;
	pid_t init_pid;			/* spawns of pid 1 are the roots */
	char **command;
	const char *end_status;		/* "complete" or "incomplete" */
	int exit_code;
	size_t buffer;			/* of one process's events held to
					 * order them, in bytes of records
					 * (0: CANON_BUFFER); a process with
					 * more is sorted on disk */
	unsigned long long *on_disk;	/* if not NULL: how many were */
};

#define CANON_BUFFER (1u << 20)

/*
 * Read the spool and write the canonical trace (docs/trace-format.md):
 * logical process ids from the process tree, siblings ordered by content,
 * program order within a process, roots rewritten, temp names numbered.
 * Once: the disk space of a spool of 16 MiB or more is given back as it
 * is read.
 */
int canon_write(struct spool *spool, const struct canon_opts *opts, FILE *out,
		struct sr_error **err);

/* Write a placeholder trace that says the run did not finish. */
void canon_write_incomplete(const struct canon_opts *opts, FILE *out,
			    const char *reason);

#endif
