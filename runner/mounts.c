// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every mount is made through file descriptors: bind sources are cloned
 * with open_tree() before anything is stacked (so a source under /tmp is
 * taken before the private /tmp hides it), and each destination is opened
 * with openat2(RESOLVE_IN_ROOT) below the new root, so an absolute symlink
 * in the host tree (/lib64 -> /usr/lib64, /etc/alternatives/...) resolves
 * inside the sandbox's tree and a destination cannot be swapped for a
 * link between lookup and mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "runner/mounts.h"

#define STAGE_DIR "/tmp"

static int sys_openat2(int dirfd, const char *path, int flags, uint64_t resolve)
{
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = resolve,
	};

	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

/* Open a path below the sandbox root, symlinks resolved inside it. */
static int open_in_root(int rootfd, const char *path)
{
	const char *rel = path;

	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	return sys_openat2(rootfd, rel, O_PATH, RESOLVE_IN_ROOT |
			   RESOLVE_NO_MAGICLINKS);
}

static int fail(struct sr_error **err, int errnum, const struct mount_op *op,
		const char *what)
{
	return sr_error_make(err, SR_EXIT_FAILURE, errnum, "%s %s%s%s: %s",
			     plan_op_name(op->kind), op->src ? op->src : "",
			     op->src ? " " : "", op->dst, what);
}

/*
 * Create a missing mount point: directories along the way, and the last
 * component as a directory or an empty file.  Only succeeds where the
 * parent is writable (the sandbox's own tmpfs mounts); the host root is
 * read-only, which gives EROFS.
 */
static int create_mount_point(int rootfd, const char *path, bool dir)
{
	cleanup_free char *buf = xstrdup(path);
	char *p = buf + 1;

	for (;;) {
		char *slash = strchr(p, '/');
		bool last = !slash;
		cleanup_close int parent = -1;
		cleanup_close int fd = -1;
		char *name;

		if (slash)
			*slash = '\0';
		fd = open_in_root(rootfd, buf);
		if (fd < 0 && errno != ENOENT)
			return -1;
		if (fd < 0) {
			name = strrchr(buf, '/');
			*name = '\0';
			parent = open_in_root(rootfd, buf[0] ? buf : "/");
			*name = '/';
			if (parent < 0)
				return -1;
			if (!last || dir) {
				if (mkdirat(parent, name + 1, 0755) < 0 &&
				    errno != EEXIST)
					return -1;
			} else {
				int f = openat(parent, name + 1, O_CREAT |
					       O_EXCL | O_WRONLY | O_CLOEXEC |
					       O_NOFOLLOW, 0644);

				if (f < 0 && errno != EEXIST)
					return -1;
				if (f >= 0)
					close(f);
			}
		}
		if (last)
			return 0;
		*slash = '/';
		p = slash + 1;
	}
}

static int open_dst(int rootfd, const struct mount_op *op, bool dir,
		    struct sr_error **err)
{
	int fd = open_in_root(rootfd, op->dst);

	if (fd >= 0 || errno != ENOENT)
		goto out;
	if (create_mount_point(rootfd, op->dst, dir) < 0) {
		if (errno == EROFS)
			return fail(err, EROFS, op, "the mount point does not "
				    "exist and cannot be created there");
		return fail(err, errno, op, "cannot create the mount point");
	}
	fd = open_in_root(rootfd, op->dst);
out:
	if (fd < 0)
		return fail(err, errno, op, errno == ENOENT ?
			    "the mount point does not exist" :
			    "cannot open the mount point");
	return fd;
}

