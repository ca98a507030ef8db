// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandrun-rec.so: in-process recording of the common read-side syscalls
 * (see tracer/inproc.h for the protocol).
 *
 * Each wrapper makes exactly the syscall glibc would have made for the
 * same call, with the same arguments, so a trace is the same with and
 * without this library; it only saves the ptrace stop.  Anything it does
 * not record (writing opens, a full ring, a call from a signal handler
 * while a record is being written, paths longer than a slot) goes the
 * ordinary way, where the seccomp filter stops it for the tracer.
 *
 * Outside sandrun (no tracer answers INPROC_HELLO) every wrapper is a
 * plain syscall.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tracer/inproc.h"

#define EXPORT __attribute__((visibility("default")))

_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "x86_64 only");

/* glibc's, not declared by its headers. */
EXPORT int __open_2(const char *path, int flags);
EXPORT int __open64_2(const char *path, int flags);
EXPORT int __openat_2(int dirfd, const char *path, int flags);
EXPORT int __openat64_2(int dirfd, const char *path, int flags);
EXPORT int __xstat(int ver, const char *path, struct stat *st);
EXPORT int __xstat64(int ver, const char *path, struct stat64 *st);
EXPORT int __lxstat(int ver, const char *path, struct stat *st);
EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st);

_Static_assert(sizeof(struct inproc_rec) == INPROC_SLOT, "slot size");

typedef long (*tramp_fn)(long, long, long, long, long, long);
#define TRAMP ((tramp_fn)(uintptr_t)INPROC_TRAMP)

enum { OFF = -1, UNKNOWN = 0, STARTING = 1, ON = 2 };
static int state;			/* per process (copied by fork) */
static pthread_key_t ring_key;
static __thread struct inproc_ring *ring;
static __thread int ring_failed;
static __thread int busy;		/* a record is being written */

/* glibc declares paths nonnull; callers may still pass NULL (the kernel
 * answers EFAULT), so the checks must not be optimized away. */
