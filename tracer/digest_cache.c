// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The digest cache, for tracer/digests.c: an open-addressing table of the
 * digests of the files this run has looked up, by (dev, ino), each
 * version by (size, mtime, ctime); and the file that keeps it across
 * runs (digest_cache_load, digest_cache_save), whose digests are taken
 * into the table as their files are looked up (take_from_file).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tracer/digest_cache.h"
#include "tracer/tracer.h"

#define CACHE_BITS 16		/* the most slots: 1 << CACHE_BITS */
#define CACHE_LEN (1u << CACHE_BITS)
#define CACHE_MIN (1u << 10)
#define CACHE_PROBE 16

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

/* An identity's hash: a Fibonacci hash, its top bits the home slot. */
static uint64_t ident_hash(uint64_t dev, uint64_t ino)
{
	return (ino ^ (dev << 40 | dev >> 24)) * 0x9e3779b97f4a7c15ull;
}

/* An identity's home slot in a table of len slots (a power of two). */
static size_t home_in(size_t len, uint64_t dev, uint64_t ino)
{
	return (size_t)(ident_hash(dev, ino) >> (64 - __builtin_ctzl(len)));
}

static size_t cache_home(const struct tracer *t, uint64_t dev, uint64_t ino)
{
	return home_in(t->cache_len, dev, ino);
}

/*
 * The table, twice as large, its entries moved (one that would lie past
 * CACHE_PROBE slots from its home is dropped).  It starts small and
 * grows while three quarters full, or when a file's CACHE_PROBE slots
 * are, to CACHE_LEN slots (table_slot): all of them at
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
 * The cache file's entries are neither put in the table at the load nor
 * kept in memory: a full cache (65,536 digests, 5 MiB) read whole cost
 * every run ~20 ms here (each page of it touched twice, by the read's
 * copy and by the checksum: this VM's shadow page tables make a page's
 * first touch dear), and a table of 10 MiB more, for the few files a run
 * looks up.  The load reads the file through a small buffer, checks its
 * sum and indexes its entries by identity (linear probing in an index at
 * most half full: an entry's number, a tag of its identity, INDEX_TAKEN
 * once in the table); a file looked up has its entry read then (a tag
 * that matches is one pread, of the right entry but for one in 16,384).
 */
#define INDEX_TAKEN 0x80000000u
#define INDEX_NR 0x1ffffu	/* the entry's number + 1 (CACHE_LEN at most) */
#define INDEX_TAG_MASK (INDEX_TAKEN - 1 - INDEX_NR)
#define CHUNK 1024		/* entries read or written at once (80 KiB) */
_Static_assert(CACHE_LEN <= INDEX_NR, "an entry's number fits its slot");

/* The tag bits of an identity's slot (bits of its hash that no index's
 * home slot takes: below the top 17). */
static uint32_t index_tag(uint64_t dev, uint64_t ino)
{
	return (uint32_t)(ident_hash(dev, ino) >> 20) & INDEX_TAG_MASK;
}

static size_t index_home(const struct tracer *t, uint64_t dev, uint64_t ino)
{
	return home_in(t->cache_index_len, dev, ino);
}

/* The file's entry i, read; false if it cannot be (a file cut short
 * under the run: a miss). */
static bool read_entry(const struct tracer *t, size_t i, struct disk_entry *d)
{
	off_t at = (off_t)(sizeof(struct disk_head) + i * sizeof(*d));

	return pread(t->cache_fd, d, sizeof(*d), at) == (ssize_t)sizeof(*d);
}

/* The index slot of the file's entry for (dev, ino), its entry read
 * into d; or NULL. */
static uint32_t *index_find(const struct tracer *t, uint64_t dev, uint64_t ino,
			    struct disk_entry *d)
{
	uint32_t tag = index_tag(dev, ino);

	if (!t->cache_index)
		return NULL;
	for (size_t at = index_home(t, dev, ino);; at = (at + 1) & (t->cache_index_len - 1)) {
		uint32_t *x = &t->cache_index[at];

		if (!*x)
			return NULL;
		if ((*x & INDEX_TAG_MASK) == tag && read_entry(t, (*x & INDEX_NR) - 1, d) &&
		    d->dev == dev && d->ino == ino)
			return x;
	}
}

/* The file's entry for st's identity, if it has one not taken yet, put
 * in the table at slot (st's: free, or given up to it). */
static void take_from_file(struct tracer *t, const struct stat *st, struct hash_entry *slot)
{
	struct disk_entry d;
	uint32_t *x = index_find(t, (uint64_t)st->st_dev, (uint64_t)st->st_ino, &d);
	struct hash_entry e = { .used = true, .keep = true, .from_file = true };

	if (!x || (*x & INDEX_TAKEN))
		return;
	*x |= INDEX_TAKEN;
	e.dev = (dev_t)d.dev;
	e.ino = (ino_t)d.ino;
	e.size = (off_t)d.size;
	e.mtime = d.mtime;
	e.ctime = d.ctime;
	e.digest.len = d.len;
	memcpy(e.digest.bytes, d.bytes, d.len);
	digest_cache_set(t, slot, &e);
}

