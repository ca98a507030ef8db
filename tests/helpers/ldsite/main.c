// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A test program for the loader's notified calls (tracer/divert.c): it
 * makes openat and newfstatat from a page of its own whose syscall
 * instructions end at the same page offsets as its dynamic loader's
 * (found as sandrun finds them: preload/sites_find.c), so that sandrun's
 * filter takes them for the loader's.  Each open needs its result, so
 * sandrun makes it again with a stop.
 *
 *   ldsite offsets             print the two offsets, run without sandrun
 *                              (in its sandbox the loader is rewritten)
 *   ldsite plain N OPEN FSTAT  N calls: opens of in.txt (each then fstat'd
 *                              and closed) and of nope, in turn, from
 *                              instructions ending at those offsets
 *   ldsite signals N OPEN FSTAT   the same while another thread sends
 *                              this one SIGUSR1, whose handler has no
 *                              SA_RESTART
 *   ldsite empty               print where the loader's fstat site ends
 *                              in its page and how far its "" is from
 *                              there (tracer/filter.h: empty), as
 *                              sandrun finds them (runner/sitecache.c)
 *   ldsite stat N AT           N stats of in.txt, newfstatat(AT_FDCWD,
 *                              "in.txt", st, AT_EMPTY_PATH), from an
 *                              instruction ending at offset AT: a path's,
 *                              not the fstat the filter lets run there
 *
 * Prints "opens A enoent B tagged C eintr D e513 E bad F": A opens of
 * in.txt that worked, B of nope that failed with ENOENT, C calls that
 * came back with r10 (the mode or flags) changed, D that failed with
 * EINTR, E with -ERESTARTNOINTR, F anything else; stat prints "stats A
 * bad B": A that worked, B that did not.  Exits 0 (offsets, empty: 77
 * if the loader has no such sites), 2 on a bad argument.
 */
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload/sites.h"

static unsigned char *page;
static unsigned off_open, off_fstat;
static atomic_int stop_flood;
static pid_t main_tid;

struct found {
	uintptr_t base;
	const Elf64_Phdr *ph;
	size_t phnum;
	struct text t;
	bool ok;
};

static int find(struct dl_phdr_info *info, size_t size, void *data)
{
	struct found *f = data;

	(void)size;
	if (info->dlpi_addr != f->base)
		return 0;
	f->ph = info->dlpi_phdr;
	f->phnum = info->dlpi_phnum;
	f->ok = sites_text(&f->t, info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum);
	return 1;
}

/* This process's loader, into f, and its sites; their count, 0 if none. */
static size_t loader_sites(struct found *f, struct site *sites)
{
	f->base = getauxval(AT_BASE);
	if (!f->base || !dl_iterate_phdr(find, f) || !f->ok)
		return 0;
	return sites_in_loader(&f->t, sites);
}

/* The loader's fstat site's page offset and its "" distance, printed;
 * false if not found (or not a NUL in the loader's segments). */
static bool loader_empty(void)
{
	struct found f = { 0 };
	struct site sites[SITES_MAX];
	size_t n = loader_sites(&f, sites);

	for (size_t i = 0; i < n; i++) {
		const unsigned char *end = sites[i].at + 2, *e;

		if (sites_nr(&f.t, &sites[i]) != SYS_newfstatat ||
		    !(e = sites_loader_empty(&f.t, &sites[i])))
			continue;
		for (size_t k = 0; k < f.phnum; k++) {
			uintptr_t v = f.base + f.ph[k].p_vaddr;

			if (f.ph[k].p_type == PT_LOAD && (uintptr_t)e >= v &&
			    (uintptr_t)e < v + f.ph[k].p_filesz && !*e) {
				printf("%u %u\n", (unsigned)((uintptr_t)end & 0xfff),
				       (unsigned)((uintptr_t)e - (uintptr_t)end));
				return true;
			}
		}
	}
	return false;
}

/* The loader's first openat and newfstatat sites' page offsets. */
static bool loader_offsets(void)
{
	struct found f = { 0 };
	struct site sites[SITES_MAX];
	size_t n = loader_sites(&f, sites);

	for (size_t i = 0; i < n; i++) {
		unsigned off = (unsigned)(((uintptr_t)sites[i].at + 2) & 0xfff);
		long nr = sites_nr(&f.t, &sites[i]);

		if (nr == SYS_openat && !off_open)
			off_open = off;
		else if (nr == SYS_newfstatat && !off_fstat)
			off_fstat = off;
	}
	/* (each syscall instruction and its ret whole in the page, apart) */
	return off_open >= 2 && off_fstat >= 2 && off_open < 4095 && off_fstat < 4095 &&
	       abs((int)off_open - (int)off_fstat) >= 3;
}

/* The syscall from our page's instruction ending at off; *r10 as the
 * call left it. */
