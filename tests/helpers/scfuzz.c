// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * scfuzz: random calls of the syscalls the tracer decodes, with arguments
 * drawn from a pool (names that exist, names that do not, unreadable and
 * unterminated ones, fds open and not, flags, numbers), for the tracer's
 * robustness: whatever a build passes, sandrun records it and goes on.
 * `scfuzz SEED N [more]` makes N calls and exits 42 (it may also die of
 * what it did to itself).  It refuses to run outside a sandbox whose host root is
 * read-only: some calls chmod, rename and remove what the pool names; and
 * its stdio is a file of its own in its directory (scfuzz.stdio), any
 * other fd closed, whatever it was given.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static uint64_t state;

static uint64_t rnd(void)	/* xorshift64 */
{
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	return state;
}

static const long calls[] = {
	SYS_open, SYS_openat, SYS_creat, SYS_openat2, SYS_stat, SYS_lstat, SYS_newfstatat,
	SYS_statx, SYS_access, SYS_faccessat, 439 /* faccessat2 */, SYS_readlink,
	SYS_readlinkat, SYS_getdents64, SYS_getdents, SYS_mkdir, SYS_mkdirat, SYS_rmdir,
	SYS_unlink, SYS_unlinkat, SYS_rename, SYS_renameat, SYS_renameat2, SYS_link,
	SYS_linkat, SYS_symlink, SYS_symlinkat, SYS_chmod, SYS_fchmodat, SYS_fchmod,
	452 /* fchmodat2 */, SYS_chown, SYS_lchown, SYS_fchownat, SYS_fchown, SYS_truncate,
	SYS_ftruncate, SYS_utime, SYS_utimes, SYS_futimesat, SYS_utimensat, SYS_chdir,
	SYS_fchdir, SYS_execve, SYS_execveat, SYS_dup, SYS_dup2, SYS_dup3, SYS_fcntl,
	SYS_close, SYS_close_range, SYS_socket, SYS_connect, SYS_bind, SYS_sendto,
	SYS_sendmsg, SYS_sendmmsg, SYS_getrandom, SYS_setxattr, SYS_lsetxattr,
	SYS_fsetxattr, SYS_removexattr, SYS_lremovexattr, SYS_fremovexattr, SYS_mknod,
	SYS_mknodat,
};

/* `scfuzz SEED N more`: these too, a quarter of the calls (the other
 * seeds' calls stay what they were) */
static const long more[] = {
	SYS_statfs, SYS_getxattr, SYS_lgetxattr, SYS_listxattr, SYS_llistxattr,
	464 /* getxattrat */, 465 /* listxattrat */, 468 /* file_getattr */,
	SYS_name_to_handle_at, SYS_inotify_add_watch, SYS_uselib,
};

static const char *const names[] = {
	"a", "b", "d", "d/a", "d/b", "", ".", "..", "a/../b", "l", "d/../../x", "//a//b/",
	"/", "/usr", "/tmp", "/tmp/f", "/dev/null", "/proc/self/fd/3", "/proc/self/cwd/a",
	"/proc/self/fd/4/a", "/proc/self/root/tmp",
};