/*
 * The slot for the file st describes, by its identity (device, inode):
 * the one that holds it (any version of it) or, if none does, the first
 * free one; open addressing, probed linearly from its home slot, so two
 * files whose home slots coincide both stay cached.  Past CACHE_PROBE
 * full slots the table grows; at its largest, the home slot is given up
 * to the newcomer.  (digest_cache_slot takes the cache file's digest
 * in first, if it has one.)
 */
static struct hash_entry *table_slot(struct tracer *t, const struct stat *st)
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

struct hash_entry *digest_cache_slot(struct tracer *t, const struct stat *st)
{
	struct hash_entry *e = table_slot(t, st);

	if (t->cache_index && (!e->used || e->dev != st->st_dev || e->ino != st->st_ino))
		take_from_file(t, st, e);
	return e;
}

/* e, in use from now on: its slot noted (the table is sparse; only the
 * slots used are ever walked). */
void digest_cache_set(struct tracer *t, struct hash_entry *e, const struct hash_entry *v)
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

/* The cached digest of the file st describes (only files of real
 * filesystems are cached), or false. */
bool digest_cached(struct tracer *t, const struct stat *st, struct digest *ret)
{
	struct hash_entry *e = digest_cache_slot(t, st);

	if (!e->used || e->dev != st->st_dev || e->ino != st->st_ino ||
	    e->size != st->st_size || e->mtime != ns(&st->st_mtim) ||
	    e->ctime != ns(&st->st_ctim))
		return false;
	/* (a writer's digest, with a writer the tracer knows open on the
	 * file now: what it holds is read again) */
	if (e->fresh) {
		if (digest_known_writer(t, st))
			return false;
		t->fresh_hits++;
	}
	if (e->from_file) {	/* its first use this run */
		e->from_file = false;
		t->cache_hits++;
	}
	*ret = e->digest;
	return true;
}

/* --- the cache across runs ------------------------------------------ */

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

/* The loaded file given up: a damaged one, or the run's end. */
static void file_drop(struct tracer *t)
{
	if (t->cache_nfile)
		close(t->cache_fd);
	t->cache_nfile = 0;
	free(t->cache_index);
	t->cache_index = NULL;
	t->cache_index_len = 0;
}

void digest_cache_load(struct tracer *t)
{
	const char *path = t->opts->digest_cache;
	cleanup_free struct disk_entry *v = NULL;
	uint8_t want = t->opts->algo == DIGEST_SHA256 ? 32 : 16;
	struct digest_ctx ctx;
	struct disk_head h;
	struct digest sum;
	struct stat st;
	long n;
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno != ENOENT)	/* none yet */
			cache_warn(path, "cannot be opened", errno);
		return;
	}
	if (fstat(fd, &st) < 0 || (n = check_head(t, path, fd, &st, &h)) <= 0) {
		close(fd);
		return;
	}
	t->cache_fd = fd;
	t->cache_nfile = (size_t)n;
	for (t->cache_index_len = CACHE_MIN; t->cache_index_len < 2 * (size_t)n;)
		t->cache_index_len *= 2;
	t->cache_index = xcalloc(t->cache_index_len, sizeof(*t->cache_index));
	v = xmalloc(CHUNK * sizeof(*v));
	digest_init(&ctx, DIGEST_XXH128);
	for (long i = 0, k; i < n; i += k) {
		k = n - i < CHUNK ? n - i : CHUNK;
		if (pread(fd, v, (size_t)k * sizeof(*v), (off_t)(sizeof(h) + (size_t)i * sizeof(*v))) !=
		    (ssize_t)((size_t)k * sizeof(*v))) {
			cache_warn(path, "cannot be read", errno);
			digest_final(&ctx, &sum);
			file_drop(t);
			return;
		}
		digest_update(&ctx, v, (size_t)k * sizeof(*v));
		for (long j = 0; j < k; j++) {
			struct disk_entry d;
			size_t at;

			if (v[j].len != want || index_find(t, v[j].dev, v[j].ino, &d))
				continue;
			at = index_home(t, v[j].dev, v[j].ino);
			while (t->cache_index[at])
				at = (at + 1) & (t->cache_index_len - 1);
			t->cache_index[at] = (uint32_t)(i + j + 1) | index_tag(v[j].dev, v[j].ino);
		}
	}
	digest_final(&ctx, &sum);
	if (memcmp(sum.bytes, h.sum, sizeof(h.sum))) {
		cache_warn(path, "its checksum does not match (damaged)", 0);
		file_drop(t);
	}
}

