// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What an exec's environment must not carry of sandrun's.
 *
 * sandrun-audit.so in LD_AUDIT costs a program with much static TLS its
 * start: with any audit module loaded, glibc's loader sizes the static
 * TLS block before it loads the program's libraries, and a library whose
 * TLS does not fit in what is left over (libtsan's 768 KiB, liblsan's
 * 55 KiB) fails to load ("cannot allocate memory in static TLS block").
 * A 32-bit program's loader ignores both 64-bit libraries, with a warning
 * each.  Such a program gets, at its execve's entry, the environment
 * without sandrun's entries: a copy of the pointer array in the calling
 * thread's ring (free at this stop: read just now) or, without one,
 * below the stack pointer of a main thread's stack (nothing there is in
 * use, even in a vfork child on its parent's stack), and the syscall's
 * argument set to it; put back if the exec fails.  The build's own
 * entries are kept; its recorded environment is the same either way
 * (decode.c hides sandrun's entries), and its loader's calls stop, as
 * they did before sandrun-audit.so.
 */
#include <elf.h>
#include <linux/audit.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <unistd.h>

#include "lib/cleanup.h"
#include "lib/util.h"
#include "tracer/tracer.h"

/* More static TLS than this in a program's libraries: no audit module.
 * glibc 2.36 leaves 7 KiB for them with one audit module loaded. */
#define TLS_ROOM 4096

enum verdict { KEEP = 1, NO_AUDIT, NO_SANDRUN };

/* A program's libraries' static TLS (judge()), or this: a 32-bit one. */
#define TLS_32BIT UINT64_MAX

struct known {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	uint64_t tls;
};

static struct known *known;
static size_t nknown, capknown;

/* Where the loader looks for a library named without a slash, before the
 * program's own run paths (which this leaves out: such a library is
 * looked at only if it is in one of these too). */
static const char *const libdirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64",
	"/lib", "/usr/lib", "/usr/local/lib",
};

/* A regular file in the build's root, looked at (O_PATH: a FIFO or a
 * device is never opened), with its stat; -1 if it is not one. */
