// SPDX-License-Identifier: GPL-2.0-or-later
/* libFuzzer harness: lib/json.c's validator against jansson, which the
 * readers use for the records they parse: on any bytes, both take them
 * or both refuse them (json_check does not look for duplicate keys, and
 * jansson is asked not to either; a NUL byte json_check refuses). */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	json_error_t je;
	size_t at = 0;
	json_t *j;
	bool ok;

	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	ok = json_check(s, size, &at);
	if (!ok && at > size)
		abort();
	/* (jansson reads a NUL as an end, json_check refuses it, as the
	 * readers do on every line: compared without) */
	if (!memchr(s, '\0', size)) {
		j = json_loadb(s, size, JSON_DECODE_ANY, &je);
		if (ok != (j != NULL))
			abort();
		json_decref(j);
	} else if (ok) {
		abort();
	}
	free(s);
	return 0;
}
