// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding the syscall instructions to rewrite (sites.h): in a library's
 * code, as loaded, or in the cache of them sandrun finds once a run.
 *
 * Each syscall instruction that is loaded with one of the recorded
 * numbers and followed by one of the result checks glibc's syscall
 * macros emit is a site, unless it is a cancellation point's or a branch
 * might land inside of it.  Compiled into both preloaded libraries and
 * into sandrun itself, which finds its own libc's and loader's sites for
 * the cache (runner/sitecache.c): nothing of libc here.
 */
#include <elf.h>
#include <emmintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>

#include "preload/sites.h"
#include "tracer/inproc.h"

#define NEAR 1024	/* how far a branch into a site is looked for */
#define FUNC 512	/* how far into a function its syscall is looked for */

const struct check sites_checks[SITES_CHECKS] = {
	{ 6, { 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff } },	/* cmp $-4096,%rax */
	{ 6, { 0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff } },	/* cmp $-4095,%rax */
	{ 5, { 0x3d, 0x00, 0xf0, 0xff, 0xff } },	/* cmp $-4096,%eax */
};

static bool recorded_nr(long nr)
{
	switch (nr) {
	case SYS_openat:
	case SYS_newfstatat:
	case SYS_stat:
	case SYS_lstat:
	case SYS_statx:
	case SYS_access:
	case SYS_faccessat:
	case SYS_faccessat2:
	case SYS_readlink:
	case SYS_readlinkat:
	case SYS_statfs:
	case SYS_close:
	case SYS_fcntl:
	case SYS_dup:
	case SYS_dup2:
	case SYS_dup3:
	case SYS_getrandom:
	case SYS_getdents64:
	case SYS_clone:		/* _Fork's: rec.c's rec_fork */
		return true;
	default:
		return inproc_notified_nr(nr);
	}
}

/* The number the closest `mov $imm32,%eax` before the syscall (and
 * after lo) loads. */
static long loaded_nr(const unsigned char *lo, const unsigned char *sc)
{
	for (const unsigned char *q = sc - 5; q >= sc - 48 && q >= lo; q--)
		if (q[0] == 0xb8 && q[3] == 0 && q[4] == 0)
			return q[1] | q[2] << 8;
	return -1;
}

static int32_t rel32(const unsigned char *q)
{
	int32_t v;

	__builtin_memcpy(&v, q, sizeof(v));
	return v;
}

/* Whether the n bytes at p are b's (no libc here: see audit.c). */
static bool bytes_at(const unsigned char *p, const unsigned char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != b[i])
			return false;
	return true;
}

/* The check after a syscall instruction, or NULL. */
static const struct check *check_at(const unsigned char *q)
{
	for (size_t k = 0; k < SITES_CHECKS; k++)
		if (bytes_at(q, sites_checks[k].b, sites_checks[k].len))
			return &sites_checks[k];
	return NULL;
}

/*
 * Whether the site is a cancellation point's: glibc makes those syscalls
 * with asynchronous cancellation on, right after a call that turns it on,
 * and a cancel there unwinds through the caller's frames, which the thunk
 * would hide from the unwinder.  Any call shortly before the syscall
 * counts (at worst a safe site is left alone).
 */
static bool cancellable(const struct text *t, const unsigned char *lo,
			const unsigned char *sc)
{
	for (const unsigned char *q = sc - 5; q >= sc - 48 && q >= lo; q--) {
		const unsigned char *to = q + 5 + rel32(q + 1);

		if (q[0] == 0xe8 && to >= t->lo && to < t->hi)
			return true;
	}
	return false;
}

/* The site at q (a syscall instruction in the function starting at fn)
 * added to sites[] if it is one to rewrite; the new count.  What comes
 * before a site is looked at back to the function's start, not into the
 * function before it: compiled code does not run on from one function
 * into the next (there, the bytes of a call to __stack_chk_fail made
 * __close()'s single-threaded close look like a cancellation point). */
