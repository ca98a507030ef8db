/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_PRELOAD_REC_H
#define SR_PRELOAD_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "preload/sites.h"
#include "tracer/inproc.h"

/*
 * Between the parts of sandrun-rec.so (rec.c records syscalls, patch.c
 * sends glibc's own syscall instructions to it, symbols.c the program's
 * calls of libc's functions) and of sandrun-audit.so
 * (audit.c, the same in the dynamic loader), with what both share
 * (sites.c, sites_find.c, raw.c).
 *
 * sr_dispatch: each library's recorder, as sites.c's thunks call it.
 * regs: the syscall number, then r9, r8, r10, rdx, rsi, rdi as the
 * instruction had them; the kernel's result (errno is left alone).
 */
long sr_dispatch(const long *regs);
typedef long (*sr_dispatch_fn)(const long *regs);

/* What each library's thunks call (sites.c): every register a syscall
 * keeps kept, and the SSE state, around sr_dispatch.  Not a C function:
 * its address is for the trampoline's entry word (INPROC_TRAMP_ENTRY). */
void sr_common(void) __attribute__((visibility("hidden")));

/* sandrun-rec.so's recorder for one syscall by number, with its
 * arguments as the syscall instruction would have them: the recorded ones
 * recorded (or made the ordinary way), the rest made; the kernel's
 * result, -errno on failure (errno is left alone). */
long sr_record(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

/* A syscall through the trampoline (tracer/inproc.h), once it is armed:
 * TRAMP(nr, a, b, c, d, e). */
typedef long (*sr_tramp_fn)(long, long, long, long, long, long);
#define TRAMP ((sr_tramp_fn)(uintptr_t)INPROC_TRAMP)

/* A raw syscall from this library's own instruction (it stops for the
 * tracer as any other would); the kernel's result, -errno on failure. */
long sr_sys6(long nr, long a, long b, long c, long d, long e, long f);

/* sandrun's request op to the tracer (tracer/inproc.h); its answer. */
long sr_request(long op, long arg);

/* sandrun-audit.so's words the armed page's tail points to: the recorder
 * it hands the loader's later calls to (sandrun-rec.so's, once it
 * starts), and whether libc's code is the cache's image (sites.h), which
 * sandrun-rec.so then leaves alone. */
struct sr_handover {
	sr_dispatch_fn forward;
	uint64_t libc_image;
	uint64_t noutputs;	/* the cache's head's output files (sites.h), */
	uint64_t output_dev[SITES_OUTPUTS], output_ino[SITES_OUTPUTS];	/* as read */
};

/* The trampoline's page mapped, filled and armed (the mprotect runs
 * without a stop: the tracer checks the page when it finds it, see
 * tracer/inproc.h), with a first ring for thread tid, which
 * is returned; NULL if that cannot be done.  *was: the page was armed
 * already (by sandrun-audit.so in the loader): then the ring returned is
 * its first one if tid is that ring's thread, else NULL.  hand:
 * sandrun-audit.so's handover (the page says where), or NULL.  The
 * page's entry word (INPROC_TRAMP_ENTRY) is this library's sr_common. */
struct inproc_ring *sr_arm(long tid, bool *was, struct sr_handover *hand);

/* The page's tail (the words at INPROC_TRAMP_RING) as this object knows
 * it, having armed the page or found it armed, or NULL; and one told by
 * the object that armed it (sandrun-audit.so, through sr_early), taken
 * as known: no syscall to look at the page again. */
const uint64_t *sr_tail_known(void);
void sr_tail_told(const uint64_t *tail);

/* The armed page's handover (sandrun-audit.so's), or NULL: where
 * sandrun-rec.so puts its recorder for the loader's calls after the
 * program's start (dlopen), and learns whether libc is an image. */
struct sr_handover *sr_handover(void);

/* libc's code (t) made the run's cache's image of it (sites.h), if the
 * cache has one for it; false if not (nothing changed).  Only with the
 * trampoline armed by this library, before libc's code runs. */
bool sr_map_image(const struct text *t);

/* The output files the run's cache's head names (for sr_output_file),
 * as this library last read them, put in a handover; or taken from one
 * (another library's reading). */
void sr_outputs_put(struct sr_handover *hand);
void sr_outputs_take(const struct sr_handover *hand);

/* sandrun-rec.so's start before any library's constructor: its ELF
 * entry point, which sandrun-audit.so calls when the program's libraries
 * are loaded and relocated (rec.c), with INPROC_KEY and the fd on the
 * process's memory it asked for (INPROC_MEM: libc's code is not the
 * cache's image), or -1, for rewriting libc (sites_patch), and the
 * page's tail as it armed it (sr_tail_known).  Its
 * constructors do the same later, for a process the audit module is not
 * in; each part runs once. */
void sr_early(uint64_t key, long mem, const uint64_t *tail);
void sr_patch_libc(long mem);
/* glibc's vfork() and posix_spawn()'s clone made with CLONE_PTRACE
 * (forks.c): t is libc's text, sym finds its functions, mem as above. */
struct text;
void sr_patch_forks(const struct text *t, void *(*sym)(const char *name), long mem);

/* The sites the run's cache holds for t (read through the trampoline,
 * if it is armed; sites.h), into sites[]; their count, 0 if none.  The
 * output files its head names are kept for sr_output_file. */
size_t sr_sites_cached(const struct text *t, struct site *sites);

/* Whether a file is one sandrun's own stdio writes to, as the
 * cache last read said (sites.h). */
bool sr_output_file(uint64_t dev, uint64_t ino);

/* A new ring (its magic set, its first pages in place), or NULL. */
struct inproc_ring *sr_ring_new(void);

/* Where the ring's next record goes, with room for the largest (after a
 * flush request if it is full), or NULL if it stays full.  Only its
 * first inproc_units() are the record's once it is committed. */
struct inproc_rec *sr_slot_free(struct inproc_ring *r);
/* The record there (its path filled) committed: the units it takes. */
void sr_slot_commit(struct inproc_ring *r);

/* A slot's head and path filled; false if the path is NULL or does not
 * fit (the slot is not used then). */
bool sr_slot_path(struct inproc_rec *s, long nr, const char *path);

/* The opened file's identity, in the slot. */
void sr_slot_stat(struct inproc_rec *s, const struct stat *st);

/* Whether a file changed in the last seconds (now: the time, seconds):
 * a build's own output read back, not in the tracer's digest cache,
 * which the tracer has to read while the fd still holds it. */
bool sr_recent(const struct stat *st, long now);

#endif
