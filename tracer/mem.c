// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading tracee memory with process_vm_readv (one syscall per chunk). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "lib/util.h"
#include "tracer/tracer.h"

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
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	return n == (ssize_t)len ? 0 : -1;
}

char *mem_read_string(pid_t tid, uint64_t addr, size_t max)
{
	size_t cap = 256, len = 0;
	char *s;

	if (!addr)
		return NULL;
	s = xmalloc(cap);
	while (len < max) {
		/* Never read across a page boundary in one go: the next
		 * page may be unmapped. */
		size_t page_left = 4096 - ((addr + len) & 4095);
		size_t want = page_left;
		struct iovec local, remote;
		ssize_t n;
		char *nul;

		if (len + want + 1 > cap) {
			cap = (len + want + 1) * 2;
			s = xrealloc(s, cap);
		}
		local = (struct iovec){ s + len, want };
		remote = (struct iovec){ (void *)(uintptr_t)(addr + len), want };
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0) {
			free(s);
			return NULL;
		}
		nul = memchr(s + len, '\0', (size_t)n);
		if (nul)
			return s;
		len += (size_t)n;
	}
	s[max - 1] = '\0';
	return s;
}

/*
 * At most what execve accepts (a hostile argv must not make the tracer
 * read gigabytes): 4 MiB in all; MAX_ARG_STRLEN (128 KiB) a string.
 */
#define STRV_MAX_BYTES (4u << 20)
#define STR_MAX (1u << 17)

/*
 * An execve's argv and environment are read in batches, not a syscall
 * per pointer and per string: up to STRV_BATCH pointers at once, then
 * the first STR_FIRST bytes of each of their strings in one call (never
 * past the page a string starts in, which is mapped if its pointer is
 * good); the few longer strings are read on one by one.
 */
#define STRV_BATCH 64
#define STR_FIRST 256

/* v[*n...] = the strings at ptrs; false at the first that cannot be
 * read, or past STRV_MAX_BYTES. */
static bool read_batch(pid_t tid, const uint64_t *ptrs, size_t k, char **v,
		       size_t *n, size_t *total)
{
	struct iovec remote[STRV_BATCH] = { 0 }, local;
	char buf[STRV_BATCH * STR_FIRST];
	size_t len[STRV_BATCH], sum = 0, at = 0;
	ssize_t got;

	for (size_t i = 0; i < k; i++) {
		size_t page_left = 4096 - (ptrs[i] & 4095);

		len[i] = page_left < STR_FIRST ? page_left : STR_FIRST;
		remote[i] = (struct iovec){ (void *)(uintptr_t)ptrs[i], len[i] };
		sum += len[i];
	}
	local = (struct iovec){ buf, sum };
	got = process_vm_readv(tid, &local, 1, remote, k, 0);
	if (got < 0)
		got = 0;
	for (size_t i = 0; i < k; at += len[i], i++) {
		char *nul = (size_t)got >= at + len[i] ? memchr(buf + at, '\0', len[i]) : NULL;
		char *s;

		if (nul) {
			s = xmalloc((size_t)(nul - (buf + at)) + 1);
			memcpy(s, buf + at, (size_t)(nul - (buf + at)) + 1);
		} else if ((size_t)got >= at + len[i]) {	/* longer: read on */
			char *rest = mem_read_string(tid, ptrs[i] + len[i], STR_MAX - len[i]);

			if (!rest)
				return false;
			s = xmalloc(len[i] + strlen(rest) + 1);
			memcpy(s, buf + at, len[i]);
			strcpy(s + len[i], rest);
			free(rest);
		} else {		/* the batch stopped short: one by one */
			s = mem_read_string(tid, ptrs[i], STR_MAX);
			if (!s)
				return false;
		}
		v[(*n)++] = s;
		*total += strlen(s) + 1;
		if (*total > STRV_MAX_BYTES)
			return false;
	}
	return true;
}

char **mem_read_strv(pid_t tid, uint64_t addr, bool compat)
{
	size_t width = compat ? 4 : 8, n = 0, cap = 0, total = 0;
	char **v = NULL;

	if (!addr)
		return NULL;
	for (bool more = true; more;) {
		uint64_t at = addr + n * width, ptrs[STRV_BATCH];
		unsigned char raw[STRV_BATCH * 8];
		size_t want = STRV_BATCH * width, page_left = 4096 - (at & 4095), k = 0;
		struct iovec local = { raw, 0 }, remote = { (void *)(uintptr_t)at, 0 };
		ssize_t got;

		/* up to the page's end: the array may end there */
		if (want > page_left && page_left >= width)
			want = page_left - page_left % width;
		local.iov_len = remote.iov_len = want;
		got = process_vm_readv(tid, &local, 1, &remote, 1, 0);
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
		if (k && !read_batch(tid, ptrs, k, v, &n, &total))
			more = false;
	}
	if (!v)
		v = xmalloc(sizeof(*v));
	v[n] = NULL;
	return v;
}
