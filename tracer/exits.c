// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where a process ends, for the tracer: its exit event, the files it
 * still had open for writing, and what it recorded in-process since its
 * last stop.
 *
 * With seccomp notifications, a process's one thread takes no exit stop
 * (PTRACE_O_TRACEEXIT off): a ptrace stop wakes the tracer and then the
 * thread, each on its own CPU, where a notification is answered on the
 * thread's.  Its exit and exit_group are notifications instead (filter.c),
 * where the process is still whole: its rings are read (as at any
 * notification), its files still open for writing digested through its
 * fds, and its exit event emitted with the status the call gives.
 *
 * A process can end without either: by a signal.  A signal that kills by
 * default comes with a signal stop, where the thread gets its exit stop
 * back (exit_arm_signal): if the signal kills it, it stops there as
 * before.  A seccomp filter of the build's own may kill without a stop:
 * a process that loads one keeps its exit stops, and so do those it
 * forks (exit_own_filter).  Only SIGKILL is left, which stops nowhere:
 * its death (exit_died) is where the process ends then, and what it
 * recorded since its last stop is lost with its memory; the trace says
 * so (an untraceable event, "sandrun:killed") when it may have recorded
 * in-process (with the preload, and unless it waited for its vfork child
 * since its last stop).
 *
 * Threads of a process with more than one, sandbox's init and every
 * thread while notifications do not run keep their exit stops.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/util.h"
#include "tracer/filter.h"
#include "tracer/tracer.h"

/* (i386's numbers: the filter's notifications come from int 0x80 too) */
#define I386_EXIT 1
#define I386_EXIT_GROUP 252
#define I386_PRCTL 172
#define I386_SECCOMP 354

bool exit_stops_wanted(const struct tracer *t, const struct task *task)
{
	const struct proc *pr = task->proc;

	return !t->notify_on || t->teardown || !pr || pr->nthreads != 1 ||
	       pr->tgid == t->init_pid || pr->own_filter || task->exit_armed;
}

void exit_vfork_released(struct tracer *t, struct task *child)
{
	struct task *p = child->vfork_parent ? task_find(&t->procs, child->vfork_parent) : NULL;

	if (p)
		p->vfork_blocked = false;
}

void proc_exiting(struct tracer *t, struct task *task, unsigned long status)
{
	struct proc *pr = task->proc;

	exit_vfork_released(t, task);
	inproc_vfork_done(t, task);
	/* Each thread ends here once (exit_group included); the last one
	 * ends the process. */
	if (pr && !task->exit_seen) {
		task->exit_seen = true;
		pr->alive--;
	}
	if (pr && pr->alive <= 0 && !pr->exited) {
		struct event ev = { .kind = EV_EXIT, .pid = pr->tgid,
				    .aux = (int64_t)status };

		pr->exited = true;
		if (pr->tgid != t->init_pid) {
			decode_flush_writes(t, task, -1, FLUSH_CLOSE);
			tracer_emit(t, &ev);
		} else {
			/* pid 1 kills and reaps everything before it exits:
			 * what is on disk now is the run's after-state. */
			snapshot_after_all(t, task->tid);
		}
	}
}

static bool is_exit(uint32_t arch, int nr)
{
	if (arch == AUDIT_ARCH_I386)
		return nr == I386_EXIT || nr == I386_EXIT_GROUP;
	nr &= ~FILTER_X32_BIT;
	return arch == AUDIT_ARCH_X86_64 && (nr == SYS_exit || nr == SYS_exit_group);
}

void exit_noted(struct tracer *t, struct task *task, uint32_t arch, int nr,
		const uint64_t args[6])
{
	/* (a thread with its exit stop ends there; the notification came
	 * first, and the rings were read at it) */
	if (!is_exit(arch, nr) || task->exit_stops)
		return;
	inproc_npend_lost(t, task);
	t->exits_seen++;
	/* (the kernel's status from exit's argument: do_exit) */
	proc_exiting(t, task, (args[0] & 0xff) << 8);
}

