/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_PRELOAD_SITES_H
#define SR_PRELOAD_SITES_H

/*
 * Rewriting a loaded library's syscall instructions into jumps to the
 * recorder (sites.c).  Shared by sandrun-rec.so (patch.c: inside libc)
 * and sandrun-audit.so (audit.c: inside the dynamic loader), so it uses
 * nothing of libc: raw syscalls, no string functions.
 */
#include <stdbool.h>
#include <stddef.h>

struct check;

/* One syscall instruction to rewrite, and the result check after it. */
struct site {
	unsigned char *at;
	const struct check *check;
};

/* A library's code, and its .eh_frame_hdr (the table of every
 * function's start), or NULL. */
struct text {
	unsigned char *lo, *hi;
	const unsigned char *eh;
	size_t eh_len;
};

#define SITES_MAX 128

/* Whether a function starts at p, by the unwind table. */
bool sites_function_start(const struct text *t, const unsigned char *p);

/* The sites in one function's first bytes (fn: an exported function's
 * start, or one found by a call) added to sites[]; the new count. */
size_t sites_in_function(const struct text *t, unsigned char *fn, struct site *sites,
			 size_t n);

/* The same for every function of the text (the unwind table tells where
 * each starts); without the table, none. */
size_t sites_in_text(const struct text *t, struct site *sites, size_t n);

/* Those a branch might land inside of, dropped; the new count. */
size_t sites_unbranched(const struct text *t, struct site *sites, size_t n);

/* Rewrite the sites (sorted, of the text t) into jumps to this
 * library's thunks, which call sr_common (which calls sr_dispatch, each
 * library's own, see rec.h); once per library.  False when nothing was
 * rewritten: a site out of a jump's reach of the thunks, more than
 * SITES_MAX, a second call, or the code could not be made writable.
 * Only while the process has one thread. */
bool sites_patch(const struct text *t, const struct site *sites, size_t n);

#endif
