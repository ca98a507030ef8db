// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Digests of files as a tracee sees them: through /proc/<tid>/fd/<fd>
 * (the very file it opened) or /proc/<tid>/root/<path> (its mount
 * namespace).  Cached by (dev, ino, size, mtime, ctime), so each version
 * of a file is hashed once; the cache is kept across runs in a file
 * (digest_cache_save), as git's index keeps what it knows of a file by
 * the same identity.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tracer/digest_cache.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

/*
 * Whether a digest may be kept for later runs: only on filesystems whose
 * device, inode numbers and times stay the file's own across mounts.
 * tmpfs, overlay, FUSE, btrfs and NFS have no fixed device number (a
 * later mount may give theirs to other files); a loop, nbd or RAM disk
 * may hold another image next time, with the same inode numbers and
 * times when it was built reproducibly (SOURCE_DATE_EPOCH).
 */
static bool keepable(const struct stat *st, const struct statfs *fs)
{
	unsigned maj = major(st->st_dev);

	if (maj == 0 || maj == 1 /* ram */ || maj == 7 /* loop */ || maj == 43 /* nbd */)
		return false;
	return fs->f_type == EXT4_SUPER_MAGIC /* and ext2, ext3 */ ||
	       fs->f_type == XFS_SUPER_MAGIC || fs->f_type == F2FS_SUPER_MAGIC;
}

/* fd's digest; writer: what a writer leaves at its close, which this
 * run's readers may take within git's racy window. */
static int digest_open_fd(struct tracer *t, int fd, struct digest *ret,
			  struct stat *ret_st, bool writer)
{
	struct hash_entry *e;
	struct timespec now;
	struct statfs fs;
	struct stat st;
	bool racy;

	if (fstat(fd, &st) < 0)
		return -1;
	if (ret_st)
		*ret_st = st;
	ret->len = 0;
	if (!S_ISREG(st.st_mode) || digest_cached(t, &st, ret) || fstatfs(fd, &fs) < 0)
		return 0;
	if (inproc_pseudo_fs((unsigned long)fs.f_type))
		return 0;
	e = digest_cache_slot(t, &st);
	if (digest_fd(t->opts->algo, fd, ret) < 0)
		return -1;
	t->hashed++;
	/* git's racy rule: a file changed within the last two seconds may
	 * change again without its times moving (coarse timestamps), so
	 * its digest is not cached.  But for this run's readers of what a
	 * writer leaves at its close: a change needs a writer, and while
	 * one the tracer knows of is open on the file, the digest is not
	 * taken from the cache (digest_cached); it is taken anew at that
	 * writer's close. */
	clock_gettime(CLOCK_REALTIME, &now);
	racy = ns(&st.st_mtim) >= ns(&now) - 2000000000LL ||
	       ns(&st.st_ctim) >= ns(&now) - 2000000000LL;
	if (!racy || writer) {
		struct hash_entry v = {
			.dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
			.mtime = ns(&st.st_mtim), .ctime = ns(&st.st_ctim),
			.digest = *ret, .used = true, .keep = !racy && keepable(&st, &fs),
			.fresh = racy,
		};

		digest_cache_set(t, e, &v);
		t->cache_dirty |= v.keep;
	}
	return 0;
}

static int digest_fd_of(struct tracer *t, pid_t tid, int fd, struct digest *ret,
			struct stat *ret_st, bool writer)
{
	char path[64];
	cleanup_close int mine = -1;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	/* a stat first: most files read are in the cache, or have no
	 * content to digest */
	if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || digest_cached(t, &st, ret))) {
		if (!S_ISREG(st.st_mode))
			ret->len = 0;
		if (ret_st)
			*ret_st = st;
		return 0;
	}
	mine = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (mine < 0)
		return -1;
	return digest_open_fd(t, mine, ret, ret_st, writer);
}

int digest_tracee_fd(struct tracer *t, pid_t tid, int fd, struct digest *ret,
		     struct stat *ret_st)
{
	return digest_fd_of(t, tid, fd, ret, ret_st, false);
}

int digest_writer_fd(struct tracer *t, pid_t tid, int fd, struct digest *ret,
		     struct stat *ret_st)
{
	return digest_fd_of(t, tid, fd, ret, ret_st, true);
}

/* What digest_known_writer looks for. */
struct writer_search {
	struct tracer *t;
	dev_t dev;
	ino_t ino;
};

static bool same_ident(const struct writer_search *w, const struct stat *st)
{
	return st->st_dev == w->dev && st->st_ino == w->ino;
}