/* A new filesystem instance, detached, ready for move_mount(). */
static int new_fs(const struct mount_op *op, struct sr_error **err)
{
	cleanup_close int fsfd = -1;
	unsigned attr = MOUNT_ATTR_NOSUID;
	char mode[16];
	int mfd;

	switch (op->kind) {
	case OP_TMPFS:
		fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
		snprintf(mode, sizeof(mode), "%o", op->mode ? op->mode : 0755);
		if (fsfd >= 0 &&
		    fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", mode, 0) < 0)
			return fail(err, errno, op, "cannot configure tmpfs");
		attr |= MOUNT_ATTR_NODEV;
		break;
	case OP_PROC:
		fsfd = fsopen("proc", FSOPEN_CLOEXEC);
		attr |= MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;
		break;
	case OP_DEVPTS:
		fsfd = fsopen("devpts", FSOPEN_CLOEXEC);
		if (fsfd >= 0 &&
		    (fsconfig(fsfd, FSCONFIG_SET_FLAG, "newinstance", NULL, 0) < 0 ||
		     fsconfig(fsfd, FSCONFIG_SET_STRING, "ptmxmode", "0666", 0) < 0 ||
		     fsconfig(fsfd, FSCONFIG_SET_STRING, "mode", "0620", 0) < 0))
			return fail(err, errno, op, "cannot configure devpts");
		attr |= MOUNT_ATTR_NOEXEC;
		break;
	case OP_ROOT:
	case OP_BIND:
	case OP_RO_BIND:
	case OP_DEV_BIND:
	case OP_SYMLINK:
	case OP_REMOUNT_RO:
	case OP_FILE:
		errno = EINVAL;
		break;
	}
	if (fsfd < 0)
		return fail(err, errno, op, "cannot create the filesystem");
	if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return fail(err, errno, op, "cannot create the filesystem");
	mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, attr);
	if (mfd < 0)
		return fail(err, errno, op, "cannot mount the filesystem");
	return mfd;
}

/* Clone a bind source now, before anything is stacked over the host. */
static int clone_source(const struct mount_op *op, struct sr_error **err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID };
	int fd;

	fd = open_tree(AT_FDCWD, op->src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
		       AT_RECURSIVE | AT_SYMLINK_NOFOLLOW);
	if (fd < 0)
		return fail(err, errno, op, "cannot clone the source");
	if (op->kind != OP_DEV_BIND)
		attr.attr_set |= MOUNT_ATTR_NODEV;
	/* A device node bound read-only is still read and written (a
	 * read-only mount refuses writes to files, directories and links
	 * only); what it refuses is a chmod, chown or utimes of the host's
	 * node, which root outside (uid 0 inside) could make otherwise. */
	if (op->kind == OP_ROOT || op->kind == OP_RO_BIND || op->kind == OP_DEV_BIND)
		attr.attr_set |= MOUNT_ATTR_RDONLY;
	if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr,
			  sizeof(attr)) < 0) {
		close(fd);
		return fail(err, errno, op, "cannot set mount attributes");
	}
	return fd;
}

static bool is_bind(enum mount_op_kind k)
{
	return k == OP_ROOT || k == OP_BIND || k == OP_RO_BIND ||
	       k == OP_DEV_BIND;
}

static int make_symlink(int rootfd, const struct mount_op *op,
			struct sr_error **err)
{
	cleanup_free char *parent = xstrdup(op->dst);
	char *slash = strrchr(parent, '/');
	cleanup_close int pfd = -1;

	*slash = '\0';
	pfd = open_in_root(rootfd, parent[0] ? parent : "/");
	if (pfd < 0)
		return fail(err, errno, op, "cannot open the parent directory");
	if (symlinkat(op->src, pfd, slash + 1) < 0 && errno != EEXIST)
		return fail(err, errno, op, "cannot create the symlink");
	return 0;
}

/* How much of a part the kernel copied into fd from the part's file
 * (sendfile: no fault on each page of this process's copy of it); the
 * rest is written from memory. */
