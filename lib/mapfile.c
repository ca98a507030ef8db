// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/mapfile.h"

int map_file(int dirfd, const char *rel, const char *name, struct mapped *ret,
	     struct sr_error **err)
{
	int fd = openat(dirfd, rel, O_RDONLY | O_CLOEXEC);
	struct stat st;

	ret->buf = (const uint8_t *)"";
	ret->size = 0;
	ret->map = NULL;
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

void unmap_file(struct mapped *m)
{
	if (m->map)
		munmap(m->map, (size_t)m->size);
	m->map = NULL;
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
