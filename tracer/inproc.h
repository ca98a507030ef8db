/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_INPROC_H
#define SR_INPROC_H

/*
 * In-process recording: what the preload (preload/rec.c) and the tracer
 * (tracer/inproc.c) agree on.
 *
 * The preload makes the common read-side syscalls (read-only opens,
 * stat-family probes, access, readlink, statfs, close, directory
 * listings)
 * itself, through a
 * trampoline at a fixed address, and writes each one with its result
 * into a ring of fixed-size slots in its own memory, one ring per thread.
 * The seccomp filter lets exactly those syscalls through without a stop
 * when they come from the trampoline; from anywhere else they stop as
 * before.  The tracer reads a thread's ring (process_vm_readv) at every
 * stop of that thread, before handling the stop, so the records take
 * their place in the thread's order of events.
 *
 * The preload (or sandrun-audit.so, before it, in the dynamic loader)
 * maps the trampoline page writable, fills it (the code, then its first
 * ring and the rest of the tail at INPROC_TRAMP_RING, INPROC_MAGIC last)
 * and makes it
 * executable: that exact mprotect runs without a stop.  The tracer finds
 * sandrun-audit.so's page (armed in the loader, while the program has
 * one thread) at the process's next stop, checks its code and takes the
 * ring; sandrun-rec.so, which may arm it in any thread, gives its ring
 * with an INPROC_RING request.  The tracer checks the code again
 * whenever it reads the rings.  Any
 * other mapping, protection change or remap that could put code on the
 * page stops, and is refused as tampering; other code found there is
 * tampering too, and the process's records are not read from then on.
 * (Code of another's on the page could make no syscall the trampoline
 * does not make for anyone: the filter lets through only the recorded
 * numbers, and only from the trampoline's syscall instruction.)
 */
#include <linux/magic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

/* A filesystem whose files have no content to digest (/proc/self/pagemap
 * says it is a regular file of 256 GiB): the tracer digests none of
 * them, and the preload asks for no flush to have them read. */
static inline bool inproc_pseudo_fs(unsigned long f_type)
{
	switch (f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case CGROUP2_SUPER_MAGIC:
		return true;
	default:
		return false;
	}
}

/*
 * The preload's requests to the tracer: getppid(INPROC_KEY, op, arg).
 * The filter stops getppid (or makes it a seccomp notification,
 * tracer/filter.h) only with this key; anywhere else (no tracer,
 * or a filter of the build's own stacked on sandrun's) it is a harmless
 * getppid, whose answer (a pid) is never INPROC_YES.
 */
#define INPROC_NR 110		/* __NR_getppid on x86_64 */
#define INPROC_KEY 0x5a5a5a5a5352454cULL
#define INPROC_HELLO 1		/* may I record?  answer INPROC_YES */
#define INPROC_RING 2		/* arg: this thread's ring (the first one of a
				 * process is also its hello) */
#define INPROC_FLUSH 3		/* my ring is full: read it */
#define INPROC_LISTENER 4	/* arg: the seccomp listener's fd (sandrun's
				 * command process, before its exec, hands
				 * it over: tracer/filter.h) */
#define INPROC_RESULT 5		/* arg: the result of this thread's notified
				 * call (INPROC_AGAIN), for an open that also
				 * reads, or when its ring has no room for
				 * the record that tells it */
#define INPROC_MEM 6		/* an fd on my own memory (/proc/PID/mem), to
				 * rewrite code through without an mprotect
				 * (preload/sites.c); with notifications only.
				 * Answered INPROC_YES + the fd: no pid.  (Not
				 * asked where the run's cache has images of
				 * the loader's and libc's code: sites.h) */
#define INPROC_YES 0x5a5a5a5aL
/*
 * sandrun-rec.so makes the calls whose result the tracer needs, or that
 * change what it must look at first (a writing openat, mkdir, mkdirat,
 * unlink, unlinkat, rmdir, chdir; and execve) through the trampoline too,
 * where the filter makes them seccomp notifications, not stops.  The
 * tracer decodes each as at its entry stop, then lets it run; the thread
 * tells it the result with a record in its ring (nr INPROC_NR, args
 * INPROC_KEY and INPROC_RESULT, the result in ret), which the tracer
 * takes as the result stop when it next reads the ring: at the thread's
 * next notification or stop at the latest, before anything the thread
 * recorded after it.  (An open that also reads, whose file the tracer
 * digests as the open left it, and a thread with no room in its ring,
 * tell it with an INPROC_RESULT request, a notification.)  An execve's success is its exec stop; only
 * a failure is told.  The tracer answers this (no result any
 * of them has: no fd is that high) for one it wants made the ordinary
 * way, with a stop (an execve whose environment it changes).
 */
#define INPROC_AGAIN 0x5a5a5a5bL

/* Whether an open leaves its file empty, if it is a regular one on a
 * real filesystem: truncating it or making it.  The result of a notified
 * open that also reads is told in the ring when it did (the tracer takes
 * the digest of nothing), by a request when not (the tracer digests the
 * file at once). */
