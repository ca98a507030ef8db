// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun lock`: a build's host inputs, from its trace. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lib/exitcode.h"
#include "lib/outfile.h"
#include "runner/cli.h"
#include "tracer/lock.h"

static const char lock_usage[] =
	"Usage: sandrun lock [-o FILE] TRACE\n"
	"Print the build's host inputs: every path it read, executed (and the\n"
	"loader a program names), listed or looked up outside $SRC, $TMP, the\n"
	"sandbox's own /var/tmp and /run, /proc, /dev and /sys, and did not\n"
	"change itself, with what it found (file:DIGEST, dir:DIGEST of the\n"
	"listing, the type, or absent),\n"
	"one 'STATE<TAB>PATH' line each, sorted (docs/policy.md).\n"
	"'sandrun run --lock FILE' fails when one of them changed or a new one\n"
	"appeared.  TRACE may be zstd-compressed; - is standard input.\n"
	"\n"
	"  -o, --output=FILE   write the lock to FILE (atomically) instead of stdout\n"
	"                      (- is stdout)\n"
	"  -h, --help          print this help and exit\n"
	"\n"
	"Exit status: 0; 123 for an unusable trace; 124 usage error; 125 when\n"
	"TRACE cannot be read or FILE cannot be written.\n";

int cmd_lock(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *output = NULL;
	struct sr_error *err = NULL;
	struct outfile of;
	struct lock l;
	int c;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'o') {
			output = strcmp(optarg, "-") ? optarg : NULL;	/* - : stdout */
		} else if (c == 'h') {
			fputs(lock_usage, stdout);
			return SR_EXIT_OK;
		} else {
			return cli_try_help("lock");
		}
	}
	if (optind != argc - 1)
		return cli_usage("lock", "needs exactly one TRACE");
	if (lock_from_trace(argv[optind], &l, &err) < 0)
		return sr_error_report(err);
	if (output) {
		if (outfile_open(&of, output, &err) < 0) {
			lock_free(&l);
			return sr_error_report(err);
		}
		lock_write(of.f, &l);
		lock_free(&l);
		if (outfile_commit(&of, &err) < 0)
			return sr_error_report(err);
		return SR_EXIT_OK;
	}
	lock_write(stdout, &l);
	lock_free(&l);
	return SR_EXIT_OK;	/* main() reports a write error on stdout */
}
