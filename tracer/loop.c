// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The ptrace loop: while (dispatch(next_stop())).  Stops arrive for
 * syscalls the seccomp filter marked (SECCOMP_RET_TRACE), for the exit of
 * those whose result is needed, and for fork/vfork/clone, exec and exit
 * events.  Signals and group-stops are passed through unchanged.  A tracee
 * that vanishes (ESRCH) is an event, not an error: its exit is reported by
 * waitpid like any other.
 *
 * close, close_range, the preload's requests and the calls it makes
 * notified (a writing open, mkdir, unlink, rmdir, chdir, execve; their
 * results told by a request: tracer/inproc.h, INPROC_AGAIN) are seccomp
 * notifications instead (tracer/filter.h): a second thread takes
 * them from the listener the command process hands over (INPROC_LISTENER,
 * notify.c) and answers them (tracer_on_notify, here) as the entry stop of
 * the same syscall would be, without
 * ptrace's stop and its two trips through the scheduler (where the
 * kernel can, on the tracee's CPU: SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP).
 * A thread waiting in a notification makes no other event, so its
 * events keep their order; the two threads handle theirs one at a time,
 * holding the tracer's lock.  Only this loop's thread makes ptrace calls.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/ptrace.h>
#include <linux/seccomp.h>

#include "lib/exitcode.h"
#include "lib/util.h"
#include "tracer/filter.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

void tracer_emit(struct tracer *t, struct event *ev)
{
	/* (an exec kept back comes first: it was first) */
	if (t->exec_deferred && ev != &t->deferred)
		exec_flush(t);
	if (!ev->tid)
		ev->tid = t->cur_tid;
	if (spool_append(&t->spool, ev) < 0)
		t->io_error = true;
	event_clear(ev);
}

