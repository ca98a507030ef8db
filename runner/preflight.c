// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Before an enforcing run: can the command start at all under the
 * policy?  The tracer checks the name it is run by, and where that
 * leads, by the rules as written.  Landlock checks the exec right on the program and on what the
 * kernel loads to run it (its ELF interpreter, a script's #! line).  The
 * tracer checks the program's path at each exec; the interpreter of the
 * very first one would only show as "cannot execute" (126) with nothing
 * recorded.  So it is checked here, on the host's view of the path (the
 * sandbox's root is the host's, read-only), as Landlock resolves it
 * (/lib64/ld-linux-x86-64.so.2 is a link into /lib), and named.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "policy/policy.h"
#include "runner/preflight.h"

/* The file execvp would run for name, with the command's PATH. */
static char *resolve(const char *name, const struct strv *env, const char *cwd)
{
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	struct stat st;

	if (strchr(name, '/')) {
		cleanup_free char *abs = name[0] == '/' ? xstrdup(name) :
			xasprintf("%s/%s", cwd, name);
		char *f = path_normalize(abs);

		if (stat(f, &st) == 0)
			return f;
		free(f);
		return NULL;
	}
	for (size_t i = 0; i < env->n; i++)
		if (str_has_prefix(env->v[i], "PATH="))
			path = env->v[i] + 5;
	for (const char *p = path; ; p++) {
		size_t n = strcspn(p, ":");
		char *f = n ? xasprintf("%.*s/%s", (int)n, p, name) :
			      xasprintf("%s/%s", cwd, name);

		if (stat(f, &st) == 0 && S_ISREG(st.st_mode) && !access(f, X_OK))
			return f;
		free(f);
		p += n;
		if (!*p)
			return NULL;
	}
}

/* "exec PATH (that is, REAL)" is not allowed: the error. */
static int denied(const struct policy *p, const char *path, const char *of,
		  struct sr_error **err)
{
	cleanup_free char *real = realpath(path, NULL);
	bool other = real && strcmp(real, path);

	return sr_error_make(err, SR_EXIT_VIOLATION, 0, "policy %s: the command cannot "
			     "start: no exec rule allows %s%s%s%s%s", p->file, path,
			     other ? " (that is, " : "", other ? real : "", other ? ")" : "",
			     of ? of : "");
}

/* The tracer checks an exec on the name it is given and on where that
 * leads (docs/policy.md), each by the rules as written: /bin/true is
 * not below `exec /usr`, and /usr/bin/true, where it leads, not below
 * `exec /bin`; the error, or 0. */
static int traced_name(const struct policy *p, const char *prog, struct sr_error **err)
{
	cleanup_free char *real = realpath(prog, NULL);

	if (!(policy_allowed(p, prog) & PA_EXEC) && (!real || !strcmp(real, prog)))
		return denied(p, prog, NULL, err);
	if (!(policy_allowed(p, prog) & PA_EXEC))
		return sr_error_make(err, SR_EXIT_VIOLATION, 0, "policy %s: the command cannot "
				     "start: no exec rule allows %s, the name it is run by (it "
				     "leads to %s)", p->file, prog, real);
	if (real && !(policy_allowed(p, real) & PA_EXEC))
		return sr_error_make(err, SR_EXIT_VIOLATION, 0, "policy %s: the command cannot "
				     "start: no exec rule allows %s, where %s leads",
				     p->file, real, prog);
	return 0;
}

int policy_preflight(const struct run_config *cfg, struct sr_error **err)
{
	cleanup_free char *prog = NULL, *interp = NULL;
	const struct policy *p = cfg->policy;

	if (!p || p->mode != POLICY_ENFORCE || !cfg->argv[0])
		return 0;
	prog = resolve(cfg->argv[0], &cfg->env, cfg->cwd);
	if (!prog)
		return 0;	/* not found here: the run says so (127) */
	if (traced_name(p, prog, err) < 0)
		return -1;
	if (cfg->landlock_abi <= 0)
		return 0;
	if (!policy_exec_allowed(p, prog))
		return denied(p, prog, NULL, err);
	interp = exec_interpreter(prog);
	if (interp && !policy_exec_allowed(p, interp)) {
		cleanup_free char *of = xasprintf(", the interpreter of %s", prog);

		return denied(p, interp, of, err);
	}
	return 0;
}
