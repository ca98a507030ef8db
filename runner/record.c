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
#include "runner/record.h"
#include "tracer/canon.h"

/* $SRC, $HOME and $TMP, longest path first so the most specific wins. */
static size_t roots_of(const struct run_config *cfg, struct canon_root *roots)
{
	const char *home = NULL;
	size_t n = 0;

	for (size_t i = 0; i < cfg->env.n; i++)
		if (str_has_prefix(cfg->env.v[i], "HOME="))
			home = cfg->env.v[i] + 5;
	roots[n++] = (struct canon_root){ "$SRC", cfg->src };
	if (home && home[0] == '/' && home[1] && strcmp(home, cfg->src))
		roots[n++] = (struct canon_root){ "$HOME", home };
	roots[n++] = (struct canon_root){ "$TMP", "/tmp" };
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strlen(roots[j].path) > strlen(roots[j - 1].path); j--) {
			struct canon_root tmp = roots[j];

			roots[j] = roots[j - 1];
			roots[j - 1] = tmp;
		}
	return n;
}

/* Create path.tmp.PID exclusively (never through a planted symlink). */
static FILE *create_tmp(const char *path, char **ret_tmp, struct sr_error **err)
{
	char *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f;

	if (fd < 0) {
		sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot create '%s'", tmp);
		free(tmp);
		return NULL;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		free(tmp);
		sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot open '%s'", path);
		return NULL;
	}
	*ret_tmp = tmp;
	return f;
}

static int commit_tmp(FILE *f, char *tmp, const char *path, struct sr_error **err)
{
	int e = 0;

	if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0)
		e = errno ? errno : EIO;
	if (fclose(f) != 0 && !e)
		e = errno;
	if (!e && rename(tmp, path) < 0)
		e = errno;
	if (e) {
		unlink(tmp);
		sr_error_make(err, SR_EXIT_FAILURE, e, "cannot write '%s'", path);
	}
	free(tmp);
	return e ? -1 : 0;
}

static void canon_opts_of(const struct run_config *cfg, struct canon_root *roots,
			  struct canon_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->roots = roots;
	o->nroots = roots_of(cfg, roots);
	o->algo = cfg->algo;
	o->command = cfg->argv;
	o->end_status = "complete";
}

int record_begin(struct recorder *rec, const struct run_config *cfg,
		 struct sr_error **err)
{
	struct canon_root roots[4];
	struct canon_opts o;
	char *tmp = NULL, *spool;
	FILE *f;

	memset(rec, 0, sizeof(*rec));
	if (!cfg->trace_path)
		return 0;
	sc_init();
	canon_opts_of(cfg, roots, &o);
	f = create_tmp(cfg->trace_path, &tmp, err);
	if (!f)
		return -1;
	canon_write_incomplete(&o, f, "the run did not finish");
	if (commit_tmp(f, tmp, cfg->trace_path, err) < 0)
		return -1;
	rec->topts.algo = cfg->algo;
	rec->topts.cwd = cfg->cwd;
	rec->tracer.opts = &rec->topts;
	spool = xasprintf("%s.spool.%d", cfg->trace_path, (int)getpid());
	if (spool_create(&rec->tracer.spool, spool, err) < 0) {
		free(spool);
		return -1;
	}
	free(spool);
	rec->active = true;
	return 0;
}

int record_finish(struct recorder *rec, const struct run_config *cfg,
		  int exit_code, struct sr_error **err)
{
	struct canon_root roots[4];
	struct canon_opts o;
	char *tmp = NULL;
	FILE *f;

	if (!rec->active)
		return 0;
	canon_opts_of(cfg, roots, &o);
	o.init_pid = rec->tracer.init_pid;
	o.exit_code = exit_code;
	if (rec->tracer.io_error)
		return sr_error_make(err, SR_EXIT_FAILURE, EIO,
				     "cannot write the trace spool");
	f = create_tmp(cfg->trace_path, &tmp, err);
	if (!f)
		return -1;
	if (canon_write(&rec->tracer.spool, &o, f, err) < 0) {
		fclose(f);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	return commit_tmp(f, tmp, cfg->trace_path, err);
}

void record_free(struct recorder *rec)
{
	if (rec->active)
		tracer_free(&rec->tracer);
	rec->active = false;
}
