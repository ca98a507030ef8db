// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandrun-rec.so, part two: glibc's own calls reach the recorder.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>

#include "preload/rec.h"

/*
 * Inside libc.  Its own calls (setlocale loading the locale's files,
 * fopen, opendir, realpath, stdio's fstat) do not go through the symbols
 * above.  When this library is loaded, each syscall instruction of libc
 * that is loaded with one of the recorded numbers and followed by one of
 * the result checks glibc's syscall macros emit is rewritten into a jump
 * to a thunk near libc.  The thunk steps over the red zone, calls
 * sr_common (which keeps every register a syscall keeps, and the SSE
 * state, and calls dispatch()), redoes the check and jumps back.  A site
 * a branch might land inside of is left alone, and so is all of libc
 * when anything does not fit; what is left alone stops, as before.
 */
__asm__("	.text\n"
	"	.p2align 4\n"
	"	.type sr_common, @function\n"
	"sr_common:\n"
	"	endbr64\n"
	"	push %rbp\n"
	"	mov %rsp, %rbp\n"
	"	push %rdi\n"
	"	push %rsi\n"
	"	push %rdx\n"
	"	push %r10\n"
	"	push %r8\n"
	"	push %r9\n"
	"	push %rax\n"
	"	mov %rsp, %rdi\n"
	"	and $-64, %rsp\n"
	"	sub $512, %rsp\n"
	"	fxsave64 (%rsp)\n"
	"	call sr_dispatch\n"
	"	fxrstor64 (%rsp)\n"
	"	lea -56(%rbp), %rsp\n"
	"	add $8, %rsp\n"
	"	pop %r9\n"
	"	pop %r8\n"
	"	pop %r10\n"
	"	pop %rdx\n"
	"	pop %rsi\n"
	"	pop %rdi\n"
	"	pop %rbp\n"
	"	ret\n"
	"	.size sr_common, .-sr_common\n");
void sr_common(void);

#define SITES_MAX 128
#define THUNK 48
#define NEAR 1024	/* how far a branch into a site is looked for */
#define FUNC 512	/* how far into a function its syscall is looked for */

/* libc's functions that make the recorded syscalls (glibc 2.36 on x86_64,
 * found by their exported names; others may have them elsewhere, and
 * those calls stop as before). */
static const char *const funcs[] = {
	"__open64_nocancel", "__open", "openat", "__close_nocancel", "__close",
	"fstatat", "__fxstatat", "__xstat", "__lxstat", "statx", "access",
	"readlink", "readlinkat", "__libc_fcntl64", "dup", "__dup2", "dup3",
	"getrandom", "execve",
};

/* Those whose callees are looked into too (see find_callees). */
static const char *const callers[] = { "__libc_fcntl64" };

static const struct check {
	unsigned char len, b[6];
} checks[] = {
	{ 6, { 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff } },	/* cmp $-4096,%rax */
	{ 6, { 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff } },	/* cmp $-4095,%rax */
	{ 5, { 0x3d, 0x00, 0xf0, 0xff, 0xff } },	/* cmp $-4096,%eax */
};

struct site {
	unsigned char *at;
	const struct check *check;
};

struct text {
	unsigned char *lo, *hi;
	const unsigned char *eh;	/* .eh_frame_hdr, or NULL */
	size_t eh_len;
};

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct text *t = data;

	(void)size;
	if (!info->dlpi_name || !strstr(info->dlpi_name, "/libc.so.6"))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && !t->lo) {
			t->lo = (unsigned char *)(info->dlpi_addr + ph->p_vaddr);
			t->hi = t->lo + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_EH_FRAME) {
			t->eh = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
			t->eh_len = ph->p_memsz;
		}
	}
	return 1;
}

static bool recorded_nr(long nr)
{
	switch (nr) {
	case SYS_openat:
	case SYS_newfstatat:
	case SYS_stat:
	case SYS_lstat:
	case SYS_statx:
	case SYS_access:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_close:
	case SYS_fcntl:
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
	case SYS_getrandom:
	case SYS_execve:
		return true;
	default:
		return false;
	}
}

/* The number the closest `mov $imm32,%eax` before the syscall (and
 * after lo) loads. */
static long loaded_nr(const unsigned char *lo, const unsigned char *sc)
{
	for (const unsigned char *q = sc - 5; q >= sc - 48 && q >= lo; q--)
		if (q[0] == 0xb8 && q[3] == 0 && q[4] == 0)
			return q[1] | q[2] << 8;
	return -1;
}

static int32_t rel32(const unsigned char *q)
{
	int32_t v;

	memcpy(&v, q, sizeof(v));
	return v;
}

/* Whether any byte near the site, read as a jump or call, lands on its
 * check (the one instruction boundary inside it): then rewriting it could
 * break that path.  Bytes that only look like a jump make this skip a
 * site that was safe, never the other way round. */
