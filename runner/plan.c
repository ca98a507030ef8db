// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/util.h"
#include "runner/plan.h"

void plan_add(struct mount_plan *plan, enum mount_op_kind kind,
	      unsigned flags, const char *src, const char *dst, unsigned mode)
{
	struct mount_op *op;

	if (plan->n == plan->cap) {
		plan->cap = plan->cap ? plan->cap * 2 : 16;
		plan->ops = xrealloc(plan->ops, plan->cap * sizeof(*plan->ops));
	}
	op = &plan->ops[plan->n++];
	op->kind = kind;
	op->flags = flags;
	op->src = src ? xstrdup(src) : NULL;
	op->dst = path_normalize(dst);
	op->mode = mode;
	op->data = NULL;
	op->len = 0;
	op->parts = NULL;
	op->nparts = 0;
}

void plan_add_file(struct mount_plan *plan, const char *dst, const void *data, size_t len)
{
	struct mount_op *op;

	plan_add(plan, OP_FILE, 0, NULL, dst, 0444);
	op = &plan->ops[plan->n - 1];
	op->data = xmalloc(len ? len : 1);
	memcpy(op->data, data, len);
	op->len = len;
}

void plan_add_file_part(struct mount_plan *plan, const void *src, size_t len, size_t at,
			bool borrow)
{
	struct mount_op *op = &plan->ops[plan->n - 1];
	struct file_part *part;

	op->parts = xrealloc(op->parts, (op->nparts + 1) * sizeof(*op->parts));
	part = &op->parts[op->nparts++];
	part->own = borrow ? NULL : xmalloc(len ? len : 1);
	if (part->own)
		memcpy(part->own, src, len);
	part->src = borrow ? src : part->own;
	part->len = len;
	part->at = at;
	part->fd = -1;
	part->off = 0;
}

void plan_file_part_from(struct mount_plan *plan, int fd, off_t off)
{
	struct mount_op *op = &plan->ops[plan->n - 1];
	struct file_part *part = &op->parts[op->nparts - 1];

	part->fd = fd;
	part->off = off;
}

size_t plan_file_size(const struct mount_op *op)
{
	size_t size = op->len;

	for (size_t i = 0; i < op->nparts; i++)
		if (op->parts[i].at + op->parts[i].len > size)
			size = op->parts[i].at + op->parts[i].len;
	return size;
}

void plan_free(struct mount_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++) {
		free(plan->ops[i].src);
		free(plan->ops[i].dst);
		free(plan->ops[i].data);
		for (size_t k = 0; k < plan->ops[i].nparts; k++) {
			free(plan->ops[i].parts[k].own);
			if (plan->ops[i].parts[k].fd >= 0)
				close(plan->ops[i].parts[k].fd);
		}
		free(plan->ops[i].parts);
	}
	free(plan->ops);
	plan->ops = NULL;
	plan->n = plan->cap = 0;
}

const char *plan_op_name(enum mount_op_kind kind)
{
	switch (kind) {
	case OP_ROOT:
		return "root-ro-bind";
	case OP_BIND:
		return "bind";
	case OP_RO_BIND:
		return "ro-bind";
	case OP_DEV_BIND:
		return "dev-bind";
	case OP_TMPFS:
		return "tmpfs";
	case OP_PROC:
		return "proc";
	case OP_DEVPTS:
		return "devpts";
	case OP_SYMLINK:
		return "symlink";
	case OP_REMOUNT_RO:
		return "remount-ro";
	case OP_FILE:
		return "file";
	}
	return "?";
}
