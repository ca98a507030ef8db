// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: the module-signature trailer, PE and ELF parsers. */
#include <stdint.h>

#include "lib/artifact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct region r[MAX_REGIONS];
	struct sr_error *err = NULL;
	struct digest d;
	size_t n = 0;

	if (modsig_regions(data, size, "fuzz", r, &n, &err) >= 0 && n)
		masked_digest(data, size, r, n, MASK_ZERO, DIGEST_XXH128, &d);
	sr_error_free(err);
	err = NULL;
	if (pe_regions(data, size, "fuzz", r, &n, &err) >= 0 && n)
		masked_digest(data, size, r, n, MASK_CUT, DIGEST_XXH128, &d);
	sr_error_free(err);
	err = NULL;
	if (elf_section(data, size, "fuzz", ".modinfo", r, &err) > 0)
		masked_digest(data, size, r, 1, MASK_ZERO, DIGEST_XXH128, &d);
	sr_error_free(err);
	return 0;
}
