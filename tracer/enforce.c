// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracer's policy checks: the second layer behind Landlock and the
 * namespaces.  At a syscall's entry the path as named is checked (and the
 * syscall skipped with an errno in enforce mode); after a successful open
 * the object actually opened, symlinks resolved, is checked again, which
 * catches a link flipped between the check and the open.  Every breach is
 * a violation event in the trace, allowed (audit) or denied (enforce).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
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
 * do (io_uring works on the kernel's side; handles bypass paths), or they
 * reach into other processes. */
static bool denied_call(const char *name)
{
	static const char *const calls[] = {
		"io_uring_setup", "open_by_handle_at", "ptrace", "process_vm_writev",
	};

	for (size_t i = 0; i < ARRAY_SIZE(calls); i++)
		if (!strcmp(name, calls[i]))
			return true;
	return false;
}

static void violation(struct tracer *t, const struct event *ev, const char *path,
		      unsigned access, int result)
{
	struct event v = { .kind = EV_VIOLATION, .pid = ev->pid, .aux = access,
			   .result = result };
	char line[PATH_MAX + 128];

	v.name = xstrdup(ev->name ? ev->name : "?");
	v.path = path ? xstrdup(path) : NULL;
	t->violations++;
	if (t->violation_lines.n < 1000) {
		snprintf(line, sizeof(line), "%d\t%s\t%s\t%s\t%s", ev->pid, v.name,
			 policy_access_name(access), path ? path : "",
			 result < 0 ? "denied" : "allowed (audit)");
		strv_push(&t->violation_lines, xstrdup(line));
	}
	tracer_emit(t, &v);
}

static bool is_write_open(uint32_t flags)
{
	return (flags & (O_ACCMODE | O_CREAT | O_TRUNC)) != O_RDONLY;
}

/* A socket address the network policy does not allow. */
static bool net_denied(const struct policy *p, const struct event *ev)
{
	int family = (int)ev->aux;

	if (p->net == PNET_HOST || p->net == PNET_UNSET)
		return false;
	if (!strcmp(ev->name, "socket"))
		return false;		/* creating one reaches nothing */
	if (family != AF_INET && family != AF_INET6)
		return false;
	if (p->net == PNET_NONE)
		return true;
	/* loopback: the namespace has nothing else; say so anyway */
	return !ev->path || (strncmp(ev->path, "127.", 4) && strncmp(ev->path, "[::1]", 5) &&
			     strncmp(ev->path, "::1", 3));
}

/* What an event needs: access bits on up to two paths. */
static unsigned needs(const struct event *ev, const char **p1, const char **p2)
{
	*p1 = ev->path;
	*p2 = NULL;
	switch (ev->kind) {
	case EV_OPEN:
		if (ev->flags & O_PATH)
			return 0;
		return is_write_open(ev->flags) ? PA_WRITE : PA_READ;
	case EV_EXEC:
		return PA_EXEC;
	case EV_MKDIR:
	case EV_RMDIR:
	case EV_UNLINK:
	case EV_CHMOD:
	case EV_CHOWN:
	case EV_TRUNCATE:
	case EV_UTIMES:
	case EV_MKNOD:
		return PA_WRITE;
	case EV_RENAME:
	case EV_LINK:
		*p2 = ev->path2;
		return PA_WRITE;
	case EV_SYMLINK:
		*p1 = ev->path2;
		return PA_WRITE;
	case EV_EXEC_FAIL:
	case EV_SPAWN:
	case EV_EXIT:
	case EV_WROTE:
	case EV_PROBE:
	case EV_READDIR:
	case EV_CHDIR:
	case EV_NET:
	case EV_RANDOM:
	case EV_UNTRACEABLE:
	case EV_VIOLATION:
	case EV_BEFORE:
	case EV_AFTER:
	case EV_KIND_MAX:
		break;
	}
	return 0;
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

int enforce_entry(struct tracer *t, struct task *task)
{
	const struct policy *p = t->opts->policy;
	const struct event *ev = &task->pend.ev;
	int deny = p->mode == POLICY_ENFORCE ? -1 : 0;
	const char *p1, *p2;
	unsigned need;

	if (ev->kind == EV_UNTRACEABLE && ev->name && denied_call(ev->name)) {
		violation(t, ev, ev->path, PA_SYSCALL, deny ? -EPERM : 0);
		return deny ? -EPERM : 0;
	}
	if (ev->kind == EV_NET && ev->name && net_denied(p, ev)) {
		violation(t, ev, ev->path, PA_NET, deny ? -EACCES : 0);
		return deny ? -EACCES : 0;
	}
	need = needs(ev, &p1, &p2);
	if (!need)
		return 0;
	for (int k = 0; k < 2; k++) {
		const char *path = k ? p2 : p1;

		if (!path || (policy_allowed(p, path) & need) == need)
			continue;
		/* Looking for what is not there (a PATH search, an include
		 * path) breaches nothing: the call fails with ENOENT.  Opening
		 * a directory for reading needs only the right to list it. */
		if (ev->kind == EV_EXEC || (ev->kind == EV_OPEN && !(ev->flags & O_CREAT))) {
			int type = kind_of(task->tid, path);

			if (type == 0)
				continue;
			if (type == S_IFDIR && need == PA_READ &&
			    (policy_allowed(p, path) & PA_LIST))
				continue;
			if (type == S_IFDIR && need == PA_READ)
				need = PA_LIST;
		}
		violation(t, ev, path, need, deny ? -EACCES : 0);
		return deny ? -EACCES : 0;
	}
	return 0;
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
	unsigned need;
	ssize_t n;

	if (ev->kind != EV_OPEN || (ev->flags & O_PATH) || !ev->path)
		return;
	need = is_write_open(ev->flags) ? PA_WRITE : PA_READ;
	if (rval == -EACCES && t->opts->landlock && (policy_allowed(p, ev->path) & need)) {
		/* allowed by name, refused by Landlock: what the name led to
		 * (a symlink, swapped under us) is not */
		violation(t, ev, ev->path, need, -EACCES);
		return;
	}
	if (rval < 0 || (policy_allowed(p, ev->path) & need) != need)
		return;		/* failed, or reported at the entry */
	snprintf(link, sizeof(link), "/proc/%d/fd/%d", task->tid, (int)rval);
	n = readlink(link, real, sizeof(real) - 1);
	if (n <= 0 || real[0] != '/')
		return;
	real[n] = '\0';
	if ((policy_allowed(p, real) & need) == need)
		return;
	if (p->mode == POLICY_ENFORCE) {
		/* Landlock is missing: the open happened; stop the process
		 * before it reads or writes a byte. */
		violation(t, ev, real, need, -EACCES);
		kill(task->proc->tgid, SIGKILL);
		return;
	}
	violation(t, ev, real, need, 0);
}