int tracer_seize(struct tracer *t, pid_t init_pid, struct sr_error **err)
{
	struct task *task;

	exec_outer_pipes(t, init_pid);
	if (ptrace(PTRACE_SEIZE, init_pid, 0, TRACE_OPTIONS) < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot trace the sandbox (ptrace)");
	t->init_pid = init_pid;
	t->notify_fd = t->notify_stop = t->teardown_fd = -1;
	t->mem_hand_fd = -1;
	pthread_mutex_init(&t->lock, NULL);
	task = task_add(&t->procs, init_pid);
	task->fresh = false;
	task->exec_stops = task->exit_stops = task->fork_events = true;
	task->proc = proc_new(init_pid, 0, t->opts->cwd);
	return 0;
}

uint64_t tracer_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* When the stop this thread handles was answered (resumed), or 0: its
 * time ends there (the thread resumed may take this one's CPU). */
static __thread uint64_t answered;

void tracer_resume(pid_t tid, int how, int sig)
{
	if (!answered)
		answered = tracer_now_ns();
	/* ESRCH: it is gone; waitpid will say so. */
	ptrace(how, tid, 0, sig);
}

/* At a thread's stop, before it is handled: what its process recorded
 * in-process, and until its trampoline is found armed, whether it is
 * now (inproc.c). */
static void catch_up(struct tracer *t, struct task *task, const struct task *stopped)
{
	struct proc *pr = task->proc;

	if (t->nclone_waiting && pr)
		clone_settle(t, pr, stopped);
	if (pr && (pr->nrings || (t->inproc && !pr->inproc_armed)))
		inproc_drain(t, task);
}

void tracer_catch_up(struct tracer *t, struct task *task)
{
	catch_up(t, task, task);
}

void tracer_catch_up_running(struct tracer *t, struct task *leader)
{
	catch_up(t, leader, NULL);
}

/* (the kernel's, not in userspace's errno.h) */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513

/* The preload's requests, and mmap-family calls reaching the trampoline
 * (the only other syscalls the filter stops when the preload is on). */
static void on_inproc(struct tracer *t, struct task *task,
		      const struct ptrace_syscall_info *si)
{
	const char *name = NULL;
	uint64_t args[6];
	int r;

	for (int i = 0; i < 6; i++)
		args[i] = si->seccomp.args[i];
	switch (si->seccomp.nr & ~FILTER_X32_BIT) {
	case INPROC_NR:
		if (args[0] == INPROC_KEY && args[1] == INPROC_LISTENER &&
		    !(si->seccomp.nr & FILTER_X32_BIT)) {
			r = notify_start(t, task, args[2]);
			/* (sandrun's own, before the command: uncounted) */
			if (r == (int)INPROC_YES) {
				t->stops--;
				t->stops_by[STOP_REQUEST]--;
				set_stop_options(t, task);
			}
			enforce_skip(task->tid, r);
		} else if (args[0] == INPROC_KEY && !(si->seccomp.nr & FILTER_X32_BIT))
			enforce_skip(task->tid, (int)inproc_request(t, task, si->arch, args));
		tracer_resume(task->tid, PTRACE_CONT, 0);
		return;
	case SYS_mmap:
		name = "mmap";
		break;
	case SYS_mprotect:
		name = "mprotect";
		break;
	case SYS_pkey_mprotect:
		name = "pkey_mprotect";
		break;
	case SYS_mremap:
		name = "mremap";
		break;
	case SYS_shmat:
		name = "shmat";
		break;
	default:
		tracer_resume(task->tid, PTRACE_CONT, 0);
		return;
	}
	r = inproc_map_entry(t, task, name, args);
	if (r < 0)
		enforce_skip(task->tid, r);
	tracer_resume(task->tid, PTRACE_CONT, 0);
}

/* A traced syscall's entry (d), decoded and checked against the policy;
 * true if its result is needed (a notified call's: told by its thread,
 * or an execve's exec stop).  *deny: 0, or the -errno to fail
 * it with. */
static bool syscall_entry(struct tracer *t, struct task *task, const struct sc_desc *d,
			  uint32_t arch, bool x32, const uint64_t args[6], bool notified,
			  int *deny)
{
	bool exit_stop;

	*deny = 0;
	if (task->has_pending)
		event_clear(&task->pend.ev);
	task->pend.desc = d;
	task->pend.arch = arch;
	task->pend.x32 = x32;
	task->pend.notified = notified;
	task->pend.again = false;
	task->pend.envp_was = 0;
	task->pend.exe_known = false;
	memcpy(task->pend.args, args, sizeof(task->pend.args));
	task->has_pending = true;
	/* (the paths as the kernel walks them, for the policy's check of
	 * a lookup of nothing there) */
	task->pend.keep_raw = t->opts->policy != NULL;
	task->pend.by_real = false;
	exit_stop = decode_entry(t, task);
	/* (a probe answered at the entry has been emitted: nothing to check) */
	if (t->opts->policy && task->pend.ev.name) {
		*deny = enforce_entry(t, task);
		if (*deny < 0)
			exit_stop = false;
	}
	task->pend.keep_raw = false;
	free(task->pend.raw[0]);
	free(task->pend.raw[1]);
	task->pend.raw[0] = task->pend.raw[1] = NULL;
	if (!exit_stop) {
		event_clear(&task->pend.ev);
		task->has_pending = false;
	}
	return exit_stop;
}

/* One of sandrun-rec.so's notified calls (inproc.h: INPROC_AGAIN),
 * through the trampoline.  (Any other call made there that stops is an
 * ordinary one, with its result stop.) */
static bool is_notified(const struct tracer *t, uint32_t arch, int nr, const uint64_t args[6],
			uint64_t ip)
{
	return t->inproc && arch == AUDIT_ARCH_X86_64 && ip == INPROC_SYSCALL_END &&
	       filter_notified_nr(nr) && (nr != SYS_openat || (args[2] & INPROC_OPEN_DENY));
}

/* A notified call's entry, decoded (exit_stop: an event waits for its
 * result): in npend, for the result the thread tells (an execve's
 * failure; its success is its exec stop). */
static void notified_entry(struct tracer *t, struct task *task, bool exit_stop)
{
	if (!exit_stop)
		return;
	inproc_npend(t, task, task->pend.desc, task->pend.args);
	task->npend = task->pend;
	task->has_npend = true;
	memset(&task->pend.ev, 0, sizeof(task->pend.ev));
	task->has_pending = false;
}

static void on_seccomp(struct tracer *t, struct task *task)
{
	struct ptrace_syscall_info si;
	const struct sc_desc *d;
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, task->tid, sizeof(si), &si);
	bool exit_stop, request, notified;
	uint64_t args[6];
	int deny;

	request = n > 0 && si.op == PTRACE_SYSCALL_INFO_SECCOMP && si.arch == AUDIT_ARCH_X86_64 &&
		  si.seccomp.nr == INPROC_NR && si.seccomp.args[0] == INPROC_KEY;
	t->stops_by[request ? STOP_REQUEST : STOP_ENTRY]++;
	if (n <= 0 || si.op != PTRACE_SYSCALL_INFO_SECCOMP || !task->proc) {
		tracer_resume(task->tid, PTRACE_CONT, 0);
		return;
	}
	/* What the thread recorded in-process came before this syscall. */
	tracer_catch_up(t, task);
	if (exit_own_filter(t, task, si.arch, (int)si.seccomp.nr,
			    (const uint64_t *)si.seccomp.args) ||
	    clone_entry(t, task, si.arch, si.seccomp.nr))
		return;
	d = sc_lookup(si.arch, (int)si.seccomp.nr);
	if (!d) {
		/* (a request is the listener's hand-over without inproc) */
		if ((t->inproc || request) && si.arch == AUDIT_ARCH_X86_64) {
			on_inproc(t, task, &si);
			return;
		}
		tracer_resume(task->tid, PTRACE_CONT, 0);
		return;
	}
	for (int i = 0; i < 6; i++)
		args[i] = si.seccomp.args[i];
	/* (a shared writable mmap (DEC_MMAP) may be the prefix's stop of
	 * an executable one: the trampoline's guard first) */
	if (d->dec == DEC_MMAP && t->inproc && si.arch == AUDIT_ARCH_X86_64 &&
	    (deny = inproc_map_entry(t, task, "mmap", args)) < 0) {
		enforce_skip(task->tid, deny);
		tracer_resume(task->tid, PTRACE_CONT, 0);
		return;
	}
	/* (without notifications, the preload's notified calls stop:
	 * answered as their notification would be) */
	notified = is_notified(t, si.arch, (int)si.seccomp.nr, args, si.instruction_pointer);
	exit_stop = syscall_entry(t, task, d, si.arch,
				  si.arch == AUDIT_ARCH_X86_64 && (si.seccomp.nr & FILTER_X32_BIT),
				  args, notified, &deny);
	if (task->pend.again)
		deny = (int)INPROC_AGAIN;
	if (deny)
		enforce_skip(task->tid, deny);
	if (notified)
		notified_entry(t, task, exit_stop);
	/* (a diverted call's result stop puts its mode or flags back) */
	if (diverted(si.arch, si.seccomp.nr, args[3])) {
		task->divert_sent = false;
		task->divert_tagged = exit_stop = true;
	}
	tracer_resume(task->tid, exit_stop && !notified ? PTRACE_SYSCALL : PTRACE_CONT, 0);
}

/* A notification (filter.h: close, close_range, the preload's requests
 * and notified calls), answered as at the syscall's entry stop: CONTINUE,
 * or the answer in resp. */
void tracer_on_notify(struct tracer *t, const struct seccomp_notif *req,
		      struct seccomp_notif_resp *resp)
{
	struct task *task = task_find(&t->procs, (pid_t)req->pid);
	const struct seccomp_data *sd = &req->data;
	const struct sc_desc *d;
	uint64_t args[6];
	bool notified, exit_stop;
	int deny = 0;

	for (int i = 0; i < 6; i++)
		args[i] = sd->args[i];
	resp->id = req->id;
	resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	t->stops++;
	t->stops_by[STOP_NOTIFY]++;
	/* (a thread not known yet cannot have run: it starts stopped) */
	if (!task || !task->proc)
		return;
	task->vfork_blocked = false;
	t->cur_tid = task->tid;
	t->unarmed = 0;
	/* (its event kept back: made before the answer, or after the next
	 * one where this is the loader's open of sandrun-audit.so, below
	 * and notify.c's exec_later) */
	t->exec_defer = true;
	exec_seen(t, task);
	t->exec_defer = false;
	/* The loader's fstat and close of sandrun-audit.so, after its open:
	 * the module is not loaded yet, so its page is not armed (no read
	 * that fails); anything else ends the wait. */
	if (task->audit_loading) {
		bool fstat = sd->arch == AUDIT_ARCH_X86_64 &&
			     (sd->nr == SYS_newfstatat || sd->nr == SYS_fstat);

		if (fstat || (sd->arch == AUDIT_ARCH_X86_64 && sd->nr == SYS_close))
			t->unarmed = task->tid;
		task->audit_loading = fstat;
	}
	tracer_catch_up(t, task);
	if (sd->arch == AUDIT_ARCH_X86_64 && sd->nr == INPROC_NR) {
		long r = sd->args[0] != INPROC_KEY || sd->args[1] == INPROC_LISTENER ? -ENOSYS :
			 sd->args[1] == INPROC_MEM ? mem_open(task) :
			 inproc_request(t, task, sd->arch, args);

		resp->flags = 0;
		/* (its answer once the fd is in the process's table, which
		 * waits for the process to run: notify.c, without the lock) */
		if (sd->args[1] == INPROC_MEM && r >= 0) {
			t->mem_hand_fd = (int)r;
			return;
		}
		if (r < 0)
			resp->error = (int32_t)r;
		else
			resp->val = r;
		return;
	}
	/* sandrun-rec.so's fork (filter.c): as at a fork's entry stop */
	if (sd->arch == AUDIT_ARCH_X86_64 && sd->nr == SYS_clone &&
	    sd->instruction_pointer == INPROC_SYSCALL_END) {
		int r = clone_noted(t, task, sd->args[0]);

		if (r < 0) {
			resp->flags = 0;
			resp->error = r;
		}
		return;
	}
	exit_noted(t, task, sd->arch, sd->nr, args);
	d = sc_lookup(sd->arch, sd->nr);
	if (!d)
		return;
	notified = is_notified(t, sd->arch, sd->nr, args, sd->instruction_pointer);
	/* (no result to wait for: the filter sends none that needs it but
	 * the preload's, which it records, and the loader's, made again with
	 * a stop if it does) */
	task->audit_open = false;
	exit_stop = syscall_entry(t, task, d, sd->arch,
				  sd->arch == AUDIT_ARCH_X86_64 && (sd->nr & FILTER_X32_BIT),
				  args, notified, &deny);
	/* The loader opens sandrun-audit.so: its fstat and close of it come
	 * next, the process's first notifications after its exec.  Its exec's
	 * event (notified, exec_done), if this thread's, is kept back past
	 * this answer and the next one (of any process, usually the fstat's),
	 * and made while the loader maps the module: the close waits for it,
	 * and nothing before it changes the fds whose pipes the event names
	 * (notify.c).  Where the fstat is no notification (filter.h: empty),
	 * the event is made right after this answer, the same way. */
	if (task->audit_open && t->inproc && sd->arch == AUDIT_ARCH_X86_64 && sd->nr == SYS_openat &&
	    !deny && !task->pend.again) {
		bool held = t->exec_deferred && t->deferred_tid == task->tid;

		task->audit_loading = true;
		if (t->opts->loader.has_empty)
			t->exec_held = held;
		else
			t->exec_hold = held;
	}
	task->audit_open = false;
	if (notified)
		notified_entry(t, task, exit_stop);
	else if (exit_stop) {
		event_clear(&task->pend.ev);
		task->has_pending = false;
		if (sd->arch == AUDIT_ARCH_X86_64 &&
		    (sd->nr == SYS_openat || sd->nr == SYS_newfstatat) && divert(t, task) > 0) {
			resp->flags = 0;
			resp->error = -ERESTARTNOINTR;
			return;
		}
	}
	if (task->pend.again) {
		resp->flags = 0;
		resp->val = INPROC_AGAIN;
	} else if (deny < 0) {
		resp->flags = 0;
		resp->error = deny;
	}
}

static void on_syscall_exit(struct tracer *t, struct task *task)
{
	struct ptrace_syscall_info si;
	long n = ptrace(PTRACE_GET_SYSCALL_INFO, task->tid, sizeof(si), &si);

	/* (interrupted, its signal's stop does: at_signal) */
	if (task->divert_tagged && n > 0 && si.op == PTRACE_SYSCALL_INFO_EXIT &&
	    !(si.exit.is_error && si.exit.rval >= -516 && si.exit.rval <= -512)) {
		task->divert_tagged = false;
		divert_done(task);
	}

	/* An execve's success, where it has no exec stop: the new program
	 * is here, before anything of the old one's is looked at. */
	if (n > 0 && si.op == PTRACE_SYSCALL_INFO_EXIT && task->has_pending &&
	    task->pend.desc->dec == DEC_EXEC && !task->exec_stops && !si.exit.is_error &&
	    si.exit.rval == 0)
		exec_done(t, task, task->tid);
	/* What other threads recorded came before this result (a close
	 * there freed the fd this open may have got). */
	tracer_catch_up(t, task);
	if (n > 0 && si.op == PTRACE_SYSCALL_INFO_EXIT && task->has_pending) {
		/* -ERESTARTSYS .. -ERESTART_RESTARTBLOCK: interrupted, and
		 * restarted through seccomp again; not an event. */
		if (si.exit.is_error && si.exit.rval >= -516 && si.exit.rval <= -512)
			event_clear(&task->pend.ev);
		else {
			if (t->opts->policy)
				enforce_exit(t, task, si.exit.rval);
			decode_exit(t, task, si.exit.rval);
		}
		task->has_pending = false;
	}
	tracer_resume(task->tid, PTRACE_CONT, 0);
}

static void on_fork(struct tracer *t, struct task *parent, int event)
{
	unsigned long msg = 0;

	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) < 0 || !parent->proc)
		goto out;
	/* The child starts with the fd table as of now. */
	tracer_catch_up(t, parent);
	fork_done(t, parent, (pid_t)msg, event);
	/* (fork events back off, after one had for a call: forks.c) */
	if (parent->fork_events)
		set_stop_options(t, parent);
