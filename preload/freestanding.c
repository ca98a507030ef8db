// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a C compiler may call in freestanding code (C11 4p6 leaves
 * memcpy, memmove and memset to the environment): sandrun-audit.so links
 * no libc, and gcc and clang both make calls to these of struct copies
 * and loops.  In assembly, so that neither compiler makes one a call to
 * itself; hidden (-fvisibility=hidden), so the module exports none.  (The
 * direction flag is clear at any call, as the x86-64 ABI says.)
 */
#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

/* (backwards, from the last byte, where dst overlaps src's end) */
void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n) {
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return dst;
	}
	d += n - 1;
	s += n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}
