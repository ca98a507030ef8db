// SPDX-License-Identifier: GPL-2.0-or-later
/* Unit tests for what sandrun-audit.so gives a compiler in place of
 * libc (preload/freestanding.c), under other names here, against libc's
 * own, at each overlap and length up to 64. */
#include <stdlib.h>
#include <string.h>

#define memcpy fs_memcpy
#define memmove fs_memmove
#define memset fs_memset
#include "preload/freestanding.c"
#undef memcpy
#undef memmove
#undef memset

#include "tests/unit/tap.h"

int main(void)
{
	unsigned char a[160], b[160], init[160];
	int bad_cpy = 0, bad_move = 0, bad_set = 0, bad_ret = 0;

	for (size_t i = 0; i < sizeof(init); i++)
		init[i] = (unsigned char)(i * 7 + 3);
	for (size_t n = 0; n <= 64; n++) {
		/* memcpy: disjoint, each alignment */
		for (size_t d = 0; d < 8; d++) {
			memcpy(a, init, sizeof(a));
			memcpy(b, init, sizeof(b));
			bad_ret += fs_memcpy(a + 80 + d, a + d, n) != a + 80 + d;
			memcpy(b + 80 + d, b + d, n);
			bad_cpy += memcmp(a, b, sizeof(a)) != 0;
		}
		/* memmove: source and destination overlapping either way */
		for (int off = -20; off <= 20; off++) {
			memcpy(a, init, sizeof(a));
			memcpy(b, init, sizeof(b));
			bad_ret += fs_memmove(a + 40 + off, a + 40, n) != a + 40 + off;
			memmove(b + 40 + off, b + 40, n);
			bad_move += memcmp(a, b, sizeof(a)) != 0;
		}
		memcpy(a, init, sizeof(a));
		memcpy(b, init, sizeof(b));
		bad_ret += fs_memset(a + 5, 0x1a5, n) != a + 5;
		memset(b + 5, 0x1a5, n);
		bad_set += memcmp(a, b, sizeof(a)) != 0;
	}
	ok(bad_cpy == 0, "memcpy: as libc's at 8 alignments and lengths 0-64 (%d differ)", bad_cpy);
	ok(bad_move == 0, "memmove: as libc's with overlaps from -20 to 20 bytes (%d differ)",
	   bad_move);
	ok(bad_set == 0, "memset: as libc's, the value's low byte (%d differ)", bad_set);
	ok(bad_ret == 0, "each returns its destination (%d did not)", bad_ret);
	/* the direction flag is clear after memmove's backward copy: a
	 * forward copy after it goes forward */
	memcpy(a, init, sizeof(a));
	fs_memmove(a + 10, a, 20);
	fs_memcpy(a + 100, a + 10, 20);
	ok(!memcmp(a + 100, init, 20), "a copy after a backward memmove goes forward");
	printf("1..%d\n", tap_n);
	return tap_failed != 0;
}
