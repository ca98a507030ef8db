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
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tracer/inproc.h"
#include "tracer/tracer.h"

#define CACHE_BITS 16		/* the most slots: 1 << CACHE_BITS */
#define CACHE_LEN (1u << CACHE_BITS)
#define CACHE_MIN (1u << 10)
#define CACHE_PROBE 16

/* An identity's home slot: a Fibonacci hash, to the table's size. */
static size_t cache_home(const struct tracer *t, uint64_t dev, uint64_t ino)
{
	uint64_t h = (ino ^ (dev << 40 | dev >> 24)) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> (64 - __builtin_ctzl(t->cache_len)));
}

/*
 * The table, twice as large, its entries moved (one that would lie past
 * CACHE_PROBE slots from its home is dropped).  It starts small and
 * grows while three quarters full, or when a file's CACHE_PROBE slots
 * are, to CACHE_LEN slots (cache_slot): all of them at
 * once (5 MiB) cost every run a page fault a file, ~5 ms for a cache of
 * 800 digests on a VM.
 */
static void cache_grow(struct tracer *t)
{
	struct hash_entry *old = t->cache;
	size_t n = 0;

	t->cache_len = t->cache_len ? 2 * t->cache_len : CACHE_MIN;
	t->cache = xcalloc(t->cache_len, sizeof(*t->cache));
	for (size_t i = 0; i < t->ncache_used; i++) {
		const struct hash_entry *e = &old[t->cache_used[i]];
		size_t at = cache_home(t, (uint64_t)e->dev, (uint64_t)e->ino);

		for (size_t k = 0; k < CACHE_PROBE; k++, at = (at + 1) & (t->cache_len - 1))
			if (!t->cache[at].used) {
				t->cache[at] = *e;
				t->cache_used[n++] = (uint32_t)at;
				break;
			}
	}
	t->ncache_used = n;
	free(old);
}

/*
 * The slot for the file st describes, by its identity (device, inode):
 * the one that holds it (any version of it) or, if none does, the first
 * free one; open addressing, probed linearly from its home slot, so two
 * files whose home slots coincide both stay cached.  Past CACHE_PROBE
 * full slots the table grows; at its largest, the home slot is given up
 * to the newcomer.
 */
static struct hash_entry *cache_slot(struct tracer *t, const struct stat *st)
{
	if (t->cache_len < CACHE_LEN && t->ncache_used >= t->cache_len / 4 * 3)
		cache_grow(t);
	for (;;) {
		size_t home = cache_home(t, (uint64_t)st->st_dev, (uint64_t)st->st_ino);

		for (size_t i = 0; i < CACHE_PROBE; i++) {
			struct hash_entry *e = &t->cache[(home + i) & (t->cache_len - 1)];

			/* (nothing is ever removed: no entry past a free slot) */
			if (!e->used || (e->dev == st->st_dev && e->ino == st->st_ino))
				return e;
		}
		if (t->cache_len >= CACHE_LEN)
			return &t->cache[home];
		cache_grow(t);
	}
}

/* e, in use from now on: its slot noted (the table is sparse; only the
 * slots used are ever walked). */
