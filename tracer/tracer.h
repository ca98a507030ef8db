/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_TRACER_H
#define SR_TRACER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "lib/digest.h"
#include "lib/error.h"
#include "lib/util.h"
#include "tracer/procs.h"
#include "tracer/filter.h"
#include "tracer/spool.h"

struct tracer_opts {
	enum digest_algo algo;
	const char *cwd;	/* the command's starting directory */
	const char *src;	/* the source tree (other names of hard links) */
	/* Mount points inside it of what is not the tree's (a --tmpfs, a
	 * --bind of a directory from outside it): no state is recorded
	 * below them, so the delta says nothing of what is there after the
	 * run. */
	const char *const *mounted;
	size_t nmounted;
	const struct policy *policy;	/* NULL: record only */
	bool landlock;		/* the policy's paths are also Landlock rules */
	const char *preload;	/* in-process recording: the preload's path
				 * in the sandbox (its own opens are not the
				 * build's); NULL: every syscall stops */
	const char *audit;	/* its part in the loader (LD_AUDIT), or NULL */
	bool preload_appended;	/* sandrun appended ":preload" to the
				 * build's LD_PRELOAD, or set it to it */
	bool audit_appended;	/* the same for LD_AUDIT */
	const char *digest_cache;	/* the digest cache file across runs,
					 * or NULL (digest_cache.c) */
	/* The regular files sandrun's own stdio writes to (a log; stdin
	 * too when it is open for writing, as a shell's <> opens it): the
	 * build inherits them; not a build's output, never a writer the
	 * tracer digests (the preload closes them in-process). */
	struct output_files {
		unsigned n;
		dev_t dev[3];
		ino_t ino[3];
	} outputs;
	/* The loader's sites the filter makes notifications at (filter.h;
	 * loop.c: divert) */
	struct filter_loader loader;
};

/* A policy violation, for the summary and the report (the trace has them
 * all as events). */
enum violation_verdict { V_DENIED, V_ALLOWED, V_KILLED };
struct violation {
	pid_t pid;
	char *call;
	char *path;		/* or NULL */
	unsigned access;	/* PA_* */
	enum violation_verdict verdict;
};
#define VIOLATIONS_KEPT 1000
void violations_free(struct violation *v, size_t n);

struct hash_entry {
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime, ctime;	/* nanoseconds */
	struct digest digest;
	bool used;
	bool keep;		/* worth keeping for later runs (digest_cache_save) */
	bool from_file;		/* from the cache file, not used yet this run */
	bool fresh;		/* taken at a writer's close within git's racy
				 * window: good only while no fd the tracer
				 * knows is open on the file for writing
				 * (digest_known_writer), never kept */
};

/* The kinds of ptrace stop the tracer counts (the run's meta.json):
 * ptrace's own for any traced process (a child's first stop, fork and
 * exec events, the exit event, a signal), and the syscalls it stops. */
enum stop_kind {
	STOP_START,	/* a new child's first stop (one that comes after its
			 * fork event: one before it waits for it, uncounted),
			 * or a group-stop */
	STOP_FORK,	/* fork, vfork, clone events */
	STOP_EXEC,	/* the exec event */
	STOP_EXIT,	/* the exit event */
	STOP_SIGNAL,	/* a signal on its way to the tracee */
	STOP_ENTRY,	/* a syscall's entry (seccomp) */
	STOP_RESULT,	/* a syscall's exit, for its result */
	STOP_REQUEST,	/* the preload's requests (tracer/inproc.h) */
	STOP_NOTIFY,	/* not a ptrace stop: a seccomp notification (close,
			 * the preload's requests: tracer/filter.h) */
	STOP_DIVERT,	/* sandrun's own SIGSTOP, which has one of the
			 * loader's notified calls made again with a stop
			 * (divert.c) */
	STOP_KINDS
};

/* Their names in meta.json. */
extern const char *const stop_kind_names[STOP_KINDS];

/* Syscall numbers a notification is counted under (both architectures'
 * are below it). */
#define NOTIFY_NRS 512

#define LOADER_SLOTS 64

