// SPDX-License-Identifier: GPL-2.0-or-later
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/exitcode.h"
#include "policy/policy.h"

const struct policy_implicit policy_implicit[] = {
	{ "/dev/null", PA_READ | PA_WRITE },
	{ "/dev/zero", PA_READ },
	{ "/dev/full", PA_READ | PA_WRITE },
	{ "/dev/random", PA_READ },
	{ "/dev/urandom", PA_READ },
	{ "/dev/tty", PA_READ | PA_WRITE },
	{ "/dev/pts", PA_READ | PA_LIST | PA_WRITE },
	{ "/dev/ptmx", PA_READ | PA_WRITE },
	{ "/proc", PA_READ | PA_LIST },
	{ "/sys/devices/system/cpu", PA_READ | PA_LIST },
};
const size_t policy_implicit_len = ARRAY_SIZE(policy_implicit);

__attribute__((format(printf, 4, 5)))
static int bad(struct sr_error **err, const char *file, unsigned line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return sr_error_make(err, SR_EXIT_BAD_INPUT, 0, "%s:%u: %s", file, line, msg);
}

static bool valid_name(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (i && s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static bool root_prefix(const char *word, const char *root)
{
	size_t l = strlen(root);

	return !strncmp(word, root, l) && (!word[l] || word[l] == '/');
}

static int add_rule(struct policy *p, const char *word, unsigned access, unsigned line,
		    struct sr_error **err)
{
	struct policy_rule *r;

	if (word[0] != '/' && word[0] != '$')
		return bad(err, p->file, line, "'%s': a path must be absolute or start "
			   "with $SRC, $HOME or $TMP", word);
	if (word[0] == '$' && !root_prefix(word, "$SRC") && !root_prefix(word, "$HOME") &&
	    !root_prefix(word, "$TMP"))
		return bad(err, p->file, line, "'%s': unknown root (use $SRC, $HOME or $TMP, "
			   "then / or nothing)", word);
	p->rules = xrealloc(p->rules, (p->nrules + 1) * sizeof(*p->rules));
	r = &p->rules[p->nrules++];
	*r = (struct policy_rule){ .pattern = xstrdup(word), .access = access, .line = line,
				   .glob = strpbrk(word, "*?[") != NULL };
	return 0;
}

static int directive(struct policy *p, char **w, size_t n, unsigned line,
		     struct sr_error **err)
{
	static const struct { const char *name; unsigned access; } paths[] = {
		{ "read", PA_READ | PA_LIST },
		{ "write", PA_READ | PA_LIST | PA_WRITE },
		{ "exec", PA_READ | PA_LIST | PA_EXEC },
		{ "list", PA_LIST },
	};

	if (!strcmp(w[0], "mode")) {
		if (n != 2 || (strcmp(w[1], "enforce") && strcmp(w[1], "audit")))
			return bad(err, p->file, line, "%s: expected 'mode enforce' or "
				   "'mode audit'", w[0]);
		if (p->mode_given)
			return bad(err, p->file, line, "mode: given twice");
		p->mode_given = true;
		p->mode = strcmp(w[1], "audit") ? POLICY_ENFORCE : POLICY_AUDIT;
		return 0;
	}
	if (!strcmp(w[0], "network")) {
		if (n != 2 || (strcmp(w[1], "none") && strcmp(w[1], "loopback") &&
			       strcmp(w[1], "host")))
			return bad(err, p->file, line, "%s: expected 'network none', "
				   "'network loopback' or 'network host'", w[0]);
		if (p->net != PNET_UNSET)
			return bad(err, p->file, line, "network: given twice");
		p->net = !strcmp(w[1], "none") ? PNET_NONE :
			 !strcmp(w[1], "loopback") ? PNET_LOOPBACK : PNET_HOST;
		return 0;
	}
	for (size_t k = 0; k < ARRAY_SIZE(paths); k++) {
		if (strcmp(w[0], paths[k].name))
			continue;
		if (n < 2)
			return bad(err, p->file, line, "%s: expected one or more paths", w[0]);
		for (size_t i = 1; i < n; i++)
			if (add_rule(p, w[i], paths[k].access, line, err) < 0)
				return -1;
		return 0;
	}
	if (!strcmp(w[0], "env")) {
		p->env_rules = true;
		if (n >= 3 && !strcmp(w[1], "keep")) {
			for (size_t i = 2; i < n; i++) {
				if (!valid_name(w[i], strlen(w[i])) && strcmp(w[i], "*"))
					return bad(err, p->file, line, "env keep: '%s' is not a "
						   "variable name", w[i]);
				strv_push(&p->env_keep, xstrdup(w[i]));
			}
			return 0;
		}
		if (n >= 3 && !strcmp(w[1], "set")) {
			for (size_t i = 2; i < n; i++) {
				const char *eq = strchr(w[i], '=');

				if (!eq || !valid_name(w[i], (size_t)(eq - w[i])))
					return bad(err, p->file, line, "env set: expected "
						   "NAME=VALUE, not '%s'", w[i]);
				strv_push(&p->env_set, xstrdup(w[i]));
			}
			return 0;
		}
		return bad(err, p->file, line, "%s: expected 'env keep NAME...' or "
			   "'env set NAME=VALUE...'", w[0]);
	}
	for (char *c = w[0]; *c; c++)	/* (a binary file's bytes: not echoed) */
		if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
			*c = '?';
	return bad(err, p->file, line, "unknown directive '%s' (mode, network, read, "
		   "list, write, exec, env)", w[0]);
}

int policy_load(const char *path, struct policy *p, struct sr_error **err)
{
	cleanup_fclose FILE *f = input_open(path, "policy ", err);
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t len;
	int r = 0;

	memset(p, 0, sizeof(*p));
	if (!f)
		return -1;
	p->file = xstrdup(path);
	while (r == 0 && (len = text_getline(&line, &cap, f)) >= 0) {
		char *w[256], *save = NULL, *tok;
		bool more = false;
		size_t n = 0;

		lineno++;
		if (memchr(line, '\0', (size_t)len)) {
			r = bad(err, path, lineno, "%s", "a NUL byte in the policy");
			break;
		}
		line[strcspn(line, "#\n")] = '\0';
		/* (256 words, not 255: a 257th is too many) */
		for (tok = strtok_r(line, " \t\r", &save); tok && !more;
		     tok = strtok_r(NULL, " \t\r", &save)) {
			more = n == ARRAY_SIZE(w);
			if (!more)
				w[n++] = tok;
		}
		if (more)
			r = bad(err, path, lineno, "%s", "more than 256 words on one line");
		else if (n)
			r = directive(p, w, n, lineno, err);
	}
	free(line);
	if (r == 0 && len == -2)
		r = bad(err, path, lineno + 1, "%s", "a line longer than 1 MiB");
	if (r == 0 && ferror(f))
		r = sr_error_make(err, SR_EXIT_FAILURE, errno, "cannot read policy '%s'", path);
	if (r < 0)
		policy_free(p);
	return r;
}

static char *expand(const char *pattern, const char *src, const char *home,
		    const char *tmp)
{
	static const char *const roots[] = { "$SRC", "$HOME", "$TMP" };
	const char *vals[] = { src, home, tmp };

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		size_t l = strlen(roots[i]);

		if (!strncmp(pattern, roots[i], l) && (!pattern[l] || pattern[l] == '/'))
			return vals[i] ? xasprintf("%s%s", vals[i], pattern + l) : NULL;
	}
	return xstrdup(pattern);
}

/* The sandbox's own scratch directories: a tree bound below one is not
 * theirs (runner/cli_run.c's read-only tree says the same). */
static bool is_scratch(const char *path)
{
	return !strcmp(path, "/tmp") || !strcmp(path, "/var/tmp");
}

/* Whether a glob names tree or a path below it: its first components,
 * as many as tree has, match tree's (/tmp/gw* names the tree /tmp/gw1;
 * /tmp/?* names /tmp/x, not the tree /tmp/x/src below it). */
static bool glob_reaches(const char *pattern, const char *tree)
{
	const char *c = pattern, *end;
	char *head;
	bool r;

	for (const char *t = strchr(tree, '/'); t; t = strchr(t + 1, '/')) {
		c = strchr(c, '/');
		if (!c)
			return false;	/* fewer components: above the tree */
		c++;
	}
	end = strchrnul(c, '/');
	head = xasprintf("%.*s", (int)(end - pattern), pattern);
	r = fnmatch(head, tree, FNM_PATHNAME | FNM_PERIOD) == 0;
	free(head);
	return r;
}

bool policy_scratch_only(const struct policy *p, const char *path)
{
	return p->scratch_tree && !path_is_under(path, p->scratch_tree) &&
	       (path_is_under(path, "/tmp") || path_is_under(path, "/var/tmp"));
}

void policy_expand(struct policy *p, const char *src, const char *home, const char *tmp)
{
	free(p->scratch_tree);
	p->scratch_tree = NULL;
	if (src && (path_is_under(src, "/tmp") || path_is_under(src, "/var/tmp")) &&
	    !is_scratch(src))
		p->scratch_tree = path_normalize(src);
	for (size_t i = 0; i < p->nrules; i++) {
		struct policy_rule *r = &p->rules[i];
		char *e = expand(r->pattern, src, home, tmp);

		free(r->path);
		if (e && !r->glob) {
			r->path = path_normalize(e);
			free(e);
		} else {
			r->path = e;
		}
		r->scratch = false;
		if (r->path) {
			char *base = policy_rule_base(r);

			r->scratch = policy_scratch_only(p, base) &&
				     !(r->glob && glob_reaches(r->path, p->scratch_tree));
			free(base);
		}
	}
}

static bool matches(const char *rule, bool glob, const char *path)
{
	if (glob)
		return fnmatch(rule, path, FNM_PATHNAME | FNM_PERIOD | FNM_LEADING_DIR) == 0;
	return path_is_under(path, rule);
}

unsigned policy_allowed(const struct policy *p, const char *path)
{
	unsigned a = 0;

	for (size_t i = 0; i < policy_implicit_len; i++)
		if (path_is_under(path, policy_implicit[i].path))
			a |= policy_implicit[i].access;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct policy_rule *r = &p->rules[i];

		if (!r->path)
			continue;
		/* (a rule for the sandbox's /tmp, $TMP, or for a path in
		 * it above the tree, is not one for a tree bound below it,
		 * --src under /tmp: policy_scratch_only) */
		if (r->scratch && path_is_under(path, p->scratch_tree))
			continue;
		if (matches(r->path, r->glob, path))
			a |= r->access;
		/* the directories on the way to an allowed path: their
		 * names (tracer only: Landlock cannot grant just these) */
		else if (!r->glob && path_is_under(r->path, path))
			a |= PA_LIST;
	}
	return a;
}

