// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>

#include "lib/exitcode.h"
#include "runner/cli.h"

int cli_try_help(const char *cmd)
{
	fprintf(stderr, "Try 'sandrun %s --help' for more information.\n", cmd);
	return SR_EXIT_USAGE;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sandrun %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return cli_try_help(cmd);
}
