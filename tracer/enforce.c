// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracer's policy checks: the second layer behind Landlock and the
 * namespaces, and the one that records.  At a syscall's entry the path as
 * named is checked, and for changes (which Landlock does not all cover:
 * chmod, chown, utimes, xattrs) the path with its links resolved too; a
 * forbidden call is skipped with an errno in enforce mode.  After a
 * successful open the object actually opened is checked again, which
 * catches a link swapped between the check and the open.  Every breach
 * is a violation event in the trace: allowed (audit), denied (enforce),
 * or, when a forbidden open got through without Landlock, the whole
 * sandbox is killed before anything can read it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <netinet/in.h>
#include <unistd.h>

#include "lib/util.h"
#include "policy/policy.h"
#include "tracer/syscalls.h"
#include "tracer/tracer.h"

/* Syscalls the policy denies outright: a tracer cannot follow what they
 * do (io_uring works on the kernel's side; handles bypass paths; the
 * i386 socketcall multiplexer hides its addresses, and i386 has had the
 * direct socket calls since Linux 4.3), or they reach into other
 * processes. */
static bool denied_call(const char *name)
{
	static const char *const calls[] = {
		"io_uring_setup", "open_by_handle_at", "ptrace", "process_vm_writev",
		"socketcall",
	};

	for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
		if (!strcmp(name, calls[i]))
			return true;
	return false;
}

void violations_free(struct violation *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].call);
		free(v[i].path);
	}
	free(v);
}

static void violation(struct tracer *t, const struct event *ev, const char *path,
		      unsigned access, int result, enum violation_verdict verdict)
{
	struct event v = { .kind = EV_VIOLATION, .pid = ev->pid, .aux = access,
			   .result = result };

	v.name = xstrdup(ev->name ? ev->name : "?");
	v.path = path ? xstrdup(path) : NULL;
	t->violations++;
	if (t->nvlist < VIOLATIONS_KEPT) {
		t->vlist = xrealloc(t->vlist, (t->nvlist + 1) * sizeof(*t->vlist));
		t->vlist[t->nvlist++] = (struct violation){
			.pid = ev->pid, .call = xstrdup(v.name),
			.path = path ? xstrdup(path) : NULL, .access = access,
			.verdict = verdict };
	}
	tracer_emit(t, &v);
}

static bool is_write_open(uint32_t flags)
{
	return (flags & (O_ACCMODE | O_CREAT | O_TRUNC)) != O_RDONLY;
}

/* A path the fd table could not name ("/?unknown-fd"): nothing is known
 * of it, so nothing is allowed (a memfd to execveat, say). */
static bool unnamed(const char *path)
{
	return path[0] == '/' && path[1] == '?';
}

/* The file type at path as the tracee sees it; 0 when there is nothing,
 * -1 when that cannot be told (counted as there). */
static int kind_of(pid_t tid, const char *path)
{
	char buf[PATH_MAX + 32];
	struct stat st;

	snprintf(buf, sizeof(buf), "/proc/%d/root%s", (int)tid, path);
	if (stat(buf, &st) == 0)
		return (int)(st.st_mode & S_IFMT);
	return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
}

/* Where path leads in the tracee's root, its links followed (and a ".."
 * after one walked from where it led, as the kernel walks it); NULL when
 * nothing is there.  *type: the file type there, 0 for nothing, -1 when
 * that cannot be told. */
static char *leads_to(struct tracer *t, pid_t tid, const char *path, int *type)
{
	char link[64], buf[PATH_MAX];
	struct stat st;
	int fd = tracee_open(t, tid, path, O_PATH);
	ssize_t n;

	*type = fd < 0 && (errno == ENOENT || errno == ENOTDIR) ? 0 : -1;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0)
		*type = (int)(st.st_mode & S_IFMT);
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || buf[0] != '/')
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

/* A unix socket's path as an absolute one (abstract ones: NULL). */
static char *unix_path(const struct task *task, const char *addr)
{
	if (!addr || addr[0] == '@' || !addr[0])
		return NULL;
	if (addr[0] == '/')
		return xstrdup(addr);
	return xasprintf("%s/%s", task->proc->cwd, addr);
}