struct tracer {
	const struct tracer_opts *opts;
	struct spool spool;
	struct procs procs;
	pid_t init_pid;		/* the sandbox's pid 1: traced, not recorded */
	struct hash_entry *cache;
	size_t cache_len;
	uint32_t *cache_used;	/* the slots in use */
	size_t ncache_used, cache_used_cap;
	bool cache_dirty;	/* a digest to keep was added */
	int cache_fd;		/* the cache file, open while it has
				 * entries (cache_nfile): each read when
				 * its file is looked up (digest_cache.c),
				 * taken into the table then, */
	uint32_t *cache_index;	/* found by identity there */
	size_t cache_index_len, cache_nfile;
	uint64_t hashed;	/* files read for a digest */
	uint64_t cache_hits;	/* files whose digest came from the cache file */
	uint64_t fresh_hits;	/* reads whose digest was a writer's close's */
	uint64_t stops;
	uint64_t stops_by[STOP_KINDS];	/* the same by kind */
	/* the time they took the tracer, from the stop's arrival (waitpid's
	 * or the notification's) to its answer, by kind: what a tracee
	 * waits for beyond the kernel's round trip (nanoseconds; a
	 * notification's are the notification thread's own, the rest
	 * the main thread's) */
	uint64_t handling_ns[STOP_KINDS];
	/* the notifications' count and time, the same, by syscall (x86_64's
	 * numbers, then i386's; NOTIFY_NRS and above: uncounted) */
	struct notify_stat {
		uint64_t count, ns;
	} notify_by_nr[2][NOTIFY_NRS];
	uint64_t execs_seen;	/* notified execs seen done with no exec stop */
	bool exec_defer;	/* exec_done may keep its event back */
	bool exec_deferred;	/* it did: deferred, until exec_flush */
	bool exec_hold;		/* and past this notification's answer */
	bool exec_held;		/* held so: flushed after the next answer */
	struct event deferred;
	pid_t deferred_tid;	/* its thread */
	/* the loader (PT_INTERP) each program names, by its file's
	 * identity, read once a program (execs.c: exec_loader) */
	struct loader_slot {
		dev_t dev;
		ino_t ino;
		int64_t mtime, ctime;
		char *loader;	/* NULL: none (a static program) */
		bool used;
	} loaders[LOADER_SLOTS];
	uint64_t exits_seen;	/* exits seen at their notification (exits.c) */
	uint64_t mem_fds;	/* fds on their own memory given (INPROC_MEM) */
	int mem_hand_fd;	/* this notification's, to hand over after
				 * the lock is let go (notify.c), or -1 */
	uint64_t forks_unreported;	/* forks and vforks made traced without
					 * a fork event (forks.c) */
	pid_t *clone_waiting;	/* the threads with clone_pending */
	pid_t claiming;		/* the child whose parent is being found */
	size_t nclone_waiting, clone_waiting_cap;
	bool teardown;		/* the command is gone: every thread gets its
				 * exit stop back before pid 1 kills what is
				 * left (exits.c) */
	int teardown_pending;	/* threads still to get it */
	int teardown_fd;	/* pid 1's go for the kill (runner/child.c),
				 * or -1 */
	bool io_error;
	pid_t root_pid;		/* the command: its exit ends the run */
	pid_t cur_tid;		/* the thread whose stop is being handled */
	pid_t unarmed;		/* its trampoline cannot be armed at this
				 * stop: the page was just found gone
				 * (exec_seen), or the loader is loading
				 * sandrun-audit.so (loop.c: on_notify) */
	struct pathset *touched;	/* paths the run changed (snapshot.c) */
	struct pathset *lexical;	/* paths as named, already resolved */
	unsigned long violations;
	struct violation *vlist;	/* the first VIOLATIONS_KEPT */
	size_t nvlist;
	bool breached;		/* a forbidden open happened: the sandbox was killed */
	int root_fd;		/* the command's root (O_PATH), for probes; 0: not open */
	uint32_t outer_pipes[3];	/* pipes sandrun was given as stdio: not the build's */
	bool inproc;			/* answer the preload (tracer/inproc.h) */
	uint64_t inproc_records;	/* syscalls recorded in-process */
	uint64_t inproc_tampered;	/* reaches for the trampoline, bad records */
	/* Seccomp notifications, answered by a thread of their own; it and
	 * the ptrace loop handle their events holding lock (notify.c, loop.c). */
	bool notify_asked;		/* the listener was handed over, or refused */
	bool notify_on;			/* the thread runs */
	bool root_execd;		/* the command process has exec'd */
	bool notify_failed;		/* it ended on its own: the run failed */
	int notify_fd, notify_stop;	/* the listener; an eventfd to end it */
	pthread_t notify_thread;
	pthread_mutex_t lock;
};

