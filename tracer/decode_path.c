// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The paths a call names, as the tracer names them (decode.c asks): a
 * (dirfd, path) pair made absolute through the process's cwd and fd
 * table, and its own magic links in /proc and /dev (/proc/self/fd/N,
 * /proc/self/cwd, /dev/fd/N, /dev/stdout) followed to what they lead to
 * before a ".." after them climbs, as the kernel follows them.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "tracer/decode_priv.h"
#include "tracer/tracer.h"

/* base/path, lexically normalized; below a directory the fd table could
 * not name (FD_UNNAMED), still below it: no ".." climbs above the mark
 * ("/?unknown-fd/d/../../x" was "/x", a path nobody opened, which a
 * --policy judged and the tracer looked up). */
static char *join_normalize(const char *base, const char *path)
{
	bool unnamed = str_has_prefix(base, FD_UNNAMED);
	char *joined = xasprintf("/%s/%s", unnamed ? base + strlen(FD_UNNAMED) : base, path);
	char *out = path_normalize(joined);

	free(joined);
	if (!unnamed)
		return out;
	joined = xasprintf(FD_UNNAMED "%s", strcmp(out, "/") ? out : "");
	free(out);
	return joined;
}

/* The process's pid in its own pid namespace (NSpid's last), or -1. */
static pid_t ns_pid(struct proc *pr)
{
	char path[64], buf[2048], *line;
	ssize_t n;
	int fd;

	if (pr->nspid)
		return pr->nspid;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pr->tgid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	line = strstr(buf, "\nNSpid:");
	if (!line)
		return -1;
	line = strchr(line + 1, '\n');
	if (line)
		*line = '\0';
	line = strrchr(buf, '\t');
	if (!line)
		return -1;
	pr->nspid = (pid_t)atoi(line + 1);
	return pr->nspid > 0 ? pr->nspid : -1;
}

/* What follows "/proc/self", "/proc/thread-self" or "/proc/<its pid>"
 * (as the sandbox numbers it) in path, or NULL. */
static const char *proc_own(struct proc *pr, const char *path)
{
	char *end;
	long pid;

	if (str_has_prefix(path, "/proc/self/") || !strcmp(path, "/proc/self"))
		return path + 10;
	if (str_has_prefix(path, "/proc/thread-self/") || !strcmp(path, "/proc/thread-self"))
		return path + 17;
	if (!str_has_prefix(path, "/proc/"))
		return NULL;
	pid = strtol(path + 6, &end, 10);
	return end != path + 6 && (!*end || *end == '/') && pid == ns_pid(pr) ? end : NULL;
}

/* Whether s is name or begins with name and a slash: what follows. */
static const char *below(const char *s, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(s, name, n) && (!s[n] || s[n] == '/') ? s + n : NULL;
}

/* The fd N of a path ".../fd/N[/rest]" of the process's own (or
 * "/dev/fd/N", or /dev/stdin, /dev/stdout, /dev/stderr: 0, 1, 2, the
 * links to /proc/self/fd/N that the sandbox's /dev has), *rest what
 * follows it; -1 for any other path. */
int decode_magic_fd(struct proc *pr, const char *path, const char **rest)
{
	static const char *const std[] = { "/dev/stdin", "/dev/stdout", "/dev/stderr" };
	const char *own = proc_own(pr, path), *num = NULL;
	char *end;
	long fd;

	for (int i = 0; i < 3; i++)
		if ((*rest = below(path, std[i])))
			return i;
	if (own && str_has_prefix(own, "/fd/"))
		num = own + 4;
	else if (str_has_prefix(path, "/dev/fd/"))
		num = path + 8;
	if (!num)
		return -1;
	fd = strtol(num, &end, 10);
	if (end == num || (*end && *end != '/') || fd > INT_MAX)
		return -1;
	*rest = end;
	return (int)fd;
}