static void cache_set(struct tracer *t, struct hash_entry *e, const struct hash_entry *v)
{
	if (!e->used) {
		if (t->ncache_used == t->cache_used_cap) {
			t->cache_used_cap = t->cache_used_cap ? 2 * t->cache_used_cap : 1024;
			t->cache_used = xrealloc(t->cache_used,
						 t->cache_used_cap * sizeof(*t->cache_used));
		}
		t->cache_used[t->ncache_used++] = (uint32_t)(e - t->cache);
	}
	*e = *v;
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
	if (e->from_file) {	/* its first use this run */
		e->from_file = false;
		t->cache_hits++;
	}
	*ret = e->digest;
	return true;
}

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
	if (inproc_pseudo_fs((unsigned long)fs.f_type))
		return 0;
	e = cache_slot(t, &st);
	if (digest_fd(t->opts->algo, fd, ret) < 0)
		return -1;
	t->hashed++;
	/* git's racy rule: a file changed within the last two seconds may
	 * change again without its times moving (coarse timestamps), so
	 * its digest is not cached. */
	clock_gettime(CLOCK_REALTIME, &now);
	if (ns(&st.st_mtim) < ns(&now) - 2000000000LL &&
	    ns(&st.st_ctim) < ns(&now) - 2000000000LL) {
		struct hash_entry v = {
			.dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
			.mtime = ns(&st.st_mtim), .ctime = ns(&st.st_ctim),
			.digest = *ret, .used = true, .keep = keepable(&st, &fs),
		};

		cache_set(t, e, &v);
		t->cache_dirty |= v.keep;
	}
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
static int open_recorded(const struct tracer *t, pid_t tid, int fd, const char *path,
			 const struct stat *st)
{
	char proc[64];
	int mine;

	snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, fd);
	mine = open_same(proc, st);
	if (mine < 0 && path) {
		/* the tracee's /proc/self is /proc/TID here */
		cleanup_free char *p = str_has_prefix(path, "/proc/self/") ?
			xasprintf("/proc/%d/%s", (int)tid, path + 11) :
			str_has_prefix(path, "/proc/thread-self/") ?
			xasprintf("/proc/%d/%s", (int)tid, path + 18) :
			tracee_path(t, tid, path);

		mine = open_same(p, st);
	}
	return mine;
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
	if (cached(t, &st, ret))
		return 0;
	mine = open_recorded(t, tid, fd, path, &st);
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
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)tid);
	/* a stat first: a program run before is in the cache */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && cached(t, &st, ret))
		return 0;
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

/* --- the cache across runs ------------------------------------------ */

/* The file: a header, then count entries, all in the host's byte order
 * (the header says which, with the entry size and the algorithm). */
#define DISK_MAGIC "SRDIGC02"

struct disk_head {
	char magic[8];
	uint32_t order;		/* DISK_ORDER as written */
	uint32_t entry_size;	/* sizeof(struct disk_entry) */
	char algo[8];		/* digest_algo_name(), NUL-padded */
	uint32_t count;
	uint32_t pad;
	uint8_t sum[16];	/* XXH3-128 of the entries */
};
#define DISK_ORDER 0x01020304u

struct disk_entry {
	uint64_t dev, ino;
	int64_t size, mtime, ctime;
	uint8_t len, pad[7];
	uint8_t bytes[DIGEST_MAX];
};
_Static_assert(sizeof(struct disk_head) == 48 && sizeof(struct disk_entry) == 80,
	       "the cache file's layout");

static void cache_warn(const char *path, const char *why, int err)
{
	fprintf(stderr, "sandrun: warning: ignoring the digest cache '%s': %s%s%s\n",
		path, why, err ? ": " : "", err ? strerror(err) : "");
}

/* The header of the cache file fd (st: its stat) checked; its entry
 * count, or -1 (warned). */
static long check_head(const struct tracer *t, const char *path, int fd,
		       const struct stat *st, struct disk_head *h)
{
	char algo[sizeof(h->algo)] = { 0 };
	ssize_t n;

	strncpy(algo, digest_algo_name(t->opts->algo), sizeof(algo) - 1);
	if (!S_ISREG(st->st_mode))
		return cache_warn(path, "not a regular file", 0), -1;
	n = pread(fd, h, sizeof(*h), 0);
	if (n < 0)
		return cache_warn(path, "cannot be read", errno), -1;
	if (n < (ssize_t)sizeof(*h) && (size_t)n >= sizeof(h->magic) &&
	    !memcmp(h->magic, DISK_MAGIC, sizeof(h->magic)))
		return cache_warn(path, "truncated in its header", 0), -1;
	if (n >= 6 && !memcmp(h->magic, DISK_MAGIC, 6) &&
	    (n < (ssize_t)sizeof(h->magic) || memcmp(h->magic, DISK_MAGIC, sizeof(h->magic))))
		return -1;	/* another version's: replaced */
	if (n < (ssize_t)sizeof(*h) || memcmp(h->magic, DISK_MAGIC, sizeof(h->magic)))
		return cache_warn(path, "not a sandrun digest cache (bad magic at byte 0)", 0), -1;
	if (h->order != DISK_ORDER || h->entry_size != sizeof(struct disk_entry))
		return cache_warn(path, "written by another machine or version", 0), -1;
	if (memcmp(h->algo, algo, sizeof(algo)))
		return -1;	/* another algorithm's (named apart, see
				 * cli_run.c): not this run's to use */
	if (h->count > CACHE_LEN ||
	    (uint64_t)st->st_size != sizeof(*h) + (uint64_t)h->count * sizeof(struct disk_entry))
		return cache_warn(path, "its length does not match its entry count "
				  "(truncated?)", 0), -1;
	return h->count;
}

