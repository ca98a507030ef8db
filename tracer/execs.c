// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An exec's success, for the tracer: at its exec stop, or, for the one
 * thread of a process, which has none, where it is seen to have exec'd
 * (its next stop or notification, or its result stop); what it leaves of
 * the old program (its fds closed on exec, its rings, a vfork parent's
 * memory) and its event.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ptrace.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "policy/policy.h"
#include "tracer/digest_cache.h"
#include "tracer/tracer.h"

/* The inode of the pipe on a tracee's fd, 0 if it is not a pipe. */
static uint32_t fd_pipe(pid_t tid, int fd)
{
	char link[48], buf[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 7 || memcmp(buf, "pipe:[", 6))
		return 0;
	buf[n] = '\0';
	return (uint32_t)strtoul(buf + 6, NULL, 10);
}

/* The pipes on stdin and stdout after an exec, for following data down
 * a pipeline; those sandrun itself was given are the caller's, not the
 * build's (they would make a trace depend on how sandrun was run). */
static int64_t exec_pipes(const struct tracer *t, pid_t tid)
{
	uint32_t io[2];

	for (int fd = 0; fd < 2; fd++) {
		io[fd] = fd_pipe(tid, fd);
		for (int k = 0; k < 3; k++)
			if (io[fd] == t->outer_pipes[k])
				io[fd] = 0;
	}
	return (int64_t)((uint64_t)io[0] << 32 | io[1]);
}

void exec_outer_pipes(struct tracer *t, pid_t init_pid)
{
	for (int fd = 0; fd < 3; fd++)
		t->outer_pipes[fd] = fd_pipe(init_pid, fd);
}

/*
 * Exec stops (PTRACE_O_TRACEEXEC) for a thread that is not its process's
 * only one (a thread's exec takes the leader's tid: its event says which
 * it was), or while notifications do not run.  The one thread of a
 * process needs none: its notified execve's success is seen at its next
 * stop or notification (exec_seen), an ordinary one's at its result stop
 * (on_syscall_exit).  Set while the thread is stopped (at its first
 * stop, an exec's, a thread's creation); a new one has its creator's.
 * The command's process stops at its exec (sandrun's own, before which
 * it hands the listener over).  Exit stops (PTRACE_O_TRACEEXIT)
 * likewise, as exits.c says; fork events as forks.c says.
 */
void set_stop_options(struct tracer *t, struct task *task)
{
	bool want = !t->inproc || !t->notify_on || !task->proc || task->proc->nthreads != 1 ||
		    task->proc->tgid == t->init_pid ||
		    (task->proc->tgid == t->root_pid && !t->root_execd);
	bool exits = exit_stops_wanted(t, task);
	bool forks = !forks_at_entry(t, task);
	long opts = TRACE_OPTIONS;

	if (!want)
		opts &= ~PTRACE_O_TRACEEXEC;
	if (!exits)
		opts &= ~PTRACE_O_TRACEEXIT;
	if (!forks)
		opts &= ~FORK_OPTIONS;
	if ((task->opts_unknown || want != task->exec_stops || exits != task->exit_stops ||
	     forks != task->fork_events) &&
	    ptrace(PTRACE_SETOPTIONS, task->tid, 0, opts) == 0) {
		task->exec_stops = want;
		task->exit_stops = exits;
		task->fork_events = forks;
		task->opts_unknown = false;
	}
}

/*
 * A thread without exec stops, with a notified execve waiting for its
 * result, at its next stop or notification: if the trampoline's page is
 * gone, the execve succeeded, and this is the new program's first stop
 * (the page is there in the program that made the call, and a new one
 * has it only after its loader opened the audit module, which reaches
 * the tracer: a notification).
 * Handled here as at an exec stop, before anything of the old program's
 * (its rings) is looked at.  A new program killed before its first
 * stop is seen at its exit stop (one killed by SIGKILL stops there too).
 * Taken for an exec: one that fails past its point of no return (the
 * process dies of SIGSEGV), and a process that unmaps the page after an
 * execve that failed, without telling the result: its execve's event is
 * in the trace as if it had exec'd, and nothing it does afterwards goes
 * unrecorded (its rewritten calls cannot be made without the page;
 * others stop).
 */
