// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandrun-rec.so: in-process recording of the common read-side syscalls
 * (see tracer/inproc.h for the protocol), and notified calls for those
 * the tracer must see made (writing opens, mkdir, unlink, rmdir, chdir,
 * execve: rec_notified).
 *
 * Each call is made exactly as glibc would have made it, with the same
 * arguments (glibc's own, sites.c; the program's, symbols.c), so a trace
 * is the same with and without this library; it only saves the ptrace
 * stop.  Anything it does
 * not record (a full ring, a call from a signal handler while a record
 * is being written, paths longer than a slot, renames and the rest) goes
 * the ordinary way, where the seccomp filter stops it for the tracer.
 *
 * Outside sandrun (no tracer answers INPROC_HELLO) every call is a
 * plain syscall.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "preload/rec.h"
#include "tracer/inproc.h"

_Static_assert(sizeof(struct inproc_rec) == INPROC_SLOT, "slot size");

enum { OFF = -1, UNKNOWN = 0, STARTING = 1, ON = 2 };
static int state;			/* per process (copied by fork) */
static pthread_key_t ring_key;
static bool have_key;
static __thread struct inproc_ring *ring;
static __thread int ring_failed;
static __thread volatile sig_atomic_t busy;	/* a record is being written */

/* glibc declares paths nonnull; callers may still pass NULL (the kernel
 * answers EFAULT), so the checks must not be optimized away. */
