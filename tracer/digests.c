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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

#define CACHE_LEN 65536

static struct hash_entry *cache_slot(struct tracer *t, const struct stat *st)
{
	uint64_t h = (uint64_t)st->st_ino * 0x9e3779b97f4a7c15ull ^
		     (uint64_t)st->st_dev ^ (uint64_t)st->st_size;

	if (!t->cache) {
		t->cache = xcalloc(CACHE_LEN, sizeof(*t->cache));
		t->cache_len = CACHE_LEN;
	}
	return &t->cache[h % t->cache_len];
}

static int64_t ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* The cached digest of the file st describes (only files of real
 * filesystems are cached), or false. */
static bool cached(struct tracer *t, const struct stat *st, struct digest *ret)
{
	struct hash_entry *e = cache_slot(t, st);

	if (!e->used || e->dev != st->st_dev || e->ino != st->st_ino ||
	    e->size != st->st_size || e->mtime != ns(&st->st_mtim) ||
	    e->ctime != ns(&st->st_ctim))
		return false;
	*ret = e->digest;
	return true;
}

static int digest_open_fd(struct tracer *t, int fd, struct digest *ret,
			  struct stat *ret_st)
{
	struct hash_entry *e;
	struct timespec now;
	struct statfs fs;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (ret_st)
		*ret_st = st;
	ret->len = 0;
	if (!S_ISREG(st.st_mode) || cached(t, &st, ret) || fstatfs(fd, &fs) < 0)
		return 0;
	/* /proc/self/pagemap says it is a regular file of 256 GiB: files
	 * of pseudo filesystems have no content to digest. */
	if (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC ||
	    fs.f_type == DEBUGFS_MAGIC || fs.f_type == TRACEFS_MAGIC ||
	    fs.f_type == CGROUP2_SUPER_MAGIC)
		return 0;
	e = cache_slot(t, &st);
	t->hashed++;
	if (digest_fd(t->opts->algo, fd, ret) < 0)
		return -1;
	/* git's racy rule: a file changed within the last two seconds may
	 * change again without its times moving (coarse timestamps), so
	 * its digest is not cached. */
	clock_gettime(CLOCK_REALTIME, &now);
	if (ns(&st.st_mtim) < ns(&now) - 2000000000LL &&
	    ns(&st.st_ctim) < ns(&now) - 2000000000LL)
		*e = (struct hash_entry){
			.dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
			.mtime = ns(&st.st_mtim), .ctime = ns(&st.st_ctim),
			.digest = *ret, .used = true,
			/* a filesystem without a device (tmpfs, overlay,
			 * FUSE) may give its numbers to other files in a
			 * later mount: those are for this run only */
			.keep = major(st.st_dev) != 0,
		};
	return 0;
}

int digest_tracee_fd(struct tracer *t, pid_t tid, int fd, struct digest *ret,
		     struct stat *ret_st)
{
	char path[64];
	cleanup_close int mine = -1;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	/* a stat first: most files read are in the cache, or have no
	 * content to digest */
	if (stat(path, &st) == 0 && (!S_ISREG(st.st_mode) || cached(t, &st, ret))) {
		if (!S_ISREG(st.st_mode))
			ret->len = 0;
		if (ret_st)
			*ret_st = st;
		return 0;
	}
	mine = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (mine < 0)
		return -1;
	return digest_open_fd(t, mine, ret, ret_st);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && ns(&a->st_mtim) == ns(&b->st_mtim) &&
	       ns(&a->st_ctim) == ns(&b->st_ctim);
}

/* fd open on the file described by want (an in-process record's), or -1. */
static int open_same(const char *path, const struct stat *want)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd >= 0 && (fstat(fd, &st) < 0 || !same_file(&st, want))) {
		close(fd);
		fd = -1;
	}
	return fd;
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
	struct stat st = { 0 };
	char proc[64];
	cleanup_close int mine = -1;

	if (!r->has_stat)
		return -1;
	st.st_dev = (dev_t)r->dev;
	st.st_ino = (ino_t)r->ino;
	st.st_size = (off_t)r->size;
	st.st_mode = r->mode;
	st.st_mtim = (struct timespec){ r->mtime / 1000000000, r->mtime % 1000000000 };
	st.st_ctim = (struct timespec){ r->ctime / 1000000000, r->ctime % 1000000000 };
	*ret_st = st;
	ret->len = 0;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (cached(t, &st, ret))
		return 0;
	snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, fd);
	mine = open_same(proc, &st);
	if (mine < 0 && path) {
		/* the tracee's /proc/self is /proc/TID here */
		cleanup_free char *p = str_has_prefix(path, "/proc/self/") ?
			xasprintf("/proc/%d/%s", (int)tid, path + 11) :
			str_has_prefix(path, "/proc/thread-self/") ?
			xasprintf("/proc/%d/%s", (int)tid, path + 18) :
			tracee_path(t, tid, path);

		mine = open_same(p, &st);
	}
	if (mine < 0)
		return 0;
	return digest_open_fd(t, mine, ret, NULL);
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

/* The state a path is in now, as the tracee sees it. */
void state_tracee_path(struct tracer *t, pid_t tid, const char *path,
		       struct fstate *ret)
{
	cleanup_free char *p = tracee_path(t, tid, path);
	struct stat st;

	memset(ret, 0, sizeof(*ret));
	ret->has = true;
	if (lstat(p, &st) < 0)
		return;		/* absent */
	ret->mode = st.st_mode & (S_IFMT | 07777);
	if (S_ISREG(st.st_mode)) {
		ret->size = st.st_size;
		digest_tracee_path(t, tid, path, &ret->digest);
	} else if (S_ISLNK(st.st_mode)) {
		char target[4096];
		ssize_t n = readlink(p, target, sizeof(target) - 1);

		if (n >= 0) {
			target[n] = '\0';
			ret->target = xstrdup(target);
		}
	}
}

