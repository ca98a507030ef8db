// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sandrun-audit.so: the dynamic loader's own syscalls, recorded in-process.
 *
 * The loader opens, stats and closes every library a program needs
 * before any preload's code runs: a dozen ptrace stops a process, most
 * of a build's.  An audit module (LD_AUDIT, rtld-audit(7)) is loaded
 * first, before the loader looks for anything else, and is told of the
 * program and the loader at once (la_objopen), after any audit module of
 * the build's own.  Then it arms the trampoline (rec.h's sr_arm, as
 * sandrun-rec.so would) and rewrites the loader's syscall instructions
 * for the recorded numbers into jumps to the recorder below (sites.c),
 * which makes them through the trampoline and records them in the ring:
 * by mapping the run's cache's image of the loader's code over it, those
 * sites rewritten already (sr_map_image), else in place.
 * When the program's libraries are loaded and relocated (la_activity's
 * LA_ACT_CONSISTENT, before any constructor), the recorder stops, and
 * sandrun-rec.so takes the ring over as its first thread's.  The
 * loader's later calls (dlopen, maybe from several threads) go to
 * sandrun-rec.so's recorder once its constructor has put it in
 * `hand.forward` (the armed page tells it where that is), or stop as
 * before.  And libc's code, if the run's cache has an image of it, is
 * that image (image_libc), whose sites reach the same recorders.
 *
 * It needs no other object, not even the loader (an audit module gets a
 * namespace of its own, where the loader would look each one up again,
 * and a libc there would be a second one loaded): raw syscalls only.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

#include "preload/rec.h"
#include "preload/sites.h"

#define EXPORT __attribute__((visibility("default")))

static struct inproc_ring *ring;
static struct sr_handover hand;	/* sandrun-rec.so's recorder (or NULL),
				 * and whether libc is the cache's image */
static bool started;		/* the loader found (or given up on) */
static bool loading;		/* the program's libraries being loaded */
static long start_time;		/* seconds, when loading started */
static long stat_fd = -1;	/* the fd last opened, and its stat */
static struct stat stat_of;
static uintptr_t rec_base;	/* where sandrun-rec.so is loaded, or 0 */
static bool consistent;		/* the program's libraries all loaded */
static bool preinit;		/* the program has a DT_PREINIT_ARRAY */
static uintptr_t *base_cookie;	/* the program's: its namespace's too */
static long mem = -1;		/* the tracer's fd on this process's memory */

/* An object's code, unwind table and build ID, from its program headers
 * (base: where it is loaded, its ELF header there). */
static bool object_text(uintptr_t base, struct text *t)
{
	const Elf64_Ehdr *eh = (const void *)base;

	if (!base || eh->e_ident[EI_MAG0] != ELFMAG0 || eh->e_ident[EI_MAG1] != ELFMAG1 ||
	    eh->e_ident[EI_MAG2] != ELFMAG2 || eh->e_ident[EI_MAG3] != ELFMAG3 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_phentsize != sizeof(Elf64_Phdr))
		return false;
	return sites_text(t, base, (const void *)(base + eh->e_phoff), eh->e_phnum);
}

/* A free slot, or NULL (the call is made the ordinary way). */
static struct inproc_rec *slot_get(void)
{
	return loading && ring ? sr_slot_free(ring) : NULL;
}

static void slot_put(void)
{
	sr_slot_commit(ring);
}

/* Whether path is sandrun's preload (never digested: not the build's). */
static bool ours(const char *path)
{
	static const char preload[] = INPROC_PRELOAD_PATH;
	size_t i = 0;

	while (i < sizeof(preload) && path[i] == preload[i])
		i++;
	return i == sizeof(preload);
}

/* A read-only open, with the opened file's identity (see rec.c), which
 * the loader's fstat of the fd right after is answered from. */
