// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cache of rewrite sites (preload/sites.h), found once a run.
 *
 * Every process of a build would otherwise read its loader's code and
 * libc's for the syscall instructions to rewrite, ~0.1 ms each time
 * (timed in-process on a PVM guest), and get the same answer: they run
 * the same two files.  sandrun runs them too, so it reads its own, as
 * loaded, and hands the answer to the build in a file each process reads
 * through the trampoline; a process whose loader or libc has another
 * build ID finds no entry for it and reads its code as before.  (A
 * sandrun run inside another's build finds its own loader and libc
 * rewritten already, no sites in them, and writes no entry.)
 * sandrun-audit.so reads the file after it arms the trampoline, and
 * sandrun-rec.so after it, in a program it started: without the audit
 * module the file would go unread.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/util.h"
#include "runner/sitecache.h"

struct found {
	uintptr_t base;		/* the loader's (AT_BASE), or 0: libc */
	const Elf64_Phdr *ph;	/* its program headers, as loaded */
	size_t phnum;
	struct text t;
	bool ok;
	bool alone;		/* no other segment on its code's pages */
	int fd;			/* its file, if it is the one loaded, or -1 */
	off_t code_off;		/* where its code's first page is in the file */
};

/* Where the loaded address a is in the object's file (its PT_LOAD's
 * bytes from the file); -1 if it is not. */
static off_t file_offset(const struct dl_phdr_info *info, uintptr_t a)
{
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const Elf64_Phdr *ph = &info->dlpi_phdr[i];
		uintptr_t v = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && a >= v && a < v + ph->p_filesz)
			return (off_t)(ph->p_offset + (a - v));
	}
	return -1;
}

/*
 * An object's file (libc's, the loader's), opened by the name it was
 * loaded by, if it holds what is loaded: the same build ID where the
 * loaded one's is (so the same code), and the code's pages whole in it.
 * The kernel copies the image's bulk from it (mounts.c): no fault on each
 * of this process's pages of it, ~0.3 ms against ~1-2.7 ms for libc
 * here.  -1 if not (the bytes are copied from memory then).
 */
static int object_file(const struct dl_phdr_info *info, const struct text *t, off_t *code_off)
{
	uintptr_t lo = (uintptr_t)t->lo & ~4095UL;
	off_t id_off = file_offset(info, (uintptr_t)t->id), off = file_offset(info, lo);
	unsigned char id[SITES_ID_MAX];
	struct stat st;
	int fd;

	if (!info->dlpi_name || info->dlpi_name[0] != '/' || !t->id || t->id_len > sizeof(id) ||
	    id_off < 0 || off < 0 || (off & 4095))
		return -1;
	fd = open(info->dlpi_name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size < off + (off_t)sites_pages(t) * 4096 ||
	    pread(fd, id, t->id_len, id_off) != (ssize_t)t->id_len || memcmp(id, t->id, t->id_len)) {
		close(fd);
		return -1;
	}
	*code_off = off;
	return fd;
}

/* Whether the code's pages hold nothing of another segment (each
 * segment on pages of its own, as ld's -z separate-code lays them out):
 * else an image of those pages would be mapped over the other's. */
static bool pages_alone(const struct dl_phdr_info *info, const struct text *t)
{
	uintptr_t lo = (uintptr_t)t->lo & ~4095UL, hi = ((uintptr_t)t->hi + 4095) & ~4095UL;

	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const Elf64_Phdr *ph = &info->dlpi_phdr[i];
		uintptr_t a = info->dlpi_addr + ph->p_vaddr, b = a + ph->p_memsz;

		if (ph->p_type != PT_LOAD || (a == (uintptr_t)t->lo && b == (uintptr_t)t->hi))
			continue;
		if (a < hi && b > lo)
			return false;
	}
	return true;
}

static int find(struct dl_phdr_info *info, size_t size, void *data)
{
	struct found *f = data;

	(void)size;
	if (f->base ? info->dlpi_addr != f->base :
		      !info->dlpi_name || !strstr(info->dlpi_name, "/libc.so.6"))
		return 0;
	f->ph = info->dlpi_phdr;
	f->phnum = info->dlpi_phnum;
	f->ok = sites_text(&f->t, info->dlpi_addr, info->dlpi_phdr, info->dlpi_phnum);
	f->alone = f->ok && pages_alone(info, &f->t);
	f->fd = f->alone ? object_file(info, &f->t, &f->code_off) : -1;
	return 1;
}

/* An entry for t's sites; false if there are none, or no build ID to
 * key them by. */