static const char *may_be_null(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static long plain(long nr, long a, long b, long c, long d, long e)
{
	return sr_sys6(nr, a, b, c, d, e, 0);
}

static void ring_release(void *p)
{
	/* The tracer reads it one last time and forgets it. */
	sr_request(INPROC_RING, 0);
	ring = NULL;
	ring_failed = 1;
	plain(SYS_munmap, (long)p, sizeof(struct inproc_ring), 0, 0, 0);
}

static pthread_once_t key_once = PTHREAD_ONCE_INIT;

static void make_key(void)
{
	have_key = pthread_key_create(&ring_key, ring_release) == 0;
}

/* At the program's start (sr_early) or at the first call recorded:
 * this thread's ring, and the trampoline (rec.h's sr_arm), then the
 * ring given to the tracer (INPROC_RING: the stop where it takes the
 * ring as this thread's and as the process's hello; the page is checked
 * whenever the rings are read); or the page and ring sandrun-audit.so
 * armed in the loader, taken over (the tracer finds those by itself). */
static void start(void)
{
	struct inproc_ring *r;
	bool was;

	/* one thread starts; others meanwhile make their calls the
	 * ordinary way (the page may be there, not yet executable) */
	if (!__atomic_compare_exchange_n(&state, &(int){ UNKNOWN }, STARTING,
					 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	/* (made in the constructor too, for a low key index; here in case
	 * another library's constructor calls first) */
	pthread_once(&key_once, make_key);
	if (!have_key)
		goto off;
	r = sr_arm(sr_sys6(SYS_gettid, 0, 0, 0, 0, 0, 0), &was, NULL);
	if (!r && !was)
		goto off;
	/* the tracer finds by itself only the loader's arming (one thread,
	 * at the start): here there may be others (raw clones too, or a
	 * vfork parent's), so this thread says which it is */
	if (r && !was && sr_request(INPROC_RING, (long)r) != INPROC_YES) {
		plain(SYS_munmap, (long)r, sizeof(*r), 0, 0, 0);
		goto off;
	}
	if (r) {
		ring = r;
		pthread_setspecific(ring_key, r);
	}
	__atomic_store_n(&state, ON, __ATOMIC_RELEASE);
	return;
off:
	__atomic_store_n(&state, OFF, __ATOMIC_RELEASE);
}

/* This thread's ring (a thread after the first), given to the tracer,
 * or NULL. */
static struct inproc_ring *ring_get(void)
{
	struct inproc_ring *r = ring;

	if (r || ring_failed || !have_key)
		return r;
	r = sr_ring_new();
	if (!r) {
		ring_failed = 1;
		return NULL;
	}
	if (sr_request(INPROC_RING, (long)r) != INPROC_YES) {
		plain(SYS_munmap, (long)r, sizeof(*r), 0, 0, 0);
		ring_failed = 1;
		return NULL;
	}
	ring = r;
	pthread_setspecific(ring_key, r);
	return r;
}

/* A free slot in this thread's ring, or NULL: make the call the ordinary
 * way.  Sets busy; slot_put() or a false slot_path() clears it. */
static struct inproc_rec *slot_get(void)
{
	struct inproc_rec *s;
	struct inproc_ring *r;
	int st = __atomic_load_n(&state, __ATOMIC_ACQUIRE);

	if (busy || st == OFF || st == STARTING)
		return NULL;
	/* busy from here: a signal handler's calls meanwhile go the
	 * ordinary way, and cannot take the slot this call is about to */
	busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (st == UNKNOWN) {
		start();
		if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ON)
			goto none;
	}
	r = ring_get();
	if (!r)
		goto none;
	s = sr_slot_free(r);
	if (s)
		return s;
none:
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	busy = 0;
	return NULL;
}

static void slot_put(void)
{
	sr_slot_commit(ring);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	busy = 0;
}

/* Fill a slot's head and path (sr_slot_path); false (the slot dropped,
 * busy cleared) if the path does not fit. */
static bool slot_path(struct inproc_rec *s, long nr, const char *path)
{
	if (sr_slot_path(s, nr, path))
		return true;
	busy = 0;
	return false;
}

/* A syscall naming one path, made through the trampoline and recorded
 * when a slot is free, else the ordinary way; the kernel's result.
 * stat_arg: the argument with the struct stat (or statx) to take the
 * file type from, or -1. */
static long rec_path(long nr, const long a[5], const char *path, int stat_arg)
{
	struct inproc_rec *s = slot_get();
	long r;

	if (!s || !slot_path(s, nr, path))
		return plain(nr, a[0], a[1], a[2], a[3], a[4]);
	r = TRAMP(nr, a[0], a[1], a[2], a[3], a[4]);
	s->ret = r;
	for (int i = 0; i < 5; i++)
		s->args[i] = (uint64_t)a[i];
	if (r >= 0 && stat_arg >= 0 && nr == SYS_statx)
		s->mode = ((const struct statx *)(uintptr_t)a[stat_arg])->stx_mode;
	else if (r >= 0 && stat_arg >= 0)
		s->mode = ((const struct stat *)(uintptr_t)a[stat_arg])->st_mode;
	slot_put();
	return r;
}

static bool on(void)
{
	return __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ON;
}

/* on(), the recorder started first if it is not yet (as slot_get()
 * does): a program's first call may be one that is notified. */
static bool on_started(void)
{
	if (busy)
		return false;
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == UNKNOWN) {
		busy = 1;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		start();
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		busy = 0;
	}
	return on();
}

static bool pseudo(long fd);

/* Whether an open that also reads (fd, st) left its file empty, as the
 * tracer takes it (decode_exit.c's exit_open): a regular file it truncated or
 * made, and not on a filesystem such as /proc, where O_TRUNC does nothing
 * and whose files the tracer never digests (an anonymous device's, whose
 * filesystem is looked at: tmpfs's files are emptied). */
static bool left_empty(long fd, long flags, const struct stat *st)
{
	return inproc_open_empties((uint64_t)flags) && S_ISREG(st->st_mode) &&
	       (major(st->st_dev) != 0 || !pseudo(fd));
}

/*
 * The result r of this thread's notified call nr told (inproc.h:
 * INPROC_AGAIN): a record in its ring, which the tracer reads before
 * anything recorded after it, at the thread's next stop at the latest,
 * with the identity of the file a writing open opened (what the fd holds
 * by then may be another).  A request (a notification) for an open that
 * also reads, whose file the tracer digests as the open left it (but one
 * it left empty: left_empty, as gcc's mkstemp and as's "w+" do), or when
 * the ring has no room.  busy is set.
 */
static void tell(long nr, long flags, long r)
{
	struct inproc_rec *s = NULL;
	struct stat st;
	bool opened = nr == SYS_openat && r >= 0;

	if (ring && (!opened ||
		     (((flags & O_ACCMODE) == O_WRONLY || inproc_open_empties((uint64_t)flags)) &&
		      TRAMP(SYS_newfstatat, r, (long)"", (long)&st, AT_EMPTY_PATH, 0) == 0 &&
		      ((flags & O_ACCMODE) == O_WRONLY || left_empty(r, flags, &st)))))
		s = sr_slot_free(ring);
	if (!s) {
		sr_request(INPROC_RESULT, r);
		return;
	}
	sr_slot_path(s, INPROC_NR, "");
	if (opened)
		sr_slot_stat(s, &st);
	s->ret = r;
	s->args[0] = INPROC_KEY;
	s->args[1] = INPROC_RESULT;
	s->args[2] = s->args[3] = s->args[4] = 0;
	sr_slot_commit(ring);
}

/*
 * A call that changes something, or whose result the tracer needs (a
 * writing openat, mkdir, mkdirat, unlink, unlinkat, rmdir, chdir): made
 * through the trampoline, where it is a seccomp notification; the tracer
 * looks at what it is about to change there, as at the call's entry
 * stop, and is told the result right after (tell()), as at its
 * result stop (inproc.h: INPROC_AGAIN, the ordinary way).  busy meanwhile:
 * a signal handler's calls in between go the ordinary way.  And but for
 * an open (of a FIFO, which may wait for long, as its caller's handlers
 * must not), signals wait until the result is told: a handler's calls
 * see what the call changed (a chdir's cwd), as after a result stop.  (A
 * signal at the call's end, or at the request, the tracer takes the
 * result at: loop.c.)
 */
static long rec_notified(long nr, const long a[5])
{
	const uint64_t all = ~0ull;
	uint64_t mask;
	bool block = nr != SYS_openat;
	long r;

	if (!on_started())
		return plain(nr, a[0], a[1], a[2], a[3], a[4]);
	busy = 1;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	if (block)
		sr_sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)&mask, 8, 0, 0);
	r = TRAMP(nr, a[0], a[1], a[2], a[3], a[4]);
	if (r != INPROC_AGAIN)
		tell(nr, a[2], r);
	if (block)
		sr_sys6(SYS_rt_sigprocmask, SIG_SETMASK, (long)&mask, 0, 8, 0, 0);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	busy = 0;
	return r != INPROC_AGAIN ? r : plain(nr, a[0], a[1], a[2], a[3], a[4]);
}

