/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_FILTER_H
#define SR_FILTER_H

#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "lib/error.h"

/*
 * The seccomp filter, built with libseccomp (the only file that includes
 * it): SCMP_ACT_TRACE for the syscalls of the table, ALLOW for the rest,
 * on x86_64 and on the i386 (int 0x80) and x32 entry points, so a 32-bit
 * open is traced, not missed.
 */
enum { FILTER_ARCH_X86_64, FILTER_ARCH_I386, FILTER_ARCH_X32, FILTER_ARCH_COUNT };
#define FILTER_X32_BIT 0x40000000

/* The number of a syscall on an architecture, or -1 if it has none. */
int filter_resolve(int arch, const char *name);
/* The name of syscall nr on an architecture (malloc'd), or NULL. */
char *filter_syscall_name(int arch, int nr);
/* The architecture index of a stop (AUDIT_ARCH_* and raw number). */
int filter_arch_index(uint32_t audit_arch, int nr);

/*
 * The dynamic loader's own openat and newfstatat, before sandrun-audit.so
 * has rewritten them (inproc.h): where each of their syscall
 * instructions ends, as an offset in its page (the loader is mapped
 * page-aligned, so the instruction pointer seccomp sees there ends so in
 * every process that runs the same loader file).  The filter makes the
 * loader's opening and fstat of its audit modules seccomp notifications
 * there, not stops (filter.c); none are known (n 0) without the rewrite
 * sites of sandrun's own loader (runner/sitecache.c).
 */
#define FILTER_LD_SITES 6
struct filter_loader {
	uint16_t open[FILTER_LD_SITES], fstat[FILTER_LD_SITES];
	unsigned nopen, nfstat;
	/* The loader's fstat (sites_loader_empty): at the site ending at
	 * offset empty_at in its page, its "" is empty bytes after the
	 * instruction's end (mod 2^32).  The filter lets that call run, the
	 * path argument there and nowhere else: an fstat of an fd, never
	 * an event, needs no notification.  (has_empty: known) */
	bool has_empty;
	uint16_t empty_at;
	uint32_t empty;
};

/* A filter's program, built (filter_compile) by another process than the
 * one that loads it: a run's builds it while its sandbox is set up,
 * which takes longer, and hands it to the command's process on a pipe
 * (runner/launch.c). */
struct sock_filter;
struct filter_prog {
	struct sock_filter *insns;
	uint32_t len;
	bool notify;		/* with notifications (a listener) */
};

/*
 * Build and load the filter into the calling process.  With policy, also
 * the syscalls only a --policy checks (SCF_POLICY); with inproc, the
 * trampoline's exemptions and guards (tracer/inproc.h); with listener,
 * close, close_range, the preload's requests and its notified calls
 * (filter_notified_nr) are seccomp notifications (SECCOMP_RET_USER_NOTIF),
 * which the tracer answers without a ptrace stop, and *listener is the
 * listener's fd (close-on-exec), or negative if there is none (the kernel
 * gave none: everything stops, as before); with inproc and a listener,
 * also the loader's calls at ld (NULL: none).  made, if not NULL, is the
 * program built already for the same arguments (filter_compile), with or
 * without notifications: loaded instead of one built here.  0, or -1 on
 * error.
 */
int filter_load(bool policy, bool inproc, const struct filter_loader *ld, int *listener,
		const struct filter_prog *made, struct sr_error **err);
/* The program filter_load would load first, with the same arguments and
 * notify (filter_can_notify(), if a listener is asked for), into p
 * (filter_prog_free); 0, or -1 on error. */
int filter_compile(bool policy, bool inproc, bool notify, const struct filter_loader *ld,
		   struct filter_prog *p, struct sr_error **err);
/* Whether this kernel can hand a listener over (pidfd_getfd, 5.6). */
bool filter_can_notify(void);
void filter_prog_free(struct filter_prog *p);
/* p down fd, whole (it fits in a pipe's buffer); 0 or -errno. */
int filter_prog_send(int fd, const struct filter_prog *p);
/* A program from fd into p: 1, 0 at EOF (none sent), -errno if what came
 * is not one. */
int filter_prog_recv(int fd, struct filter_prog *p);
/* Whether an x86_64 syscall from the trampoline reaches the tracer (a
 * notification, or a stop without a listener): the preload's notified
 * calls (tracer/inproc.h: INPROC_AGAIN; openat only writing). */
bool filter_notified_nr(int nr);
/* Print the filter as libseccomp's pseudo-code. */
int filter_dump(FILE *f, struct sr_error **err);

#endif
