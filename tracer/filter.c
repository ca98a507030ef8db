// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "tracer/filter.h"
#include "tracer/inproc.h"
#include "tracer/syscalls.h"

/* libseccomp's SCMP_An(op, datum) with its fields named: theirs leaves
 * datum_b out of a positional initializer, which clang's -Wextra names. */
#define CMP_ARG(n, cmp, a) ((struct scmp_arg_cmp){ .arg = (n), .op = (cmp), .datum_a = (a) })
#define CMP_MASKED(n, mask, value) \
	((struct scmp_arg_cmp){ .arg = (n), .op = SCMP_CMP_MASKED_EQ, .datum_a = (mask), \
				.datum_b = (value) })

static const uint32_t arches[FILTER_ARCH_COUNT] = {
	[FILTER_ARCH_X86_64] = SCMP_ARCH_X86_64,
	[FILTER_ARCH_I386] = SCMP_ARCH_X86,
	[FILTER_ARCH_X32] = SCMP_ARCH_X32,
};

/*
 * The table's syscalls that libseccomp may not know (2.5.4, Debian 12's,
 * knows none of these): their numbers, from Linux's table common to
 * every architecture since 424 (the same on x86_64, i386 and x32, x32's
 * with FILTER_X32_BIT).  The filter traces them with a block of its own
 * ahead of libseccomp's program (late_block).
 */
struct named_nr {
	const char *name;
	int nr;
};

static const struct named_nr newer[] = {
	{ "setxattrat", 463 },   { "getxattrat", 464 },     { "listxattrat", 465 },
	{ "removexattrat", 466 }, { "open_tree_attr", 467 }, { "file_getattr", 468 },
	{ "file_setattr", 469 },
};

static int newer_nr(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(newer); i++)
		if (!strcmp(newer[i].name, name))
			return newer[i].nr;
	return -1;
}

/*
 * i386's socket calls: libseccomp names them by pseudo-numbers (for its
 * socketcall multiplexing) and traces both that and their own numbers
 * (Linux 4.3+, arch/x86/entry/syscalls/syscall_32.tbl), which a 32-bit
 * program's libc calls and the tracer then sees.
 */
static const struct named_nr i386_sockets[] = {
	{ "socket", 359 }, { "bind", 361 }, { "connect", 362 },
	{ "sendto", 369 }, { "sendmsg", 370 }, { "sendmmsg", 345 },
};

int filter_resolve(int arch, const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(arches[arch], name);

	if (nr < 0 && arch == FILTER_ARCH_I386)
		for (size_t i = 0; i < ARRAY_SIZE(i386_sockets); i++)
			if (!strcmp(i386_sockets[i].name, name))
				return i386_sockets[i].nr;
	if (nr < 0)
		return newer_nr(name);
	return nr & ~FILTER_X32_BIT;
}

char *filter_syscall_name(int arch, int nr)
{
	char *name = seccomp_syscall_resolve_num_arch(arches[arch], nr);

	for (size_t i = 0; !name && i < ARRAY_SIZE(newer); i++)
		if (newer[i].nr == (nr & ~FILTER_X32_BIT))
			name = xstrdup(newer[i].name);
	return name;
}

int filter_arch_index(uint32_t audit_arch, int nr)
{
	if (audit_arch == AUDIT_ARCH_X86_64)
		return nr & FILTER_X32_BIT ? FILTER_ARCH_X32 : FILTER_ARCH_X86_64;
	if (audit_arch == AUDIT_ARCH_I386)
		return FILTER_ARCH_I386;
	return -1;
}

/* Rules for one syscall; fcntl only for the commands that change the
 * fd table, sendto only with an address. */
static int add_rules(scmp_filter_ctx ctx, const struct sc_desc *d, int nr, bool notify)
{
	static const int fcntl_cmds[] = { F_DUPFD, F_DUPFD_CLOEXEC, F_SETFD };
	int r = 0;

	/* close and close_range need no result: a notification, cheaper
	 * than a stop (or a stop, if libseccomp will not have one) */
	if (notify && (d->dec == DEC_CLOSE || d->dec == DEC_CLOSE_RANGE) &&
	    seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, nr, 0) == 0)
		return 0;
	if (d->dec == DEC_FCNTL) {
		for (size_t i = 0; i < sizeof(fcntl_cmds) / sizeof(*fcntl_cmds); i++) {
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					     CMP_ARG(1, SCMP_CMP_EQ, (scmp_datum_t)fcntl_cmds[i]));
			if (r < 0)
				return r;
		}
		return 0;
	}
	/* mmap only for a shared writable mapping of a file (its file may
	 * change after its fd's close: decode.c); no result needed */
	if (d->dec == DEC_MMAP)
		return seccomp_rule_add(ctx, notify ? SCMP_ACT_NOTIFY : SCMP_ACT_TRACE(0), nr, 2,
					CMP_MASKED(2, PROT_WRITE, PROT_WRITE),
					CMP_MASKED(3, MAP_SHARED | MAP_ANONYMOUS,
						MAP_SHARED));
	if (!strcmp(d->name, "sendto"))
		return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					CMP_ARG(4, SCMP_CMP_NE, 0));
	return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
}

