/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_REPORT_H
#define SR_REPORT_H

#include <stdint.h>

#include "lib/error.h"

/*
 * Records the sandbox sends to sandrun over the report pipe (O_CLOEXEC in
 * the sandbox, so a successful exec closes it): a setup or exec failure
 * as an error, and the command's wait status when it ends.
 */
enum report_kind {
	REPORT_ERROR = 1,
	REPORT_STATUS = 2,
};

struct report {
	enum report_kind kind;
	int wstatus;			/* REPORT_STATUS */
	struct sr_error *error;		/* REPORT_ERROR, owned */
};

int report_send_error(int fd, const struct sr_error *e);
int report_send_status(int fd, int wstatus);

/* 1 with a record, 0 at end of stream, -1 on a broken stream. */
int report_recv(int fd, struct report *ret);

#endif
