// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rewriting syscall instructions into jumps to the recorder (sites.h);
 * finding them is sites_find.c.
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
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "preload/rec.h"
#include "preload/sites.h"

__asm__("	.text\n"
	"	.p2align 4\n"
	"	.globl sr_common\n"
	"	.hidden sr_common\n"
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

/*
 * The thunks, one a site, in this library's own code (no page is mapped
 * for them): each steps over the red zone, calls sr_common, and jumps to
 * its site's tail through sr_back[], with the way back to the site in
 * %r11 (which the syscall instruction clobbered anyway).  A tail redoes
 * the site's check (tails[] in the order of sites_checks[]) and goes back.
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

static bool within_rel32(const unsigned char *from, const unsigned char *to)
{
	long d = to - from;

	return d > -(1L << 31) + 4096 && d < (1L << 31) - 4096;
}

static void rewrite(const struct site *s, unsigned char *to)
{
	unsigned char b[8];
	size_t len = sites_jump(s, to, b);

	/* the jump's opcode last */
	for (size_t i = 1; i < len; i++)
		s->at[i] = b[i];
	s->at[0] = b[0];
}

#define PAGE_OF(p) ((uintptr_t)(p) & ~4095UL)
#define RUN_GAP (16 * 4096UL)

/* All signals blocked, the mask as it was in *old; or (old, NULL) put
 * back.  A handler must not run code while a site is half rewritten. */
static void set_sigmask(const uint64_t *set, uint64_t *old)
{
	sr_sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)set, (long)old, 8, 0, 0);
}

/*
 * Through mem, the process's own /proc/PID/mem (the tracer hands one
 * over: INPROC_MEM), a write to code that is not writable: the kernel
 * copies the page for this process as a write fault would, and the
 * mapping stays read-only and executable.  No mprotect: making the code
 * executable-only again after a write is what costs (~60 us a run in a
 * VM with shadow page tables, where the page table walk and the TLB
 * flush trap; the pages' copies cost ~12 us each either way).  Run by
 * run of sites up to SPAN bytes from the run's first; the sites from i
 * on that were rewritten (how many), all of them or up to the first
 * run the kernel refused (a kernel that allows no forced write:
 * proc_mem.force_override=never).
 */
#define SPAN 4096

static size_t patch_mem(long mem, const struct site *sites, size_t n)
{
	unsigned char buf[SPAN + 8];
	size_t i = 0, j;

	while (i < n) {
		unsigned char *lo = sites[i].at, *hi = lo;

		for (j = i; j < n && sites[j].at - lo < SPAN; j++)
			hi = sites[j].at + 2 + sites[j].check->len;
		/* (no memcpy: sandrun-audit.so has no libc) */
		for (long k = 0; k < hi - lo; k++)
			buf[k] = lo[k];
		for (size_t k = i; k < j; k++)
			sites_jump(&sites[k], thunk(k), buf + (sites[k].at - lo));
		if (sr_sys6(SYS_pwrite64, mem, (long)buf, hi - lo, (long)lo, 0, 0) != hi - lo)
			break;
		i = j;
	}
	return i;
}

bool sites_write(unsigned char *at, const unsigned char *b, size_t len, long mem)
{
	const uint64_t all = ~0ull;
	uintptr_t lo = PAGE_OF(at), hi = PAGE_OF(at + len - 1) + 4096;
	uint64_t mask;
	bool done;

	if (!len || len > 16)
		return false;
	/* (one write through mem: no handler sees it half made) */
	if (mem >= 0 && sr_sys6(SYS_pwrite64, mem, (long)b, (long)len, (long)at, 0, 0) == (long)len)
		return true;
	set_sigmask(&all, &mask);
	done = !sr_sys6(SYS_mprotect, (long)lo, (long)(hi - lo), PROT_READ | PROT_WRITE | PROT_EXEC,
			0, 0, 0);
	if (done) {
		/* (the first byte last: a jump's opcode) */
		for (size_t i = len; i-- > 0;)
			at[i] = b[i];
		sr_sys6(SYS_mprotect, (long)lo, (long)(hi - lo), PROT_READ | PROT_EXEC, 0, 0, 0);
	}
	set_sigmask(&mask, NULL);
	return done;
}

bool sites_patch(const struct text *t, const struct site *sites, size_t n, long mem)
{
	static bool done;
	const uint64_t all = ~0ull;
	uint64_t mask;
	size_t i;

	(void)t;	/* (the sites are its) */
	if (!n || n > SITES_MAX || done)
		return false;
	for (i = 0; i < n; i++)
		if (!within_rel32(sites[i].at + 5, thunk(i)))
			return false;
	for (i = 0; i < n; i++)
		sr_back[i] = (struct back){
			sites[i].at + 2 + sites[i].check->len,
			tails[sites[i].check - sites_checks],
		};
	/* (each run one write through mem: no handler sees a site half
	 * rewritten, and a site rewritten or not works either way) */
	i = mem >= 0 ? patch_mem(mem, sites, n) : 0;
	done = i > 0;
	if (i == n)
		return true;
	set_sigmask(&all, &mask);
	/*
	 * The rest run by run of pages that hold sites (sorted), each
	 * writable for a moment (still executable: the code may run
	 * meanwhile, on this thread).  A few pages at a time cost less than
	 * the whole span between the first site and the last (libc's: 800
	 * KiB), whose every page the kernel would walk twice; but runs up to
	 * RUN_GAP apart are one (a pair of mprotects costs ~6 us here, a
	 * page in them ~0.2).
	 */
	for (size_t j; i < n; i = j) {
		uintptr_t lo = PAGE_OF(sites[i].at);
		uintptr_t hi = PAGE_OF(sites[i].at + 1 + sites[i].check->len) + 4096;

		for (j = i + 1; j < n && PAGE_OF(sites[j].at) >= lo &&
			    PAGE_OF(sites[j].at) <= hi + RUN_GAP; j++) {
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