static int exit_rules(scmp_filter_ctx ctx)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(exit), 0);

	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(exit_group), 0);
	/* (SECCOMP_SET_MODE_STRICT 0, SECCOMP_SET_MODE_FILTER 1) */
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(seccomp), 1,
				     CMP_ARG(0, SCMP_CMP_LE, SECCOMP_SET_MODE_FILTER));
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(prctl), 1,
				     CMP_ARG(0, SCMP_CMP_EQ, PR_SET_SECCOMP));
	return r;
}

/*
 * With the preload and notifications, no thread has fork events
 * (tracer/forks.c): a fork or vfork whose new process would be left
 * untraced stops at its entry instead, where the tracer has the child
 * made traced.  That is a clone whose exit signal is SIGCHLD and has no
 * CLONE_VFORK (which PTRACE_O_TRACEFORK would have reported), one with
 * CLONE_VFORK and not CLONE_PTRACE (PTRACE_O_TRACEVFORK's), one with
 * CLONE_UNTRACED (which no event reports), CLONE_PARENT (whose child is
 * not the caller's) or CLONE_THREAD with CLONE_VFORK; and fork and vfork.
 * A vfork made with CLONE_PTRACE (sandrun-rec.so makes glibc's vfork()
 * and posix_spawn() so) runs: its child stops first thing, traced, and
 * its parent waits.  A thread's clone keeps its event
 * (PTRACE_O_TRACECLONE).  clone3, whose flags are in memory the filter
 * cannot read (and another thread could change after any check), fails
 * with ENOSYS, as under Docker's default profile: glibc then makes a
 * clone.
 */
static int fork_rules(scmp_filter_ctx ctx)
{
	static const scmp_datum_t traced[][2] = {
		{ CSIGNAL | CLONE_VFORK, SIGCHLD },
		{ CLONE_VFORK | CLONE_PTRACE, CLONE_VFORK },
		{ CLONE_UNTRACED, CLONE_UNTRACED },
		{ CLONE_PARENT, CLONE_PARENT },
		{ CLONE_THREAD | CLONE_VFORK, CLONE_THREAD | CLONE_VFORK },
	};
	int r = 0;

	for (size_t i = 0; i < ARRAY_SIZE(traced) && r >= 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(clone), 1,
				     CMP_MASKED(0, traced[i][0], traced[i][1]));
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(fork), 0);
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(vfork), 0);
	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r;
}

/* Otherwise, with fork events: a clone with CLONE_UNTRACED, whose child
 * no event would report, stops, and the tracer takes the flag off.  A
 * clone3 fails with ENOSYS here too: its flags, read at a stop, could be
 * changed by another thread before the kernel reads them again (a child
 * made untraced that way was seen in review, 23-29 of 100). */
static int untraced_rules(scmp_filter_ctx ctx)
{
	int r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(clone), 1,
				 CMP_MASKED(0, CLONE_UNTRACED, CLONE_UNTRACED));

	if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	return r;
}

/* The table's syscalls libseccomp does not know (newer[]), traced. */
struct late {
	uint32_t nr[ARRAY_SIZE(newer)];
	size_t n;
};