static bool recent(const struct stat *st)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return sr_recent(st, now.tv_sec);
}

/* Whether fd is a file of a filesystem without content to digest. */
static bool pseudo(long fd)
{
	struct statfs fs;

	return plain(SYS_fstatfs, fd, (long)&fs, 0, 0, 0) == 0 &&
	       inproc_pseudo_fs((unsigned long)fs.f_type);
}

/* openat as glibc makes it for open, open64, openat, and inside fopen,
 * opendir, setlocale...: a read-only open is recorded with the opened
 * file's identity (so the tracer can tell whether the file it digests
 * later is still the one read); any other is notified (rec_notified). */
static long rec_openat(long dirfd, const char *path, long flags, long mode)
{
	struct inproc_rec *s;
	struct stat st;
	long r;

	if (flags & INPROC_OPEN_DENY) {
		long a[5] = { dirfd, (long)path, flags, mode, 0 };

		return rec_notified(SYS_openat, a);
	}
	if (!(s = slot_get()))
		return plain(SYS_openat, dirfd, (long)path, flags, mode, 0);
	if (!slot_path(s, SYS_openat, path))
		return plain(SYS_openat, dirfd, (long)path, flags, mode, 0);
	r = TRAMP(SYS_openat, dirfd, (long)path, flags, mode, 0);
	s->ret = r;
	s->args[0] = (uint64_t)dirfd;
	s->args[1] = 0;
	s->args[2] = (uint64_t)(unsigned)flags;
	s->args[3] = (uint64_t)mode;
	s->args[4] = 0;
	if (r >= 0 && !(flags & O_PATH) &&
	    TRAMP(SYS_newfstatat, r, (long)"", (long)&st, AT_EMPTY_PATH, 0) == 0)
		sr_slot_stat(s, &st);
	slot_put();
	/* A file changed in the last seconds (a build's own output read
	 * back) is not in the tracer's digest cache, and may be deleted or
	 * rewritten before this thread next stops: have it read now, while
	 * the fd holds the very file.  (Not a file of /proc or /sys, always
	 * new, whose content the tracer does not digest.) */
	if (s->has_stat && S_ISREG(st.st_mode) && recent(&st) && !pseudo(r))
		sr_request(INPROC_FLUSH, 0);
	return r;
}

