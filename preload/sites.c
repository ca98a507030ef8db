// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rewriting syscall instructions into jumps to the recorder (sites.h).
 *
 * Each syscall instruction that is loaded with one of the recorded
 * numbers and followed by one of the result checks glibc's syscall
 * macros emit is rewritten into a jump to its thunk, in the rewriting
 * library's own code.  The thunk steps over the red zone, calls sr_common
 * (which keeps every register a syscall keeps, and the SSE state, and
 * calls sr_dispatch), redoes the check and jumps back.  A site a branch might land inside of
 * is left alone, and so is a cancellation point's; what is left alone
 * stops, as before.
 */
#include <emmintrin.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "preload/rec.h"
#include "preload/sites.h"

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

#define NEAR 1024	/* how far a branch into a site is looked for */
#define FUNC 512	/* how far into a function its syscall is looked for */

struct check {
	unsigned char len, b[6];
};

static const struct check checks[] = {
	{ 6, { 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff } },	/* cmp $-4096,%rax */
	{ 6, { 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff } },	/* cmp $-4095,%rax */
	{ 5, { 0x3d, 0x00, 0xf0, 0xff, 0xff } },	/* cmp $-4096,%eax */
};

/*
 * The thunks, one a site, in this library's own code (no page is mapped
 * for them): each steps over the red zone, calls sr_common, and jumps to
 * its site's tail through sr_back[], with the way back to the site in
 * %r11 (which the syscall instruction clobbered anyway).  A tail redoes
 * the site's check (tails[] in the order of checks[]) and goes back.
 * Each thunk is THUNK bytes (.org: the assembler checks).
 */
#define THUNK 32
_Static_assert(SITES_MAX == 128, "the thunks below are SITES_MAX");

struct back {
	unsigned char *to;	/* after the site's check */
	const void *tail;	/* tails[]' entry for the site's check */
};
__attribute__((used)) static struct back sr_back[SITES_MAX];
_Static_assert(sizeof(struct back) == 16 && offsetof(struct back, tail) == 8,
	       "the thunks below index sr_back by 16, the tail at 8");

__asm__("	.text\n"
	"	.p2align 5\n"
	"sr_thunks:\n"
	"	.set sr_i, 0\n"
	"	.rept 128\n"
	"	lea -0x80(%rsp), %rsp\n"
	"	call sr_common\n"
	"	lea 0x80(%rsp), %rsp\n"
	"	mov sr_back+16*sr_i(%rip), %r11\n"
	"	jmp *sr_back+16*sr_i+8(%rip)\n"
	/* to the next thunk (an error if this one was longer) */
	"	.org sr_thunks + 32 * (sr_i + 1), 0xcc\n"
	"	.set sr_i, sr_i+1\n"
	"	.endr\n"
	"sr_tail_q4096:\n"
	"	cmp $-4096, %rax\n"
	"	jmp *%r11\n"
	"sr_tail_q4095:\n"
	"	cmp $-4095, %rax\n"
	"	jmp *%r11\n"
	"sr_tail_d4096:\n"
	"	cmp $-4096, %eax\n"
	"	jmp *%r11\n");
#define HIDDEN __attribute__((visibility("hidden")))
extern const unsigned char sr_thunks[] HIDDEN, sr_tail_q4096[] HIDDEN, sr_tail_q4095[] HIDDEN,
	sr_tail_d4096[] HIDDEN;

static const void *const tails[] = { sr_tail_q4096, sr_tail_q4095, sr_tail_d4096 };

static unsigned char *thunk(size_t i)
{
	return (unsigned char *)sr_thunks + i * THUNK;
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
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_close:
	case SYS_fcntl:
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
	case SYS_getrandom:
	case SYS_getdents64:
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

	__builtin_memcpy(&v, q, sizeof(v));
	return v;
}

/* The check after a syscall instruction, or NULL. */
static const struct check *check_at(const unsigned char *q)
{
	for (size_t k = 0; k < sizeof(checks) / sizeof(*checks); k++) {
		size_t i = 0;

		while (i < checks[k].len && q[i] == checks[k].b[i])
			i++;
		if (i == checks[k].len)
			return &checks[k];
	}
	return NULL;
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

/* The site at q (a syscall instruction in the function starting at fn)
 * added to sites[] if it is one to rewrite; the new count.  What comes
 * before a site is looked at back to the function's start, not into the
 * function before it: compiled code does not run on from one function
 * into the next (there, the bytes of a call to __stack_chk_fail made
 * __close()'s single-threaded close look like a cancellation point). */
static size_t add_site(const struct text *t, const unsigned char *fn, unsigned char *q,
		       struct site *sites, size_t n)
{
	const struct check *c = check_at(q + 2);

	if (!c || n >= SITES_MAX || !recorded_nr(loaded_nr(fn, q)) || cancellable(t, fn, q))
		return n;
	for (size_t i = 0; i < n; i++)
		if (sites[i].at == q)
			return n;
	sites[n] = (struct site){ q, c };
	return n + 1;
}

/* Of sixteen bytes, those that begin a syscall instruction (0f 05; bit
 * i: q[i]); reads seventeen. */
static unsigned syscall_mask(const unsigned char *q)
{
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(q + 1));

	return (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(0x0f)),
							 _mm_cmpeq_epi8(b, _mm_set1_epi8(0x05))));
}

