// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: a PE image's certificate table, its PKCS#7 and
 * SpcIndirectDataContent, and the Authenticode digest ranges. */
#include <stdint.h>

#include "lib/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct certs *certs;
	static const char *const paths[] = {
		"../shared/fixtures/debian-6.1.0-57/signing-cert.pem",
	};
	struct sr_error *err = NULL;
	struct verify_result r;

	if (!certs && certs_load(&certs, paths, 1, &err) < 0)
		__builtin_trap();
	verify_authenticode(certs, data, size, "fuzz", data, size, "fuzz", &r, &err);
	sr_error_free(err);
	return 0;
}
