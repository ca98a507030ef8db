/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_PROCS_H
#define SR_PROCS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "tracer/event.h"
#include "tracer/syscalls.h"

struct inproc_rec;

/* What the tracer knows of the processes it follows. */

enum {
	FDF_WRITE = 1 << 0,	/* opened for writing: digest at close */
	FDF_CLOEXEC = 1 << 1,
	FDF_LISTED = 1 << 2,	/* its directory listing was recorded */
	FDF_LOG = 1 << 3,	/* the log sandrun's output goes to, opened
				 * for writing by name: written, not digested */
	FDF_TMPFILE = 1 << 4,	/* O_TMPFILE: a file with no name, its path
				 * the directory's until a link names it */
	FDF_IDENT = 1 << 5,	/* dev and ino are its file's (looked up once,
				 * digests.c: a writer's) */
};

struct fdent {
	char *path;		/* NULL: not a path we know (pipe, socket) */
	uint8_t flags;
	dev_t dev;
	ino_t ino;
};

struct fdtable {
	struct fdent *v;
	int n;
};

/* A thread's ring of in-process records (tracer/inproc.h). */
struct ring_ref {
	uint64_t addr;
	pid_t tid;		/* the thread writing it */
	pid_t lent;		/* a vfork child writing it meanwhile (the
				 * child's records: the child reads them) */
	uint32_t done;		/* slots read: the tracer's own count once
				 * known (else the ring's, at its next read) */
	bool known;
	bool shared;		/* its memory is another process's too (a
				 * clone with CLONE_VM, not a vfork): the
				 * ring's own count is read and told each time */
};

/* A thread group. */
struct proc {
	pid_t tgid;
	pid_t nspid;		/* its pid in the sandbox's pid namespace, once
				 * a path of /proc/<pid> asked (decode.c), or 0 */
	pid_t parent;		/* the tgid that forked it, 0 for the root */
	char *cwd;
	struct fdtable fds;
	int nthreads;		/* tasks attached (freed at 0) */
	int alive;		/* threads not yet at their exit stop */
	bool exited;
	bool inproc_hello;	/* its preload asked to record */
	bool inproc_armed;	/* the trampoline is mapped and filled */
	bool inproc_bad;	/* other code found on its page: its records
				 * are read no more */
	bool own_filter;	/* it (or one it was forked from) loaded a
				 * seccomp filter of its own, which may kill
				 * it: its threads keep their exit stops
				 * (exits.c) */
	struct ring_ref *rings;
	int nrings;
	uint64_t visited;	/* the last procs_each that saw it */
	char **mapped;		/* files mapped shared and writable, which
				 * may change until it exits or execs: their
				 * wrote is then (decode_exit.c) */
	int nmapped;
	bool writes_flushed;	/* their wrote, and the close-on-exec
				 * writers', made at the entry of the
				 * execve it makes last */
};

/* A syscall stopped at entry, waiting for its result. */
struct pending {
	const struct sc_desc *desc;
	uint32_t arch;
	bool x32;		/* x86_64's x32 entry: 32-bit pointers in
				 * its structs and arrays, as i386's */
	uint64_t args[6];
	struct event ev;
	int fd;			/* the fd the syscall works on, or -1 */
	int tmpfile_fd;		/* a link's: the O_TMPFILE fd it names, or -1 */
	char *raw[2];		/* path, path2 before lexical normalization,
				 * when they hold "..": the kernel resolves
				 * ".." after following links (kept past
				 * decode_entry for the policy's check with
				 * keep_raw, then freed by its caller) */
	bool keep_raw;
	bool by_real;		/* a name the policy does not allow let
				 * through for where the kernel finds it
				 * (enforce.c), checked again at the exit */
	char *root;		/* openat2's RESOLVE_IN_ROOT: the directory
				 * that is "/" for raw[0] (relative then) */
	const struct inproc_rec *rec;	/* replaying an in-process record:
					 * its path and result, not memory */
	const struct inproc_rec *told;	/* a notified call's result, told
					 * in the thread's ring: with the
					 * identity of the file it opened,
					 * looked at instead of the fd (which
					 * may hold another file by then) */
	uint64_t envp_was;	/* an exec's environment argument before
				 * exec_env.c replaced it, or 0 */
	bool relative;		/* a path given relative to the cwd or a
				 * dirfd (base_current) */
	bool change;		/* a change made now (not an in-process
				 * record's replay): its base is the
				 * kernel's (proc_base_from_kernel) */
	bool magic;		/* a path given through /proc or /dev (say
				 * /proc/self/fd/3/a): what the kernel walks
				 * from is the object behind the magic link,
				 * which the tracer's name of it may no
				 * longer name */
	bool exe_known;		/* exe: an execve's file, as its entry
				 * found it (exec_env.c reuses it) */
	bool notified;		/* made by sandrun-rec.so through the
				 * trampoline: a seccomp notification (or a
				 * stop that is answered like one), whose
				 * registers are not changed, with no stop
				 * at its result (inproc.h: INPROC_AGAIN) */
	bool again;		/* notified: the tracer asks for the ordinary
				 * way (INPROC_AGAIN) */
	struct stat exe;
};