char *policy_rule_base(const struct policy_rule *r)
{
	char *b = xstrdup(r->path), *g, *slash;

	if (!r->glob)
		return b;
	g = strpbrk(b, "*?[");
	*g = '\0';
	slash = strrchr(b, '/');
	if (slash)
		slash[slash == b] = '\0';	/* keep "/" itself */
	return b;
}

const char *policy_access_name(unsigned access)
{
	if (access & PA_EXEC)
		return "exec";
	if (access & PA_WRITE)
		return "write";
	if (access & PA_READ)
		return "read";
	if (access & PA_NET)
		return "network";
	if (access & PA_LIST)
		return "list";
	return "syscall";
}

void policy_free(struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++) {
		free(p->rules[i].pattern);
		free(p->rules[i].path);
	}
	free(p->rules);
	strv_free(&p->env_keep);
	strv_free(&p->env_set);
	free(p->file);
	free(p->scratch_tree);
	memset(p, 0, sizeof(*p));
}

static bool beneath(const char *rule_path, const char *real)
{
	cleanup_free char *r = realpath(rule_path, NULL);

	return r && path_is_under(real, r);
}

bool policy_exec_allowed(const struct policy *p, const char *file)
{
	cleanup_free char *real = realpath(file, NULL);
	bool ok = false;

	if (!real)
		return true;	/* nothing there: the run will say so */
	for (size_t i = 0; i < p->nrules && !ok; i++) {
		const struct policy_rule *rule = &p->rules[i];
		glob_t g;

		if (!rule->path || !(rule->access & PA_EXEC))
			continue;
		if (!rule->glob) {
			ok = beneath(rule->path, real);
			continue;
		}
		if (glob(rule->path, GLOB_NOSORT, NULL, &g) == 0)
			for (size_t k = 0; k < g.gl_pathc && !ok; k++)
				ok = beneath(g.gl_pathv[k], real);
		globfree(&g);
	}
	return ok;
}

