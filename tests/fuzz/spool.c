// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the spool's records (tracer/spool.c) on arbitrary
 * bytes, each one read re-encoded and read back the same; then the
 * canonicalizer on the records read, holding each process in memory and
 * sorting every one on disk (canon_stream.c, one event a piece): the
 * same answer and the same trace. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/sbuf.h"
#include "tracer/canon.h"
#include "tracer/spool.h"
#include "tests/unit/event_same.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct canon_root roots[] = { { "$SRC", "/src" } };
	char *cmd[] = { "make", NULL };
	struct canon_opts o = { .roots = roots, .nroots = 1, .init_pid = 1,
				.command = cmd, .end_status = "complete" };
	char path[] = "/tmp/sandrun-fuzz-XXXXXX";
	struct sr_error *err = NULL;
	struct sbuf again = { 0 };
	struct spool sp;
	size_t off = 0;
	uint64_t n = 0;
	FILE *out;

	struct strpool pool = { 0 };

	while (off < size) {
		struct event ev, back, pooled;
		int64_t len = spool_parse(data + off, size - off, &ev);

		/* (the canonicalizer's parse: the same event, strings in a pool) */
		if (spool_parse_pooled(data + off, size - off, &pooled, &pool) != len ||
		    (len > 0 && !event_same(&ev, &pooled)))
			abort();
		event_clear(&pooled);
		strpool_reset(&pool);
		if (len <= 0)
			break;
		again.len = 0;
		spool_encode(&again, &ev);
		if (spool_parse(again.p, again.len, &back) != (int64_t)again.len ||
		    !event_same(&ev, &back))
			abort();
		event_clear(&back);
		event_clear(&ev);
		off += (size_t)len;
		n++;
	}
	sbuf_free(&again);
	strpool_free(&pool);
	char *text[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 };
	int r[2];

	for (int pass = 0; pass < 2; pass++) {
		int fd = mkstemp(path);	/* a name nobody has, for spool_create */

		memset(&sp, 0, sizeof(sp));
		if (fd < 0)
			abort();
		close(fd);
		unlink(path);
		if (spool_create(&sp, path, &err) < 0)
			abort();
		fwrite(data, 1, off, sp.f);
		sp.count = n;
		out = open_memstream(&text[pass], &len[pass]);
		if (!out)
			abort();
		o.buffer = pass ? 1 : 0;
		r[pass] = canon_write(&sp, &o, out, &err);
		if (r[pass] < 0)
			sr_error_free(err);
		err = NULL;
		fclose(out);
		spool_close(&sp);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	}
	if (r[0] != r[1] || (r[0] == 0 && (len[0] != len[1] || memcmp(text[0], text[1], len[0]))))
		abort();
	free(text[0]);
	free(text[1]);
	return 0;
}