/* A thread. */
struct task {
	pid_t tid;
	struct proc *proc;	/* NULL until its creator's fork event */
	bool parked;		/* stopped before we knew its parent */
	bool fresh;		/* its first stop is still to come */
	bool has_pending;
	bool exit_seen;		/* its PTRACE_EVENT_EXIT came, or its exit's
				 * notification (exits.c) */
	bool exec_stops;	/* PTRACE_O_TRACEEXEC is set for it (execs.c:
				 * set_stop_options) */
	bool exit_stops;	/* PTRACE_O_TRACEEXIT is (exits.c) */
	bool opts_unknown;	/* a new child's: what it inherited is set again
				 * at its first stop */
	bool exit_armed;	/* a signal that kills by default came to it:
				 * it keeps its exit stops */
	bool teardown_wait;	/* interrupted to get its exit stop back
				 * (exits.c: exit_teardown) */
	bool vfork_blocked;	/* a vfork's parent, waiting for its child
				 * since its fork event (or its vfork's entry) */
	bool fork_events;	/* PTRACE_O_TRACEFORK and PTRACE_O_TRACEVFORK
				 * are set for it (loop.c: clone_entry) */
	bool clone_pending;	/* a fork or vfork made traced at its entry,
				 * its child not yet known (loop.c) */
	uint32_t clone_flags;	/* its flags, as made */
	pid_t vfork_parent;	/* a vfork child, on its parent's memory until
				 * it execs: the thread it borrowed it from */
	struct pending pend;
	bool has_npend;
	struct pending npend;	/* a notified call's, until its thread
				 * tells its result (inproc.c), or its
				 * signal's or exec's stop (loop.c) */
	bool divert_sent;	/* the loader's call whose result is needed
				 * is to be made again with a stop: our
				 * SIGSTOP is on its way (loop.c: divert) */
	bool divert_tagged;	/* that call, made again, carries the tag
				 * in its mode or flags to its result stop */
	bool audit_open;	/* its call is the loader's open of
				 * sandrun-audit.so (decode.c; loop.c:
				 * on_notify holds its exec's event then) */
	bool audit_loading;	/* and the loader's fstat and close of it
				 * are still to come (loop.c: on_notify) */
	struct task *next;	/* hash chain */
};

struct procs {
	struct task *buckets[4096];
	size_t ntasks;
	uint64_t walks;		/* procs_each's calls */
};

struct task *task_find(struct procs *ps, pid_t tid);
struct task *task_add(struct procs *ps, pid_t tid);
void task_remove(struct procs *ps, pid_t tid);
/* Drop the task's thread from its process; frees the process with its
 * last thread. */
void task_detach(struct task *t);

struct proc *proc_new(pid_t tgid, pid_t parent, const char *cwd);
/* A forked copy: same cwd, a copy of the fd table. */
struct proc *proc_fork(const struct proc *parent, pid_t tgid);
void proc_free(struct proc *p);

struct fdent *fd_lookup(struct proc *p, int fd);
/* What stands for a directory the fd table cannot name (an fd it does
 * not know, a cwd taken from one): paths below it keep it (decode.c) */
#define FD_UNNAMED "/?unknown-fd"
void fd_put(struct proc *p, int fd, const char *path, uint8_t flags);
void fd_close(struct proc *p, int fd);
/* Where a change's relative path starts (the cwd of thread tid, stopped
 * in the call, for dirfd AT_FDCWD, else the file dirfd holds), as the
 * kernel names it, taken into the tables where theirs differs. */
void proc_base_from_kernel(struct proc *p, pid_t tid, int dirfd);
/* A file the process maps shared and writable (once each); whether path
 * is one. */
void proc_mapped(struct proc *p, const char *path);
bool proc_is_mapped(const struct proc *p, const char *path);
/* Its mappings gone (an exec, its exit). */
void proc_unmapped(struct proc *p);

/* fn on every process once (its threads are tasks of one proc), until it
 * returns false; false then. */
bool procs_each(struct procs *ps, bool (*fn)(struct proc *p, void *arg), void *arg);

/* A rename from -> to done (both ways with exchange): every process's
 * cwd and fds named below from (or from itself) are named below to now,
 * as the kernel walks them.  (An fd on a file the rename replaced keeps
 * its name, as one on a file unlinked does: the fold finds it gone.
 * Names below FD_UNNAMED are each process's own: none is renamed.) */
void procs_renamed(struct procs *ps, const char *from, const char *to, bool exchange);

#endif
