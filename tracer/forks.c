// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A new process or thread, for the tracer: by its creator's fork event,
 * or, with the preload and notifications, by a fork made traced at its
 * entry.
 *
 * A fork event is a ptrace stop of the parent right where its child is
 * made, on the parent's own path: measured on a 2-CPU VM, a fork and
 * exec of /bin/true costs ~0.55 ms more with fork events, ~0.25 ms with
 * a stop at the fork's entry instead, ~0.05 ms with neither (the child's
 * first stop, and the parent's SIGCHLD, are taken while the parent goes
 * on).  So with the preload and notifications no thread has fork events
 * (PTRACE_O_TRACEFORK, PTRACE_O_TRACEVFORK; a thread's clone keeps
 * PTRACE_O_TRACECLONE's), and the filter (filter.c: fork_rules) stops
 * at its entry instead every fork or vfork that would make a child
 * nothing reports, where:
 *  - what the thread recorded in-process so far has been read (the
 *    child's fd table is the parent's as of here);
 *  - a clone gets CLONE_PTRACE (and loses CLONE_UNTRACED, which would
 *    keep even a fork event from reporting it): the child is traced from
 *    its start, and stops first thing;
 *  - any other (fork(2), vfork(2), a clone with CLONE_THREAD or
 *    CLONE_PARENT, whose child's parent is not the caller) has its fork
 *    event back for this one call.
 * glibc's fork() (its _Fork, a dash's subshell or command substitution)
 * takes no such stop: sandrun-rec.so makes its clone with CLONE_PTRACE
 * through the trampoline (preload/rec.c: rec_fork), a notification,
 * which does the same but the flags (clone_noted: the thread's records
 * are read before it, at every notification).
 * The child's first stop then finds whose it is (clone_claim: its
 * parent process's thread waiting for one).  A fork's parent runs on,
 * and may come to the tracer first: its child is looked for among its
 * children then (clone_settle), before anything it recorded after the
 * fork is read; where its records are read while it runs (another
 * thread's stop, a rename's catch-up of every process), its fork may
 * still be on its way: it is waited for still, and its thread's ring is
 * not read until its child is known (clone_in_flight).
 * A stop at a vfork's entry would cost as much as its event (its parent
 * waits for its child anyway, and the child's own first stop is on the
 * way): sandrun-rec.so makes glibc's vfork() and posix_spawn() a clone
 * with CLONE_VFORK and CLONE_PTRACE (preload/forks.c), which the filter
 * lets run.  Its child's first stop finds it by its registers (the
 * clone's, its flags there), its parent waiting for it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <unistd.h>

#include "lib/util.h"
#include "tracer/filter.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

bool forks_at_entry(const struct tracer *t, const struct task *task)
{
	return t->inproc && t->notify_on && task->proc && task->proc->tgid != t->init_pid &&
	       !(task->proc->tgid == t->root_pid && !t->root_execd);
}

/* /proc/PID/NAME's start (a file the kernel makes whole at the first
 * read: one read), NUL-terminated in buf; false if the task is gone. */