static const char *may_be_null(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static long ret_errno(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

static long request(long op, long arg)
{
	return syscall(INPROC_NR, (long)INPROC_KEY, op, arg);
}

static void ring_release(void *p)
{
	/* The tracer reads it one last time and forgets it. */
	request(INPROC_RING, 0);
	ring = NULL;
	ring_failed = 1;
	munmap(p, sizeof(struct inproc_ring));
}

static void start(void)
{
	static const unsigned char code[INPROC_CODE_LEN] = INPROC_CODE;
	void *page;

	if (!__atomic_compare_exchange_n(&state, &(int){ UNKNOWN }, STARTING,
					 false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return;
	if (request(INPROC_HELLO, 0) != INPROC_YES)
		goto off;
	/* The tracer fills the page when this mmap returns. */
	page = mmap((void *)(uintptr_t)INPROC_TRAMP, 4096, PROT_READ | PROT_EXEC,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (page != (void *)(uintptr_t)INPROC_TRAMP)
		goto off;
	if (memcmp(page, code, sizeof(code)))
		goto off;	/* (the page stays: never executed) */
	if (pthread_key_create(&ring_key, ring_release))
		goto off;
	__atomic_store_n(&state, ON, __ATOMIC_RELEASE);
	return;
off:
	__atomic_store_n(&state, OFF, __ATOMIC_RELEASE);
}

/* A free slot in this thread's ring, or NULL: make the call the ordinary
 * way.  Sets busy; slot_put() or slot_drop() clears it. */
static struct inproc_rec *slot_get(void)
{
	struct inproc_ring *r;

	if (busy)
		return NULL;
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ON) {
		start();
		if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ON)
			return NULL;
	}
	r = ring;
	if (!r) {
		if (ring_failed)
			return NULL;
		r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (r == MAP_FAILED) {
			ring_failed = 1;
			return NULL;
		}
		r->magic = INPROC_MAGIC;
		if (request(INPROC_RING, (long)r) != INPROC_YES) {
			munmap(r, sizeof(*r));
			ring_failed = 1;
			return NULL;
		}
		ring = r;
		pthread_setspecific(ring_key, r);
	}
	if (r->used - __atomic_load_n(&r->done, __ATOMIC_ACQUIRE) >= INPROC_SLOTS) {
		request(INPROC_FLUSH, 0);
		if (r->used - __atomic_load_n(&r->done, __ATOMIC_ACQUIRE) >= INPROC_SLOTS)
			return NULL;
	}
	busy = 1;
	return &r->slot[r->used % INPROC_SLOTS];
}

static void slot_put(void)
{
	__atomic_store_n(&ring->used, ring->used + 1, __ATOMIC_RELEASE);
	busy = 0;
}

/* Fill a slot's head and path; false (slot dropped) if the path does not
 * fit or cannot be read. */
static bool slot_path(struct inproc_rec *s, long nr, const char *path)
{
	size_t n;

	if (!path) {
		busy = 0;
		return false;
	}
	n = strnlen(path, sizeof(s->path));
	if (n == sizeof(s->path)) {
		busy = 0;
		return false;
	}
	memcpy(s->path, path, n + 1);
	s->pathlen = (uint32_t)n;
	s->nr = (uint32_t)nr;
	s->has_stat = 0;
	s->mode = 0;
	return true;
}

static void slot_stat(struct inproc_rec *s, const struct stat *st)
{
	s->has_stat = 1;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = (uint64_t)st->st_size;
	s->mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	s->ctime = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	s->mode = st->st_mode;
}

/* A syscall naming one path, made through the trampoline and recorded
 * when a slot is free, else the ordinary way.  stat_arg: the argument
 * with the struct stat (or statx) to take the file type from, or -1. */
static long rec_path(long nr, const long a[5], const char *path, int stat_arg)
{
	struct inproc_rec *s = slot_get();
	long r;

	if (!s || !slot_path(s, nr, path))
		return syscall(nr, a[0], a[1], a[2], a[3], a[4]);
	r = TRAMP(nr, a[0], a[1], a[2], a[3], a[4]);
	s->ret = r;
	for (int i = 0; i < 5; i++)
		s->args[i] = (uint64_t)a[i];
	if (r >= 0 && stat_arg >= 0 && nr == SYS_statx)
		s->mode = ((const struct statx *)(uintptr_t)a[stat_arg])->stx_mode;
	else if (r >= 0 && stat_arg >= 0)
		s->mode = ((const struct stat *)(uintptr_t)a[stat_arg])->st_mode;
	slot_put();
	return ret_errno(r);
}

static bool recent(const struct stat *st)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return st->st_mtim.tv_sec >= now.tv_sec - 3 || st->st_ctim.tv_sec >= now.tv_sec - 3;
}

/* openat as glibc makes it for open, open64, openat, fopen's kind: a
 * read-only open is recorded with the opened file's identity (so the
 * tracer can tell whether the file it digests later is still the one
 * read); any other goes the ordinary way. */
static int rec_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	struct inproc_rec *s;
	struct stat st;
	long r;

	if ((flags & INPROC_OPEN_DENY) || !(s = slot_get()))
		return (int)syscall(SYS_openat, dirfd, path, flags, mode);
	if (!slot_path(s, SYS_openat, path))
		return (int)syscall(SYS_openat, dirfd, path, flags, mode);
	r = TRAMP(SYS_openat, dirfd, (long)path, flags, (long)mode, 0);
	s->ret = r;
	s->args[0] = (uint64_t)(long)dirfd;
	s->args[1] = 0;
	s->args[2] = (uint64_t)(unsigned)flags;
	s->args[3] = mode;
	s->args[4] = 0;
	if (r >= 0 && !(flags & O_PATH) &&
	    TRAMP(SYS_newfstatat, r, (long)"", (long)&st, AT_EMPTY_PATH, 0) == 0)
		slot_stat(s, &st);
	slot_put();
	/* A file changed in the last seconds (a build's own output read
	 * back) is not in the tracer's digest cache, and may be deleted or
	 * rewritten before this thread next stops: have it read now, while
	 * the fd holds the very file. */
	if (s->has_stat && S_ISREG(st.st_mode) && recent(&st))
		request(INPROC_FLUSH, 0);
	return (int)ret_errno(r);
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & (O_CREAT | __O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return rec_openat(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
	__attribute__((alias("open")));

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return rec_openat(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

/* _FORTIFY_SOURCE's checked opens (no mode: never creating). */
EXPORT int __open_2(const char *path, int flags)
{
	return rec_openat(AT_FDCWD, path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags)
	__attribute__((alias("__open_2")));

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return rec_openat(dirfd, path, flags, 0);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
	__attribute__((alias("__openat_2")));

/* The stat family, each as glibc 2.36 makes it on x86_64. */
static int rec_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	long a[5] = { dirfd, (long)path, (long)st, flags, 0 };

	/* fstat() in disguise: not an event, so nothing to record */
	path = may_be_null(path);
	if (path && !*path && (flags & AT_EMPTY_PATH) &&
	    __atomic_load_n(&state, __ATOMIC_ACQUIRE) == ON)
		return (int)ret_errno(TRAMP(SYS_newfstatat, dirfd, (long)path,
					    (long)st, flags, 0));
	return (int)rec_path(SYS_newfstatat, a, path, 2);
}

EXPORT int stat(const char *path, struct stat *st)
{
	return rec_fstatat(AT_FDCWD, path, st, 0);
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
	return rec_fstatat(AT_FDCWD, path, (struct stat *)st, 0);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	return rec_fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return rec_fstatat(AT_FDCWD, path, (struct stat *)st, AT_SYMLINK_NOFOLLOW);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return rec_fstatat(dirfd, path, st, flags);
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return rec_fstatat(dirfd, path, (struct stat *)st, flags);
}

EXPORT int fstat(int fd, struct stat *st)
{
	return rec_fstatat(fd, "", st, AT_EMPTY_PATH);
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	return rec_fstatat(fd, "", (struct stat *)st, AT_EMPTY_PATH);
}

/* The pre-2.33 ABI (binaries built against older glibc, GNU make among
 * them): the stat and lstat syscalls. */
EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	long a[5] = { (long)path, (long)st, 0, 0, 0 };

	if (ver != 1 && ver != 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)rec_path(SYS_stat, a, path, 1);
}

EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	return __xstat(ver, path, (struct stat *)st);
}

EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	long a[5] = { (long)path, (long)st, 0, 0, 0 };

	if (ver != 1 && ver != 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)rec_path(SYS_lstat, a, path, 1);
}

EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	return __lxstat(ver, path, (struct stat *)st);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask,
		 struct statx *stx)
{
	long a[5] = { dirfd, (long)path, flags, mask, (long)stx };

	path = may_be_null(path);
	if (!path || (!*path && (flags & AT_EMPTY_PATH)))
		return (int)syscall(SYS_statx, dirfd, path, flags, mask, stx);
	return (int)rec_path(SYS_statx, a, path, 4);
}

EXPORT int access(const char *path, int how)
{
	long a[5] = { (long)path, how, 0, 0, 0 };

	return (int)rec_path(SYS_access, a, path, -1);
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t len)
{
	long a[5] = { (long)path, (long)buf, (long)len, 0, 0 };

	return rec_path(SYS_readlink, a, path, -1);
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	long a[5] = { dirfd, (long)path, (long)buf, (long)len, 0 };

	return rec_path(SYS_readlinkat, a, path, -1);
}

/* close: only of an fd open for reading (a writer's close is where the
 * tracer digests what was written, so it has to stop). */
EXPORT int close(int fd)
{
	struct inproc_rec *s;
	long fl, r;

	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) != ON || fd < 0)
		return (int)syscall(SYS_close, fd);
	fl = TRAMP(SYS_fcntl, fd, F_GETFL, 0, 0, 0);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY || !(s = slot_get()))
		return (int)syscall(SYS_close, fd);
	s->nr = SYS_close;
	s->has_stat = 0;
	s->pathlen = 0;
	s->path[0] = '\0';
	memset(s->args, 0, sizeof(s->args));
	s->args[0] = (uint64_t)(long)fd;
	r = TRAMP(SYS_close, fd, 0, 0, 0, 0);
	s->ret = r;
	slot_put();
	return (int)ret_errno(r);
}