/* Seize the sandbox's pid 1 before it starts the command. */
int tracer_seize(struct tracer *t, pid_t init_pid, struct sr_error **err);

/*
 * Follow every process until pid 1 has exited and no tracee is left,
 * appending events to t->spool.  *ret_init_status is pid 1's wait status.
 */
int tracer_loop(struct tracer *t, int *ret_init_status, struct sr_error **err);

void tracer_free(struct tracer *t);

/* Decoders (decode.c, and decode_exit.c for the exit).  Entry: returns
 * true when the exit stop is needed. */
bool decode_entry(struct tracer *t, struct task *task);
void decode_exit(struct tracer *t, struct task *task, int64_t rval);
/* Record what is left open for writing (only_fd, or all: -1), before the
 * fds go away; how: FLUSH_CLOSE (they are no longer writers after), or
 * FLUSH_KEEP (a syscall that may fail: they stay writers) with
 * FLUSH_CLOEXEC (only the close-on-exec ones); FLUSH_GONE: the process
 * is gone, with its fds (the files by their paths). */
enum { FLUSH_CLOSE = 0, FLUSH_KEEP = 1, FLUSH_CLOEXEC = 2, FLUSH_GONE = 4 };
void decode_flush_writes(struct tracer *t, struct task *task, int only_fd, unsigned how);
void tracer_emit(struct tracer *t, struct event *ev);

/* Policy checks (enforce.c).  Entry: 0 to run the syscall, or the
 * -errno to fail it with (enforce_skip does). */
struct policy;
int enforce_entry(struct tracer *t, struct task *task);
void enforce_skip(pid_t tid, int result);
void enforce_exit(struct tracer *t, struct task *task, int64_t rval);

/* Snapshots of changed paths (snapshot.c): the state before the first
 * change, and the state when the command ends. */
void snapshot_before(struct tracer *t, pid_t tid, const char *path, bool tree);
/* (the task's own magic links, /proc/self/fd/N and the rest, followed
 * to what its fd table names, wherever the walk meets them) */
char *snapshot_physical(const struct task *task, const char *path, bool follow_last);
/* The same with root as "/" (openat2's RESOLVE_IN_ROOT: an absolute link
 * and ".." stay below it), path relative to it. */
char *snapshot_physical_in(const struct task *task, const char *root, const char *path,
			   bool follow_last);
/* Whether a change to this path as named needs no link resolution any
 * more (the stop path skips it); with mark, remember that it does not. */
bool snapshot_seen_lexical(struct tracer *t, const char *path, bool mark);
/* A symlink, rename or link made: a path that resolved to itself may
 * now go through a link (its own last name one, say), so every path is
 * resolved again. */
void snapshot_lexical_forget(struct tracer *t);
void snapshot_rename(struct tracer *t, pid_t tid, const char *src,
		     const char *dst);
void snapshot_after_all(struct tracer *t, pid_t tid);
void snapshot_free(struct tracer *t);

/* In-process recording (inproc.c). */
void inproc_drain(struct tracer *t, struct task *task);
/* Records as read from a ring: n units, the first at unit `at` of it
 * (untrusted: checked one by one; a record whose length is not one, or
 * a pad that does not end at the ring's end, ends the reading). */
void inproc_replay(struct tracer *t, struct task *task, pid_t writer,
		   const unsigned char *units, uint32_t n, uint32_t at);
long inproc_request(struct tracer *t, struct task *task, uint32_t arch,
		    const uint64_t args[6]);
void inproc_forked(struct tracer *t, struct task *parent, struct task *child,
		   bool vfork);
/* A vfork child execs or exits: its parent's ring is the parent's again. */
void inproc_vfork_done(struct tracer *t, struct task *child);
void inproc_exec(struct proc *pr);
/* A notified call (d, args) is to wait in npend for its result: one
 * still there is that call restarted, or was never told its result
 * (tampering). */
void inproc_npend(struct tracer *t, struct task *task, const struct sc_desc *d,
		  const uint64_t args[6]);
/* A notified call whose result its thread never told, when it exits or
 * makes another call first (a forged trampoline call, or a thread killed
 * on its way back): still in the trace, as an untraceable event of its
 * call and path (what it did is unknown; the run's states have it). */
