// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Before/after snapshots, for exact filesystem deltas.  The first time a
 * run is about to change a path (at the syscall's entry stop, before it
 * runs), the path's current state is recorded: absent, or type,
 * permissions, size, digest or link target.  When the command ends, the
 * state of every such path is recorded again.  A run's delta is then the
 * paths whose two states differ: rewriting identical content is no
 * change, temp files that came and went are no change, and no ordering
 * between processes is needed.  A directory renamed is snapshotted with
 * everything below it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tracer/decode_priv.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

struct pathset {
	char **slots;
	size_t cap, n;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool pathset_has(const struct pathset *ps, const char *path)
{
	size_t i;

	if (!ps->cap)
		return false;
	i = hash_str(path) & (ps->cap - 1);
	while (ps->slots[i]) {
		if (!strcmp(ps->slots[i], path))
			return true;
		i = (i + 1) & (ps->cap - 1);
	}
	return false;
}

/* True if newly added. */
static bool pathset_add(struct pathset *ps, const char *path)
{
	size_t i;

	if (ps->n * 2 >= ps->cap) {
		struct pathset bigger = { .cap = ps->cap ? ps->cap * 2 : 1024 };

		bigger.slots = xcalloc(bigger.cap, sizeof(char *));
		for (size_t k = 0; k < ps->cap; k++) {
			if (!ps->slots[k])
				continue;
			i = hash_str(ps->slots[k]) & (bigger.cap - 1);
			while (bigger.slots[i])
				i = (i + 1) & (bigger.cap - 1);
			bigger.slots[i] = ps->slots[k];
		}
		bigger.n = ps->n;
		free(ps->slots);
		*ps = bigger;
	}
	i = hash_str(path) & (ps->cap - 1);
	while (ps->slots[i]) {
		if (!strcmp(ps->slots[i], path))
			return false;
		i = (i + 1) & (ps->cap - 1);
	}
	ps->slots[i] = xstrdup(path);
	ps->n++;
	return true;
}

static void record_state(struct tracer *t, pid_t tid, const char *path,
			 enum ev_kind kind, int depth);

/* A directory, never through a symlink (a renamed link is a link). */
static DIR *opendir_nofollow(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;

	if (fd < 0)
		return NULL;
	d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/*
 * The path a change really touches, as the tracee sees it: walked one
 * component at a time the way the kernel does, following symlinks in its
 * directories (and in the last component when the syscall follows it),
 * and applying ".." to what a link led to, not to the link's name.
 */
char *snapshot_physical(const struct task *task, const char *path, bool follow_last)
{
	return snapshot_physical_in(task, "", path, follow_last);
}

/* A link's target's components pushed to be walked next (in reverse);
 * an absolute one restarts the walk at the root. */
static void walk_link(struct strv *ahead, const char *target, char **done, const char *root,
		      size_t rootlen)
{
	struct strv parts = { 0 };
	char *copy = xstrdup(target), *save = NULL, *tok;

	for (tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save))
		strv_push(&parts, xstrdup(tok));
	free(copy);
	for (size_t i = parts.n; i-- > 0;)
		strv_push(ahead, xstrdup(parts.v[i]));
	strv_free(&parts);
	if (target[0] == '/') {
		free(*done);
		*done = xasprintf("%.*s", (int)rootlen, root);
	}
}

char *snapshot_physical_in(const struct task *task, const char *root, const char *path,
			   bool follow_last)
{
	pid_t tid = task->tid;
	struct strv ahead = { 0 };	/* components left, in reverse */
	size_t rootlen = strcmp(root, "/") ? strlen(root) : 0;
	char *done = xasprintf("%.*s", (int)rootlen, root);	/* the resolved prefix */
	int links = 0;

	walk_link(&ahead, path, &done, root, rootlen);
	while (ahead.n) {
		char *comp = ahead.v[--ahead.n];
		bool last = ahead.n == 0;
		char target[PATH_MAX];
		char *next, *full, *magic;
		ssize_t n = -1;

		ahead.v[ahead.n] = NULL;
		if (!strcmp(comp, ".")) {
			free(comp);
			continue;
		}
		if (!strcmp(comp, "..")) {
			char *slash = strrchr(done, '/');

			/* (never above the root: RESOLVE_IN_ROOT's) */
			if (slash && (size_t)(slash - done) >= rootlen)
				*slash = '\0';
			free(comp);
			continue;
		}
		next = xasprintf("%s/%s", done, comp);
		free(comp);
		/* (the process's own magic link, reached however: what its
		 * fd table or cwd names; the tracer's readlink of the
		 * sandbox's /proc/self would find no process) */
		if ((!last || follow_last) && links < 40 && !rootlen && task->proc &&
		    (str_has_prefix(next, "/proc/") || str_has_prefix(next, "/dev/")) &&
		    (magic = decode_magic_link(task->proc, next))) {
			links++;
			free(next);
			walk_link(&ahead, magic, &done, root, rootlen);
			free(magic);
			continue;
		}
		if ((!last || follow_last) && links < 40) {
			full = xasprintf("/proc/%d/root%s", (int)tid, next);
			n = readlink(full, target, sizeof(target) - 1);
			free(full);
		}
		if (n < 0) {
			free(done);
			done = next;
			continue;
		}
		/* A link: its target's components come next. */
		target[n] = '\0';
		links++;
		free(next);
		walk_link(&ahead, target, &done, root, rootlen);
	}
	strv_free(&ahead);
	if (!*done) {
		free(done);
		return xstrdup("/");
	}
	return done;
}

/* A directory's entries but . and .. (names, and with types: each
 * name followed by a one-byte string of its d_type), read whole and the
 * directory closed: a walk down a deep tree holds no fd a level.  False
 * if it cannot be opened. */
static bool dir_names(const char *full, struct strv *ret)
{
	struct dirent *de;
	DIR *d = opendir_nofollow(full);

	if (!d)
		return false;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strv_push(ret, xstrdup(de->d_name));
		strv_push(ret, xasprintf("%c", de->d_type == DT_DIR ? 'd' : '-'));
	}
	closedir(d);
	return true;
}

