// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `sandrun hash`'s digest of one file: its signature regions found (a
 * module's stacked trailers, else a PE image's, then the --rules), and
 * the rest hashed; from a mapping, or a stream (a pipe, standard input)
 * held in memory or spilled to a temporary file.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "lib/artifact.h"
#include "lib/exitcode.h"
#include "lib/mapfile.h"
#include "lib/unpack.h"
#include "lib/util.h"
#include "runner/hash.h"

static int find_regions(const struct hash_opts *o, const uint8_t *buf, uint64_t size,
		    const char *name, struct hash_out *out, struct sr_error **err)
{
	int r = 0;

	out->n = 0;
	if (o->mode != MASK_NONE) {
		uint64_t end = size;
		size_t n = 0;

		/* (trailers stacked by signing a signed module: each cut;
		 * past four, one would be left in the digest unsaid) */
		for (int k = 0;; k++) {
			struct region sig[3];

			r = modsig_regions(buf, end, name, sig, &n, err);
			if (r <= 0)
				break;
			if (k == 4 || out->n + n > MAX_REGIONS)
				return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s: byte %llu: "
						     "more than 4 stacked module signatures",
						     name, (unsigned long long)sig[0].off);
			memcpy(out->r + out->n, sig, n * sizeof(*sig));
			out->n += n;
			end = sig[0].off;
		}
		if (r == 0 && !out->n)
			r = pe_regions(buf, size, name, out->r, &out->n, err);
		if (r < 0 || apply_rules(o, buf, size, name, out, err) < 0)
			return -1;
	}
	return 0;
}

static __thread sigjmp_buf *bus_jmp;