/* A socket address the network policy does not allow: 1 inet outside it,
 * 2 a unix socket path outside the write paths (connecting to a socket is
 * writing to it, binding one creates it; Landlock does not mediate
 * connect). */
static int net_denied(const struct policy *p, const struct task *task,
		      const struct event *ev, char **ret_path)
{
	int family = (int)ev->aux;

	*ret_path = NULL;
	if (!strcmp(ev->name, "socket"))
		return 0;	/* creating one reaches nothing */
	if (family == AF_UNIX) {
		char *path = unix_path(task, ev->path), *real;

		if (!path)
			return 0;	/* abstract: the namespace's own */
		real = snapshot_physical(task, path, true);
		if ((policy_allowed(p, path) & PA_WRITE) &&
		    (policy_allowed(p, real) & PA_WRITE)) {
			free(path);
			free(real);
			return 0;
		}
		free(path);
		*ret_path = real;
		return 2;
	}
	if (p->net == PNET_HOST || p->net == PNET_UNSET)
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (p->net == PNET_NONE)
		return 1;
	/* loopback: the namespace has nothing else; say so anyway */
	return !ev->path || (strncmp(ev->path, "127.", 4) && strncmp(ev->path, "[::1]", 5));
}

/* What an event needs: access bits on up to two paths, and whether the
 * last component is followed (a change to a link itself is not). */
static unsigned needs(const struct event *ev, const char **p1, const char **p2,
		      bool *follow)
{
	*p1 = ev->path;
	*p2 = NULL;
	*follow = true;
	switch (ev->kind) {
	case EV_OPEN:
		if (ev->flags & O_PATH)
			return 0;
		*follow = !(ev->flags & O_NOFOLLOW);
		return is_write_open(ev->flags) ? PA_WRITE : PA_READ;
	case EV_EXEC:
		return PA_EXEC;
	case EV_CHMOD:
	case EV_CHOWN:
	case EV_TRUNCATE:
	case EV_UTIMES:
	case EV_XATTR:
		*follow = !(ev->flags & AT_SYMLINK_NOFOLLOW);
		return PA_WRITE;
	case EV_MKDIR:
	case EV_RMDIR:
	case EV_UNLINK:
	case EV_MKNOD:
		*follow = false;
		return PA_WRITE;
	case EV_RENAME:
	case EV_LINK:
		*p2 = ev->path2;
		*follow = false;
		return PA_WRITE;
	case EV_SYMLINK:
		*p1 = ev->path2;
		*follow = false;
		return PA_WRITE;
	case EV_UNTRACEABLE:
		/* (file_setattr changes the file it names, its fs flags) */
		*follow = !(ev->flags & AT_SYMLINK_NOFOLLOW);
		return ev->name && !strcmp(ev->name, "file_setattr") ? PA_WRITE : 0;
	case EV_EXEC_FAIL:
	case EV_SPAWN:
	case EV_EXIT:
	case EV_WROTE:
	case EV_PROBE:
	case EV_READDIR:
	case EV_CHDIR:
	case EV_NET:
	case EV_RANDOM:
	case EV_VIOLATION:
	case EV_BEFORE:
	case EV_AFTER:
	case EV_KIND_MAX:
		break;
	}
	return 0;
}

/* Whether one path passes; may narrow *need (a directory opened for
 * reading needs only listing).  *ret_bad: the path to report. */
