// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "runner/env.h"

const char *const env_clean_allowlist[] = {
	"PATH", "HOME", "USER", "LOGNAME", "TERM", NULL,
};

void env_spec_add(struct env_spec *spec, const char *name, const char *value)
{
	spec->edits = xrealloc(spec->edits,
			       (spec->n_edits + 1) * sizeof(*spec->edits));
	spec->edits[spec->n_edits].name = xstrdup(name);
	spec->edits[spec->n_edits].value = value ? xstrdup(value) : NULL;
	spec->n_edits++;
}

void env_spec_free(struct env_spec *spec)
{
	for (size_t i = 0; i < spec->n_edits; i++) {
		free(spec->edits[i].name);
		free(spec->edits[i].value);
	}
	free(spec->edits);
	spec->edits = NULL;
	spec->n_edits = 0;
}

static size_t name_len(const char *entry)
{
	const char *eq = strchr(entry, '=');

	return eq ? (size_t)(eq - entry) : strlen(entry);
}

static void env_set(struct strv *env, const char *name, const char *value)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < env->n; i++) {
		if (name_len(env->v[i]) == n && !strncmp(env->v[i], name, n)) {
			free(env->v[i]);
			env->v[i] = value ? xasprintf("%s=%s", name, value) : NULL;
			if (!value) {
				memmove(&env->v[i], &env->v[i + 1],
					(env->n - i) * sizeof(*env->v));
				env->n--;
			}
			return;
		}
	}
	if (value)
		strv_push(env, xasprintf("%s=%s", name, value));
}

static bool allowed(const char *entry)
{
	size_t n = name_len(entry);

	for (const char *const *a = env_clean_allowlist; *a; a++)
		if (strlen(*a) == n && !strncmp(*a, entry, n))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void env_build(const struct env_spec *spec, char *const *host,
	       struct strv *ret)
{
	struct strv env = { 0 };

	for (char *const *e = host; e && *e; e++) {
		if (!strchr(*e, '='))
			continue;
		if (spec->clean && !allowed(*e))
			continue;
		strv_push(&env, xstrdup(*e));
	}
	if (spec->clean) {
		char *path_default = "/usr/local/bin:/usr/bin:/bin";
		bool have_path = false;

		for (size_t i = 0; i < env.n; i++)
			have_path |= str_has_prefix(env.v[i], "PATH=");
		if (!have_path)
			env_set(&env, "PATH", path_default);
		env_set(&env, "TZ", "UTC");
		env_set(&env, "LC_ALL", "C.UTF-8");
	}
	if (spec->have_epoch) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", spec->epoch);
		env_set(&env, "SOURCE_DATE_EPOCH", buf);
	}
	for (size_t i = 0; i < spec->n_edits; i++)
		env_set(&env, spec->edits[i].name, spec->edits[i].value);
	if (env.n)
		qsort(env.v, env.n, sizeof(*env.v), cmp_str);
	*ret = env;
}

void env_put(struct strv *env, const char *name, const char *value)
{
	env_set(env, name, value);
	if (env->n)
		qsort(env->v, env->n, sizeof(*env->v), cmp_str);
}

long long env_git_epoch(const char *src)
{
	/* The tree is writable by builds: its .git/config must not make
	 * this git run anything (signature checks, fsmonitor, pager). */
	char *argv[] = { "git", "--no-pager", "-C", (char *)src,
			 "-c", "core.fsmonitor=false", "-c", "log.showSignature=false",
			 "-c", "core.pager=cat", "log", "-1", "--no-show-signature",
			 "--no-textconv", "--format=%ct", NULL };
	char *envp[] = { "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			 "GIT_OPTIONAL_LOCKS=0", "GIT_TERMINAL_PROMPT=0",
			 "PATH=/usr/local/bin:/usr/bin:/bin", NULL };
	posix_spawn_file_actions_t fa;
	char buf[64] = { 0 };
	int fds[2], status;
	long long epoch = -1;
	ssize_t n;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null",
					 O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
					 O_RDONLY, 0);
	if (posix_spawnp(&pid, "git", &fa, NULL, argv, envp) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (pid > 0) {
		n = read_all(fds[0], buf, sizeof(buf) - 1);
		while (waitpid(pid, &status, 0) < 0)
			if (errno != EINTR)
				return close(fds[0]), -1;
		if (n > 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
			char *end;

			epoch = strtoll(buf, &end, 10);
			if (end == buf || (*end && *end != '\n'))
				epoch = -1;
		}
	}
	close(fds[0]);
	return epoch;
}
