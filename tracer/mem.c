// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading tracee memory with process_vm_readv (one syscall per chunk). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "lib/util.h"
#include "tracer/tracer.h"

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

char **mem_read_strv(pid_t tid, uint64_t addr, bool compat)
{
	size_t width = compat ? 4 : 8, n = 0, cap = 16, total = 0;
	char **v;

	if (!addr)
		return NULL;
	v = xcalloc(cap, sizeof(*v));
	for (;;) {
		uint64_t p = 0;

		if (mem_read(tid, addr + n * width, &p, width) < 0 || !p)
			break;
		if (n + 2 > cap) {
			cap *= 2;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[n] = mem_read_string(tid, p, 1 << 17);
		if (!v[n])
			break;
		total += strlen(v[n]) + 1;
		n++;
		if (total > STRV_MAX_BYTES)
			break;
	}
	v[n] = NULL;
	return v;
}
