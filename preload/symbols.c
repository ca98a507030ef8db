// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandrun-rec.so, part four: the program's own calls.  The libc functions
 * for the recorded syscalls, exported here, come first in the lookup
 * scope (LD_PRELOAD): each makes the one syscall glibc 2.36 makes on
 * x86_64 for it, through the recorder (rec.c's sr_record), and sets errno
 * as glibc does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/rec.h"

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
EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags);
EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags);

static long ret_errno(long r)
{
	if (r < 0 && r > -4096) {
		errno = (int)-r;
		return -1;
	}
	return r;
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
	return (int)ret_errno(sr_record(SYS_openat, AT_FDCWD, (long)path, flags, mode, 0, 0));
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
	return (int)ret_errno(sr_record(SYS_openat, dirfd, (long)path, flags, mode, 0, 0));
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
	__attribute__((alias("openat")));

/* _FORTIFY_SOURCE's checked opens (no mode: never creating). */
EXPORT int __open_2(const char *path, int flags)
{
	return (int)ret_errno(sr_record(SYS_openat, AT_FDCWD, (long)path, flags, 0, 0, 0));
}

EXPORT int __open64_2(const char *path, int flags)
	__attribute__((alias("__open_2")));

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return (int)ret_errno(sr_record(SYS_openat, dirfd, (long)path, flags, 0, 0, 0));
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
	__attribute__((alias("__openat_2")));

/* The stat family, each as glibc 2.36 makes it on x86_64. */
EXPORT int stat(const char *path, struct stat *st)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0, 0, 0));
}

EXPORT int stat64(const char *path, struct stat64 *st)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0, 0, 0));
}

EXPORT int lstat(const char *path, struct stat *st)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, AT_SYMLINK_NOFOLLOW, 0, 0));
}

EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, AT_SYMLINK_NOFOLLOW, 0, 0));
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0, 0));
}

EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0, 0));
}

EXPORT int fstat(int fd, struct stat *st)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, fd, (long)"", (long)st, AT_EMPTY_PATH, 0, 0));
}

EXPORT int fstat64(int fd, struct stat64 *st)
{
	return (int)ret_errno(sr_record(SYS_newfstatat, fd, (long)"", (long)st, AT_EMPTY_PATH, 0, 0));
}

/* The pre-2.33 ABI (binaries built against older glibc, GNU make among
 * them; libc's own code is not rewritten for it, see patch.c): the stat
 * and lstat syscalls. */
static int old_xstat(long nr, int ver, const char *path, struct stat *st)
{
	if (ver != 1 && ver != 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)ret_errno(sr_record(nr, (long)path, (long)st, 0, 0, 0, 0));
}

EXPORT int __xstat(int ver, const char *path, struct stat *st)
{
	return old_xstat(SYS_stat, ver, path, st);
}

EXPORT int __xstat64(int ver, const char *path, struct stat64 *st)
{
	return old_xstat(SYS_stat, ver, path, (struct stat *)st);
}

EXPORT int __lxstat(int ver, const char *path, struct stat *st)
{
	return old_xstat(SYS_lstat, ver, path, st);
}

EXPORT int __lxstat64(int ver, const char *path, struct stat64 *st)
{
	return old_xstat(SYS_lstat, ver, path, (struct stat *)st);
}

/* and fstatat's: the newfstatat syscall */
static int old_fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	if (ver != 1 && ver != 0) {
		errno = EINVAL;
		return -1;
	}
	return (int)ret_errno(sr_record(SYS_newfstatat, dirfd, (long)path, (long)st, flags, 0, 0));
}

EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	return old_fxstatat(ver, dirfd, path, st, flags);
}

EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat64 *st, int flags)
{
	return old_fxstatat(ver, dirfd, path, (struct stat *)st, flags);
}

EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask,
		 struct statx *stx)
{
	return (int)ret_errno(sr_record(SYS_statx, dirfd, (long)path, flags, mask, (long)stx, 0));
}

EXPORT int mkdir(const char *path, mode_t mode)
{
	return (int)ret_errno(sr_record(SYS_mkdir, (long)path, mode, 0, 0, 0, 0));
}

EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	return (int)ret_errno(sr_record(SYS_mkdirat, dirfd, (long)path, mode, 0, 0, 0));
}

EXPORT int access(const char *path, int how)
{
	return (int)ret_errno(sr_record(SYS_access, (long)path, how, 0, 0, 0, 0));
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t len)
{
	return ret_errno(sr_record(SYS_readlink, (long)path, (long)buf, (long)len, 0, 0, 0));
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t len)
{
	return ret_errno(sr_record(SYS_readlinkat, dirfd, (long)path, (long)buf, (long)len, 0, 0));
}

EXPORT int close(int fd)
{
	return (int)ret_errno(sr_record(SYS_close, fd, 0, 0, 0, 0, 0));
}

EXPORT int dup(int fd)
{
	return (int)ret_errno(sr_record(SYS_dup, fd, 0, 0, 0, 0, 0));
}

EXPORT int dup2(int fd, int newfd)
{
	return (int)ret_errno(sr_record(SYS_dup2, fd, newfd, 0, 0, 0, 0));
}

EXPORT int dup3(int fd, int newfd, int flags)
{
	return (int)ret_errno(sr_record(SYS_dup3, fd, newfd, flags, 0, 0, 0));
}