int digest_tracee_exe(struct tracer *t, pid_t tid, struct digest *ret)
{
	char path[64];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tid);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -1;
	return digest_open_fd(t, fd, ret, NULL);
}

int digest_tracee_path(struct tracer *t, pid_t tid, const char *path,
		       struct digest *ret)
{
	cleanup_free char *p = tracee_path(t, tid, path);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC | O_NOCTTY |
				    O_NONBLOCK | O_NOFOLLOW);

	if (fd < 0)
		return -1;
	return digest_open_fd(t, fd, ret, NULL);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int digest_tracee_dir(struct tracer *t, pid_t tid, int fd, struct digest *ret)
{
	char path[64];
	struct strv names = { 0 };
	struct dirent *de;
	size_t len = 0, off = 0;
	char *buf;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	d = opendir(path);
	if (!d)
		return -1;
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

/* --- the cache across runs ------------------------------------------ */

#define DISK_MAGIC "SRDIGC01"

struct disk_head {
	char magic[8];
	uint32_t algo;
	uint32_t count;
	uint8_t sum[16];	/* XXH3-128 of the entries */
};

struct disk_entry {
	uint64_t dev, ino;
	int64_t size, mtime, ctime;
	uint8_t len, pad[7];
	uint8_t bytes[DIGEST_MAX];
};

static void cache_warn(const char *path, const char *why)
{
	fprintf(stderr, "sandrun: ignoring the digest cache '%s': %s\n", path, why);
}

void digest_cache_load(struct tracer *t)
{
	const char *path = t->opts->digest_cache;
	cleanup_close int fd = -1;
	struct disk_entry *v = NULL;
	struct disk_head h;
	struct digest sum;
	uint8_t want = t->opts->algo == DIGEST_SHA256 ? 32 : 16;
	struct stat st;
	size_t n;

	if (!path || (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return;		/* none yet */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h.magic, DISK_MAGIC, sizeof(h.magic))) {
		cache_warn(path, "not a sandrun digest cache (bad header at byte 0)");
		return;
	}
	if (h.algo != (uint32_t)t->opts->algo) {
		cache_warn(path, "made for another digest algorithm");
		return;
	}
	n = h.count;
	if ((uint64_t)st.st_size != sizeof(h) + (uint64_t)n * sizeof(*v)) {
		cache_warn(path, "its length does not match its entry count (truncated?)");
		return;
	}
	v = xmalloc(n ? n * sizeof(*v) : 1);
	if (n && pread(fd, v, n * sizeof(*v), sizeof(h)) != (ssize_t)(n * sizeof(*v))) {
		free(v);
		cache_warn(path, "cannot be read");
		return;
	}
	digest_buf(DIGEST_XXH128, v, n * sizeof(*v), &sum);
	if (memcmp(sum.bytes, h.sum, sizeof(h.sum))) {
		free(v);
		cache_warn(path, "its checksum does not match (damaged)");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct stat key = { .st_dev = (dev_t)v[i].dev, .st_ino = (ino_t)v[i].ino,
				    .st_size = (off_t)v[i].size };
		struct hash_entry *e;

		if (v[i].len != want)
			continue;
		e = cache_slot(t, &key);
		*e = (struct hash_entry){
			.dev = key.st_dev, .ino = key.st_ino, .size = key.st_size,
			.mtime = v[i].mtime, .ctime = v[i].ctime,
			.used = true, .keep = true,
		};
		e->digest.len = v[i].len;
		memcpy(e->digest.bytes, v[i].bytes, v[i].len);
		t->cache_loaded++;
	}
	free(v);
}

/* mkdir -p of path's directory (private: it tells what a user read). */
static void make_parents(const char *path)
{
	cleanup_free char *dir = xstrdup(path);

	for (char *p = dir + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
}

void digest_cache_save(struct tracer *t)
{
	const char *path = t->opts->digest_cache;
	cleanup_free char *tmp = NULL;
	struct disk_entry *v;
	struct disk_head h = { .algo = (uint32_t)t->opts->algo };
	struct digest sum;
	size_t n = 0, len;
	bool ok;
	int fd;

	if (!path || !t->cache)
		return;
	v = xcalloc(t->cache_len, sizeof(*v));
	for (size_t i = 0; i < t->cache_len; i++) {
		const struct hash_entry *e = &t->cache[i];

		if (!e->used || !e->keep)
			continue;
		v[n] = (struct disk_entry){
			.dev = (uint64_t)e->dev, .ino = (uint64_t)e->ino, .size = e->size,
			.mtime = e->mtime, .ctime = e->ctime, .len = e->digest.len,
		};
		memcpy(v[n].bytes, e->digest.bytes, e->digest.len);
		n++;
	}
	memcpy(h.magic, DISK_MAGIC, sizeof(h.magic));
	h.count = (uint32_t)n;
	digest_buf(DIGEST_XXH128, v, n * sizeof(*v), &sum);
	memcpy(h.sum, sum.bytes, sizeof(h.sum));
	/* a new file renamed over the old: a reader sees one or the other
	 * (no fsync: a cache lost in a crash is only rebuilt) */
	make_parents(path);
	tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	len = n * sizeof(*v);
	ok = fd >= 0 && write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
	     (!len || write(fd, v, len) == (ssize_t)len);
	if (fd >= 0 && close(fd) < 0)
		ok = false;
	if (fd >= 0 && (!ok || rename(tmp, path) < 0))
		unlink(tmp);
	free(v);
}
