// SPDX-License-Identifier: GPL-2.0-or-later
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "tracer/procs.h"

static struct task **bucket(struct procs *ps, pid_t tid)
{
	return &ps->buckets[(unsigned)tid % ARRAY_SIZE(ps->buckets)];
}

struct task *task_find(struct procs *ps, pid_t tid)
{
	for (struct task *t = *bucket(ps, tid); t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

struct task *task_add(struct procs *ps, pid_t tid)
{
	struct task *t = xcalloc(1, sizeof(*t));
	struct task **b = bucket(ps, tid);

	t->tid = tid;
	t->fresh = true;
	t->next = *b;
	*b = t;
	ps->ntasks++;
	return t;
}

void task_detach(struct task *t)
{
	if (t->has_pending) {
		event_clear(&t->pend.ev);
		t->has_pending = false;
	}
	if (t->has_npend) {
		event_clear(&t->npend.ev);
		t->has_npend = false;
	}
	if (t->proc && --t->proc->nthreads <= 0)
		proc_free(t->proc);
	t->proc = NULL;
}

void task_remove(struct procs *ps, pid_t tid)
{
	for (struct task **pp = bucket(ps, tid); *pp; pp = &(*pp)->next) {
		struct task *t = *pp;

		if (t->tid != tid)
			continue;
		*pp = t->next;
		task_detach(t);
		free(t);
		ps->ntasks--;
		return;
	}
}

struct proc *proc_new(pid_t tgid, pid_t parent, const char *cwd)
{
	struct proc *p = xcalloc(1, sizeof(*p));

	p->tgid = tgid;
	p->parent = parent;
	p->cwd = xstrdup(cwd);
	p->nthreads = 1;
	p->alive = 1;
	return p;
}

struct proc *proc_fork(const struct proc *parent, pid_t tgid)
{
	struct proc *p = proc_new(tgid, parent->tgid, parent->cwd);

	p->own_filter = parent->own_filter;
	for (int i = 0; i < parent->nmapped; i++)
		proc_mapped(p, parent->mapped[i]);
	p->fds.n = parent->fds.n;
	p->fds.v = xcalloc((size_t)p->fds.n + 1, sizeof(*p->fds.v));
	for (int i = 0; i < p->fds.n; i++) {
		const struct fdent *e = &parent->fds.v[i];

		if (e->path)
			p->fds.v[i].path = xstrdup(e->path);
		p->fds.v[i].flags = e->flags;
		p->fds.v[i].dev = e->dev;
		p->fds.v[i].ino = e->ino;
	}
	return p;
}

void proc_free(struct proc *p)
{
	for (int i = 0; i < p->fds.n; i++)
		free(p->fds.v[i].path);
	free(p->fds.v);
	free(p->cwd);
	free(p->rings);
	proc_unmapped(p);
	free(p);
}

struct fdent *fd_lookup(struct proc *p, int fd)
{
	if (fd < 0 || fd >= p->fds.n || !p->fds.v[fd].path)
		return NULL;
	return &p->fds.v[fd];
}

void fd_put(struct proc *p, int fd, const char *path, uint8_t flags)
{
	if (fd < 0 || fd > (1 << 20))
		return;
	if (fd >= p->fds.n) {
		int n = fd + 16;

		p->fds.v = xrealloc(p->fds.v, (size_t)n * sizeof(*p->fds.v));
		memset(p->fds.v + p->fds.n, 0,
		       (size_t)(n - p->fds.n) * sizeof(*p->fds.v));
		p->fds.n = n;
	}
	{
		char *copy = path ? xstrdup(path) : NULL;	/* (path may be this
								 * slot's own) */

		free(p->fds.v[fd].path);
		p->fds.v[fd].path = copy;
	}
	p->fds.v[fd].flags = flags;
}

/*
 * The tables name a process's cwd and fds by what it did: a chdir, an
 * open, a dup.  The kernel's names are the truth where that is not
 * enough: a cwd or fd table shared with another process (CLONE_FS,
 * CLONE_FILES), a directory entered through a link and "..", renamed
 * since, an fd received over a socket or moved about where the tracer
 * did not see it.  Asked only for a change (a readlink each), where a
 * wrong base would put it in the wrong place; the names are the
 * sandbox's (/proc/TID/cwd reads so from outside its mount namespace).
 */
void proc_base_from_kernel(struct proc *p, pid_t tid, int dirfd)
{
	char link[64], buf[PATH_MAX];
	const struct fdent *e;
	ssize_t n;

	if (dirfd == AT_FDCWD)
		snprintf(link, sizeof(link), "/proc/%d/cwd", (int)tid);
	else if (dirfd >= 0)
		snprintf(link, sizeof(link), "/proc/%d/fd/%d", (int)tid, dirfd);
	else
		return;
	n = readlink(link, buf, sizeof(buf));
	/* (not a directory's or file's path: a pipe, a socket, a file
	 * deleted since, a name cut short) */
	if (n <= 0 || n >= (ssize_t)sizeof(buf) || buf[0] != '/' ||
	    (n >= 10 && !memcmp(buf + n - 10, " (deleted)", 10)))
		return;
	buf[n] = '\0';
	if (dirfd == AT_FDCWD) {
		if (!p->cwd || strcmp(p->cwd, buf)) {
			free(p->cwd);
			p->cwd = xstrdup(buf);
		}
		return;
	}
	e = fd_lookup(p, dirfd);
	if (!e || strcmp(e->path, buf))
		fd_put(p, dirfd, buf, e ? e->flags : 0);
}

void fd_close(struct proc *p, int fd)
{
	if (fd < 0 || fd >= p->fds.n)
		return;
	free(p->fds.v[fd].path);
	p->fds.v[fd].path = NULL;
	p->fds.v[fd].flags = 0;
}

bool proc_is_mapped(const struct proc *p, const char *path)
{
	for (int i = 0; path && i < p->nmapped; i++)
		if (!strcmp(p->mapped[i], path))
			return true;
	return false;
}

void proc_mapped(struct proc *p, const char *path)
{
	if (proc_is_mapped(p, path))
		return;
	p->mapped = xrealloc(p->mapped, (size_t)(p->nmapped + 1) * sizeof(*p->mapped));
	p->mapped[p->nmapped++] = xstrdup(path);
}

void proc_unmapped(struct proc *p)
{
	for (int i = 0; i < p->nmapped; i++)
		free(p->mapped[i]);
	free(p->mapped);
	p->mapped = NULL;
	p->nmapped = 0;
}

/* s with its leading component(s) from made to, or NULL where from is
 * not s or a directory above it. */
static char *path_moved(const char *s, const char *from, const char *to)
{
	size_t n = strlen(from);

	if (strncmp(s, from, n) != 0 || (s[n] != '\0' && s[n] != '/'))
		return NULL;
	return xasprintf("%s%s", to, s + n);
}

static void name_moved(char **s, const char *from, const char *to, bool exchange)
{
	char *moved = path_moved(*s, from, to);

	if (!moved && exchange)
		moved = path_moved(*s, to, from);
	if (moved) {
		free(*s);
		*s = moved;
	}
}

bool procs_each(struct procs *ps, bool (*fn)(struct proc *p, void *arg), void *arg)
{
	uint64_t gen = ++ps->walks;

	for (size_t b = 0; b < ARRAY_SIZE(ps->buckets); b++)
		for (struct task *t = ps->buckets[b]; t; t = t->next) {
			struct proc *p = t->proc;

			if (!p || p->visited == gen)
				continue;
			p->visited = gen;
			if (!fn(p, arg))
				return false;
		}
	return true;
}

struct rename {
	const char *from, *to;
	bool exchange;
};

static bool proc_renamed(struct proc *p, void *arg)
{
	const struct rename *r = arg;

	name_moved(&p->cwd, r->from, r->to, r->exchange);
	for (int i = 0; i < p->nmapped; i++)
		name_moved(&p->mapped[i], r->from, r->to, r->exchange);
	for (int fd = 0; fd < p->fds.n; fd++) {
		char **path = &p->fds.v[fd].path;

		if (*path)
			name_moved(path, r->from, r->to, r->exchange);
	}
	return true;
}

void procs_renamed(struct procs *ps, const char *from, const char *to, bool exchange)
{
	struct rename r = { from, to, exchange };

	if (!strncmp(from, FD_UNNAMED, strlen(FD_UNNAMED)) ||
	    !strncmp(to, FD_UNNAMED, strlen(FD_UNNAMED)))
		return;
	procs_each(ps, proc_renamed, &r);
}
