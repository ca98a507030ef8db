// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sc: makes real syscalls, one family per mode, for the tracer tests
 * (the strace model: a small program per family, and the events it must
 * produce).  Run in a scratch directory: `sc MODE`.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/helpers/common.h"

static int m_open(void)
{
	struct open_how how = { .flags = O_RDONLY };
	int fd;

	write_file("in.txt", "hello\n");
	fd = open("in.txt", O_RDONLY);
	close(fd);
	fd = creat("created.txt", 0640);
	must(write(fd, "x", 1) == 1, "write");
	close(fd);
	fd = (int)syscall(SYS_openat2, AT_FDCWD, "in.txt", &how, sizeof(how));
	close(fd);
	open("missing.txt", O_RDONLY);
	fd = open("appended.txt", O_WRONLY | O_CREAT | O_APPEND | O_EXCL, 0600);
	close(fd);
	return 0;
}

/* A 32-bit open through int 0x80: the path must live below 4 GiB. */
static int m_int80(void)
{
	char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	long ret;

	must(p != MAP_FAILED, "mmap");
	write_file("in32.txt", "thirty-two\n");
	strcpy(p, "in32.txt");
	/* i386: eax=5 (open), ebx=path, ecx=flags */
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(5), "b"((unsigned)(unsigned long)p), "c"(O_RDONLY)
			 : "memory", "r8", "r9", "r10", "r11");
	printf("int80 open returned %ld\n", ret);
	return ret >= 0 ? 0 : 1;
}

static void *exec_thread(void *arg)
{
	char *argv[] = { "true", "from-thread", NULL };

	(void)arg;
	execv("/bin/true", argv);
	return NULL;
}

static int m_thread_exec(void)
{
	pthread_t t;

	pthread_create(&t, NULL, exec_thread, NULL);
	pthread_join(t, NULL);
	return 1;
}