static size_t add_site(const struct text *t, const unsigned char *fn, unsigned char *q,
		       struct site *sites, size_t n)
{
	const struct check *c = check_at(q + 2);

	if (!c || n >= SITES_MAX || !recorded_nr(loaded_nr(fn, q)) || cancellable(t, fn, q))
		return n;
	for (size_t i = 0; i < n; i++)
		if (sites[i].at == q)
			return n;
	sites[n] = (struct site){ q, c };
	return n + 1;
}

/* Of sixteen bytes, those that begin a syscall instruction (0f 05; bit
 * i: q[i]); reads seventeen. */
static unsigned syscall_mask(const unsigned char *q)
{
	__m128i a = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(q + 1));

	return (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, _mm_set1_epi8(0x0f)),
							 _mm_cmpeq_epi8(b, _mm_set1_epi8(0x05))));
}

/* The sites in one function's first bytes (fn: an exported function's
 * start, or one found by a call) added to sites[]; the new count. */
static size_t sites_in_function(const struct text *t, unsigned char *fn,
				struct site *sites, size_t n)
{
	unsigned char *end = fn + FUNC < t->hi - 8 ? fn + FUNC : t->hi - 8;
	unsigned char *q;

	for (q = fn; q + 17 <= end; q += 16)
		for (unsigned m = syscall_mask(q); m; m &= m - 1)
			n = add_site(t, fn, q + __builtin_ctz(m), sites, n);
	for (; q < end; q++)
		if (q[0] == 0x0f && q[1] == 0x05)
			n = add_site(t, fn, q, sites, n);
	return n;
}

/*
 * The unwind table: libc's and the loader's .eh_frame_hdr hold a table
 * of every function's start, sorted for the unwinder's binary search
 * (version 1, the table's entries 32-bit offsets from the header, as
 * binutils writes it for x86_64).  Its length, or 0 if it is not one.
 */
static uint32_t table_len(const struct text *t)
{
	const unsigned char *h = t->eh;
	uint32_t count;

	if (!h || t->eh_len < 12 || h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 ||
	    h[3] != 0x3b)
		return 0;
	__builtin_memcpy(&count, h + 8, sizeof(count));
	return count > (t->eh_len - 12) / 8 ? 0 : count;	/* longer than its segment */
}

static const unsigned char *table_at(const struct text *t, uint32_t i)
{
	int32_t at;

	__builtin_memcpy(&at, t->eh + 12 + (size_t)i * 8, sizeof(at));
	return t->eh + at;
}

/* The entry of the last function starting at or before p, or count. */
static uint32_t table_find(const struct text *t, uint32_t count, const unsigned char *p)
{
	uint32_t lo = 0, hi = count;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (table_at(t, mid) <= p)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : count;
}

/* Whether a function starts at p, by the unwind table. */
static bool sites_function_start(const struct text *t, const unsigned char *p)
{
	uint32_t count = table_len(t), i = table_find(t, count, p);

	return i < count && table_at(t, i) == p;
}

/* The same for every function of the text (the unwind table tells where
 * each starts); without the table, none. */
static size_t sites_in_text(const struct text *t, struct site *sites, size_t n)
{
	uint32_t count = table_len(t);

	if (!count || t->hi - t->lo < 64)
		return n;
	/* sixteen bytes at a time, the last few one at a time */
	for (unsigned char *q = t->lo; q < t->hi - 8;) {
		bool wide = q + 17 <= t->hi - 8;
		unsigned m = wide ? syscall_mask(q) : (q[0] == 0x0f && q[1] == 0x05);

		for (; m; m &= m - 1) {
			unsigned char *sc = q + __builtin_ctz(m);
			uint32_t f = table_find(t, count, sc);

			if (f < count && table_at(t, f) >= t->lo)
				n = add_site(t, table_at(t, f), sc, sites, n);
		}
		q += wide ? 16 : 1;
	}
	return n;
}

