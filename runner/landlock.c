// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/exitcode.h"
#include "lib/util.h"
#include "runner/landlock.h"

/* Rights newer than the headers of Debian 12 (Linux 6.1). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_FILE_ONLY (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
		      LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |   \
		      LANDLOCK_ACCESS_FS_IOCTL_DEV)

int landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
			 LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int)v;
}

static uint64_t handled(int abi)
{
	uint64_t a = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1;	/* ABI 1 */

	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		a |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return a;
}

static uint64_t rights(unsigned access, uint64_t all)
{
	uint64_t r = 0;

	if (access & PA_READ)
		r |= FS_READ;
	if (access & PA_LIST)
		r |= LANDLOCK_ACCESS_FS_READ_DIR;
	if (access & PA_WRITE)
		r |= all;	/* every change, and reading back */
	if (access & PA_EXEC)
		r |= LANDLOCK_ACCESS_FS_EXECUTE | FS_READ;
	/* device ioctls (a terminal's) come with reading or writing */
	if (access & (PA_READ | PA_WRITE))
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r & all;
}

static int add_path(int rs, const char *path, uint64_t allowed, bool create,
		    struct sr_error **err)
{
	struct landlock_path_beneath_attr pb = { .allowed_access = allowed };
	struct stat st;
	int fd = open(path, O_PATH | O_CLOEXEC);

	if (fd < 0 && errno == ENOENT && create) {
		mkdir_p(path);
		fd = open(path, O_PATH | O_CLOEXEC);
	}
	if (fd < 0)
		return 0;	/* nothing there to allow */
	if (fstat(fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= FS_FILE_ONLY;
	pb.parent_fd = fd;
	if (pb.allowed_access &&
	    syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
		int e = errno;

		close(fd);
		return sr_error_make(err, SR_EXIT_FAILURE, e,
				     "cannot add the Landlock rule for '%s'", path);
	}
	close(fd);
	return 0;
}

int landlock_apply(const struct policy *p, int abi, struct sr_error **err)
{
	uint64_t all = handled(abi);
	struct landlock_ruleset_attr attr = { .handled_access_fs = all };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	int r = 0;

	if (rs < 0)
		return sr_error_make(err, SR_EXIT_FAILURE, errno,
				     "cannot create the Landlock ruleset");
	for (size_t i = 0; i < policy_implicit_len && r == 0; i++)
		r = add_path(rs, policy_implicit[i].path,
			     rights(policy_implicit[i].access, all), false, err);
	for (size_t i = 0; i < p->nrules && r == 0; i++) {
		const struct policy_rule *rule = &p->rules[i];
		glob_t g;

		if (!rule->path)
			continue;
		if (!rule->glob) {
			r = add_path(rs, rule->path, rights(rule->access, all),
				     rule->access & PA_WRITE, err);
			continue;
		}
		/* A glob: what it matches now (its directory would grant
		 * the siblings too; the tracer checks later matches). */
		if (glob(rule->path, GLOB_NOSORT, NULL, &g) == 0)
			for (size_t k = 0; k < g.gl_pathc && r == 0; k++)
				r = add_path(rs, g.gl_pathv[k], rights(rule->access, all),
					     false, err);
		globfree(&g);
	}
	if (r == 0 && syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		r = sr_error_make(err, SR_EXIT_FAILURE, errno,
				  "cannot enforce the Landlock ruleset");
	close(rs);
	return r;
}
