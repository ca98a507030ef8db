// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: `sandrun diff` on two arbitrary traces (the input
 * split at its first form feed), so the matching, the data flow and the
 * value parsing see what no real run writes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/error.h"
#include "tracer/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void put(char *path, const uint8_t *data, size_t size)
{
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char pa[] = "/tmp/sandrun-fuzz-a-XXXXXX", pb[] = "/tmp/sandrun-fuzz-b-XXXXXX";
	const uint8_t *ff = memchr(data, '\f', size);
	size_t na = ff ? (size_t)(ff - data) : size;
	struct sr_error *err = NULL;
	struct diff_result r;

	put(pa, data, na);
	if (ff)
		put(pb, ff + 1, size - na - 1);
	else
		put(pb, data, size);
	if (diff_traces(pa, pb, &r, &err) == 0)
		diff_free(&r);
	sr_error_free(err);
	unlink(pa);
	unlink(pb);
	return 0;
}