/* newfstatat: fstat() in disguise (AT_EMPTY_PATH, "") is not an event,
 * so it only needs the trampoline. */
static long rec_fstatat(long dirfd, const char *path, struct stat *st, long flags)
{
	long a[5] = { dirfd, (long)path, (long)st, flags, 0 };

	path = may_be_null(path);
	if (path && !*path && (flags & AT_EMPTY_PATH) &&
	    __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ON)
		return TRAMP(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0);
	return rec_path(SYS_newfstatat, a, path, 2);
}

/* A record of a syscall without a path (close, dup, fcntl). */
static struct inproc_rec *slot_fd(long nr, long a0, long a1, long a2)
{
	struct inproc_rec *s = slot_get();

	if (!s)
		return NULL;
	s->nr = (uint32_t)nr;
	s->has_stat = 0;
	s->pathlen = 0;
	s->path[0] = '\0';
	s->args[0] = (uint64_t)a0;
	s->args[1] = (uint64_t)a1;
	s->args[2] = (uint64_t)a2;
	s->args[3] = s->args[4] = 0;
	return s;
}

/*
 * Whether fd is open for writing (or unknown): what it replaces or
 * closes must then stop, for the tracer to digest the writer first.
 * Only a regular file is a writer the tracer digests: not a device such
 * as /dev/null, a pipe's or a socket's end (see decode_exit.c's exit_open),
 * nor the log sandrun's own output goes to, which the build inherits (a
 * shell saves and restores its stdout around every redirection): the
 * tracer takes that for no build's output, even opened by name.
 */
static bool maybe_writer(long fd)
{
	long fl = TRAMP(SYS_fcntl, fd, F_GETFL, 0, 0, 0);
	struct stat st;

	if (fl == -EBADF || (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY))
		return false;
	return TRAMP(SYS_newfstatat, fd, (long)"", (long)&st, AT_EMPTY_PATH, 0) != 0 ||
	       (S_ISREG(st.st_mode) && !sr_output_file(st.st_dev, st.st_ino));
}

/* A syscall without a path (close, dup, fcntl, getrandom): made through
 * the trampoline and recorded when a slot is free, else the ordinary way. */
static long rec_fd(long nr, long a0, long a1, long a2)
{
	struct inproc_rec *s = slot_fd(nr, a0, a1, a2);
	long r;

	if (!s)
		return plain(nr, a0, a1, a2, 0, 0);
	r = TRAMP(nr, a0, a1, a2, 0, 0);
	s->ret = r;
	slot_put();
	return r;
}

/* getdents64 (readdir's): recorded with the directory's identity, by
 * which the tracer tells whether the listing it reads later is still
 * the one this call read (if not, it is unknown).  A directory changed
 * in the last seconds (a build's own output) may change again before
 * this thread next stops: it is read now, as a file is (rec_openat);
 * so is one of /proc (its entries come and go; and the tracer's /proc
 * is not the sandbox's: only the fd, still open, leads there). */
