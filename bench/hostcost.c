// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/hostcost: what this machine charges for the few things a
 * recorder's overhead is made of, so that ratios measured on two hosts
 * can be told apart from changes to sandrun.
 *
 *   hostcost N
 *
 * Prints a name and the microseconds each took (wall clock, median of
 * nine rounds of N):
 *  - syscall: getppid, the cheapest round trip into the kernel;
 *  - fault: a first touch of an anonymous page (mmap, touch, munmap of
 *    64 pages, a page's share); every page a program and its preloaded
 *    objects touch pays it;
 *  - branch: a page mapped, first touched and unmapped where no page
 *    table is yet (a GiB of its own, in a 512 GiB region a program has
 *    nothing in unless its executable was put there): the kernel builds
 *    the page-table pages down to it at the touch, and frees them at the
 *    unmap.  sandrun's trampoline and first ring (tracer/inproc.h: a
 *    fixed address, in a block nothing else reaches) build such a branch
 *    in every program's start, and it goes at the exit;
 *  - switch: a byte to another process over a pipe and one back, two
 *    context switches: what a seccomp notification or a ptrace stop costs
 *    at the least;
 *  - fork: a fork whose child exits at once, waited for;
 *  - spawn: a fork and exec of /bin/true, waited for.
 * Session 40's host (a PVM guest) charged ~10 us for a fault and 2.2 ms
 * for a spawn of /bin/true, where session 39's spawned it in ~0.6 ms:
 * the same build's ratios then differ with no change to sandrun.
 * Exits 0; 2 on a bad argument, 1 if something fails.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 9
#define PAGES 64
/* (the trampoline's 512 GiB region, but not its 4 GiB block: a mapping
 * there is refused under sandrun, tracer/filter.c) */
#define BRANCH_AT 0x552000000000UL
#define GIB (1UL << 30)

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double syscall_us(long n)
{
	double t0 = now();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return (now() - t0) / (double)n;
}

static double fault_us(long n)
{
	long rounds = n / PAGES > 0 ? n / PAGES : 1;
	double t0 = now();

	for (long i = 0; i < rounds; i++) {
		volatile char *p = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		for (int k = 0; k < PAGES; k++)
			p[k * 4096] = 1;
		munmap((void *)p, PAGES * 4096);
	}
	return (now() - t0) / (double)(rounds * PAGES);
}

static double branch_us(long n)
{
	double t0 = now();

	for (long i = 0; i < n; i++) {
		void *at = (void *)(BRANCH_AT + (unsigned long)(i % 16) * GIB);
		volatile char *p = mmap(at, 4096, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED)
			return -1;
		if (p != at) {	/* (a kernel before 4.17 takes it for a hint) */
			munmap((void *)p, 4096);
			return -1;
		}
		p[0] = 1;
		munmap((void *)p, 4096);
	}
	return (now() - t0) / (double)n;
}

static double switch_us(long n)
{
	int there[2], back[2];
	double t0, t;
	pid_t pid;
	char c = 0;

	if (pipe(there) < 0 || pipe(back) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		/* (until the parent's end of there closes) */
		close(there[1]);
		close(back[0]);
		while (read(there[0], &c, 1) == 1 && write(back[1], &c, 1) == 1)
			;
		_exit(0);
	}
	close(there[0]);
	close(back[1]);
	t0 = now();
	for (long i = 0; i < n; i++)
		if (write(there[1], &c, 1) != 1 || read(back[0], &c, 1) != 1) {
			t0 = -1;
			break;
		}
	t = t0 < 0 ? -1 : (now() - t0) / (double)n;
	close(there[1]);
	close(back[0]);
	waitpid(pid, NULL, 0);
	return t;
}

static double fork_us(long n, bool exec)
{
	double t0 = now();

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			return -1;
		if (pid == 0) {
			if (exec)
				execl("/bin/true", "true", (char *)NULL);
			_exit(exec ? 127 : 0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return -1;
	}
	return (now() - t0) / (double)n;
}

static void report(const char *name, double (*f)(long), long n)
{
	double v[ROUNDS];

	for (int r = 0; r < ROUNDS; r++)
		v[r] = f(n);
	qsort(v, ROUNDS, sizeof(*v), cmp_double);
	if (v[0] < 0) {
		fprintf(stderr, "hostcost: %s failed\n", name);
		exit(1);
	}
	printf("%s %.2f\n", name, v[ROUNDS / 2]);
}

static double fork_only_us(long n)
{
	return fork_us(n, false);
}

static double spawn_us(long n)
{
	return fork_us(n, true);
}

int main(int argc, char **argv)
{
	char *end;
	long n = argc == 2 ? strtol(argv[1], &end, 10) : 0;

	if (argc != 2 || *end || n < 10) {
		fprintf(stderr, "usage: hostcost N (N >= 10)\n");
		return 2;
	}
	report("syscall", syscall_us, n * 100);
	report("fault", fault_us, n * 10);
	report("branch", branch_us, n);
	report("switch", switch_us, n * 10);
	report("fork", fork_only_us, n);
	report("spawn", spawn_us, n);
	return 0;
}
