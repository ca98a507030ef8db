// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "lib/util.h"
#include "runner/userns.h"

static int write_proc(pid_t pid, const char *file, const char *text,
		      struct sr_error **err)
{
	char path[64];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write_all(fd, text, strlen(text)) < 0)
		return userns_diagnose(errno, file, err);
	return 0;
}

int userns_write_maps(pid_t pid, uid_t outer_uid, gid_t outer_gid,
		      uid_t inner_uid, gid_t inner_gid, struct sr_error **err)
{
	char map[64];

	/* Root outside may map every id, so files keep their owners;
	 * anyone else may map exactly their own id. */
	if (outer_uid == 0 && inner_uid == 0)
		snprintf(map, sizeof(map), "0 0 4294967295\n");
	else
		snprintf(map, sizeof(map), "%u %u 1\n", inner_uid, outer_uid);
	if (write_proc(pid, "uid_map", map, err) < 0)
		return -1;
	/* An unprivileged gid_map needs setgroups denied first; deny it
	 * for root too, so no one inside can drop a group to gain access. */
	if (write_proc(pid, "setgroups", "deny\n", err) < 0)
		return -1;
	if (outer_uid == 0 && inner_uid == 0)
		snprintf(map, sizeof(map), "0 0 4294967295\n");
	else
		snprintf(map, sizeof(map), "%u %u 1\n", inner_gid, outer_gid);
	return write_proc(pid, "gid_map", map, err);
}

static int read_sysctl(const char *path)
{
	char buf[32] = { 0 };
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	long v;

	if (fd < 0 || read_all(fd, buf, sizeof(buf) - 1) <= 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return parse_long(buf, 0, 1L << 30, &v) ? -1 : (int)v;
}

int userns_diagnose(int errnum, const char *what, struct sr_error **err)
{
	if (read_sysctl("/proc/sys/kernel/unprivileged_userns_clone") == 0 &&
	    getuid() != 0)
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
			"cannot create a user namespace (%s): unprivileged "
			"user namespaces are disabled; enable them with "
			"'sysctl -w kernel.unprivileged_userns_clone=1'", what);
	if (read_sysctl("/proc/sys/user/max_user_namespaces") == 0)
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
			"cannot create a user namespace (%s): "
			"user.max_user_namespaces is 0; enable them with "
			"'sysctl -w user.max_user_namespaces=15000'", what);
	if (read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1 &&
	    getuid() != 0)
		return sr_error_make(err, SR_EXIT_FAILURE, 0,
			"cannot create a user namespace (%s): AppArmor "
			"restricts unprivileged user namespaces; allow sandrun "
			"with an AppArmor profile ('userns,') or run "
			"'sysctl -w kernel.apparmor_restrict_unprivileged_userns=0'",
			what);
	if (errnum == ENOSPC || errnum == EUSERS)
		return sr_error_make(err, SR_EXIT_FAILURE, errnum,
			"cannot create a namespace (%s): the limit in "
			"/proc/sys/user/ is reached", what);
	return sr_error_make(err, SR_EXIT_FAILURE, errnum,
			     "cannot create the sandbox's namespaces (%s)", what);
}