void exec_seen(struct tracer *t, struct task *task)
{
	if (task->exec_stops || !task->has_npend || task->npend.desc->dec != DEC_EXEC ||
	    !inproc_page_gone(task->tid))
		return;
	t->unarmed = task->tid;
	t->execs_seen++;
	exec_done(t, task, task->tid);
}

/* A notified execve's event, waiting in npend: its exec stop is here,
 * where pend is looked at (take: task is the thread that exec'd; an
 * ordinary execve's in pend is newer: a notified one after it would have
 * cleared it).  Any other call waiting there was cut short by the exec
 * (its thread killed), and is no event. */
static void notified_exec(struct task *task, bool take)
{
	if (!task->has_npend)
		return;
	if (take && !task->has_pending && task->npend.desc->dec == DEC_EXEC) {
		task->pend = task->npend;
		task->has_pending = true;
	} else {
		event_clear(&task->npend.ev);
	}
	memset(&task->npend.ev, 0, sizeof(task->npend.ev));
	task->has_npend = false;
}

/* A #! script's interpreter into its exec's event (post.target: the
 * program its digest is of): the file the path names is not the one
 * the process runs, and starts with "#!".  (The interpreter as the
 * script names it, in the sandbox's view; a symlink to a program is
 * the program, and is left alone.) */
static void exec_script(struct tracer *t, pid_t tid, struct event *ev)
{
	char exe[64], fdpath[64], magic[2];
	struct stat a, b;
	int fd;

	if (!ev->path || ev->post.has || ev->post.target)
		return;
	fd = tracee_open(t, tid, ev->path, O_RDONLY | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return;
	snprintf(exe, sizeof(exe), "/proc/%d/exe", (int)tid);
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	if (fstat(fd, &b) == 0 && stat(exe, &a) == 0 &&
	    (a.st_dev != b.st_dev || a.st_ino != b.st_ino) &&
	    pread(fd, magic, 2, 0) == 2 && magic[0] == '#' && magic[1] == '!')
		ev->post.target = exec_interpreter(fdpath);
	close(fd);
}

/*
 * The loader the kernel loaded with the program (its ELF interpreter,
 * PT_INTERP), and its digest, into its exec's event (loader, and
 * post.digest): it runs in every dynamically linked process as much as
 * the program does (musl's is its libc), yet no syscall of the build
 * opens it.  Which one a program names is read from its file once, and
 * kept by the file's identity (exe: /proc/TID/exe's).
 */
static void exec_loader(struct tracer *t, pid_t tid, const struct stat *exe,
			struct event *ev)
{
	uint64_t h = ((uint64_t)exe->st_dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)exe->st_ino;
	struct loader_slot *s = &t->loaders[(h ^ h >> 29) % LOADER_SLOTS];

	if (!exe->st_ino || ev->kind != EV_EXEC)
		return;
	if (!s->used || s->dev != exe->st_dev || s->ino != exe->st_ino ||
	    s->mtime != ns(&exe->st_mtim) || s->ctime != ns(&exe->st_ctim)) {
		char path[64];
		cleanup_close int fd = -1;
		struct stat st;

		snprintf(path, sizeof(path), "/proc/%d/exe", (int)tid);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0 || fstat(fd, &st) < 0 || st.st_dev != exe->st_dev ||
		    st.st_ino != exe->st_ino)
			return;
		free(s->loader);
		*s = (struct loader_slot){
			.dev = st.st_dev, .ino = st.st_ino, .mtime = ns(&st.st_mtim),
			.ctime = ns(&st.st_ctim), .loader = exec_interpreter_fd(fd), .used = true,
		};
	}
	if (!s->loader)
		return;
	ev->loader = xstrdup(s->loader);
	digest_tracee_file(t, tid, ev->loader, &ev->post.digest);
}