static bool put(struct sites_cache_entry *e, const struct text *t, const struct site *sites,
		size_t n)
{
	if (!t->id || t->id_len > SITES_ID_MAX || !n || n > SITES_MAX)
		return false;
	*e = (struct sites_cache_entry){
		.id_len = (uint32_t)t->id_len,
		.text_len = (uint32_t)(t->hi - t->lo),
		.n = (uint32_t)n,
	};
	memcpy(e->id, t->id, t->id_len);
	for (size_t i = 0; i < n; i++)
		e->site[i] = (uint32_t)(sites[i].at - t->lo) << 2 |
			     (uint32_t)(sites[i].check - sites_checks);
	return true;
}

_Static_assert(sizeof(((struct output_files *)0)->dev) / sizeof(dev_t) == SITES_OUTPUTS,
	       "as many output files as the cache's head names");

/* Whether fd, one of sandrun's stdio, writes to a regular file (st). */
static bool log_fd(int fd, struct stat *st)
{
	int fl = fcntl(fd, F_GETFL);

	return fl >= 0 && (fl & O_ACCMODE) != O_RDONLY && fstat(fd, st) == 0 &&
	       S_ISREG(st->st_mode);
}

void sitecache_outputs(struct output_files *o)
{
	o->n = 0;
	for (int fd = 0; fd <= 2; fd++) {
		struct stat st;
		unsigned i;

		if (!log_fd(fd, &st))
			continue;
		for (i = 0; i < o->n; i++)
			if (o->dev[i] == st.st_dev && o->ino[i] == st.st_ino)
				break;
		if (i == o->n && o->n < SITES_OUTPUTS) {
			o->dev[o->n] = st.st_dev;
			o->ino[o->n++] = st.st_ino;
		}
	}
}

/* Standard input open for writing on a file in the tree: a log, as
 * stdout and stderr are, but one few would take for one: say so. */
void sitecache_outputs_warn(const char *src)
{
	char path[PATH_MAX];
	struct stat st;
	ssize_t len;

	if (!log_fd(STDIN_FILENO, &st))
		return;
	len = readlink("/proc/self/fd/0", path, sizeof(path) - 1);
	if (len <= 0)
		return;
	path[len] = '\0';
	if (path_is_under(path, src))
		fprintf(stderr, "sandrun: warning: standard input is '%s', open for writing "
			"in the source tree: sandrun's log, left out of the delta\n", path);
}

static void *libc;

/* libc's own definitions, as sandrun-rec.so finds them (patch.c) */
static void *libc_sym(const char *name)
{
	return dlsym(libc, name);
}

/* Whether p is in one of the loader's loaded segments, and a NUL. */
static bool loader_empty_string(const struct found *ld, const unsigned char *p)
{
	for (size_t i = 0; p && i < ld->phnum; i++) {
		uintptr_t v = ld->base + ld->ph[i].p_vaddr;

		if (ld->ph[i].p_type == PT_LOAD && (ld->ph[i].p_flags & PF_R) &&
		    (uintptr_t)p >= v && (uintptr_t)p < v + ld->ph[i].p_filesz)
			return *p == '\0';
	}
	return false;
}

/* The loader's openat and newfstatat sites: where each syscall
 * instruction ends, in its page, and its fstat's "" (filter.h).  (One
 * past FILTER_LD_SITES of a kind is left out, and its calls stop, as
 * before.) */
static void loader_sites(const struct found *f, const struct site *sites, size_t n,
			 struct filter_loader *ld)
{
	memset(ld, 0, sizeof(*ld));
	for (size_t i = 0; i < n; i++) {
		const unsigned char *end = sites[i].at + 2, *empty;
		uint16_t off = (uint16_t)((uintptr_t)end & 0xfff);
		long nr = sites_nr(&f->t, &sites[i]);

		if (nr == SYS_openat && ld->nopen < FILTER_LD_SITES)
			ld->open[ld->nopen++] = off;
		else if (nr == SYS_newfstatat && ld->nfstat < FILTER_LD_SITES) {
			ld->fstat[ld->nfstat++] = off;
			empty = sites_loader_empty(&f->t, &sites[i]);
			if (!ld->has_empty && loader_empty_string(f, empty)) {
				ld->has_empty = true;
				ld->empty_at = off;
				ld->empty = (uint32_t)((uintptr_t)empty - (uintptr_t)end);
			}
		}
	}
}

/*
 * An object's image (preload/sites.h) for entry e: its pages from page
 * on, as this process has them (the same file, by its build ID), the
 * sites rewritten into jumps to a thunk each in the slack after the
 * code, which call the common jump at its start; and libc's fork
 * functions (f, or NULL).  code: where the slack and the jumps are made.
 * False if they do not fit there (nothing added).
 */
