// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandrun-rec.so, part two: glibc's own calls reach the recorder.
 */
#include <dlfcn.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/single_threaded.h>

#include "preload/rec.h"
#include "preload/sites.h"

/*
 * Inside libc.  Its own calls (setlocale loading the locale's files,
 * fopen, opendir, realpath, stdio's fstat) do not go through the symbols
 * above.  When this library is loaded, the syscall instructions of the
 * functions below are rewritten into jumps to the recorder (sites.c);
 * when anything does not fit, all of libc is left alone, and its calls
 * stop, as before.
 */
/* libc's functions that make the recorded syscalls (glibc 2.36 on x86_64,
 * found by their exported names; others may have them elsewhere, and
 * those calls stop as before).  Not the pre-2.33 stat ABI (__xstat,
 * __lxstat, __fxstatat): libc itself never calls it, and a program's
 * calls reach rec.c's own: rewriting their page would only cost a copy
 * of it in every process. */
static const char *const funcs[] = {
	"__open64_nocancel", "__open", "openat", "__close_nocancel", "__close",
	"fstatat", "statx", "access", "faccessat", "readlink", "readlinkat", "__libc_fcntl64",
	"dup", "__dup2", "dup3", "getrandom", "execve", "getdents64",
};

/* Those whose callees are looked into too (see find_callees). */
static const char *const callers[] = { "__libc_fcntl64" };

static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct text *t = data;

	(void)size;
	if (!info->dlpi_name || !strstr(info->dlpi_name, "/libc.so.6"))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && !t->lo) {
			t->lo = (unsigned char *)(info->dlpi_addr + ph->p_vaddr);
			t->hi = t->lo + ph->p_memsz;
		} else if (ph->p_type == PT_GNU_EH_FRAME) {
			t->eh = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
			t->eh_len = ph->p_memsz;
		}
	}
	return 1;
}

/*
 * A function an exported one calls first thing may hold the syscall: glibc
 * 2.36's fcntl() leaves every command but the blocking locks to an
 * internal __fcntl64_nocancel_adjusted().  Bytes that read as a call are
 * followed only to where the unwind table says a function starts.
 */
static size_t find_callees(const struct text *t, unsigned char *fn, struct site *sites,
			   size_t n)
{
	unsigned char *end = fn + 128 < t->hi - 8 ? fn + 128 : t->hi - 8;

	for (unsigned char *q = fn; q < end; q++) {
		uintptr_t to;
		int32_t rel;

		if (q[0] != 0xe8)
			continue;
		memcpy(&rel, q + 1, sizeof(rel));
		to = (uintptr_t)q + 5 + (uintptr_t)(intptr_t)rel;
		if (to <= (uintptr_t)t->lo || to >= (uintptr_t)(t->hi - 8) ||
		    !sites_function_start(t, (const unsigned char *)to))
			continue;
		n = sites_in_function(t, (unsigned char *)to, sites, n);
	}
	return n;
}

void sr_patch_libc(void)
{
	static bool done;
	struct site sites[SITES_MAX];
	struct text t = { 0 };
	size_t n = 0;

	/* Rewriting code another thread may be running (or blocked in a
	 * syscall of, returning into the middle of the new jump) is not
	 * safe: only while the process has one thread (which makes the
	 * flag safe too). */
	if (done || !__libc_single_threaded)
		return;
	done = true;
	if (!dl_iterate_phdr(find_libc, &t) || !t.lo)
		return;
	/* libc's own definitions (RTLD_NEXT: after this library); no
	 * dlopen, which would start malloc (and its getrandom) early */
	for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++) {
		unsigned char *fn = dlsym(RTLD_NEXT, funcs[i]);

		if (fn >= t.lo && fn < t.hi)
			n = sites_in_function(&t, fn, sites, n);
	}
	for (size_t i = 0; i < sizeof(callers) / sizeof(*callers); i++) {
		unsigned char *fn = dlsym(RTLD_NEXT, callers[i]);

		if (fn >= t.lo && fn < t.hi)
			n = find_callees(&t, fn, sites, n);
	}
	n = sites_unbranched(&t, sites, n);
	sites_patch(&t, sites, n);
}

__attribute__((constructor)) static void patch_libc(void)
{
	sr_patch_libc();
}