static long rec_openat(long dirfd, const char *path, long flags, long mode)
{
	struct inproc_rec *s = (flags & INPROC_OPEN_DENY) ? NULL : slot_get();
	long r;

	if (!s || !sr_slot_path(s, SYS_openat, path))
		return sr_sys6(SYS_openat, dirfd, (long)path, flags, mode, 0, 0);
	r = TRAMP(SYS_openat, dirfd, (long)path, flags, mode, 0);
	s->ret = r;
	s->args[0] = (uint64_t)dirfd;
	s->args[1] = s->args[4] = 0;
	s->args[2] = (uint64_t)(unsigned)flags;
	s->args[3] = (uint64_t)mode;
	stat_fd = -1;
	if (r >= 0 && !(flags & O_PATH) &&
	    TRAMP(SYS_newfstatat, r, (long)"", (long)&stat_of, AT_EMPTY_PATH, 0) == 0) {
		sr_slot_stat(s, &stat_of);
		stat_fd = r;
	}
	slot_put();
	/* (the time is the loading's start: it takes milliseconds; and
	 * sandrun's own files are not the build's, never digested) */
	if (s->has_stat && S_ISREG(stat_of.st_mode) && !ours(path) &&
	    sr_recent(&stat_of, start_time))
		sr_request(INPROC_FLUSH, 0);
	return r;
}

/* fstat() in disguise (newfstatat(fd, "", AT_EMPTY_PATH)): not an
 * event; the stat taken at the open if the fd is the one just opened. */
static long fstat_fd(long fd, struct stat *st, long flags)
{
	if (fd == stat_fd && fd >= 0) {
		*st = stat_of;
		return 0;
	}
	return TRAMP(SYS_newfstatat, fd, (long)"", (long)st, flags, 0);
}

/* A probe naming a path (stat_arg: the struct stat's argument, or -1). */
static long rec_path(long nr, const long a[5], const char *path, int stat_arg)
{
	struct inproc_rec *s = slot_get();
	long r;

	if (!s || !sr_slot_path(s, nr, path))
		return sr_sys6(nr, a[0], a[1], a[2], a[3], a[4], 0);
	r = TRAMP(nr, a[0], a[1], a[2], a[3], a[4]);
	s->ret = r;
	for (int i = 0; i < 5; i++)
		s->args[i] = (uint64_t)a[i];
	if (r >= 0 && stat_arg >= 0)
		s->mode = ((const struct stat *)(uintptr_t)a[stat_arg])->st_mode;
	slot_put();
	return r;
}

/* close: the loader closes only what it opened, for reading (a writer's
 * close must stop, see rec.c: the tracer refuses a record of one). */
static long rec_close(long fd)
{
	struct inproc_rec *s = slot_get();
	long r;

	if (fd == stat_fd)
		stat_fd = -1;
	if (!s)
		return sr_sys6(SYS_close, fd, 0, 0, 0, 0, 0);
	s->nr = SYS_close;
	s->has_stat = 0;
	s->pathlen = 0;
	s->path[0] = '\0';
	s->args[0] = (uint64_t)fd;
	s->args[1] = s->args[2] = s->args[3] = s->args[4] = 0;
	r = TRAMP(SYS_close, fd, 0, 0, 0, 0);
	s->ret = r;
	slot_put();
	return r;
}

/* The loader's rewritten syscall instructions land here (sites.c). */
long sr_dispatch(const long *r)
{
	/* r: the syscall number, then r9, r8, r10, rdx, rsi, rdi */
	long nr = r[0], a[5] = { r[6], r[5], r[4], r[3], r[2] };
	const char *path = (const char *)a[1];
	sr_dispatch_fn fwd;

	if (!loading && (fwd = __atomic_load_n(&hand.forward, __ATOMIC_ACQUIRE)) != NULL)
		return fwd(r);
	switch (loading ? nr : -1) {
	case SYS_openat:
		return rec_openat(a[0], path, a[2], a[3]);
	case SYS_newfstatat:
		if (path && !*path && (a[3] & AT_EMPTY_PATH))
			return fstat_fd(a[0], (struct stat *)a[2], a[3]);
		return rec_path(nr, a, path, 2);
	case SYS_stat:
	case SYS_lstat:
		return rec_path(nr, a, (const char *)a[0], 1);
	case SYS_access:
		return rec_path(nr, a, (const char *)a[0], -1);
	case SYS_close:
		return rec_close(a[0]);
	default:
		return sr_sys6(nr, a[0], a[1], a[2], a[3], a[4], r[1]);
	}
}

