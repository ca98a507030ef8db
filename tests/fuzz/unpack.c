// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: compressed modules (lib/unpack.c), the format by
 * the first byte, then the module parsers on what they decompress to. */
#include <stdint.h>

#include "lib/artifact.h"
#include "lib/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const packings[] = { "zstd", "xz", "gzip" };
	struct mapped m = { .fd = -1 };
	struct region r[MAX_REGIONS];
	struct sr_error *err = NULL;
	struct digest d;
	size_t n = 0;

	if (!size)
		return 0;
	m.buf = data + 1;
	m.size = size - 1;
	if (unpack_module(&m, "fuzz", packings[data[0] % 3], &err) == 0 &&
	    modsig_regions(m.buf, m.size, "fuzz", r, &n, &err) >= 0 && n)
		masked_digest(m.buf, m.size, r, n, MASK_CUT, DIGEST_XXH128, &d);
	sr_error_free(err);
	unmap_file(&m);
	return 0;
}
