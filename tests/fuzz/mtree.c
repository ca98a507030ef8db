// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the mtree reader (manifests and deltas). */
#include <stdint.h>
#include <stdio.h>

#include "lib/error.h"
#include "lib/mtree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sr_error *err = NULL;
	struct fslist l = { 0 };
	FILE *f = fmemopen((void *)data, size, "r");

	if (!f)
		return 0;
	mtree_read(f, "fuzz", &l, &err);
	fclose(f);
	fslist_sort(&l);
	fslist_free(&l);
	sr_error_free(err);
	return 0;
}