static scmp_filter_ctx build(bool policy, bool inproc, bool notify, struct late *late,
			     struct sr_error **err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = 0;

	if (!ctx) {
		sr_error_make(err, SR_EXIT_FAILURE, ENOMEM,
			      "cannot create the seccomp filter");
		return NULL;
	}
	for (int a = 0; a < FILTER_ARCH_COUNT && r >= 0; a++) {
		if (seccomp_arch_exist(ctx, arches[a]) == -EEXIST)
			r = seccomp_arch_add(ctx, arches[a]);
	}
	late->n = 0;
	for (unsigned i = 0; i < sc_table_len && r >= 0; i++) {
		int nr = seccomp_syscall_resolve_name(sc_table[i].name);

		if ((sc_table[i].opts & SCF_POLICY) && !policy)
			continue;
		/* A name no architecture here has (e.g. stat64 is i386 only
		 * but resolves to a pseudo-number libseccomp maps per arch),
		 * or one newer than libseccomp. */
		if (nr == __NR_SCMP_ERROR) {
			if ((nr = newer_nr(sc_table[i].name)) >= 0)
				late->nr[late->n++] = (uint32_t)nr;
			continue;
		}
		r = add_rules(ctx, &sc_table[i], nr, notify);
		if (r == -EDOM || r == -EINVAL)
			r = 0;
	}
	/* With notifications, exit and exit_group are notifications, and
	 * loading a seccomp filter of one's own (which may kill without a
	 * stop) stops (tracer/exits.c) */
	if (r >= 0 && notify)
		r = exit_rules(ctx);
	/* Without them, a filter of the build's own with a listener of its
	 * own stops: the calls it is notified of would not (a notification
	 * takes precedence over a trace), and the tracer says so. */
	else if (r >= 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(seccomp), 2,
				     CMP_ARG(0, SCMP_CMP_EQ, SECCOMP_SET_MODE_FILTER),
				     CMP_MASKED(1, SECCOMP_FILTER_FLAG_NEW_LISTENER,
					     SECCOMP_FILTER_FLAG_NEW_LISTENER));
	if (r >= 0)
		r = notify && inproc ? fork_rules(ctx) : untraced_rules(ctx);
	/* The listener's hand-over stops (the prefix sees to it with inproc;
	 * on the 32-bit entries libseccomp compares the key's low half: such
	 * a getppid stops, for nothing) */
	if (r >= 0 && notify && !inproc) {
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(getppid), 2,
				     CMP_ARG(0, SCMP_CMP_EQ, (scmp_datum_t)INPROC_KEY),
				     CMP_ARG(1, SCMP_CMP_EQ, (scmp_datum_t)INPROC_LISTENER));
		if (r == -EDOM || r == -EINVAL)
			r = 0;
	}

	if (r < 0) {
		sr_error_make(err, SR_EXIT_FAILURE, -r,
			      "cannot build the seccomp filter");
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * In front of libseccomp's program, on x86_64 (tracer/inproc.h):
 *  - the preload's requests (getppid with its key) stop, or with notify
 *    are a notification (but INPROC_LISTENER, which hands the tracer the
 *    listener: nothing takes notifications before it);
 *  - mmap-family calls that could put code at the trampoline's page stop
 *    (an executable mmap, an mprotect, mremap or shmat with an address in
 *    its 4 GiB block, or a length of 2 GiB or more); the tracer refuses
 *    those that do.  The preload's own arming of the page (exactly
 *    mprotect(INPROC_TRAMP, 4096, PROT_READ | PROT_EXEC)) runs: the tracer
 *    finds the page, checks its code and takes its ring at the process's
 *    next stop (tracer/inproc.c), and code of another's there could make
 *    no syscall but those below, which the trampoline makes for anyone;
 *  - from the trampoline's syscall instruction, the syscalls the preload
 *    records (read-only openat, the stat family, access, faccessat,
 *    faccessat2, readlink, statfs,
 *    close, dup, fcntl, getrandom, getdents64) run without a stop; those
 *    whose result it records for the tracer (a writing openat, mkdir,
 *    mkdirat, unlink, unlinkat, rmdir, chdir, execve) stop, or with
 *    notify are a notification (inproc.h: INPROC_AGAIN); and so does
 *    the preload's fork, a clone with CLONE_PTRACE (forks.c:
 *    clone_noted), instead of a stop at the entry of glibc's;
 *  - with notify, the loader's openat and fstat of its audit modules,
 *    at its own sites (filter.h: struct filter_loader), before
 *    sandrun-audit.so rewrites them: notifications, which the tracer
 *    lets run when they are sandrun's own (sandrun-audit.so, the fstat
 *    of an fd), or has made again with a stop when it needs the result
 *    (divert.c).  Two stops fewer in every program's start.  Its
 *    fstat(fd, st) there, newfstatat(fd, "", st, AT_EMPTY_PATH) with
 *    the loader's own "" (filter.h: empty, at its distance from the
 *    instruction; the same 4 GiB), runs: an fstat of an fd, never an
 *    event.  A notification fewer again.  (Code that makes the call
 *    there with that pointer, having written a path over the loader's
 *    read-only "", probes that path unrecorded, as it could through the
 *    trampoline.)
 * Everything else goes on to libseccomp's program, which follows.  The
 * prefix is written with labels, resolved to cBPF's forward offsets.
 */
enum { NEXT, L_LIB, L_ALLOW, L_TRACE, L_ALLOW_IP, L_NOTE_IP, L_OPEN_IP, L_FSTAT_IP, L_OPEN_LD,
       L_FSTAT_LD, L_FSTAT_SITE, L_REQ, L_PROT, L_MMAP, L_MAP, L_REMAP, L_SHMAT, L_REQ_ACT,
       L_NOTE_ACT, L_LD_ACT, L_COUNT };
struct insn {
	uint16_t code;
	uint32_t k;
	uint8_t jt, jf;		/* labels */
	uint8_t label;		/* the label this instruction is, or 0 */
	uint8_t slot;		/* 1 + the index of the loader's site its k
				 * is (SLOT_OPEN, SLOT_FSTAT), SLOT_EMPTY_AT
				 * or SLOT_EMPTY (filter.h: empty_at,
				 * empty), or 0 */
};
#define LD(off) { BPF_LD | BPF_W | BPF_ABS, (off), 0, 0, 0, 0 }
#define LDL(l, off) { BPF_LD | BPF_W | BPF_ABS, (off), 0, 0, (l), 0 }
#define JEQ(k, t, f) { BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f), 0, 0 }
#define JGE(k, t, f) { BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f), 0, 0 }
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)
#define BLOCK_HI ((uint32_t)(INPROC_TRAMP >> 32))
/* at label l: from the trampoline's syscall instruction, on to label
 * yes, else to label no */
