// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a call passes by pointer, read from the tracee's memory for
 * decode.c: socket addresses (connect, bind, sendto; sendmsg and
 * sendmmsg's message headers, with 32-bit pointers from the compat
 * entries), i386's old mmap's arguments, and an xattr change's name and
 * value.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <linux/limits.h>

#include "lib/digest.h"
#include "lib/util.h"
#include "tracer/decode_priv.h"
#include "tracer/syscalls.h"
#include "tracer/tracer.h"

void sockaddr_text(struct task *task, uint64_t addr, uint64_t len,
			  struct event *ev)
{
	struct sockaddr_storage ss = { 0 };
	char buf[INET6_ADDRSTRLEN + 16], ip[INET6_ADDRSTRLEN];

	if (!addr || len < sizeof(sa_family_t))
		return;
	if (len > sizeof(ss))
		len = sizeof(ss);
	if (mem_read(task->tid, addr, &ss, len) < 0)
		return;
	ev->aux = ss.ss_family;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s:%u", ip, ntohs(in->sin_port));
		ev->path = xstrdup(buf);
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "[%s]:%u", ip, ntohs(in6->sin6_port));
		ev->path = xstrdup(buf);
	} else if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *un = (const void *)&ss;
		size_t n = len - offsetof(struct sockaddr_un, sun_path);

		if (n > 0 && un->sun_path[0] == '\0')
			ev->path = xasprintf("@%.*s", (int)(n - 1), un->sun_path + 1);
		else if (n > 0)
			ev->path = strndup(un->sun_path, strnlen(un->sun_path, n));
	}
}

/* sendmsg and sendmmsg: the first message with an address; nothing to
 * record (false) for a connected socket's messages. */
bool msghdr_addr(struct task *task, struct event *ev)
{
	const struct pending *p = &task->pend;
	unsigned n = p->desc->aux2 >= 0 ? (unsigned)p->args[p->desc->aux2] : 1;
	bool c32 = compat_layout(p);

	for (unsigned i = 0; i < n && i < 64; i++) {
		/* struct msghdr: msg_name, msg_namelen first; an mmsghdr is 64
		 * bytes, 32 with 32-bit pointers (compat_mmsghdr) */
		struct { uint64_t name; uint32_t len; } h;
		struct { uint32_t name, len; } h32;

		if (c32) {
			if (mem_read(task->tid, p->args[1] + (uint64_t)i * 32, &h32,
				     sizeof(h32)) < 0)
				return false;
			h.name = h32.name;
			h.len = h32.len;
		} else if (mem_read(task->tid, p->args[1] + (uint64_t)i * 64, &h,
				    sizeof(h)) < 0) {
			return false;
		}
		if (h.name && h.len) {
			sockaddr_text(task, h.name, h.len, ev);
			return ev->aux != 0;
		}
	}
	return false;
}

/*
 * i386's old mmap (filter.c stops it whatever its arguments): its
 * arguments are six 32-bit words at its first one.  Whether it maps a
 * file shared and writable (what the filter's rule for the other mmaps
 * lets stop), with that file's fd in p->fd.
 */
bool old_mmap_shared(struct task *task, struct pending *p)
{
	uint32_t a[6];	/* addr, len, prot, flags, fd, offset */

	if (mem_read(task->tid, p->args[0], a, sizeof(a)) < 0 || !(a[2] & PROT_WRITE) ||
	    (a[3] & (MAP_SHARED | MAP_ANONYMOUS)) != MAP_SHARED)
		return false;
	p->fd = (int32_t)a[4];
	return true;
}

/*
 * setxattr's value and size are its arguments at d->aux2 and the next;
 * setxattrat's, a struct xattr_args there (its size the argument after).
 * A value the call refuses as too large, or one that cannot be read,
 * has no digest: the call fails (E2BIG, EFAULT) and sets nothing.
 */
void xattr_args(const struct tracer *t, struct task *task, const struct sc_desc *d,
		struct event *ev)
{
	const struct pending *p = &task->pend;
	struct {
		uint64_t value;
		uint32_t size, flags;
	} xa;
	uint64_t value, size;
	void *buf;

	ev->path2 = mem_read_string(task->tid, p->args[d->aux], XATTR_NAME_MAX + 1);
	if (d->aux2 < 0)
		return;		/* a removal */
	if (d->flags >= 0) {
		if (p->args[d->aux2 + 1] < sizeof(xa) ||
		    mem_read(task->tid, p->args[d->aux2], &xa, sizeof(xa)) < 0)
			return;
		value = xa.value;
		size = xa.size;
	} else {
		value = p->args[d->aux2];
		size = p->args[d->aux2 + 1];
	}
	if (size > XATTR_SIZE_MAX)
		return;
	buf = xmalloc(size + 1);
	if (!size || mem_read(task->tid, value, buf, size) == 0)
		digest_buf(t->opts->algo, buf, size, &ev->digest);
	free(buf);
}