/* Whether fd is the tracer's fd on this process's own memory: reads
 * what this process holds at probe through it (an answer that is not
 * the tracer's, or another file, reads something else or nothing). */
static bool own_mem(long fd)
{
	static const uint64_t probe = INPROC_KEY;
	uint64_t got = 0;

	return sr_sys6(SYS_pread64, fd, (long)&got, sizeof(got), (long)&probe, 0, 0) ==
	       sizeof(got) && got == probe;
}

/*
 * The tracer's fd on this process's own memory, asked for (INPROC_MEM, a
 * notification) where code is to be rewritten in place: the loader's or
 * libc's when the run's cache has no image of it (sites.h); -1 if none
 * comes, and then for good (asked once).  Closed before the program's
 * code runs (la_activity).
 */
static long mem_asked(void)
{
	static bool asked;
	long r;

	if (asked)
		return -1;
	asked = true;
	r = sr_request(INPROC_MEM, 0);

	if (r < INPROC_YES || r - INPROC_YES > INT32_MAX)
		return -1;
	r -= INPROC_YES;
	return own_mem(r) ? r : -1;
}

EXPORT unsigned int la_version(unsigned int version)
{
	return version < LAV_CURRENT ? version : LAV_CURRENT;
}

/* The loader's calls are recorded from now on, its start's time kept. */
static void loading_starts(void)
{
	struct timespec now;

	if (sr_sys6(SYS_clock_gettime, CLOCK_REALTIME, (long)&now, 0, 0, 0, 0) == 0)
		start_time = now.tv_sec;
	loading = true;
}

/*
 * Right after la_version() the loader reports the program (unnamed),
 * then itself: the first named object is taken for the loader if its
 * code holds the loader's call to this function, else nothing is done
 * (a non-PIE program, at 0, is never read).
 */
static void start(struct link_map *map, const void *caller)
{
	struct site sites[SITES_MAX];
	struct text t = { 0 };
	size_t n;
	bool was;

	if (!map->l_name || !*map->l_name || !object_text(map->l_addr, &t))
		return;
	started = true;
	if ((const unsigned char *)caller < t.lo || (const unsigned char *)caller >= t.hi)
		return;
	/* armed first: a rewritten site must find the trampoline, and the
	 * run's cache of sites is read through it */
	ring = sr_arm(sr_sys6(SYS_gettid, 0, 0, 0, 0, 0, 0), &was, &hand);
	if (!ring)
		return;
	/* The loader's code is the cache's image of it, if the cache has
	 * one (sites.h): one mmap, no page copied (the loader runs on in the
	 * image's bytes, the same but at the sites) */
	if (sr_map_image(&t)) {
		loading_starts();
		return;
	}
	n = sr_sites_cached(&t, sites);
	if (!n)
		n = sites_in_loader(&t, sites);
	if (n) {
		loading_starts();
		/* the tracer's fd on this process's own memory, to write the
		 * loader's code through (sites.c says why; -1 when it gives
		 * none, with ptrace stops) */
		if (mem < 0)
			mem = mem_asked();
		sites_patch(&t, sites, n, mem);
	}
}

/* Whether a dynamic section has a DT_PREINIT_ARRAY: the program's own
 * start before any library's (the sanitizers' runtimes, linked in, start
 * there, and take over functions the preload's start calls). */