void inproc_npend_lost(struct tracer *t, struct task *task);
/* The result r of task's notified call, told (inproc.h: INPROC_AGAIN;
 * told: the ring's record that told it, or NULL): its event completed as
 * at its result stop. */
void notified_told(struct tracer *t, struct task *task, int64_t r,
		   const struct inproc_rec *told);
/* Whether the thread's memory has nothing at the trampoline's page (its
 * process exec'd since it had one); false if it cannot be told (the
 * thread gone, its memory not readable). */
bool inproc_page_gone(pid_t tid);

/* The ptrace options of every thread; a process's one thread has
 * PTRACE_O_TRACEEXEC off (execs.c: set_stop_options), and
 * PTRACE_O_TRACEEXIT too with notifications (exits.c). */
#define TRACE_OPTIONS (PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |       \
		       PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |          \
		       PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT |            \
		       PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)
/* Off with the preload and notifications (loop.c: clone_entry). */
#define FORK_OPTIONS (PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK)

/* execs.c: the pipes sandrun itself was given (the sandbox's init's
 * stdio at its seizing), never the build's. */
void exec_outer_pipes(struct tracer *t, pid_t init_pid);
/* Whether the thread stops at its execs and its exit, and has fork
 * events, set while it is stopped. */
void set_stop_options(struct tracer *t, struct task *task);
/* New processes and threads (forks.c).  Whether the thread's forks and
 * vforks are made traced at their entry instead of reported by fork
 * events. */
bool forks_at_entry(const struct tracer *t, const struct task *task);
/* A new child cid of parent's (event: PTRACE_EVENT_FORK, _VFORK or
 * _CLONE, as its fork event would say). */
void fork_done(struct tracer *t, struct task *parent, pid_t cid, int event);
/* At a seccomp entry stop: a fork, vfork or clone handled (true: resumed). */
bool clone_entry(struct tracer *t, struct task *task, uint32_t arch, uint64_t nr);
/* A fork sandrun-rec.so made through the trampoline, notified (flags:
 * the clone's); 0, or -errno to refuse it with. */
int clone_noted(struct tracer *t, struct task *task, uint64_t flags);
/* A new thread's first stop, its parent unknown: taken as the child of a
 * fork made traced at its entry (true: resumed), else its fork event is
 * to come. */
bool clone_claim(struct tracer *t, struct task *child);
/* Before anything of a process's is read: its threads' forks made traced
 * at their entry, whose children are not known yet, are now.  stopped:
 * the thread at its stop (its own fork is over: no child is a failed
 * one), or NULL where the process runs on (decode_exit.c's catch-up of
 * the others: a fork not seen done may still be on its way). */
void clone_settle(struct tracer *t, const struct proc *pr, const struct task *stopped);
/* Whether tid waits for the child of a fork that may still be on its
 * way: its ring is not read until that child is known (what it holds
 * is from after the fork). */
bool clone_in_flight(struct tracer *t, pid_t tid);
/* A thread gone (or its fork settled): no child of its is waited for. */
void clone_unwait(struct tracer *t, struct task *task);
/* loop.c: at a thread's stop, before it is handled, what its process
 * recorded in-process (and its forks settled). */
void tracer_catch_up(struct tracer *t, struct task *task);
/* The same for a process not stopped (its leader): a rename's readers,
 * decode_exit.c. */
void tracer_catch_up_running(struct tracer *t, struct task *leader);
/* A monotonic clock's reading, in nanoseconds (the vDSO's: ~30 ns). */
uint64_t tracer_now_ns(void);
/* loop.c: a seccomp notification of a traced thread's, handled as the
 * same syscall's entry stop would be (resp: its answer), holding lock. */
struct seccomp_notif;
struct seccomp_notif_resp;
void tracer_on_notify(struct tracer *t, const struct seccomp_notif *req,
		      struct seccomp_notif_resp *resp);
/* notify.c: the notification thread started, with the listener the
 * command process hands over (fd: its number there), once, before its
 * exec; the request's answer (INPROC_YES, or -errno). */
int notify_start(struct tracer *t, struct task *task, uint64_t fd);
/* Its end (none if not started): its answers all sent. */
void notify_end(struct tracer *t);
/* The preload's INPROC_MEM: an fd on its own memory opened, to be put
 * in its fd table once the lock is let go (t->mem_hand_fd, notify.c),
 * or -errno. */