#define FROM_TRAMP_ELSE(l, yes, no) \
	LDL(l, offsetof(struct seccomp_data, instruction_pointer) + 4), \
	JEQ((uint32_t)(INPROC_SYSCALL_END >> 32), NEXT, (no)), \
	LD(offsetof(struct seccomp_data, instruction_pointer)), \
	JEQ((uint32_t)INPROC_SYSCALL_END, (yes), (no))
#define FROM_TRAMP(l, yes) FROM_TRAMP_ELSE(l, yes, L_LIB)
/* The loader's sites: the instruction pointer's offset in its page, one
 * of FILTER_LD_SITES (filled in by prefix_resolve; a k of 0x1000, which
 * no offset is, for none) */
#define SLOT_OPEN 1
#define SLOT_FSTAT (SLOT_OPEN + FILTER_LD_SITES)
#define SLOT_EMPTY_AT (SLOT_FSTAT + FILTER_LD_SITES)
#define SLOT_EMPTY (SLOT_EMPTY_AT + 1)
#define PAGEL_OFFSET(l) \
	LDL(l, offsetof(struct seccomp_data, instruction_pointer)), \
	{ BPF_ALU | BPF_AND | BPF_K, 0xfff, 0, 0, 0, 0 }
#define PAGE_OFFSET PAGEL_OFFSET(0)
#define TAX { BPF_MISC | BPF_TAX, 0, 0, 0, 0, 0 }
#define SLOT(first, i, no) { BPF_JMP | BPF_JEQ | BPF_K, 0x1000, L_LD_ACT, (no), 0, (first) + (i) }
/* (a k filled in, 0x1000 where unknown) */
#define JEQ_SLOT(slot, t, f) { BPF_JMP | BPF_JEQ | BPF_K, 0x1000, (t), (f), 0, (slot) }
#define SLOTS(first) \
	SLOT(first, 0, NEXT), SLOT(first, 1, NEXT), SLOT(first, 2, NEXT), \
	SLOT(first, 3, NEXT), SLOT(first, 4, NEXT), SLOT(first, 5, L_LIB)
_Static_assert(FILTER_LD_SITES == 6, "SLOTS() has a slot for each of the loader's sites");