/* A path through the process's own magic links in /proc, not normalized
 * (a ".." in rest is the kernel's to walk): "/dev/fd/N",
 * ".../fd/N/rest" (the fd's path), ".../cwd/rest" (its cwd's) and
 * ".../root/rest" ("/rest": the sandbox has one root, chroot is
 * untraceable) of /proc/self, /proc/thread-self or /proc/<its pid>. */
static char *magic_fd_path(struct proc *pr, const char *path)
{
	const char *own = proc_own(pr, path), *in, *rest;
	int fd;
	struct fdent *e;

	if (own && (in = below(own, "/root")))
		return xasprintf("/%s", in);
	if (own && pr->cwd && (in = below(own, "/cwd")))
		return xasprintf("%s%s", pr->cwd, in);
	fd = decode_magic_fd(pr, path, &rest);
	e = fd >= 0 ? fd_lookup(pr, fd) : NULL;
	if (!e)
		return NULL;
	return *rest ? xasprintf("%s%s", e->path, rest) : xstrdup(e->path);
}

bool decode_proc_own(struct proc *pr, const char *path)
{
	return proc_own(pr, path) != NULL;
}

char *decode_magic_link(struct proc *pr, const char *path)
{
	const char *own = proc_own(pr, path), *rest;
	char *to;

	if (!(own && (!strcmp(own, "/root") || !strcmp(own, "/cwd"))) &&
	    (decode_magic_fd(pr, path, &rest) < 0 || *rest))
		return NULL;
	to = magic_fd_path(pr, path);
	if (to && str_has_prefix(to, FD_UNNAMED)) {
		free(to);
		return NULL;
	}
	return to;
}

char *decode_resolve(struct proc *pr, int dirfd, const char *path)
{
	const char *base;
	char *out, *magic;
	struct fdent *e;

	if (!path)
		return NULL;
	if (path[0] == '/') {
		/* (a magic link's target first, as the kernel follows it: a
		 * ".." after it climbs from there; else one the path names
		 * once normalized) */
		magic = magic_fd_path(pr, path);
		out = magic ? NULL : path_normalize(path);
		if (!magic)
			magic = magic_fd_path(pr, out);
		if (magic) {
			free(out);
			/* (below the unknown-fd mark, a ".." stays below it) */
			out = str_has_prefix(magic, FD_UNNAMED) ? join_normalize(magic, "") :
			      path_normalize(magic);
			free(magic);
		}
		return out;
	}
	if (dirfd == AT_FDCWD) {
		base = pr->cwd;
	} else {
		e = fd_lookup(pr, dirfd);
		base = e ? e->path : FD_UNNAMED;
	}
	if (!*path)
		return xstrdup(base);
	return join_normalize(base, path);
}

char *decode_raw_join(struct proc *pr, int dirfd, const char *path)
{
	const char *base;
	struct fdent *e;

	if (!strstr(path, ".."))
		return NULL;
	/* (through a magic link: from its target, as the kernel goes; not
	 * from a target the tracer does not know) */
	if (path[0] == '/') {
		char *magic = magic_fd_path(pr, path);

		if (magic && !str_has_prefix(magic, FD_UNNAMED))
			return magic;
		free(magic);
		return xstrdup(path);
	}
	if (dirfd == AT_FDCWD) {
		base = pr->cwd;
	} else {
		e = fd_lookup(pr, dirfd);
		if (!e)
			return NULL;
		base = e->path;
	}
	return xasprintf("%s/%s", base, path);
}

void decode_magic_from_kernel(struct task *task, const char *raw)
{
	const char *own = proc_own(task->proc, raw), *rest;
	int fd = decode_magic_fd(task->proc, raw, &rest);
	const struct fdent *e = fd >= 0 ? fd_lookup(task->proc, fd) : NULL;

	/* (not 0-2 unknown: the command's stdio, opened outside the
	 * sandbox, whose name there is the host's; they stay as named) */
	if (fd > 2 && (!e || str_has_prefix(e->path, FD_UNNAMED)))
		proc_base_from_kernel(task->proc, task->tid, fd);
	else if (own && below(own, "/cwd"))
		proc_base_from_kernel(task->proc, task->tid, AT_FDCWD);
}
