// SPDX-License-Identifier: GPL-2.0-or-later
/* The loader's calls the filter makes notifications (filter.c), made
 * again with a stop when their result is needed (tracer.h: divert). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <unistd.h>
#include <linux/audit.h>

#include "tracer/inproc.h"
#include "tracer/tracer.h"

#ifndef ERESTARTNOINTR
#define ERESTARTNOINTR 513
#endif

/*
 * The loader's openat or fstat at one of its own sites, which the filter
 * makes a notification (filter.c), that needs its result: a build's own
 * audit module opened, or a call of a loader sandrun-audit.so did not
 * rewrite.  A notification has no result stop, so the call is made again
 * with one: it fails with -ERESTARTNOINTR, which the kernel restarts at
 * the thread's next signal, and a SIGSTOP of sandrun's is that signal.
 * At its stop (divert_at_signal) the top half of the call's mode or flags
 * (which the kernel does not read: int and umode_t arguments; the filter
 * matched it only when 0) is set to DIVERT_TAG: no match for the filter,
 * which then stops the call as any other; its result stop clears it.
 * (A build's own SIGSTOP that came with sandrun's is one signal, which is
 * dropped; sending it clears a pending SIGCONT: a window of microseconds.)
 */
#define DIVERT_TAG 0x53524456ULL	/* "SRDV" */

bool divert(struct task *task)
{
	if (syscall(SYS_tgkill, task->proc->tgid, task->tid, SIGSTOP) < 0)
		return false;
	task->divert_sent = true;
	return true;
}

/* The loader's call, at a signal's stop: tagged (once), and sandrun's
 * SIGSTOP dropped; returns the signal to deliver. */
int divert_at_signal(struct task *task, int sig)
{
	struct user_regs_struct r;
	siginfo_t si;

	if (ptrace(PTRACE_GETREGS, task->tid, 0, &r) == 0 && r.rip != INPROC_SYSCALL_END &&
	    (long long)r.rax == -ERESTARTNOINTR &&
	    (r.orig_rax == SYS_openat || r.orig_rax == SYS_newfstatat) && !(r.r10 >> 32)) {
		r.r10 |= DIVERT_TAG << 32;
		ptrace(PTRACE_SETREGS, task->tid, 0, &r);
	}
	if (sig != SIGSTOP || ptrace(PTRACE_GETSIGINFO, task->tid, 0, &si) < 0 ||
	    si.si_code != SI_TKILL || si.si_pid != 0)
		return sig;
	task->divert_sent = false;
	return 0;
}

/* Whether a call's mode or flags carry DIVERT_TAG. */
bool diverted(uint32_t arch, uint64_t nr, uint64_t arg3)
{
	return arch == AUDIT_ARCH_X86_64 && (nr == SYS_openat || nr == SYS_newfstatat) &&
	       arg3 >> 32 == DIVERT_TAG;
}

/* At a diverted call's result stop: its mode or flags as they were. */
void divert_done(struct task *task)
{
	struct user_regs_struct r;

	if (ptrace(PTRACE_GETREGS, task->tid, 0, &r) == 0 &&
	    diverted(AUDIT_ARCH_X86_64, r.orig_rax, r.r10)) {
		r.r10 &= 0xffffffffULL;
		ptrace(PTRACE_SETREGS, task->tid, 0, &r);
	}
}

/* Whether the registers are a call the filter makes the loader's
 * notification (filter.c: L_OPEN_LD, L_FSTAT_LD). */
bool loader_call(const struct tracer *t, const struct user_regs_struct *r)
{
	const struct filter_loader *ld = &t->opts->loader;
	unsigned off = r->rip & 0xfff;

	if (r->orig_rax == SYS_openat && (uint32_t)r->rdi == (uint32_t)AT_FDCWD &&
	    r->rdx == (O_RDONLY | O_CLOEXEC) && r->r10 == 0) {
		for (unsigned i = 0; i < ld->nopen; i++)
			if (ld->open[i] == off)
				return true;
	} else if (r->orig_rax == SYS_newfstatat && r->r10 == AT_EMPTY_PATH) {
		for (unsigned i = 0; i < ld->nfstat; i++)
			if (ld->fstat[i] == off)
				return true;
	}
	return false;
}
