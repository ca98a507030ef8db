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

int map_file(int dirfd, const char *rel, const char *name, struct mapped *ret,
	     struct sr_error **err)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	struct stat st;

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
	{
		int e = errno;

		if (fd >= 0)
			close(fd);
		return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot read '%s'", name);
	}
}

int load_file(int dirfd, const char *rel, const char *name, struct mapped *ret,
	      struct sr_error **err)
{
	uint8_t *buf;
	uint64_t got = 0;

	if (map_file(dirfd, rel, name, ret, err) < 0)
		return -1;
	if (!ret->size)
		return 0;
	munmap(ret->map, (size_t)ret->size);
	ret->map = NULL;
	buf = xmalloc((size_t)ret->size);
	while (got < ret->size) {
		ssize_t n = pread(ret->fd, buf + got, (size_t)(ret->size - got), (off_t)got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			free(buf);
			close(ret->fd);
			ret->fd = -1;
			ret->size = 0;
			ret->buf = (const uint8_t *)"";
			return sr_error_make(err, SR_EXIT_FAILURE, e, "cannot read '%s'%s", name,
					     n == 0 ? ": it shrank while being read" : "");
		}
		got += (uint64_t)n;
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