static const struct insn prefix[] = {
	LD(offsetof(struct seccomp_data, arch)),
	JEQ(AUDIT_ARCH_X86_64, NEXT, L_LIB),
	LD(offsetof(struct seccomp_data, nr)),
	JEQ(INPROC_NR, L_REQ, NEXT),
	/* (the x32 entry's numbers too: a 64-bit process may use it) */
	{ BPF_ALU | BPF_AND | BPF_K, ~(uint32_t)FILTER_X32_BIT, 0, 0, 0, 0 },
	JEQ(SYS_mmap, L_MMAP, NEXT),
	JEQ(SYS_mprotect, L_PROT, NEXT),
	JEQ(SYS_pkey_mprotect, L_MAP, NEXT),
	JEQ(SYS_mremap, L_REMAP, NEXT),
	JEQ(SYS_shmat, L_SHMAT, NEXT),
	/* the trampoline's: only these are looked at past their number, so
	 * that the kernel lets every other call by from its cache, without
	 * running the filter (seccomp_cache_prepare) */
	LD(offsetof(struct seccomp_data, nr)),
	JEQ(SYS_openat, L_OPEN_IP, NEXT),
	JEQ(SYS_stat, L_ALLOW_IP, NEXT),
	JEQ(SYS_lstat, L_ALLOW_IP, NEXT),
	JEQ(SYS_newfstatat, L_FSTAT_IP, NEXT),
	JEQ(SYS_statx, L_ALLOW_IP, NEXT),
	JEQ(SYS_access, L_ALLOW_IP, NEXT),
	JEQ(SYS_faccessat, L_ALLOW_IP, NEXT),
	JEQ(SYS_faccessat2, L_ALLOW_IP, NEXT),
	JEQ(SYS_readlink, L_ALLOW_IP, NEXT),
	JEQ(SYS_readlinkat, L_ALLOW_IP, NEXT),
	JEQ(SYS_statfs, L_ALLOW_IP, NEXT),
	JEQ(SYS_fcntl, L_ALLOW_IP, NEXT),
	JEQ(SYS_dup, L_ALLOW_IP, NEXT),
	JEQ(SYS_dup2, L_ALLOW_IP, NEXT),
	JEQ(SYS_dup3, L_ALLOW_IP, NEXT),
	JEQ(SYS_getrandom, L_ALLOW_IP, NEXT),
	JEQ(SYS_getdents64, L_ALLOW_IP, NEXT),
	JEQ(SYS_execve, L_NOTE_IP, NEXT),
	JEQ(SYS_mkdir, L_NOTE_IP, NEXT),
	JEQ(SYS_mkdirat, L_NOTE_IP, NEXT),
	JEQ(SYS_unlink, L_NOTE_IP, NEXT),
	JEQ(SYS_unlinkat, L_NOTE_IP, NEXT),
	JEQ(SYS_rmdir, L_NOTE_IP, NEXT),
	JEQ(SYS_chdir, L_NOTE_IP, NEXT),
	JEQ(SYS_clone, L_NOTE_IP, NEXT),
	JEQ(SYS_close, L_ALLOW_IP, L_LIB),
	FROM_TRAMP(L_ALLOW_IP, L_ALLOW),
	FROM_TRAMP(L_NOTE_IP, L_NOTE_ACT),
	FROM_TRAMP_ELSE(L_FSTAT_IP, L_ALLOW, L_FSTAT_LD),
	FROM_TRAMP_ELSE(L_OPEN_IP, NEXT, L_OPEN_LD),
	LD(ARG_LO(2)),
	{ BPF_JMP | BPF_JSET | BPF_K, INPROC_OPEN_DENY, L_NOTE_ACT, L_ALLOW, 0, 0 },
	/* the loader's openat(AT_FDCWD, name, O_RDONLY | O_CLOEXEC, 0) at
	 * one of its sites (all 64 bits of the flags and the mode: what the
	 * tracer sets in their top half to have one made again with a stop
	 * is no match) */
	LDL(L_OPEN_LD, ARG_LO(0)),
	JEQ((uint32_t)AT_FDCWD, NEXT, L_LIB),
	LD(ARG_LO(2)),
	JEQ(O_RDONLY | O_CLOEXEC, NEXT, L_LIB),
	LD(ARG_HI(2)),
	JEQ(0, NEXT, L_LIB),
	LD(ARG_LO(3)),
	JEQ(0, NEXT, L_LIB),
	LD(ARG_HI(3)),
	JEQ(0, NEXT, L_LIB),
	PAGE_OFFSET,
	SLOTS(SLOT_OPEN),
	/* and its newfstatat(fd, "", st, AT_EMPTY_PATH), the same, but with
	 * its own "" at its fstat's site: runs (path - IP, the top halves
	 * equal) */
	LDL(L_FSTAT_LD, ARG_LO(3)),
	JEQ(AT_EMPTY_PATH, NEXT, L_LIB),
	LD(ARG_HI(3)),
	JEQ(0, NEXT, L_LIB),
	PAGE_OFFSET,
	JEQ_SLOT(SLOT_EMPTY_AT, NEXT, L_FSTAT_SITE),
	LD(offsetof(struct seccomp_data, instruction_pointer) + 4),
	TAX,
	LD(ARG_HI(1)),
	{ BPF_JMP | BPF_JEQ | BPF_X, 0, NEXT, L_FSTAT_SITE, 0, 0 },
	LD(offsetof(struct seccomp_data, instruction_pointer)),
	TAX,
	LD(ARG_LO(1)),
	{ BPF_ALU | BPF_SUB | BPF_X, 0, 0, 0, 0, 0 },
	JEQ_SLOT(SLOT_EMPTY, L_ALLOW, L_FSTAT_SITE),
	PAGEL_OFFSET(L_FSTAT_SITE),
	SLOTS(SLOT_FSTAT),
	/* getppid with the key: a request */
	LDL(L_REQ, ARG_LO(0)),
	JEQ((uint32_t)INPROC_KEY, NEXT, L_LIB),
	LD(ARG_HI(0)),
	JEQ((uint32_t)(INPROC_KEY >> 32), NEXT, L_LIB),
	LD(ARG_LO(1)),
	JEQ(INPROC_LISTENER, L_TRACE, L_REQ_ACT),
	/* mprotect: the arming, exactly, runs */
	LDL(L_PROT, ARG_LO(0)),
	JEQ((uint32_t)INPROC_TRAMP, NEXT, L_MAP),
	LD(ARG_HI(0)),
	JEQ(BLOCK_HI, NEXT, L_MAP),
	LD(ARG_LO(1)),
	JEQ(4096, NEXT, L_MAP),
	LD(ARG_HI(1)),
	JEQ(0, NEXT, L_MAP),
	LD(ARG_LO(2)),
	JEQ(PROT_READ | PROT_EXEC, NEXT, L_MAP),
	LD(ARG_HI(2)),
	JEQ(0, L_ALLOW, L_MAP),
	/* mmap: only an executable mapping can put code at the trampoline */
	LDL(L_MMAP, ARG_LO(2)),
	{ BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, NEXT, L_LIB, 0, 0 },
	/* mmap, mprotect, pkey_mprotect: addr in the block, or len >= 2 GiB */
	LDL(L_MAP, ARG_HI(0)),
	JEQ(BLOCK_HI, L_TRACE, NEXT),
	LD(ARG_HI(1)),
	JEQ(0, NEXT, L_TRACE),
	LD(ARG_LO(1)),
	JGE(0x80000000u, L_TRACE, L_LIB),
	/* mremap: old or new address in the block, old or new len >= 2 GiB */
	LDL(L_REMAP, ARG_HI(0)),
	JEQ(BLOCK_HI, L_TRACE, NEXT),
	LD(ARG_HI(4)),
	JEQ(BLOCK_HI, L_TRACE, NEXT),
	LD(ARG_HI(1)),
	JEQ(0, NEXT, L_TRACE),
	LD(ARG_LO(1)),
	JGE(0x80000000u, L_TRACE, NEXT),
	LD(ARG_HI(2)),
	JEQ(0, NEXT, L_TRACE),
	LD(ARG_LO(2)),
	JGE(0x80000000u, L_TRACE, L_LIB),
	/* shmat at a given address */
	LDL(L_SHMAT, ARG_LO(1)),
	JEQ(0, NEXT, L_TRACE),
	LD(ARG_HI(1)),
	JEQ(0, L_LIB, L_TRACE),
	{ BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0, L_ALLOW, 0 },
	{ BPF_RET | BPF_K, SECCOMP_RET_TRACE, 0, 0, L_TRACE, 0 },
	/* (SECCOMP_RET_USER_NOTIF with notify) */
	{ BPF_RET | BPF_K, SECCOMP_RET_TRACE, 0, 0, L_REQ_ACT, 0 },
	{ BPF_RET | BPF_K, SECCOMP_RET_TRACE, 0, 0, L_NOTE_ACT, 0 },
	/* (reached only with notify and the loader's sites known) */
	{ BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF, 0, 0, L_LD_ACT, 0 },
};
#define PREFIX_LEN (sizeof(prefix) / sizeof(*prefix))