static void on_sigbus(int sig)
{
	if (bus_jmp)
		siglongjmp(*bus_jmp, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A stream's bytes held in memory at most: more go to a temporary file
 * (a module's signature is found from its end, and a stream is read
 * once). */
#define STREAM_IN_MEMORY (64u << 20)

static int stream_failed(const char *name, const char *what, int e, struct sr_error **err)
{
	if (!strcmp(name, "-"))
		return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot %s standard input", what);
	return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot %s '%s'", what, name);
}

/* The rest of a stream (fd) after the len bytes in buf, with them, into
 * a temporary file, hashed from there. */
static int hash_spilled(const struct hash_opts *o, enum digest_algo algo, int fd,
			const uint8_t *buf, size_t len, const char *name,
			struct hash_out *out, struct sr_error **err)
{
	int tmp = tmpfile_unnamed(), r;
	uint8_t *block;
	uint64_t size = len;
	void *map;
	ssize_t n;

	if (tmp < 0)
		return stream_failed(name, "make a temporary file for", errno, err);
	block = xmalloc(MASKED_BLOCK);
	r = write_all(tmp, buf, len) < 0 ? -1 : 0;
	while (r == 0 && (n = read(fd, block, MASKED_BLOCK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = stream_failed(name, "read", errno, err);
			break;
		}
		r = write_all(tmp, block, (size_t)n) < 0 ? -1 : 0;
		size += (uint64_t)n;
	}
	if (r < 0 && !*err)
		r = stream_failed(name, "write a temporary copy of", errno, err);
	map = r == 0 ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, tmp, 0) : MAP_FAILED;
	if (r == 0 && map == MAP_FAILED)
		r = stream_failed(name, "map a temporary copy of", errno, err);
	if (r == 0) {
		r = find_regions(o, map, size, name, out, err);
		if (r == 0 && masked_digest_fd(tmp, size, out->r, out->n,
					       o->mode == MASK_AUTO ? MASK_CUT : o->mode, algo,
					       block, &out->d) < 0)
			r = stream_failed(name, "read a temporary copy of", errno, err);
		munmap(map, size);
	}
	free(block);
	close(tmp);
	return r;
}

/* A stream (fd): "-", standard input, or a PATH that is a pipe or a
 * device (/dev/stdin, a FIFO, <(...)), read once (it cannot be mapped),
 * as sha256sum reads it: in memory, or past STREAM_IN_MEMORY bytes, in a
 * temporary file in $TMPDIR. */
static int hash_stream(const struct hash_opts *o, enum digest_algo algo, int fd,
		       const char *name, struct hash_out *out, struct sr_error **err)
{
	size_t len = 0, cap = 1 << 16;
	uint8_t *buf = xmalloc(cap);
	ssize_t n;
	int r;

	while ((n = read(fd, buf + len, cap - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return stream_failed(name, "read", errno, err);
		}
		len += (size_t)n;
		if (len == cap && cap >= STREAM_IN_MEMORY) {
			r = hash_spilled(o, algo, fd, buf, len, name, out, err);
			free(buf);
			return r;
		}
		if (len == cap)
			buf = xrealloc(buf, cap *= 2);
	}
	r = find_regions(o, buf, len, name, out, err);
	if (r == 0)
		masked_digest(buf, len, out->r, out->n,
			      o->mode == MASK_AUTO ? MASK_CUT : o->mode, algo, &out->d);
	free(buf);
	return r;
}

int hash_file(const struct hash_opts *o, enum digest_algo algo, int dirfd,
		     const char *rel, const char *name, uint8_t *block,
		     struct hash_out *out, struct sr_error **err)
{
	sigjmp_buf jb;
	struct mapped m;
	struct stat st;
	int r, fd;

	out->unpacked = NULL;
	if (!strcmp(name, "-") && !strcmp(rel, "-"))
		return hash_stream(o, algo, STDIN_FILENO, "-", out, err);
	/* (a PATH given that is a pipe, /dev/stdin or <(...), is read as a
	 * stream; a named FIFO is refused below, not waited on for a
	 * writer, and so is anything but a regular file in a tree) */
	if (dirfd == AT_FDCWD && stat(rel, &st) == 0 && S_ISFIFO(st.st_mode)) {
		struct statfs sf;

		fd = open(rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd >= 0 && fstatfs(fd, &sf) == 0 && sf.f_type == PIPEFS_MAGIC &&
		    fcntl(fd, F_SETFL, 0) == 0) {
			r = hash_stream(o, algo, fd, name, out, err);
			close(fd);
			return r;
		}
		if (fd >= 0)
			close(fd);
	}
	/* (a character device named, /dev/null, is read as sha256sum
	 * reads it: as a stream, to its end) */
	if (dirfd == AT_FDCWD && stat(rel, &st) == 0 && S_ISCHR(st.st_mode)) {
		fd = open(rel, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot open '%s'", name);
		r = hash_stream(o, algo, fd, name, out, err);
		close(fd);
		return r;
	}
	/* (a compressed module: its content, decompressed whole, read into
	 * memory first, not mapped: it is small; with --mask=none, its bytes,
	 * as sha256sum's) */
	out->unpacked = o->mode != MASK_NONE ? module_packing(rel) : NULL;
	if (out->unpacked) {
		if (load_unpacked(dirfd, rel, name, out->unpacked, &m, err) < 0) {
			unmap_file(&m);
			return -1;
		}
	} else if (read_or_map_file(dirfd, rel, name, block, MASKED_BLOCK, &m, err) < 0) {
		return -1;
	}
	if (!m.map) {		/* read whole into block */
		r = find_regions(o, m.buf, m.size, name, out, err);
		if (r == 0)
			masked_digest(m.buf, m.size, out->r, out->n,
				      o->mode == MASK_AUTO ? MASK_CUT : o->mode, algo, &out->d);
		unmap_file(&m);
		return r;
	}
	/* The signature regions are found in the mapping, which faults if
	 * the file is truncated meanwhile: that is an I/O error, not a
	 * crash.  (The digest itself is read with pread.) */
	if (sigsetjmp(jb, 1)) {
		bus_jmp = NULL;
		unmap_file(&m);
		return sr_error_make(err, SR_EXIT_FAILURE, EIO, "cannot read '%s': it "
				     "shrank while being read", name);
	}
	bus_jmp = &jb;
	r = find_regions(o, m.buf, m.size, name, out, err);
	bus_jmp = NULL;
	if (r == 0 && masked_digest_fd(m.fd, m.size, out->r, out->n,
				       o->mode == MASK_AUTO ? MASK_CUT : o->mode,
				       algo, block, &out->d) < 0)
		r = sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot read '%s'", name);
	unmap_file(&m);
	return r;
}

void hash_catch_sigbus(void)
{
	struct sigaction sa = { .sa_handler = on_sigbus };

	sigaction(SIGBUS, &sa, NULL);
}