static size_t copy_part(int fd, const struct file_part *part)
{
	off_t from = part->off;
	size_t done = 0;

	if (lseek(fd, (off_t)part->at, SEEK_SET) < 0)
		return 0;
	while (done < part->len) {
		ssize_t n = sendfile(fd, part->fd, &from, part->len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

/* A file of sandrun's in one of the sandbox's tmpfs mounts, its bytes
 * written whole, its mode op->mode whatever the umask. */
static int make_file(int rootfd, const struct mount_op *op, struct sr_error **err)
{
	cleanup_free char *parent = xstrdup(op->dst);
	char *slash = strrchr(parent, '/');
	cleanup_close int pfd = -1;
	cleanup_close int fd = -1;

	*slash = '\0';
	if (parent[0] && create_mount_point(rootfd, parent, true) < 0)
		return fail(err, errno, op, "cannot create the parent directory");
	pfd = open_in_root(rootfd, parent[0] ? parent : "/");
	if (pfd < 0)
		return fail(err, errno, op, "cannot open the parent directory");
	fd = openat(pfd, slash + 1, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW,
		    op->mode);
	if (fd < 0 || write_all(fd, op->data, op->len) < 0)
		return fail(err, errno, op, "cannot write the file");
	for (size_t i = 0; i < op->nparts; i++) {
		const struct file_part *part = &op->parts[i];
		size_t done = part->fd >= 0 ? copy_part(fd, part) : 0;

		while (done < part->len) {
			ssize_t n = pwrite(fd, (const char *)part->src + done, part->len - done,
					   (off_t)(part->at + done));

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				return fail(err, n < 0 ? errno : EIO, op, "cannot write the file");
			done += (size_t)n;
		}
	}
	if (fchmod(fd, op->mode) < 0)
		return fail(err, errno, op, "cannot write the file");
	return 0;
}

/* Stack a read-only copy of what is at dst over it (/proc/sys, ...). */
static int remount_ro(int rootfd, const struct mount_op *op,
		      struct sr_error **err)
{
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    (op->flags & OPF_EXEC ? 0 : MOUNT_ATTR_NOEXEC),
	};
	cleanup_close int dst = open_in_root(rootfd, op->dst);
	cleanup_close int copy = -1;

	if (dst < 0 && errno == ENOENT)
		return 0;
	if (dst < 0)
		return fail(err, errno, op, "cannot open");
	copy = open_tree(dst, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
			 AT_RECURSIVE | AT_EMPTY_PATH);
	if (copy < 0 || mount_setattr(copy, "", AT_EMPTY_PATH | AT_RECURSIVE,
				      &attr, sizeof(attr)) < 0 ||
	    move_mount(copy, "", dst, "", MOVE_MOUNT_F_EMPTY_PATH |
		       MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return fail(err, errno, op, "cannot make it read-only");
	return 0;
}

static int apply_op(int rootfd, const struct mount_op *op, int srcfd,
		    struct sr_error **err)
{
	cleanup_close int dst = -1;
	cleanup_close int mfd = -1;
	bool dir = true;

	if (op->kind == OP_SYMLINK)
		return make_symlink(rootfd, op, err);
	if (op->kind == OP_REMOUNT_RO)
		return remount_ro(rootfd, op, err);
	if (op->kind == OP_FILE)
		return make_file(rootfd, op, err);
	if (is_bind(op->kind)) {
		struct stat st;

		if (fstat(srcfd, &st) == 0)
			dir = S_ISDIR(st.st_mode);
	} else {
		mfd = new_fs(op, err);
		if (mfd < 0)
			return -1;
	}
	dst = open_dst(rootfd, op, dir, err);
	if (dst < 0)
		return -1;
	/* (the kernel's EINVAL says neither which nor why) */
	if (is_bind(op->kind)) {
		struct stat st;

		if (fstat(dst, &st) == 0 && S_ISDIR(st.st_mode) != dir)
			return fail(err, dir ? ENOTDIR : EISDIR, op, dir ?
				    "a directory cannot be bound over a file" :
				    "a file cannot be bound over a directory");
	}
	if (move_mount(is_bind(op->kind) ? srcfd : mfd, "", dst, "",
		       MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return fail(err, errno, op, "cannot mount");
	return 0;
}

static int enter_root(int rootfd, struct sr_error **err)
{
	/* The pivot_root(".", ".") idiom: the old root ends up stacked
	 * under the new one and is detached at once. */
	if (fchdir(rootfd) < 0 || sys_pivot_root(".", ".") < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot pivot into the sandbox root");
	if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot detach the host root");
	return 0;
}

int mounts_apply(const struct mount_plan *plan, struct sr_error **err)
{
	int *fds = xcalloc(plan->n, sizeof(int));
	int rootfd = -1, r = -1;
	size_t i;

	for (i = 0; i < plan->n; i++)
		fds[i] = -1;
	if (plan->n == 0 || plan->ops[0].kind != OP_ROOT) {
		sr_error_make(err, SR_EXIT_FAILURE, 0, "the plan has no root");
		goto out;
	}
	/* Nothing we mount may propagate back to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		sr_error_make(err, SR_EXIT_FAILURE, errno,
			      "cannot make the mount namespace private");
		goto out;
	}
	for (i = 0; i < plan->n; i++) {
		if (is_bind(plan->ops[i].kind)) {
			fds[i] = clone_source(&plan->ops[i], err);
			if (fds[i] < 0)
				goto out;
		}
	}
	rootfd = fds[0];
	if (move_mount(rootfd, "", AT_FDCWD, STAGE_DIR,
		       MOVE_MOUNT_F_EMPTY_PATH) < 0) {
		fail(err, errno, &plan->ops[0], "cannot attach the new root");
		goto out;
	}
	for (i = 1; i < plan->n; i++)
		if (apply_op(rootfd, &plan->ops[i], fds[i], err) < 0)
			goto out;
	r = enter_root(rootfd, err);
out:
	for (i = 0; i < plan->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	return r;
}
