/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_PRELOAD_SITES_H
#define SR_PRELOAD_SITES_H

/*
 * Rewriting a loaded library's syscall instructions into jumps to the
 * recorder (sites.c).  Shared by sandrun-rec.so (patch.c: inside libc)
 * and sandrun-audit.so (audit.c: inside the dynamic loader), so it uses
 * nothing of libc: raw syscalls, no string functions.
 */
#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A result check after a syscall instruction (cmp $-4096,%rax and its
 * kin), which a rewritten site's thunk redoes. */
struct check {
	unsigned char len, b[6];
};

#define SITES_CHECKS 3
extern const struct check sites_checks[SITES_CHECKS];

/* One syscall instruction to rewrite, and the result check after it. */
struct site {
	unsigned char *at;
	const struct check *check;
};

/* A library's code, its .eh_frame_hdr (the table of every function's
 * start) or NULL, and its GNU build ID or NULL. */
struct text {
	unsigned char *lo, *hi;
	const unsigned char *eh;
	size_t eh_len;
	const unsigned char *id;
	size_t id_len;
};

#define SITES_MAX 128

/* A loaded object's text (above), from its program headers (base: where
 * it is loaded); false if it has no executable segment. */
bool sites_text(struct text *t, uintptr_t base, const Elf64_Phdr *ph, size_t phnum);

/* libc's sites: in those of its functions that make the recorded
 * syscalls (found by name with sym, which answers NULL for what is not
 * libc's), sorted, none a branch lands inside of; their count. */
size_t sites_in_libc(const struct text *t, void *(*sym)(const char *name),
		     struct site *sites);

/* The dynamic loader's: those of every one of its functions, the same. */
size_t sites_in_loader(const struct text *t, struct site *sites);

/* The syscall number a site of t loads before its instruction. */
long sites_nr(const struct text *t, const struct site *s);

/* Where the "" is that the loader's fstat passes to its newfstatat at
 * site s (sites_find.c), or NULL if its code is not of the shape known;
 * not read: the caller checks that it is the loader's, and empty. */
const unsigned char *sites_loader_empty(const struct text *t, const struct site *s);

/*
 * The cache of sites (INPROC_SITES_PATH in the sandbox): sandrun finds
 * its own loader's and libc's once (runner/sitecache.c), and a process
 * whose loader or libc has the same build ID and code size takes them
 * from there instead of reading its code for them.  A file of a
 * sites_cache_head and its entries; a site is its offset in the text,
 * shifted left by 2, or'ed with its check's index.  The head also names
 * the regular files sandrun's own stdio writes to (a log the
 * build's output goes to): the build inherits them, and the tracer has
 * nothing of theirs to digest when a process closes one.
 *
 * An entry may also have an image: from its image_page (in 4 KiB pages
 * of the file; 0 for none) on, a copy of the text's pages, as sandrun's
 * own are loaded, with each site rewritten into a jump to a thunk of its
 * own in the slack between the text's end and its last page's (which no
 * section of the object holds).  sandrun-audit.so maps it over libc's
 * code before anything of libc runs, and over the loader's as soon as it
 * is told of the loader, while the loader runs on in it (the same bytes
 * but at the sites and in the slack) (sites_cache_image): one mmap instead of a copy of
 * every page that holds a site, made again in every process (~10 us each
 * in a VM with shadow page tables) through an fd on its memory that the
 * tracer has to hand it (~30 us of the tracer's at every program's
 * start), and the build's processes share its pages.  A thunk steps over the red zone, calls
 * what the word at INPROC_TRAMP_ENTRY says (the armed trampoline's:
 * sr_common of the library that armed it), redoes the site's check and
 * jumps back: code that depends on nothing of one process, which a
 * process without the trampoline armed must not run (it is mapped only
 * by one that armed it).
 */