static bool has_preinit(const Elf64_Dyn *d)
{
	for (; d && d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_PREINIT_ARRAYSZ && d->d_un.d_val)
			return true;
	return false;
}

/* Whether a name is libc's ("libc.so.6" after its last slash). */
static bool is_libc(const char *name)
{
	static const char libc[] = "libc.so.6";
	const char *base = name;

	for (const char *p = name; *p; p++)
		if (*p == '/')
			base = p + 1;
	for (size_t i = 0; i < sizeof(libc); i++)
		if (base[i] != libc[i])
			return false;
	return true;
}

/*
 * libc, just mapped, before any of its code runs (its relocation's
 * resolvers, its start): the cache's image of it (sites.h), when the
 * cache has one for its build ID, instead of sandrun-rec.so's rewriting
 * its sites one page copy at a time.  Its sites call this library's
 * sr_common (the trampoline's entry word), whose recorder hands them to
 * sandrun-rec.so's once that starts (hand.forward), and makes them the
 * ordinary way until then.
 */
static void image_libc(struct link_map *map)
{
	const Elf64_Ehdr *eh = (const void *)map->l_addr;
	struct text t = { 0 };

	if (!ring || hand.libc_image || !map->l_addr || eh->e_type != ET_DYN ||
	    !object_text(map->l_addr, &t))
		return;
	if (sr_map_image(&t)) {
		sr_outputs_put(&hand);	/* (as the cache just read says) */
		hand.libc_image = 1;
	}
}

EXPORT unsigned int la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	/* the first in the program's namespace: the program (named if the
	 * loader was run as a program) */
	if (!base_cookie && lmid == LM_ID_BASE) {
		preinit = has_preinit(map->l_ld);
		base_cookie = cookie;
	}
	if (!started && lmid == LM_ID_BASE)
		start(map, __builtin_return_address(0));
	else if (!consistent && lmid == LM_ID_BASE && map->l_name && ours(map->l_name))
		rec_base = map->l_addr;
	else if (!consistent && lmid == LM_ID_BASE && map->l_name && is_libc(map->l_name))
		image_libc(map);
	return 0;
}

/* sandrun-rec.so's start (its ELF entry point, rec.c's sr_early), before
 * the constructors of the program's libraries run: loaded in the program's
 * namespace, relocated, and libc's early start made (glibc 2.36 calls
 * la_activity after those), so its code may run as a constructor would. */
static void start_recorder(uintptr_t base)
{
	const Elf64_Ehdr *eh = (const void *)base;
	struct text t = { 0 };
	uintptr_t entry;

	if (!object_text(base, &t) || eh->e_type != ET_DYN || !eh->e_entry)
		return;
	entry = base + eh->e_entry;
	if (entry >= (uintptr_t)t.lo && entry < (uintptr_t)t.hi)
		((void (*)(uint64_t, long, const uint64_t *))entry)(INPROC_KEY, mem,
								     sr_tail_known());
}

EXPORT void la_activity(uintptr_t *cookie, unsigned int flag)
{
	/* (the program's namespace only: a build's own audit module after
	 * this one is loaded in a namespace of its own, and reported too) */
	if (flag != LA_ACT_CONSISTENT || !base_cookie || cookie != base_cookie)
		return;
	loading = false;
	/* (the first time only: the program's start, not a dlopen; libc's
	 * code rewritten through the fd if it is not the cache's image) */
	if (!consistent && rec_base && !preinit) {
		if (mem < 0 && ring && !hand.libc_image)
			mem = mem_asked();
		start_recorder(rec_base);
	}
	/* (not the build's fd: closed unrecorded, before its code runs;
	 * with a notification if the trampoline could not be armed) */
	if (mem >= 0 && ring)
		TRAMP(SYS_close, mem, 0, 0, 0, 0);
	else if (mem >= 0)
		sr_sys6(SYS_close, mem, 0, 0, 0, 0, 0);
	mem = -1;
	consistent = true;
}
