// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Syscall decoders: at the seccomp stop a decoder reads the arguments
 * into the task's pending event; at the exit stop (when it asked for
 * one) it adds the result and keeps the fd table and cwd up to date
 * (decode_exit.c).  Decoders only fill events; tracer_emit() hands them
 * to the spool.  This file is the entry's side: the arguments, the
 * paths they name, and the state before a call that changes it; the
 * structs a call passes by pointer are read in decode_mem.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/fs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tracer/decode_priv.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static bool decode_args(struct tracer *t, struct task *task);

static char *path_arg_raw(struct task *task, int dirfd_idx, int path_idx,
			  char **ret_raw);

/* A string argument: from tracee memory, or the in-process record being
 * replayed (its one path). */
static char *arg_string(struct task *task, int idx)
{
	const struct pending *p = &task->pend;

	if (p->rec)
		return xstrdup(p->rec->path);
	return mem_read_string(task->tid, p->args[idx], PATH_MAX);
}

/* Whether a path as given goes through /proc or /dev, where the kernel
 * follows magic links (/proc/self/fd/N, /dev/fd/N, /proc/self/cwd) to
 * objects the tracer knows only by the names they were opened by. */
static bool through_magic(const char *raw)
{
	return raw && raw[0] == '/' && (path_is_under(raw, "/proc") || path_is_under(raw, "/dev"));
}

static char *path_arg_raw(struct task *task, int dirfd_idx, int path_idx,
			  char **ret_raw)
{
	struct pending *p = &task->pend;
	int dirfd = dirfd_idx >= 0 ? arg_int(p, dirfd_idx) : AT_FDCWD;
	char *raw, *out;

	if (path_idx < 0) {
		struct fdent *e;

		if (p->change)
			proc_base_from_kernel(task->proc, task->tid, dirfd);
		e = fd_lookup(task->proc, dirfd);
		return e ? xstrdup(e->path) : NULL;
	}
	raw = arg_string(task, path_idx);
	if (raw && raw[0] != '/' && p->change)
		proc_base_from_kernel(task->proc, task->tid, dirfd);
	if (raw && raw[0] == '/' && p->change)
		decode_magic_from_kernel(task, raw);
	if (!raw) {
		/* utimensat(fd, NULL, ...) works on the fd itself; anything
		 * else with a path it cannot read fails (EFAULT), the fd's
		 * file no part of it (an execveat's would be looked up) */
		struct fdent *e = p->desc && p->desc->kind == EV_UTIMES ?
				  fd_lookup(task->proc, dirfd) : NULL;

		return e ? xstrdup(e->path) : NULL;
	}
	out = decode_resolve(task->proc, dirfd, raw);
	if (through_magic(raw))
		p->magic = true;
	if (raw[0] != '/')
		p->relative = true;
	if (ret_raw && out)
		*ret_raw = decode_raw_join(task->proc, dirfd, raw);
	free(raw);
	return out;
}

/* openat2's path with RESOLVE_IN_ROOT: below its dirfd, as if that were
 * the root ("/x" and "../../x" are both dirfd's x). */
static char *path_in_root(struct task *task, const struct sc_desc *d)
{
	struct pending *p = &task->pend;
	char *raw = arg_string(task, d->path), *in, *out;
	int dirfd = arg_int(p, d->dirfd);
	struct fdent *e;
	const char *base;

	if (!raw)
		return NULL;
	if (p->change)
		proc_base_from_kernel(task->proc, task->tid, dirfd);
	e = dirfd == AT_FDCWD ? NULL : fd_lookup(task->proc, dirfd);
	base = dirfd == AT_FDCWD ? task->proc->cwd : e ? e->path : FD_UNNAMED;
	in = xasprintf("/%s", raw);
	out = path_normalize(in);
	free(in);
	in = out;
	out = strcmp(in, "/") ? xasprintf("%s%s", strcmp(base, "/") ? base : "", in) : xstrdup(base);
	free(in);
	/* (what the change touches is found from base as the root:
	 * before()) */
	free(p->raw[0]);
	p->raw[0] = raw;
	free(p->root);
	p->root = xstrdup(base);
	p->relative = true;
	return out;
}