void exec_loaders_free(struct tracer *t)
{
	for (size_t i = 0; i < LOADER_SLOTS; i++) {
		free(t->loaders[i].loader);
		t->loaders[i] = (struct loader_slot){ 0 };
	}
}

/* An exec's event completed and emitted (tid: the thread that runs the
 * new program): its pipes, and what it ran, for locks and diffs, digested
 * through its process while it lives (it execs nothing else before its
 * next stop or notification, which waits for this), else by its path
 * (exits.c). */
static void exec_emit(struct tracer *t, pid_t tid, struct event *ev)
{
	struct stat exe;

	ev->aux = exec_pipes(t, tid);
	if (digest_tracee_exe(t, tid, &ev->digest, &exe) < 0 && ev->path) {
		digest_tracee_path(t, 0, ev->path, &ev->digest);
	} else {
		exec_script(t, tid, ev);
		exec_loader(t, tid, &exe, ev);
	}
	tracer_emit(t, ev);
}

/* An exec's success: at its exec stop (former: the tid of the thread
 * that exec'd), or where a thread without exec stops is seen to have.
 * Its event is emitted here, or with t->exec_defer (at a notification,
 * whose answer may not need to wait for the event's making, notify.c)
 * kept in t->deferred until exec_flush, which the next event's emission
 * calls first. */
void exec_done(struct tracer *t, struct task *task, pid_t former)
{
	struct task *old;
	struct proc *pr;

	/* A non-leader thread exec'd: it now has the leader's tid, and
	 * its pending execve is under its old tid. */
	if (former != task->tid && (old = task_find(&t->procs, former))) {
		notified_exec(old, true);
		if (old->has_pending) {
			if (task->has_pending)
				event_clear(&task->pend.ev);
			task->pend = old->pend;
			task->has_pending = true;
			old->has_pending = false;
		}
		task_remove(&t->procs, former);
	}
	notified_exec(task, former == task->tid);
	pr = task->proc;
	if (pr && pr->tgid == t->root_pid)
		t->root_execd = true;
	exit_vfork_released(t, task);
	inproc_vfork_done(t, task);
	task->vfork_parent = 0;
	if (pr) {
		inproc_exec(pr);
		/* Only this thread survives an exec. */
		pr->nthreads = 1;
		pr->alive = 1;
		/* The survivor may carry the old leader's task, whose exit
		 * stop was already seen. */
		task->exit_seen = false;
		/* (their wrote was at the exec's entry, but where its file
		 * was not there then: by their paths now) */
		if (!pr->writes_flushed)
			decode_flush_writes(t, task, -1, FLUSH_CLOEXEC | FLUSH_GONE);
		pr->writes_flushed = false;
		for (int fd = 0; fd < pr->fds.n; fd++)
			if (pr->fds.v[fd].path && (pr->fds.v[fd].flags & FDF_CLOEXEC))
				fd_close(pr, fd);
		proc_unmapped(pr);
	}
	if (pr && task->has_pending && task->pend.desc->dec == DEC_EXEC) {
		struct event *ev = &task->pend.ev;

		ev->result = 0;
		ev->pid = pr->tgid;
		tracer_keep_root(t, task->tid);
		task->has_pending = false;
		if (t->exec_defer && !t->exec_deferred) {
			t->deferred = *ev;
			if (!t->deferred.tid)
				t->deferred.tid = task->tid;
			t->deferred_tid = task->tid;
			t->exec_deferred = true;
			memset(ev, 0, sizeof(*ev));
			return;
		}
		exec_emit(t, task->tid, ev);
	}
}

void exec_flush(struct tracer *t)
{
	t->exec_hold = t->exec_held = false;
	if (!t->exec_deferred)
		return;
	t->exec_deferred = false;
	exec_emit(t, t->deferred_tid, &t->deferred);
}
