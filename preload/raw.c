// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What sandrun-rec.so and sandrun-audit.so both do without libc (rec.h):
 * raw syscalls, arming the trampoline, filling a record's slot.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "preload/rec.h"
#include "preload/sites.h"

/* The words at INPROC_TRAMP_RING (tracer/inproc.h). */
#define TAIL_WORDS 4

long sr_sys6(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall" : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

long sr_request(long op, long arg)
{
	return sr_sys6(INPROC_NR, (long)INPROC_KEY, op, arg, 0, 0, 0);
}

/* The page's tail, once this object has found the page armed or armed
 * it, or been told it by the object that armed it (sr_tail_told): what
 * it holds does not change while the program runs (a fork child has the
 * same), so the start's later looks need no syscall. */
static uint64_t known_tail[TAIL_WORDS];
static bool known;

static void remember(const uint64_t tail[TAIL_WORDS])
{
	for (int i = 0; i < TAIL_WORDS; i++)
		known_tail[i] = tail[i];
	__atomic_store_n(&known, true, __ATOMIC_RELEASE);
}

/* Whether the trampoline's page is sandrun's, armed: its code and
 * magic, read with process_vm_readv (a page that is there but unreadable
 * answers EFAULT instead of faulting); its tail (magic, first ring, the
 * ring's thread, the loader's forward slot) in tail[]. */
static bool armed_page(uint64_t tail[TAIL_WORDS])
{
	static const unsigned char code[INPROC_CODE_LEN] = INPROC_CODE;
	unsigned char got[INPROC_CODE_LEN];
	struct iovec local[2] = { { got, sizeof(got) }, { tail, TAIL_WORDS * sizeof(*tail) } };
	struct iovec remote[2] = {
		{ (void *)(uintptr_t)INPROC_TRAMP, sizeof(got) },
		{ (void *)(uintptr_t)(INPROC_TRAMP + INPROC_TRAMP_RING), TAIL_WORDS * sizeof(*tail) },
	};
	long pid;

	if (__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < TAIL_WORDS; i++)
			tail[i] = known_tail[i];
		return true;
	}
	pid = sr_sys6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	if (sr_sys6(SYS_process_vm_readv, pid, (long)local, 2, (long)remote, 2, 0) !=
	    (long)(sizeof(got) + TAIL_WORDS * sizeof(*tail)))
		return false;
	for (size_t i = 0; i < sizeof(code); i++)
		if (got[i] != code[i])
			return false;
	if (tail[0] != INPROC_MAGIC)
		return false;
	remember(tail);
	return true;
}

/*
 * The first ring, right after the trampoline's page: the page is alone
 * in its GiB, and the page-table pages its first touch builds then serve
 * the ring's first pages too (14-20 us of a program's start here); or
 * anywhere, if something is there.  (A mapping that is not executable:
 * the filter lets it by.)
 */
static struct inproc_ring *ring_first(void)
{
	long at = (long)INPROC_TRAMP + 4096;
	struct inproc_ring *r = (void *)sr_sys6(SYS_mmap, at, sizeof(*r), PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
						-1, 0);

	if ((long)r != at) {
		/* (a kernel before 4.17 takes the address for a hint) */
		if ((unsigned long)r < -4096UL)
			sr_sys6(SYS_munmap, (long)r, sizeof(*r), 0, 0, 0, 0);
		return sr_ring_new();
	}
	r->magic = INPROC_MAGIC;
	return r;
}

struct inproc_ring *sr_arm(long tid, bool *was, struct sr_handover *hand)
{
	static const unsigned char code[INPROC_CODE_LEN] = INPROC_CODE;
	uint64_t tail[TAIL_WORDS];
	unsigned char *page;
	struct inproc_ring *r;

