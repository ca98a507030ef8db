/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_PRELOAD_REC_H
#define SR_PRELOAD_REC_H

/*
 * Between the two halves of sandrun-rec.so: rec.c records syscalls,
 * patch.c sends glibc's own syscall instructions to it.  regs: the
 * syscall number, then r9, r8, r10, rdx, rsi, rdi as the instruction had
 * them; the kernel's result (errno is left alone).
 */
long sr_dispatch(const long *regs);

#endif