out:
	tracer_resume(parent->tid, PTRACE_CONT, 0);
}

static void on_exec(struct tracer *t, struct task *task)
{
	unsigned long former = 0;

	ptrace(PTRACE_GETEVENTMSG, task->tid, 0, &former);
	exec_done(t, task, (pid_t)former);
	set_stop_options(t, task);
	tracer_resume(task->tid, PTRACE_CONT, 0);
}

static void on_exit_event(struct tracer *t, struct task *task)
{
	unsigned long status = 0;

	ptrace(PTRACE_GETEVENTMSG, task->tid, 0, &status);
	tracer_catch_up(t, task);
	proc_exiting(t, task, status);
	tracer_resume(task->tid, PTRACE_CONT, 0);
}

/*
 * At a signal's stop, the thread's syscall if it has just returned (the
 * signal came at its end, or interrupted it):
 *  - a notified call the tracer took (inproc.h: INPROC_AGAIN) gets its
 *    result here, before the handler runs, as at its result stop (the
 *    thread's INPROC_RESULT then finds none waiting), or from the
 *    request that tells it if the signal came to that; one interrupted
 *    (-ERESTART*) is no event, and is made again if restarted;
 *  - a close, close_range, request, notified call, exit or exit_group
 *    (exits.c) or the loader's call (filter.c) that a signal came
 *    to while it waited for the tracer to take its notification: the
 *    kernel withdraws it, and the syscall returns -ERESTARTSYS, which a
 *    handler without SA_RESTART would turn into EINTR, leaving an fd
 *    open (a close never does that), or failing a call that never fails
 *    so (an exit that returns: glibc's _exit then runs hlt, a SIGSEGV).
 *    It is made to be restarted whatever the handler's flags.
 */