static int m_vfork(void)
{
	pid_t pid = vfork();
	int st;

	if (pid == 0) {
		execl("/bin/true", "true", "from-vfork", (char *)NULL);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return WEXITSTATUS(st);
}

static int m_clone3(void)
{
	struct clone_args args = { .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	int st;

	/* (under sandrun with the preload and notifications clone3 fails
	 * with ENOSYS, tracer/filter.c: a clone then, as glibc makes) */
	if (pid < 0 && errno == ENOSYS) {
		printf("clone3: ENOSYS\n");
		fflush(stdout);
		pid = syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	}

	if (pid == 0) {
		write_file("from-clone3.txt", "c3\n");
		_exit(7);
	}
	must(pid > 0, "clone3");
	waitpid((pid_t)pid, &st, 0);
	return WEXITSTATUS(st) == 7 ? 0 : 1;
}

/* A child made with CLONE_UNTRACED, which no fork event reports:
 * traced all the same (tracer/filter.c). */
static int m_untraced(void)
{
	long pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	int st;

	if (pid == 0) {
		write_file("from-untraced.txt", "u\n");
		_exit(5);
	}
	must(pid > 0, "clone");
	waitpid((pid_t)pid, &st, 0);
	return WEXITSTATUS(st) == 5 ? 0 : 1;
}

static int m_dirfd(void)
{
	char path[64];
	int d, fd;

	mkdir("sub", 0755);
	write_file("sub/rel.txt", "rel\n");
	d = open("sub", O_RDONLY | O_DIRECTORY);
	fd = openat(d, "rel.txt", O_RDONLY);
	close(fd);
	snprintf(path, sizeof(path), "/proc/self/fd/%d/rel.txt", d);
	fd = open(path, O_RDONLY);
	close(fd);
	fd = dup2(d, 20);
	fd = openat(20, "via-dup.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);
	fd = fcntl(d, F_DUPFD_CLOEXEC, 30);
	fd = openat(fd, "via-fcntl.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);
	return 0;
}

static int m_rename(void)
{
	write_file("old.txt", "new content\n");
	write_file("target.txt", "old content\n");
	must(rename("old.txt", "target.txt") == 0, "rename");
	return 0;
}

static int m_probe(void)
{
	struct stat st;
	struct statx stx;
	char buf[64];

	mkdir("adir", 0755);
	symlink("adir", "alink");
	stat("adir", &st);
	lstat("alink", &st);
	stat("nope", &st);
	access("adir", R_OK);
	readlink("alink", buf, sizeof(buf));
	statx(AT_FDCWD, "adir", 0, STATX_BASIC_STATS, &stx);
	return 0;
}

static int m_mutate(void)
{
	struct timespec ts[2] = { { 0, 0 }, { 0, 0 } };

	mkdir("d", 0700);
	write_file("d/f", "f\n");
	link("d/f", "d/hard");
	symlink("f", "d/soft");
	chmod("d/f", 0600);
	chown("d/f", getuid(), getgid());
	truncate("d/f", 1);
	utimensat(AT_FDCWD, "d/f", ts, 0);
	mknod("d/fifo", S_IFIFO | 0644, 0);
	unlink("d/hard");
	unlink("d/soft");
	unlink("d/fifo");
	unlink("d/f");
	rmdir("d");
	return 0;
}

static int m_chdir(void)
{
	int fd, d;

	mkdir("c1", 0755);
	mkdir("c2", 0755);
	chdir("c1");
	fd = open("in-c1.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);
	d = open("../c2", O_RDONLY | O_DIRECTORY);
	fchdir(d);
	fd = open("in-c2.txt", O_WRONLY | O_CREAT, 0644);
	close(fd);
	return 0;
}

static int m_net(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(9) };
	int s = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	connect(s, (struct sockaddr *)&a, sizeof(a));
	close(s);
	return 0;
}

static int m_random(void)
{
	char buf[8];
	int fd;

	getrandom(buf, sizeof(buf), 0);
	fd = open("/dev/urandom", O_RDONLY);
	must(read(fd, buf, sizeof(buf)) == sizeof(buf), "read");
	close(fd);
	return 0;
}

static int m_readdir(void)
{
	DIR *d;

	mkdir("listed", 0755);
	write_file("listed/b", "");
	write_file("listed/a", "");
	d = opendir("listed");
	while (readdir(d))
		;
	closedir(d);
	return 0;
}

static int m_uring(void)
{
	char params[120] = { 0 };
	long fd = syscall(SYS_io_uring_setup, 1, params);

	if (fd >= 0)
		close((int)fd);
	return 0;
}

static int m_signal(void)
{
	write_file("before-signal.txt", "x\n");
	raise(SIGSEGV);
	return 0;
}

static void *blocked_thread(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

/* exit_group while another thread is blocked: the process still ends. */
static int m_mt(void)
{
	pthread_t t;

	pthread_create(&t, NULL, blocked_thread, NULL);
	write_file("mt.txt", "threads\n");
	exit(3);
}

static void *writer_thread(void *arg)
{
	long i = (long)arg;
	char path[32];
	struct stat st;

	for (int k = 0; k < 20; k++) {
		snprintf(path, sizeof(path), "t%ld-%d", i, k);
		write_file(path, path);
		stat("nope", &st);
	}
	return NULL;
}

/* Four threads doing I/O at once: the trace must not depend on how
 * they interleave. */
static int m_threads(void)
{
	pthread_t t[4];

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, writer_thread, (void *)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static int m_fchmodat2(void)
{
	write_file("f2.txt", "x\n");
	if (syscall(452, AT_FDCWD, "f2.txt", 0600, 0) < 0)
		return errno == ENOSYS ? 77 : 1;
	return 0;
}

/* Changes through fds that name no file of a filesystem: a memfd's
 * (resized and made read-only to others, as a JIT or a compositor's
 * client does) and a socket's.  The tracer knows neither fd. */
static int m_memfd(void)
{
	int fd = (int)syscall(SYS_memfd_create, "scratch", 0), sv[2];

	must(fd >= 0, "memfd_create");
	must(ftruncate(fd, 65536) == 0, "ftruncate memfd");
	must(fchmod(fd, 0600) == 0, "fchmod memfd");
	must(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	must(fchmod(sv[0], 0600) == 0, "fchmod socket");
	write_file("after.txt", "still traced\n");
	return 0;
}

/* Lookups the tracer made on its own (misses at an exec or a stat's
 * entry, with ptrace stops) where it sees other than the process: a link
 * to /proc/self/fd/50, which names the tracer's own fd 50 when it looks
 * (a miss), and the process's open file for the kernel (ETXTBSY: it is
 * being written; a stat finds it); a name after ".." below a directory
 * nobody may search, or a name in it (EACCES), which the tracer, root
 * outside, found missing.  Each as the kernel says, in every mode
 * (trace.t). */
static int badlinks(void)
{
	char *argv[] = { "x", NULL };
	struct stat st;
	int fails = 0, w = open("busy.sh", O_WRONLY | O_CREAT, 0755);

	must(w >= 0 && dup2(w, 50) == 50, "busy.sh on fd 50");
	must(symlink("/proc/self/fd/50", "busy") == 0, "symlink busy");
	if (syscall(SYS_execve, (long)"busy", (long)argv, (long)argv) == 0 ||
	    syscall(SYS_newfstatat, AT_FDCWD, (long)"busy", (long)&st, 0) != 0)
		fails++;
	close(50);
	close(w);
	/* and a link to /proc/self/cwd: a magic link, which the tracer's
	 * lookup does not follow (ELOOP), and the kernel does (a directory) */
	must(symlink("/proc/self/cwd", "here") == 0, "symlink here");
	if (syscall(SYS_newfstatat, AT_FDCWD, (long)"here", (long)&st, 0) != 0)
		fails++;
	must(mkdir("locked", 0755) == 0 && chmod("locked", 0) == 0, "mkdir locked");
	if (syscall(SYS_execve, (long)"locked/../no-such-tool", (long)argv, (long)argv) == 0 ||
	    syscall(SYS_newfstatat, AT_FDCWD, (long)"locked/no-such-file", (long)&st, 0) == 0)
		fails++;
	must(chmod("locked", 0755) == 0, "chmod locked");
	return fails;
}

/* A directory fd the tracer cannot name (received over a socket: recvmsg
 * is not traced), then fchdir into it: the cwd is one the tracer cannot
 * name either, so a stat of "x" there is below its mark, not "$SRC/x"
 * (the cwd before), which is there (the stat's answer at its entry said
 * so with ptrace stops; the kernel, ENOENT). */
static int unnamed_cwd(void)
{
	char cwd[4096], ctl[CMSG_SPACE(sizeof(int))] = { 0 }, byte = 0;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			      .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	struct stat st;
	int sv[2], d = -1, got, fails = 0;

	must(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
	write_file("x", "in the cwd before\n");
	must(mkdir("sub", 0755) == 0 && (d = open("sub", O_RDONLY | O_DIRECTORY)) >= 0, "sub");
	must(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &d, sizeof(int));
	must(sendmsg(sv[0], &msg, 0) == 1 && recvmsg(sv[1], &msg, 0) == 1, "pass the fd");
	memcpy(&got, CMSG_DATA(CMSG_FIRSTHDR(&msg)), sizeof(int));
	close(d);
	must(fchdir(got) == 0, "fchdir");
	if (syscall(SYS_newfstatat, AT_FDCWD, (long)"x", (long)&st, 0) == 0)
		fails++;
	must(chdir(cwd) == 0, "chdir back");
	close(got);
	close(sv[0]);
	close(sv[1]);
	return fails;
}

/* Every traced call with a path at an address nothing is mapped at (the
 * kernel answers EFAULT; the tracer reads no path), and on an fd that is
 * not open (EBADF).  The tracer died at a rename with no path before
 * 2026-12-04. */
static int m_badptr(void)
{
	const long B = 1, F = 99;
	static const long calls[][4] = {
		{ SYS_open, B, 0, 0 }, { SYS_openat, AT_FDCWD, B, O_WRONLY | O_CREAT },
		{ SYS_stat, B, B, 0 }, { SYS_newfstatat, AT_FDCWD, B, B },
		{ SYS_access, B, 0, 0 }, { SYS_readlink, B, B, 10 },
		{ SYS_mkdir, B, 0755, 0 }, { SYS_rmdir, B, 0, 0 }, { SYS_unlink, B, 0, 0 },
		{ SYS_chmod, B, 0644, 0 }, { SYS_chown, B, 0, 0 }, { SYS_truncate, B, 0, 0 },
		{ SYS_rename, B, B, 0 }, { SYS_link, B, B, 0 }, { SYS_symlink, B, B, 0 },
		{ SYS_chdir, B, 0, 0 }, { SYS_execve, B, 0, 0 }, { SYS_utimensat, AT_FDCWD, B, B },
		{ SYS_mknod, B, 0, 0 }, { SYS_statx, AT_FDCWD, B, 0 },
		{ SYS_fchmod, F, 0644, 0 }, { SYS_ftruncate, F, 0, 0 }, { SYS_fchdir, F, 0, 0 },
		{ SYS_getdents64, F, B, 100 }, { SYS_connect, F, B, 16 },
		{ SYS_linkat, AT_FDCWD, B, AT_FDCWD }, { SYS_mkdirat, F, B, 0 },
	};
	struct stat st;
	int fails = 0;

	for (size_t i = 0; i < sizeof(calls) / sizeof(*calls); i++)
		if (syscall(calls[i][0], calls[i][1], calls[i][2], calls[i][3], 0, 0, 0) == 0)
			fails++;
	/* rename to a name that is fine, from one that cannot be read */
	if (syscall(SYS_rename, B, (long)"to.txt") == 0)
		fails++;
	/* an exec of a missing file that fails for another reason first:
	 * flags execveat does not know (EINVAL), an fd that is not open
	 * (EBADF); the tracer took both for ENOENT with ptrace stops */
	if (syscall(SYS_execveat, AT_FDCWD, (long)"no-such-tool", 0, 0, 0xf0) == 0 ||
	    syscall(SYS_execveat, F, (long)"no-such-tool", 0, 0, 0) == 0)
		fails++;
	/* and with a ".." that climbs above that fd: the tracer named the
	 * file "/no-such-tool" (its mark of an fd it cannot name taken away
	 * like a directory) and, with ptrace stops, said ENOENT; a stat the
	 * same (the kernel: EBADF) */
	if (syscall(SYS_execveat, F, (long)"d/../../no-such-tool", 0, 0, 0) == 0 ||
	    syscall(SYS_newfstatat, F, (long)"d/../../no-such-file", (long)&st, 0) == 0)
		fails++;
	fails += badlinks();
	fails += unnamed_cwd();
	write_file("after.txt", "still traced\n");
	return fails;
}

/* Renames the kernel refuses before anything moves (EXDEV, EBUSY or
 * EROFS): of the root, a directory of the read-only host, a pseudo
 * filesystem's, and onto the root.  The tracer walked the whole tree
 * below each for its before-states first (all of / for the first). */
static int m_rename_refused(void)
{
	static const char *const moves[][2] = {
		{ "/", "x" }, { "/usr", "x" }, { "/proc/self", "x" }, { "/sys", "x" },
		{ "x", "/" }, { "x", "/usr" },
	};
	int moved = 0;

	must(mkdir("x", 0755) == 0, "mkdir x");
	for (size_t i = 0; i < sizeof(moves) / sizeof(*moves); i++)
		if (rename(moves[i][0], moves[i][1]) == 0)
			moved++;
	return moved;
}

static int m_write_exit(void)
{
	/* Written, never closed: digested at exit. */
	int fd = open("left-open.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	must(write(fd, "open at exit\n", 13) == 13, "write");
	return 0;
}

/* A daemon left behind that forks children as fast as it can when
 * sandrun's pid 1 kills what the command left (tracer/exits.c: the
 * teardown): every one of them ends in the trace, and the run ends.
 * Some children write a file and keep it open. */
static int m_fork_daemon(void)
{
	signal(SIGCHLD, SIG_IGN);
	if (fork())
		return 0;
	for (int i = 0;; i++) {
		pid_t p = fork();

		if (p == 0) {
			if (i % 4 == 0) {
				int fd = open("daemon.out", O_WRONLY | O_CREAT | O_APPEND, 0644);

				must(write(fd, "x", 1) == 1, "write");
			}
			pause();
			_exit(0);
		}
		if (i > 200)
			pause();
	}
}

/* An exit that signals come to while it waits for the tracer: a child
 * floods its parent with SIGUSR1, whose handler has no SA_RESTART, and
 * the parent exits with 7 (an exit made to fail with EINTR returns, and
 * glibc's _exit then dies of SIGSEGV).  The child stops when its parent
 * is gone. */
static void on_usr1(int sig)
{
	(void)sig;
}

static int m_exit_signalled(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t parent = getpid();
	int p[2];
	char c;

	must(pipe(p) == 0, "pipe");
	must(sigaction(SIGUSR1, &sa, NULL) == 0, "sigaction");
	if (fork() == 0) {
		close(p[0]);
		must(write(p[1], "r", 1) == 1, "write");
		while (kill(parent, SIGUSR1) == 0 && getppid() == parent)
			;
		_exit(0);
	}
	close(p[1]);
	while (read(p[0], &c, 1) < 0 && errno == EINTR)
		;
	_exit(7);
}

/* A daemon whose vfork child is SIGKILLed (SIGCHLD ignored: no signal
 * stop for it after), which then reads a file and waits, left behind:
 * it runs again, and what it reads is recorded (tracer/exits.c). */
static int m_vfork_killed(void)
{
	int p[2];
	char c;

	must(pipe(p) == 0, "pipe");
	if (fork()) {
		must(read(p[0], &c, 1) == 1, "read");	/* the daemon is ready */
		return 0;
	}
	signal(SIGCHLD, SIG_IGN);
	if (vfork() == 0) {
		kill(getpid(), SIGKILL);
		_exit(1);
	}
	close(open("in.txt", O_RDONLY));
	must(write(p[1], "x", 1) == 1, "write");
	for (;;)
		pause();
}

/* Written, never closed, then killed by a signal (SIGABRT, not caught):
 * digested at the signal's stop, the last it takes. */
static int m_write_signal(void)
{
	int fd = open("left-open.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	must(write(fd, "open at abort\n", 14) == 14, "write");
	abort();
	return 0;
}

/* Killed by a seccomp filter of its own (SECCOMP_RET_KILL_PROCESS at
 * getpid): a signal the kernel forces, with no stop before the death. */
static int m_seccomp_kill(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getpid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(*f), f };

	must(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
	must(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0, "seccomp");
	syscall(SYS_getpid);
	return 0;
}

static int m_dup2_fails(void)
{
	/* A dup2 onto a writer that fails leaves it open, a writer still:
	 * its close has all that was written. */
	int fd = open("kept.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	must(write(fd, "one\n", 4) == 4, "write");
	must(dup2(99, fd) < 0, "dup2 of a closed fd fails");
	must(write(fd, "two\n", 4) == 4, "write");
	must(close(fd) == 0, "close");
	return 0;
}

static int m_dup2_same(void)
{
	/* dup2(fd, fd), through libc and as a raw syscall: the fd stays a
	 * writer, its close has all that was written */
	int fd = open("same.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	must(write(fd, "one\n", 4) == 4, "write");
	must(dup2(fd, fd) == fd, "dup2(fd, fd)");
	must(syscall(SYS_dup2, fd, fd) == fd, "raw dup2(fd, fd)");
	must(write(fd, "two\n", 4) == 4, "write");
	must(close(fd) == 0, "close");
	return 0;
}

/* An execve whose argv strings are pages apart, with a hole between
 * them (the tracer cannot read them as one span), the second longer than
 * a page. */
static int m_exec_spread(void)
{
	char *m = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *left, *long_;
	char *argv[4];

	must(m != MAP_FAILED, "mmap");
	must(munmap(m + 4096, 4096) == 0, "munmap");
	left = m + 4096 - 5;
	strcpy(left, "left");
	long_ = m + 2 * 4096 + 100;
	memset(long_, 'x', 5000);
	long_[5000] = '\0';
	argv[0] = "true";
	argv[1] = left;
	argv[2] = long_;
	argv[3] = NULL;
	execv("/bin/true", argv);
	must(0, "execv");
	return 1;
}

/* Paths that end at the last bytes of a page, an unmapped one after it:
 * read whole by the tracer (a read on into the hole stops short, it does
 * not fail), through libc (a writing open: notified) and raw; and one
 * with no NUL before the hole: EFAULT, as without sandrun. */
static int m_path_edge(void)
{
	char *m = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;
	int fd;

	must(m != MAP_FAILED, "mmap");
	must(munmap(m + 4096, 4096) == 0, "munmap");
	p = m + 4096 - sizeof("edge.txt");
	strcpy(p, "edge.txt");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	must(fd >= 0, "open for writing");
	must(write(fd, "edge\n", 5) == 5, "write");
	must(close(fd) == 0, "close");
	fd = (int)syscall(SYS_openat, AT_FDCWD, p, O_RDONLY);
	must(fd >= 0, "raw open");
	must(close(fd) == 0, "close");
	memset(m + 4096 - 8, 'z', 8);
	must(syscall(SYS_openat, AT_FDCWD, m + 4096 - 8, O_RDONLY) == -1 && errno == EFAULT,
	     "EFAULT for a path running into a hole");
	return 0;
}

/* Opens that read and write and leave their file empty, as gcc's
 * mkstemp (O_RDWR | O_CREAT | O_EXCL) and as's "w+" (O_RDWR | O_CREAT |
 * O_TRUNC) do, each written after; and one that leaves it as it was. */
static int m_rwempty(void)
{
	int fd;

	write_file("trunc.txt", "old\n");
	write_file("kept.txt", "kept\n");
	fd = open("trunc.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	must(fd >= 0, "open trunc.txt");
	must(write(fd, "new\n", 4) == 4, "write");
	close(fd);
	fd = open("excl.txt", O_RDWR | O_CREAT | O_EXCL, 0600);
	must(fd >= 0, "open excl.txt");
	must(write(fd, "x", 1) == 1, "write");
	close(fd);
	fd = open("kept.txt", O_RDWR);
	must(fd >= 0, "open kept.txt");
	must(write(fd, "K", 1) == 1, "write");
	close(fd);
	/* (on /proc, O_TRUNC empties nothing: no digest, as ever) */
	fd = open("/proc/self/comm", O_RDWR | O_TRUNC);
	must(fd >= 0, "open /proc/self/comm");
	must(write(fd, "sc\n", 3) == 3, "write");
	close(fd);
	return 0;
}

/* More events than a small --canon-buffer holds, in one process: runs
 * of probes of shuffled names (some there) between writes, randomness
 * asked for more than once and a temp file with a random name, spawns,
 * then the exit. */
static int m_many(void)
{
	char path[64], buf[8], tmp[] = "/tmp/many-XXXXXX";
	struct stat st;
	int fd;

	write_file("there-7", "");
	for (int i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "there-%d", (i * 7) % 600);
		stat(path, &st);
		if (i == 300)
			getrandom(buf, sizeof(buf), 0);
	}
	write_file("middle", "m");
	fd = mkstemp(tmp);
	must(fd >= 0, "mkstemp");
	close(fd);
	for (int i = 0; i < 2; i++) {
		pid_t pid = fork();

		if (!pid)
			_exit(access(i ? "middle" : "there-7", F_OK) ? 1 : 0);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 400; i++) {
		snprintf(path, sizeof(path), "%s-%d", i % 2 ? "odd" : "even", (i * 13) % 400);
		access(path, R_OK);
	}
	getrandom(buf, sizeof(buf), 0);
	unlink(tmp);
	return 0;
}

static void *prober_thread(void *arg)
{
	long i = (long)arg;
	char path[64], buf[8];
	struct stat st;

	for (int k = 0; k < 300; k++) {
		snprintf(path, sizeof(path), "there-%ld-%d", i % 2, (k * 7) % 300);
		stat(path, &st);
		if (k == 150 && i < 4) {
			snprintf(path, sizeof(path), "mid-%ld", i);
			write_file(path, path);
		}
		if (k == 200 && i == 1)
			getrandom(buf, sizeof(buf), 0);
	}
	return NULL;
}

/* Threads with more events than a small --canon-buffer holds, in two
 * execs of one process: each thread's runs of probes, split by a write
 * of its own (threads 4 and 5 write nothing, and probe the same names:
 * alike), randomness in one; then the program again, once. */
static int m_many_threads(char **argv)
{
	pthread_t t[6];
	struct stat st;

	stat("before-threads", &st);
	for (long i = 0; i < 6; i++)
		pthread_create(&t[i], NULL, prober_thread, (void *)i);
	for (int i = 0; i < 6; i++)
		pthread_join(t[i], NULL);
	stat("after-threads", &st);
	if (!argv[2]) {
		execl(argv[0], argv[0], argv[1], "again", (char *)NULL);
		return 1;
	}
	return 0;
}

/* More in-process records than a ring holds, paths of every length
 * from 4 to 303 bytes: the ring wraps, each time after a pad. */
static int m_wrap(void)
{
	char path[320];
	struct stat st;

	for (int i = 0; i < 5000; i++) {
		int n = snprintf(path, sizeof(path), "w%d-", i), len = 4 + (i * 37) % 300;

		while (n < len)
			path[n++] = 'x';
		path[n] = '\0';
		stat(path, &st);
	}
	return 0;
}

/* `sc old-pidfd CMD [ARG...]`: CMD run as on a kernel before 6.9 and
 * 6.13, where pidfd_open() has no PIDFD_THREAD (EINVAL) and a pidfd no
 * PIDFD_GET_INFO (ENOTTY): sandrun itself, to check it falls back. */
static int old_pidfd(char **argv)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pidfd_open, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_EXCL, 0, 4),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_ioctl, 0, 2),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0xc040ff0b /* PIDFD_GET_INFO */, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOTTY),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(*f), f };

	must(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "no_new_privs");
	must(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0, "seccomp");
	execvp(argv[0], argv);
	perror(argv[0]);
	return 127;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } modes[] = {
		{ "open", m_open }, { "rwempty", m_rwempty }, { "int80", m_int80 },
		{ "thread-exec", m_thread_exec }, { "vfork", m_vfork },
		{ "clone3", m_clone3 }, { "untraced", m_untraced }, { "dirfd", m_dirfd },
		{ "rename", m_rename }, { "probe", m_probe },
		{ "mutate", m_mutate }, { "chdir", m_chdir }, { "net", m_net },
		{ "random", m_random }, { "readdir", m_readdir },
		{ "uring", m_uring }, { "signal", m_signal },
		{ "write-exit", m_write_exit }, { "write-signal", m_write_signal },
		{ "seccomp-kill", m_seccomp_kill }, { "fork-daemon", m_fork_daemon },
		{ "vfork-killed", m_vfork_killed }, { "exit-signalled", m_exit_signalled },
		{ "mt", m_mt },
		{ "fchmodat2", m_fchmodat2 }, { "memfd", m_memfd }, { "badptr", m_badptr },
		{ "rename-refused", m_rename_refused }, { "threads", m_threads },
		{ "dup2-fails", m_dup2_fails }, { "dup2-same", m_dup2_same },
		{ "exec-spread", m_exec_spread }, { "path-edge", m_path_edge },
		{ "many", m_many }, { "wrap", m_wrap }, 
	};

	/* (the one mode with an argument: its second exec's) */
	if (argc >= 2 && argc <= 3 && !strcmp(argv[1], "many-threads"))
		return m_many_threads(argv);
	if (argc >= 3 && !strcmp(argv[1], "old-pidfd"))
		return old_pidfd(argv + 2);
	for (size_t i = 0; argc == 2 && i < sizeof(modes) / sizeof(*modes); i++)
		if (!strcmp(argv[1], modes[i].name))
			return modes[i].fn();
	fprintf(stderr, "usage: sc MODE\n");
	return 2;
}