/* (false: p has it open for writing, or maps it) */
static bool no_writer_in(struct proc *p, void *arg)
{
	const struct writer_search *w = arg;
	struct stat st;

	for (int fd = 0; fd < p->fds.n; fd++) {
		struct fdent *e = &p->fds.v[fd];
		char path[64];

		if (!(e->flags & (FDF_WRITE | FDF_LOG)))
			continue;
		/* (an fd's file is its own while it is open: looked up once;
		 * one gone meanwhile, with its process, writes no more) */
		if (!(e->flags & FDF_IDENT)) {
			snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)p->tgid, fd);
			if (stat(path, &st) < 0)
				continue;
			e->dev = st.st_dev;
			e->ino = st.st_ino;
			e->flags |= FDF_IDENT;
		}
		if (e->dev == w->dev && e->ino == w->ino)
			return false;
	}
	for (int i = 0; i < p->nmapped; i++) {
		cleanup_close int fd = tracee_open(w->t, 0, p->mapped[i], O_PATH);

		if (fd >= 0 && fstat(fd, &st) == 0 && same_ident(w, &st))
			return false;
	}
	return true;
}

bool digest_known_writer(struct tracer *t, const struct stat *st)
{
	struct writer_search w = { t, st->st_dev, st->st_ino };

	return !procs_each(&t->procs, no_writer_in, &w);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && ns(&a->st_mtim) == ns(&b->st_mtim) &&
	       ns(&a->st_ctim) == ns(&b->st_ctim);
}

/* fd open on the file described by want (an in-process record's), or -1;
 * nothing else is opened (a FIFO or a device where the fd or the name
 * leads now), and it is checked again once open. */