	*was = false;
	/* (looked at first only when this object knows it armed: else the
	 * mapping's EEXIST says there is something to look at, and a
	 * program's start, where it is not there yet, makes no syscall for
	 * the look) */
	if (__atomic_load_n(&known, __ATOMIC_ACQUIRE))
		goto armed;
	page = (void *)sr_sys6(SYS_mmap, (long)INPROC_TRAMP, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (page != (void *)(uintptr_t)INPROC_TRAMP) {
		/* (not by another thread: start()'s compare-and-swap lets
		 * one arm; but a mapping not ours may be there) */
		if ((long)page != -EEXIST)
			return NULL;
		goto armed;
	}
	r = ring_first();
	if (!r) {
		sr_sys6(SYS_munmap, (long)page, 4096, 0, 0, 0, 0);
		return NULL;
	}
	for (size_t i = 0; i < sizeof(code); i++)
		page[i] = code[i];
	tail[0] = INPROC_MAGIC;
	tail[1] = (uint64_t)(uintptr_t)r;
	tail[2] = (uint64_t)tid;
	tail[3] = (uint64_t)(uintptr_t)hand;
	/* the code and the rest of the tail before the magic, a store of
	 * its own: the tracer takes a page with the magic for filled */
	__builtin_memcpy(page + INPROC_TRAMP_RING + 8, tail + 1, sizeof(tail) - 8);
	*(uint64_t *)(void *)(page + (INPROC_TRAMP_ENTRY - INPROC_TRAMP)) =
		(uint64_t)(uintptr_t)sr_common;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n((uint64_t *)(void *)(page + INPROC_TRAMP_RING), tail[0], __ATOMIC_RELEASE);
	if (sr_sys6(SYS_mprotect, (long)page, 4096, PROT_READ | PROT_EXEC, 0, 0, 0)) {
		sr_sys6(SYS_munmap, (long)page, 4096, 0, 0, 0, 0);
		sr_sys6(SYS_munmap, (long)r, sizeof(*r), 0, 0, 0, 0);
		return NULL;
	}
	remember(tail);
	return r;
armed:
	/* armed already, in the loader (audit.c): its ring is this
	 * thread's if the loader ran on it */
	if (!armed_page(tail))
		return NULL;
	*was = true;
	return (long)tail[2] == tid ? (struct inproc_ring *)(uintptr_t)tail[1] : NULL;
}

const uint64_t *sr_tail_known(void)
{
	return __atomic_load_n(&known, __ATOMIC_ACQUIRE) ? known_tail : NULL;
}

void sr_tail_told(const uint64_t *tail)
{
	if (tail && tail[0] == INPROC_MAGIC && !__atomic_load_n(&known, __ATOMIC_ACQUIRE))
		remember(tail);
}

/* What the cache's head says of sandrun's own output files. */
static uint32_t noutputs;
static uint64_t output_dev[SITES_OUTPUTS], output_ino[SITES_OUTPUTS];

bool sr_output_file(uint64_t dev, uint64_t ino)
{
	for (uint32_t i = 0; i < noutputs; i++)
		if (output_dev[i] == dev && output_ino[i] == ino)
			return true;
	return false;
}

/* The run's cache's head and entries (sites.h), read through the
 * trampoline into *buf (sandrun's own file, not the build's: no record);
 * their length, or 0.  The output files its head names are kept; with
 * fdp, the file is left open there (when read). */
union cache_buf {
	struct sites_cache_head h;
	unsigned char b[sizeof(struct sites_cache_head) +
			SITES_CACHE_MAX * sizeof(struct sites_cache_entry)];
};

static size_t cache_read(union cache_buf *buf, long *fdp)
{
	uint64_t tail[TAIL_WORDS];
	long fd, len;

	if (!armed_page(tail))
		return 0;
	fd = TRAMP(SYS_openat, AT_FDCWD, (long)INPROC_SITES_PATH, O_RDONLY | O_CLOEXEC, 0, 0);
	if (fd < 0)
		return 0;
	len = sr_sys6(SYS_pread64, fd, (long)buf, sizeof(*buf), 0, 0, 0);
	if (len < (long)sizeof(buf->h) || buf->h.magic != SITES_CACHE_MAGIC) {
		TRAMP(SYS_close, fd, 0, 0, 0, 0);
		return 0;
	}
	noutputs = buf->h.noutputs <= SITES_OUTPUTS ? buf->h.noutputs : 0;
	for (uint32_t i = 0; i < noutputs; i++) {
		output_dev[i] = buf->h.output_dev[i];
		output_ino[i] = buf->h.output_ino[i];
	}
	if (fdp)
		*fdp = fd;
	else
		TRAMP(SYS_close, fd, 0, 0, 0, 0);
	return (size_t)len;
}

size_t sr_sites_cached(const struct text *t, struct site *sites)
{
	union cache_buf buf;
	size_t len;

	if (!t->id || !(len = cache_read(&buf, NULL)))
		return 0;
	return sites_cache_get(&buf, len, t, sites);
}

void sr_outputs_put(struct sr_handover *hand)
{
	hand->noutputs = noutputs;
	for (uint32_t i = 0; i < noutputs; i++) {
		hand->output_dev[i] = output_dev[i];
		hand->output_ino[i] = output_ino[i];
	}
}

void sr_outputs_take(const struct sr_handover *hand)
{
	noutputs = hand->noutputs <= SITES_OUTPUTS ? (uint32_t)hand->noutputs : 0;
	for (uint32_t i = 0; i < noutputs; i++) {
		output_dev[i] = hand->output_dev[i];
		output_ino[i] = hand->output_ino[i];
	}
}

/*
 * The image over the text's pages, from the cache file, whose size says
 * the image is all there (a mapping past a file's end faults when run).
 * MAP_FIXED: the same bytes but for the sites and the slack, before any
 * of them runs.  (What can refuse it, a noexec mount, the file's mode, a
 * seal, does so before the text's old mapping is touched; only running
 * out of memory or of mappings can fail it after, as it would a mapping
 * made elsewhere and moved over with mremap.)
 */
bool sr_map_image(const struct text *t)
{
	union cache_buf buf;
	uint64_t at, tail[TAIL_WORDS];
	size_t len, pages = sites_pages(t);
	long fd = -1;
	struct stat st;
	bool done = false;

	if (!t->id || !armed_page(tail) || tail[3] == 0 || !(len = cache_read(&buf, &fd)))
		return false;
	at = sites_cache_image(&buf, len, t);
	if (at && TRAMP(SYS_newfstatat, fd, (long)"", (long)&st, AT_EMPTY_PATH, 0) == 0 &&
	    st.st_size >= 0 && (uint64_t)st.st_size >= at + pages * 4096) {
		uintptr_t lo = (uintptr_t)t->lo & ~4095UL;
		long r = sr_sys6(SYS_mmap, (long)lo, (long)(pages * 4096), PROT_READ | PROT_EXEC,
				 MAP_PRIVATE | MAP_FIXED, fd, (long)at);

		done = r == (long)lo;
	}
	TRAMP(SYS_close, fd, 0, 0, 0, 0);
	return done;
}

struct sr_handover *sr_handover(void)
{
	uint64_t tail[TAIL_WORDS];

