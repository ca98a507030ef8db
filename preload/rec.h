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

/* A raw syscall from this library's own instruction (it stops for the
 * tracer as any other would); the kernel's result, -errno on failure. */
long sr_sys6(long nr, long a, long b, long c, long d, long e, long f);

#endif
