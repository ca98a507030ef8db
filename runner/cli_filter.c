// SPDX-License-Identifier: GPL-2.0-or-later
/* `sandrun filter --dump`: the seccomp filter the tracer installs. */
#include <getopt.h>
#include <stdio.h>

#include "lib/exitcode.h"
#include "runner/cli.h"
#include "tracer/filter.h"
#include "tracer/syscalls.h"

static const char filter_usage[] =
	"Usage: sandrun filter --dump\n"
	"       sandrun filter --list\n"
	"Print the seccomp filter that `sandrun run` installs before the\n"
	"command starts (x86_64, i386 and x32 entry points).\n"
	"\n"
	"  -d, --dump   the filter as libseccomp pseudo-code\n"
	"  -l, --list   the syscall table: name, its event, its numbers on\n"
	"               each entry point (-1: none there)\n"
	"  -h, --help   print this help and exit\n"
	"\n"
	"Exit status: 0; 124 usage error; 125 when libseccomp cannot build the\n"
	"filter.\n";

int cmd_filter(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dump", no_argument, NULL, 'd' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sr_error *err = NULL;
	int c, mode = 0;

	optind = 1;
	opterr = 1;
	while ((c = getopt_long(argc, argv, "dlh", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
		case 'l':
			if (mode && mode != c)
				return cli_usage("filter", "--dump and --list exclude each other");
			mode = c;
			break;
		case 'h':
			fputs(filter_usage, stdout);
			return SR_EXIT_OK;
		default:
			return cli_try_help("filter");
		}
	}
	if (optind != argc)
		return cli_usage("filter", "takes no operands: '%s'", argv[optind]);
	if (!mode)
		return cli_usage("filter", "needs --dump or --list");
	if (mode == 'l') {
		for (unsigned i = 0; i < sc_table_len; i++) {
			const struct sc_desc *d = &sc_table[i];

			printf("%-18s %-12s x86_64=%d i386=%d x32=%d\n", d->name,
			       d->kind == EV_KIND_MAX ? "(fd table)" : ev_kind_name(d->kind),
			       filter_resolve(FILTER_ARCH_X86_64, d->name),
			       filter_resolve(FILTER_ARCH_I386, d->name),
			       filter_resolve(FILTER_ARCH_X32, d->name));
		}
		return SR_EXIT_OK;
	}
	if (filter_dump(stdout, &err) < 0)
		return sr_error_report(err);
	return SR_EXIT_OK;
}