#define SITES_CACHE_MAGIC 0x34535253u	/* "SRS4" */
#define SITES_CACHE_MAX 4		/* entries */
#define SITES_ID_MAX 32
#define SITES_OUTPUTS 3	/* sandrun's stdin, stdout and stderr */

struct sites_cache_head {
	uint32_t magic, count;
	uint32_t noutputs, pad;
	uint64_t output_dev[SITES_OUTPUTS], output_ino[SITES_OUTPUTS];
};

struct sites_cache_entry {
	uint32_t id_len, text_len, n, image_page;
	unsigned char id[SITES_ID_MAX];
	uint32_t site[SITES_MAX];
};

/* The sites the cache (len bytes at buf) holds for t, into sites[]; their
 * count, 0 if it holds none.  Nothing there is trusted: an entry that
 * does not add up, or names a site that is not a syscall instruction
 * followed by its check in t, is none.  (Whether a branch lands inside a
 * site is not checked again: a cache the build rewrote can break its own
 * programs, as it could by writing their code, but not their recording.) */
size_t sites_cache_get(const void *buf, size_t len, const struct text *t,
		       struct site *sites);

/* The image the cache (len bytes at buf) holds for t: the file offset of
 * the page t's first page is to be mapped from (its pages: sites_pages),
 * 0 if none.  Taken by build ID and code size, as the sites are; the
 * file's size is the caller's to check. */
uint64_t sites_cache_image(const void *buf, size_t len, const struct text *t);

/* The pages t's code spans, from the page its first byte is on. */
static inline size_t sites_pages(const struct text *t)
{
	return (((uintptr_t)t->hi + 4095) / 4096) - (uintptr_t)t->lo / 4096;
}

/* A site's new bytes (2 + its check's length, up to 8): a jump to to,
 * then a nop over the rest of the check. */
size_t sites_jump(const struct site *s, const unsigned char *to, unsigned char b[8]);

/* An image's thunk for a site (above), to sit at `at` (SITES_THUNK_MAX
 * bytes there), calling the code at common (sites_common, in the same
 * slack): into b, its length. */
#define SITES_THUNK_MAX 32
size_t sites_thunk(const struct site *s, unsigned char *at, const unsigned char *common,
		   unsigned char b[SITES_THUNK_MAX]);

/*
 * glibc's vfork() and posix_spawn()'s clone, made with CLONE_PTRACE
 * (forks.c says why): the `mov $nr,%eax; syscall` of each (7 bytes) in
 * t, found with sym, or NULL where a function's bytes are not glibc
 * 2.36's.  A site's thunk (to sit at `at`) makes the clone and jumps
 * back after it: its length.
 */
struct fork_sites {
	unsigned char *vfork, *clone;
};
void sites_forks(const struct text *t, void *(*sym)(const char *name), struct fork_sites *f);
size_t sites_fork_thunk(bool vfork, const unsigned char *site, unsigned char *at,
			unsigned char b[SITES_THUNK_MAX]);

/* The code an image's thunks call: a jump through INPROC_TRAMP_ENTRY's
 * word; its length (SITES_COMMON_LEN). */
#define SITES_COMMON_LEN 13
void sites_common(unsigned char b[SITES_COMMON_LEN]);

/* Rewrite the sites (sorted, of the text t) into jumps to this
 * library's thunks, which call sr_common (which calls sr_dispatch, each
 * library's own, see rec.h); once per library.  mem: an fd on the
 * process's own memory (/proc/PID/mem) to write the code through, or -1
 * (or one the kernel refuses): the code is made writable for a moment
 * instead.  False when nothing was rewritten: a site out of a jump's
 * reach of the thunks, more than SITES_MAX, a second call, or the code
 * could not be written.  Only while the process has one thread. */
bool sites_patch(const struct text *t, const struct site *sites, size_t n, long mem);

/* Write len (up to 16) bytes of code at at, as sites_patch does (mem: the
 * same), the first byte last; false if it could not be written. */
bool sites_write(unsigned char *at, const unsigned char *b, size_t len, long mem);

#endif
