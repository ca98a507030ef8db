// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandrun-rec.so, part three: glibc's vfork() and posix_spawn() make
 * their children traced themselves, with CLONE_PTRACE, so that neither
 * the tracer's fork event nor a stop at the call's entry comes in the
 * parent's way (tracer/forks.c says why, and what the tracer does with
 * a child it did not see made; tracer/filter.c lets exactly such a clone
 * run).
 *
 * vfork() (pop %rdi; mov $58,%eax; syscall; push %rdi: its return address
 * kept off the stack its child runs on) is made the clone it is, with
 * CLONE_PTRACE; posix_spawn()'s clone (glibc's __clone, after clone3
 * failed with ENOSYS: tracer/filter.c) gets CLONE_PTRACE when it has
 * CLONE_VFORK.  Each `mov $nr,%eax; syscall` becomes a jump to a thunk
 * here that uses no stack (the child runs on the caller's, or on a new
 * one) and jumps back after the syscall.  A function whose bytes are not
 * these is left alone: its calls stop at their entry, as any other.
 */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "preload/rec.h"
#include "preload/sites.h"

#define HIDDEN __attribute__((visibility("hidden")))

/* Where each thunk jumps back to (after the rewritten syscall). */
__attribute__((used)) static unsigned char *sr_vfork_back, *sr_clone_back;

/* CLONE_VM | CLONE_VFORK | SIGCHLD: vfork(); | CLONE_PTRACE (0x2000) */
__asm__("	.text\n"
	"	.p2align 4\n"
	"sr_vfork_thunk:\n"
	"	mov %rdi, %r9\n"
	"	mov $0x6111, %edi\n"
	"	xor %esi, %esi\n"
	"	mov $56, %eax\n"
	"	syscall\n"
	"	mov %r9, %rdi\n"
	"	jmp *sr_vfork_back(%rip)\n"
	"	.p2align 4\n"
	"sr_clone_thunk:\n"
	"	test $0x4000, %edi\n"
	"	jz 1f\n"
	"	or $0x2000, %rdi\n"
	"1:	mov $56, %eax\n"
	"	syscall\n"
	"	jmp *sr_clone_back(%rip)\n");
extern const unsigned char sr_vfork_thunk[] HIDDEN, sr_clone_thunk[] HIDDEN;

/* `mov $nr,%eax; syscall` at at, made a jump to the thunk, and a nop */
static bool jump_to(unsigned char *at, const unsigned char *thunk, long mem)
{
	unsigned char b[7] = { 0xe9, 0, 0, 0, 0, 0x66, 0x90 };
	long rel = thunk - (at + 5);
	int32_t rel32 = (int32_t)rel;

	if (rel != rel32)
		return false;
	memcpy(b + 1, &rel32, sizeof(rel32));
	return sites_write(at, b, sizeof(b), mem);
}

void sr_patch_forks(const struct text *t, void *(*sym)(const char *name), long mem)
{
	struct fork_sites f;

	sites_forks(t, sym, &f);
	if (f.vfork) {
		sr_vfork_back = f.vfork + 7;
		jump_to(f.vfork, sr_vfork_thunk, mem);
	}
	if (f.clone) {
		sr_clone_back = f.clone + 7;
		jump_to(f.clone, sr_clone_thunk, mem);
	}
}