/* snapshot_before() of the physical path (links resolved): that path,
 * or NULL when it is path itself (known to have no links) or there is
 * none. */
static char *before(struct tracer *t, struct task *task, const char *path,
		    const char *raw, bool follow_last)
{
	const char *root = task->pend.root;
	char *phys;

	if (!path)
		return NULL;
	if (!raw && !root && snapshot_seen_lexical(t, path, false))
		return NULL;	/* (no allocation on the common path) */
	phys = root && raw ? snapshot_physical_in(task, root, raw, follow_last) :
	       snapshot_physical(task, raw ? raw : path, follow_last);
	snapshot_before(t, task->tid, phys, false);
	/* A path without links resolves to itself for good (a link in it
	 * may be retargeted, so such a path is resolved every time). */
	if (!root && !strcmp(phys, path))
		snapshot_seen_lexical(t, path, true);
	return phys;
}

/* Before a change runs, snapshot what it is about to change. */
static void before_change(struct tracer *t, struct task *task)
{
	const struct event *ev = &task->pend.ev;

	switch (ev->kind) {
	case EV_OPEN:
	{
		char *phys = NULL;
		struct stat st;

		if ((ev->flags & (O_ACCMODE | O_CREAT | O_TRUNC)) != O_RDONLY &&
		    !(ev->flags & O_PATH))
			phys = before(t, task, ev->path, task->pend.raw[0],
				      !(ev->flags & O_NOFOLLOW));
		/* Will this open create the file?  (O_CREAT does not say:
		 * the file a link leads to, not the link; through a magic
		 * link, the path it was named by, whose walk from here
		 * would go through the tracer's own /proc/self.) */
		if ((ev->flags & O_CREAT) && ev->path && !path_is_under(ev->path, "/proc") &&
		    tracee_lstat(t, task->tid, phys && !task->pend.magic ? phys : ev->path,
				 &st) < 0 && errno == ENOENT)
			task->pend.ev.flags |= EVF_CREATED;
		free(phys);
		break;
	}
	case EV_RENAME: {
		const char *raw0 = task->pend.raw[0], *raw1 = task->pend.raw[1];
		char *src = ev->path ? snapshot_physical(task, raw0 ? raw0 : ev->path,
							  false) : NULL;
		char *dst = ev->path2 ? snapshot_physical(task, raw1 ? raw1 : ev->path2,
							   false) : NULL;

		snapshot_rename(t, task->tid, src, dst);
		/* RENAME_EXCHANGE moves both ways. */
		if (ev->flags & RENAME_EXCHANGE)
			snapshot_rename(t, task->tid, dst, src);
		free(src);
		free(dst);
		break;
	}
	case EV_LINK:
		/* (and the file linked: a write through either name changes
		 * both, and the new name is touched already when it comes) */
		free(before(t, task, ev->path, task->pend.raw[0], ev->flags & AT_SYMLINK_FOLLOW));
		free(before(t, task, ev->path2, task->pend.raw[1], false));
		break;
	case EV_SYMLINK:
		free(before(t, task, ev->path2, task->pend.raw[1], false));
		break;
	case EV_MKDIR:
	case EV_RMDIR:
	case EV_UNLINK:
	case EV_MKNOD:
		free(before(t, task, ev->path, task->pend.raw[0], false));
		break;
	case EV_CHMOD:
	case EV_CHOWN:
	case EV_TRUNCATE:
		free(before(t, task, ev->path, task->pend.raw[0], !(ev->flags & AT_SYMLINK_NOFOLLOW)));
		break;
	case EV_EXEC:
	case EV_EXEC_FAIL:
	case EV_SPAWN:
	case EV_EXIT:
	case EV_WROTE:
	case EV_PROBE:
	case EV_READDIR:
	case EV_NET:
		/* An AF_UNIX bind to a path makes the socket file there (not
		 * an abstract one's "@name"). */
		if (ev->aux == AF_UNIX && ev->path && ev->path[0] && ev->path[0] != '@' &&
		    ev->name && !strcmp(ev->name, "bind")) {
			char *path;

			if (ev->path[0] != '/')
				proc_base_from_kernel(task->proc, task->tid, AT_FDCWD);
			path = decode_resolve(task->proc, AT_FDCWD, ev->path);
			free(before(t, task, path, NULL, false));
			free(path);
		}
		break;
	case EV_XATTR:
	case EV_UTIMES:
	case EV_CHDIR:
	case EV_RANDOM:
	case EV_UNTRACEABLE:
	case EV_VIOLATION:
	case EV_BEFORE:
	case EV_AFTER:
	case EV_KIND_MAX:
		break;
	}
}