static bool path_ok(struct tracer *t, struct task *task, const struct event *ev,
		    const char *path, bool follow, unsigned *need, char **ret_bad)
{
	const struct policy *p = t->opts->policy;
	bool lookup = ev->kind == EV_EXEC || (ev->kind == EV_OPEN && !(ev->flags & O_CREAT));
	bool change = ev->kind != EV_OPEN && ev->kind != EV_EXEC;
	char *real;

	*ret_bad = NULL;
	if (unnamed(path)) {
		*ret_bad = xstrdup(path);
		return false;
	}
	if ((policy_allowed(p, path) & *need) != *need) {
		/* Looking for what is not there (a PATH search, an include
		 * path) breaches nothing: the call fails with ENOENT.  What
		 * is there is what the kernel finds: with a ".." after a
		 * link (l/../x, l -> /etc), not the name made lexically
		 * (x), but where the link led (/etc/../x), named so. */
		if (lookup) {
			const char *raw = path == ev->path ? task->pend.raw[0] : NULL;
			int type;

			real = raw ? leads_to(t, task->tid, raw, &type) : NULL;
			if (!raw)
				type = kind_of(task->tid, path);
			if (type == 0)
				return true;
			if (real)
				path = real;
			if (type == S_IFDIR && *need == PA_READ) {
				*need = PA_LIST;
				if (policy_allowed(p, path) & PA_LIST) {
					free(real);
					return true;
				}
			}
			if (real && (policy_allowed(p, path) & *need) == *need) {
				/* (an open's object is checked again at its
				 * exit, as for an allowed name) */
				task->pend.by_real = true;
				free(real);
				return true;
			}
			*ret_bad = real ? real : xstrdup(path);
			return false;
		}
		*ret_bad = xstrdup(path);
		return false;
	}
	/* Changes and execs: where the name leads must be allowed too.
	 * Opens are checked on the opened object at their exit. */
	if (!change && ev->kind != EV_EXEC)
		return true;
	real = snapshot_physical(task, path, follow);
	if (!real || (policy_allowed(p, real) & *need) == *need) {
		free(real);
		return true;
	}
	*ret_bad = real;
	return false;
}

/* What an fd is, by the kernel's name for it; NULL unless a path (pipes,
 * sockets and anonymous inodes have no policy, and neither has a file
 * with no name left: a memfd, "/memfd:NAME (deleted)", an O_TMPFILE or
 * an unlinked file, whose changes reach no path; a linkat that gives it
 * one is checked as a link). */
static char *fd_target(pid_t tid, int fd)
{
	char link[64], buf[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, fd);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n <= 0 || buf[0] != '/' || (stat(link, &st) == 0 && st.st_nlink == 0))
		return NULL;
	buf[n] = '\0';
	return xstrdup(buf);
}

int enforce_entry(struct tracer *t, struct task *task)
{
	const struct policy *p = t->opts->policy;
	const struct event *ev = &task->pend.ev;
	bool deny = p->mode == POLICY_ENFORCE, follow;
	enum violation_verdict v = deny ? V_DENIED : V_ALLOWED;
	const char *p1, *p2;
	char *bad = NULL, *fdpath = NULL;
	unsigned need;
	int k, r = 0;

	if ((ev->kind == EV_UNTRACEABLE || ev->kind == EV_NET) && ev->name &&
	    denied_call(ev->name)) {
		violation(t, ev, ev->path, PA_SYSCALL, deny ? -EPERM : 0, v);
		return deny ? -EPERM : 0;
	}
	if (ev->kind == EV_NET && ev->name && (k = net_denied(p, task, ev, &bad))) {
		violation(t, ev, bad ? bad : ev->path, k == 2 ? PA_WRITE : PA_NET,
			  deny ? -EACCES : 0, v);
		free(bad);
		return deny ? -EACCES : 0;
	}
	need = needs(ev, &p1, &p2, &follow);
	if (!need)
		return 0;
	if (!p1 && task->pend.desc->dirfd >= 0 && task->pend.desc->path < 0) {
		/* an fd the table does not know (inherited, a memfd): what
		 * the kernel says it is */
		fdpath = fd_target(task->tid, (int)task->pend.args[task->pend.desc->dirfd]);
		p1 = fdpath;
	}
	for (k = 0; k < 2 && !r; k++) {
		const char *path = k ? p2 : p1;
		unsigned n = need;

		if (!path || path_ok(t, task, ev, path, follow, &n, &bad))
			continue;
		violation(t, ev, bad, n, deny ? -EACCES : 0, v);
		free(bad);
		r = deny ? -EACCES : 0;
		if (!deny)
			break;
	}
	free(fdpath);
	return r;
}