/* The address a jump or call at q lands on, or NULL. */
static const unsigned char *branch_to(const unsigned char *q)
{
	unsigned char b = q[0];

	if (b == 0xeb || (unsigned char)(b - 0x70) < 16)
		return q + 2 + (int8_t)q[1];
	if (b == 0xe9 || b == 0xe8)
		return q + 5 + rel32(q + 1);
	if (b == 0x0f && (unsigned char)(q[1] - 0x80) < 16)
		return q + 6 + rel32(q + 2);
	return NULL;
}

/* Of sixteen bytes, those that may begin a jump or call (bit i: q[i]):
 * 70-7f, eb, e9, e8, and 0f (80-8f after it is left to branch_to). */
static unsigned branch_mask(const unsigned char *q)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
	__m128i m = _mm_cmpeq_epi8(_mm_and_si128(v, _mm_set1_epi8((char)0xf0)),
				   _mm_set1_epi8(0x70));

	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xeb)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xe9)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8((char)0xe8)));
	m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x0f)));
	return (unsigned)_mm_movemask_epi8(m);
}

/* If the bytes at q read as a jump or call onto a site's check, that
 * site is hit (sites sorted). */
static void mark(const struct site *sites, size_t n, bool *hit, const unsigned char *q)
{
	const unsigned char *to = branch_to(q);
	size_t a = 0, b = n;

	if (!to)
		return;
	while (a < b) {
		size_t mid = a + (b - a) / 2;

		if (sites[mid].at + 2 < to)
			a = mid + 1;
		else
			b = mid;
	}
	if (a < n && sites[a].at + 2 == to)
		hit[a] = true;
}

/*
 * Whether any byte near a site, read as a jump or call, lands on a site's
 * check (the one instruction boundary inside it): then rewriting it could
 * break that path.  Bytes that only look like a jump make this skip a
 * site that was safe, never the other way round.  The sites are sorted,
 * and the bytes within NEAR of any of them read once.
 */
static size_t sites_unbranched(const struct text *t, struct site *sites, size_t n)
{
	bool hit[SITES_MAX] = { false };
	const unsigned char *done = t->lo;
	size_t out = 0;

	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sites[j - 1].at > sites[j].at; j--) {
			struct site s = sites[j];

			sites[j] = sites[j - 1];
			sites[j - 1] = s;
		}
	for (size_t i = 0; i < n; i++) {
		const unsigned char *lo = sites[i].at - NEAR > t->lo ? sites[i].at - NEAR : t->lo;
		const unsigned char *hi = sites[i].at + NEAR < t->hi - 6 ? sites[i].at + NEAR :
									   t->hi - 6;
		const unsigned char *q = lo > done ? lo : done;

		for (; q + 16 <= hi; q += 16)
			for (unsigned m = branch_mask(q); m; m &= m - 1)
				mark(sites, n, hit, q + __builtin_ctz(m));
		for (; q < hi; q++)
			mark(sites, n, hit, q);
		if (hi > done)
			done = hi;
	}
	for (size_t i = 0; i < n; i++)
		if (!hit[i])
			sites[out++] = sites[i];
	return out;
}


/* The GNU build ID in a note segment (len bytes at p), into t. */
static void build_id(struct text *t, const unsigned char *p, size_t len)
{
	while (len >= 12) {
		uint32_t w[3];
		size_t name, desc;

		__builtin_memcpy(w, p, sizeof(w));
		name = ((size_t)w[0] + 3) & ~(size_t)3;
		desc = ((size_t)w[1] + 3) & ~(size_t)3;
		if (name > len - 12 || desc > len - 12 - name)
			return;
		if (w[2] == NT_GNU_BUILD_ID && w[0] == 4 && p[12] == 'G' && p[13] == 'N' &&
		    p[14] == 'U' && p[15] == '\0' && w[1] && w[1] <= SITES_ID_MAX) {
			t->id = p + 12 + name;
			t->id_len = w[1];
			return;
		}
		p += 12 + name + desc;
		len -= 12 + name + desc;
	}
}