static void at_signal(struct tracer *t, struct task *task)
{
	struct ptrace_syscall_info si;
	struct user_regs_struct r;
	unsigned long long nr;
	long long rv;
	bool compat, again, taken = false, untagged = false;

	if ((!t->notify_on && !task->has_npend) || ptrace(PTRACE_GETREGS, task->tid, 0, &r) < 0)
		return;
	rv = (long long)r.rax;
	/* a diverted call (divert.c) that the signal interrupted: the
	 * kernel restarts it (untagged: a notification again), or fails it
	 * with EINTR, as the handler asks */
	if (task->divert_tagged && rv != -ERESTARTNOINTR &&
	    diverted(AUDIT_ARCH_X86_64, r.orig_rax, r.r10)) {
		task->divert_tagged = false;
		r.r10 &= 0xffffffffULL;
		untagged = ptrace(PTRACE_SETREGS, task->tid, 0, &r) == 0;
	}
	if (task->has_npend) {
		/* (what other threads recorded came before: as at a result
		 * stop) */
		tracer_catch_up(t, task);
		/* the request that tells it, which the signal came to (its
		 * argument); or the call itself, at its end or at its ret */
		if (r.orig_rax == INPROC_NR && r.rdi == INPROC_KEY && r.rsi == INPROC_RESULT) {
			notified_told(t, task, (long long)r.rdx, NULL);
		} else if (r.rip == INPROC_SYSCALL_END &&
			   ((long long)r.orig_rax == -1 ? rv > -4096 :
			    r.orig_rax < 1024 &&
			    task->npend.desc == sc_lookup(AUDIT_ARCH_X86_64, (int)r.orig_rax))) {
			taken = (long long)r.orig_rax != -1;
			notified_told(t, task, rv, NULL);
		}
	}
	/* (one call more at few signal stops; the arch is the syscall's,
	 * int 0x80 from 64-bit code too) */
	if (!t->notify_on || rv != -ERESTARTSYS || taken ||
	    ptrace(PTRACE_GET_SYSCALL_INFO, task->tid, sizeof(si), &si) <= 0)
		return;
	compat = si.arch == AUDIT_ARCH_I386;
	nr = compat ? r.orig_rax : r.orig_rax & ~(unsigned long long)FILTER_X32_BIT;
	/* (close_range is 436 on both) */
	if (compat)
		again = nr == 6 /* i386 close */ || nr == SYS_close_range ||
			nr == 1 /* i386 exit */ || nr == 252 /* i386 exit_group */;
	else
		again = nr == SYS_close || nr == SYS_close_range || nr == SYS_exit ||
			nr == SYS_exit_group || r.orig_rax == INPROC_NR ||
			(r.rip == INPROC_SYSCALL_END && filter_notified_nr((int)nr) &&
			 (nr != SYS_openat || (r.rdx & INPROC_OPEN_DENY))) ||
			/* (the preload's fork: a fork is never EINTR) */
			(r.rip == INPROC_SYSCALL_END && nr == SYS_clone) ||
			(!untagged && loader_call(t, &r));
	if (again) {
		r.rax = (unsigned long long)-ERESTARTNOINTR;
		ptrace(PTRACE_SETREGS, task->tid, 0, &r);
	}
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

const char *const stop_kind_names[STOP_KINDS] = {
	[STOP_START] = "start", [STOP_FORK] = "fork", [STOP_EXEC] = "exec",
	[STOP_EXIT] = "exit", [STOP_SIGNAL] = "signal", [STOP_ENTRY] = "syscall_entry",
	[STOP_RESULT] = "syscall_result", [STOP_REQUEST] = "request",
	[STOP_NOTIFY] = "notification", [STOP_DIVERT] = "divert",
};

static void dispatch(struct tracer *t, pid_t tid, int status)
{
	struct task *task = task_find(&t->procs, tid);
	int sig = WSTOPSIG(status), event = (unsigned)status >> 16;

	if (!task)
		task = task_add(&t->procs, tid);
	/* (what the last notification said of its thread's page holds no
	 * more: a child's first stop reads its parent's rings, clone_claim) */
	t->unarmed = 0;
	if (!task->proc) {
		/* Its creator's fork event is still to come: wait for it.
		 * (Its first stop, counted here as when it comes after.) */
		t->stops++;
		t->stops_by[STOP_START]++;
		if (!exit_teardown_parked(t, task)) {
			task->parked = true;
			clone_claim(t, task);
		}
		return;
	}
	t->stops++;
	t->cur_tid = tid;
	exit_teardown_stop(t, task);
	if (event != PTRACE_EVENT_EXEC)
		exec_seen(t, task);
	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(t, task);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		t->stops_by[STOP_FORK]++;
		on_fork(t, task, event);
		return;
	case PTRACE_EVENT_EXEC:
		t->stops_by[STOP_EXEC]++;
		on_exec(t, task);
		return;
	case PTRACE_EVENT_EXIT:
		t->stops_by[STOP_EXIT]++;
		on_exit_event(t, task);
		return;
	case PTRACE_EVENT_STOP:
		t->stops_by[STOP_START]++;
		if (task->fresh || !is_stop_signal(sig)) {
			if (task->fresh)
				set_stop_options(t, task);
			task->fresh = false;
			tracer_resume(tid, PTRACE_CONT, 0);
		} else {
			/* A group-stop: stay stopped until SIGCONT. */
			tracer_resume(tid, PTRACE_LISTEN, 0);
		}
		return;
	default:
		break;
	}
	if (sig == (SIGTRAP | 0x80)) {
		t->stops_by[STOP_RESULT]++;
		on_syscall_exit(t, task);
		return;
	}
	/* A signal for the tracee: deliver it unchanged. */
	t->stops_by[STOP_SIGNAL]++;
	task->fresh = false;
	if (task->divert_sent && !(sig = divert_at_signal(t, task, sig))) {
		t->stops_by[STOP_SIGNAL]--;
		t->stops_by[STOP_DIVERT]++;
	}
	at_signal(t, task);
	exit_arm_signal(t, task, sig);
	tracer_resume(tid, PTRACE_CONT, sig);
}

