// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdlib.h>
#include <string.h>

#include "tracer/event.h"

static const char *const kind_names[EV_KIND_MAX] = {
	[EV_EXEC] = "exec", [EV_EXEC_FAIL] = "exec-fail",
	[EV_SPAWN] = "spawn", [EV_EXIT] = "exit", [EV_OPEN] = "open",
	[EV_WROTE] = "wrote", [EV_PROBE] = "probe", [EV_READDIR] = "readdir",
	[EV_MKDIR] = "mkdir", [EV_RMDIR] = "rmdir", [EV_UNLINK] = "unlink",
	[EV_RENAME] = "rename", [EV_LINK] = "link", [EV_SYMLINK] = "symlink",
	[EV_CHMOD] = "chmod", [EV_CHOWN] = "chown", [EV_TRUNCATE] = "truncate",
	[EV_UTIMES] = "utimes", [EV_MKNOD] = "mknod", [EV_XATTR] = "xattr",
	[EV_CHDIR] = "chdir",
	[EV_NET] = "net", [EV_RANDOM] = "random",
	[EV_UNTRACEABLE] = "untraceable", [EV_VIOLATION] = "violation",
	[EV_BEFORE] = "before", [EV_AFTER] = "after",
};

const char *ev_kind_name(enum ev_kind kind)
{
	return (unsigned)kind < EV_KIND_MAX ? kind_names[kind] : "?";
}

int ev_kind_parse(const char *name)
{
	for (int k = 0; k < EV_KIND_MAX; k++)
		if (!strcmp(kind_names[k], name))
			return k;
	return -1;
}

void event_free_strv(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

void event_clear(struct event *ev)
{
	if (ev->pooled) {
		memset(ev, 0, sizeof(*ev));
		return;
	}
	free(ev->name);
	free(ev->path);
	free(ev->path2);
	free(ev->post.target);
	free(ev->loader);
	event_free_strv(ev->argv);
	event_free_strv(ev->envp);
	memset(ev, 0, sizeof(*ev));
}