#define BASE 0x3f0000000000UL

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 1000, pool[80];
	int also = argc > 3 && !strcmp(argv[3], "more");
	char *base, *edge, *buf;
	size_t np = 0;
	/* SCFUZZ_LOG=FILE: each call and its result (on an fd of its own,
	 * above what the pool names) */
	FILE *log = NULL;

	if (access("/usr", W_OK) == 0 || errno != EROFS) {
		fprintf(stderr, "scfuzz: /usr is writable: not in a sandbox, refusing\n");
		return 2;
	}
	/* Its fds its own, before any call: it fchmods, truncates and
	 * writes what fds it has, and one given from outside the sandbox
	 * is a host's file (a /dev/null of the host's took mode 7766 so) */
	syscall(SYS_close_range, 3, ~0U, 0);
	{
		int io = open("scfuzz.stdio", O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);

		if (io < 0)
			return 3;
		for (int fd = 0; fd < 3; fd++)
			if (io != fd && dup2(io, fd) != fd)
				return 3;
		if (io > 2)
			close(io);
	}
	if (getenv("SCFUZZ_LOG")) {
		int fd = open(getenv("SCFUZZ_LOG"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0 || dup2(fd, 900) < 0 || !(log = fdopen(900, "w")))
			return 3;
		close(fd);
		setvbuf(log, NULL, _IONBF, 0);
	}
	state = (uint64_t)(argc > 1 ? atol(argv[1]) : 1) * 0x9e3779b97f4a7c15ULL | 1;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGIO, SIG_IGN);
	signal(SIGURG, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	/* Everything a pointer in the pool points to is at a fixed address,
	 * so that a run's arguments are the same whatever else is mapped
	 * (sandrun's modes map different things): a page of names, then
	 * buf, where what the kernel writes lands, or faults on the guard
	 * page after it (none of this program's own state is in reach),
	 * then a name with no end before an unmapped page.  So the same
	 * seed makes the same calls in every mode. */
	base = mmap((void *)BASE, 20 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (base != (char *)BASE)
		return 3;
	buf = base + 4096;
	edge = base + 18 * 4096;
	mprotect(buf + 65536, 4096, PROT_NONE);
	munmap(edge + 4096, 4096);
	memset(edge, 'e', 4096);
	for (size_t i = 0, at = 0; i < sizeof(names) / sizeof(*names); i++) {
		pool[np++] = (long)(base + at);
		strcpy(base + at, names[i]);
		at += strlen(names[i]) + 1;
	}
	memset(base + 3000, 'n', 399);	/* a component too long */
	/* (read-only: names and the endless one are the same at every
	 * call; what the kernel writes goes to buf, zeroed before each) */
	mprotect(base, 4096, PROT_READ);
	mprotect(edge, 4096, PROT_READ);
	pool[np++] = (long)(base + 3000);
	pool[np++] = (long)edge;
	pool[np++] = (long)edge + 4090;
	pool[np++] = (long)buf;
	pool[np++] = (long)buf + 65536 - 100;
	{
		static const long other[] = {
			0, 1, -1, AT_FDCWD, 2, 3, 4, 5, 7, 99, O_RDONLY, O_WRONLY | O_CREAT,
			O_RDWR | O_CREAT | O_TRUNC, O_CREAT | O_EXCL | O_WRONLY, O_PATH,
			O_DIRECTORY, O_TMPFILE | O_RDWR, 0644, 0755, 0100, AT_EMPTY_PATH,
			AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, 0x1000, 16, 24, 512,
			(long)0x8000000000000000UL, 0xffffffffL, 0x100000000L,
		};

		for (size_t i = 0; i < sizeof(other) / sizeof(*other); i++)
			pool[np++] = other[i];
	}
	for (long i = 0; i < n; i++) {
		long nr = calls[rnd() % (sizeof(calls) / sizeof(*calls))], a[6], r;

		if (also && rnd() % 4 == 0)
			nr = more[rnd() % (sizeof(more) / sizeof(*more))];

		for (int k = 0; k < 6; k++) {
			a[k] = pool[rnd() % np];
			if (rnd() % 16 == 0)
				a[k] = (long)(rnd() % 4096);
			if (rnd() % 32 == 0)
				a[k] = (long)rnd();
		}
		/* nothing that only makes the run slow or stuck: no huge
		 * sparse file (the tracer digests what was written), no FIFO
		 * for an open to wait on, no lock to wait for */
		if ((nr == SYS_truncate || nr == SYS_ftruncate) && (unsigned long)a[1] > 1 << 20)
			a[1] = 4096;
		if (nr == SYS_mknod)
			a[1] = S_IFREG | 0644;
		if (nr == SYS_mknodat)
			a[2] = S_IFREG | 0644;
		if (nr == SYS_fcntl && (a[1] == F_SETLKW || a[1] == F_OFD_SETLKW))
			a[1] = F_GETFD;
		if (nr == SYS_open)
			a[1] |= O_NONBLOCK;
		if (nr == SYS_openat)
			a[2] |= O_NONBLOCK;
		memset(buf, 0, 65536);
		r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
		if (log)
			fprintf(log, "%ld: %ld(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld %d\n",
				i, nr, a[0], a[1], a[2], a[3], a[4], a[5], r, r < 0 ? errno : 0);
	}
	return 42;	/* (its stdout may be closed by now) */
}