static long rec_getdents(long fd, long buf, long len)
{
	struct inproc_rec *s = slot_fd(SYS_getdents64, fd, 0, len);
	bool fresh = false;
	struct stat st;
	long r;

	if (!s)
		return plain(SYS_getdents64, fd, buf, len, 0, 0);
	r = TRAMP(SYS_getdents64, fd, buf, len, 0, 0);
	s->ret = r;
	if (r >= 0 && TRAMP(SYS_newfstatat, fd, (long)"", (long)&st, AT_EMPTY_PATH, 0) == 0) {
		sr_slot_stat(s, &st);
		fresh = r > 0 && (recent(&st) || pseudo(fd));
	}
	slot_put();
	if (fresh)
		sr_request(INPROC_FLUSH, 0);
	return r;
}

/* close: only of an fd open for reading (a writer's close is where the
 * tracer digests what was written, so it has to stop). */
static long rec_close(long fd)
{
	if (!on() || fd < 0 || maybe_writer(fd))
		return plain(SYS_close, fd, 0, 0, 0, 0);
	return rec_fd(SYS_close, fd, 0, 0);
}

/* fcntl: the commands that change the fd table (F_DUPFD, F_SETFD) are
 * recorded; the others are not events at all. */
static long rec_fcntl(long fd, long cmd, long arg)
{
	if (!on())
		return plain(SYS_fcntl, fd, cmd, arg, 0, 0);
	if (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC && cmd != F_SETFD)
		return TRAMP(SYS_fcntl, fd, cmd, arg, 0, 0);
	return rec_fd(SYS_fcntl, fd, cmd, arg);
}

/* dup, dup2, dup3: recorded unless they would close a writer. */
static long rec_dup(long nr, long oldfd, long newfd, long flags)
{
	if (!on() || (nr != SYS_dup && newfd != oldfd && maybe_writer(newfd)))
		return plain(nr, oldfd, newfd, flags, 0, 0);
	return rec_fd(nr, oldfd, newfd, flags);
}

/* Whether execve looks its file up before it reads argv and the
 * environment (Linux 6.8 on): only then is a missing file its first
 * answer, where before E2BIG or EFAULT could come first. */
static bool execve_opens_first(void)
{
	static int known;	/* 0: not yet, 1: yes, 2: no */
	struct utsname u;
	long major = 0, minor = 0;
	const char *p;

	if (known)
		return known == 1;
	if (TRAMP(SYS_uname, (long)&u, 0, 0, 0, 0) == 0) {
		for (p = u.release; *p >= '0' && *p <= '9'; p++)
			major = major * 10 + (*p - '0');
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++)
				minor = minor * 10 + (*p - '0');
	}
	known = major > 6 || (major == 6 && minor >= 8) ? 1 : 2;
	return known == 1;
}

/*
 * execve: a file that is not there (a PATH search's misses) fails just
 * the same here, recorded, with no stop; a stat resolves a path as execve
 * does.  Anything else is the kernel's to run or refuse: made through the
 * trampoline, where it is a seccomp notification and not a stop, unless
 * the tracer answers INPROC_AGAIN (then the ordinary way).  A failure is
 * told (tell()); a success is the tracer's exec stop.  (busy is
 * not set over the call: a vfork child that execs would leave it set in
 * its parent's thread.)
 */
static long rec_execve(const char *path, long argv, long envp)
{
	struct inproc_rec *s;
	struct stat st;
	long r;

	if (!on() || !path)
		return plain(SYS_execve, (long)path, argv, envp, 0, 0);
	r = execve_opens_first() ? TRAMP(SYS_newfstatat, AT_FDCWD, (long)path, (long)&st, 0, 0) : 0;
	if (r != -ENOENT && r != -ENOTDIR) {
		if (!on_started())
			return plain(SYS_execve, (long)path, argv, envp, 0, 0);
		r = TRAMP(SYS_execve, (long)path, argv, envp, 0, 0);
		if (r == INPROC_AGAIN)
			return plain(SYS_execve, (long)path, argv, envp, 0, 0);
		/* (failed: a handler's calls before it is told go the
		 * ordinary way) */
		busy = 1;
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		tell(SYS_execve, 0, r);
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		busy = 0;
		return r;
	}
	s = slot_get();
	if (!s || !slot_path(s, SYS_execve, path))
		return plain(SYS_execve, (long)path, argv, envp, 0, 0);
	s->ret = r;
	s->args[0] = (uint64_t)(uintptr_t)path;
	s->args[1] = (uint64_t)argv;
	s->args[2] = (uint64_t)envp;
	s->args[3] = s->args[4] = 0;
	slot_put();
	return r;
}