/* An ELF program's PT_INTERP (ELF64 or ELF32, little-endian as x86's);
 * NULL for none.  buf: its first n bytes. */
static char *elf_interp(int fd, const char *buf, size_t n)
{
	bool is64 = buf[EI_CLASS] == ELFCLASS64;
	size_t ehsize = is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	size_t phsize = is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	unsigned char ph[64 * sizeof(Elf64_Phdr)];
	uint64_t phoff;
	unsigned phnum;
	ssize_t got;

	if (n < ehsize || memcmp(buf, ELFMAG, SELFMAG) || buf[EI_DATA] != ELFDATA2LSB ||
	    (!is64 && buf[EI_CLASS] != ELFCLASS32))
		return NULL;
	if (is64) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff, phnum = eh.e_phnum;
		if (eh.e_phentsize != phsize)
			return NULL;
	} else {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		phoff = eh.e_phoff, phnum = eh.e_phnum;
		if (eh.e_phentsize != phsize)
			return NULL;
	}
	/* (the kernel takes at most 64 KiB of them; 64 is plenty for a
	 * PT_INTERP, which comes before any PT_LOAD) */
	if (phnum > 64)
		phnum = 64;
	got = pread(fd, ph, phnum * phsize, (off_t)phoff);
	for (unsigned i = 0; got > 0 && i < (size_t)got / phsize; i++) {
		uint64_t off, len;
		char path[PATH_MAX];

		if (is64) {
			Elf64_Phdr p;

			memcpy(&p, ph + i * phsize, sizeof(p));
			if (p.p_type != PT_INTERP)
				continue;
			off = p.p_offset, len = p.p_filesz;
		} else {
			Elf32_Phdr p;

			memcpy(&p, ph + i * phsize, sizeof(p));
			if (p.p_type != PT_INTERP)
				continue;
			off = p.p_offset, len = p.p_filesz;
		}
		/* (as the kernel takes it: the first, NUL-terminated, up to
		 * its first NUL) */
		if (len < 2 || len > sizeof(path) ||
		    pread(fd, path, len, (off_t)off) != (ssize_t)len || path[len - 1] != '\0')
			return NULL;
		return xstrdup(path);
	}
	return NULL;
}

char *exec_interpreter_fd(int fd)
{
	char buf[256];
	ssize_t n;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) < 2)
		return NULL;
	buf[n] = '\0';
	if (buf[0] == '#' && buf[1] == '!') {
		char *s = buf + 2 + strspn(buf + 2, " \t");
		size_t len = strcspn(s, " \t\n");

		return len && s[0] == '/' && s[len] ? xasprintf("%.*s", (int)len, s) : NULL;
	}
	return elf_interp(fd, buf, (size_t)n);
}

char *exec_interpreter(const char *file)
{
	cleanup_close int fd = open(file, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? NULL : exec_interpreter_fd(fd);
}
