// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer harness: the cache of rewrite sites (preload/sites.h) as a
 * build could leave it in /run/sandrun/sites, read for a text whose
 * build ID and size are its first entry's, and whose code is syscall
 * instructions and their checks every 8 bytes (so the sites themselves
 * are looked at).  Every site taken must be whole inside the text,
 * sorted, and one of those.  The image's page is read from the same
 * entries (the sanitizers watch those reads).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "preload/sites.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char code[1 << 16];
	struct sites_cache_entry first;
	struct site sites[SITES_MAX];
	struct text t = { .lo = code, .hi = code + sizeof(code) };
	size_t n, at = sizeof(struct sites_cache_head);
	void *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	if (!code[0])
		for (size_t i = 0; i < sizeof(code); i += 8)
			memcpy(code + i, "\x0f\x05\x48\x3d\x00\xf0\xff\xff", 8);
	memcpy(buf, data, size);
	if (size >= at + sizeof(first)) {
		memcpy(&first, data + at, sizeof(first));
		t.id = first.id;
		t.id_len = first.id_len;
		if (first.text_len <= sizeof(code))
			t.hi = code + first.text_len;
	}
	(void)sites_cache_image(buf, size, &t);
	n = sites_cache_get(buf, size, &t, sites);
	if (n > SITES_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		const unsigned char *at_ = sites[i].at;

		if (at_ < t.lo || at_ + 2 + sites[i].check->len > t.hi ||
		    sites[i].check < sites_checks || sites[i].check >= sites_checks + SITES_CHECKS ||
		    (i && at_ <= sites[i - 1].at) || (at_ - code) % 8 ||
		    sites[i].check != &sites_checks[0])
			abort();
	}
	free(buf);
	return 0;
}