void enforce_skip(pid_t tid, int result)
{
	struct user_regs_struct regs;

	if (ptrace(PTRACE_GETREGS, tid, 0, &regs) < 0)
		return;
	regs.orig_rax = (unsigned long long)-1;	/* skip the syscall */
	regs.rax = (unsigned long long)(long long)result;
	ptrace(PTRACE_SETREGS, tid, 0, &regs);
}

void enforce_exit(struct tracer *t, struct task *task, int64_t rval)
{
	const struct policy *p = t->opts->policy;
	const struct event *ev = &task->pend.ev;
	char link[64], real[PATH_MAX];
	bool named_ok;
	unsigned need;
	ssize_t n;

	if (ev->kind == EV_EXEC && rval == -EACCES && t->opts->landlock && ev->path &&
	    ev->path[0] == '/' && (policy_allowed(p, ev->path) & PA_EXEC)) {
		/* Allowed by name, refused by Landlock: the interpreter the
		 * kernel loads for it (PT_INTERP, #!) has no exec right.  (A
		 * plain EACCES, a file without x, is no breach.) */
		char *seen = xasprintf("/proc/%d/root%s", task->tid, ev->path);
		struct stat st;
		char *interp = stat(seen, &st) == 0 && S_ISREG(st.st_mode) &&
			       (st.st_mode & 0111) ? exec_interpreter(seen) : NULL;

		/* (the interpreter is judged on the host's view, as at the
		 * run's start: the sandbox's / is the host's, read-only) */
		if (interp && !policy_exec_allowed(p, interp))
			violation(t, ev, interp, PA_EXEC, -EACCES, V_DENIED);
		free(interp);
		free(seen);
		return;
	}
	if (ev->kind != EV_OPEN || (ev->flags & O_PATH) || !ev->path)
		return;
	need = is_write_open(ev->flags) ? PA_WRITE : PA_READ;
	named_ok = (policy_allowed(p, ev->path) & need) == need || task->pend.by_real;
	if (((rval == -EACCES && t->opts->landlock) || rval == -EROFS) &&
	    !(ev->flags & O_DIRECTORY) && named_ok) {
		/* allowed by name, refused by a wall (Landlock's EACCES, a
		 * read-only mount's EROFS): what the name led to (a symlink,
		 * maybe swapped under us) is not; named as where it leads
		 * now, if that is not allowed either.  (Only a file of the
		 * policy's on a read-only mount, EROFS, is no breach.) */
		int type;
		char *to = leads_to(t, task->tid, ev->path, &type);
		bool led_ok = to && (policy_allowed(p, to) & need) == need;

		if (rval == -EROFS && (!to || led_ok)) {
			free(to);
			return;
		}
		violation(t, ev, to && !led_ok ? to : ev->path, need,
			  p->mode == POLICY_ENFORCE ? (int)rval : 0,
			  p->mode == POLICY_ENFORCE ? V_DENIED : V_ALLOWED);
		free(to);
		return;
	}
	if (rval < 0 || !named_ok)
		return;		/* failed, or judged at the entry */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", task->tid, (int)rval);
	n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0 || real[0] != '/')
		return;
	real[n] = '\0';
	if ((policy_allowed(p, real) & need) == need)
		return;
	if (kind_of(task->tid, real) == S_IFDIR && (policy_allowed(p, real) & PA_LIST))
		return;
	if (p->mode == POLICY_ENFORCE) {
		/* Without Landlock the open happened.  Its fd may be shared
		 * (CLONE_FILES) or passed on: stop the whole sandbox before
		 * anything reads or writes through it. */
		violation(t, ev, real, need, 0, V_KILLED);
		t->breached = true;
		kill(t->init_pid, SIGKILL);
		return;
	}
	violation(t, ev, real, need, 0, V_ALLOWED);
}