	/* (sandrun-audit.so's, aligned; 0 where sandrun-rec.so armed the
	 * page) */
	return armed_page(tail) && !(tail[3] % sizeof(uint64_t)) ?
	       (struct sr_handover *)(uintptr_t)tail[3] : NULL;
}

/*
 * A ring's pages are faulted in as its slots are first written: a
 * process pays for the records it makes, not for the ring's size.
 * (MADV_POPULATE_WRITE in chunks of 128 slots cost as much a page as the
 * faults, ~2.5 us, and a program that only starts, ~20 records in 3
 * pages, paid for 16.)
 */
struct inproc_ring *sr_ring_new(void)
{
	struct inproc_ring *r = (void *)sr_sys6(SYS_mmap, 0, sizeof(*r), PROT_READ | PROT_WRITE,
						MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if ((unsigned long)r > -4096UL)
		return NULL;
	r->magic = INPROC_MAGIC;
	return r;
}

/* Room for the largest record (and a pad before it, at the ring's end). */
static bool room(struct inproc_ring *r, uint32_t need)
{
	return r->used + need - __atomic_load_n(&r->done, __ATOMIC_ACQUIRE) <= INPROC_UNITS;
}

struct inproc_rec *sr_slot_free(struct inproc_ring *r)
{
	uint32_t at = r->used % INPROC_UNITS, tail = INPROC_UNITS - at;
	uint32_t need = INPROC_SLOT / INPROC_UNIT + (tail < INPROC_SLOT / INPROC_UNIT ? tail : 0);
	struct inproc_rec *pad;

	if (!room(r, need)) {
		sr_request(INPROC_FLUSH, 0);	/* full: the tracer reads it */
		if (!room(r, need))
			return NULL;
	}
	if (need > INPROC_SLOT / INPROC_UNIT) {	/* the record goes at the start */
		pad = (struct inproc_rec *)(void *)r->unit[at];
		pad->nr = INPROC_PAD;
		pad->has_stat = tail;
		__atomic_store_n(&r->used, r->used + tail, __ATOMIC_RELEASE);
		at = 0;
	}
	return (struct inproc_rec *)(void *)r->unit[at];
}

void sr_slot_commit(struct inproc_ring *r)
{
	const struct inproc_rec *s = (const void *)r->unit[r->used % INPROC_UNITS];
	uint32_t len = s->pathlen < sizeof(s->path) ? s->pathlen : sizeof(s->path) - 1;

	__atomic_store_n(&r->used, r->used + inproc_units(len), __ATOMIC_RELEASE);
}

/* (no string functions: this runs inside libc's and the loader's own
 * code too, see sites.c, where SSE registers must survive) */
bool sr_slot_path(struct inproc_rec *s, long nr, const char *path)
{
	size_t n = 0;

	if (!path)
		return false;
	while (n < sizeof(s->path) && path[n]) {
		s->path[n] = path[n];
		n++;
	}
	if (n == sizeof(s->path))
		return false;
	s->path[n] = '\0';
	s->pathlen = (uint32_t)n;
	s->nr = (uint32_t)nr;
	s->has_stat = 0;
	s->mode = 0;
	return true;
}

void sr_slot_stat(struct inproc_rec *s, const struct stat *st)
{
	s->has_stat = 1;
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = (uint64_t)st->st_size;
	s->mtime = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
	s->ctime = (int64_t)st->st_ctim.tv_sec * 1000000000 + st->st_ctim.tv_nsec;
	s->mode = st->st_mode;
}

bool sr_recent(const struct stat *st, long now)
{
	return st->st_mtim.tv_sec >= now - 3 || st->st_ctim.tv_sec >= now - 3;
}
