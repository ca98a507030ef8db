// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/mapfile.h"
#include "lib/util.h"

/* pread_whole's answer for a file that ended early */
#define SHRANK (-1)

/* pread all of [0, size) into buf: 0, an errno, or SHRANK. */
static int pread_whole(int fd, uint8_t *buf, uint64_t size)
{
	uint64_t got = 0;

	while (got < size) {
		ssize_t n = pread(fd, buf + got, (size_t)(size - got), (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? errno : SHRANK;
		got += (uint64_t)n;
	}
	return 0;
}

static int read_failed(struct mapped *m, const char *name, int e, struct sr_error **err)
{
	close(m->fd);
	m->fd = -1;
	m->size = 0;
	m->buf = (const uint8_t *)"";
	if (e == SHRANK)
		return sr_error_make(err, SR_EXIT_FAILURE, EIO, "cannot read '%s': it "
				     "shrank while being read", name);
	return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot read '%s'", name);
}

int read_or_map_file(int dirfd, const char *rel, const char *name, uint8_t *buf,
		     uint64_t cap, struct mapped *ret, struct sr_error **err)
{
	/* (O_NONBLOCK: a FIFO's open would wait for a writer; it is refused
	 * below, and a regular file's reads ignore the flag) */
	int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	int e;

	ret->buf = (const uint8_t *)"";
	ret->size = 0;
	ret->map = NULL;
	ret->heap = NULL;
	ret->fd = -1;
	if (fd < 0 || fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return sr_error_make(err, SR_EXIT_FAILURE, 0, "cannot read '%s': "
				     "not a regular file", name);
	}
	ret->fd = fd;
	if (st.st_size == 0)
		return 0;
	if ((uint64_t)st.st_size <= cap) {
		/* one read: no mapping to set up, fault in and shoot down */
		e = pread_whole(fd, buf, (uint64_t)st.st_size);
		if (e)
			return read_failed(ret, name, e, err);
		ret->buf = buf;
		ret->size = (uint64_t)st.st_size;
		return 0;
	}
	ret->map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (ret->map == MAP_FAILED) {
		ret->map = NULL;
		ret->fd = -1;
		goto fail;
	}
	ret->buf = ret->map;
	ret->size = (uint64_t)st.st_size;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot read '%s'", name);
}

int map_file(int dirfd, const char *rel, const char *name, struct mapped *ret,
	     struct sr_error **err)
{
	return read_or_map_file(dirfd, rel, name, NULL, 0, ret, err);
}

int load_file(int dirfd, const char *rel, const char *name, struct mapped *ret,
	      struct sr_error **err)
{
	uint8_t *buf;
	int e;

	if (map_file(dirfd, rel, name, ret, err) < 0)
		return -1;
	if (!ret->size)
		return 0;
	munmap(ret->map, (size_t)ret->size);
	ret->map = NULL;
	buf = xmalloc((size_t)ret->size);
	e = pread_whole(ret->fd, buf, ret->size);
	if (e) {
		free(buf);
		return read_failed(ret, name, e, err);
	}
	ret->heap = buf;
	ret->buf = buf;
	return 0;
}

void unmap_file(struct mapped *m)
{
	if (m->map)
		munmap(m->map, (size_t)m->size);
	m->map = NULL;
	free(m->heap);
	m->heap = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