/* A stop dispatched since start, its time added to its kind's (the one
 * whose count it raised: none for the listener's hand-over). */
static void stop_timed(struct tracer *t, const uint64_t before[STOP_KINDS], uint64_t start)
{
	uint64_t end = answered ? answered : tracer_now_ns();

	for (int k = 0; k < STOP_KINDS; k++)
		if (k != STOP_NOTIFY && t->stops_by[k] > before[k]) {
			t->handling_ns[k] += end - start;
			return;
		}
}

int tracer_loop(struct tracer *t, int *ret_init_status, struct sr_error **err)
{
	uint64_t before[STOP_KINDS], start;
	bool init_done = false;
	int status, r;
	pid_t tid;

	for (;;) {
		tid = waitpid(-1, &status, __WALL);
		if (tid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			r = errno;
			notify_end(t);
			return sr_error_make(err, SR_EXIT_FAILURE, r,
					     "waiting for the sandbox");
		}
		start = tracer_now_ns();
		pthread_mutex_lock(&t->lock);
		/* (an exec's event kept back, digested before its process
		 * can exec again: notify.c) */
		exec_flush(t);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (tid == t->init_pid) {
				*ret_init_status = status;
				init_done = true;
			}
			exit_died(t, tid, status);
			if (t->nclone_waiting) {
				struct task *gone = task_find(&t->procs, tid);

				if (gone)
					clone_unwait(t, gone);
			}
			task_remove(&t->procs, tid);
			if (tid == t->root_pid)
				exit_teardown(t);
		} else if (WIFSTOPPED(status)) {
			memcpy(before, t->stops_by, sizeof(before));
			answered = 0;
			dispatch(t, tid, status);
			stop_timed(t, before, start);
		}
		if (t->teardown)
			exit_teardown_ready(t);
		pthread_mutex_unlock(&t->lock);
	}
	notify_end(t);
	if (t->notify_failed)
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
				     "lost the seccomp listener: the sandbox was killed");
	if (!init_done)
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
				     "lost track of the sandbox");
	return 0;
}

void tracer_free(struct tracer *t)
{
	notify_end(t);
	/* (the notification thread emits what it keeps back by its next
	 * answer, the ptrace loop at its next stop: nothing is left here
	 * but after a failure) */
	if (t->exec_deferred)
		event_clear(&t->deferred);
	t->exec_deferred = false;
	for (size_t i = 0; i < ARRAY_SIZE(t->procs.buckets); i++)
		while (t->procs.buckets[i])
			task_remove(&t->procs, t->procs.buckets[i]->tid);
	free(t->clone_waiting);
	t->clone_waiting = NULL;
	t->nclone_waiting = t->clone_waiting_cap = 0;
	digest_cache_free(t);
	exec_loaders_free(t);
	snapshot_free(t);
	spool_close(&t->spool);
	violations_free(t->vlist, t->nvlist);
	t->vlist = NULL;
	t->nvlist = 0;
	if (t->root_fd > 0)
		close(t->root_fd);
	t->root_fd = 0;
	if (t->teardown_fd >= 0)
		close(t->teardown_fd);
	t->teardown_fd = -1;
}