size_t sites_in_function(const struct text *t, unsigned char *fn, struct site *sites,
			 size_t n)
{
	unsigned char *end = fn + FUNC < t->hi - 8 ? fn + FUNC : t->hi - 8;
	unsigned char *q;

	for (q = fn; q + 17 <= end; q += 16)
		for (unsigned m = syscall_mask(q); m; m &= m - 1)
			n = add_site(t, fn, q + __builtin_ctz(m), sites, n);
	for (; q < end; q++)
		if (q[0] == 0x0f && q[1] == 0x05)
			n = add_site(t, fn, q, sites, n);
	return n;
}

/*
 * The unwind table: libc's and the loader's .eh_frame_hdr hold a table
 * of every function's start, sorted for the unwinder's binary search
 * (version 1, the table's entries 32-bit offsets from the header, as
 * binutils writes it for x86_64).  Its length, or 0 if it is not one.
 */
static uint32_t table_len(const struct text *t)
{
	const unsigned char *h = t->eh;
	uint32_t count;

	if (!h || t->eh_len < 12 || h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 ||
	    h[3] != 0x3b)
		return 0;
	__builtin_memcpy(&count, h + 8, sizeof(count));
	return count > (t->eh_len - 12) / 8 ? 0 : count;	/* longer than its segment */
}

static const unsigned char *table_at(const struct text *t, uint32_t i)
{
	int32_t at;

	__builtin_memcpy(&at, t->eh + 12 + (size_t)i * 8, sizeof(at));
	return t->eh + at;
}

/* The entry of the last function starting at or before p, or count. */
static uint32_t table_find(const struct text *t, uint32_t count, const unsigned char *p)
{
	uint32_t lo = 0, hi = count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (table_at(t, mid) <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : count;
}

bool sites_function_start(const struct text *t, const unsigned char *p)
{
	uint32_t count = table_len(t), i = table_find(t, count, p);

	return i < count && table_at(t, i) == p;
}

size_t sites_in_text(const struct text *t, struct site *sites, size_t n)
{
	uint32_t count = table_len(t);

	if (!count || t->hi - t->lo < 64)
		return n;
	/* sixteen bytes at a time, the last few one at a time */
	for (unsigned char *q = t->lo; q < t->hi - 8;) {
		bool wide = q + 17 <= t->hi - 8;
		unsigned m = wide ? syscall_mask(q) : (q[0] == 0x0f && q[1] == 0x05);

		for (; m; m &= m - 1) {
			unsigned char *sc = q + __builtin_ctz(m);
			uint32_t f = table_find(t, count, sc);

			if (f < count && table_at(t, f) >= t->lo)
				n = add_site(t, table_at(t, f), sc, sites, n);
		}
		q += wide ? 16 : 1;
	}
	return n;
}

/* The address a jump or call at q lands on, or NULL. */
static const unsigned char *branch_to(const unsigned char *q)
{
	unsigned char b = q[0];

	if (b == 0xeb || (unsigned char)(b - 0x70) < 16)
		return q + 2 + (int8_t)q[1];
	if (b == 0xe9 || b == 0xe8)
		return q + 5 + rel32(q + 1);
	if (b == 0x0f && (unsigned char)(q[1] - 0x80) < 16)
		return q + 6 + rel32(q + 2);
	return NULL;
}

/* Of sixteen bytes, those that may begin a jump or call (bit i: q[i]):
 * 70-7f, eb, e9, e8, and 0f (80-8f after it is left to branch_to). */
static unsigned branch_mask(const unsigned char *q)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i m = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xf0)),
				   _mm_set1_epi8(0x70));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xeb)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xe9)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xe8)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0f)));
	return (unsigned)_mm_movemask_epi8(m);
}

/* If the bytes at q read as a jump or call onto a site's check, that
 * site is hit (sites sorted). */
static void mark(const struct site *sites, size_t n, bool *hit, const unsigned char *q)
{
	const unsigned char *to = branch_to(q);
	size_t a = 0, b = n;

	if (!to)
		return;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (sites[mid].at + 2 < to)
			a = mid + 1;
		else
			b = mid;
	}
	if (a < n && sites[a].at + 2 == to)
		hit[a] = true;
}

