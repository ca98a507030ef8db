// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/error.h"
#include "lib/exitcode.h"
#include "lib/util.h"

int sr_error_make(struct sr_error **err, int status, int errnum,
		  const char *fmt, ...)
{
	struct sr_error *e;
	va_list ap;

	if (!err)
		return -1;
	/* Keep the first (innermost) error if one is already set. */
	if (*err)
		return -1;
	e = xcalloc(1, sizeof(*e));
	e->status = status;
	e->errnum = errnum;
	va_start(ap, fmt);
	if (vasprintf(&e->msg, fmt, ap) < 0)
		die_oom();
	va_end(ap);
	*err = e;
	return -1;
}

int sr_error_wrap(struct sr_error **err, const char *fmt, ...)
{
	char *ctx, *msg;
	va_list ap;

	if (!err || !*err)
		return -1;
	va_start(ap, fmt);
	if (vasprintf(&ctx, fmt, ap) < 0)
		die_oom();
	va_end(ap);
	msg = xasprintf("%s: %s", ctx, (*err)->msg);
	free(ctx);
	free((*err)->msg);
	(*err)->msg = msg;
	return -1;
}

void sr_error_free(struct sr_error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err);
}

const char *sr_error_text(const struct sr_error *err, char *buf, size_t len)
{
	if (err->errnum)
		snprintf(buf, len, "%s: %s", err->msg, strerror(err->errnum));
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}

int sr_error_report(struct sr_error *err)
{
	char buf[4096], *line;
	int status;

	if (!err)
		return SR_EXIT_FAILURE;
	/* (one line, whatever names it holds: a newline in a file name is
	 * written \n) */
	line = str_visible(sr_error_text(err, buf, sizeof(buf)));
	fprintf(stderr, "sandrun: %s\n", line);
	free(line);
	status = err->status;
	sr_error_free(err);
	return status;
}