/*
 * mkdir of what is there already (mkdir -p's every parent): it changes
 * nothing, and the kernel answers EEXIST before it looks at permissions,
 * a read-only mount or Landlock.  An lstat through the trampoline gives
 * that answer here, recorded as the mkdir, with no stop (the tracer
 * takes such a record only with EEXIST).  Anything else is the kernel's
 * to make or refuse, notified (rec_notified).  The slot is taken first and the path
 * looked at is its copy: no stop of this thread (where the tracer reads
 * what others did) comes between the lstat and the record, and the
 * caller's string cannot change in between.  (A seccomp filter of the
 * build's own that refuses mkdir is not consulted: such a build gets
 * EEXIST here, the filter's answer with --no-preload.)
 */
static long rec_mkdir(long nr, long dirfd, const char *path, long mode)
{
	long a[5] = { (long)path, mode, 0, 0, 0 };
	struct inproc_rec *s;
	struct stat st;

	path = may_be_null(path);
	if (nr == SYS_mkdirat)
		a[0] = dirfd, a[1] = (long)path, a[2] = mode;
	s = path ? slot_get() : NULL;
	if (!s || !slot_path(s, nr, path))
		return plain(nr, a[0], a[1], a[2], 0, 0);
	if (TRAMP(SYS_newfstatat, dirfd, (long)s->path, (long)&st, AT_SYMLINK_NOFOLLOW, 0) != 0) {
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		busy = 0;	/* the slot not used */
		return rec_notified(nr, a);
	}
	s->ret = -EEXIST;
	for (int i = 0; i < 5; i++)
		s->args[i] = (uint64_t)a[i];
	slot_put();
	return -EEXIST;
}

/* statx: fstat() in disguise (AT_EMPTY_PATH, "") is not an event. */
static long rec_statx(const long a[5])
{
	const char *path = may_be_null((const char *)a[1]);

	if (!path || (!*path && (a[2] & AT_EMPTY_PATH)))
		return (path && on() ? TRAMP : plain)(SYS_statx, a[0], a[1], a[2], a[3], a[4]);
	return rec_path(SYS_statx, a, path, 4);
}

/*
 * A fork (glibc's _Fork: a clone with SIGCHLD, nothing shared with the
 * parent, nothing hidden from a tracer), made traced, with CLONE_PTRACE,
 * through the trampoline: a notification, where the tracer reads what
 * this thread recorded so far (the child's fd table is the parent's as
 * of here) and waits for the child (tracer/forks.c: clone_noted),
 * instead of a ptrace stop at its entry.  The child returns here too, on
 * its copy of the stack.  Any other clone is made the ordinary way.
 */
static long rec_fork(const long a[5])
{
	const unsigned long fork_flags = CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
					 CLONE_PARENT_SETTID | CLONE_SETTLS;
	unsigned long flags = (unsigned long)a[0];

	if ((flags & CSIGNAL) != SIGCHLD || (flags & ~(CSIGNAL | fork_flags)) || !on_started())
		return plain(SYS_clone, a[0], a[1], a[2], a[3], a[4]);
	return TRAMP(SYS_clone, (long)(flags | CLONE_PTRACE), a[1], a[2], a[3], a[4]);
}

