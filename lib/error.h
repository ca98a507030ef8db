/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_ERROR_H
#define SR_ERROR_H

/*
 * Errors are created where the failing call is made and gain context on the
 * way up (the crun idiom).  A fallible function returns int (<0 on failure)
 * and takes `struct sr_error **err` last; only the CLI layer prints.
 */
struct sr_error {
	int status;	/* the sandrun exit code this error maps to (SR_EXIT_*) */
	int errnum;	/* errno of the failed call, 0 if none */
	char *msg;	/* the message without the strerror() part */
};

__attribute__((format(printf, 4, 5)))
int sr_error_make(struct sr_error **err, int status, int errnum,
		  const char *fmt, ...);

/* Prefix the message with context: "context: old message". */
__attribute__((format(printf, 2, 3)))
int sr_error_wrap(struct sr_error **err, const char *fmt, ...);

void sr_error_free(struct sr_error *err);

/* "msg: strerror(errnum)", or just "msg"; into a caller buffer. */
const char *sr_error_text(const struct sr_error *err, char *buf, size_t len);

/* Print "sandrun: msg" to stderr, free the error, return its status. */
int sr_error_report(struct sr_error *err);

#endif