static int look_in_root(const struct tracer *t, const char *path, struct stat *st)
{
	struct open_how how = { .flags = O_PATH | O_CLOEXEC,
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, t->root_fd, path, &how, sizeof(how));

	if (fd >= 0 && (fstat(fd, st) < 0 || !S_ISREG(st->st_mode))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* The file looked at, opened for reading; -1 if it cannot be. */
static int reopen(int pathfd)
{
	char proc[64];

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pathfd);
	return open(proc, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
}

/* A regular file in the build's root, opened for reading; -1 if it is
 * not one. */
static int open_in_root(const struct tracer *t, const char *path, struct stat *st)
{
	int pathfd = look_in_root(t, path, st), fd;

	if (pathfd < 0)
		return -1;
	fd = reopen(pathfd);
	close(pathfd);
	return fd;
}

static bool read_at(int fd, void *buf, size_t len, uint64_t off)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* A 64-bit ELF file's header and program headers (up to 64). */
static int phdrs(int fd, Elf64_Ehdr *eh, Elf64_Phdr ph[64])
{
	if (!read_at(fd, eh, sizeof(*eh), 0) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return -1;
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return 0;
	if (eh->e_phentsize != sizeof(*ph) || eh->e_phnum > 64 ||
	    !read_at(fd, ph, (size_t)eh->e_phnum * sizeof(*ph), eh->e_phoff))
		return -1;
	return eh->e_phnum;
}

/* The static TLS a library takes (its PT_TLS's size, up to just over
 * what an audit module leaves): the first 64-bit
 * ELF file of that name in the library directories (name: a file name,
 * or an absolute path); 0 if none. */
static uint64_t lib_tls(const struct tracer *t, const char *name)
{
	bool abs = name[0] == '/';

	if (!abs && strchr(name, '/'))
		return 0;	/* (relative to the working directory: not looked at) */
	for (size_t i = 0; i < (abs ? 1 : ARRAY_SIZE(libdirs)); i++) {
		cleanup_free char *path = abs ? xstrdup(name) : xasprintf("%s/%s", libdirs[i], name);
		Elf64_Phdr ph[64];
		Elf64_Ehdr eh;
		struct stat st;
		uint64_t tls = 0;
		int fd = open_in_root(t, path, &st), n;

		if (fd < 0)
			continue;
		n = phdrs(fd, &eh, ph);
		close(fd);
		if (n <= 0)
			continue;	/* not ELF, or 32-bit: the loader goes on */
		for (int k = 0; k < n; k++)
			if (ph[k].p_type == PT_TLS)	/* (capped: sums stay small) */
				tls = ph[k].p_memsz > TLS_ROOM ? TLS_ROOM + 1 : ph[k].p_memsz;
		return tls;
	}
	return 0;
}

/* The file offset of a virtual address in the loaded segments, or 0. */
static uint64_t file_offset(const Elf64_Phdr *ph, int n, uint64_t vaddr)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr &&
		    vaddr - ph[i].p_vaddr < ph[i].p_filesz)
			return vaddr - ph[i].p_vaddr + ph[i].p_offset;
	return 0;
}

/* The static TLS the libraries the program in fd names take, or
 * TLS_32BIT.
 * (Libraries found only through a run path, or needed only by another
 * library, are not looked at.) */
static uint64_t judge(const struct tracer *t, int fd)
{
	uint64_t tls = 0;
	Elf64_Phdr ph[64];
	Elf64_Ehdr eh;
	Elf64_Dyn dyn[256];
	uint64_t strtab = 0;
	size_t ndyn = 0;
	int n = phdrs(fd, &eh, ph);

	if (n == 0)
		return eh.e_ident[EI_CLASS] == ELFCLASS32 ? TLS_32BIT : 0;
	for (int i = 0; i < n; i++) {
		if (ph[i].p_type != PT_DYNAMIC)
			continue;
		ndyn = ph[i].p_filesz / sizeof(*dyn);
		ndyn = ndyn < ARRAY_SIZE(dyn) ? ndyn : ARRAY_SIZE(dyn);
		if (!read_at(fd, dyn, ndyn * sizeof(*dyn), ph[i].p_offset))
			ndyn = 0;
	}
	for (size_t i = 0; i < ndyn && dyn[i].d_tag != DT_NULL; i++)
		if (dyn[i].d_tag == DT_STRTAB)
			strtab = file_offset(ph, n, dyn[i].d_un.d_ptr);
	for (size_t i = 0; strtab && i < ndyn && dyn[i].d_tag != DT_NULL; i++) {
		char name[256];
		ssize_t got;

		if (dyn[i].d_tag != DT_NEEDED)
			continue;
		got = pread(fd, name, sizeof(name) - 1, (off_t)(strtab + dyn[i].d_un.d_val));
		if (got <= 0)
			continue;
		name[got] = '\0';
		if (strlen(name) < (size_t)got)
			tls += lib_tls(t, name);
	}
	return tls;
}

/* What a program needs of sandrun's entries, from its libraries' TLS and
 * that of the build's own preloads. */
static enum verdict verdict(uint64_t tls, uint64_t preloads)
{
	if (tls == TLS_32BIT)
		return NO_SANDRUN;
	return tls + preloads > TLS_ROOM ? NO_AUDIT : KEEP;
}

int exec_env_judge(const struct tracer *t, int fd)
{
	return (int)verdict(judge(t, fd), 0);
}

/* The verdict known for a file of this identity, or -1. */
static int64_t known_tls(const struct stat *st)
{
	for (size_t i = 0; i < nknown; i++)
		if (known[i].dev == st->st_dev && known[i].ino == st->st_ino &&
		    known[i].size == st->st_size &&
		    known[i].mtime.tv_sec == st->st_mtim.tv_sec &&
		    known[i].mtime.tv_nsec == st->st_mtim.tv_nsec &&
		    known[i].ctime.tv_sec == st->st_ctim.tv_sec &&
		    known[i].ctime.tv_nsec == st->st_ctim.tv_nsec)
			return (int64_t)known[i].tls;
	return -1;
}

/* judge() on the file an execve runs, cached by the file's identity; 0
 * if it cannot be read.  exe: its identity as the execve's entry found
 * it, or NULL. */
static uint64_t program(struct tracer *t, pid_t tid, const char *path,
			const struct stat *exe)
{
	struct stat st;
	uint64_t tls;
	int64_t was = -1;
	int pathfd, fd;

	if (exe && !S_ISREG(exe->st_mode))
		return 0;
	if (exe && (was = known_tls(exe)) >= 0)
		return (uint64_t)was;
	tracer_keep_root(t, tid);
	if (t->root_fd < 0 || !path || (pathfd = look_in_root(t, path, &st)) < 0)
		return 0;
	if ((was = known_tls(&st)) >= 0) {
		close(pathfd);
		return (uint64_t)was;
	}
	/* (read only when not known: an exec's stop is on the hot path) */
	fd = reopen(pathfd);
	close(pathfd);
	if (fd < 0)
		return 0;
	tls = judge(t, fd);
	close(fd);
	if (nknown == capknown) {
		capknown = capknown ? capknown * 2 : 64;
		known = xrealloc(known, capknown * sizeof(*known));
	}
	known[nknown++] = (struct known){ st.st_dev, st.st_ino, st.st_size, st.st_mtim,
					  st.st_ctim, tls };
	return tls;
}

/* The static TLS of the build's own preloads in an LD_PRELOAD value
 * (':' or ' ' separated; sandrun's own left out), for the last value
 * seen (a build's environment rarely changes). */
static uint64_t preloads_tls(const struct tracer *t, const char *value)
{
	static char *last;
	static uint64_t last_tls;
	cleanup_free char *copy = NULL;
	char *save = NULL;

	if (last && !strcmp(last, value))
		return last_tls;
	free(last);
	last = xstrdup(value);
	last_tls = 0;
	copy = xstrdup(value);
	for (char *w = strtok_r(copy, ": ", &save); w; w = strtok_r(NULL, ": ", &save))
		if (!t->opts->preload || strcmp(w, t->opts->preload))
			last_tls += lib_tls(t, w);
	return last_tls;
}

/*
 * sandrun's own LD_PRELOAD and LD_AUDIT entries are not the build's
 * environment.  sandrun set var to word, or (appended) put ":word" after
 * the build's value (runner/cli_run.c): that is taken off again, every
 * other byte left as the build has it, wherever the build has moved it
 * since (one element that is exactly word, ':' or ' ' around it); the
 * variable goes if it held word alone and sandrun had set it.
 */
void env_hide_word(char **envp, const char *var, const char *word, bool appended)
{
	size_t n = strlen(word), vn = strlen(var);

	for (char **e = envp; e && *e; e++) {
		char *v, *w;

		if (strncmp(*e, var, vn) || (*e)[vn] != '=')
			continue;
		v = *e + vn + 1;
		if (!appended && !strcmp(v, word)) {
			free(*e);
			do
				e[0] = e[1];
			while (*e++);
			return;
		}
		for (w = v; (w = strstr(w, word)) != NULL; w += n) {
			bool starts = w == v || w[-1] == ':' || w[-1] == ' ';

			if (!starts || (w[n] && w[n] != ':' && w[n] != ' '))
				continue;
			if (appended && w > v && w[-1] == ':')
				w--, n++;	/* the ':' sandrun put before it */
			memmove(w, w + n, strlen(w + n) + 1);
			return;
		}
		return;
	}
}

/* env without sandrun's word in var: NULL if it is not there, else the
 * string to pass instead ("" for none at all). */
static char *without(const char *env, const char *var, const char *word, bool appended)
{
	size_t vn = strlen(var);
	char *v[2];

	if (!word || strncmp(env, var, vn) || env[vn] != '=' || !strstr(env + vn + 1, word))
		return NULL;
	v[0] = xstrdup(env);
	v[1] = NULL;
	env_hide_word(v, var, word, appended);
	if (v[0] && !strcmp(v[0], env)) {
		free(v[0]);
		return NULL;
	}
	return v[0] ? v[0] : xstrdup("");
}

static unsigned long long *arg_reg(struct user_regs_struct *r, int arg)
{
	switch (arg) {
	case 0: return &r->rdi;
	case 1: return &r->rsi;
	case 2: return &r->rdx;
	case 3: return &r->r10;
	case 4: return &r->r8;
	default: return &r->r9;
	}
}

/* Where below sp len bytes may go: only on a main thread's stack (its
 * mapping "[stack]" holds them); 0 elsewhere (a goroutine's or a
 * signal's stack, a clone's own: what lies below may be in use). */
static uint64_t below_stack(pid_t tid, uint64_t sp, size_t len)
{
	char maps[64], line[512];
	uint64_t at = (sp - 1024 - len) & ~15ULL, lo, hi, ok = 0;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)tid);
	f = fopen(maps, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &lo, &hi) == 2 && sp > lo && sp <= hi) {
			if (strstr(line, "[stack]") && at >= lo && at < sp)
				ok = at;
			break;
		}
	fclose(f);
	return ok;
}

