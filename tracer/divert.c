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

#include "lib/util.h"
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
 * which then stops the call as any other; its result stop clears it, or,
 * if a signal interrupted it, that signal's stop (at_signal), where the
 * kernel restarts it or fails it with EINTR as the handler asks.
 * (A build's own SIGSTOP that came with sandrun's is one signal, which is
 * dropped; sending it discards a SIGCONT pending for the thread's whole
 * process: each a window of microseconds.)
 */
#define DIVERT_TAG 0x53524456ULL	/* "SRDV" */

int divert(struct tracer *t, struct task *task)
{
	if (syscall(SYS_tgkill, task->proc->tgid, task->tid, SIGSTOP) == 0) {
		task->divert_sent = true;
		return 1;
	}
	if (errno == ESRCH)	/* (gone: nothing more of it to record) */
		return 0;
	/* (refused: the call runs, unrecorded, and the trace says so) */
	{
		struct event ev = { .kind = EV_UNTRACEABLE, .pid = task->proc->tgid,
				    .result = -errno };

		ev.name = xstrdup(task->pend.desc ? task->pend.desc->name : "openat");
		ev.path = xstrdup("sandrun:divert");
		tracer_emit(t, &ev);
	}
	return -1;
}

/* The loader's call, at a signal's stop: tagged (once), and sandrun's
 * SIGSTOP dropped; returns the signal to deliver.  (Ours: sent from
 * outside the thread's pid namespace, with its details, or without them
 * when the thread's user has RLIMIT_SIGPENDING signals queued already,
 * which the kernel reports as a kill() from nobody there.) */
int divert_at_signal(const struct tracer *t, struct task *task, int sig)
{
	struct user_regs_struct r;
	siginfo_t si;

	if (ptrace(PTRACE_GETREGS, task->tid, 0, &r) == 0 &&
	    (long long)r.rax == -ERESTARTNOINTR && loader_call(t, &r)) {
		r.r10 |= DIVERT_TAG << 32;
		ptrace(PTRACE_SETREGS, task->tid, 0, &r);
	}
	if (sig != SIGSTOP || ptrace(PTRACE_GETSIGINFO, task->tid, 0, &si) < 0 ||
	    (si.si_code != SI_TKILL && si.si_code != SI_USER) || si.si_pid != 0)
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

	if (r->rip == INPROC_SYSCALL_END)
		return false;
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