bool sites_text(struct text *t, uintptr_t base, const Elf64_Phdr *ph, size_t phnum)
{
	*t = (struct text){ 0 };
	for (size_t i = 0; i < phnum; i++) {
		if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && !t->lo) {
			t->lo = (unsigned char *)(base + ph[i].p_vaddr);
			t->hi = t->lo + ph[i].p_memsz;
		} else if (ph[i].p_type == PT_GNU_EH_FRAME) {
			t->eh = (const unsigned char *)(base + ph[i].p_vaddr);
			t->eh_len = ph[i].p_memsz;
		} else if (ph[i].p_type == PT_NOTE && !t->id) {
			build_id(t, (const unsigned char *)(base + ph[i].p_vaddr), ph[i].p_memsz);
		}
	}
	return t->lo != NULL;
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
		const unsigned char *to;

		if (q[0] != 0xe8)
			continue;
		to = q + 5 + rel32(q + 1);
		if (to <= t->lo || to >= t->hi - 8 || !sites_function_start(t, to))
			continue;
		n = sites_in_function(t, (unsigned char *)(uintptr_t)to, sites, n);
	}
	return n;
}

/* libc's functions that make the recorded syscalls (glibc 2.36 on x86_64,
 * found by their exported names; others may have them elsewhere, and
 * those calls stop as before).  Not the pre-2.33 stat ABI (__xstat,
 * __lxstat, __fxstatat): libc itself never calls it, and a program's
 * calls reach rec.c's own: rewriting their page would only cost a copy
 * of it in every process. */
static const char *const libc_funcs[] = {
	"__open64_nocancel", "__open", "openat", "__close_nocancel", "__close",
	"fstatat", "statx", "access", "faccessat", "readlink", "readlinkat", "__libc_fcntl64",
	"dup", "__dup2", "dup3", "getrandom", "execve", "getdents64", "_Fork",
};

/* Those whose callees are looked into too (see find_callees). */
static const char *const libc_callers[] = { "__libc_fcntl64" };

size_t sites_in_libc(const struct text *t, void *(*sym)(const char *name),
		     struct site *sites)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(libc_funcs) / sizeof(*libc_funcs); i++) {
		unsigned char *fn = sym(libc_funcs[i]);

		if (fn >= t->lo && fn < t->hi)
			n = sites_in_function(t, fn, sites, n);
	}
	for (size_t i = 0; i < sizeof(libc_callers) / sizeof(*libc_callers); i++) {
		unsigned char *fn = sym(libc_callers[i]);

		if (fn >= t->lo && fn < t->hi)
			n = find_callees(t, fn, sites, n);
	}
	return sites_unbranched(t, sites, n);
}

size_t sites_in_loader(const struct text *t, struct site *sites)
{
	return sites_unbranched(t, sites, sites_in_text(t, sites, 0));
}

long sites_nr(const struct text *t, const struct site *s)
{
	return loaded_nr(t->lo, s->at);
}

/*
 * The loader's fstat(fd, st) is its newfstatat(fd, "", st, AT_EMPTY_PATH)
 * with an "" of its own: in glibc 2.36's, code that sets the flags and
 * the path and jumps to the block its stat, lstat and fstat share (mov
 * %ecx,%r10d; mov $SYS_newfstatat,%eax; syscall):
 *   mov $AT_EMPTY_PATH,%ecx; lea ""(%rip),%rsi; jmp block
 * The "" of the one such jump to site s's block, or NULL if there is
 * none, or more than one (other code, or another glibc: unknown).
 */
const unsigned char *sites_loader_empty(const struct text *t, const struct site *s)
{
	static const unsigned char block[] = { 0x41, 0x89, 0xca, 0xb8, 0x06, 0x01, 0x00, 0x00,
					       0x0f, 0x05 };
	static const unsigned char flags[] = { 0xb9, 0x00, 0x10, 0x00, 0x00 };
	static const unsigned char lea[] = { 0x48, 0x8d, 0x35 };
	const unsigned char *start = s->at - 8, *found = NULL;

	_Static_assert(SYS_newfstatat == 0x106, "the block's syscall number");
	if (start < t->lo || start + sizeof(block) > t->hi || !bytes_at(start, block, sizeof(block)))
		return NULL;
	for (const unsigned char *q = t->lo; q + 17 <= t->hi; q++) {
		const unsigned char *empty;

		if (q[12] != 0xe9 || q + 17 + rel32(q + 13) != start || !bytes_at(q, flags, 5) ||
		    !bytes_at(q + 5, lea, sizeof(lea)))
			continue;
		empty = q + 12 + rel32(q + 8);
		if (found && found != empty)
			return NULL;
		found = empty;
	}
	return found;
}