bool decode_entry(struct tracer *t, struct task *task)
{
	struct pending *p = &task->pend;
	bool exit_stop;

	p->raw[0] = p->raw[1] = NULL;
	p->root = NULL;
	p->magic = p->relative = false;
	exit_stop = decode_args(t, task);
	if (exit_stop)
		before_change(t, task);
	if (!p->keep_raw) {
		free(p->raw[0]);
		free(p->raw[1]);
		p->raw[0] = p->raw[1] = NULL;
	}
	free(p->root);
	p->root = NULL;
	return exit_stop;
}

/* Whether every directory on the way to path that exists can be searched
 * by anyone: elsewhere the kernel may answer EACCES for a missing name,
 * where the tracer, root outside, finds it missing. */
static bool dirs_searchable(struct tracer *t, pid_t tid, const char *path)
{
	cleanup_free char *prefix = xstrdup(path);

	for (char *slash = strchr(prefix + 1, '/'); ; slash = strchr(slash + 1, '/')) {
		struct stat st;
		int fd, ok;

		if (slash)
			*slash = '\0';
		fd = tracee_open(t, tid, prefix, O_PATH);
		if (fd < 0)
			return errno == ENOENT || errno == ENOTDIR;
		ok = fstat(fd, &st) == 0 && (!S_ISDIR(st.st_mode) || (st.st_mode & 0111) == 0111);
		close(fd);
		if (!ok)
			return false;
		if (!slash)
			return true;
		*slash = '/';
	}
}

/*
 * Whether the name the tracer has for the base of a relative path (the
 * process's cwd, or the directory dirfd holds) still names that very
 * directory: one renamed since, with a file put in its place, does not,
 * and the tracer's lookup below the name says nothing of the process's
 * (ENOTDIR recorded where the kernel said ENOENT).  The name's identity
 * against the one /proc/TID/cwd or /proc/TID/fd/N leads to.
 */
static bool base_current(struct tracer *t, struct task *task, int dirfd)
{
	const struct fdent *e = dirfd == AT_FDCWD ? NULL : fd_lookup(task->proc, dirfd);
	const char *name = dirfd == AT_FDCWD ? task->proc->cwd : e ? e->path : NULL;
	struct stat real, named;
	char link[64];
	int fd, r;

	if (!name || name[0] != '/')
		return false;
	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)task->tid);
	else
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)task->tid, dirfd);
	if (stat(link, &real) < 0)
		return false;
	fd = tracee_open(t, task->tid, name, O_PATH);
	if (fd < 0)
		return false;
	r = fstat(fd, &named);
	close(fd);
	return r == 0 && named.st_dev == real.st_dev && named.st_ino == real.st_ino;
}

/*
 * Whether a miss the tracer's lookup of path found (ENOENT, ENOTDIR) is
 * the tracee's too: the same miss with no symbolic link followed on the
 * way.  A link may lead through /proc/self, /proc/thread-self or /dev/fd,
 * which name the tracer's own fds and directories when it looks, not the
 * tracee's (a link to /proc/self/fd/50 is not there for the tracer, and
 * is the tracee's open file).
 */
static bool miss_sure(const struct tracer *t, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS };
	int fd = (int)syscall(SYS_openat2, t->root_fd, path, &how, sizeof(how));

	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == ENOENT || errno == ENOTDIR;
}

/*
 * A stat or readlink answered by the tracer at the entry stop, so the
 * syscall needs no exit stop: the path looked up in the command's root
 * with RESOLVE_IN_ROOT (absolute links stay inside, as for the tracee).
 * access() only when the path is not there (whether the caller may use a
 * file that is depends on its credentials); not for /proc and /dev, as
 * given or resolved (self and fd links are the caller's, and
 * /proc/self/fd/3/a is below the file fd 3 holds, which the name it was
 * opened by may no longer be), a path below an fd the tracer cannot
 * name (not open, EBADF, or of a kind it does not follow), a relative
 * path whose base the tracer's name no longer names (base_current), nor
 * 32-bit calls.
 * The event is emitted here; true when it was.
 */
