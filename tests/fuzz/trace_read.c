// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the trace reader and fold on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lib/error.h"
#include "tracer/fold.h"
#include "tracer/trace_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/sandrun-fuzz-XXXXXX";
	struct sr_error *err = NULL;
	struct fold_result r;
	int fd = mkstemp(path);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	if (fold_trace(path, &r, &err) == 0)
		fold_free(&r);
	sr_error_free(err);
	err = NULL;
	if (fold_scope(path, "1", true, &r, &err) == 0)
		fold_free(&r);
	sr_error_free(err);
	unlink(path);
	return 0;
}