/* (the prefix's JEQs to L_NOTE_ACT) */
bool filter_notified_nr(int nr)
{
	return inproc_notified_nr(nr);
}

/* The k of a loader's site slot: the offset, or 0x1000 for none; of
 * SLOT_EMPTY, the distance to its fstat's "". */
static uint32_t slot_k(unsigned slot, bool notify, const struct filter_loader *ld)
{
	unsigned i = slot - (slot >= SLOT_FSTAT ? SLOT_FSTAT : SLOT_OPEN);

	if (!notify || !ld)
		return 0x1000;
	if (slot == SLOT_EMPTY_AT)
		return ld->has_empty ? ld->empty_at & 0xfffu : 0x1000;
	if (slot == SLOT_EMPTY)
		return ld->empty;
	if (slot >= SLOT_FSTAT)
		return i < ld->nfstat ? ld->fstat[i] & 0xfffu : 0x1000;
	return i < ld->nopen ? ld->open[i] & 0xfffu : 0x1000;
}

/* The prefix as cBPF; L_LIB is the instruction after it. */
static int prefix_resolve(struct sock_filter *out, bool notify, const struct filter_loader *ld)
{
	size_t at[L_COUNT] = { [L_LIB] = PREFIX_LEN };

	for (size_t i = 0; i < PREFIX_LEN; i++)
		if (prefix[i].label)
			at[prefix[i].label] = i;
	for (size_t i = 0; i < PREFIX_LEN; i++) {
		size_t t = prefix[i].jt ? at[prefix[i].jt] : i + 1;
		size_t f = prefix[i].jf ? at[prefix[i].jf] : i + 1;

		if (t <= i || f <= i || t - i - 1 > 255 || f - i - 1 > 255)
			return -EINVAL;
		out[i] = (struct sock_filter){ prefix[i].code, (uint8_t)(t - i - 1),
					       (uint8_t)(f - i - 1), prefix[i].k };
		if (notify && (prefix[i].label == L_REQ_ACT || prefix[i].label == L_NOTE_ACT))
			out[i].k = SECCOMP_RET_USER_NOTIF;
		if (prefix[i].slot)
			out[i].k = slot_k(prefix[i].slot, notify, ld);
	}
	return 0;
}

/* Install prog; with notify, with a listener: its fd, or -errno.  Once
 * the tracer has taken a notification, the thread must wait for the
 * answer whatever signal comes (WAIT_KILLABLE_RECV, 5.19): else a close
 * the tracer took for done could fail and be made again.
 *
 * SPEC_ALLOW (4.17): the filter leaves the build's speculation controls
 * as they were.  Without it, a kernel whose Spectre v4 and v2 user
 * mitigations are in their "seccomp" mode (the default before 5.16)
 * forces Speculative Store Bypass Disable and indirect branch
 * speculation off in every filtered process: a slower build for no wall
 * of the sandbox's, which are namespaces and Landlock, not speculation
 * (util-linux's seccomp helper makes the same choice; the OCI runtime
 * spec offers containers the flag). */