static bool entry_for(const struct sites_cache_entry *e, const struct text *t)
{
	if (!t->id || t->id_len > SITES_ID_MAX || e->id_len != t->id_len ||
	    e->text_len != (size_t)(t->hi - t->lo) || e->n > SITES_MAX)
		return false;
	return bytes_at(e->id, t->id, t->id_len);
}

uint64_t sites_cache_image(const void *buf, size_t len, const struct text *t)
{
	const struct sites_cache_head *h = buf;
	const struct sites_cache_entry *e = (const void *)(h + 1);

	if (len < sizeof(*h) || h->magic != SITES_CACHE_MAGIC || h->count > SITES_CACHE_MAX ||
	    len < sizeof(*h) + h->count * sizeof(*e))
		return 0;
	for (uint32_t k = 0; k < h->count; k++)
		if (entry_for(&e[k], t))
			return (uint64_t)e[k].image_page * 4096;
	return 0;
}

size_t sites_jump(const struct site *s, const unsigned char *to, unsigned char b[8])
{
	int32_t rel = (int32_t)(to - (s->at + 5));

	b[0] = 0xe9;
	__builtin_memcpy(b + 1, &rel, sizeof(rel));
	if (s->check->len == 6) {
		b[5] = 0x0f, b[6] = 0x1f, b[7] = 0x00;	/* nopl (%rax) */
	} else {
		b[5] = 0x66, b[6] = 0x90;		/* xchg %ax,%ax */
	}
	return 2 + s->check->len;
}

/*
 * lea -0x80(%rsp),%rsp; call common; lea 0x80(%rsp),%rsp; the site's
 * check; jmp to after the site.  (What sites.c's thunks do, with nothing
 * of one process in it: common, in the same slack, jumps to the
 * trampoline's word, which says where sr_common is.)
 */
size_t sites_thunk(const struct site *s, unsigned char *at, const unsigned char *common,
		   unsigned char b[SITES_THUNK_MAX])
{
	static const unsigned char down[] = { 0x48, 0x8d, 0x64, 0x24, 0x80 };
	static const unsigned char up[] = { 0x48, 0x8d, 0xa4, 0x24, 0x80, 0, 0, 0 };
	const unsigned char *back = s->at + 2 + s->check->len;
	size_t n = 0;
	int32_t rel;

	__builtin_memcpy(b, down, sizeof(down));
	n += sizeof(down);
	b[n] = 0xe8;
	rel = (int32_t)(common - (at + n + 5));
	__builtin_memcpy(b + n + 1, &rel, sizeof(rel));
	n += 5;
	__builtin_memcpy(b + n, up, sizeof(up));
	n += sizeof(up);
	for (size_t i = 0; i < s->check->len; i++)
		b[n++] = s->check->b[i];
	b[n] = 0xe9;
	rel = (int32_t)(back - (at + n + 5));
	__builtin_memcpy(b + n + 1, &rel, sizeof(rel));
	return n + 5;
}

/* vfork(): pop %rdi; mov $58,%eax; syscall; push %rdi (its return
 * address kept off the stack its child runs on).  __clone: its syscall
 * some way in, after the arguments are moved. */