long sr_record(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long a[5] = { a0, a1, a2, a3, a4 };

	switch (nr) {
	case SYS_openat:
		return rec_openat(a0, (const char *)a1, a2, a3);
	case SYS_newfstatat:
		return rec_fstatat(a0, (const char *)a1, (struct stat *)a2, a3);
	case SYS_stat:
	case SYS_lstat:
		return rec_path(nr, a, (const char *)a0, 1);
	case SYS_statx:
		return rec_statx(a);
	case SYS_access:
	case SYS_readlink:
	case SYS_statfs:
		return rec_path(nr, a, (const char *)a0, -1);
	case SYS_faccessat:
	case SYS_faccessat2:
		return rec_path(nr, a, (const char *)a1, -1);
	case SYS_readlinkat:
		return rec_path(nr, a, (const char *)a1, -1);
	case SYS_close:
		return rec_close(a0);
	case SYS_fcntl:
		return rec_fcntl(a0, a1, a2);
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
		return rec_dup(nr, a0, a1, a2);
	case SYS_getrandom:	/* an event (the build used randomness) */
		return rec_fd(nr, a0, a1, a2);
	case SYS_getdents64:
		return rec_getdents(a0, a1, a2);
	case SYS_execve:
		return rec_execve((const char *)a0, a1, a2);
	case SYS_mkdir:
		return rec_mkdir(nr, AT_FDCWD, (const char *)a0, a1);
	case SYS_mkdirat:
		return rec_mkdir(nr, a0, (const char *)a1, a2);
	case SYS_unlink:
	case SYS_unlinkat:
	case SYS_rmdir:
	case SYS_chdir:
		return rec_notified(nr, a);
	case SYS_clone:
		return rec_fork(a);
	default:
		return sr_sys6(nr, a0, a1, a2, a3, a4, a5);
	}
}

/* The recorder as patch.c's thunks call it. */
long sr_dispatch(const long *r)
{
	/* r: the syscall number, then r9, r8, r10, rdx, rsi, rdi */
	int saved = errno;
	long ret = sr_record(r[0], r[6], r[5], r[4], r[3], r[2], r[1]);

	errno = saved;
	return ret;
}

/* The key of the rings, made early for a low index (pthread_setspecific
 * allocates above 32); start() makes it too, in case another library's
 * constructor calls first.  And the loader's later calls (dlopen's
 * opens, stats and closes) recorded here, as glibc's are: given to
 * sandrun-audit.so, which rewrote the loader's syscall instructions. */
__attribute__((constructor)) static void rec_init(void)
{
	struct sr_handover *hand;

	pthread_once(&key_once, make_key);
	hand = sr_handover();
	if (hand)
		__atomic_store_n(&hand->forward, sr_dispatch, __ATOMIC_RELEASE);
}

/* Whether this library is relocated yet: a pointer to itself, which
 * only the loader's relocation makes right. */
static void *self = &self;

static bool relocated(void)
{
	return *(void *volatile *)&self == (void *)&self;
}

/*
 * This library's ELF entry point, called by sandrun-audit.so when the
 * program's libraries are loaded and relocated, before any constructor:
 * the constructors of the program's libraries run before this one's (a
 * preload's run last), and their calls (libselinux's, in every
 * coreutils program, opens /proc/filesystems) would stop.  A loader that
 * calls it before relocating (not glibc 2.36's) finds it does nothing.
 * With the key, mem is the fd on the process's memory the audit module
 * was given to rewrite code through (it closes it after this returns);
 * without (the library run as a program), none.  The recorder is started
 * here too, taking over the ring the audit module armed in the loader
 * (no request: the tracer knows it): a program that only spawns others,
 * with no call of its own recorded first, would have its vfork children
 * exec the ordinary way, with two ptrace stops each (rec_execve).
 */
void sr_early(uint64_t key, long mem, const uint64_t *tail)
{
	if (!relocated())
		return;
	if (key == INPROC_KEY)
		sr_tail_told(tail);
	rec_init();
	sr_patch_libc(key == INPROC_KEY ? mem : -1);
	if (key == INPROC_KEY && sr_handover())
		start();
}