/*
 * Whether any byte near a site, read as a jump or call, lands on a site's
 * check (the one instruction boundary inside it): then rewriting it could
 * break that path.  Bytes that only look like a jump make this skip a
 * site that was safe, never the other way round.  The sites are sorted,
 * and the bytes within NEAR of any of them read once.
 */
size_t sites_unbranched(const struct text *t, struct site *sites, size_t n)
{
	bool hit[SITES_MAX] = { false };
	const unsigned char *done = t->lo;
	size_t out = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sites[j - 1].at > sites[j].at; j--) {
			struct site s = sites[j];

			sites[j] = sites[j - 1];
			sites[j - 1] = s;
		}
	for (size_t i = 0; i < n; i++) {
		const unsigned char *lo = sites[i].at - NEAR > t->lo ? sites[i].at - NEAR : t->lo;
		const unsigned char *hi = sites[i].at + NEAR < t->hi - 6 ? sites[i].at + NEAR :
									   t->hi - 6;
		const unsigned char *q = lo > done ? lo : done;

		for (; q + 16 <= hi; q += 16)
			for (unsigned m = branch_mask(q); m; m &= m - 1)
				mark(sites, n, hit, q + __builtin_ctz(m));
		for (; q < hi; q++)
			mark(sites, n, hit, q);
		if (hi > done)
			done = hi;
	}
	for (size_t i = 0; i < n; i++)
		if (!hit[i])
			sites[out++] = sites[i];
	return out;
}

static bool within_rel32(const unsigned char *from, const unsigned char *to)
{
	long d = to - from;

	return d > -(1L << 31) + 4096 && d < (1L << 31) - 4096;
}

static void rewrite(const struct site *s, unsigned char *to)
{
	unsigned char *at = s->at;
	int32_t rel = (int32_t)(to - (at + 5));

	__builtin_memcpy(at + 1, &rel, sizeof(rel));
	if (s->check->len == 6) {
		at[5] = 0x0f, at[6] = 0x1f, at[7] = 0x00;	/* nopl (%rax) */
	} else {
		at[5] = 0x66, at[6] = 0x90;			/* xchg %ax,%ax */
	}
	at[0] = 0xe9;
}

#define PAGE_OF(p) ((uintptr_t)(p) & ~4095UL)

/* All signals blocked, the mask as it was in *old; or (old, NULL) put
 * back.  A handler must not run code while a site is half rewritten. */
static void set_sigmask(const uint64_t *set, uint64_t *old)
{
	sr_sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)set, (long)old, 8, 0, 0);
}

bool sites_patch(const struct text *t, const struct site *sites, size_t n)
{
	static bool done;
	const uint64_t all = ~0ull;
	uint64_t mask;

	(void)t;	/* (the sites are its) */
	if (!n || n > SITES_MAX || done)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!within_rel32(sites[i].at + 5, thunk(i)))
			return false;
	for (size_t i = 0; i < n; i++)
		sr_back[i] = (struct back){
			sites[i].at + 2 + sites[i].check->len,
			tails[sites[i].check - checks],
		};
	/*
	 * Run by run of pages that hold sites (sorted), each writable for a
	 * moment (still executable: the code may run meanwhile, on this
	 * thread).  A few pages at a time cost less than the whole span
	 * between the first site and the last (libc's: 800 KiB), whose
	 * every page the kernel would walk twice.
	 */
	set_sigmask(&all, &mask);
	for (size_t i = 0, j; i < n; i = j) {
		uintptr_t lo = PAGE_OF(sites[i].at);
		uintptr_t hi = PAGE_OF(sites[i].at + 1 + sites[i].check->len) + 4096;

		for (j = i + 1; j < n && PAGE_OF(sites[j].at) >= lo && PAGE_OF(sites[j].at) <= hi; j++) {
			uintptr_t end = PAGE_OF(sites[j].at + 1 + sites[j].check->len) + 4096;

			hi = end > hi ? end : hi;
		}
		if (sr_sys6(SYS_mprotect, (long)lo, (long)(hi - lo),
			    PROT_READ | PROT_WRITE | PROT_EXEC, 0, 0, 0))
			break;	/* (on the first: nothing rewritten) */
		done = true;
		for (size_t k = i; k < j; k++)
			rewrite(&sites[k], thunk(k));
		sr_sys6(SYS_mprotect, (long)lo, (long)(hi - lo), PROT_READ | PROT_EXEC, 0, 0, 0);
	}
	set_sigmask(&mask, NULL);
	return done;
}