static bool proc_read(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		n = read(fd, buf, len - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

/* A task's Tgid and PPid from /proc/TID/status; false if it is gone.
 * (Read raw, not through stdio: at every child's first stop, where a
 * fopen and a sscanf a line cost more than the kernel's making of the
 * file.) */
static bool proc_status(pid_t tid, long *tgid, long *ppid)
{
	char buf[1024];
	const char *tg, *pp;

	/* (both in the first lines; the name before them is escaped) */
	if (!proc_read(tid, "status", buf, sizeof(buf)))
		return false;
	tg = strstr(buf, "\nTgid:");
	pp = strstr(buf, "\nPPid:");
	if (!tg || !pp)
		return false;
	*tgid = strtol(tg + 6, NULL, 10);
	*ppid = strtol(pp + 6, NULL, 10);
	return true;
}

/* Linux 6.13's PIDFD_GET_INFO and 6.9's PIDFD_THREAD, where the headers
 * predate them (linux/pidfd.h). */
struct pidfd_info_v0 {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
};
_Static_assert(sizeof(struct pidfd_info_v0) == 64, "PIDFD_INFO_SIZE_VER0");
#define SR_PIDFD_GET_INFO _IOWR(0xFF, 11, struct pidfd_info_v0)
#define SR_PIDFD_INFO_PID 1ULL
#define SR_PIDFD_THREAD O_EXCL

/*
 * A task's Tgid and PPid (its real parent's, as /proc/TID/status says):
 * from a pidfd (PIDFD_GET_INFO) where the kernel has it, else from
 * /proc/TID/status; false if it is gone.  At every child's first stop:
 * a new process's status costs ~50 us to make and read here the first
 * time, a pidfd's ~12 us.
 */
static bool task_ids(pid_t tid, long *tgid, long *ppid)
{
	static bool no_info;	/* (an older kernel: set once, by either thread) */
	struct pidfd_info_v0 info = { .mask = SR_PIDFD_INFO_PID };
	int fd, r, e;

	if (__atomic_load_n(&no_info, __ATOMIC_RELAXED))
		return proc_status(tid, tgid, ppid);
	fd = (int)syscall(SYS_pidfd_open, tid, SR_PIDFD_THREAD);
	if (fd < 0 && errno == ESRCH)
		return false;
	r = fd < 0 ? -1 : ioctl(fd, SR_PIDFD_GET_INFO, &info);
	e = errno;
	if (fd >= 0)
		close(fd);
	if (r == 0 && info.tgid) {
		*tgid = info.tgid;
		*ppid = info.ppid;
		return true;
	}
	if (r < 0 && e == ESRCH)
		return false;
	/* (EINVAL: no PIDFD_THREAD; ENOTTY: no PIDFD_GET_INFO; ENOSYS: no
	 * pidfd_open; anything else, EMFILE say, this once) */
	if (r < 0 && (e == EINVAL || e == ENOTTY || e == ENOSYS))
		__atomic_store_n(&no_info, true, __ATOMIC_RELAXED);
	return proc_status(tid, tgid, ppid);
}

void fork_done(struct tracer *t, struct task *parent, pid_t cid, int event)
{
	struct task *child = task_find(&t->procs, cid);
	long tgid, ppid;

	if (!child)
		child = task_add(&t->procs, cid);
	if (!child->proc) {
		/* (options are inherited, but from before this stop: in the
		 * teardown the parent's may have changed at it,
		 * exit_teardown_stop; then set at the child's first stop
		 * whatever they are) */
		child->exec_stops = parent->exec_stops;
		child->exit_stops = parent->exit_stops;
		child->fork_events = parent->fork_events;
		child->opts_unknown = t->teardown;
		if (event == PTRACE_EVENT_CLONE && task_ids(cid, &tgid, &ppid) && tgid != cid) {
			child->proc = parent->proc;
			parent->proc->nthreads++;
			parent->proc->alive++;
			set_stop_options(t, parent);
		} else {
			struct event ev = {
				.kind = EV_SPAWN, .pid = parent->proc->tgid,
				.other = cid, .tid = parent->tid,
			};

			child->proc = proc_fork(parent->proc, cid);
			if (parent->proc->tgid == t->init_pid && !t->root_pid)
				t->root_pid = cid;
			tracer_emit(t, &ev);
			inproc_forked(t, parent, child, event == PTRACE_EVENT_VFORK);
			if (event == PTRACE_EVENT_VFORK) {
				child->vfork_parent = parent->tid;
				parent->vfork_blocked = true;
			}
		}
	}
	if (child->parked) {
		child->parked = false;
		child->fresh = false;
		set_stop_options(t, child);
		tracer_resume(cid, PTRACE_CONT, 0);
	}
}

static void clone_wait(struct tracer *t, struct task *task, uint32_t flags)
{
	if (!task->clone_pending) {
		if (t->nclone_waiting == t->clone_waiting_cap) {
			t->clone_waiting_cap = t->clone_waiting_cap ? 2 * t->clone_waiting_cap : 8;
			t->clone_waiting = xrealloc(t->clone_waiting,
						    t->clone_waiting_cap * sizeof(*t->clone_waiting));
		}
		t->clone_waiting[t->nclone_waiting++] = task->tid;
	}
	task->clone_pending = true;
	task->clone_flags = flags;
	/* (it waits for its child from here: not for the teardown) */
	if (flags & CLONE_VFORK)
		task->vfork_blocked = true;
}

void clone_unwait(struct tracer *t, struct task *task)
{
	if (!task->clone_pending)
		return;
	task->clone_pending = false;
	for (size_t i = 0; i < t->nclone_waiting; i++)
		if (t->clone_waiting[i] == task->tid) {
			t->clone_waiting[i] = t->clone_waiting[--t->nclone_waiting];
			break;
		}
}

/* The thread's fork events on for the one call it is stopped at; its
 * event (loop.c: on_fork) has set_stop_options take them off again. */
static void fork_events_once(struct task *task)
{
	long opts = TRACE_OPTIONS;

	if (!task->exec_stops)
		opts &= ~PTRACE_O_TRACEEXEC;
	if (!task->exit_stops)
		opts &= ~PTRACE_O_TRACEEXIT;
	if (ptrace(PTRACE_SETOPTIONS, task->tid, 0, opts) == 0)
		task->fork_events = true;
}

bool clone_entry(struct tracer *t, struct task *task, uint32_t arch, uint64_t nr)
{
	bool compat = arch == AUDIT_ARCH_I386;
	struct user_regs_struct r;
	unsigned long long *flags;

	if (!compat)
		nr &= ~(uint64_t)FILTER_X32_BIT;
	/* (i386: clone 120, fork 2, vfork 190; clone3 is 435 on both) */
	if (compat ? nr != 120 && nr != 2 && nr != 190 && nr != SYS_clone3 :
		     nr != SYS_clone && nr != SYS_fork && nr != SYS_vfork && nr != SYS_clone3)
		return false;
	if (ptrace(PTRACE_GETREGS, task->tid, 0, &r) < 0)
		goto out;
	flags = compat ? &r.rbx : &r.rdi;
	if (nr == SYS_clone3) {
		/* (the filter fails every clone3 with ENOSYS: its flags are
		 * in memory another thread can change after any check) */
		enforce_skip(task->tid, -ENOSYS);
		goto out;
	}
	if (nr == (compat ? 120 : SYS_clone)) {
		/* (no fork event reports a child of CLONE_UNTRACED's) */
		bool own = (*flags & CSIGNAL) == SIGCHLD || (*flags & CLONE_VFORK);

		*flags &= ~(unsigned long long)CLONE_UNTRACED;
		if (task->fork_events || !own || (*flags & (CLONE_THREAD | CLONE_PARENT))) {
			if (!task->fork_events && own)
				fork_events_once(task);
			ptrace(PTRACE_SETREGS, task->tid, 0, &r);
			goto out;
		}
		*flags |= CLONE_PTRACE;
	} else {
		if (!task->fork_events)
			fork_events_once(task);
		goto out;
	}
	if (ptrace(PTRACE_SETREGS, task->tid, 0, &r) == 0) {
		clone_wait(t, task, (uint32_t)*flags);
		t->forks_unreported++;
	}
out:
	tracer_resume(task->tid, PTRACE_CONT, 0);
	return true;
}

/* The clone flags a fork of glibc's (_Fork) may have besides its exit
 * signal: nothing shared with the parent, nothing hidden from a tracer. */
#define FORK_FLAGS (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | CLONE_PARENT_SETTID | CLONE_SETTLS)

int clone_noted(struct tracer *t, struct task *task, uint64_t flags)
{
	/* (no other is made there: one could not be made traced from a
	 * notification, which cannot change its flags) */
	if ((flags & CSIGNAL) != SIGCHLD || !(flags & CLONE_PTRACE) ||
	    (flags & ~(uint64_t)(CSIGNAL | CLONE_PTRACE | FORK_FLAGS)))
		return -EPERM;
	/* (its fork event reports the child) */
	if (task->fork_events)
		return 0;
	clone_wait(t, task, (uint32_t)flags);
	t->forks_unreported++;
	return 0;
}

/* The children of thread tid of process tgid (CONFIG_PROC_CHILDREN), all
 * of them, into *out (malloc'd, or NULL); how many. */
static size_t children(pid_t tgid, pid_t tid, pid_t **out)
{
	char path[80];
	size_t n = 0, cap = 0;
	long c;
	FILE *f;

	*out = NULL;
	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)tgid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fscanf(f, "%ld", &c) == 1) {
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			*out = xrealloc(*out, cap * sizeof(**out));
		}
		(*out)[n++] = (pid_t)c;
	}
	fclose(f);
	return n;
}