void digest_cache_free(struct tracer *t)
{
	free(t->cache);
	t->cache = NULL;
	t->cache_len = 0;
	free(t->cache_used);
	t->cache_used = NULL;
	t->ncache_used = t->cache_used_cap = 0;
	file_drop(t);
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

/* The new file's entries, written through a buffer of CHUNK, summed
 * as they go. */
struct writer {
	int fd;
	bool ok;
	size_t n, k;
	struct digest_ctx ctx;
	struct disk_entry *v;
};

static void writer_flush(struct writer *w)
{
	size_t len = w->k * sizeof(*w->v);

	if (w->ok && len && write(w->fd, w->v, len) != (ssize_t)len)
		w->ok = false;
	digest_update(&w->ctx, w->v, len);
	w->k = 0;
}

static void writer_put(struct writer *w, const struct disk_entry *d)
{
	w->v[w->k++] = *d;
	w->n++;
	if (w->k == CHUNK)
		writer_flush(w);
}

/* The loaded file's entries that this run did not look up, as they were
 * (up to the table's most, as when they were all put in it), read
 * through a buffer again; a file cut short since gives what it has. */
static void put_untaken(struct tracer *t, struct writer *w)
{
	cleanup_free uint64_t *keep = xcalloc(t->cache_nfile / 64 + 1, sizeof(*keep));
	cleanup_free struct disk_entry *v = xmalloc(CHUNK * sizeof(*v));

	for (size_t i = 0; i < t->cache_index_len; i++) {
		uint32_t x = t->cache_index[i];

		if (x && !(x & INDEX_TAKEN))
			keep[((x & INDEX_NR) - 1) / 64] |= 1ull << (((x & INDEX_NR) - 1) % 64);
	}
	for (size_t i = 0, k; i < t->cache_nfile && w->n < CACHE_LEN; i += k) {
		k = t->cache_nfile - i < CHUNK ? t->cache_nfile - i : CHUNK;
		if (pread(t->cache_fd, v, k * sizeof(*v),
			  (off_t)(sizeof(struct disk_head) + i * sizeof(*v))) != (ssize_t)(k * sizeof(*v)))
			return;
		for (size_t j = 0; j < k && w->n < CACHE_LEN; j++)
			if (keep[(i + j) / 64] & (1ull << ((i + j) % 64)))
				writer_put(w, &v[j]);
	}
}

void digest_cache_save(struct tracer *t)
{
	const char *path = t->opts->digest_cache;
	cleanup_free struct disk_entry *v = NULL;
	cleanup_free char *tmp = NULL;
	struct disk_head h = { .order = DISK_ORDER, .entry_size = sizeof(*v) };
	struct writer w = { .ok = true };
	struct digest sum;

	struct stat st;

	/* nothing new to keep: the file stays as it is */
	if (!path || !t->cache_dirty)
		return;
	/* (a device or a pipe there is never replaced: the load warned) */
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return;
	/* a new file renamed over the old: a reader sees one or the other
	 * (no fsync: a cache lost in a crash is only rebuilt); of two runs
	 * at once, the last to end keeps its entries */
	make_parents(path);
	tmp = xasprintf("%s.XXXXXX", path);
	w.fd = mkostemp(tmp, O_CLOEXEC);	/* 0600 */
	if (w.fd < 0) {
		cache_warn(path, "cannot be written", errno);
		return;
	}
	/* the header last, when the count and the sum are known */
	w.ok = write(w.fd, &h, sizeof(h)) == (ssize_t)sizeof(h);
	w.v = v = xmalloc(CHUNK * sizeof(*v));
	digest_init(&w.ctx, DIGEST_XXH128);
	for (size_t i = 0; i < t->ncache_used; i++) {
		const struct hash_entry *e = &t->cache[t->cache_used[i]];
		struct disk_entry d = {
			.dev = (uint64_t)e->dev, .ino = (uint64_t)e->ino, .size = e->size,
			.mtime = e->mtime, .ctime = e->ctime, .len = e->digest.len,
		};

		if (!e->used || !e->keep)
			continue;
		memcpy(d.bytes, e->digest.bytes, e->digest.len);
		writer_put(&w, &d);
	}
	if (t->cache_nfile)
		put_untaken(t, &w);
	writer_flush(&w);
	digest_final(&w.ctx, &sum);
	memcpy(h.magic, DISK_MAGIC, sizeof(h.magic));
	strncpy(h.algo, digest_algo_name(t->opts->algo), sizeof(h.algo) - 1);
	h.count = (uint32_t)w.n;
	memcpy(h.sum, sum.bytes, sizeof(h.sum));
	if (w.ok && pwrite(w.fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		w.ok = false;
	if (close(w.fd) < 0)
		w.ok = false;
	if (!w.ok || rename(tmp, path) < 0) {
		cache_warn(path, "cannot be written", errno);
		unlink(tmp);
	}
}
