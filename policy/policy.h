/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_POLICY_H
#define SR_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/error.h"
#include "lib/util.h"

/*
 * A hermetic-build policy (docs/policy.md): what a build may read, write
 * and execute, which network it gets, and its environment.  Paths are
 * written with the roots $SRC, $HOME and $TMP and may hold globs; a path
 * allows what is below it.  Loaded once, expanded against the run's real
 * roots, then only read (by the runner for Landlock, by the tracer for
 * its checks).
 */
enum policy_mode { POLICY_ENFORCE, POLICY_AUDIT };
enum policy_net { PNET_UNSET, PNET_NONE, PNET_LOOPBACK, PNET_HOST };

enum {
	PA_READ = 1,
	PA_WRITE = 2,
	PA_EXEC = 4,
	PA_NET = 8,		/* a socket address outside the network policy */
	PA_SYSCALL = 16,	/* a syscall the policy denies outright */
	PA_LIST = 32,		/* open a directory, list its names */
};

struct policy_rule {
	char *pattern;		/* as written */
	char *path;		/* roots expanded */
	unsigned access;
	unsigned line;
	bool glob;
	bool scratch;		/* of the sandbox's own /tmp or /var/tmp, not
				 * of a tree bound below them (expanded) */
};

struct policy {
	char *file;
	enum policy_mode mode;
	bool mode_given;	/* (a second mode line is an error) */
	enum policy_net net;
	struct policy_rule *rules;
	size_t nrules;
	struct strv env_keep;	/* names */
	struct strv env_set;	/* NAME=VALUE */
	bool env_rules;		/* any env directive: start from an empty env */
	char *scratch_tree;	/* the source tree, if it lies under the
				 * sandbox's own /tmp or /var/tmp (expanded) */
};

/* What every build may touch: the null and random devices, a terminal,
 * its own /proc, the CPU list (nproc). */
struct policy_implicit {
	const char *path;
	unsigned access;
};
extern const struct policy_implicit policy_implicit[];
extern const size_t policy_implicit_len;

int policy_load(const char *path, struct policy *ret, struct sr_error **err);
/* Expand the roots; rules under a root that is unknown never match. */
void policy_expand(struct policy *p, const char *src, const char *home,
		   const char *tmp);
/* The access bits path is allowed, implicit rules included. */
unsigned policy_allowed(const struct policy *p, const char *path);
/* Whether path (a write rule's, what its glob matches, or where the glob
 * starts) is the sandbox's own scratch, /tmp or /var/tmp or below, and
 * not the source tree bound below them (--src under /tmp) or a path in
 * it: such a rule does not reach into the tree. */
bool policy_scratch_only(const struct policy *p, const char *path);
/* The longest directory without globs a rule's path starts with. */
char *policy_rule_base(const struct policy_rule *r);
const char *policy_access_name(unsigned access);
/*
 * Whether the exec rules let file be executed as Landlock judges it: a
 * rule with the exec right whose path (or a glob's match), resolved as
 * the kernel resolves it, is the file or a directory above it, file
 * resolved too.  (On the host's view of the paths; true when file is
 * not there.)
 */
bool policy_exec_allowed(const struct policy *p, const char *file);
/* What the kernel loads to run file: its #! interpreter or its ELF
 * PT_INTERP (ELF64 or ELF32); NULL for none (a static program, or
 * unreadable). */
char *exec_interpreter(const char *file);
/* The same, of the file open on fd. */
char *exec_interpreter_fd(int fd);
void policy_free(struct policy *p);

#endif
