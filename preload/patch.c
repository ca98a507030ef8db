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
 * functions that make the recorded syscalls are rewritten into jumps to
 * the recorder (sites.c; which ones: sites_find.c, or the run's cache of
 * them); when anything does not fit, all of libc is left alone, and its
 * calls stop, as before.
 */
static int find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	if (!info->dlpi_name || !strstr(info->dlpi_name, "/libc.so.6"))
		return 0;
	sites_text(data, info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum);
	return 1;
}

/* libc's own definitions (RTLD_NEXT: after this library); no dlopen,
 * which would start malloc (and its getrandom) early */
static void *libc_sym(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

void sr_patch_libc(long mem)
{
	static bool done;
	struct site sites[SITES_MAX];
	struct text t = { 0 };
	struct sr_handover *hand;
	size_t n;

	/* Rewriting code another thread may be running (or blocked in a
	 * syscall of, returning into the middle of the new jump) is not
	 * safe: only while the process has one thread (which makes the
	 * flag safe too). */
	if (done || !__libc_single_threaded)
		return;
	done = true;
	if (!dl_iterate_phdr(find_libc, &t) || !t.lo)
		return;
	/* (its sites and fork functions rewritten already: the cache's
	 * image, whose thunks reach this library's recorder through
	 * sandrun-audit.so's) */
	hand = sr_handover();
	if (hand && __atomic_load_n(&hand->libc_image, __ATOMIC_ACQUIRE)) {
		sr_outputs_take(hand);
		return;
	}
	n = sr_sites_cached(&t, sites);
	if (!n)
		n = sites_in_libc(&t, libc_sym, sites);
	sites_patch(&t, sites, n, mem);
	sr_patch_forks(&t, libc_sym, mem);
}

__attribute__((constructor)) static void patch_libc(void)
{
	sr_patch_libc(-1);
}