static int open_same(const char *path, const struct stat *want)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0 || !same_file(&st, want))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
			(S_ISDIR(want->st_mode) ? O_DIRECTORY : 0));
	if (fd >= 0 && (fstat(fd, &st) < 0 || !same_file(&st, want))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* open_same() of a path as the tracee sees it (tracee_open). */
static int open_same_tracee(struct tracer *t, pid_t tid, const char *path,
			    const struct stat *want)
{
	cleanup_close int at = tracee_open(t, tid, path, O_PATH);
	struct stat st;
	int fd;

	if (at < 0 || fstat(at, &st) < 0 || !same_file(&st, want))
		return -1;
	fd = tracee_open(t, tid, path, O_RDONLY | O_NOCTTY | O_NONBLOCK |
			 (S_ISDIR(want->st_mode) ? O_DIRECTORY : 0));
	if (fd >= 0 && (fstat(fd, &st) < 0 || !same_file(&st, want))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The identity an in-process record gives its file. */
static void rec_stat(const struct inproc_rec *r, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = (dev_t)r->dev;
	st->st_ino = (ino_t)r->ino;
	st->st_size = (off_t)r->size;
	st->st_mode = r->mode;
	st->st_mtim = (struct timespec){ r->mtime / 1000000000, r->mtime % 1000000000 };
	st->st_ctim = (struct timespec){ r->ctime / 1000000000, r->ctime % 1000000000 };
}

/* The file a record describes, opened by the tracer: through the fd if
 * it still holds that file, else by its name if that still leads to it;
 * -1 if it changed in between. */
static int open_recorded(struct tracer *t, pid_t tid, int fd, const char *path,
			 const struct stat *st)
{
	char proc[64];
	int mine;

	snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, fd);
	mine = open_same(proc, st);
	if (mine >= 0 || !path)
		return mine;
	/* the tracee's /proc/self is /proc/TID here */
	if (str_has_prefix(path, "/proc/self/") || str_has_prefix(path, "/proc/thread-self/")) {
		cleanup_free char *p = xasprintf("/proc/%d/%s", (int)tid,
						 strchr(path + 6, '/') + 1);

		return open_same(p, st);
	}
	return open_same_tracee(t, tid, path, st);
}

/*
 * The digest of a file an in-process record says was opened for reading:
 * the record has the file's identity at the time (device, inode, size,
 * times), so a cached digest of that version is the answer; otherwise
 * the file is read if the fd still holds it or its name still leads to
 * it.  If it changed in between, its content at the time is unknown (no
 * digest, as for a file that vanished).
 */
int digest_recorded(struct tracer *t, pid_t tid, int fd, const char *path,
		    const struct inproc_rec *r, struct digest *ret,
		    struct stat *ret_st)
{
	struct stat st;
	cleanup_close int mine = -1;

	if (!r->has_stat)
		return -1;
	rec_stat(r, &st);
	*ret_st = st;
	ret->len = 0;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (digest_cached(t, &st, ret))
		return 0;
	mine = open_recorded(t, tid, fd, path, &st);
	if (mine < 0)
		return 0;
	return digest_open_fd(t, mine, ret, NULL, false);
}

char *tracee_path(const struct tracer *t, pid_t tid, const char *path)
{
	if (!tid && t->root_fd > 0)
		return xasprintf("/proc/self/fd/%d%s", t->root_fd, path);
	return xasprintf("/proc/%d/root%s", (int)tid, path);
}

void tracer_keep_root(struct tracer *t, pid_t tid)
{
	char root[64];

	if (t->root_fd)
		return;
	snprintf(root, sizeof(root), "/proc/%d/root", (int)tid);
	t->root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (t->root_fd <= 0)
		t->root_fd = -1;
}

int tracee_open(struct tracer *t, pid_t tid, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(unsigned)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd, tries = 0;

	if (tid)
		tracer_keep_root(t, tid);
	/* (under /proc and /dev: through /proc/TID/root, which follows
	 * magic links such as /proc/PID/cwd, as before; RESOLVE_IN_ROOT
	 * refuses them, and probe_at_entry leaves those paths alone) */
	if (t->root_fd <= 0 || path_is_under(path, "/proc") || path_is_under(path, "/dev")) {
		cleanup_free char *p = tracee_path(t, tid, path);

		return open(p, flags | O_CLOEXEC);
	}
	/* (EAGAIN: a rename or mount meanwhile, with a ".." in the way) */
	do
		fd = (int)syscall(SYS_openat2, t->root_fd, path, &how, sizeof(how));
	while (fd < 0 && errno == EAGAIN && ++tries < 3);
	return fd;
}

int tracee_lstat(struct tracer *t, pid_t tid, const char *path, struct stat *st)
{
	cleanup_close int fd = tracee_open(t, tid, path, O_PATH | O_NOFOLLOW);

	return fd < 0 ? -1 : fstat(fd, st);
}

/* The state a path is in now, as the tracee sees it. */
void state_tracee_path(struct tracer *t, pid_t tid, const char *path,
		       struct fstate *ret)
{
	cleanup_close int fd = tracee_open(t, tid, path, O_PATH | O_NOFOLLOW);
	struct stat st;

	memset(ret, 0, sizeof(*ret));
	ret->has = true;
	if (fd < 0 || fstat(fd, &st) < 0)
		return;		/* absent */
	ret->mode = st.st_mode & (S_IFMT | 07777);
	if (S_ISREG(st.st_mode)) {
		ret->size = st.st_size;
		digest_tracee_path(t, tid, path, &ret->digest);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(fd, "", target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			ret->target = xstrdup(target);
		}
	}
}

int digest_tracee_exe(struct tracer *t, pid_t tid, struct digest *ret, struct stat *ret_st)
{
	char path[64];
	cleanup_close int fd = -1;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tid);
	memset(ret_st, 0, sizeof(*ret_st));
	/* a stat first: a program run before is in the cache */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && digest_cached(t, &st, ret)) {
		*ret_st = st;
		return 0;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	return digest_open_fd(t, fd, ret, ret_st, false);
}

int digest_tracee_path(struct tracer *t, pid_t tid, const char *path,
		       struct digest *ret)
{
	cleanup_close int fd = tracee_open(t, tid, path, O_RDONLY | O_NOCTTY |
					   O_NONBLOCK | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	return digest_open_fd(t, fd, ret, NULL, false);
}

int digest_tracee_file(struct tracer *t, pid_t tid, const char *path,
		       struct digest *ret)
{
	cleanup_close int fd = tracee_open(t, tid, path, O_RDONLY | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return -1;
	return digest_open_fd(t, fd, ret, NULL, false);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A directory's listing (its names but . and .., sorted,
 * NUL-separated), digested; dfd is consumed. */
static int digest_dir(struct tracer *t, int dfd, struct digest *ret)
{
	struct strv names = { 0 };
	struct dirent *de;
	size_t len = 0, off = 0;
	char *buf;
	DIR *d;

	if (dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return -1;
	}
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			strv_push(&names, xstrdup(de->d_name));
	closedir(d);
	if (names.n)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n; i++)
		len += strlen(names.v[i]) + 1;
	buf = xmalloc(len + 1);
	for (size_t i = 0; i < names.n; i++) {
		size_t n = strlen(names.v[i]) + 1;

		memcpy(buf + off, names.v[i], n);	/* NUL-separated */
		off += n;
	}
	digest_buf(t->opts->algo, buf, len, ret);
	free(buf);
	strv_free(&names);
	return 0;
}

int digest_tracee_dir(struct tracer *t, pid_t tid, int fd, struct digest *ret)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	return digest_dir(t, open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret);
}

/*
 * The listing of a directory an in-process record says was read
 * (getdents64, with the directory's identity then): read again through
 * the fd or by its name, as long as the directory is unchanged (its
 * times move with every entry added or taken away), else unknown (no
 * digest).
 */
int digest_recorded_dir(struct tracer *t, pid_t tid, int fd, const char *path,
			const struct inproc_rec *r, struct digest *ret)
{
	struct stat st;

	ret->len = 0;
	if (!r->has_stat)
		return -1;
	rec_stat(r, &st);
	if (!S_ISDIR(st.st_mode))
		return -1;
	return digest_dir(t, open_recorded(t, tid, fd, path, &st), ret);
}