/* Whether path (an execve's, in the sandbox) is a file exec could run:
 * ELF, or a script. */
static bool runnable(struct tracer *t, const char *path)
{
	char magic[4];
	int fd = path ? tracee_open(t, 0, path, O_RDONLY | O_NOCTTY | O_NONBLOCK) : -1;
	bool ok = fd >= 0 && pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
		  (!memcmp(magic, "\177ELF", 4) || !memcmp(magic, "#!", 2));

	if (fd >= 0)
		close(fd);
	return ok;
}

void exit_died(struct tracer *t, pid_t tid, int status)
{
	struct task *task = task_find(&t->procs, tid);
	struct proc *pr = task ? task->proc : NULL;
	bool fresh = false;

	if (task && task->teardown_wait) {
		task->teardown_wait = false;
		t->teardown_pending--;
	}
	/* (a thread of several, with its exit stop, ends at it: one killed
	 * by another's exec has none, and is not its process's leader; a
	 * process's one thread whose exit stop did not come, which the
	 * kernel skips for a SIGKILL that comes while the thread is at a
	 * stop, or a new child's that it did not inherit, ends here) */
	if (!pr || task->exit_seen || pr->tgid == t->init_pid ||
	    (task->exit_stops && !task->opts_unknown &&
	     (pr->nthreads != 1 || task->tid != pr->tgid)))
		return;
	/* A notified execve whose new program died before its first stop
	 * or notification: it exec'd if its file can run (a failure is
	 * told, unless the kill came first), and recorded nothing (its
	 * recorder is armed only after the loader's first notification);
	 * the file that ran, by its path. */
	if (task->has_npend && task->npend.desc->dec == DEC_EXEC &&
	    runnable(t, task->npend.ev.path)) {
		t->execs_seen++;
		exec_done(t, task, task->tid);
		fresh = true;
	}
	inproc_npend_lost(t, task);
	/* (a vfork child killed: its parent runs again, but at pid 1's kill
	 * it dies too, with nothing recorded since its vfork) */
	if (!(t->teardown && t->teardown_fd < 0))
		exit_vfork_released(t, task);
	inproc_vfork_done(t, task);
	task->exit_seen = true;
	if (--pr->alive > 0 || pr->exited)
		return;
	pr->exited = true;
	/* (its fds are gone with it: the files, by their paths) */
	decode_flush_writes(t, task, -1, FLUSH_CLOSE | FLUSH_GONE);
	/* (only a process whose recorder was armed may have lost records: a
	 * static program's never is) */
	if (t->inproc && (pr->inproc_armed || pr->nrings) && !pr->inproc_bad &&
	    !task->vfork_blocked && !fresh) {
		struct event ev = { .kind = EV_UNTRACEABLE, .pid = pr->tgid };

		ev.name = xstrdup("exit");
		ev.path = xstrdup("sandrun:killed");
		tracer_emit(t, &ev);
	}
	{
		struct event ev = { .kind = EV_EXIT, .pid = pr->tgid, .aux = status };

		tracer_emit(t, &ev);
	}
}

/* (SIGCHLD, SIGCONT, SIGURG, SIGWINCH are ignored by default; the stop
 * signals stop) */
static bool kills_by_default(int sig)
{
	switch (sig) {
	case 0:
	case SIGCHLD:
	case SIGCONT:
	case SIGURG:
	case SIGWINCH:
	case SIGSTOP:
	case SIGTSTP:
	case SIGTTIN:
	case SIGTTOU:
		return false;
	default:
		return true;
	}
}

void exit_arm_signal(struct tracer *t, struct task *task, int sig)
{
	if (task->exit_stops || !kills_by_default(sig))
		return;
	task->exit_armed = true;
	set_stop_options(t, task);
}