/* Whether a task is not a zombie (a child its parent has not reaped,
 * long forgotten by the tracer, which saw it die). */
static bool alive(pid_t pid)
{
	char buf[512], *paren;

	if (!proc_read(pid, "stat", buf, sizeof(buf)))
		return false;
	paren = strrchr(buf, ')');
	return paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
}

static bool has_child(const struct task *p, pid_t cid)
{
	pid_t *kids;
	size_t n = children(p->proc->tgid, p->tid, &kids);
	bool found = false;

	for (size_t i = 0; i < n && !found; i++)
		found = kids[i] == cid;
	free(kids);
	return found;
}

/* The thread of process tgid that made child cid (a vfork's: waiting). */
static struct task *vfork_parent(struct tracer *t, pid_t tgid, pid_t cid)
{
	struct task *p = task_find(&t->procs, tgid), *found = NULL;
	char path[48];
	struct dirent *d;
	DIR *dir;

	if (p && p->proc && p->proc->nthreads == 1)
		return p;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)tgid);
	dir = opendir(path);
	if (!dir)
		return NULL;
	while (!found && (d = readdir(dir)) != NULL) {
		p = task_find(&t->procs, (pid_t)atoi(d->d_name));
		if (p && p->proc && p->proc->tgid == tgid && has_child(p, cid))
			found = p;
	}
	closedir(dir);
	return found;
}