/* (deep enough for any path the kernel takes: PATH_MAX is 4096) */
#define TREE_DEPTH_MAX 2048

static void record_children(struct tracer *t, pid_t tid, const char *path,
			    enum ev_kind kind, int depth)
{
	cleanup_free char *full = tracee_path(t, tid, path);
	struct strv names = { 0 };

	if (depth > TREE_DEPTH_MAX || !dir_names(full, &names))
		return;
	for (size_t i = 0; i < names.n; i += 2) {
		cleanup_free char *child = xasprintf("%s/%s", strcmp(path, "/") ? path : "",
						     names.v[i]);

		if (kind == EV_AFTER || pathset_add(t->touched, child))
			record_state(t, tid, child, kind, depth + 1);
	}
	strv_free(&names);
}

/*
 * A file with other names changes under all of them: find them in the
 * source tree (by device and inode) and snapshot them too.  Only for
 * files with more than one link, which builds rarely make; the walk
 * ends when all its links are found (*left: those still to find), and
 * at a depth no PATH_MAX-long path reaches with names of a byte and
 * more (a directory open a level).
 */
#define NAMES_DEPTH 2048

static void other_names(struct tracer *t, pid_t tid, const char *dir,
			const struct stat *of, int depth, nlink_t *left)
{
	cleanup_free char *full = tracee_path(t, tid, dir);
	struct dirent *de;
	DIR *d;

	if (depth > NAMES_DEPTH || !*left || !(d = opendir_nofollow(full)))
		return;
	while (*left && (de = readdir(d))) {
		cleanup_free char *child = NULL;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = xasprintf("%s/%s", dir, de->d_name);
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			other_names(t, tid, child, of, depth + 1, left);
		} else if (st.st_ino == of->st_ino && st.st_dev == of->st_dev) {
			(*left)--;
			if (pathset_add(t->touched, child))
				record_state(t, tid, child, EV_BEFORE, -1);
		}
	}
	closedir(d);
}

/* Whether a directory above path is a symbolic link now (made since the
 * path was touched): path is no name in the tree then, though lstat
 * finds a file through the link (errno ELOOP). */
static bool below_link(const struct tracer *t, const char *path)
{
	struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS };
	int fd;

	if (t->root_fd <= 0)
		return false;
	fd = (int)syscall(SYS_openat2, t->root_fd, path, &how, sizeof(how));
	if (fd >= 0) {
		close(fd);
		return false;
	}
	return errno == ELOOP;
}

/* Whether path is at or below a mount point of what is not the tree's
 * (tracer.h). */
static bool not_the_trees(const struct tracer *t, const char *path)
{
	for (size_t i = 0; i < t->opts->nmounted; i++)
		if (path_is_under(path, t->opts->mounted[i]))
			return true;
	return false;
}

static void record_state(struct tracer *t, pid_t tid, const char *path,
			 enum ev_kind kind, int depth)
{
	cleanup_free char *full = NULL;
	struct event ev = { .kind = kind, .pid = t->root_pid };
	struct stat st;
	int e;

	if (not_the_trees(t, path))
		return;
	full = tracee_path(t, tid, path);

	ev.path = xstrdup(path);
	e = lstat(full, &st) < 0 ? errno : 0;
	/* (where the tracer may not look and the build may, a directory
	 * made unsearchable in a run without privileges or a name too
	 * long, the state is unknown, with its errno: not made up as
	 * absent; fold leaves it out and says so) */
	if (e || (kind == EV_AFTER && below_link(t, path))) {
		/* (through a link: no name in the tree, as if absent) */
		ev.result = e && e != ELOOP ? -e : -ENOENT;
		tracer_emit(t, &ev);
		return;
	}
	ev.mode = st.st_mode & (S_IFMT | 07777);
	if (S_ISREG(st.st_mode)) {
		ev.aux = st.st_size;
		digest_tracee_path(t, tid, path, &ev.digest);
		if (kind == EV_BEFORE && st.st_nlink > 1 && t->opts->src) {
			tracer_emit(t, &ev);
			nlink_t left = st.st_nlink;	/* (its own name too) */

			other_names(t, tid, t->opts->src, &st, 0, &left);
			return;
		}
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(full, target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			ev.path2 = xstrdup(target);
		}
	}
	tracer_emit(t, &ev);
	if (S_ISDIR(st.st_mode) && depth >= 0)
		record_children(t, tid, path, kind, depth);
}