int mem_open(const struct task *task);
/* A stopped thread resumed (how: PTRACE_CONT, PTRACE_SYSCALL or
 * PTRACE_LISTEN; sig: a signal to deliver, or 0), the stop being handled
 * answered (its time, meta.json's handling, ends here). */
void tracer_resume(pid_t tid, int how, int sig);
/* exits.c: whether the thread needs its exit stop (else its exit's
 * notification, or its death, is where its process ends). */
bool exit_stops_wanted(const struct tracer *t, const struct task *task);
/* What ends a process: at its last thread's exit stop, or its exit's
 * notification (status: as wait(2) gives it). */
void proc_exiting(struct tracer *t, struct task *task, unsigned long status);
/* An exit or exit_group's notification (args: the call's). */
void exit_noted(struct tracer *t, struct task *task, uint32_t arch, int nr,
		const uint64_t args[6]);
/* A vfork child exec'd or exited: its parent runs again. */
void exit_vfork_released(struct tracer *t, struct task *child);
/* A thread's death (status: waitpid's), before its task is removed. */
void exit_died(struct tracer *t, pid_t tid, int status);
/* At a signal's stop: sig (to be delivered) kills by default, so the
 * thread keeps its exit stop. */
void exit_arm_signal(struct tracer *t, struct task *task, int sig);
/* At a syscall entry stop: a seccomp filter of the process's own being
 * loaded (true: handled, resumed); one with a listener of its own is an
 * untraceable event. */
bool exit_own_filter(struct tracer *t, struct task *task, uint32_t arch, int nr,
		     const uint64_t args[6]);
/* The command's death: pid 1 kills what is left once told (teardown_fd). */
void exit_teardown(struct tracer *t);
/* Any stop or notification of a thread (its exit stop back, in the
 * teardown). */
void exit_teardown_stop(struct tracer *t, struct task *task);
/* A thread with no process known (its parent's fork event still to
 * come): let go after pid 1's kill (true), else parked. */
bool exit_teardown_parked(struct tracer *t, struct task *task);
/* After a stop's handling: pid 1 told, once no thread is waited for. */
void exit_teardown_ready(struct tracer *t);
/* A thread without exec stops whose notified execve succeeded, at its
 * next stop or notification: handled as at an exec stop. */
void exec_seen(struct tracer *t, struct task *task);
/* An exec's success (former: the tid of the thread that exec'd). */
void exec_done(struct tracer *t, struct task *task, pid_t former);
/* The exec event exec_done kept back, if any, emitted. */
void exec_flush(struct tracer *t);
void exec_loaders_free(struct tracer *t);
/* An mmap-family call reaching the trampoline's page: -EPERM to refuse
 * it, 0 to let it run. */
int inproc_map_entry(struct tracer *t, struct task *task, const char *name,
		     const uint64_t args[6]);
int digest_recorded(struct tracer *t, pid_t tid, int fd, const char *path,
		    const struct inproc_rec *r, struct digest *ret,
		    struct stat *ret_st);

/* Tracee memory (mem.c).  mem_readv: process_vm_readv, counted (all the
 * tracer's reads go through it); mem_reads: how many so far. */
ssize_t mem_readv(pid_t tid, const struct iovec *local, unsigned long nlocal,
		  const struct iovec *remote, unsigned long nremote);
uint64_t mem_reads(void);
char *mem_read_string(pid_t tid, uint64_t addr, size_t max);
char **mem_read_strv(pid_t tid, uint64_t addr, bool compat);
char **mem_read_strv2(pid_t tid, uint64_t a, uint64_t b, bool compat, char ***second);
int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);
int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

/* The loader's openat or fstat the filter made a notification, when its
 * result is needed: made again with a stop (divert.c).  divert() at the
 * notification (1; 0: the thread is gone; -1: it cannot be, and the
 * trace says so), then at the thread's signal stops divert_at_signal()
 * (the signal to deliver), and divert_done() at the result stop of the
 * call made again, which diverted() tells by its arguments. */
int divert(struct tracer *t, struct task *task);
int divert_at_signal(const struct tracer *t, struct task *task, int sig);
bool diverted(uint32_t arch, uint64_t nr, uint64_t arg3);
void divert_done(struct task *task);
/* Whether registers at a stop are a call the filter makes the loader's
 * notification. */
struct user_regs_struct;
bool loader_call(const struct tracer *t, const struct user_regs_struct *r);