/* Whether a thread waits for the child of the clone made with flags. */
static bool waits_for(const struct task *p, long tgid, uint32_t flags)
{
	return p && p->proc && p->proc->tgid == tgid && p->clone_flags == flags;
}

bool clone_claim(struct tracer *t, struct task *child)
{
	struct user_regs_struct r;
	struct task *parent = NULL;
	long tgid, ppid;
	size_t found = 0;
	uint32_t flags;

	/* (the child is stopped right after its clone: its registers are
	 * its parent's at the call but for the result; the flags in the
	 * first argument's, %rbx for i386) */
	if (!task_ids(child->tid, &tgid, &ppid) || tgid != child->tid ||
	    ptrace(PTRACE_GETREGS, child->tid, 0, &r) < 0)
		return false;
	for (size_t i = 0; i < t->nclone_waiting; i++) {
		struct task *p = task_find(&t->procs, t->clone_waiting[i]);

		if (waits_for(p, ppid, (uint32_t)r.rdi) || waits_for(p, ppid, (uint32_t)r.rbx)) {
			parent = p;
			found++;
		}
	}
	/* (threads of one process forking at once: whose child it is) */
	if (found > 1)
		for (size_t i = 0; i < t->nclone_waiting; i++) {
			struct task *p = task_find(&t->procs, t->clone_waiting[i]);

			if (p && p->proc && p->proc->tgid == ppid && p->clone_pending &&
			    has_child(p, child->tid)) {
				parent = p;
				found = 1;
				break;
			}
		}
	if (found == 1) {
		flags = parent->clone_flags;
		clone_unwait(t, parent);
		t->cur_tid = parent->tid;
		fork_done(t, parent, child->tid,
			  (flags & CLONE_VFORK) ? PTRACE_EVENT_VFORK : PTRACE_EVENT_FORK);
		return true;
	}
	/* A vfork made with CLONE_PTRACE (sandrun-rec.so's, which the
	 * filter lets run): its parent waits, and what it recorded up to
	 * the vfork is read now (a fork it made before, still waited for,
	 * settled first, this child left out of its search). */
	if (r.orig_rax != SYS_clone ||
	    (r.rdi & (CLONE_VFORK | CLONE_PTRACE)) != (CLONE_VFORK | CLONE_PTRACE) ||
	    !(parent = vfork_parent(t, (pid_t)ppid, child->tid)) || parent->fork_events)
		return false;
	t->cur_tid = parent->tid;
	t->claiming = child->tid;
	tracer_catch_up(t, parent);
	t->claiming = 0;
	fork_done(t, parent, child->tid, PTRACE_EVENT_VFORK);
	t->forks_unreported++;
	return true;
}

/*
 * A thread's fork is over once the thread is seen stopped again: its
 * child is among its children, or the fork failed.  Another thread of
 * its process at a stop, or a rename's catch-up of a process that runs
 * on, may see the fork before the kernel has made the child: that fork
 * is still waited for, and the child's first stop finds its parent
 * (clone_claim); given up on there, the child would be left stopped,
 * its parent waiting for it.
 */
void clone_settle(struct tracer *t, const struct proc *pr, const struct task *stopped)
{
	for (size_t i = 0; i < t->nclone_waiting; i++) {
		struct task *p = task_find(&t->procs, t->clone_waiting[i]);
		bool found = false;
		pid_t *kids;
		size_t n;

		if (!p || p->proc != pr)
			continue;
		n = children(pr->tgid, p->tid, &kids);
		for (size_t k = 0; k < n && !found; k++) {
			struct task *c = task_find(&t->procs, kids[k]);

			found = (!c || !c->proc) && kids[k] != t->claiming && alive(kids[k]);
			if (found) {
				clone_unwait(t, p);
				fork_done(t, p, kids[k], (p->clone_flags & CLONE_VFORK) ?
								 PTRACE_EVENT_VFORK : PTRACE_EVENT_FORK);
			}
		}
		free(kids);
		/* (none unknown, at its own stop: the fork failed) */
		if (!found && p == stopped)
			clone_unwait(t, p);
		if (!p->clone_pending)
			i--;
	}
}

bool clone_in_flight(struct tracer *t, pid_t tid)
{
	struct task *p;

	if (!t->nclone_waiting)
		return false;
	p = task_find(&t->procs, tid);
	return p && p->clone_pending;
}
