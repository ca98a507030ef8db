/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_SYSCALLS_H
#define SR_SYSCALLS_H

#include <stdint.h>

#include "tracer/event.h"

/*
 * The one syscall table.  Every syscall that can touch the filesystem,
 * the network or the process tree is traced here, or is seen through a
 * ptrace event (fork, vfork, clone, clone3, exit, exit_group), or is
 * listed as untraceable.  Numbers are resolved per architecture (x86_64,
 * i386 through int 0x80, x32) by libseccomp from the names, so a 32-bit
 * open and a 64-bit open reach the same decoder; the few newer than the
 * libseccomp sandrun is built with, by filter.c's own numbers.
 */
enum sc_dec {
	DEC_OPEN,	/* open, openat: flags in `flags`, mode in `aux` */
	DEC_CREAT,
	DEC_OPENAT2,	/* struct open_how at `aux` */
	DEC_PROBE,	/* stat family, access, readlink; statbuf at `aux` */
	DEC_READDIR,	/* getdents: fd in `dirfd` */
	DEC_PATH,	/* one path, event `kind` */
	DEC_FD,		/* fchmod, fchown, ftruncate: fd in `dirfd` */
	DEC_TWO_PATHS,	/* rename, link */
	DEC_SYMLINK,	/* target at `aux`, link at dirfd2/path2 */
	DEC_CHDIR,
	DEC_FCHDIR,
	DEC_EXEC,	/* argv at `aux`, envp at `aux2` */
	DEC_DUP,	/* old fd in `dirfd`, new in `aux` (or -1) */
	DEC_FCNTL,
	DEC_CLOSE,
	DEC_CLOSE_RANGE,
	DEC_MMAP,	/* a shared writable mapping of the fd in `dirfd` */
	DEC_NET,
	DEC_RANDOM,
	DEC_XATTR,	/* the attribute's name at `aux`, the value at `aux2`
			 * (its size next; the *at forms: a struct xattr_args),
			 * -1 for a removal */
	DEC_UNTRACEABLE,
};

enum {
	SCF_NOFOLLOW = 1 << 0,	/* lstat, lchown, readlink */
	SCF_STATX = 1 << 1,	/* the buffer is a struct statx */
	SCF_EXIT = 1 << 2,	/* the result is needed: stop at exit */
	SCF_POLICY = 1 << 3,	/* traced only under a --policy */
	SCF_KERNEL = 1 << 4,	/* a probe the kernel answers: not looked
				 * up at the entry (the call may fail on
				 * another argument before its lookup) */
	SCF_FOLLOW_FLAG = 1 << 5, /* follows a link only with
				   * AT_SYMLINK_FOLLOW at `flags` */
	SCF_INOTIFY = 1 << 6,	/* IN_DONT_FOLLOW in the mask at `flags` */
};

struct sc_desc {
	const char *name;
	enum sc_dec dec;
	enum ev_kind kind;
	int8_t dirfd, path, dirfd2, path2, flags, aux, aux2;
	uint8_t opts;
};

extern const struct sc_desc sc_table[];
extern const unsigned sc_table_len;

/* The descriptor for a syscall of an architecture (AUDIT_ARCH_*), or
 * NULL when it is not in the table. */
const struct sc_desc *sc_lookup(uint32_t arch, int nr);

/* Resolve the per-architecture numbers; call once before sc_lookup. */
int sc_init(void);

#endif
