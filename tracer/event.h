/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_EVENT_H
#define SR_EVENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "lib/digest.h"

/*
 * One observed operation, however it was captured (ptrace today, an
 * in-process log later).  Decoders fill it; the spool stores it; the
 * canonicalizer orders and rewrites it.  Paths are absolute, as the
 * process saw them inside the sandbox.
 */
enum ev_kind {
	EV_EXEC,	/* path, cwd (path2), argv, env; result 0; aux = the
			 * pipe inodes on stdin (high 32 bits) and stdout */
	EV_EXEC_FAIL,	/* an execve that failed: path, result */
	EV_SPAWN,	/* other = the new process (host pid) */
	EV_EXIT,	/* aux = wait status */
	EV_OPEN,	/* path, flags, result; digest of what was read */
	EV_WROTE,	/* path, digest of the file as left at close/exit */
	EV_PROBE,	/* path; result; mode = file type when known */
	EV_READDIR,	/* path, digest of the sorted names */
	EV_MKDIR,
	EV_RMDIR,
	EV_UNLINK,
	EV_RENAME,	/* path -> path2 */
	EV_LINK,	/* path -> path2 */
	EV_SYMLINK,	/* path2 is the link, path its target (verbatim) */
	EV_CHMOD,	/* mode */
	EV_CHOWN,
	EV_TRUNCATE,
	EV_UTIMES,
	EV_MKNOD,
	EV_XATTR,	/* name = syscall, path2 = the attribute's name,
			 * digest = the value set (none: a removal) */
	EV_CHDIR,
	EV_NET,		/* name = syscall, aux = family, path = address */
	EV_RANDOM,	/* a source of nondeterminism: name, path */
	EV_UNTRACEABLE,	/* a syscall whose effects a tracer cannot see */
	EV_VIOLATION,	/* a breach of the policy: name = syscall, path,
			 * aux = access (PA_*), result = -errno when denied */
	EV_BEFORE,	/* a path's state before the run first changed it:
			 * mode = type|perm, aux = size, path2 = link target,
			 * result = -ENOENT when absent */
	EV_AFTER,	/* the same path's state when the command ended */
	EV_KIND_MAX,
};

/* The state a change left its path in: per-process deltas replay these. */
struct fstate {
	bool has;
	uint32_t mode;		/* type|perm; 0: absent */
	int64_t size;
	struct digest digest;
	char *target;		/* symlink target; an EV_EXEC's (post.has
				 * false): a #! script's interpreter, and
				 * digest: its loader's (event.loader) */
};

/* In an EV_OPEN's flags, beside the open flags: the path did not exist
 * before this open created it. */
#define EVF_CREATED (1u << 31)

struct event {
	enum ev_kind kind;
	pid_t pid;		/* the process (thread group id) */
	pid_t tid;		/* the thread, for grouping only (never written) */
	pid_t other;		/* EV_SPAWN: the child */
	int result;		/* >= 0, or -errno */
	uint32_t flags;		/* open flags, probe flags */
	uint32_t mode;
	int64_t aux;
	char *name;		/* syscall name, owned */
	char *path;
	char *path2;
	char **argv;		/* EV_EXEC, NULL-terminated */
	char **envp;
	char *loader;		/* EV_EXEC: the ELF interpreter (PT_INTERP)
				 * the kernel loaded with the program, as the
				 * program names it */
	struct digest digest;
	struct fstate post;	/* mutations and EV_WROTE */
	bool pooled;		/* its strings are a pool's (spool_parse_pooled):
				 * event_clear leaves them to it */
};

const char *ev_kind_name(enum ev_kind kind);
int ev_kind_parse(const char *name);
void event_clear(struct event *ev);
/* A NULL-terminated vector of malloc'd strings (argv, envp) freed. */
void event_free_strv(char **v);

#endif