/*
 * What an exec's environment would become: true if sandrun's entries are
 * to go, with repl[k] (LD_AUDIT, LD_PRELOAD) the string each is to have
 * ("" for none at all) at envp[idx[k]], idx[k] -1 for one that stays;
 * *n the entries in envp.  The caller frees repl.
 */
static bool env_plan(struct tracer *t, struct task *task, char *const *envp,
		     char *repl[2], int idx[2], size_t *n)
{
	struct pending *p = &task->pend;
	const struct sc_desc *d = p->desc;
	enum verdict v;
	uint64_t tls = 0;

	repl[0] = repl[1] = NULL;
	idx[0] = idx[1] = -1;
	*n = 0;
	if (!t->opts->preload || !envp || p->arch != AUDIT_ARCH_X86_64 || p->x32 || d->aux2 < 0 ||
	    (p->ev.flags & AT_EMPTY_PATH))
		return false;
	for (; envp[*n]; (*n)++) {
		char *a = without(envp[*n], "LD_AUDIT", t->opts->audit, t->opts->audit_appended);
		char *b = a ? NULL : without(envp[*n], "LD_PRELOAD", t->opts->preload,
					     t->opts->preload_appended);

		if (b || (!a && !strncmp(envp[*n], "LD_PRELOAD=", 11)))
			tls = preloads_tls(t, envp[*n] + 11);
		if (a || b) {
			int k = a ? 0 : 1;

			free(repl[k]);
			repl[k] = a ? a : b;
			idx[k] = (int)*n;
		}
	}
	if ((idx[0] < 0 && idx[1] < 0) ||
	    (v = verdict(program(t, task->tid, p->raw[0] ? p->raw[0] : p->ev.path,
				 p->exe_known ? &p->exe : NULL), tls)) == KEEP)
		return false;
	if (v == NO_AUDIT && idx[1] >= 0) {	/* the preload stays */
		free(repl[1]);
		repl[1] = NULL;
		idx[1] = -1;
	}
	return idx[0] >= 0 || idx[1] >= 0;
}

