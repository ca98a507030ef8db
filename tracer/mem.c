// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading tracee memory with process_vm_readv (one syscall per chunk). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "lib/util.h"
#include "tracer/tracer.h"

static uint64_t reads;

ssize_t mem_readv(pid_t tid, const struct iovec *local, unsigned long nlocal,
		  const struct iovec *remote, unsigned long nremote)
{
	__atomic_fetch_add(&reads, 1, __ATOMIC_RELAXED);
	return process_vm_readv(tid, local, nlocal, remote, nremote, 0);
}

uint64_t mem_reads(void)
{
	return __atomic_load_n(&reads, __ATOMIC_RELAXED);
}

int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };

	return process_vm_writev(tid, &local, 1, &remote, 1, 0) == (ssize_t)len ? 0 : -1;
}

int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = mem_readv(tid, &local, 1, &remote, 1);

	return n == (ssize_t)len ? 0 : -1;
}

/* A string's first read: what is left of its page and the next one (a
 * path is read whole in one syscall, most of them from a stack buffer:
 * copied out at their length, no large block to allocate and free for
 * each).  A read that runs into an unmapped page stops there (partial,
 * not failed). */
#define FIRST_READ 8192

char *mem_read_string(pid_t tid, uint64_t addr, size_t max)
{
	char first[FIRST_READ + 1], *heap = NULL, *s = first;
	size_t cap = sizeof(first), len = 0;

	if (!addr || !max)
		return NULL;
	while (len < max) {
		size_t want = len ? 4096 : FIRST_READ - ((addr + len) & 4095);
		struct iovec local, remote;
		ssize_t n;
		char *nul;

		if (len + want + 1 > cap) {
			cap = (len + want + 1) * 2;
			heap = heap ? xrealloc(heap, cap) : memcpy(xmalloc(cap), first, len);
			s = heap;
		}
		local = (struct iovec){ s + len, want };
		remote = (struct iovec){ (void *)(uintptr_t)(addr + len), want };
		n = mem_readv(tid, &local, 1, &remote, 1);
		if (n <= 0)
			break;
		nul = memchr(s + len, '\0', (size_t)n);
		if (nul && heap)
			return heap;
		if (nul)
			return memcpy(xmalloc((size_t)(nul - first) + 1), first,
				      (size_t)(nul - first) + 1);
		len += (size_t)n;
		/* (short: the next page is not mapped) */
		if ((size_t)n < want)
			break;
	}
	if (len < max) {	/* no NUL before an unreadable page */
		free(heap);
		return NULL;
	}
	if (!heap)	/* (max <= len here) */
		heap = memcpy(xmalloc(max), first, max);
	heap[max - 1] = '\0';
	return heap;
}

/*
 * At most what execve accepts (a hostile argv must not make the tracer
 * read gigabytes): 4 MiB in all; MAX_ARG_STRLEN (128 KiB) a string.
 */
#define STRV_MAX_BYTES (4u << 20)
#define STR_MAX (1u << 17)

/*
 * An execve's argv and environment are read in batches, not a syscall
 * per pointer and per string: up to a page of pointers at once, then
 * their strings.  Those lie side by side in a few places (the stack, a
 * heap block or two): each such span is read whole, all in one call.
 * Spans too long in all (REGION_MAX) are read as the first STR_FIRST
 * bytes of each string, STRV_BATCH strings a call (never past the page a
 * string starts in, which is mapped if its pointer is good).  The few
 * strings longer than what was read are read on one by one.
 */
#define STRV_PTRS 512
#define STRV_BATCH 64
#define STR_FIRST 256
#define REGION_MAX (256u << 10)
#define SPAN_GAP 4096
#define USER_END (1ull << 57)	/* x86_64's, with 5-level paging */

/* Bytes of the string at addr to read with the others: up to STR_FIRST,
 * not past its page. */
static size_t first_len(uint64_t addr)
{
	size_t page_left = 4096 - (addr & 4095);

	return page_left < STR_FIRST ? page_left : STR_FIRST;
}

/* The string of which have (a prefix read already) are the first n
 * bytes: NUL-terminated there, or read on from addr + n; NULL if that
 * cannot be read. */
static char *string_from(pid_t tid, uint64_t addr, const char *have, size_t n)
{
	const char *nul = memchr(have, '\0', n);
	char *s, *rest;

	if (nul)
		return xstrdup(have);
	rest = mem_read_string(tid, addr + n, STR_MAX - n);
	if (!rest)
		return NULL;
	s = xmalloc(n + strlen(rest) + 1);
	memcpy(s, have, n);
	strcpy(s + n, rest);
	free(rest);
	return s;
}