/* sandrun's word (the preload, the audit module) taken out of var's list
 * in an environment, as runner/cli_run.c put it there (decode.c). */
void env_hide_word(char **envp, const char *var, const char *word, bool appended);

/* At an execve's entry: a program sandrun's LD_AUDIT (or, 32-bit, its
 * LD_PRELOAD too) would break gets the environment without them
 * (exec_env.c).  envp: the environment as the tracee passes it. */
void exec_env_fix(struct tracer *t, struct task *task, char *const *envp);
/* Whether exec_env_fix would change the environment (a notified execve,
 * whose registers cannot be changed, goes the ordinary way then). */
bool exec_env_needed(struct tracer *t, struct task *task, char *const *envp);
/* What exec_env_fix does for the program in fd: 1 nothing, 2 without
 * sandrun's LD_AUDIT, 3 without its LD_PRELOAD too (for the fuzzer). */
int exec_env_judge(const struct tracer *t, int fd);
/* The exec failed: its environment argument as it was. */
void exec_env_undo(struct task *task);
/* Where the tracer may write len bytes in task's memory for the syscall
 * it is stopped at (its ring's free slots, drained), or 0 (inproc.c). */
uint64_t inproc_scratch(struct task *task, size_t len);

/* A path as tracee tid sees it, for the tracer to open: under
 * /proc/TID/root; tid 0: under the command's root kept open (t->root_fd),
 * for when no tracee is left to look through or /proc/PID/root of the
 * sandbox's pid 1 is closed to an unprivileged tracer (digests.c). */
char *tracee_path(const struct tracer *t, pid_t tid, const char *path);
/* Keep the command's root open (from a dumpable tracee, after its exec). */
void tracer_keep_root(struct tracer *t, pid_t tid);
/* A path (absolute) as tracee tid sees it, opened with open(2)'s flags:
 * looked up in the command's root with RESOLVE_IN_ROOT, so that a link
 * to an absolute path leads where it leads the tracee (its /tmp, its
 * bind mounts), not into the tracer's root as through /proc/TID/root
 * (there still under /proc and /dev, whose magic links lead into the
 * tracee, and if that root cannot be kept open); -1 with errno. */
int tracee_open(struct tracer *t, pid_t tid, const char *path, int flags);
/* lstat() of such a path. */
int tracee_lstat(struct tracer *t, pid_t tid, const char *path, struct stat *st);

/* Content digests of what tracees read and wrote (digests.c). */
int digest_tracee_fd(struct tracer *t, pid_t tid, int fd, struct digest *ret,
		     struct stat *ret_st);
/* The same of a writer's fd as it goes (its close, a dup2 over it, an
 * exec or exit): kept for this run's readers even while racy. */
int digest_writer_fd(struct tracer *t, pid_t tid, int fd, struct digest *ret,
		     struct stat *ret_st);
/* Whether an fd the tracer knows of is open for writing on st's file, or
 * a process maps it shared and writable. */
bool digest_known_writer(struct tracer *t, const struct stat *st);
void state_tracee_path(struct tracer *t, pid_t tid, const char *path,
		       struct fstate *ret);
int digest_tracee_path(struct tracer *t, pid_t tid, const char *path,
		       struct digest *ret);
/* The same, following a symlink at the end of path. */
int digest_tracee_file(struct tracer *t, pid_t tid, const char *path,
		       struct digest *ret);
/* The executable a tracee runs (after an exec); *ret_st: its identity
 * (st_ino 0 if unknown). */
int digest_tracee_exe(struct tracer *t, pid_t tid, struct digest *ret, struct stat *ret_st);
int digest_tracee_dir(struct tracer *t, pid_t tid, int fd, struct digest *ret);
/* The same for an in-process record of a listing (its directory's
 * identity in it): -1 if the directory changed since. */
int digest_recorded_dir(struct tracer *t, pid_t tid, int fd, const char *path,
			const struct inproc_rec *r, struct digest *ret);
/* The digests of files earlier runs read (opts->digest_cache): loaded
 * before a run, saved with this run's after it.  Only files of ext4, xfs
 * and f2fs on a fixed device, unchanged for two seconds when read, are
 * kept; a damaged or foreign file is ignored (a warning) and replaced. */
void digest_cache_load(struct tracer *t);
void digest_cache_save(struct tracer *t);
void digest_cache_free(struct tracer *t);

#endif
