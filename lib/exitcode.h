/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_EXITCODE_H
#define SR_EXITCODE_H

/*
 * sandrun's own exit codes, kept apart from the command's (the s6 idiom).
 * `sandrun run` exits with the command's status, or 128+N when the command
 * died of signal N; the codes below are sandrun's.  Documented in README.md
 * and docs/sandrun.1; keep the three in step.
 */
enum {
	SR_EXIT_OK = 0,
	SR_EXIT_DIFFERS = 1,		/* a comparing subcommand found a difference */
	SR_EXIT_LOCK_DRIFT = 121,	/* a host input changed against the lock */
	SR_EXIT_VIOLATION = 122,	/* the policy was violated */
	SR_EXIT_BAD_INPUT = 123,	/* malformed input file (trace, policy, ...) */
	SR_EXIT_USAGE = 124,		/* bad command line */
	SR_EXIT_FAILURE = 125,		/* sandrun itself failed (setup, I/O) */
	SR_EXIT_CANNOT_EXEC = 126,	/* command found but not executable */
	SR_EXIT_NOT_FOUND = 127,	/* command not found */
	SR_EXIT_SIGNAL_BASE = 128,	/* + N: the command died of signal N */
};

#endif