static inline bool inproc_open_empties(uint64_t flags)
{
	return (flags & 01000) || (flags & (0100 | 0200)) == (0100 | 0200);	/* TRUNC; CREAT|EXCL */
}

/* The calls made so (the filter's, and the libc sites the preload
 * rewrites for them; an openat only when it writes). */
static inline bool inproc_notified_nr(long nr)
{
	switch (nr) {
	case SYS_execve:
	case SYS_openat:
	case SYS_mkdir:
	case SYS_mkdirat:
	case SYS_unlink:
	case SYS_unlinkat:
	case SYS_rmdir:
	case SYS_chdir:
		return true;
	default:
		return false;
	}
}

/* The trampoline: in a 4 GiB block no kernel placement reaches (below
 * any PIE, 0x555555554000 and up, and its brk; far below any mmap base),
 * in the block's middle so a mapping from the block below needs more
 * than 2 GiB to cover it.  And in what the sanitizers take for program
 * memory: ThreadSanitizer aborts on a mapping it finds in its own ranges
 * at its start (0x5a5a80000000 was one; the loader's audit module maps
 * this page before it), MemorySanitizer's and AddressSanitizer's leave
 * this alone. */
#define INPROC_TRAMP 0x554080000000ULL
#define INPROC_BLOCK_MASK 0xffffffff00000000ULL
#define INPROC_SYSCALL_END (INPROC_TRAMP + 20)	/* the IP seccomp sees */
#define INPROC_TRAMP_RING 2048	/* u64 magic, u64 the first ring's address,
				 * u64 the thread it is for, u64 where
				 * sandrun-audit.so takes the recorder it
				 * hands the loader's later calls to (0:
				 * armed by sandrun-rec.so), u64 the arming
				 * library's sr_common (INPROC_TRAMP_ENTRY) */
/* The word a library image's thunks call through (preload/sites.h). */
#define INPROC_TRAMP_ENTRY (INPROC_TRAMP + INPROC_TRAMP_RING + 32)

/* long tramp(long nr, long a, long b, long c, long d, long e):
 * mov %rdi,%rax; mov %rsi,%rdi; mov %rdx,%rsi; mov %rcx,%rdx;
 * mov %r8,%r10; mov %r9,%r8; syscall; ret (int3 padding). */
#define INPROC_CODE_LEN 24
#define INPROC_CODE { 0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7, 0x48, 0x89, \
		      0xd6, 0x48, 0x89, 0xca, 0x4d, 0x89, 0xc2, 0x4d, \
		      0x89, 0xc8, 0x0f, 0x05, 0xc3, 0xcc, 0xcc, 0xcc }

/* Where sandrun binds the preload in the sandbox (runner/config.h). */
#define INPROC_PRELOAD_PATH "/run/sandrun/rec.so"
/* Where the cache of rewrite sites is (preload/sites.h). */
#define INPROC_SITES_PATH "/run/sandrun/sites"

/* The open flags a recorded open may have: read-only, creating nothing. */
#define INPROC_OPEN_DENY (03 | 0100 | 01000 | 020000000)	/* ACCMODE CREAT TRUNC __O_TMPFILE */

/*
 * A ring: 1 MiB of 64-byte units, its pages faulted in as records reach
 * them (preload/raw.c; a compiler makes about a thousand records; a full
 * ring is read at a stop the thread asks for).  A record takes the units
 * its path needs (inproc_units: two for a path of up to 23 bytes, eight
 * at the most), not a fixed slot: a first touch of a page is dear (~16
 * us in a VM with shadow page tables), and most paths are short.  One
 * that would not fit before the ring's end is put at its start, after a
 * pad (nr INPROC_PAD, has_stat: its units) to the end.
 */
#define INPROC_SLOT 512		/* the largest record */
#define INPROC_UNIT 64
#define INPROC_UNITS 16384
#define INPROC_PAD 0xffffffffu
#define INPROC_MAGIC 0x53524543u	/* "SREC" */

struct inproc_rec {
	uint32_t nr;		/* the syscall (x86_64 number) */
	uint32_t has_stat;	/* st_* below are the opened file's */
	int64_t ret;		/* its result, -errno on failure */
	uint64_t args[5];	/* as made; the path argument's is unused */
	uint64_t dev, ino, size;
	int64_t mtime, ctime;	/* nanoseconds */
	uint32_t mode;		/* st_mode (opens, stats and statx) */
	uint32_t pathlen;	/* without the NUL */
	char path[INPROC_SLOT - 104];
};

/* The units a record with a path of pathlen bytes takes (its NUL too). */
static inline uint32_t inproc_units(uint32_t pathlen)
{
	return (uint32_t)((offsetof(struct inproc_rec, path) + pathlen + 1 + INPROC_UNIT - 1) /
			  INPROC_UNIT);
}

struct inproc_ring {
	uint32_t magic;
	uint32_t used;		/* units written (the preload's counter) */
	uint32_t done;		/* units read, as the tracer last said (it
				 * says so once the ring is over half full) */
	uint32_t pad;
	unsigned char unit[INPROC_UNITS][INPROC_UNIT] __attribute__((aligned(16)));
};

#endif
