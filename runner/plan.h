/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_PLAN_H
#define SR_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * The sandbox's filesystem as a list of operations (the bubblewrap SetupOp
 * idea): built from the command line in the parent, printed by --dry-run,
 * applied in order by mounts_apply() in the child.
 */
enum mount_op_kind {
	OP_ROOT,	/* the host root, recursively, read-only */
	OP_BIND,	/* bind src over dst, read-write */
	OP_RO_BIND,	/* bind src over dst, read-only */
	OP_DEV_BIND,	/* bind a host device node over dst (created) */
	OP_TMPFS,	/* a fresh tmpfs over dst */
	OP_PROC,	/* a fresh procfs for the sandbox's pid namespace */
	OP_DEVPTS,	/* a new devpts instance */
	OP_SYMLINK,	/* create dst as a symlink to src */
	OP_REMOUNT_RO,	/* make what is at dst read-only (if it exists) */
	OP_FILE,	/* create dst (in a tmpfs) holding data, read-only */
};

enum {
	OPF_CREATE = 1 << 0,	/* create a missing mount point (in a tmpfs) */
	OPF_SRC_TREE = 1 << 1,	/* this bind is the source tree ($SRC) */
	OPF_EXEC = 1 << 2,	/* remount-ro: what is there may still be run */
};

struct mount_op {
	enum mount_op_kind kind;
	unsigned flags;
	char *src;	/* host path (binds) or link target (symlink) */
	char *dst;	/* absolute path inside the sandbox */
	unsigned mode;	/* tmpfs root mode */
	void *data;	/* a file's bytes (OP_FILE) */
	size_t len;
	struct file_part *parts;	/* then these written over it (OP_FILE) */
	size_t nparts;
};

/* A piece of an OP_FILE written at `at` after its data: len bytes from
 * src, which is own (a copy) or memory the parent keeps (borrowed: the
 * child that writes the file has it too).  With fd (the plan's, else
 * -1), the same bytes are at off in that file, and the kernel copies
 * them from there (src if it cannot). */
struct file_part {
	const void *src;
	void *own;
	size_t len, at;
	int fd;
	off_t off;
};

struct mount_plan {
	struct mount_op *ops;
	size_t n, cap;
};

void plan_add(struct mount_plan *plan, enum mount_op_kind kind,
	      unsigned flags, const char *src, const char *dst, unsigned mode);
/* An OP_FILE: dst created holding a copy of len bytes at data. */
void plan_add_file(struct mount_plan *plan, const char *dst, const void *data, size_t len);
/* A part of the last op, an OP_FILE: len bytes from src at offset at,
 * copied, or borrowed (src stays as it is while the plan lives). */
void plan_add_file_part(struct mount_plan *plan, const void *src, size_t len, size_t at,
			bool borrow);
/* The last part added's bytes are at off in the file fd too, which the
 * plan now owns (closes). */
void plan_file_part_from(struct mount_plan *plan, int fd, off_t off);
/* An OP_FILE's size once written: its data and its parts. */
size_t plan_file_size(const struct mount_op *op);
void plan_free(struct mount_plan *plan);
const char *plan_op_name(enum mount_op_kind kind);

#endif