bool exec_env_needed(struct tracer *t, struct task *task, char *const *envp)
{
	char *repl[2];
	int idx[2];
	size_t n;
	bool r = env_plan(t, task, envp, repl, idx, &n);

	free(repl[0]);
	free(repl[1]);
	return r;
}

void exec_env_fix(struct tracer *t, struct task *task, char *const *envp)
{
	struct pending *p = &task->pend;
	const struct sc_desc *d = p->desc;
	struct user_regs_struct regs;
	uint64_t *ptrs = NULL, at;
	char *repl[2];		/* LD_AUDIT, LD_PRELOAD */
	size_t n, kept = 0, strings = 0, size;
	int idx[2];

	p->envp_was = 0;
	if (!env_plan(t, task, envp, repl, idx, &n))
		goto out;
	ptrs = xmalloc((n + 1) * sizeof(*ptrs));
	if (mem_read(task->tid, p->args[d->aux2], ptrs, (n + 1) * sizeof(*ptrs)) < 0 ||
	    ptrs[n] || ptrace(PTRACE_GETREGS, task->tid, 0, &regs) < 0)
		goto out;
	/* the array, then the new strings */
	for (int k = 0; k < 2; k++)
		if (repl[k] && *repl[k])
			strings += strlen(repl[k]) + 1;
	size = (n + 1) * sizeof(*ptrs) + strings;
	at = inproc_scratch(task, size);
	if (!at)
		at = below_stack(task->tid, regs.rsp, size);
	if (!at)
		goto out;
	strings = 0;
	for (int k = 0; k < 2; k++) {
		uint64_t s = at + (n + 1) * sizeof(*ptrs) + strings;

		if (idx[k] < 0)
			continue;
		if (*repl[k]) {
			if (mem_write(task->tid, s, repl[k], strlen(repl[k]) + 1) < 0)
				goto out;
			strings += strlen(repl[k]) + 1;
		}
		ptrs[idx[k]] = *repl[k] ? s : 0;
	}
	for (size_t i = 0; i <= n; i++)	/* the dropped ones closed up */
		if (ptrs[i] || i == n)
			ptrs[kept++] = ptrs[i];
	if (mem_write(task->tid, at, ptrs, kept * sizeof(*ptrs)) < 0)
		goto out;
	*arg_reg(&regs, d->aux2) = at;
	if (ptrace(PTRACE_SETREGS, task->tid, 0, &regs) == 0)
		p->envp_was = p->args[d->aux2];
out:
	free(ptrs);
	free(repl[0]);
	free(repl[1]);
}

void exec_env_undo(struct task *task)
{
	struct pending *p = &task->pend;
	struct user_regs_struct regs;

	if (!p->envp_was)
		return;
	if (ptrace(PTRACE_GETREGS, task->tid, 0, &regs) == 0) {
		*arg_reg(&regs, p->desc->aux2) = p->envp_was;
		ptrace(PTRACE_SETREGS, task->tid, 0, &regs);
	}
	p->envp_was = 0;
}