static int install(const struct sock_fprog *prog, bool notify)
{
	unsigned flags = (notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER |
				   SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV : 0) |
			 SECCOMP_FILTER_FLAG_SPEC_ALLOW;
	int r;

	r = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, prog);
	return r < 0 ? -errno : r;
}

/* Whether the tracer can take a listener (pidfd_getfd, 5.6; which also
 * says SECCOMP_USER_NOTIF_FLAG_CONTINUE, 5.5, is there). */
static bool can_hand_over(void)
{
	return syscall(SYS_pidfd_getfd, -1, 0, 0) < 0 && errno == EBADF;
}

/*
 * i386's old mmap (90, which libseccomp names mmap there) takes its
 * arguments in memory, at its first one: the rule libseccomp makes of
 * mmap's (a shared, writable mapping) would compare registers that hold
 * nothing of them.  Between the prefix and the late block, that call
 * stops, whatever its arguments (decode.c reads them); mmap2 is
 * libseccomp's, as on the other entries.  OLD_MMAP_LEN instructions.
 */
#define I386_OLD_MMAP 90
static const struct sock_filter old_mmap_block[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 3),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_OLD_MMAP, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
};
#define OLD_MMAP_LEN ARRAY_SIZE(old_mmap_block)

/*
 * The late block, after the old mmap's and before libseccomp's program: a
 * syscall of late's, from x86_64, x32 or i386, stops.  n + 6
 * instructions at out.
 */
static size_t late_block(struct sock_filter *out, const struct late *late)
{
	size_t k = late->n, at = 0;

	if (!k)
		return 0;
	out[at++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, arch));
	out[at++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	out[at++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0,
						 (uint8_t)(k + 3));
	out[at++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, nr));
	out[at++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
						 ~(uint32_t)FILTER_X32_BIT);
	for (size_t i = 0; i < k; i++)
		out[at++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, late->nr[i],
							 (uint8_t)(k - 1 - i), i + 1 < k ? 0 : 1);
	out[at++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	return at;
}

/* libseccomp's program, exported, with the prefix in front (inproc), the
 * old mmap's block and the late block, into p; 0 or -errno. */
static int export_prog(scmp_filter_ctx ctx, const struct late *late, bool inproc, bool notify,
		       const struct filter_loader *ld, struct filter_prog *p)
{
	const size_t npre = inproc ? PREFIX_LEN : 0,
		     np = npre + OLD_MMAP_LEN + (late->n ? late->n + 6 : 0);
	struct sock_filter *prog = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, r;

	fd = memfd_create("sandrun-filter", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r >= 0) {
		off_t size = lseek(fd, 0, SEEK_END);

		prog = malloc(np * sizeof(*prog) + (size_t)(size > 0 ? size : 0));
		if (!prog || size <= 0 || size % sizeof(*prog))
			r = -EINVAL;
		else
			len = (size_t)size / sizeof(*prog);
	}
	if (r >= 0 && inproc)
		r = prefix_resolve(prog, notify, ld);
	if (r >= 0) {
		memcpy(prog + npre, old_mmap_block, sizeof(old_mmap_block));
		late_block(prog + npre + OLD_MMAP_LEN, late);
	}
	if (r >= 0) {
		n = pread(fd, prog + np, len * sizeof(*prog), 0);
		if (n != (ssize_t)(len * sizeof(*prog)))
			r = -EIO;
	}
	close(fd);
	if (r >= 0 && np + len > BPF_MAXINSNS)
		r = -EINVAL;
	if (r < 0) {
		free(prog);
		return r;
	}
	*p = (struct filter_prog){ .insns = prog, .len = (uint32_t)(np + len), .notify = notify };
	return 0;
}