void sites_forks(const struct text *t, void *(*sym)(const char *name), struct fork_sites *f)
{
	static const unsigned char vfork_code[] = { 0x5f, 0xb8, 0x3a, 0, 0, 0, 0x0f, 0x05, 0x57 };
	static const unsigned char clone_call[] = { 0xb8, 0x38, 0, 0, 0, 0x0f, 0x05,
						     0x48, 0x85, 0xc0 };
	unsigned char *v = sym("__vfork"), *c = sym("__clone");

	f->vfork = f->clone = NULL;
	if (v && v >= t->lo && v + sizeof(vfork_code) <= t->hi &&
	    bytes_at(v, vfork_code, sizeof(vfork_code)))
		f->vfork = v + 1;
	for (int i = 0; c && c >= t->lo && c + 64 + sizeof(clone_call) <= t->hi && i < 64; i++)
		if (bytes_at(c + i, clone_call, sizeof(clone_call))) {
			f->clone = c + i;
			break;
		}
}

/*
 * vfork: mov %rdi,%r9; mov $0x6111,%edi (CLONE_VM | CLONE_VFORK |
 * CLONE_PTRACE | SIGCHLD); xor %esi,%esi; mov $56,%eax; syscall;
 * mov %r9,%rdi.  clone: test $0x4000,%edi (CLONE_VFORK); jz 1f;
 * or $0x2000,%rdi (CLONE_PTRACE); 1: mov $56,%eax; syscall.  Then a jump
 * back, past the site.  No stack: the child runs on the caller's.
 */
size_t sites_fork_thunk(bool vfork, const unsigned char *site, unsigned char *at,
			unsigned char b[SITES_THUNK_MAX])
{
	static const unsigned char v[] = { 0x49, 0x89, 0xf9, 0xbf, 0x11, 0x61, 0, 0, 0x31, 0xf6,
					   0xb8, 0x38, 0, 0, 0, 0x0f, 0x05, 0x4c, 0x89, 0xcf };
	static const unsigned char c[] = { 0xf7, 0xc7, 0, 0x40, 0, 0, 0x74, 0x07, 0x48, 0x81,
					   0xcf, 0, 0x20, 0, 0, 0xb8, 0x38, 0, 0, 0, 0x0f, 0x05 };
	size_t n = vfork ? sizeof(v) : sizeof(c);
	int32_t rel = (int32_t)(site + 7 - (at + n + 5));

	__builtin_memcpy(b, vfork ? v : c, n);
	b[n] = 0xe9;
	__builtin_memcpy(b + n + 1, &rel, sizeof(rel));
	return n + 5;
}

/* movabs $INPROC_TRAMP_ENTRY,%r11; jmp *(%r11) */
void sites_common(unsigned char b[SITES_COMMON_LEN])
{
	uint64_t entry = INPROC_TRAMP_ENTRY;

	b[0] = 0x49, b[1] = 0xbb;
	__builtin_memcpy(b + 2, &entry, sizeof(entry));
	b[10] = 0x41, b[11] = 0xff, b[12] = 0x23;
}

size_t sites_cache_get(const void *buf, size_t len, const struct text *t,
		       struct site *sites)
{
	const struct sites_cache_head *h = buf;
	const struct sites_cache_entry *e = (const void *)(h + 1);

	if (len < sizeof(*h) || h->magic != SITES_CACHE_MAGIC || h->count > SITES_CACHE_MAX ||
	    len < sizeof(*h) + h->count * sizeof(*e))
		return 0;
	for (uint32_t k = 0; k < h->count; k++) {
		if (!entry_for(&e[k], t))
			continue;
		/* sorted, each whole within the text, and a syscall
		 * instruction followed by its check there (these bytes are
		 * rewritten: a stale or edited cache must not say where) */
		for (uint32_t i = 0; i < e[k].n; i++) {
			uint32_t off = e[k].site[i] >> 2, c = e[k].site[i] & 3;
			const unsigned char *q = t->lo + off;

			if (c >= SITES_CHECKS || (i && q <= sites[i - 1].at) ||
			    (size_t)off + 2 + sites_checks[c].len > e[k].text_len ||
			    q[0] != 0x0f || q[1] != 0x05 || check_at(q + 2) != &sites_checks[c])
				return 0;
			sites[i] = (struct site){ t->lo + off, &sites_checks[c] };
		}
		return e[k].n;
	}
	return 0;
}
