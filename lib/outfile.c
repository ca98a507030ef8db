// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/exitcode.h"
#include "lib/outfile.h"
#include "lib/util.h"

int outfile_check(const char *path, struct sr_error **err)
{
	struct stat st;

	if (stat(path, &st) < 0 || S_ISREG(st.st_mode))
		return 0;
	return sr_error_make(err, SR_EXIT_FAILURE, 0, "cannot write '%s': it is %s, "
			     "and sandrun writes a new file and renames it over the "
			     "old one", path, S_ISDIR(st.st_mode) ? "a directory" :
			     S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device" :
			     S_ISFIFO(st.st_mode) ? "a pipe" : "not a regular file");
}

int outfile_open(struct outfile *o, const char *path, struct sr_error **err)
{
	int fd;

	o->f = NULL;
	o->path = o->tmp = NULL;
	if (outfile_check(path, err) < 0)
		return -1;
	o->path = xstrdup(path);
	o->tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	fd = open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		/* (named as the user named it: the temporary name is ours) */
		sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot create '%s'",
			      o->path);
		goto fail;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot open '%s'",
			      o->path);
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return -1;
}

int outfile_commit(struct outfile *o, struct sr_error **err)
{
	int e = 0;

	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) < 0)
		e = errno ? errno : EIO;
	if (fclose(o->f) != 0 && !e)
		e = errno;
	o->f = NULL;
	if (!e && rename(o->tmp, o->path) < 0)
		e = errno;
	if (e) {
		unlink(o->tmp);
		sr_error_make(err, SR_EXIT_FAILURE, e, "cannot write '%s'",
			      o->path);
	}
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return e ? -1 : 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->path);
	free(o->tmp);
	o->f = NULL;
	o->path = o->tmp = NULL;
}