/* no_new_privs, then p installed: as install(). */
static int install_prog(const struct filter_prog *p)
{
	struct sock_fprog fprog = { .len = (unsigned short)p->len, .filter = p->insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return install(&fprog, p->notify);
}

static int compile(bool policy, bool inproc, bool notify, const struct filter_loader *ld,
		   struct filter_prog *p, struct sr_error **err)
{
	struct late late;
	scmp_filter_ctx ctx = build(policy, inproc, notify, &late, err);
	int r;

	if (!ctx)
		return -ENOMEM;
	r = export_prog(ctx, &late, inproc, notify, ld, p);
	seccomp_release(ctx);
	return r;
}

static int load(bool policy, bool inproc, bool notify, const struct filter_loader *ld,
		struct sr_error **err)
{
	struct filter_prog p;
	int r = compile(policy, inproc, notify, ld, &p, err);

	if (r < 0)
		return r;
	r = install_prog(&p);
	filter_prog_free(&p);
	return r;
}

bool filter_can_notify(void)
{
	return can_hand_over();
}

int filter_compile(bool policy, bool inproc, bool notify, const struct filter_loader *ld,
		   struct filter_prog *p, struct sr_error **err)
{
	int r = compile(policy, inproc, notify, ld, p, err);

	if (r < 0 && !*err)
		sr_error_make(err, SR_EXIT_FAILURE, -r, "cannot build the seccomp filter");
	return r < 0 ? -1 : 0;
}

void filter_prog_free(struct filter_prog *p)
{
	free(p->insns);
	p->insns = NULL;
	p->len = 0;
}

/* On the pipe: this header, then len instructions. */
struct prog_head {
	uint32_t magic, len, notify, pad;
};
#define PROG_MAGIC 0x53524250u	/* "SRBP" */
_Static_assert(sizeof(struct prog_head) + BPF_MAXINSNS * sizeof(struct sock_filter) <= 65536,
	       "a program fits in a pipe's default buffer: its writer never waits");

int filter_prog_send(int fd, const struct filter_prog *p)
{
	struct prog_head h = { PROG_MAGIC, p->len, p->notify, 0 };
	struct iovec v[2] = { { &h, sizeof(h) }, { p->insns, p->len * sizeof(*p->insns) } };
	size_t want = v[0].iov_len + v[1].iov_len;
	ssize_t n;

	do
		n = writev(fd, v, 2);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == want ? 0 : -EIO;
}

int filter_prog_recv(int fd, struct filter_prog *p)
{
	struct prog_head h;
	ssize_t n = read_all(fd, &h, sizeof(h));

	*p = (struct filter_prog){ 0 };
	if (n == 0)
		return 0;
	if (n != (ssize_t)sizeof(h) || h.magic != PROG_MAGIC || !h.len || h.len > BPF_MAXINSNS ||
	    h.notify > 1)
		return -EINVAL;
	p->insns = malloc(h.len * sizeof(*p->insns));
	if (!p->insns)
		return -ENOMEM;
	if (read_all(fd, p->insns, h.len * sizeof(*p->insns)) != (ssize_t)(h.len * sizeof(*p->insns))) {
		filter_prog_free(p);
		return -EINVAL;
	}
	p->len = h.len;
	p->notify = h.notify;
	return 1;
}

int filter_load(bool policy, bool inproc, const struct filter_loader *ld, int *listener,
		const struct filter_prog *made, struct sr_error **err)
{
	int r = -EINVAL;

	if (listener)
		*listener = -1;
	if (listener && can_hand_over()) {
		r = made && made->notify ? install_prog(made) : load(policy, inproc, true, ld, err);
		*listener = r;
	}
	/* (EBUSY: a filter of the caller's has a listener already, as in
	 * a sandrun run inside another; before 5.19: EINVAL) */
	if (r < 0 && !*err)
		r = made && !made->notify ? install_prog(made) : load(policy, inproc, false, NULL, err);
	if (r < 0 && !*err)
		return sr_error_make(err, SR_EXIT_FAILURE, -r,
				     "cannot load the seccomp filter");
	return r < 0 ? -1 : 0;
}

int filter_dump(FILE *f, struct sr_error **err)
{
	struct late late;
	scmp_filter_ctx ctx = build(false, false, false, &late, err);
	char buf[4096];
	ssize_t n;
	int r, fd;

	if (!ctx)
		return -1;
	fprintf(f, "#\n# ahead of libseccomp's program, sandrun's own block for x86's\n"
		   "# old mmap, whose arguments are in memory:\n"
		   "# if ($arch == %u && $syscall == %d) action TRACE(0);  # mmap\n",
		AUDIT_ARCH_I386, I386_OLD_MMAP);
	if (late.n) {
		fprintf(f, "#\n# ahead of libseccomp's program, sandrun's own block for the\n"
			   "# syscalls this libseccomp does not know (x86_64, x32 and x86):\n");
		for (size_t i = 0; i < late.n; i++) {
			cleanup_free char *name = filter_syscall_name(FILTER_ARCH_X86_64,
								      (int)late.nr[i]);

			fprintf(f, "# if ($syscall == %u) action TRACE(0);  # %s\n", late.nr[i],
				name ? name : "?");
		}
	}
	/* (libseccomp writes to an fd and ignores its write errors: into
	 * a memory file, copied to f, whose errors its caller sees) */
	fd = memfd_create("sandrun-filter", MFD_CLOEXEC);
	r = fd < 0 ? -errno : seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	if (r >= 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = -errno;
	while (r >= 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno != EINTR)
			r = -errno;
		else if (n > 0)
			fwrite(buf, 1, (size_t)n, f);
	}
	if (fd >= 0)
		close(fd);
	if (r < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, -r,
				     "cannot print the seccomp filter");
	return 0;
}