static bool branched_into(const struct text *t, const unsigned char *at)
{
	const unsigned char *lo = at - NEAR > t->lo ? at - NEAR : t->lo;
	const unsigned char *hi = at + NEAR < t->hi - 6 ? at + NEAR : t->hi - 6;

	for (const unsigned char *q = lo; q < hi; q++) {
		const unsigned char *to;

		if (q[0] == 0xeb || (q[0] >= 0x70 && q[0] <= 0x7f))
			to = q + 2 + (int8_t)q[1];
		else if (q[0] == 0xe9 || q[0] == 0xe8)
			to = q + 5 + rel32(q + 1);
		else if (q[0] == 0x0f && q[1] >= 0x80 && q[1] <= 0x8f)
			to = q + 6 + rel32(q + 2);
		else
			continue;
		if (to == at + 2)
			return true;
	}
	return false;
}

/*
 * Whether the site is a cancellation point's: glibc makes those syscalls
 * with asynchronous cancellation on, right after a call that turns it on,
 * and a cancel there unwinds through the caller's frames, which the thunk
 * would hide from the unwinder.  Any call shortly before the syscall
 * counts (at worst a safe site is left alone).
 */
static bool cancellable(const struct text *t, const unsigned char *lo,
			const unsigned char *sc)
{
	for (const unsigned char *q = sc - 5; q >= sc - 48 && q >= lo; q--) {
		const unsigned char *to = q + 5 + rel32(q + 1);

		if (q[0] == 0xe8 && to >= t->lo && to < t->hi)
			return true;
	}
	return false;
}

static bool within_rel32(const unsigned char *from, const unsigned char *to)
{
	long d = to - from;

	return d > -(1L << 31) + 4096 && d < (1L << 31) - 4096;
}

