// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "lib/exitcode.h"
#include "lib/util.h"
#include "runner/report.h"

struct report_hdr {
	uint32_t kind;
	int32_t status;
	int32_t errnum;
	uint32_t len;
};

#define REPORT_MSG_MAX 4096

static int send_record(int fd, const struct report_hdr *h, const char *msg)
{
	char buf[sizeof(*h) + REPORT_MSG_MAX];

	/* One write below PIPE_BUF, so records never interleave. */
	memcpy(buf, h, sizeof(*h));
	if (h->len)
		memcpy(buf + sizeof(*h), msg, h->len);
	return write_all(fd, buf, sizeof(*h) + h->len) < 0 ? -1 : 0;
}

int report_send_error(int fd, const struct sr_error *e)
{
	struct report_hdr h = {
		.kind = REPORT_ERROR,
		.status = e->status,
		.errnum = e->errnum,
	};
	size_t n = strlen(e->msg);

	/* PIPE_BUF is 4096; keep header + message under it. */
	if (n > 4000)
		n = 4000;
	h.len = (uint32_t)n;
	return send_record(fd, &h, e->msg);
}

int report_send_status(int fd, int wstatus)
{
	struct report_hdr h = { .kind = REPORT_STATUS, .status = wstatus };

	return send_record(fd, &h, NULL);
}

int report_recv(int fd, struct report *ret)
{
	struct report_hdr h;
	ssize_t n = read_all(fd, &h, sizeof(h));
	char *msg;

	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(h) || h.len > REPORT_MSG_MAX)
		return -1;
	memset(ret, 0, sizeof(*ret));
	ret->kind = (enum report_kind)h.kind;
	if (h.kind == REPORT_STATUS) {
		ret->wstatus = h.status;
		return 1;
	}
	if (h.kind != REPORT_ERROR)
		return -1;
	msg = xcalloc(1, h.len + 1);
	if (read_all(fd, msg, h.len) != (ssize_t)h.len) {
		free(msg);
		return -1;
	}
	ret->error = xcalloc(1, sizeof(*ret->error));
	ret->error->status = h.status;
	ret->error->errnum = h.errnum;
	ret->error->msg = msg;
	return 1;
}