/* Adds a string to v; false past STRV_MAX_BYTES. */
static bool add_string(char **v, size_t *n, size_t *total, char *s)
{
	v[(*n)++] = s;
	*total += strlen(s) + 1;
	return *total <= STRV_MAX_BYTES;
}

struct str_at {
	uint64_t addr;
	size_t i;		/* its place in argv */
};

static int cmp_addr(const void *a, const void *b)
{
	const struct str_at *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * v[*n...] = the strings at ptrs (k <= STRV_PTRS), read in one call:
 * those close together (SPAN_GAP) as one span each.  A hole in a span
 * stops the read there; the strings from there on are read one by one.
 * -1 (nothing added) if the spans come to more than REGION_MAX; 0 if a
 * string cannot be read or past STRV_MAX_BYTES; 1 when done.
 */
static int read_spans(pid_t tid, const uint64_t *ptrs, size_t k, char **v,
		      size_t *n, size_t *total)
{
	struct str_at by[STRV_PTRS];
	struct iovec remote[STRV_PTRS];
	size_t off[STRV_PTRS], avail[STRV_PTRS];
	size_t nspans = 0, len = 0, span_at = 0;
	uint64_t start = 0, end = 0;
	struct iovec local;
	ssize_t got;
	char *buf;
	int ret = 1;

	for (size_t i = 0; i < k; i++) {
		/* (no user address is that high: the pointers are bad) */
		if (ptrs[i] >= USER_END)
			return -1;
		by[i] = (struct str_at){ ptrs[i], i };
	}
	qsort(by, k, sizeof(*by), cmp_addr);
	for (size_t j = 0; j <= k; j++) {
		uint64_t a = j < k ? by[j].addr : 0, e = j < k ? a + first_len(a) : 0;

		if (j < k && j && a <= end + SPAN_GAP) {
			if (e > end)
				end = e;
		} else {
			if (j) {	/* the span before ends */
				remote[nspans++] = (struct iovec){ (void *)(uintptr_t)start,
								   (size_t)(end - start) };
				len = span_at + (size_t)(end - start);
				if (len > REGION_MAX)
					return -1;
			}
			span_at = len;
			start = a;
			end = e;
		}
		if (j < k)
			off[by[j].i] = span_at + (size_t)(a - start);
	}
	/* (where each string's span ends: what may be searched for its NUL) */
	for (size_t j = 0, sp = 0, at = 0; j < k; j++) {
		while (by[j].addr >= (uint64_t)(uintptr_t)remote[sp].iov_base + remote[sp].iov_len) {
			at += remote[sp].iov_len;
			sp++;
		}
		avail[by[j].i] = at + remote[sp].iov_len - off[by[j].i];
	}
	buf = xmalloc(len);
	local = (struct iovec){ buf, len };
	got = mem_readv(tid, &local, 1, remote, nspans);
	if (got < 0)
		got = 0;
	for (size_t i = 0; i < k && ret; i++) {
		char *str;

		if (off[i] + first_len(ptrs[i]) <= (size_t)got)
			str = string_from(tid, ptrs[i], buf + off[i],
					  off[i] + avail[i] <= (size_t)got ? avail[i] :
					  (size_t)got - off[i]);
		else
			str = mem_read_string(tid, ptrs[i], STR_MAX);
		if (!str || !add_string(v, n, total, str))
			ret = 0;
	}
	free(buf);
	return ret;
}

/* v[*n...] = the strings at ptrs (k <= STRV_BATCH), their first bytes
 * read in one call; false at the first that cannot be read, or past
 * STRV_MAX_BYTES. */
static bool read_batch(pid_t tid, const uint64_t *ptrs, size_t k, char **v,
		       size_t *n, size_t *total)
{
	struct iovec remote[STRV_BATCH] = { 0 }, local;
	char buf[STRV_BATCH * STR_FIRST];
	size_t len[STRV_BATCH], sum = 0, at = 0;
	ssize_t got;

	for (size_t i = 0; i < k; i++) {
		len[i] = first_len(ptrs[i]);
		remote[i] = (struct iovec){ (void *)(uintptr_t)ptrs[i], len[i] };
		sum += len[i];
	}
	local = (struct iovec){ buf, sum };
	got = mem_readv(tid, &local, 1, remote, k);
	if (got < 0)
		got = 0;
	for (size_t i = 0; i < k; at += len[i], i++) {
		/* (the batch stopped short: one by one from here) */
		char *s = (size_t)got >= at + len[i] ?
			  string_from(tid, ptrs[i], buf + at, len[i]) :
			  mem_read_string(tid, ptrs[i], STR_MAX);

		if (!s || !add_string(v, n, total, s))
			return false;
	}
	return true;
}

/* The strings at ptrs: as one span if they can be, else in batches. */
static bool read_strings(pid_t tid, const uint64_t *ptrs, size_t k, char **v,
			 size_t *n, size_t *total)
{
	int r = read_spans(tid, ptrs, k, v, n, total);

	if (r >= 0)
		return r;
	for (size_t i = 0; i < k; i += STRV_BATCH)
		if (!read_batch(tid, ptrs + i, k - i < STRV_BATCH ? k - i : STRV_BATCH,
				v, n, total))
			return false;
	return true;
}

char **mem_read_strv(pid_t tid, uint64_t addr, bool compat)
{
	size_t width = compat ? 4 : 8, n = 0, cap = 0, total = 0;
	char **v = NULL;

	if (!addr)
		return NULL;
	for (bool more = true; more;) {
		uint64_t at = addr + n * width, ptrs[STRV_PTRS];
		unsigned char raw[STRV_PTRS * 8];
		size_t want = STRV_PTRS * width, page_left = 4096 - (at & 4095), k = 0;
		struct iovec local = { raw, 0 }, remote = { (void *)(uintptr_t)at, 0 };
		ssize_t got;

		/* up to the page's end: the array may end there */
		if (want > page_left && page_left >= width)
			want = page_left - page_left % width;
		local.iov_len = remote.iov_len = want;
		got = mem_readv(tid, &local, 1, &remote, 1);
		if (got < (ssize_t)width)
			break;
		for (size_t i = 0; i < (size_t)got / width; i++) {
			uint64_t p = 0;

			memcpy(&p, raw + i * width, width);
			if (!p) {
				more = false;
				break;
			}
			ptrs[k++] = p;
		}
		if (n + k + 1 > cap) {
			cap = (n + k + 1) * 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		if (k && !read_strings(tid, ptrs, k, v, &n, &total))
			more = false;
	}
	if (!v)
		v = xmalloc(sizeof(*v));
	v[n] = NULL;
	return v;
}

/*
 * Two vectors at once (an execve's environment and argv): both arrays'
 * first page of pointers in one call, then all their strings in one more
 * (each is two calls alone).  Where either array goes on past that page,
 * anything cannot be read, or the two are too many or too large for one
 * read, each is read alone, as mem_read_strv reads it.  The first's
 * vector; *second the second's.
 */
char **mem_read_strv2(pid_t tid, uint64_t a, uint64_t b, bool compat, char ***second)
{
	size_t width = compat ? 4 : 8, k[2] = { 0, 0 }, n = 0, total = 0;
	const uint64_t addr[2] = { a, b };
	unsigned char raw[2][STRV_PTRS * 8];
	struct iovec local[2], remote[2];
	uint64_t ptrs[STRV_PTRS];
	char **v = NULL, **w;
	ssize_t want = 0;

	for (int i = 0; i < 2 && a && b; i++) {
		size_t len = STRV_PTRS * width, page_left = 4096 - (addr[i] & 4095);

		if (len > page_left && page_left >= width)
			len = page_left - page_left % width;
		local[i] = (struct iovec){ raw[i], len };
		remote[i] = (struct iovec){ (void *)(uintptr_t)addr[i], len };
		want += (ssize_t)len;
	}
	if (!want || mem_readv(tid, local, 2, remote, 2) != want)
		goto alone;
	for (int i = 0; i < 2; i++) {
		bool ended = false;

		for (size_t j = 0; j < local[i].iov_len / width && !ended; j++) {
			uint64_t p = 0;

			memcpy(&p, raw[i] + j * width, width);
			ended = !p;
			if (!ended && k[0] + k[1] == STRV_PTRS)
				goto alone;
			if (!ended)
				ptrs[k[0] + k[1]] = p, k[i]++;
		}
		if (!ended)
			goto alone;
	}
	v = xmalloc((k[0] + k[1] + 2) * sizeof(*v));
	if (k[0] + k[1] && !read_strings(tid, ptrs, k[0] + k[1], v, &n, &total)) {
		v[n] = NULL;
		event_free_strv(v);
		goto alone;
	}
	w = xmalloc((k[1] + 1) * sizeof(*w));
	memcpy(w, v + k[0], k[1] * sizeof(*w));
	w[k[1]] = NULL;
	v[k[0]] = NULL;
	*second = w;
	return v;
alone:
	*second = mem_read_strv(tid, b, compat);
	return mem_read_strv(tid, a, compat);
}