static unsigned char *thunk_area(const struct text *t, size_t size)
{
	unsigned char *hints[] = { t->lo - (4UL << 20), t->hi + (64UL << 20), NULL };

	for (size_t i = 0; i < sizeof(hints) / sizeof(*hints); i++) {
		unsigned char *a = mmap(hints[i], size, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (a == MAP_FAILED)
			continue;
		/* every site, anywhere in libc, to every thunk and back */
		if (within_rel32(a, t->hi) && within_rel32(a + size, t->lo) &&
		    within_rel32(a, t->lo) && within_rel32(a + size, t->hi))
			return a;
		munmap(a, size);
	}
	return NULL;
}

static void put_thunk(unsigned char *th, const struct site *s)
{
	static const unsigned char head[] = {
		0x48, 0x8d, 0x64, 0x24, 0x80,	/* lea -0x80(%rsp),%rsp */
		0x49, 0xbb,			/* movabs $sr_common,%r11 */
	};
	static const unsigned char mid[] = {
		0x41, 0xff, 0xd3,		/* call *%r11 */
		0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00,	/* lea 0x80(%rsp),%rsp */
	};
	uint64_t common = (uint64_t)(uintptr_t)sr_common;
	unsigned char *q = th, *back = s->at + 2 + s->check->len;
	int32_t rel;

	memcpy(q, head, sizeof(head));
	q += sizeof(head);
	memcpy(q, &common, sizeof(common));
	q += sizeof(common);
	memcpy(q, mid, sizeof(mid));
	q += sizeof(mid);
	memcpy(q, s->check->b, s->check->len);	/* the check, redone */
	q += s->check->len;
	*q = 0xe9;				/* jmp back */
	rel = (int32_t)(back - (q + 5));
	memcpy(q + 1, &rel, sizeof(rel));
}

/*
 * The sites in one function's first bytes (from its start: an exported
 * one's, or one found by a call), added to sites[].  What comes before a
 * site is looked at back to the function's start, not into the function
 * before it: compiled code does not run on from one function into the
 * next (there, the bytes of a call to __stack_chk_fail made
 * __close()'s single-threaded close look like a cancellation point).
 */
static size_t find_sites(const struct text *t, unsigned char *fn, struct site *sites,
			 size_t n)
{
	unsigned char *end = fn + FUNC < t->hi - 8 ? fn + FUNC : t->hi - 8;

	for (unsigned char *q = fn; q < end && n < SITES_MAX; q++) {
		const struct check *c = NULL;
		bool dup = false;
		long nr;

		if (q[0] != 0x0f || q[1] != 0x05)
			continue;
		for (size_t k = 0; k < sizeof(checks) / sizeof(*checks) && !c; k++)
			if (!memcmp(q + 2, checks[k].b, checks[k].len))
				c = &checks[k];
		for (size_t i = 0; i < n; i++)
			dup |= sites[i].at == q;
		nr = loaded_nr(fn, q);
		if (!c || dup || !recorded_nr(nr) || branched_into(t, q) ||
		    cancellable(t, fn, q))
			continue;
		sites[n++] = (struct site){ q, c };
	}
	return n;
}

/*
 * Whether a function starts at p: libc's .eh_frame_hdr has a table of
 * every function's start, sorted for the unwinder's binary search
 * (version 1, the table's entries 32-bit offsets from the header, as
 * binutils writes it for x86_64).
 */
static bool function_start(const struct text *t, const unsigned char *p)
{
	const unsigned char *h = t->eh;
	uint32_t count, lo = 0, hi;
	long want;

	if (!h || t->eh_len < 12 || h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 ||
	    h[3] != 0x3b)
		return false;
	memcpy(&count, h + 8, sizeof(count));
	if (count > (t->eh_len - 12) / 8)
		return false;	/* a table longer than its segment */
	want = p - h;
	for (hi = count; lo < hi;) {
		uint32_t mid = lo + (hi - lo) / 2;
		int32_t at;

		memcpy(&at, h + 12 + (size_t)mid * 8, sizeof(at));
		if (at == want)
			return true;
		if (at < want)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * A function an exported one calls first thing may hold the syscall: glibc
 * 2.36's fcntl() leaves every command but the blocking locks to an
 * internal __fcntl64_nocancel_adjusted().  Bytes that read as a call are
 * followed only to where the unwind table says a function starts.
 */
static size_t find_callees(const struct text *t, unsigned char *fn, struct site *sites,
			   size_t n)
{
	unsigned char *end = fn + FUNC / 4 < t->hi - 8 ? fn + FUNC / 4 : t->hi - 8;

	for (unsigned char *q = fn; q < end; q++) {
		uintptr_t to;

		if (q[0] != 0xe8)
			continue;
		to = (uintptr_t)q + 5 + (uintptr_t)(intptr_t)rel32(q + 1);
		if (to <= (uintptr_t)t->lo || to >= (uintptr_t)(t->hi - 8) ||
		    !function_start(t, (const unsigned char *)to))
			continue;
		n = find_sites(t, (unsigned char *)to, sites, n);
	}
	return n;
}

/* Rewrite the sites on one page. */
static void patch_page(unsigned char *page, const struct site *sites, size_t n,
		       unsigned char *area)
{
	size_t span = 4096;

	/* a site may end on the next page */
	for (size_t i = 0; i < n; i++)
		if ((unsigned char *)((uintptr_t)sites[i].at & ~4095UL) == page &&
		    sites[i].at + 2 + sites[i].check->len > page + 4096)
			span = 8192;
	/* (still executable while written: libc may run meanwhile) */
	if (mprotect(page, span, PROT_READ | PROT_WRITE | PROT_EXEC))
		return;
	for (size_t i = 0; i < n; i++) {
		unsigned char *at = sites[i].at, *th = area + i * THUNK;
		int32_t rel = (int32_t)(th - (at + 5));

		if ((unsigned char *)((uintptr_t)at & ~4095UL) != page)
			continue;
		memcpy(at + 1, &rel, sizeof(rel));
		if (sites[i].check->len == 6) {
			at[5] = 0x0f, at[6] = 0x1f, at[7] = 0x00;	/* nopl (%rax) */
		} else {
			at[5] = 0x66, at[6] = 0x90;			/* xchg %ax,%ax */
		}
		at[0] = 0xe9;
	}
	mprotect(page, span, PROT_READ | PROT_EXEC);
}

__attribute__((constructor)) static void patch_libc(void)
{
	struct site sites[SITES_MAX];
	struct text t = { 0 };
	size_t n = 0, size;
	unsigned char *area;

	/* Rewriting code another thread may be running (or blocked in a
	 * syscall of, returning into the middle of the new jump) is not
	 * safe: only while the process has one thread. */
	if (!__libc_single_threaded)
		return;
	if (!dl_iterate_phdr(find_libc, &t) || !t.lo)
		return;
	/* libc's own definitions (RTLD_NEXT: after this library); no
	 * dlopen, which would start malloc (and its getrandom) early */
	for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++) {
		unsigned char *fn = dlsym(RTLD_NEXT, funcs[i]);

		if (fn >= t.lo && fn < t.hi)
			n = find_sites(&t, fn, sites, n);
	}
	for (size_t i = 0; i < sizeof(callers) / sizeof(*callers); i++) {
		unsigned char *fn = dlsym(RTLD_NEXT, callers[i]);

		if (fn >= t.lo && fn < t.hi)
			n = find_callees(&t, fn, sites, n);
	}
	if (!n)
		return;
	size = (n * THUNK + 4095) & ~4095UL;
	area = thunk_area(&t, size);
	if (!area)
		return;
	for (size_t i = 0; i < n; i++)
		put_thunk(area + i * THUNK, &sites[i]);
	if (mprotect(area, size, PROT_READ | PROT_EXEC))
		return;
	/* page by page */
	for (size_t i = 0; i < n; i++) {
		unsigned char *page = (unsigned char *)((uintptr_t)sites[i].at & ~4095UL);
		bool done = false;

		for (size_t j = 0; j < i; j++)
			done |= ((uintptr_t)sites[j].at & ~4095UL) == (uintptr_t)page;
		if (!done)
			patch_page(page, sites, n, area);
	}
}