void digest_cache_load(struct tracer *t)
{
	const char *path = t->opts->digest_cache;
	cleanup_close int fd = -1;
	cleanup_free struct disk_entry *v = NULL;
	uint8_t want = t->opts->algo == DIGEST_SHA256 ? 32 : 16;
	struct disk_head h;
	struct digest sum;
	struct stat st;
	long n;

	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)	/* none yet */
			cache_warn(path, "cannot be opened", errno);
		return;
	}
	if (fstat(fd, &st) < 0 || (n = check_head(t, path, fd, &st, &h)) < 0)
		return;
	v = xmalloc(n ? (size_t)n * sizeof(*v) : 1);
	if (n && pread(fd, v, (size_t)n * sizeof(*v), sizeof(h)) != (ssize_t)(n * sizeof(*v))) {
		cache_warn(path, "cannot be read", errno);
		return;
	}
	digest_buf(DIGEST_XXH128, v, (size_t)n * sizeof(*v), &sum);
	if (memcmp(sum.bytes, h.sum, sizeof(h.sum))) {
		cache_warn(path, "its checksum does not match (damaged)", 0);
		return;
	}
	for (long i = 0; i < n; i++) {
		struct stat key = { .st_dev = (dev_t)v[i].dev, .st_ino = (ino_t)v[i].ino,
				    .st_size = (off_t)v[i].size };
		struct hash_entry e = {
			.dev = key.st_dev, .ino = key.st_ino, .size = key.st_size,
			.mtime = v[i].mtime, .ctime = v[i].ctime,
			.used = true, .keep = true, .from_file = true,
		};

		if (v[i].len != want)
			continue;
		e.digest.len = v[i].len;
		memcpy(e.digest.bytes, v[i].bytes, v[i].len);
		cache_set(t, cache_slot(t, &key), &e);
	}
}

/* mkdir -p of path's directory, private (it tells what a user read). */
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
	cleanup_free struct disk_entry *v = NULL;
	cleanup_free char *tmp = NULL;
	struct disk_head h = { .order = DISK_ORDER, .entry_size = sizeof(*v) };
	struct digest sum;
	size_t n = 0, len;
	bool ok;
	int fd;

	/* nothing new to keep: the file stays as it is */
	if (!path || !t->cache_dirty)
		return;
	v = xcalloc(t->ncache_used ? t->ncache_used : 1, sizeof(*v));
	for (size_t i = 0; i < t->ncache_used; i++) {
		const struct hash_entry *e = &t->cache[t->cache_used[i]];

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
	strncpy(h.algo, digest_algo_name(t->opts->algo), sizeof(h.algo) - 1);
	h.count = (uint32_t)n;
	len = n * sizeof(*v);
	digest_buf(DIGEST_XXH128, v, len, &sum);
	memcpy(h.sum, sum.bytes, sizeof(h.sum));
	/* a new file renamed over the old: a reader sees one or the other
	 * (no fsync: a cache lost in a crash is only rebuilt); of two runs
	 * at once, the last to end keeps its entries */
	make_parents(path);
	tmp = xasprintf("%s.XXXXXX", path);
	fd = mkostemp(tmp, O_CLOEXEC);	/* 0600 */
	if (fd < 0) {
		cache_warn(path, "cannot be written", errno);
		return;
	}
	ok = write(fd, &h, sizeof(h)) == (ssize_t)sizeof(h) &&
	     (!len || write(fd, v, len) == (ssize_t)len);
	if (close(fd) < 0)
		ok = false;
	if (!ok || rename(tmp, path) < 0) {
		cache_warn(path, "cannot be written", errno);
		unlink(tmp);
	}
}