static long call(unsigned off, long nr, long a0, long a1, long a2, long a3, unsigned long *r10)
{
	register long r asm("r10") = a3;
	void *fn = page + off - 2;
	long ret;

	asm volatile("sub $256, %%rsp\n\tcall *%[fn]\n\tadd $256, %%rsp"
		     : "=a"(ret), "+r"(r)
		     : [fn] "r"(fn), "a"(nr), "D"(a0), "S"(a1), "d"(a2)
		     : "rcx", "r11", "memory", "cc");
	*r10 = (unsigned long)r;
	return ret;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static void *flood(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_flood)) {
		syscall(SYS_tgkill, getpid(), main_tid, SIGUSR1);
		usleep(20);
	}
	return NULL;
}

/* Our page: a syscall and a ret ending at each of the n offsets. */
static bool make_page(const unsigned *offs, int n)
{
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		return false;
	memset(page, 0xcc, 4096);
	for (int k = 0; k < n; k++) {
		page[offs[k] - 2] = 0x0f;	/* syscall */
		page[offs[k] - 1] = 0x05;
		page[offs[k]] = 0xc3;		/* ret */
	}
	return mprotect(page, 4096, PROT_READ | PROT_EXEC) == 0;
}

/* ldsite stat N AT */
static int stats(long n, unsigned at)
{
	long ok = 0, bad = 0;

	if (n <= 0 || at < 2 || at > 4094) {
		fprintf(stderr, "ldsite: bad count or offset\n");
		return 2;
	}
	if (!make_page(&at, 1))
		return 1;
	for (long i = 0; i < n; i++) {
		unsigned long r10;
		struct stat st;
		long r = call(at, SYS_newfstatat, AT_FDCWD, (long)"in.txt", (long)&st, AT_EMPTY_PATH,
			      &r10);

		ok += r == 0 && r10 == AT_EMPTY_PATH && S_ISREG(st.st_mode);
		bad += r != 0 || r10 != AT_EMPTY_PATH;
	}
	printf("stats %ld bad %ld\n", ok, bad);
	return 0;
}

int main(int argc, char **argv)
{
	long opens = 0, enoent = 0, tagged = 0, eintr = 0, e513 = 0, bad = 0;
	struct sigaction sa = { .sa_handler = on_usr1 };	/* no SA_RESTART */
	bool signals;
	pthread_t th;
	long n;

	if (argc == 2 && !strcmp(argv[1], "offsets")) {
		if (!loader_offsets()) {
			printf("no sites\n");
			return 77;
		}
		printf("%u %u\n", off_open, off_fstat);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "empty")) {
		if (!loader_empty()) {
			printf("no fstat site of a known shape\n");
			return 77;
		}
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "stat"))
		return stats(strtol(argv[2], NULL, 10), (unsigned)strtoul(argv[3], NULL, 10));
	if (argc != 5 || (strcmp(argv[1], "plain") && strcmp(argv[1], "signals")) ||
	    (n = strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: ldsite offsets | ldsite plain|signals N OPEN FSTAT | "
			"ldsite empty | ldsite stat N AT\n");
		return 2;
	}
	off_open = (unsigned)strtoul(argv[3], NULL, 10);
	off_fstat = (unsigned)strtoul(argv[4], NULL, 10);
	if (off_open < 2 || off_fstat < 2 || off_open > 4094 || off_fstat > 4094 ||
	    abs((int)off_open - (int)off_fstat) < 3) {
		fprintf(stderr, "ldsite: bad offsets\n");
		return 2;
	}
	if (!make_page((const unsigned[]){ off_open, off_fstat }, 2))
		return 1;
	signals = !strcmp(argv[1], "signals");
	main_tid = (pid_t)syscall(SYS_gettid);
	sigaction(SIGUSR1, &sa, NULL);
	if (signals && pthread_create(&th, NULL, flood, NULL))
		return 1;
	for (long i = 0; i < n; i++) {
		const char *path = i & 1 ? "nope" : "in.txt";
		unsigned long r10;
		struct stat st;
		long fd = call(off_open, SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0,
			       &r10);

		tagged += r10 != 0;
		if (fd == -EINTR) {
			eintr++;
		} else if (fd == -513) {
			e513++;
		} else if (i & 1) {
			enoent += fd == -ENOENT;
			bad += fd != -ENOENT;
		} else if (fd < 0) {
			bad++;
		} else {
			long r = call(off_fstat, SYS_newfstatat, fd, (long)"", (long)&st,
				      AT_EMPTY_PATH, &r10);

			tagged += r10 != AT_EMPTY_PATH;
			eintr += r == -EINTR;
			bad += r != 0 && r != -EINTR;
			opens++;
			close((int)fd);
		}
	}
	if (signals) {
		atomic_store(&stop_flood, 1);
		pthread_join(th, NULL);
	}
	printf("opens %ld enoent %ld tagged %ld eintr %ld e513 %ld bad %ld\n", opens, enoent,
	       tagged, eintr, e513, bad);
	return 0;
}
