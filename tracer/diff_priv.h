/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef SR_DIFF_PRIV_H
#define SR_DIFF_PRIV_H

/*
 * Inside `sandrun diff`: the two runs as read (diff_read.c: the passes
 * over the traces, matching, facts) and analysed (diff.c, with the
 * causes' table and sets in diff_causes.c and the outputs they reach in
 * diff_reach.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/error.h"
#include "tracer/diff.h"

enum {
	D_CONTENT = 1,		/* events other than the environment differ */
	D_ENV = 2,		/* the exec environment differs */
	D_ONLY = 4,		/* no match in the other run */
	D_LOAD = 8,		/* pass 2 loads its events */
};

enum fact_side { IN, OUT, BEHAVIOUR, RANDOM };

/* A set of cause indices: a bitset, so that propagating causes along a
 * build's data flow is a word-wise OR, not a search. */
struct cset {
	uint64_t *w;
	size_t nw;
	size_t count;
};

struct fact {
	enum fact_side side;
	enum cause_kind kind;	/* for IN facts */
	char *key;		/* "kind\tpath..." */
	char *val;
	unsigned seq;		/* its first event's, in its process's order */
};

struct proc {
	char *id;
	int parent;
	int *kids;
	size_t nkids;
	uint64_t h[2], he[2];	/* events without env; env */
	bool has_exec;
	char *key;		/* first exec: path \n argv \n cwd */
	uint32_t *words;	/* its argv words' hashes, sorted (matching) */
	size_t nwords;
	char *exe, *cmd;
	char **random;		/* randomness sources it drew from */
	size_t nrandom;
	int match;
	unsigned flags;
	/* pass 2 */
	struct fact *facts;
	size_t nfacts;
	unsigned nev;		/* its events read so far (each pass counts
				 * them alike: a fact's and a write's seq) */
	uint64_t pipe_in;	/* its stdin's pipe (writers key), 0: none */
	char *status;		/* how it exited ("0", "SIGSEGV"), NULL if unknown */
	char **env;		/* first exec's environment */
	size_t nenv;
	/* analysis (on the A side of a pair, or the only side) */
	struct cset causes;	/* what explains its differences */
	struct cset weak;	/* inherited environment: used only when
				 * nothing else explains an output */
	struct link {		/* how a cause came to it: first from whom */
		int cause;
		struct proc *from;
	} *links;
	size_t nlinks;
	bool rooted;		/* has a root cause of its own */
	bool outputs_differ;
	bool inputs_differ;	/* any input differs, explained or not */
	bool spawned_differently; /* a child's argv, cwd or program differs,
				   * its own difference left to this one */
};

/* Content a change left, for following data by content: the hash of the
 * digest written, or one of these. */
enum { VH_ANY = 0,		/* unknown (mkdir, symlink): may explain any read */
       VH_NONE = 1 };		/* no content (unlink, chmod, a rename's source) */

struct writer {
	uint64_t h;		/* of the path (or of a directory written into) */
	uint64_t vh;		/* of the content written (VH_*) */
	int proc;
	unsigned seq;		/* its event's, in its process's order */
};

struct state {
	char *path, *val;
	bool before;		/* the run's start, else its end */
	size_t seq;		/* its place in the trace: of two ends of a
				 * path, the later is its end */
};

struct run {
	const char *path;
	int copy;		/* a pipe's trace, copied to read twice, or -1 */
	struct proc *p;
	size_t n, cap;
	struct writer *w;	/* sorted by path */
	size_t nw, capw;
	struct state *st;
	size_t nst, capst;
	char *digest;
	int exit;
};

struct diff {
	struct run a, b;
};

/* The analysis: the two runs, and the result it makes. */
struct engine {
	struct diff d;
	struct diff_result *res;
	bool strict;		/* only writers with causes explain a read */
};

/* diff_read.c */
uint64_t diff_hash(const char *s, size_t len);
uint64_t diff_content_hash(const char *digest, size_t len);
void diff_add_str(char ***v, size_t *n, const char *s);
int diff_pass1(struct run *r, struct sr_error **err);
void diff_match(struct diff *d, int ia, int ib);
int diff_pass2(struct run *r, struct sr_error **err);
void diff_sort_facts(struct proc *p);
void diff_index_writers(struct run *r);
void diff_writers(const struct writer *w, size_t n, uint64_t h, size_t *lo, size_t *hi);
void diff_free_strs(char **v, size_t n);
void diff_run_free(struct run *r);

/* diff_causes.c */
void diff_ref_of(const struct proc *p, struct diff_proc_ref *ret);
/* The cause (kind, what, a, b), added the first time; p is one of the
 * processes it is found in.  Its index. */
int diff_add_cause(struct engine *e, enum cause_kind kind, const char *what,
		   const char *a, const char *b, const struct proc *p);
bool diff_cset_union(struct cset *to, const struct cset *from);
bool diff_add_to_set(struct proc *p, int cause);
/* from's causes into to's, noting from whom each new one came. */
bool diff_union_into(struct proc *to, const struct proc *from);
struct proc *diff_owner(struct diff *d, const struct run *r, int i);
/* The writers of key h on both sides, one a call: it->r, it->side, and
 * it->i in it->r->w; start with it zeroed. */
struct writer_it {
	struct run *r;
	int side;
	size_t i, hi;
	bool begun;
};
bool diff_next_writer(struct engine *e, uint64_t h, struct writer_it *it);
struct proc *diff_exec_parent(struct engine *e, const struct proc *p);
void diff_env_causes(struct engine *e, struct proc *x, struct proc *y, bool *changed);

/* diff_reach.c: the differing outputs, and the causes reaching each */
void diff_outputs(struct engine *e);

#endif
