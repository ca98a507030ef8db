/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_DIFF_H
#define SR_DIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"

/*
 * Why two runs differ, from their canonical traces.
 *
 * Pass 1 reads each trace once, keeping per process only its tree
 * position, its first exec (for matching) and fingerprints of its event
 * lines (the exec's environment apart from the rest), plus who wrote what
 * and the final states.  Processes are matched by tree position and
 * content; pass 2 loads the events of the processes whose fingerprints
 * differ, and only those, so memory grows with the difference, not with
 * the build.  A difference in what a process read, probed, listed, was
 * given (argv, environment, executable) is explained when a differing
 * process of the run wrote it, or the parent passed it down; the others
 * are root causes.  A process with identical inputs but different
 * outputs is nondeterministic.  Causes are followed along the data flow
 * to the final outputs they reach.
 */

enum cause_kind {
	CAUSE_CONTENT,		/* a file read with different content */
	CAUSE_FOUND,		/* found on one side only (open, probe, exec) */
	CAUSE_LISTING,		/* a directory listing differs */
	CAUSE_ENV,		/* an environment variable */
	CAUSE_ARGV,		/* argv, executable or cwd of an exec */
	CAUSE_NET,		/* a network operation's result */
	CAUSE_NONDET,		/* identical inputs, different outputs */
};

struct diff_proc_ref {
	const char *id;		/* the logical id in A (or B when only there) */
	const char *exe;	/* first exec's path, "" if none */
	const char *cmd;	/* argv joined with spaces */
};

struct diff_cause {
	enum cause_kind kind;
	char *what;		/* path, variable name, or "argv"/"exec"/"cwd" */
	char *a, *b;		/* the two sides' values ("" when absent) */
	struct diff_proc_ref *procs;	/* where it was seen, first first */
	size_t nprocs;
	char **random;		/* CAUSE_NONDET: randomness sources seen */
	size_t nrandom;
	char **reaches;		/* differing final outputs it reaches (and
				 * DIFF_EXIT_OUTPUT) */
	size_t nreaches;
	char **via;		/* output path -> the first step that wrote it */
	size_t nvia;
	char **chains;		/* for each output: the steps from the cause to
				 * its writer ("1.3.3 cc1 > 1.3.4 as > ...") */
	size_t nchains;
};

/* What a cause reaches when the runs' exit statuses differ and it
 * reached the command's process: no path is written so. */
#define DIFF_EXIT_OUTPUT "(the command's exit status)"

struct diff_output {
	char *path;
	char *a, *b;		/* final states, "absent" / "" when only one side */
};

struct diff_result {
	bool equivalent;
	char *digest;			/* the traces' digest algorithm */
	int exit_a, exit_b;
	struct diff_cause *causes;	/* root causes and nondeterminism, most important first */
	size_t ncauses;
	struct diff_output *outputs;	/* differing final states */
	size_t noutputs;
	size_t processes_a, processes_b;
	size_t differing;		/* matched processes that differ at all */
	size_t downstream;		/* of those, explained by causes upstream */
	size_t env_only;		/* differing only by inherited environment */
	struct diff_proc_ref *only_a, *only_b;	/* unmatched processes */
	size_t nonly_a, nonly_b;
};

int diff_traces(const char *a, const char *b, struct diff_result *ret,
		struct sr_error **err);
void diff_free(struct diff_result *r);

const char *cause_kind_name(enum cause_kind k);

/* A lookup cause's side (a, b): its outcomes joined by " | ", each "ok",
 * "ok TYPE" or an errno name ("ENOENT").  The next one at *p: its start
 * and length, *p moved past it (NULL after the last); false when there
 * is none left.  diff_found: whether any is "ok...". */
bool diff_next_outcome(const char **p, const char **s, size_t *n);
bool diff_found(const char *v);

#endif