bool exit_own_filter(struct tracer *t, struct task *task, uint32_t arch, int nr,
		     const uint64_t args[6])
{
	bool is, seccomp;

	if (arch == AUDIT_ARCH_I386) {
		seccomp = nr == I386_SECCOMP;
		is = seccomp || nr == I386_PRCTL;
	} else {
		seccomp = arch == AUDIT_ARCH_X86_64 && (nr & ~FILTER_X32_BIT) == SYS_seccomp;
		is = seccomp || (arch == AUDIT_ARCH_X86_64 && (nr & ~FILTER_X32_BIT) == SYS_prctl);
	}
	if (!is || !task->proc)
		return false;
	/* A listener of the build's own (only without sandrun's: the kernel
	 * allows one a process): what it is notified of and lets run takes
	 * no trace stop. */
	if (seccomp && !t->notify_on && args[0] == SECCOMP_SET_MODE_FILTER &&
	    (args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		struct event ev = {
			.kind = EV_UNTRACEABLE, .pid = task->proc->tgid, .tid = task->tid,
			.name = xstrdup("seccomp"), .path = xstrdup("sandrun:listener"),
		};

		tracer_emit(t, &ev);
	}
	task->proc->own_filter = true;
	set_stop_options(t, task);
	tracer_resume(task->tid, PTRACE_CONT, 0);
	return true;
}

/*
 * The teardown.  When the command is gone, pid 1 kills whatever is left
 * with SIGKILL (runner/child.c), which stops nowhere: first, every
 * thread without its exit stop is interrupted (PTRACE_INTERRUPT) and
 * gets it back at its next stop (as does any thread that stops from
 * then on, a new child too), and only then is pid 1 told to go on.  A
 * vfork's parent waiting for its child is not waited for (it stops only
 * once its child lets it go, which may be never): it records nothing
 * while it waits, and its rings were read at its vfork.  (pid 1 waits a
 * bounded time, and goes on at EOF: sandrun gone.)  pid 1 is told only
 * once the last of them is resumed (exit_teardown_ready, after the
 * stop's handling): a SIGKILL that came to a thread at a stop the tracer
 * took, before it resumed it, would have that resume end the thread's
 * exit stop, unseen.  A child whose first stop came before its parent's
 * fork event, which the kill may have taken, is let go then: it would
 * wait for that event for ever.
 */
void exit_teardown_ready(struct tracer *t)
{
	struct timespec zero = { 0, 0 };
	sigset_t pipe, old;

	if (t->teardown_fd < 0 || t->teardown_pending > 0)
		return;
	/* (pid 1 gone on without it, past its bound: EPIPE, and the
	 * SIGPIPE that comes with it taken here, not sandrun's death) */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	if (write(t->teardown_fd, "k", 1) < 0 && errno == EPIPE)
		sigtimedwait(&pipe, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	close(t->teardown_fd);
	t->teardown_fd = -1;
	for (size_t i = 0; i < ARRAY_SIZE(t->procs.buckets); i++)
		for (struct task *task = t->procs.buckets[i]; task; task = task->next)
			exit_teardown_parked(t, task);
}

bool exit_teardown_parked(struct tracer *t, struct task *task)
{
	if (!t->teardown || t->teardown_fd >= 0 || task->proc)
		return false;
	task->parked = false;
	tracer_resume(task->tid, PTRACE_CONT, 0);
	return true;
}

void exit_teardown(struct tracer *t)
{
	if (t->teardown)
		return;
	t->teardown = true;
	for (size_t i = 0; i < ARRAY_SIZE(t->procs.buckets); i++)
		for (struct task *task = t->procs.buckets[i]; task; task = task->next) {
			if (!task->proc || task->exit_stops || task->exit_seen ||
			    task->proc->tgid == t->init_pid ||
			    ptrace(PTRACE_INTERRUPT, task->tid, 0, 0) < 0 || task->vfork_blocked)
				continue;
			task->teardown_wait = true;
			t->teardown_pending++;
		}
}

void exit_teardown_stop(struct tracer *t, struct task *task)
{
	task->vfork_blocked = false;
	if (!t->teardown)
		return;
	if (!task->exit_stops)
		set_stop_options(t, task);
	if (task->teardown_wait) {
		task->teardown_wait = false;
		t->teardown_pending--;
	}
}
