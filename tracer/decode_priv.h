/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What decode.c and decode_exit.c share: a pending call's arguments. */
#ifndef SR_DECODE_PRIV_H
#define SR_DECODE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/audit.h>

#include "tracer/procs.h"

/* Argument i as the int the kernel takes it for. */
static inline int arg_int(const struct pending *p, int i)
{
	return (int)(int32_t)p->args[i];
}

/* Whether the call came in through the 32-bit entry. */
static inline bool is_compat(const struct pending *p)
{
	return p->arch == AUDIT_ARCH_I386;
}

/* Whether the structs and pointer arrays it points to are laid out with
 * 32-bit pointers: i386's, and x32's (the kernel's compat_sys_ calls). */
static inline bool compat_layout(const struct pending *p)
{
	return p->arch == AUDIT_ARCH_I386 || p->x32;
}

/* decode_mem.c: a socket address at addr (len bytes) into ev's path and
 * aux (its family); sendmsg and sendmmsg's first message address (false:
 * none to record); whether i386's old mmap maps a file shared and
 * writable, its fd then in p->fd; an xattr change's attribute name
 * (ev->path2) and the digest of the value it sets. */
struct task;
struct event;
void sockaddr_text(struct task *task, uint64_t addr, uint64_t len, struct event *ev);
bool msghdr_addr(struct task *task, struct event *ev);
bool old_mmap_shared(struct task *task, struct pending *p);
struct tracer;
struct sc_desc;
void xattr_args(const struct tracer *t, struct task *task, const struct sc_desc *d,
		struct event *ev);

/* decode_path.c: the absolute path a (dirfd, path) pair names,
 * lexically normalized after the process's magic links are followed; the
 * absolute, unnormalized form of a path with ".." (NULL without one), for
 * the kernel's walk; the fd N of a path ".../fd/N[/rest]" of the
 * process's own, "/dev/fd/N" or /dev/stdin, stdout, stderr (*rest what
 * follows it; -1 for another path); a change through /proc/self/cwd or
 * an fd the tracer does not know: the cwd or fd as the kernel has them. */
struct proc;
char *decode_resolve(struct proc *pr, int dirfd, const char *path);
char *decode_raw_join(struct proc *pr, int dirfd, const char *path);
int decode_magic_fd(struct proc *pr, const char *path, const char **rest);
/* What path leads to if it is one of the process's own magic links
 * itself (/proc/self/fd/N, /proc/self/cwd, /dev/fd/N, ... with nothing
 * after it) and the tracer knows its file; else NULL. */
char *decode_magic_link(struct proc *pr, const char *path);
/* Whether path is in the process's own /proc/PID (self, thread-self). */
bool decode_proc_own(struct proc *pr, const char *path);
void decode_magic_from_kernel(struct task *task, const char *raw);

#endif