static bool image(struct sitecache *c, struct sites_cache_entry *e, const struct found *lc,
		  const struct site *sites, size_t n, const struct fork_sites *f, uint32_t page,
		  unsigned char *code)
{
	const struct text *t = &lc->t;
	unsigned char *const forks[2] = { f ? f->vfork : NULL, f ? f->clone : NULL };
	unsigned char *lo = (unsigned char *)((uintptr_t)t->lo & ~4095UL);
	unsigned char *end = lo + sites_pages(t) * 4096;
	unsigned char *common = (unsigned char *)(((uintptr_t)t->hi + 15) & ~15UL);
	unsigned char *slack = code, *b = code + (end - t->hi);
	size_t at = (size_t)page * 4096;

	if (common + 16 + (n + 2) * SITES_THUNK_MAX > end || c->nparts + 4 + n > SITECACHE_PARTS)
		return false;
	memset(slack, 0xcc, (size_t)(end - t->hi));	/* int3 */
	sites_common(slack + (common - t->hi));
	c->part[c->nparts++] = (struct sitecache_part){ lo, (size_t)(end - lo), at, true,
							lc->fd, lc->code_off };
	for (size_t i = 0; i < n; i++) {
		unsigned char *thunk = common + 16 + i * SITES_THUNK_MAX;
		size_t len = sites_jump(&sites[i], thunk, b);

		sites_thunk(&sites[i], thunk, common, slack + (thunk - t->hi));
		c->part[c->nparts++] = (struct sitecache_part){ b, len, at + (size_t)(sites[i].at - lo),
								false, -1, 0 };
		b += len;
	}
	/* glibc's vfork() and posix_spawn()'s clone, made with CLONE_PTRACE
	 * (preload/forks.c), their thunks after the others */
	for (size_t i = 0; i < 2; i++) {
		unsigned char *thunk = common + 16 + (n + i) * SITES_THUNK_MAX;
		int32_t rel;

		if (!forks[i])
			continue;
		sites_fork_thunk(i == 0, forks[i], thunk, slack + (thunk - t->hi));
		rel = (int32_t)(thunk - (forks[i] + 5));
		b[0] = 0xe9;
		memcpy(b + 1, &rel, sizeof(rel));
		b[5] = 0x66, b[6] = 0x90;	/* xchg %ax,%ax */
		c->part[c->nparts++] = (struct sitecache_part){ b, 7, at + (size_t)(forks[i] - lo),
								false, -1, 0 };
		b += 7;
	}
	c->part[c->nparts++] = (struct sitecache_part){ slack, (size_t)(end - t->hi),
							at + (size_t)(t->hi - lo), false, -1, 0 };
	e->image_page = page;
	return true;
}

size_t sitecache_make(struct sitecache *c, const struct output_files *out,
		      struct filter_loader *ldsites)
{
	struct site sites[SITES_MAX], ld_sites[SITES_MAX];
	struct found ld = { .base = getauxval(AT_BASE), .fd = -1 }, lc = { .fd = -1 };
	struct sites_cache_entry *ld_entry = NULL;
	uint32_t k = 0, page = 1;
	size_t n, ld_n = 0;

	memset(c, 0, sizeof(*c));
	memset(ldsites, 0, sizeof(*ldsites));
	if (ld.base && dl_iterate_phdr(find, &ld) && ld.ok) {
		ld_n = sites_in_loader(&ld.t, ld_sites);
		if (put(&c->entry[k], &ld.t, ld_sites, ld_n)) {
			ld_entry = &c->entry[k++];
			loader_sites(&ld, ld_sites, ld_n, ldsites);
		}
	}
	libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
	if (libc && dl_iterate_phdr(find, &lc) && lc.ok &&
	    put(&c->entry[k], &lc.t, sites, (n = sites_in_libc(&lc.t, libc_sym, sites)))) {
		struct fork_sites f;

		sites_forks(&lc.t, libc_sym, &f);
		if (lc.alone && image(c, &c->entry[k], &lc, sites, n, &f, page, c->code[0])) {
			lc.fd = -1;	/* (the part's now) */
			page += (uint32_t)sites_pages(&lc.t);
		}
		k++;
	}
	/* the loader's after libc's: sandrun-audit.so maps it over the
	 * loader's code, whose sites then need no page copied, nor an fd on
	 * the process's memory to copy it through */
	if (ld_entry && ld.alone && image(c, ld_entry, &ld, ld_sites, ld_n, NULL, page, c->code[1]))
		ld.fd = -1;
	if (lc.fd >= 0)
		close(lc.fd);
	if (ld.fd >= 0)
		close(ld.fd);
	if (libc)
		dlclose(libc);
	if (!k)
		return 0;
	c->head.magic = SITES_CACHE_MAGIC;
	c->head.count = k;
	c->head.noutputs = out->n;
	for (unsigned i = 0; i < out->n; i++) {
		c->head.output_dev[i] = out->dev[i];
		c->head.output_ino[i] = out->ino[i];
	}
	return sizeof(c->head) + k * sizeof(c->entry[0]);
}
