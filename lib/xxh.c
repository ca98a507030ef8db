// SPDX-License-Identifier: GPL-2.0-or-later
/* XXH3-128 through libxxhash: the only file that includes it. */
#include <errno.h>
#include <unistd.h>
#include <xxhash.h>

#include "lib/digest.h"
#include "lib/util.h"

static void canonical(XXH128_hash_t h, struct digest *ret)
{
	XXH128_canonical_t c;

	/* Big-endian, as `xxhsum -H2` prints it. */
	XXH128_canonicalFromHash(&c, h);
	ret->len = sizeof(c.digest);
	for (size_t i = 0; i < sizeof(c.digest); i++)
		ret->bytes[i] = c.digest[i];
}

int xxh128_fd(int fd, struct digest *ret)
{
	XXH3_state_t *st = XXH3_createState();
	char buf[1 << 16];
	ssize_t n;

	if (!st)
		return errno = ENOMEM, -1;
	XXH3_128bits_reset(st);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			XXH3_freeState(st);
			return -1;
		}
		XXH3_128bits_update(st, buf, (size_t)n);
	}
	canonical(XXH3_128bits_digest(st), ret);
	XXH3_freeState(st);
	return 0;
}

void xxh128_buf(const void *buf, size_t len, struct digest *ret)
{
	canonical(XXH3_128bits(buf, len), ret);
}

void *xxh128_begin(void)
{
	XXH3_state_t *st = XXH3_createState();

	if (!st)
		die_oom();
	XXH3_128bits_reset(st);
	return st;
}

void xxh128_update(void *state, const void *buf, size_t len)
{
	XXH3_128bits_update(state, buf, len);
}

void xxh128_end(void *state, struct digest *ret)
{
	canonical(XXH3_128bits_digest(state), ret);
	XXH3_freeState(state);
}