bool snapshot_seen_lexical(struct tracer *t, const char *path, bool mark)
{
	if (!t->lexical)
		t->lexical = xcalloc(1, sizeof(*t->lexical));
	if (mark)
		return !pathset_add(t->lexical, path);
	return pathset_has(t->lexical, path);
}

void snapshot_before(struct tracer *t, pid_t tid, const char *path, bool tree)
{
	/* (the sandbox's /proc is no file a run leaves: a write to a
	 * process's oom_score_adj was a "removed" file, named by its pid) */
	if (!path || path[0] != '/' || path_is_under(path, "/proc"))
		return;
	if (!t->touched)
		t->touched = xcalloc(1, sizeof(*t->touched));
	if (pathset_add(t->touched, path))
		record_state(t, tid, path, EV_BEFORE, tree ? 0 : -1);
}

/*
 * Whether a rename can move the directory at path, so that what is below
 * it is worth a snapshot: not on a read-only mount (EROFS: the host's
 * root), a pseudo filesystem (/proc, /sys) or the root of a mount
 * (EBUSY: "/", $SRC itself).  A rename of "/" would otherwise have the
 * tracer walk the whole filesystem before the kernel refuses it.
 */
static bool may_move_tree(struct tracer *t, pid_t tid, const char *path)
{
	cleanup_close int fd = tracee_open(t, tid, path, O_PATH | O_NOFOLLOW);
	struct statx stx;
	struct statfs fs;

	if (fd < 0 || fstatfs(fd, &fs) < 0 || (fs.f_flags & ST_RDONLY) ||
	    inproc_pseudo_fs((unsigned long)fs.f_type))
		return false;
	return statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, STATX_TYPE, &stx) < 0 ||
	       !(stx.stx_attributes_mask & STATX_ATTR_MOUNT_ROOT) ||
	       !(stx.stx_attributes & STATX_ATTR_MOUNT_ROOT);
}

/* rename(src, dst) of a directory moves everything below it: each
 * src/x is about to vanish and each dst/x to appear. */
static void rename_tree(struct tracer *t, pid_t tid, const char *src,
			const char *dst, int depth)
{
	cleanup_free char *full = xasprintf("/proc/%d/root%s", (int)tid, src);
	struct strv names = { 0 };

	if (depth > TREE_DEPTH_MAX || !dir_names(full, &names))
		return;
	for (size_t i = 0; i < names.n; i += 2) {
		cleanup_free char *s = xasprintf("%s/%s", src, names.v[i]);
		cleanup_free char *n = xasprintf("%s/%s", dst, names.v[i]);

		snapshot_before(t, tid, s, false);
		snapshot_before(t, tid, n, false);
		if (names.v[i + 1][0] == 'd')
			rename_tree(t, tid, s, n, depth + 1);
	}
	strv_free(&names);
}

void snapshot_rename(struct tracer *t, pid_t tid, const char *src,
		     const char *dst)
{
	snapshot_before(t, tid, src, false);
	snapshot_before(t, tid, dst, dst && may_move_tree(t, tid, dst));
	if (src && dst && may_move_tree(t, tid, src))
		rename_tree(t, tid, src, dst, 0);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void snapshot_after_all(struct tracer *t, pid_t tid)
{
	struct pathset *ps = t->touched;
	char **all;
	size_t n = 0;

	if (!ps)
		return;
	all = xcalloc(ps->n + 1, sizeof(*all));
	for (size_t i = 0; i < ps->cap; i++)
		if (ps->slots[i])
			all[n++] = ps->slots[i];
	qsort(all, n, sizeof(*all), cmp_str);
	/* Directories are recorded without descent here: what is below a
	 * renamed one was added to the set when it was renamed. */
	/* through the command's root: pid 1 may be closed to us */
	if (t->root_fd > 0)
		tid = 0;
	for (size_t i = 0; i < n; i++)
		record_state(t, tid, all[i], EV_AFTER, -1);
	free(all);
}

static void pathset_free(struct pathset *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->cap; i++)
		free(ps->slots[i]);
	free(ps->slots);
	free(ps);
}

void snapshot_lexical_forget(struct tracer *t)
{
	pathset_free(t->lexical);
	t->lexical = NULL;
}

void snapshot_free(struct tracer *t)
{
	pathset_free(t->touched);
	pathset_free(t->lexical);
	t->touched = t->lexical = NULL;
}