static bool probe_at_entry(struct tracer *t, struct task *task, const char *raw)
{
	struct pending *p = &task->pend;
	const struct sc_desc *d = p->desc;
	struct event *ev = &p->ev;
	bool readlink_ = !strncmp(d->name, "readlink", 8);
	bool access_ = d->aux < 0 && !readlink_;
	bool nofollow = (ev->flags & AT_SYMLINK_NOFOLLOW) != 0;
	struct open_how how = { .flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	struct stat st;
	const char *path;
	int fd;

	if (is_compat(p) || !ev->path || str_has_prefix(ev->path, "/?") || through_magic(raw) ||
	    path_is_under(ev->path, "/proc") || path_is_under(ev->path, "/dev"))
		return false;
	tracer_keep_root(t, task->tid);
	if (t->root_fd < 0 ||
	    (raw && raw[0] != '/' &&
	     !base_current(t, task, d->dirfd >= 0 ? arg_int(p, d->dirfd) : AT_FDCWD)))
		return false;
	/* the kernel resolves ".." after links: the unnormalized path */
	p->raw[0] = raw ? decode_raw_join(task->proc, d->dirfd >= 0 ? arg_int(p, d->dirfd) :
				   AT_FDCWD, raw) : NULL;
	path = p->raw[0] ? p->raw[0] : ev->path;
	fd = (int)syscall(SYS_openat2, t->root_fd, path, &how, sizeof(how));
	if (access_ && (fd >= 0 || errno == EACCES)) {
		/* there: whether the caller may use it is the kernel's to say */
		if (fd >= 0)
			close(fd);
		return false;
	}
	if (fd < 0) {
		int e = errno;

		/* (ELOOP: maybe a link to a magic link, which the kernel
		 * follows for the tracee, and RESOLVE_NO_MAGICLINKS not) */
		if ((e != ENOENT && e != ENOTDIR && e != ENAMETOOLONG && e != EACCES) ||
		    ((e == ENOENT || e == ENOTDIR) &&
		     (!miss_sure(t, path) || !dirs_searchable(t, task->tid, path))))
			return false;	/* not sure: let the kernel say */
		ev->result = -e;
	} else {
		int r = fstat(fd, &st);

		close(fd);
		if (r < 0)
			return false;
		if (readlink_) {
			ev->result = S_ISLNK(st.st_mode) ? (int)st.st_size : -EINVAL;
		} else {
			ev->result = 0;
			ev->mode = st.st_mode & S_IFMT;
		}
	}
	tracer_emit(t, ev);
	return true;
}

/* Whether an execve's file is not there (ENOENT, ENOTDIR: sets the
 * event's result), looked up as probe_at_entry() does. */
static bool exec_missing(struct tracer *t, struct task *task)
{
	struct pending *p = &task->pend;
	struct event *ev = &p->ev;
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	const char *path = p->raw[0] ? p->raw[0] : ev->path;
	int fd;

	p->exe_known = false;
	/* (not where the kernel fails it for something else first: an
	 * execveat's unknown flags, EINVAL, or a dirfd the tracer does not
	 * know, maybe EBADF) */
	if (!path || p->magic || (ev->flags & AT_EMPTY_PATH) || path_is_under(ev->path, "/proc") ||
	    path_is_under(ev->path, "/dev") ||
	    (ev->flags & ~(uint32_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) ||
	    str_has_prefix(ev->path, "/?"))
		return false;
	tracer_keep_root(t, task->tid);
	if (t->root_fd < 0)
		return false;
	fd = (int)syscall(SYS_openat2, t->root_fd, path, &how, sizeof(how));
	if (fd >= 0) {
		/* (its identity: exec_env.c knows most programs by it) */
		p->exe_known = fstat(fd, &p->exe) == 0;
		close(fd);
		return false;
	}
	if (errno != ENOENT && errno != ENOTDIR)
		return false;
	ev->result = -errno;
	/* (the directories the kernel walks: the unnormalized path's) */
	return miss_sure(t, path) && dirs_searchable(t, task->tid, path) &&
	       (!p->relative || base_current(t, task, p->desc->dirfd >= 0 ?
						 arg_int(p, p->desc->dirfd) : AT_FDCWD));
}

/* A probe's flags as AT_ flags: AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH. */
static uint32_t probe_flags(const struct sc_desc *d, uint64_t arg)
{
	uint32_t f = (uint32_t)arg;

	if (d->opts & SCF_INOTIFY)
		return f & IN_DONT_FOLLOW ? AT_SYMLINK_NOFOLLOW : 0;
	if (d->opts & SCF_FOLLOW_FLAG)
		return (f & AT_EMPTY_PATH) | (f & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW);
	return f;
}

/*
 * A link of an O_TMPFILE's file (linkat(fd, "", ..., AT_EMPTY_PATH), or
 * of /proc/self/fd/N or /dev/fd/N): the fd (pend.tmpfile_fd), whose name
 * is the link's once it is made, and no path (the file has none; the
 * fd's is its directory's).
 */
static void link_tmpfile(struct task *task, const struct sc_desc *d)
{
	struct pending *p = &task->pend;
	char *raw = p->ev.path ? arg_string(task, d->path) : NULL;
	char *norm = raw && raw[0] == '/' ? path_normalize(raw) : NULL;
	const char *rest = "";
	int fd = -1;
	struct fdent *e;

	if (raw && !*raw && (p->ev.flags & AT_EMPTY_PATH))
		fd = p->fd;
	else if (norm)
		fd = decode_magic_fd(task->proc, norm, &rest);
	e = fd >= 0 && !*rest ? fd_lookup(task->proc, fd) : NULL;
	if (e && (e->flags & FDF_TMPFILE)) {
		p->tmpfile_fd = fd;
		free(p->ev.path);
		p->ev.path = NULL;
	}
	free(norm);
	free(raw);
}

/* Whether an event of kind changes the file system (an open: by its
 * flags). */
static bool is_change(enum ev_kind kind)
{
	static const bool changes[EV_KIND_MAX] = {
		[EV_MKDIR] = true, [EV_RMDIR] = true, [EV_UNLINK] = true, [EV_RENAME] = true,
		[EV_LINK] = true, [EV_SYMLINK] = true, [EV_CHMOD] = true, [EV_CHOWN] = true,
		[EV_TRUNCATE] = true, [EV_UTIMES] = true, [EV_MKNOD] = true, [EV_CHDIR] = true,
		[EV_XATTR] = true,
	};

	return kind < EV_KIND_MAX && changes[kind];
}

static bool decode_args(struct tracer *t, struct task *task)
{
	struct pending *p = &task->pend;
	const struct sc_desc *d = p->desc;
	struct event *ev = &p->ev;
	struct open_how how = { 0 };
	char **argv = NULL;	/* (a notified execve's, read with its envp) */
	bool missing = false;	/* an execve's file is not there */

	memset(ev, 0, sizeof(*ev));
	ev->kind = d->kind;
	ev->pid = task->proc->tgid;
	ev->name = xstrdup(d->name);
	p->fd = d->dirfd >= 0 ? arg_int(p, d->dirfd) : -1;
	p->tmpfile_fd = -1;

	p->change = !p->rec && is_change(d->kind);
	switch (d->dec) {
	case DEC_OPEN:
	case DEC_CREAT:
	case DEC_OPENAT2:
		if (d->dec == DEC_OPENAT2)
			mem_read(task->tid, p->args[d->aux], &how, sizeof(how));
		p->change = !p->rec &&
			    (d->dec == DEC_CREAT ||
			     ((d->dec == DEC_OPENAT2 ? how.flags : p->args[d->flags]) &
			      (O_ACCMODE | O_CREAT | O_TRUNC)));
		ev->path = how.resolve & RESOLVE_IN_ROOT ? path_in_root(task, d) :
			   path_arg_raw(task, d->dirfd, d->path, &p->raw[0]);
		/* the preload itself, opened by the loader: not the build's */
		if (ev->path && t->opts->audit && !strcmp(ev->path, t->opts->audit)) {
			task->audit_open = true;
			return false;
		}
		if (ev->path && t->opts->preload && !strcmp(ev->path, t->opts->preload))
			return false;
		if (d->dec == DEC_CREAT) {
			ev->flags = O_CREAT | O_WRONLY | O_TRUNC;
		} else if (d->dec == DEC_OPENAT2) {
			ev->flags = (uint32_t)how.flags;
		} else {
			ev->flags = (uint32_t)p->args[d->flags];
		}
		if (ev->flags & O_CREAT)
			ev->mode = (uint32_t)(d->dec == DEC_OPENAT2 ? how.mode :
					      p->args[d->dec == DEC_OPEN ? d->aux : 1]) & 07777;
		break;
	case DEC_PROBE:
		if (d->flags >= 0)
			ev->flags = probe_flags(d, p->args[d->flags]);
		/* fstat() in disguise: fstatat(fd, "", AT_EMPTY_PATH). */
		{
			char *raw = arg_string(task, d->path);
			bool answered;

			if (raw && !*raw && (ev->flags & AT_EMPTY_PATH)) {
				free(raw);
				return false;
			}
			ev->path = decode_resolve(task->proc, d->dirfd >= 0 ?
					   arg_int(p, d->dirfd) : AT_FDCWD, raw);
			if (d->opts & SCF_NOFOLLOW)
				ev->flags |= AT_SYMLINK_NOFOLLOW;
			/* (a record has the kernel's answer) */
			answered = !p->rec && !(d->opts & SCF_KERNEL) &&
				   probe_at_entry(t, task, raw);
			free(raw);
			if (answered)
				return false;
		}
		break;
	case DEC_READDIR: {
		struct fdent *e = fd_lookup(task->proc, p->fd);

		if (!e || (e->flags & FDF_LISTED))
			return false;
		ev->path = xstrdup(e->path);
		break;
	}
	case DEC_PATH:
	case DEC_FD:
	case DEC_CHDIR:
	case DEC_FCHDIR:
	case DEC_UNTRACEABLE:
	case DEC_XATTR:
		ev->path = path_arg_raw(task, d->dirfd, d->path, &p->raw[0]);
		if (d->flags >= 0)
			ev->flags = (uint32_t)p->args[d->flags];
		if (d->dec == DEC_XATTR) {
			if (d->opts & SCF_NOFOLLOW)
				ev->flags |= AT_SYMLINK_NOFOLLOW;	/* lsetxattr, ... */
			xattr_args(t, task, d, ev);
			break;
		}
		if (d->kind == EV_UNLINK && (ev->flags & AT_REMOVEDIR))
			ev->kind = EV_RMDIR;
		if (d->aux >= 0)
			ev->mode = (uint32_t)p->args[d->aux] & 07777;
		break;
	case DEC_TWO_PATHS:
		ev->path = path_arg_raw(task, d->dirfd, d->path, &p->raw[0]);
		ev->path2 = path_arg_raw(task, d->dirfd2, d->path2, &p->raw[1]);
		if (d->flags >= 0)
			ev->flags = (uint32_t)p->args[d->flags];
		if (ev->kind == EV_LINK)
			link_tmpfile(task, d);
		break;
	case DEC_SYMLINK:
		ev->path = mem_read_string(task->tid, p->args[d->aux], PATH_MAX);
		ev->path2 = path_arg_raw(task, d->dirfd2, d->path2, &p->raw[1]);
		break;
	case DEC_EXEC:
		if (d->flags >= 0)
			ev->flags = (uint32_t)p->args[d->flags];
		ev->path = path_arg_raw(task, d->dirfd, d->path, &p->raw[0]);
		/* sandrun-rec.so's execve, notified: if its environment is to
		 * change, the ordinary way (again).  Its success is said at
		 * its exec stop, a failure when the thread tells it
		 * (inproc.c); no answer here, even for a file not there. */
		if (p->notified) {
			/* (its argv read with it: the argv is wanted but for a
			 * PATH search's miss) */
			ev->envp = mem_read_strv2(task->tid, p->args[d->aux2], p->args[d->aux],
						  compat_layout(p), &argv);
			/* (and the program's identity) */
			missing = exec_missing(t, task);
			ev->result = 0;
			if (exec_env_needed(t, task, ev->envp)) {
				event_free_strv(argv);
				p->again = true;
				return false;
			}
		}
		/* A PATH search's misses fail for sure: said here, no stop
		 * at the exit (as a stat is answered at its entry); the
		 * preload records only those (rec.c's rec_execve). */
		if (p->rec) {
			event_free_strv(argv);
			ev->kind = EV_EXEC_FAIL;
			ev->result = (int)p->rec->ret;
			tracer_emit(t, ev);
			return false;
		}
		/* (a thread without exec stops takes the result stop: a file
		 * put there since would exec unseen; the file is looked up
		 * all the same, exec_env.c judges it) */
		if (!p->notified)
			missing = exec_missing(t, task);
		/* The close-on-exec writers close, and the shared mappings
		 * go, with a successful exec: their wrote is made now,
		 * through their fds, but for a file not there (once, not
		 * once a directory of a PATH search; if one is put there
		 * meanwhile, exec_done makes them by their paths). */
		task->proc->writes_flushed = !missing;
		if (!p->notified && missing && task->exec_stops) {
			ev->kind = EV_EXEC_FAIL;
			tracer_emit(t, ev);
			return false;
		}
		if (!missing)
			decode_flush_writes(t, task, -1, FLUSH_KEEP | FLUSH_CLOEXEC);
		ev->path2 = xstrdup(task->proc->cwd);
		ev->argv = p->notified ? argv : mem_read_strv(task->tid, p->args[d->aux],
							      compat_layout(p));
		if (!p->notified) {
			ev->envp = mem_read_strv(task->tid, p->args[d->aux2], compat_layout(p));
			exec_env_fix(t, task, ev->envp);
		}
		if (t->opts->preload)
			env_hide_word(ev->envp, "LD_PRELOAD", t->opts->preload,
				      t->opts->preload_appended);
		if (t->opts->audit)
			env_hide_word(ev->envp, "LD_AUDIT", t->opts->audit,
				      t->opts->audit_appended);
		break;
	case DEC_CLOSE:
		if (p->fd >= 0) {
			decode_flush_writes(t, task, p->fd, FLUSH_CLOSE);
			fd_close(task->proc, p->fd);
		}
		return false;
	case DEC_CLOSE_RANGE: {
		unsigned lo = (unsigned)p->args[0], hi = (unsigned)p->args[1];
		unsigned flags = (unsigned)p->args[2];

		for (unsigned fd = lo; fd <= hi && (int)fd < task->proc->fds.n; fd++) {
			struct fdent *e = fd_lookup(task->proc, (int)fd);

			if (!e)
				continue;
			if (flags & CLOSE_RANGE_CLOEXEC) {
				e->flags |= FDF_CLOEXEC;
				continue;
			}
			decode_flush_writes(t, task, (int)fd, FLUSH_CLOSE);
			fd_close(task->proc, (int)fd);
		}
		return false;
	}
	case DEC_MMAP: {
		struct fdent *e;

		if (p->arch == AUDIT_ARCH_I386 && !strcmp(d->name, "mmap") &&
		    !old_mmap_shared(task, p))
			return false;
		e = fd_lookup(task->proc, p->fd);

		if (e && (e->flags & FDF_WRITE))
			proc_mapped(task->proc, e->path);
		return false;
	}
	case DEC_NET:
		if (!strcmp(d->name, "socket"))
			ev->aux = (int64_t)p->args[0];
		else if (!strncmp(d->name, "sendm", 5))
			return msghdr_addr(task, ev);	/* sendmsg, sendmmsg */
		else if (d->aux >= 0)
			sockaddr_text(task, p->args[d->aux], p->args[d->aux2], ev);
		break;
	case DEC_DUP:
		/* dup2 and dup3 close what was at the new fd, silently: a
		 * shell restoring stdout after `echo > file` does that.  If
		 * the call fails, it stays open, a writer still (at success
		 * its entry is replaced). */
		if (d->aux >= 0 && arg_int(p, d->aux) != p->fd)
			decode_flush_writes(t, task, arg_int(p, d->aux), FLUSH_KEEP);
		break;
	case DEC_FCNTL:
	case DEC_RANDOM:
		break;
	}
	return (d->opts & SCF_EXIT) != 0;
}
