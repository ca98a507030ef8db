// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Test helper for in-process recording (tracer/inproc.h), run in a tree
 * with in.txt, a symlink link -> in.txt and a directory d:
 *   inproc work N   N rounds of what the preload records (read-only
 *                   opens, fstat, stat, lstat, a missing path, access,
 *                   faccessat, readlink, openat under a dirfd, close),
 *                   then the same in a forked child and in a second
 *                   thread, and a raw openat the preload cannot see;
 *                   all in a fixed order, so two runs make the same
 *                   trace
 *   inproc libc     what glibc does inside itself: setlocale loading a
 *                   locale's files, fopen, opendir, realpath
 *   inproc vfork    a vfork child makes the process's first call
 *                   (recorded, the first without sandrun's LD_AUDIT,
 *                   when the recorder is not started at the program's
 *                   start) and execs; then the parent records
 *   inproc tamper   try to map and to unprotect the trampoline page;
 *                   prints what the kernel (or the tracer) answered
 *   inproc clones   clones made through the trampoline (as the
 *                   preload's fork is): one without CLONE_PTRACE, one
 *                   with CLONE_UNTRACED, one with CLONE_FILES, then a
 *                   fork with CLONE_PTRACE; prints what each got
 *   inproc thread-first N
 *                   the process's first recorded calls (N rounds) in a
 *                   second thread, while the first makes raw opens that
 *                   stop (run without sandrun's LD_AUDIT: the preload
 *                   arms the trampoline in that second thread)
 *   inproc raw-thread N
 *                   N rounds of opens while a second thread, made by a
 *                   raw clone (glibc does not know of it), waits
 *   inproc vfork-race
 *                   a vfork child stops again and again while a second
 *                   thread of its parent makes 40 recorded opens, the
 *                   parent's first (run these two without sandrun's
 *                   LD_AUDIT: the preload arms the page then)
 *   inproc swap     an open through libc and a raw one that stops; then
 *                   the trampoline's page swapped for one of other code
 *                   by raw syscalls, another raw open, three opens
 *                   through libc, and one in a forked child
 *   inproc dlopen N N rounds of dlopen and dlclose of libm and of a
 *                   library that is nowhere (the loader's own opens,
 *                   stats and closes, after the program's start), then
 *                   the same in a second thread
 *   inproc proc-listing
 *                   /proc/self/fd looked up, then listed 3.5 s later
 *   inproc readdir-race DIR
 *                   DIR listed (readdir), then, before this process
 *                   stops again, a file made in it by a child forked
 *                   before the listing (it waits on a pipe); then DIR
 *                   listed again with a fresh opendir
 *   inproc clone-vm N
 *                   5 opens of in.txt, then a child on the same memory
 *                   that is not a vfork child (clone with CLONE_VM and
 *                   SIGCHLD: it records into its parent's ring) opens
 *                   d/f.txt N times while the parent waits for it; then
 *                   a vfork child opens raw.txt N times; then 5 more
 *                   opens of in.txt
 */
#include <errno.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <locale.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TRAMP 0x554080000000UL	/* INPROC_TRAMP */

static void rounds(int n, const char *tag)
{
	char buf[64], name[64];
	struct stat st;
	int dfd = open("d", O_RDONLY | O_DIRECTORY);

	for (int i = 0; i < n; i++) {
		int fd = open("in.txt", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			fstat(fd, &st);
			if (read(fd, buf, sizeof(buf)) < 0)
				perror("read");
			close(fd);
		}
		stat("in.txt", &st);
		lstat("link", &st);
		snprintf(name, sizeof(name), "missing-%s-%d", tag, i % 7);
		stat(name, &st);
		access("in.txt", R_OK);
		faccessat(dfd, "f.txt", R_OK, AT_EACCESS);
		if (readlink("link", buf, sizeof(buf)) < 0)
			perror("readlink");
		fd = openat(dfd, "f.txt", O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	if (dfd >= 0)
		close(dfd);
}

static void *thread_main(void *arg)
{
	rounds(*(int *)arg, "thread");
	return NULL;
}

static int work(int n)
{
	pthread_t th;
	pid_t pid;
	int status, fd;

	rounds(n, "main");
	pid = fork();
	if (pid == 0) {
		rounds(n / 2, "child");
		_exit(0);
	}
	waitpid(pid, &status, 0);
	if (pthread_create(&th, NULL, thread_main, &n) == 0)
		pthread_join(th, NULL);
	/* not through libc's wrapper: the seccomp filter must stop it */
	fd = (int)syscall(SYS_openat, AT_FDCWD, "raw.txt", O_RDONLY);
	if (fd >= 0)
		close(fd);
	return 0;
}

static int inside_libc(void)
{
	char buf[PATH_MAX];
	FILE *f;
	DIR *d;

	if (!setlocale(LC_ALL, "C.UTF-8"))
		puts("no C.UTF-8 locale");
	for (int i = 0; i < 20; i++) {
		f = fopen("in.txt", "r");
		if (f) {
			if (!fgets(buf, sizeof(buf), f))
				puts("empty");
			fclose(f);
		}
		if (!realpath("d/../link", buf))
			perror("realpath");
		d = opendir("d");
		if (d)
			closedir(d);
	}
	return 0;
}

/* fcntl's fd commands: glibc makes them in a function fcntl() calls. */
static int fcntl_dups(int n)
{
	int fd = open("in.txt", O_RDONLY | O_CLOEXEC);

	for (int i = 0; i < n && fd >= 0; i++) {
		int dup = fcntl(fd, F_DUPFD_CLOEXEC, 10);

		if (dup < 0 || fcntl(dup, F_SETFD, 0) < 0) {
			perror("fcntl");
			return 1;
		}
		close(dup);
	}
	return fd < 0;
}

/* A pipe's write end, copied and closed: no file is written.  (A file
 * read first: without sandrun's LD_AUDIT, the preload sets itself up at
 * the first call it records.) */
static int pipe_ends(int n)
{
	int fd = open("in.txt", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	for (int i = 0; i < n; i++) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0 || dup2(p[1], 10) < 0) {
			perror("pipe");
			return 1;
		}
		close(p[1]);
		close(10);
		close(p[0]);
	}
	return 0;
}

/* posix_spawnp's PATH misses (made by its vfork child, on this process's
 * memory) while another thread of this process keeps stopping. */
static void *mkdirs(void *arg)
{
	(void)arg;
	for (int i = 0; i < 400; i++) {
		char d[32];

		snprintf(d, sizeof(d), "d%d", i & 7);
		mkdir(d, 0700);
		rmdir(d);
	}
	return NULL;
}

extern char **environ;

static int spawn_threaded(void)
{
	static char path[4096];
	char *argv[] = { "true", NULL };
	size_t len = 0;
	pthread_t th;
	int fd = open("in.txt", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 50; i++)
		len += (size_t)snprintf(path + len, sizeof(path) - len, "/nope/%d:", i);
	snprintf(path + len, sizeof(path) - len, "/usr/bin:/bin");
	setenv("PATH", path, 1);
	if (pthread_create(&th, NULL, mkdirs, NULL))
		return 1;
	for (int k = 0; k < 5; k++) {
		pid_t pid;
		int st;

		if (posix_spawnp(&pid, "true", NULL, NULL, argv, environ)) {
			perror("posix_spawnp");
			return 1;
		}
		waitpid(pid, &st, 0);
	}
	pthread_join(th, NULL);
	return 0;
}

/* spawn-only N: /bin/true posix_spawn'd N times, each waited for, with
 * no call of this program's own recorded before. */
static int spawn_only(int n)
{
	char *argv[] = { "/bin/true", NULL };

	for (int k = 0; k < n; k++) {
		pid_t pid;
		int st;

		if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ))
			return 1;
		if (waitpid(pid, &st, 0) != pid || st)
			return 1;
	}
	return 0;
}

/* vfork: the child's stat is the process's first call (the first
 * recorded, and the recorder set up on the parent's memory, when the
 * program was not started with sandrun's LD_AUDIT). */
static int vfork_first(void)
{
	struct stat st;
	char *argv[] = { "true", NULL };
	pid_t pid = vfork();

	if (pid == 0) {
		stat("in.txt", &st);
		execv("/bin/true", argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	rounds(3, "after-vfork");
	return 0;
}

static int tamper(void)
{
	void *p = mmap((void *)TRAMP, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	printf("mmap: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
	printf("mprotect: %s\n", mprotect((void *)TRAMP, 4096, PROT_READ | PROT_WRITE) ?
	       strerror(errno) : "done");
	/* far from the page: left alone */
	p = mmap((void *)(TRAMP + (8UL << 32)), 4096, PROT_READ | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	printf("elsewhere: %s\n", p == MAP_FAILED ? strerror(errno) : "mapped");
	return 0;
}

/* forged: calls made by jumping into the trampoline, whose results the
 * thread never tells (the preload would, in its ring): an open for
 * writing, a mkdir, then an exit. */
static int forged(void)
{
	long (*tramp)(long, long, long, long, long, long) =
		(long (*)(long, long, long, long, long, long))(uintptr_t)TRAMP;
	long fd = tramp(SYS_openat, AT_FDCWD, (long)"ghost", O_WRONLY | O_CREAT, 0644, 0);
	long r = tramp(SYS_mkdir, (long)"ghostdir", 0755, 0, 0, 0);

	printf("open: %s, mkdir: %s\n", fd >= 0 ? "ok" : "failed", r == 0 ? "ok" : "failed");
	return 0;
}

/* raw-close: a writer's fd closed through the trampoline (unrecorded),
 * its number taken again by an open of another file, then an exit. */
static int raw_close(void)
{
	long (*tramp)(long, long, long, long, long, long) =
		(long (*)(long, long, long, long, long, long))(uintptr_t)TRAMP;
	int fd = open("written", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "AAAA", 4) != 4)
		return 1;
	tramp(SYS_close, fd, 0, 0, 0, 0);
	printf("reused: %s\n", open("other", O_RDONLY) == fd ? "yes" : "no");
	return 0;
}

static int clones(void)
{
	typedef long (*tramp_fn)(long, long, long, long, long, long);
	static const struct {
		const char *name;
		unsigned long flags;
	} c[] = {
		{ "untraced", SIGCHLD },
		{ "CLONE_UNTRACED", CLONE_PTRACE | CLONE_UNTRACED | SIGCHLD },
		{ "CLONE_FILES", CLONE_PTRACE | CLONE_FILES | SIGCHLD },
		{ "fork", CLONE_PTRACE | SIGCHLD },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(*c); i++) {
		long r = ((tramp_fn)TRAMP)(SYS_clone, (long)c[i].flags, 0, 0, 0, 0);

		if (r == 0)
			_exit(0);
		if (r > 0)
			waitpid((pid_t)r, NULL, 0);
		printf("%s: %s\n", c[i].name, r < 0 ? strerror((int)-r) : "made");
	}
	return 0;
}

/* Memory that was writable may not become executable (PR_SET_MDWE,
 * Linux 6.3, kept across fork and exec), then CMD: the trampoline
 * cannot be armed there. */
static int no_wx(char **cmd)
{
	if (prctl(65 /* PR_SET_MDWE */, 1 /* PR_MDWE_REFUSE_EXEC_GAIN */, 0, 0, 0)) {
		perror("prctl(PR_SET_MDWE)");
		return 3;
	}
	execv(cmd[0], cmd);
	perror(cmd[0]);
	return 127;
}

/* A failing execve of PATH, made raw: the environment argument must come
 * back as it was passed (the syscall keeps rdx), whatever the tracer
 * did with it meanwhile.  (exec-raw: one that succeeds, not through the
 * trampoline, in a process that has one.) */
static int exec_fails(const char *path)
{
	char *argv[] = { (char *)path, NULL };
	register long rdx __asm__("rdx") = (long)environ;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret), "+r"(rdx)
			 : "a"(SYS_execve), "D"(path), "S"(argv) : "rcx", "r11", "memory");
	printf("execve: %s, environment argument %s\n", ret < 0 ? strerror((int)-ret) : "ok",
	       rdx == (long)environ ? "kept" : "changed");
	return 0;
}

/* The pre-2.33 stat ABI, as a binary built against an older glibc calls
 * it (found by name: today's headers no longer declare it): N rounds of
 * __xstat, __lxstat and __fxstatat, on a file there (raw.txt) and one not. */
static int old_abi(int n)
{
	typedef int (*xstat_fn)(int, const char *, struct stat *);
	typedef int (*fxstatat_fn)(int, int, const char *, struct stat *, int);
	xstat_fn xstat = (xstat_fn)dlsym(RTLD_DEFAULT, "__xstat");
	xstat_fn lxstat = (xstat_fn)dlsym(RTLD_DEFAULT, "__lxstat");
	fxstatat_fn fxstatat = (fxstatat_fn)dlsym(RTLD_DEFAULT, "__fxstatat");
	struct stat st;
	int found = 0;

	if (!xstat || !lxstat || !fxstatat) {
		fprintf(stderr, "no pre-2.33 stat ABI in this libc\n");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		found += xstat(1, "raw.txt", &st) == 0;
		found += xstat(1, "gone.txt", &st) == 0;
		found += lxstat(1, "raw.txt", &st) == 0;
		found += fxstatat(1, AT_FDCWD, "raw.txt", &st, 0) == 0;
		found += fxstatat(1, AT_FDCWD, "gone.txt", &st, AT_SYMLINK_NOFOLLOW) == 0;
	}
	printf("%d found\n", found);
	return 0;
}

static void *first_rounds(void *arg)
{
	rounds(*(int *)arg, "first");
	return NULL;
}

static int thread_first(int n)
{
	pthread_t th;

	if (pthread_create(&th, NULL, first_rounds, &n))
		return 1;
	for (int i = 0; i < 200; i++) {
		long fd = syscall(SYS_openat, AT_FDCWD, "raw.txt", O_RDONLY);

		if (fd >= 0)
			syscall(SYS_close, fd);
	}
	return pthread_join(th, NULL) ? 1 : 0;
}

static int waiting(void *arg)
{
	(void)arg;
	for (;;)
		syscall(SYS_pause);
	return 0;
}

static int raw_thread(int n)
{
	static char stack[65536] __attribute__((aligned(16)));

	if (clone(waiting, stack + sizeof(stack), CLONE_VM | CLONE_FS | CLONE_FILES |
		  CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, NULL) < 0)
		return 1;
	for (int i = 0; i < n; i++) {
		int fd = open("in.txt", O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
	return 0;		/* (exit_group: the waiting thread too) */
}

static void open_close(const char *path, int n)
{
	for (int i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd >= 0)
			close(fd);
	}
}

static int clone_vm_child(void *arg)
{
	open_close("d/f.txt", *(int *)arg);
	return 0;
}

static int clone_vm(int n)
{
	static char stack[65536] __attribute__((aligned(16)));
	int status;
	pid_t pid;

	open_close("in.txt", 5);
	pid = clone(clone_vm_child, stack + sizeof(stack), CLONE_VM | SIGCHLD, &n);
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	pid = vfork();
	if (pid == 0) {
		open_close("raw.txt", n);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	open_close("in.txt", 5);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

static volatile int race_step;

static void nap(long ms)
{
	struct timespec ts = { 0, ms * 1000000 };

	syscall(SYS_nanosleep, &ts, NULL);
}

static void *race_opens(void *arg)
{
	(void)arg;
	while (race_step != 1)
		;
	for (int i = 0; i < 40; i++) {
		int fd = open("in.txt", O_RDONLY);

		if (fd >= 0)
			close(fd);
		if (i == 0)
			race_step = 2;
		nap(2);
	}
	return NULL;
}

static int vfork_race(void)
{
	pthread_t th;
	pid_t pid;

	if (pthread_create(&th, NULL, race_opens, NULL))
		return 1;
	pid = vfork();
	if (pid == 0) {
		race_step = 1;
		while (race_step != 2)
			;
		for (int i = 0; i < 10; i++) {
			long fd = syscall(SYS_openat, AT_FDCWD, "raw.txt", O_RDONLY);

			if (fd >= 0)
				syscall(SYS_close, fd);
			nap(4);
		}
		syscall(SYS_exit_group, 0);
	}
	waitpid(pid, NULL, 0);
	return pthread_join(th, NULL) ? 1 : 0;
}

/* By raw syscalls while the page is away (the preload's calls would land
 * on nothing): a copy of it whose last padding byte differs, working
 * code still, then what the preload records, here and in a child. */
static int swap_page(void)
{
	static unsigned char copy[4096];
	long p, fd;
	pid_t pid;

	fflush(stdout);
	fd = open("in.txt", O_RDONLY);		/* (the preload starts) */
	if (fd >= 0)
		close((int)fd);
	fd = syscall(SYS_openat, AT_FDCWD, "raw.txt", O_RDONLY);
	if (fd >= 0)
		syscall(SYS_close, fd);
	memcpy(copy, (void *)TRAMP, sizeof(copy));
	copy[23] = 0x90;	/* (after the ret: never run) */
	syscall(SYS_munmap, TRAMP, 4096);
	p = syscall(SYS_mmap, TRAMP, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (p != (long)TRAMP)
		return 1;
	memcpy((void *)TRAMP, copy, sizeof(copy));
	syscall(SYS_mprotect, TRAMP, 4096, PROT_READ | PROT_EXEC);
	fd = syscall(SYS_openat, AT_FDCWD, "swapped.txt", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		syscall(SYS_close, fd);
	for (int i = 0; i < 3; i++) {
		fd = open("in.txt", O_RDONLY);
		if (fd >= 0)
			close((int)fd);
	}
	pid = fork();
	if (pid == 0) {
		fd = open("in.txt", O_RDONLY);
		_exit(fd < 0);
	}
	waitpid(pid, NULL, 0);
	printf("swapped\n");
	return 0;
}

static void *dlopens(void *arg)
{
	int n = *(int *)arg;
	long loaded = 0;

	for (int i = 0; i < n; i++) {
		void *h = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);

		if (h) {
			loaded++;
			dlclose(h);
		}
		if (dlopen("libsandrun-nowhere.so.1", RTLD_NOW))
			loaded = -1;
	}
	return (void *)loaded;
}

static int dlopen_rounds(int n)
{
	pthread_t th;
	void *in_thread = NULL;
	long in_main = (long)dlopens(&n);

	if (pthread_create(&th, NULL, dlopens, &n) || pthread_join(th, &in_thread))
		return 1;
	printf("%ld and %ld loaded\n", in_main, (long)in_thread);
	return in_main == n && (long)in_thread == n ? 0 : 1;
}

static int list_dir(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

static int proc_listing(void)
{
	struct stat st;

	/* (a /proc directory's times are when it was first looked up) */
	if (stat("/proc/self/fd", &st) < 0)
		return 1;
	usleep(3500000);
	printf("%d entries\n", list_dir("/proc/self/fd"));
	return 0;
}

static int readdir_race(const char *dir)
{
	int go[2], done[2], first, second, fd;
	char c = 0, path[PATH_MAX];
	pid_t pid;

	if (pipe(go) || pipe(done))
		return 1;
	pid = fork();
	if (pid == 0) {
		/* (pipes: read and write stop nowhere) */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		snprintf(path, sizeof(path), "%s/new.txt", dir);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
		_exit(write(done[1], &c, 1) != 1);
	}
	first = list_dir(dir);
	if (write(go[1], &c, 1) != 1 || read(done[0], &c, 1) != 1)
		return 1;
	waitpid(pid, NULL, 0);
	second = list_dir(dir);
	printf("%d then %d entries\n", first, second);
	return second == first + 1 ? 0 : 1;
}

/* close-eintr N: N writers closed (and opened, and a directory made and
 * removed, and the file unlinked, and a child forked) while another
 * thread floods this one
 * with a signal whose handler has no SA_RESTART; a close that fails
 * with EINTR (which a real close never does, the fd being gone) is
 * counted, and closed again.  Prints how many did. */
static volatile int flood_tid, flood_done;
static void on_usr2(int sig)
{
	(void)sig;
}

static void *flood(void *arg)
{
	(void)arg;
	while (!flood_done)
		syscall(SYS_tgkill, getpid(), flood_tid, SIGUSR2);
	return NULL;
}

static int close_eintr(int n)
{
	struct sigaction sa = { .sa_handler = on_usr2 };
	int eintr = 0, others = 0, forks = 0;
	pthread_t th;

	sigaction(SIGUSR2, &sa, NULL);
	flood_tid = (int)syscall(SYS_gettid);
	if (pthread_create(&th, NULL, flood, NULL))
		return 1;
	for (int i = 0; i < n; i++) {
		int fd = open("eintr.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0) {
			others += errno == EINTR;
			continue;
		}
		if (write(fd, "x", 1) != 1)
			break;
		if (close(fd) < 0 && errno == EINTR) {
			eintr++;
			close(fd);
		}
		/* (the preload's notified calls: tracer/inproc.h) */
		others += mkdir("eintr.d", 0755) < 0 && errno == EINTR;
		others += rmdir("eintr.d") < 0 && errno == EINTR;
		others += unlink("eintr.out") < 0 && errno == EINTR;
		/* (the preload's fork: a notification too) */
		pid_t pid = fork();

		if (pid == 0)
			_exit(0);
		if (pid < 0)
			forks += errno == EINTR;
		else
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
	}
	flood_done = 1;
	pthread_join(th, NULL);
	printf("EINTR from close: %d\n", eintr);
	printf("EINTR from open, mkdir, rmdir, unlink: %d\n", others);
	printf("EINTR from fork: %d\n", forks);
	return 0;
}

/* chdir-signal N: N times into d and back out, while another thread
 * floods this one with a signal whose handler makes a file named after
 * the directory it is really in, by a relative path (handlers' calls
 * stop: their paths are resolved with the cwd the tracer knows, which a
 * chdir just made must be in already). */
static volatile sig_atomic_t marks;

static void on_usr2_mark(int sig)
{
	char cwd[256], name[300];
	const char *base;
	int fd;

	(void)sig;
	if (syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0)
		return;
	base = strrchr(cwd, '/');
	snprintf(name, sizeof(name), "mark-%s", base ? base + 1 : cwd);
	fd = open(name, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0)
		close(fd);
	marks++;
}

static int chdir_signal(int n)
{
	struct sigaction sa = { .sa_handler = on_usr2_mark, .sa_flags = SA_RESTART };
	pthread_t th;
	int bad = 0;

	if (mkdir("d", 0755) < 0 && errno != EEXIST)
		return 1;
	sigaction(SIGUSR2, &sa, NULL);
	flood_tid = (int)syscall(SYS_gettid);
	if (pthread_create(&th, NULL, flood, NULL))
		return 1;
	/* a mark made in each directory at least (where the flood's
	 * signals land otherwise is the scheduler's) */
	for (int k = 0; k < 2; k++) {
		sig_atomic_t seen = marks;

		bad += chdir(k ? ".." : "d") < 0;
		while (marks == seen)
			;
	}
	for (int i = 0; i < n; i++)
		bad += chdir("d") < 0 || chdir("..") < 0;
	flood_done = 1;
	pthread_join(th, NULL);
	printf("chdir failed: %d\n", bad);
	return 0;
}

/* notified N: N rounds of the calls the preload makes notified
 * (inproc.h: INPROC_AGAIN), four a round: mkdir, chdir into it and out,
 * rmdir.  Prints the failures. */
static int notified(int n)
{
	int bad = 0;

	for (int i = 0; i < n; i++)
		bad += mkdir("nd", 0755) < 0 || chdir("nd") < 0 || chdir("..") < 0 ||
		       rmdir("nd") < 0;
	printf("failed: %d\n", bad);
	return 0;
}

/* listener: what a build gets for the request that hands sandrun's
 * seccomp listener over (tracer/inproc.h: getppid(KEY, 4, fd)), and
 * whether it can load a seccomp filter with a listener of its own. */
static int listeners(void)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { 1, allow };
	long r;

	errno = 0;
	r = syscall(SYS_getppid, 0x5a5a5a5a5352454cUL, 4L, 0L);
	printf("hand-over: %s\n", r < 0 ? strerror(errno) : "answered");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return 1;
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	printf("own listener: %s\n", r < 0 ? strerror(errno) : "loaded");
	return 0;
}

/* close-range: three writers closed at once by close_range(2). */
static int close_range_writers(void)
{
	int fd[3];

	for (int i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "cr%d.out", i);
		fd[i] = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd[i] < 0 || write(fd[i], name, strlen(name)) < 0)
			return 1;
	}
	/* (numbered in order: the lowest free ones) */
	if (syscall(SYS_close_range, (unsigned)fd[0], (unsigned)fd[2], 0) < 0)
		return 1;
	return write(fd[1], "x", 1) < 0 && errno == EBADF ? 0 : 1;
}

/* self-kill: a file written, then SIGKILL to itself (the static build
 * recorded nothing in-process to lose). */
static int self_kill(void)
{
	int fd = open("killed.out", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, "k\n", 2) != 2 || close(fd) < 0)
		return 1;
	kill(getpid(), SIGKILL);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "self-kill"))
		return self_kill();
	if (argc == 2 && !strcmp(argv[1], "listener"))
		return listeners();
	if (argc == 2 && !strcmp(argv[1], "close-range"))
		return close_range_writers();
	if (argc == 3 && !strcmp(argv[1], "chdir-signal"))
		return chdir_signal(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "notified"))
		return notified(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "close-eintr"))
		return close_eintr(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "work"))
		return work(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "libc"))
		return inside_libc();
	if (argc == 3 && !strcmp(argv[1], "spawn-only"))
		return spawn_only(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "spawn-threaded"))
		return spawn_threaded();
	if (argc == 3 && !strcmp(argv[1], "pipes"))
		return pipe_ends(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "fcntl"))
		return fcntl_dups(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "vfork"))
		return vfork_first();
	if (argc == 2 && !strcmp(argv[1], "tamper"))
		return tamper();
	if (argc == 2 && !strcmp(argv[1], "raw-close"))
		return raw_close();
	if (argc == 2 && !strcmp(argv[1], "forged"))
		return forged();
	if (argc == 2 && !strcmp(argv[1], "clones"))
		return clones();
	if (argc >= 3 && !strcmp(argv[1], "no-wx"))
		return no_wx(argv + 2);
	if (argc == 3 && (!strcmp(argv[1], "exec-fails") || !strcmp(argv[1], "exec-raw")))
		return exec_fails(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "old-abi"))
		return old_abi(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "dlopen"))
		return dlopen_rounds(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "thread-first"))
		return thread_first(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "swap"))
		return swap_page();
	if (argc == 3 && !strcmp(argv[1], "raw-thread"))
		return raw_thread(atoi(argv[2]));
	if (argc == 2 && !strcmp(argv[1], "vfork-race"))
		return vfork_race();
	if (argc == 2 && !strcmp(argv[1], "proc-listing"))
		return proc_listing();
	if (argc == 3 && !strcmp(argv[1], "readdir-race"))
		return readdir_race(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "clone-vm"))
		return clone_vm(atoi(argv[2]));
	fprintf(stderr, "usage: inproc work N | notified N | libc | fcntl N | pipes N | spawn-only N | spawn-threaded | vfork | tamper | no-wx CMD... | exec-fails PATH | old-abi N | dlopen N | thread-first N | raw-thread N | vfork-race | swap | proc-listing | readdir-race DIR | clone-vm N\n");
	return 2;
}
