#!/bin/bash
# In-process recording (tracer/inproc.h, preload/rec.c): the same trace
# with and without the preload, far fewer stops with it, the walls
# around its trampoline, and what it must leave to ptrace (a raw
# syscall, a static binary, a policy run).
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi
if [ ! -f "$SCRATCH/bin/sandrun-rec.so" ]; then
	skip_all "sandrun-rec.so is not built next to sandrun"
fi

# Trees for the directory listings near the end of this file, made now
# to be old by then (a directory changed in the last seconds is listed
# at a stop; see there).
for w in lsr-pre lsr-ptr rmrf-pre rmrf-ptr rrace rrace-np; do
	for d in a/b c d/e/f; do mkdir -p "$SCRATCH/w-$w-root/t/$d"; done
	touch "$SCRATCH/w-$w-root/t/a/x" "$SCRATCH/w-$w-root/t/d/e/f/y"
done

# meta FILE KEY: a number from the recording object of a meta.json.
meta() { sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$1"; }

# run NAME SANDRUN-OPTIONS... -- CMD: in a fresh copy of the tree, for
# each user the host has; the trace in $SCRATCH/NAME-WHO.trace.
# Files older than a few seconds (a fresh one makes the preload stop,
# so that the tracer reads it while it is open): system headers.
tree() {
	mkdir -p "$1/d"
	ln -sf /usr/include/stdio.h "$1/in.txt"
	ln -sf /usr/include/limits.h "$1/d/f.txt"
	echo "raw" > "$1/raw.txt"
	ln -sf in.txt "$1/link"
}
run() {
	local name=$1 who=$2; shift 2
	local w=$SCRATCH/w-$name-$who
	owned_dir "$who" "$w"
	owned_dir "$who" "$SCRATCH/out-$who"
	tree "$w"
	[ "$who" = user ] && [ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$w"
	(cd "$w" && as "$who" "$SR" -q -o "$SCRATCH/out-$who/$name.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" "$@") >"$SCRATCH/out-$who/$name.out" 2>&1
}

for who in $(test_users); do
	run pre "$who" -- "$SCRATCH/bin/inproc" work 200
	is "$who: with the preload: exit 0" "$?" 0
	run ptr "$who" --no-preload -- "$SCRATCH/bin/inproc" work 200
	is "$who: with --no-preload: exit 0" "$?" 0
	pre=$SCRATCH/out-$who/pre.trace ptr=$SCRATCH/out-$who/ptr.trace
	if cmp -s "$pre" "$ptr"; then ok "$who: the trace is the same byte for byte"; else
		not_ok "$who: the trace is the same byte for byte"
		diff "$pre" "$ptr" | head -5 | cut -c1-300 | while read -r l; do diag "$l"; done
	fi
	ip=$(meta "$pre.meta.json" in_process)
	check "$who: the preload recorded the library calls (in_process $ip >= 3500)" \
		test "${ip:-0}" -ge 3500
	is "$who: --no-preload records none in-process" "$(meta "$ptr.meta.json" in_process)" 0
	s1=$(meta "$pre.meta.json" stops) s2=$(meta "$ptr.meta.json" stops)
	check "$who: a tenth of the stops or fewer ($s1 against $s2)" test "$((s1 * 10))" -le "$s2"
	is "$who: opens in a forked child and a thread are recorded" \
		"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$pre")" 500
	is "$who: faccessat probes are in the trace" \
		"$(grep -c '"ev":"probe","path":"$SRC/d/f.txt","res":"ok"' "$pre")" 500
	check "$who: a raw openat (not through libc) still stops and is recorded" \
		grep -qF '"path":"$SRC/raw.txt","mode":"r","res":"ok"' "$pre"
	check "$who: opens recorded in-process have the content digest" \
		grep -qF "\"path\":\"\$SRC/d/f.txt\",\"mode\":\"r\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$(xxhsum -H2 /usr/include/limits.h | cut -d' ' -f1)\"" "$pre"
	is "$who: sandrun's LD_PRELOAD is not in the recorded environment" \
		"$(grep -c 'sandrun/rec.so' "$pre")" 0
	is "$who: nor its LD_AUDIT" "$(grep -c 'sandrun/audit.so' "$pre")" 0
done

# More records than a ring holds between two stops: the thread asks for
# its ring to be read when it is full, and nothing is lost.
run ringfull root -- "$SCRATCH/bin/inproc" work 500
is "a ring filled twice over: every open is in the trace" \
	"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/ringfull.trace")" 1250
is "a ring filled twice over: every probe too" \
	"$(grep -c '"ev":"probe","path":"$SRC/d/f.txt","res":"ok"' "$SCRATCH/out-root/ringfull.trace")" 1250
# (the tracer tells the ring what it read when the thread asks: else the
# thread would find it full again, and make every call the ordinary way)
s1=$(meta "$SCRATCH/out-root/ringfull.trace.meta.json" stops)
check "a ring filled twice over: read and emptied when full, not one stop a call ($s1 stops)" \
	test "$s1" -le 100

# glibc's calls inside itself (its syscall instructions rewritten to
# jump to the recorder): the same trace, most of it in-process.
# pair NAME WHAT CMD...: CMD run as root with and without the preload:
# the same trace, and the stops of each in $s1 and $s2.
pair() {
	local name=$1 what=$2; shift 2
	run "$name-pre" root -- "$@"
	run "$name-ptr" root --no-preload -- "$@"
	check "$what: the same trace with and without the preload" \
		cmp -s "$SCRATCH/out-root/$name-pre.trace" "$SCRATCH/out-root/$name-ptr.trace"
	s1=$(meta "$SCRATCH/out-root/$name-pre.trace.meta.json" stops)
	s2=$(meta "$SCRATCH/out-root/$name-ptr.trace.meta.json" stops)
}
pair libc "inside libc" "$SCRATCH/bin/inproc" libc
check "inside libc: fopen, opendir, realpath, setlocale mostly in-process ($s1 stops against $s2)" \
	test "$((s1 * 3))" -le "$s2"
check "inside libc: realpath's readlink probes are in the trace" \
	grep -qF '"ev":"probe","path":"$SRC/link"' "$SCRATCH/out-root/libc-pre.trace"

# The pre-2.33 stat ABI (__xstat, __lxstat, __fxstatat): a program's
# calls reach the preload's own, not libc's (whose code for them is not
# rewritten): in-process, the same trace.
pair old-abi "the pre-2.33 stat ABI" "$SCRATCH/bin/inproc" old-abi 100
check "the pre-2.33 stat ABI: 500 calls in-process ($s1 stops against $s2)" \
	test "$s1" -lt 100 -a "$s2" -gt 500

# The loader's calls after the program's start (dlopen: its opens, stats
# and closes, as it searches and loads): sandrun-audit.so rewrote them,
# and hands them to sandrun-rec.so's recorder, in any thread.
if [ -f "$SCRATCH/bin/sandrun-audit.so" ]; then
	pair dlopen "dlopen" "$SCRATCH/bin/inproc" dlopen 50
	check "dlopen: 200 loads and misses in-process ($s1 stops against $s2)" \
		test "$s1" -lt 60 -a "$s2" -gt 600
	is "dlopen: each load of libm is in the trace" \
		"$(grep -c '/libm.so.6","mode":"r","res":"ok"' "$SCRATCH/out-root/dlopen-pre.trace")" 100
	check "dlopen: the misses are in the trace" \
		grep -qF 'libsandrun-nowhere.so.1","mode":"r","res":"ENOENT"' "$SCRATCH/out-root/dlopen-pre.trace"
else
	skip "dlopen: sandrun-audit.so is not built next to sandrun"
fi

# fcntl's F_DUPFD and F_SETFD: glibc makes them in a function of its own
# that fcntl() calls; found through that call, they stop no more.
pair fcntl "fcntl" "$SCRATCH/bin/inproc" fcntl 300
check "fcntl: 300 rounds of F_DUPFD_CLOEXEC, F_SETFD and close in-process ($s1 stops against $s2)" \
	test "$s1" -lt 100 -a "$s2" -gt 900

# Pipes: their write ends are closed and replaced in-process (a pipe is
# never a file the tracer digests); a shell's pipelines give the same
# trace, appends to a file included.
pair pipes "pipes" "$SCRATCH/bin/inproc" pipes 300
check "pipes: 300 write ends dup2'd and closed in-process ($s1 stops against $s2)" \
	test "$s1" -lt 100 -a "$s2" -gt 900
sh_pipes='i=0; while [ $i -lt 20 ]; do echo x >/dev/stdout | cat >/dev/null; echo y >>out.txt; i=$((i+1)); done'
pair shpipes "a shell's pipelines" /bin/sh -c "$sh_pipes"
check "a shell's pipelines: the appends to out.txt are in the trace" \
	test "$(grep -c '"ev":"wrote","path":"$SRC/out.txt"' "$SCRATCH/out-root/shpipes-pre.trace")" -ge 20
is "a shell's pipelines: /dev/stdout, a pipe there, is opened but no file is written" \
	"$(grep -c '"ev":"open","path":"/dev/stdout","mode":"w,create,trunc"' "$SCRATCH/out-root/shpipes-pre.trace"),$(grep -c '"ev":"wrote","path":"/dev/stdout"' "$SCRATCH/out-root/shpipes-pre.trace")" "20,0"

# A PATH search's misses (execvp's, env's here; the shell stats instead):
# failed in-process, the same exec-fail events.
sh_path='PATH=/nope/a:/nope/b:/nope/c:$PATH; i=0; while [ $i -lt 20 ]; do env cat in.txt >/dev/null; i=$((i+1)); done'
pair path "a PATH search" /bin/sh -c "$sh_path"
check "a PATH search: the misses are in the trace" \
	test "$(grep -c '"ev":"exec-fail","path":"/nope/[abc]/cat","res":"ENOENT"' "$SCRATCH/out-root/path-pre.trace")" -eq 60
run path-base root -- /bin/sh -c "${sh_path#*; }"
s0=$(meta "$SCRATCH/out-root/path-base.trace.meta.json" stops)
kv=$(uname -r | sed 's/^\([0-9]*\)\.\([0-9]*\).*/\1 \2/')
if [ "${kv% *}" -gt 6 ] || { [ "${kv% *}" -eq 6 ] && [ "${kv#* }" -ge 8 ]; }; then
	check "a PATH search: its 60 misses add no stops ($s1 stops with them, $s0 without)" \
		test "$((s1 - s0))" -lt 30
else
	skip "a PATH search's misses stop before Linux 6.8 (execve reads argv before its file there)"
fi

# mkdir of what is there already (mkdir -p's parents, each time after
# the first): EEXIST in-process, the same trace; what it makes, and a
# trailing slash after a file (the kernel's EEXIST, an lstat's ENOTDIR),
# stop.  Counted against the same programs making no mkdir.
pair mkdirp "mkdir -p" /bin/sh -c 'i=0; while [ $i -lt 20 ]; do mkdir -p a/b/c "$PWD/a/b"; i=$((i+1)); done'
sh_mkdir='i=0; while [ $i -lt 20 ]; do mkdir a a/b a/b/c "$PWD" . d in.txt/ link/ "e$i" 2>/dev/null; i=$((i+1)); done'
pair mkdir "mkdir" /bin/sh -c "$sh_mkdir"
run mkdir-base root -- /bin/sh -c 'i=0; while [ $i -lt 20 ]; do mkdir --version >/dev/null 2>&1; i=$((i+1)); done'
s0=$(meta "$SCRATCH/out-root/mkdir-base.trace.meta.json" stops)
n=$(grep -c '"ev":"mkdir","path":"$SRC[^"]*","perm":"0777","res":"EEXIST"' "$SCRATCH/out-root/mkdir-pre.trace")
check "mkdir: fewer stops than its $((n - 40)) EEXIST answered in-process would take ($((s1 - s0)) more than without them)" \
	test "$((s1 - s0))" -lt "$((2 * (n - 40)))"
is "mkdir: what it made, and what it could not, in the trace" \
	"$(grep -c '"ev":"mkdir","path":"$SRC/e[0-9]*","perm":"0777","res":"ok","after":{"type":"dir"' "$SCRATCH/out-root/mkdir-pre.trace"),$(grep -c '"ev":"mkdir","path":"$SRC/in.txt","perm":"0777","res":"EEXIST"' "$SCRATCH/out-root/mkdir-pre.trace")" "20,20"

# The dynamic loader's opens, stats and closes, before any preload runs
# (sandrun-audit.so, in LD_AUDIT): the same trace, and about half the
# stops a program makes (18 before, for /bin/true).
if [ -f "$SCRATCH/bin/sandrun-audit.so" ]; then
	sh_loads='i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i+1)); done'
	pair loads "50 programs loaded" /bin/sh -c "$sh_loads"
	check "50 programs loaded: the loader's calls in-process ($s1 stops against $s2)" \
		test "$((s1 * 4))" -le "$((s2 * 3))"
	check "50 programs loaded: the libraries they load are in the trace" \
		test "$(grep -c '/libc.so.6","mode":"r","res":"ok"' "$SCRATCH/out-root/loads-pre.trace")" -ge 51
	# the build's own entries (an empty one too) are its environment
	own="--setenv=LD_AUDIT=/nonexistent/own.so --setenv=LD_PRELOAD="
	run ownaudit root $own -- /bin/true
	run ownaudit-ptr root --no-preload $own -- /bin/true
	check "a build's own LD_AUDIT and empty LD_PRELOAD: the same trace with and without the preload" \
		cmp -s "$SCRATCH/out-root/ownaudit.trace" "$SCRATCH/out-root/ownaudit-ptr.trace"
	check "a build's own LD_AUDIT is kept, in its environment and its trace" \
		grep -qF '"LD_AUDIT=/nonexistent/own.so","LD_PRELOAD="' "$SCRATCH/out-root/ownaudit.trace"
	ip=$(meta "$SCRATCH/out-root/ownaudit.trace.meta.json" in_process)
	check "and sandrun's after it still records the loader's calls (in_process $ip)" \
		test "${ip:-0}" -ge 3
else
	for i in 1 2 3 4 5 6; do skip "sandrun-audit.so is not built next to sandrun"; done
fi

# The loader's and libc's code are the run's cache's images of them,
# their syscall instructions rewritten (preload/sites.h): no fd on the
# process's own memory to rewrite them through (INPROC_MEM, asked for
# only where there is no image: the cache's tests below).  With ptrace
# stops only the code is made writable for a moment, as before.  The
# same trace.
if [ -f "$SCRATCH/bin/sandrun-audit.so" ]; then
	is "50 programs loaded: their loader's and libc's code the cache's images, no fd on their memory" \
		"$(meta "$SCRATCH/out-root/loads-pre.trace.meta.json" code_through_mem)" 0
	run loads-stops root --no-seccomp-notify -- /bin/sh -c "$sh_loads"
	is "with ptrace stops only: no fd on its memory" \
		"$(meta "$SCRATCH/out-root/loads-stops.trace.meta.json" code_through_mem)" 0
	check "with ptrace stops only: the same trace" \
		cmp -s "$SCRATCH/out-root/loads-pre.trace" "$SCRATCH/out-root/loads-stops.trace"
	ip1=$(meta "$SCRATCH/out-root/loads-pre.trace.meta.json" in_process)
	ip3=$(meta "$SCRATCH/out-root/loads-stops.trace.meta.json" in_process)
	check "with ptrace stops only: the code rewritten so records as much in-process ($ip3 against $ip1)" \
		test "$((${ip3:-0} * 10))" -ge "$((${ip1:-1} * 9))"
	# nothing of sandrun's left open: a program's first open takes the
	# lowest free number
	run fds root -- /bin/ls /proc/self/fd
	is "no fd of sandrun's is open when the program runs" \
		"$(tr '\n' ' ' <"$SCRATCH/out-root/fds.out")" "0 1 2 3 "
	# nor while the loader opens the program's libraries: one fd free
	# above stdin, stdout and stderr is all a program needs to start
	run nofile root -- /bin/sh -c 'ulimit -n 4 && exec /bin/true'
	is "a program starts with RLIMIT_NOFILE 4: exit status" "$?" 0
	is "... and the loader says nothing" "$(cat "$SCRATCH/out-root/nofile.out")" ""
else
	for i in 1 2 3 4 5 6 7; do skip "sandrun-audit.so is not built next to sandrun"; done
fi

# Forks without fork events (tracer/forks.c): a shell's vforks (its
# commands), its forks (a subshell, a pipeline) and make's posix_spawn
# children are made traced with CLONE_PTRACE by the preload (the vforks
# and spawns with no stop, the forks with a notification): no fork event
# but the sandbox's own, and the same trace as with every stop, where
# each has its fork event.
if command -v make >/dev/null; then
	mkf='all: a b c
a b c:; @true $@ && /bin/true'
	sh_forks='for i in 1 2 3 4 5 6 7 8 9 10; do /bin/true; done; (true); echo x | cat >/dev/null; printf "%s\n" "$MKF" | make -s -j2 -f -'
	MKF=$mkf run forks-pre root -- /bin/sh -c "$sh_forks"
	is "forks without fork events: exit 0" "$?" 0
	MKF=$mkf run forks-stops root --no-seccomp-notify -- /bin/sh -c "$sh_forks"
	check "forks without fork events: the same trace as with every stop" \
		cmp -s "$SCRATCH/out-root/forks-pre.trace" "$SCRATCH/out-root/forks-stops.trace"
	n=$(grep -c '"ev":"spawn"' "$SCRATCH/out-root/forks-pre.trace")
	f=$(meta "$SCRATCH/out-root/forks-pre.trace.meta.json" forks_without_event)
	is "forks without fork events: each of the $n children (at least 20) made so" \
		"$f,$((n >= 20))" "$n,1"
	is "forks without fork events: no fork event but the sandbox's" \
		"$(meta "$SCRATCH/out-root/forks-pre.trace.meta.json" fork)" 1
	e=$(meta "$SCRATCH/out-root/forks-pre.trace.meta.json" syscall_entry)
	check "forks without fork events: the vforks, forks and spawns without a stop ($e entry stops)" \
		test "${e:-99}" -le 3
	is "with every stop: each child by its fork event" \
		"$(meta "$SCRATCH/out-root/forks-stops.trace.meta.json" fork)" "$((n + 1))"
	# a shell's forks (command substitutions, subshells) through the
	# preload's fork, a notification (rec.c: rec_fork): no entry stop
	# more for 20 of them than for 2
	subs='for i in 1 2 3 4 5 6 7 8 9 10; do x=$(echo $i); (true); done'
	run subs2 root -- /bin/sh -c 'x=$(echo 1); (true)'
	run subs20 root -- /bin/sh -c "$subs"
	run subs20-stops root --no-seccomp-notify -- /bin/sh -c "$subs"
	e2=$(meta "$SCRATCH/out-root/subs2.trace.meta.json" syscall_entry)
	is "20 forks of a shell take no more entry stops than 2 ($e2)" \
		"$(meta "$SCRATCH/out-root/subs20.trace.meta.json" syscall_entry)" "$e2"
	is "and each is a child of the trace" \
		"$(grep -c '"ev":"spawn"' "$SCRATCH/out-root/subs20.trace")" 20
	check "the same trace as with every stop" \
		cmp -s "$SCRATCH/out-root/subs20.trace" "$SCRATCH/out-root/subs20-stops.trace"
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "no make here"; done
fi
# A fork still waited for when the same parent's vfork child stops first
# (a background job, then a command): each child is its own, in the
# parent's order, as with every stop (three runs: a race).
sh_bg='for i in 1 2 3 4 5 6 7 8; do (echo a >f$i) & /bin/true; done; wait'
run bg-stops root --no-seccomp-notify -- /bin/sh -c "$sh_bg"
same=0
for k in 1 2 3; do
	run "bg-pre$k" root -- /bin/sh -c "$sh_bg"
	cmp -s "$SCRATCH/out-root/bg-pre$k.trace" "$SCRATCH/out-root/bg-stops.trace" && same=$((same + 1))
done
is "background forks between vforks: the same trace as with every stop, 3 runs of 3" "$same" 3

# A fork on its way while the tracer reads its process's records from
# elsewhere (tracer/forks.c: clone_settle): at a rename, which reads
# every other process's, or at another thread's notified call.  Given up
# on there before the kernel had made the child, the child's first stop
# found no parent waiting for it, and the build hung.
if [ -x "$SCRATCH/bin/forkrace" ]; then
	for mode in rename thread; do
		w=$SCRATCH/w-forkrace-$mode
		mkdir -p "$w"
		(cd "$w" && timeout 120 "$SR" -q -o "$SCRATCH/out-root/forkrace-$mode.trace" \
			--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/forkrace" "$mode" . 300) \
			>"$SCRATCH/out-root/forkrace-$mode.out" 2>&1
		is "300 forks while their process's records are read from elsewhere ($mode): none left stopped" "$?" 0
		n=$(grep -c '"ev":"spawn"' "$SCRATCH/out-root/forkrace-$mode.trace")
		is "and each child is in the trace ($mode)" "$n" "$([ "$mode" = rename ] && echo 301 || echo 300)"
	done
else
	for i in 1 2 3 4; do skip "the forkrace helper is not built"; done
fi
# The same in a build's shape: make -j4, each recipe renaming its output
# into place and reading it back in a command substitution (every run
# hung before)
if command -v make >/dev/null; then
	w=$SCRATCH/w-mvsubst
	mkdir -p "$w"
	{
		printf 'all:'
		for i in $(seq 100); do printf ' o%d' "$i"; done
		printf '\no%%:\n\t@echo $@ > t$@; mv t$@ $@; y=$$(cat $@); test "$$y" = $@\n'
	} >"$w/Makefile"
	(cd "$w" && timeout 120 "$SR" -q -o "$SCRATCH/out-root/mvsubst.trace" -- make -s -j4) \
		>"$SCRATCH/out-root/mvsubst.out" 2>&1
	is "make -j4 of 100 recipes, each an mv and a command substitution: exit 0" "$?" 0
	is "and all 100 renamed into place" "$(cd "$w" && ls o* | wc -l)" 100
else
	for i in 1 2; do skip "no make here"; done
fi

# The loader's opening and fstat of the audit modules, before
# sandrun-audit.so has rewritten it, are seccomp notifications at the
# loader's own sites (filter.c), not stops: a program's start takes no
# syscall stop.  One whose result is needed (a build's own audit module,
# found or not, loaded before sandrun's) is made again with a stop
# (loop.c: divert), with the same trace as with ptrace stops only.
if [ -f "$SCRATCH/bin/sandrun-audit.so" ] && [ -f "$SCRATCH/bin/libsr-ownaudit.so" ]; then
	e=$(meta "$SCRATCH/out-root/loads-pre.trace.meta.json" syscall_entry)
	check "50 programs loaded: no syscall stop for the loader's audit module ($e, 100 if it stopped)" \
		test "${e:-999}" -le 10
	for a in "$SCRATCH/bin/libsr-ownaudit.so" /nonexistent/own.so; do
		n=$(basename "$a" .so)
		run "first-$n" root --setenv=LD_AUDIT="$a" -- /bin/true
		run "first-$n-stops" root --no-seccomp-notify --setenv=LD_AUDIT="$a" -- /bin/true
		check "a build's own audit module ($n) before sandrun's: the same trace as with stops only" \
			cmp -s "$SCRATCH/out-root/first-$n.trace" "$SCRATCH/out-root/first-$n-stops.trace"
		is "$n: the program ran as without sandrun" \
			"$(cat "$SCRATCH/out-root/first-$n.out"; meta "$SCRATCH/out-root/first-$n.trace.meta.json" status)" \
			"$(LD_AUDIT="$a" /bin/true 2>&1; echo $?)"
	done
	check "the build's audit module's open is in the trace, with its digest" \
		grep -qF "/libsr-ownaudit.so\",\"mode\":\"r\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$(xxhsum -H2 "$SCRATCH/bin/libsr-ownaudit.so" | cut -d' ' -f1)\"" \
		"$SCRATCH/out-root/first-libsr-ownaudit.trace"
	check "and a missing one's, with its error" \
		grep -qF '"ev":"open","path":"/nonexistent/own.so","mode":"r","res":"ENOENT"' \
		"$SCRATCH/out-root/first-own.trace"
else
	for i in 1 2 3 4 5 6 7; do skip "sandrun-audit.so or the test's audit module is not built"; done
fi

# The same, for calls made from instructions at the loader's offsets in
# their page (tests/helpers/ldsite: as a loader the audit module did not
# rewrite makes them): each open made again with a stop gives its
# result; the mode and flags come back as they went (the tag the
# filter is steered with is gone); a signal flood without SA_RESTART
# makes none fail with EINTR or -ERESTARTNOINTR; and with no room for a
# signal's details (RLIMIT_SIGPENDING 0) sandrun's SIGSTOP is still
# known for its own: nothing stays stopped.  (Each under a timeout: a
# stuck divert would hang, not fail.)
if [ -x "$SCRATCH/bin/ldsite" ] && [ -f "$SCRATCH/bin/sandrun-audit.so" ] &&
   offs=$("$SCRATCH/bin/ldsite" offsets); then
	want="opens 500 enoent 500 tagged 0 eintr 0 e513 0 bad 0"
	for m in plain signals; do
		run "ldsite-$m" root -- timeout -k 5 120 "$SCRATCH/bin/ldsite" "$m" 1000 $offs
		is "calls at the loader's offsets ($m): results, mode and flags as without sandrun" \
			"$(cat "$SCRATCH/out-root/ldsite-$m.out")" "$want"
		is "calls at the loader's offsets ($m): each open in the trace once, with its result" \
			"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/ldsite-$m.trace"),$(grep -c '"ev":"open","path":"$SRC/nope","mode":"r","res":"ENOENT"' "$SCRATCH/out-root/ldsite-$m.trace")" \
			"500,500"
		is "calls at the loader's offsets ($m): one divert stop each" \
			"$(sed -n 's/.*"divert": \([0-9]*\).*/\1/p' "$SCRATCH/out-root/ldsite-$m.trace.meta.json")" 1000
	done
	run ldsite-nosig root -- timeout -k 5 60 /bin/bash -c \
		"ulimit -i 0 && exec $SCRATCH/bin/ldsite plain 20 $offs"
	is "with RLIMIT_SIGPENDING 0: the calls made again all the same" \
		"$(cat "$SCRATCH/out-root/ldsite-nosig.out")" "opens 10 enoent 10 tagged 0 eintr 0 e513 0 bad 0"
else
	for i in 1 2 3 4 5; do skip "no loader sites found here, or no sandrun-audit.so"; done
fi

# The loader's fstat(fd) is its newfstatat(fd, "", st, AT_EMPTY_PATH)
# with an "" of its own, at a distance from the call's instruction
# (tests/helpers/ldsite empty; tracer/filter.h: empty): the filter lets
# it run, no notification.  The same call with another path, from an
# instruction at that offset, is still answered by the tracer and
# recorded.
if [ -x "$SCRATCH/bin/ldsite" ] && [ -f "$SCRATCH/bin/sandrun-audit.so" ] &&
   empty=$("$SCRATCH/bin/ldsite" empty); then
	fstats=$(sed -n 's/.*{"syscall": "newfstatat", "count": \([0-9]*\).*/\1/p' \
		"$SCRATCH/out-root/loads-pre.trace.meta.json")
	is "50 programs loaded: no notification for the loader's fstat of sandrun-audit.so" \
		"${fstats:-0}" 0
	run ldsite-stat root -- timeout -k 5 60 "$SCRATCH/bin/ldsite" stat 200 "${empty% *}"
	is "stats of a path from the loader's fstat's offset: their results" \
		"$(cat "$SCRATCH/out-root/ldsite-stat.out")" "stats 200 bad 0"
	is "stats of a path from the loader's fstat's offset: each in the trace" \
		"$(grep -c '"ev":"probe","path":"$SRC/in.txt","res":"ok"' \
			"$SCRATCH/out-root/ldsite-stat.trace")" 200
else
	for i in 1 2 3; do skip "no loader fstat of a known shape here, or no sandrun-audit.so"; done
fi

# The cache of rewrite sites (preload/sites.h): sandrun's own loader's
# and libc's, found once a run, in /run/sandrun/sites (read-only to the
# build); a program whose loader and libc have the same build IDs takes
# its sites from there, and one whose cache does not add up reads its
# code for them.  Each entry has an image of its code, sites rewritten,
# which each program maps instead (the loader's is mapped over the
# loader's code while it runs: the same bytes but at the sites and in
# the slack after the code).  To see which it took, copies of the run's
# cache, edited, are bound over it: without the image and cut down to
# each entry's first site, the programs stop at what they would have
# recorded.
loop50='i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i+1)); done'
# edit BODY: a perl program that reads a cache on stdin into $c (its
# entries in $k), runs BODY on it, and writes it out.  (The head is 64
# bytes, an entry 560: its count at 8, its image's page at 12, its sites
# at 48.)
edit() {
	printf '%s' 'binmode STDIN; binmode STDOUT; local $/; my $c = <STDIN>;
	my $k = unpack("V", substr($c, 4, 4));'
	printf '%s' "$1"
	printf '%s' 'print $c;'
}
if [ -f "$SCRATCH/bin/sandrun-audit.so" ] && command -v perl >/dev/null; then
	"$SR" -q -o "$SCRATCH/cache.trace" -- cat /run/sandrun/sites >"$SCRATCH/sites.real"
	is "the cache is in the sandbox: its magic and two entries (the loader, libc)" \
		"$(od -A n -t x4 -N 8 "$SCRATCH/sites.real" | tr -s ' ')" " 34535253 00000002"
	# (each image's pages: its file's code pages, copied by the kernel
	# from the file, runner/sitecache.c, with only its sites and the
	# slack after its code changed)
	code() { readelf -lW "$1" | awk '$1 == "LOAD" && $7 == "R" && $8 == "E" { print $2, $6 }'; }
	libc=$(ldd "$SR" | awk '$1 == "libc.so.6" { print $3 }')
	ld=$(readelf -lW "$SR" | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	read -r off size <<<"$(code "$libc")"
	len=$(( (size + 4095) / 4096 * 4096 ))
	is "libc's entry's image from the file's second page, the loader's after it" \
		"$(od -A n -t u4 -j $((64 + 560 + 12)) -N 4 "$SCRATCH/sites.real" | tr -d ' '),$(
		od -A n -t u4 -j $((64 + 12)) -N 4 "$SCRATCH/sites.real" | tr -d ' ')" \
		"1,$((1 + len / 4096))"
	out=$("$SR" -q -o "$SCRATCH/cache.trace" -- /bin/sh -c \
		'grep " r-xp .* /run/sandrun/sites$" /proc/self/maps | wc -l')
	is "a program's libc code and its loader's are the images" "$out" 2
	# image_diff AT FILE OFF SIZE: how many bytes of the image at byte
	# AT of the cache differ from its file's code (SIZE bytes from OFF),
	# then how many of the slack after it, to its last page's end, are
	# neither the file's nor the 0xcc (int3) it is filled with: the
	# thunks' code
	image_diff() {
		local end=$(( ($4 + 4095) / 4096 * 4096 ))
		cmp -l <(tail -c +$(($1 + 1)) "$SCRATCH/sites.real" | head -c "$4") \
			<(tail -c +$(($3 + 1)) "$2" | head -c "$4") | wc -l
		cmp -l <(tail -c +$(($1 + $4 + 1)) "$SCRATCH/sites.real" | head -c $((end - $4))) \
			<(tail -c +$(($3 + $4 + 1)) "$2" | head -c $((end - $4))) 2>/dev/null |
			awk '$2 != 314' | wc -l
	}
	# (each site a jump of at most 8 bytes, libc's two fork functions' 7)
	sites() { od -A n -t u4 -j $((64 + 560 * $1 + 8)) -N 4 "$SCRATCH/sites.real" | tr -d ' '; }
	# image_is WHO ENTRY AT FILE OFF SIZE EXTRA: the entry's image is its
	# file's code but at its sites (EXTRA bytes more may differ), and the
	# slack after it holds their thunks
	image_is() {
		local n nd ns
		n=$(sites "$2")
		{ read -r nd; read -r ns; } <<<"$(image_diff "$3" "$4" "$5" "$(($6))")"
		check "$1's image is its code with its $n sites rewritten ($nd bytes differ)" \
			test "$nd" -ge "$n" -a "$nd" -le "$((8 * n + $7))"
		check "and the slack after it holds their thunks ($ns bytes are code)" \
			test "$ns" -ge "$n"
	}
	image_is libc 1 4096 "$libc" "$off" "$size" 14
	read -r ldoff ldsize <<<"$(code "$ld")"
	image_is "the loader" 0 $((4096 + len)) "$ld" "$ldoff" "$ldsize" 0
	is "--dry-run gives the cache's size as written, its image too" \
		"$("$SR" --dry-run -- true | sed -n 's|^file /run/sandrun/sites mode=0444 size=||p')" \
		"$(wc -c <"$SCRATCH/sites.real")"
	out=$("$SR" -q --no-preload -o "$SCRATCH/cache.trace" -- \
		/bin/sh -c 'test -e /run/sandrun/sites && echo there')
	is "with --no-preload there is no cache" "$out" ""
	out=$("$SR" -q -o "$SCRATCH/cache.trace" -- /bin/sh -c \
		'for f in sites new; do (: >/run/sandrun/$f) 2>/dev/null && echo written; done')
	is "the build cannot write a cache of its own there" "$out" ""
	# no image, and each entry cut down to its first site
	perl -e "$(edit 'substr($c, 64 + $_ * 560 + 8, 8) = pack("VV", 1, 0) for 0 .. $k - 1;')" \
		<"$SCRATCH/sites.real" >"$SCRATCH/sites.cut"
	# no image, and each site moved 3 bytes on (into the middle of the code)
	perl -e "$(edit 'for my $e (0 .. $k - 1) { substr($c, 64 + $e * 560 + 12, 4) = pack("V", 0);
		for my $i (0 .. 127) {
		my $o = 64 + $e * 560 + 48 + 4 * $i;
		substr($c, $o, 4) = pack("V", unpack("V", substr($c, $o, 4)) + (3 << 2)) } }')" \
		<"$SCRATCH/sites.real" >"$SCRATCH/sites.shift"
	# the image cut off the file (its page past the end): not mapped
	head -c 4096 "$SCRATCH/sites.real" >"$SCRATCH/sites.noimage"
	# the images kept, each entry's sites cut down to one: the images
	# have them all
	perl -e "$(edit 'for (0 .. $k - 1) { substr($c, 64 + $_ * 560 + 8, 4) = pack("V", 1)
		if unpack("V", substr($c, 64 + $_ * 560 + 12, 4)) }')" \
		<"$SCRATCH/sites.real" >"$SCRATCH/sites.imagecut"
	# the loader's image kept, libc's dropped (its entry's page 0)
	perl -e "$(edit 'for (0 .. $k - 1) { substr($c, 64 + $_ * 560 + 12, 4) = pack("V", 0)
		if unpack("V", substr($c, 64 + $_ * 560 + 12, 4)) == 1 }')" \
		<"$SCRATCH/sites.real" >"$SCRATCH/sites.ldonly"
	echo junk >"$SCRATCH/sites.junk"
	run cache-base root -- /bin/sh -c "$loop50"
	for v in noimage imagecut ldonly cut shift junk; do
		run cache-$v root --ro-bind="$SCRATCH/sites.$v:/run/sandrun/sites" -- \
			timeout 60 /bin/sh -c "$loop50; grep -c ' r-xp .* /run/sandrun/sites$' /proc/self/maps"
	done
	is "the programs ran with each edited cache, the images mapped only where the file has them whole" \
		"$(cat "$SCRATCH"/out-root/cache-{noimage,imagecut,ldonly,cut,shift,junk}.out | tr '\n' ' ')" \
		"0 2 1 0 0 0 "
	# with no image, each program asks for an fd on its own memory to
	# rewrite its loader's and libc's code through (once for both), and
	# has it closed before its code runs; with the loader's image and not
	# libc's, the same for libc's code.  through_mem VARIANT WHAT:
	through_mem() {
		local m
		m=$(meta "$SCRATCH/out-root/cache-$1.trace.meta.json" code_through_mem)
		check "$2, the code rewritten through an fd on the program's memory ($m, at least 51)" \
			test "${m:-0}" -ge 51
		run "fds-$1" root --ro-bind="$SCRATCH/sites.$1:/run/sandrun/sites" -- /bin/ls /proc/self/fd
		is "... which is closed before the program runs" \
			"$(tr '\n' ' ' <"$SCRATCH/out-root/fds-$1.out")" "0 1 2 3 "
		check "(ls's code was rewritten through it)" \
			test "$(meta "$SCRATCH/out-root/fds-$1.trace.meta.json" code_through_mem)" -ge 1
	}
	through_mem noimage "with no image"
	through_mem ldonly "with the loader's image only"
	# stops VARIANT: the run's stops and notifications but for the
	# requests for an fd on a program's memory (one a program)
	stops() {
		local f=$SCRATCH/out-root/cache-$1.trace.meta.json
		echo $(($(meta "$f" stops) - $(meta "$f" code_through_mem)))
	}
	s0=$(stops base) sn=$(stops noimage) si=$(stops imagecut) s1=$(stops cut)
	s2=$(stops junk) s3=$(stops shift)
	check "without the image, libc's sites are rewritten as before: as many stops ($sn against $s0)" \
		test "$((sn * 4))" -le "$((s0 * 5))"
	sl=$(stops ldonly)
	check "the images have the sites whatever the entries list: as many stops ($si against $s0)" \
		test "$((si * 4))" -le "$((s0 * 5))"
	check "with the loader's image only: as many stops ($sl against $s0)" \
		test "$((sl * 4))" -le "$((s0 * 5))"
	check "and the image's programs, recorded as the others are" \
		test "$(grep -c '"ev":"exec","path":"/bin/true"' "$SCRATCH/out-root/cache-imagecut.trace")" -eq 50
	# make runs a simple recipe with posix_spawn, whose clone the image
	# makes with CLONE_PTRACE as sandrun-rec.so would (no stop at its entry)
	mk='for i in $(seq 20); do printf "t%d:\n\ttrue\n" $i; done >mk; make -s -f mk $(seq -f t%g 20)'
	run spawn-image root -- /bin/sh -c "$mk"
	run spawn-noimage root --ro-bind="$SCRATCH/sites.noimage:/run/sandrun/sites" -- /bin/sh -c "$mk"
	sa=$(meta "$SCRATCH/out-root/spawn-image.trace.meta.json" stops)
	sb=$(meta "$SCRATCH/out-root/spawn-noimage.trace.meta.json" stops)
	check "make's 20 spawns through the image's clone: no more stops than without it ($sa against $sb)" \
		test "$sa" -le "$((sb + 5))" -a "$(grep -c '"ev":"exec","path":"/usr/bin/true"' \
		"$SCRATCH/out-root/spawn-image.trace")" -eq 20
	check "50 programs take their sites from the cache: cut down, they stop more ($s1 stops against $s0)" \
		test "$((s1 * 2))" -ge "$((s0 * 3))"
	check "a cache that does not add up: they read their code instead ($s2 stops against $s0)" \
		test "$((s2 * 4))" -le "$((s0 * 5))"
	check "sites moved off their syscall instructions: the same ($s3 stops against $s0)" \
		test "$((s3 * 4))" -le "$((s0 * 5))"
	check "and the cut-down run's programs are recorded as the others' are" \
		test "$(grep -c '"ev":"exec","path":"/bin/true"' "$SCRATCH/out-root/cache-cut.trace")" -eq 50
else
	for i in $(seq 26); do skip "no sandrun-audit.so next to sandrun, or no perl"; done
fi

# The log sandrun's output goes to: the build inherits it, and a shell
# saves and restores its stdout around each redirection; those closes
# are not a writer's the tracer digests, and take no stop (the cache's
# head names the file).  The same loop, its output to a file and to a pipe.
if [ -f "$SCRATCH/bin/sandrun-audit.so" ]; then
	loop='i=0; while [ $i -lt 50 ]; do cat </dev/null >/dev/null; echo $i; i=$((i+1)); done'
	"$SR" -q -o "$SCRATCH/out-root/tofile.trace" -- /bin/sh -c "$loop" >"$SCRATCH/tofile.log" 2>&1
	"$SR" -q -o "$SCRATCH/out-root/topipe.trace" -- /bin/sh -c "$loop" 2>&1 | cat >"$SCRATCH/topipe.log"
	is "the loop's output, to a file and to a pipe" \
		"$(tail -n1 "$SCRATCH/tofile.log"),$(tail -n1 "$SCRATCH/topipe.log")" "49,49"
	sf=$(meta "$SCRATCH/out-root/tofile.trace.meta.json" stops)
	sp=$(meta "$SCRATCH/out-root/topipe.trace.meta.json" stops)
	check "output to a log file: no more stops than to a pipe ($sf against $sp; 100 more before)" \
		test "$sf" -le "$((sp + 25))"
else
	for i in 1 2; do skip "no sandrun-audit.so next to sandrun (the cache file names the log)"; done
fi

# A build that writes to that log itself, by its name: the tracer does
# not take the log for a build's output either, so the preload's closes
# of it are not refused, and the trace is the same without the preload.
mkdir -p "$SCRATCH/w-ownlog"
for m in pre ptr; do
	[ $m = ptr ] && np=--no-preload || np=
	(cd "$SCRATCH/w-ownlog" && : >build.log && "$SR" -q $np -o "$SCRATCH/out-root/ownlog-$m.trace" -- \
		/bin/sh -c 'echo a >>build.log; cat </dev/null >/dev/null; echo b; echo c >>build.log' \
		>>build.log 2>&1)
done
is "a build writing to sandrun's own log: its lines are there" \
	"$(tr '\n' ' ' <"$SCRATCH/w-ownlog/build.log")" "a b c "
is "and no record of the preload's is refused" \
	"$(meta "$SCRATCH/out-root/ownlog-pre.trace.meta.json" in_process_rejected)" 0
check "and the trace is the same without the preload" \
	cmp -s "$SCRATCH/out-root/ownlog-pre.trace" "$SCRATCH/out-root/ownlog-ptr.trace"
# Standard input open for writing (a shell's <>) is a log as stdout is;
# one in the source tree is named, since its writes are in no delta
# (a log few would take for one).
(cd "$SCRATCH/w-ownlog" && echo orig >rw.txt && "$SR" -q -o "$SCRATCH/out-root/stdinrw.trace" \
	-- /bin/sh -c 'echo new >/dev/stdin' <>rw.txt 2>"$SCRATCH/stdinrw.err")
is "stdin open for writing: the build writes through it" "$(cat "$SCRATCH/w-ownlog/rw.txt")" new
is "and sandrun says it is a log in the tree" "$(cat "$SCRATCH/stdinrw.err")" \
	"sandrun: warning: standard input is '$(cd "$SCRATCH/w-ownlog" && pwd -P)/rw.txt', open for writing in the source tree: sandrun's log, left out of the delta"
is "and no record of the preload's is refused" \
	"$(meta "$SCRATCH/out-root/stdinrw.trace.meta.json" in_process_rejected)" 0

# meta.json's stops by kind: they add up to its stops, and count what ran.
run kinds root -- /bin/sh -c '/bin/true; /bin/true; :'
m=$SCRATCH/out-root/kinds.trace.meta.json
kind() { sed -n "/\"stops_by\"/s/.*\"$1\": \([0-9]*\).*/\1/p" "$m"; }
sum=0
for k in start fork exec exit signal syscall_entry syscall_result request notification; do
	sum=$((sum + $(kind $k)))
done
is "meta.json: the stops by kind add up to the stops" "$sum" "$(meta "$m" stops)"
ex=$(( $(kind exec) + $(meta "$m" execs_without_stop) ))
ox=$(( $(kind exit) + $(meta "$m" exits_without_stop) ))
check "and count each program's exec and exit ($ex: $(kind exec) at a stop, the rest seen without; $ox: $(kind exit) at a stop, the rest at their notification; 3 programs and the sandbox's init)" \
	test "$ex" -eq 3 -a "$ox" -eq 4

# A program whose libraries take much static TLS (ThreadSanitizer's
# runtime) cannot start with an audit module loaded: it gets its
# environment without sandrun's LD_AUDIT, and starts, with the same trace.
printf '#include <stdio.h>\nint main(void) { puts("tsan ok"); return 0; }\n' >"$SCRATCH/tsan.c"
if [ -f "$SCRATCH/bin/sandrun-audit.so" ] &&
	cc -fsanitize=thread -o "$SCRATCH/bin/tsan-hello" "$SCRATCH/tsan.c" 2>/dev/null; then
	pair tsan "a ThreadSanitizer program" "$SCRATCH/bin/tsan-hello"
	is "a ThreadSanitizer program starts under sandrun" \
		"$(cat "$SCRATCH/out-root/tsan-pre.out")" "tsan ok"
	# the second time, the tracer knows the program by its identity
	run tsan-twice root -- /bin/sh -c "$SCRATCH/bin/tsan-hello; $SCRATCH/bin/tsan-hello"
	is "a ThreadSanitizer program run twice starts twice" \
		"$(cat "$SCRATCH/out-root/tsan-twice.out")" "tsan ok
tsan ok"
	# exec'd raw by a program exec'd through the preload (no exec stop):
	# judged by its own file, not by the program before it
	run tsan-raw root -- /bin/sh -c "exec $SCRATCH/bin/inproc exec-raw $SCRATCH/bin/tsan-hello"
	is "a ThreadSanitizer program exec'd raw after a notified exec starts" \
		"$(cat "$SCRATCH/out-root/tsan-raw.out")" "tsan ok"
else
	for i in 1 2 3 4; do skip "no ThreadSanitizer runtime here (or no sandrun-audit.so)"; done
fi
# An exec whose environment was rewritten and then failed (not
# executable): the caller's argument register is given back.
if [ -x "$SCRATCH/bin/tsan-hello" ]; then
	cp "$SCRATCH/bin/tsan-hello" "$SCRATCH/bin/tsan-noexec"
	chmod a-x "$SCRATCH/bin/tsan-noexec"
	run tsan-fail root -- "$SCRATCH/bin/inproc" exec-fails "$SCRATCH/bin/tsan-noexec"
	is "a failed exec keeps the caller's environment argument" \
		"$(cat "$SCRATCH/out-root/tsan-fail.out")" "execve: Permission denied, environment argument kept"
else
	skip "no ThreadSanitizer runtime here"
fi
# A build that puts its own preload before sandrun's (which sandrun set):
# its value as the build made it, the same trace.
sh_own='export LD_PRELOAD="libm.so.6:$LD_PRELOAD"; /bin/true'
pair ownpre "a build's LD_PRELOAD before sandrun's" /bin/sh -c "$sh_own"
check "a build's LD_PRELOAD before sandrun's: recorded as the build made it" \
	grep -qF '"LD_PRELOAD=libm.so.6:"' "$SCRATCH/out-root/ownpre-pre.trace"

# clang links the runtime in: no library to tell it by, but the
# trampoline's page lies where ThreadSanitizer expects program memory.
if command -v clang >/dev/null &&
	clang -fsanitize=thread -o "$SCRATCH/bin/tsan-clang" "$SCRATCH/tsan.c" 2>/dev/null; then
	run tsan-clang root -- /bin/sh -c "$SCRATCH/bin/tsan-clang"
	is "a ThreadSanitizer program built by clang starts under sandrun" \
		"$(cat "$SCRATCH/out-root/tsan-clang.out")" "tsan ok"
else
	skip "no clang with ThreadSanitizer here"
fi

# posix_spawnp's child runs on its parent's memory and writes in the
# ring of the thread that spawned it: its records are its own, even
# while another thread of the parent stops again and again.
run spawnmt root -- "$SCRATCH/bin/inproc" spawn-threaded
is "a spawn's PATH misses are the child's, not its threaded parent's" \
	"$(grep -c '"ev":"exec-fail","path":"/nope/' "$SCRATCH/out-root/spawnmt.trace"),$(grep -c '^{"p":"1","ev":"exec-fail","path":"/nope/' "$SCRATCH/out-root/spawnmt.trace")" "250,0"

# A program that only spawns, with no call of its own recorded first:
# the recorder is started at its start all the same, and its children's
# execs are notifications (not an entry and a result stop each).
run spawnonly root -- "$SCRATCH/bin/inproc" spawn-only 20
r=$(meta "$SCRATCH/out-root/spawnonly.trace.meta.json" syscall_result)
check "a program that only spawns: its children exec with no stop ($r result stops for 20)" \
	test "${r:-99}" -lt 5 -a "$(grep -c '"ev":"exec","path":"/bin/true"' "$SCRATCH/out-root/spawnonly.trace")" -eq 20

# A vfork child execs on its parent's memory: the parent's records after
# that are read all the same.  With sandrun's LD_AUDIT the recorder is
# started at the program's start; without it (as a program that drops
# it), the vfork child's call is the first recorded and it sets the
# recorder up there, on its parent's memory.
run vf-pre root -- "$SCRATCH/bin/inproc" vfork
run vf-ptr root --no-preload -- "$SCRATCH/bin/inproc" vfork
run vf-noaudit root -- /bin/sh -c "unset LD_AUDIT; exec $SCRATCH/bin/inproc vfork"
run vf-noaudit-ptr root --no-preload -- /bin/sh -c "unset LD_AUDIT; exec $SCRATCH/bin/inproc vfork"
check "vfork: the same trace with and without the preload" \
	cmp -s "$SCRATCH/out-root/vf-pre.trace" "$SCRATCH/out-root/vf-ptr.trace"
check "vfork: the parent's records after the child's exec are there" \
	test "$(meta "$SCRATCH/out-root/vf-pre.trace.meta.json" in_process)" -ge 20
check "vfork, set up by the child: the same trace with and without the preload" \
	cmp -s "$SCRATCH/out-root/vf-noaudit.trace" "$SCRATCH/out-root/vf-noaudit-ptr.trace"
check "vfork, set up by the child: the parent's records after its exec are there" \
	test "$(meta "$SCRATCH/out-root/vf-noaudit.trace.meta.json" in_process)" -ge 20

# The trampoline's page: refused to anyone who would map or unprotect it.
run tamper root -- "$SCRATCH/bin/inproc" tamper
out=$(cat "$SCRATCH/out-root/tamper.out")
like "mapping over the trampoline is refused" "$out" 'mmap: Operation not permitted'
like "unprotecting it is refused" "$out" 'mprotect: Operation not permitted'
like "a mapping elsewhere is left alone" "$out" 'elsewhere: mapped'
check "and the attempt is in the trace (untraceable, sandrun:trampoline)" \
	grep -qF '"ev":"untraceable","call":"mmap","path":"sandrun:trampoline"' "$SCRATCH/out-root/tamper.trace"
# Calls made through the trampoline whose results the thread never tells
# (the preload would): still in the trace, as untraceable, and the one
# left untold before the next call is tampering.
run forged root -- "$SCRATCH/bin/inproc" forged
like "forged calls through the trampoline ran" "$(cat "$SCRATCH/out-root/forged.out")" 'open: ok, mkdir: ok'
check "a forged open whose result is never told is in the trace" \
	grep -qF '"ev":"untraceable","call":"openat","path":"$SRC/ghost"' "$SCRATCH/out-root/forged.trace"
check "a forged mkdir left untold at the exit is in the trace" \
	grep -qF '"ev":"untraceable","call":"mkdir","path":"$SRC/ghostdir"' "$SCRATCH/out-root/forged.trace"
check "the result left untold before the next call is tampering" \
	grep -qF '"ev":"untraceable","call":"inproc","path":"sandrun:result"' "$SCRATCH/out-root/forged.trace"
# A writer's fd closed through the trampoline and its number taken by
# another file: the writer's digest is its own file's, not the other's.
run raw-close root -- sh -c 'echo other-content > other; exec "$0" raw-close' "$SCRATCH/bin/inproc"
like "a raw close: the fd number was taken again" "$(cat "$SCRATCH/out-root/raw-close.out")" 'reused: yes'
check "a raw close: the written file's digest is its own (AAAA)" \
	grep -qF "\"ev\":\"wrote\",\"path\":\"\$SRC/written\",\"digest\":\"$(printf AAAA | xxhsum -H2 | cut -d' ' -f1)\"" \
	"$SCRATCH/out-root/raw-close.trace"
check "a raw close: said (untraceable close, sandrun:writer)" \
	grep -qF '"ev":"untraceable","call":"close","path":"sandrun:writer"' "$SCRATCH/out-root/raw-close.trace"
run tamper-np root --no-preload -- "$SCRATCH/bin/inproc" tamper
like "without the preload the page is nothing special" "$(cat "$SCRATCH/out-root/tamper-np.out")" 'mmap: mapped'

# Clones through the trampoline, as the preload's fork is made (a
# notification, tracer/forks.c: clone_noted): one whose child the tracer
# would not follow, or that shares more than a fork does, is refused.
run clones root -- "$SCRATCH/bin/inproc" clones
out=$(cat "$SCRATCH/out-root/clones.out")
like "a clone through the trampoline without CLONE_PTRACE is refused" "$out" 'untraced: Operation not permitted'
like "and one with CLONE_UNTRACED" "$out" 'CLONE_UNTRACED: Operation not permitted'
like "and one that shares the fd table" "$out" 'CLONE_FILES: Operation not permitted'
like "a fork with CLONE_PTRACE is made" "$out" 'fork: made'
is "and its child is the only one in the trace" \
	"$(grep -c '"ev":"spawn"' "$SCRATCH/out-root/clones.trace")" 1

# The page swapped for other code once the tracer has found it armed
# (unmapped, mapped writable, filled, and made executable as the preload
# arms it: that mprotect runs): found at the next stop, taken for
# tampering, and the process's records are read no more.
run swap root -- "$SCRATCH/bin/inproc" swap
is "a swapped trampoline page: the process goes on" "$(head -n1 "$SCRATCH/out-root/swap.out")" "swapped"
like "... and the run warns that it could not record it all" "$(sed 1d "$SCRATCH/out-root/swap.out")" \
	'^sandrun: warning: [0-9]+ operations? could not be recorded'
check "a swapped trampoline page is in the trace (untraceable, sandrun:trampoline)" \
	grep -qF '"ev":"untraceable","call":"inproc","path":"sandrun:trampoline"' "$SCRATCH/out-root/swap.trace"
check "what it recorded before is there (the loader's open of libc)" \
	grep -qF '/libc.so.6","mode":"r","res":"ok"' "$SCRATCH/out-root/swap.trace"
check "and its next open stops and is recorded" \
	grep -qF '"path":"$SRC/swapped.txt","mode":"w,create,trunc' "$SCRATCH/out-root/swap.trace"
is "what it would record after, and a child of it, stops instead: all there" \
	"$(grep -c '"p":"1","ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/swap.trace"),$(grep -c '"p":"1.1","ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/swap.trace")" "4,1"
check "the child is said to be untraceable too" \
	grep -qF '"p":"1.1","ev":"untraceable","call":"inproc","path":"sandrun:trampoline"' "$SCRATCH/out-root/swap.trace"

# A process whose first recorded call is in a second thread (no audit
# module armed the page in the loader), while the first thread stops
# again and again: the arming thread tells the tracer which it is.
run thfirst root -- /bin/sh -c "unset LD_AUDIT; exec $SCRATCH/bin/inproc thread-first 100"
is "first records in a second thread: every open of that thread is in the trace" \
	"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/thfirst.trace")" 100
ip=$(meta "$SCRATCH/out-root/thfirst.trace.meta.json" in_process)
check "first records in a second thread: recorded in-process ($ip)" test "${ip:-0}" -ge 800
is "first records in a second thread: the raw opens stopped" \
	"$(grep -c '"ev":"open","path":"$SRC/raw.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/thfirst.trace")" 200
# (the exit last: the threads' events, grouped after the leader's, are
# before it, as they were in time)
is "first records in a second thread: the process's exit is its last event" \
	"$(grep '"p":"1","ev"' "$SCRATCH/out-root/thfirst.trace" | tail -n 1 | cut -d, -f2)" '"ev":"exit"'
# ... and with a thread glibc does not know of (a raw clone).
run rawthr root -- /bin/sh -c "unset LD_AUDIT; exec $SCRATCH/bin/inproc raw-thread 30"
is "a raw clone's thread alongside: every open is in the trace" \
	"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/rawthr.trace")" 30
# A vfork child that stops while another thread of its parent arms the
# page: the thread's records stay its process's.
run vrace root -- /bin/sh -c "unset LD_AUDIT; exec $SCRATCH/bin/inproc vfork-race"
is "a vfork child meanwhile: the parent thread's opens are the parent's" \
	"$(grep -c '"p":"1","ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/vrace.trace"),$(grep -c '"p":"1.1","ev":"open","path":"$SRC/in.txt"' "$SCRATCH/out-root/vrace.trace")" "40,0"
is "a vfork child meanwhile: its own raw opens are its" \
	"$(grep -c '"p":"1.1","ev":"open","path":"$SRC/raw.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/vrace.trace")" 10
# A child on its parent's memory that is not a vfork child (CLONE_VM,
# SIGCHLD): it records into the parent's ring; its records are its own,
# the parent's the parent's, none twice or lost, fewer than a ring holds
# and more; and so are a vfork child's after it.
for n in 10 3000; do
	run clonevm$n root -- "$SCRATCH/bin/inproc" clone-vm $n
	t=$SCRATCH/out-root/clonevm$n.trace
	# (the two children: 1.1 and 1.2, in the order of their keys)
	is "clone(CLONE_VM) child, $n opens: the parent's and the child's opens, each once" \
		"$(grep -c '"p":"1","ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$t"),$(grep '"ev":"open","path":"$SRC/d/f.txt","mode":"r","res":"ok"' "$t" | cut -d'"' -f4 | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' '),$(grep -c untraceable "$t")" \
		"10,$(grep -q '"p":"1.1","ev":"open","path":"$SRC/d/f.txt"' "$t" && echo 1.1 || echo 1.2):$n ,0"
	is "then a vfork child, $n opens: its own, each once" \
		"$(grep '"ev":"open","path":"$SRC/raw.txt","mode":"r","res":"ok"' "$t" | cut -d'"' -f4 | sort | uniq -c | awk '{print $2":"$1}' | tr '\n' ' ')" \
		"$(grep -q '"p":"1.1","ev":"open","path":"$SRC/d/f.txt"' "$t" && echo 1.2 || echo 1.1):$n "
done
# One program alone: its fork, first stop, exec's entry and event, the
# audit module's open (no INPROC_MEM request: its loader's and libc's
# code are the cache's images), fstat and close, its exit, and the parent's
# SIGCHLD and exit; the trampoline's arming takes none.
if [ -f "$SCRATCH/bin/sandrun-audit.so" ]; then
	run true1 root -- /bin/true
	s1=$(meta "$SCRATCH/out-root/true1.trace.meta.json" stops)
	check "a program alone: 10 stops, none for arming the trampoline nor for its memory's fd ($s1)" \
		test "$s1" -le 10
	is "... and no fd on its memory: its loader's and libc's code are the cache's images" \
		"$(meta "$SCRATCH/out-root/true1.trace.meta.json" code_through_mem)" 0
	# Its memory read 14 times (its exec's path, argv and environment,
	# the loader's open, the page found gone at the exec and armed after,
	# its ring at its exit); none of the trampoline's page while the
	# loader is loading sandrun-audit.so (its fstat and close), where it
	# cannot be armed yet: 16 then.  (A small environment: a large one
	# takes more reads.)
	(cd "$SCRATCH" && env -i PATH=/usr/bin:/bin "$SR" -q -o "$SCRATCH/out-root/reads.trace" \
		-- /bin/true) >/dev/null 2>&1
	r1=$(meta "$SCRATCH/out-root/reads.trace.meta.json" memory_reads)
	check "... and its memory read 14 times or fewer ($r1)" test "${r1:-99}" -le 14
	# A notified execve's argv and environment are read together: two
	# reads for both (mem.c: mem_read_strv2), four alone; 38 for a
	# shell's two programs before.  With more than a page of pointers
	# (an environment of 700), or an argv split across two pages, each
	# is read alone: the same trace as with every stop.
	(cd "$SCRATCH" && env -i PATH=/usr/bin:/bin "$SR" -q -o "$SCRATCH/out-root/reads2.trace" \
		-- /bin/sh -c '/bin/true; /bin/true') >/dev/null 2>&1
	r2=$(meta "$SCRATCH/out-root/reads2.trace.meta.json" memory_reads)
	check "a shell's two programs: their memory read 34 times or fewer ($r2)" test "${r2:-99}" -le 34
	big='/bin/true a; x=$(seq 1 700 | sed "s/.*/export V&=v&;/"); eval "$x"; /bin/true b c'
	run bigenv root -- /bin/sh -c "$big"
	run bigenv-np root --no-preload -- /bin/sh -c "$big"
	check "an environment of 700: the same trace as without the preload" \
		cmp -s "$SCRATCH/out-root/bigenv.trace" "$SCRATCH/out-root/bigenv-np.trace"
	check "and all 700 of it is there" grep -qF '"V700=v700"' "$SCRATCH/out-root/bigenv.trace"
else
	for i in 1 2 3 4; do skip "sandrun-audit.so is not built next to sandrun"; done
fi

# A program's libraries are started before the preload (libselinux's
# constructor reads /proc/filesystems in every coreutils program): the
# audit module starts the preload before any of them, so a library's
# constructor is recorded in-process too.
if [ -f "$SCRATCH/bin/sandrun-audit.so" ]; then
	# (found by LD_LIBRARY_PATH, not $ORIGIN, which the loader resolves
	# with a readlink before any audit module; copied to $SCRATCH/bin
	# long enough ago not to be read at a stop as a file just written)
	LD_LIBRARY_PATH=$SCRATCH/bin pair ctor "a library's constructor" "$SCRATCH/bin/ctor"
	is "a library's constructor: its reads worked" "$(cat "$SCRATCH/out-root/ctor-pre.out")" "ctor: 20"
	is "a library's constructor: its 20 opens are in the trace" \
		"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/ctor-pre.trace")" 20
	check "a library's constructor: in-process ($s1 stops as a program alone, against $s2)" \
		test "$s1" -le 11 -a "$s2" -ge 80
	# ... with a build's own audit module after sandrun's (its own
	# namespace, whose libraries are reported loaded first; its loading
	# stops, before sandrun's module has rewritten the loader)
	LD_LIBRARY_PATH=$SCRATCH/bin run ctor-sh root -- /bin/sh -c "exec $SCRATCH/bin/ctor"
	LD_LIBRARY_PATH=$SCRATCH/bin run ctor-own root -- /bin/sh -c \
		"LD_AUDIT=\"\$LD_AUDIT:$SCRATCH/bin/libsr-ownaudit.so\" exec $SCRATCH/bin/ctor"
	s1=$(meta "$SCRATCH/out-root/ctor-sh.trace.meta.json" stops)
	s2=$(meta "$SCRATCH/out-root/ctor-own.trace.meta.json" stops)
	check "a library's constructor with a build's audit module after sandrun's: in-process ($s2 stops against $s1)" \
		test "$s2" -le "$((s1 + 8))"
else
	for i in 1 2 3 4 5; do skip "sandrun-audit.so is not built next to sandrun"; done
fi

# A file of /proc is always new, but has no content the tracer digests:
# its open is not read at a stop as a file just written would be.
pair procfs "20 opens of a /proc file" /bin/cat $(for i in $(seq 20); do echo /proc/self/stat; done)
is "20 opens of a /proc file: in the trace" \
	"$(grep -c '"ev":"open","path":"/proc/self/stat","mode":"r","res":"ok"' "$SCRATCH/out-root/procfs-pre.trace")" 20
check "20 opens of a /proc file: no stop for them ($s1 stops, 32 if each stopped)" test "${s1:-99}" -le 15

# Directory listings (getdents64, readdir's): in-process, the listing
# digested when the tracer reads the record, if the directory is still
# the one listed (else its listing is unknown: no digest); a directory
# changed in the last seconds is listed at a stop, as a file is read.
pair lsr "ls -R" /bin/ls -R t
check "ls -R of 7 directories: in-process ($s1 stops against $s2)" test "$s1" -le 15
is "ls -R: every directory's listing is in the trace, with its digest" \
	"$(grep -c '"ev":"readdir","path":"$SRC/t[a-z/]*","res":"ok","digest":' "$SCRATCH/out-root/lsr-pre.trace")" 7
pair rmrf "rm -rf" /bin/rm -rf t
check "rm -rf: the tree is gone" test ! -e "$SCRATCH/w-rmrf-pre-root/t"
age=$(( $(date +%s) - $(stat -c %Z "$SCRATCH/w-rrace-root/t") ))
[ "$age" -ge 4 ] || sleep $((4 - age))
run rrace root -- "$SCRATCH/bin/inproc" readdir-race t
is "a directory changed before the lister stops again: both listings read" \
	"$(cat "$SCRATCH/out-root/rrace.out")" "5 then 6 entries"
is "a directory changed before the lister stops again: its first listing unknown, the second's digest there" \
	"$(grep -o '"ev":"readdir","path":"$SRC/t","res":"ok"[^}]*' "$SCRATCH/out-root/rrace.trace" | sed 's/"digest":"[0-9a-f]*"/DIGEST/')" \
	'"ev":"readdir","path":"$SRC/t","res":"ok"
"ev":"readdir","path":"$SRC/t","res":"ok",DIGEST'
run rrace-np root --no-preload -- "$SCRATCH/bin/inproc" readdir-race t
is "... where a stop reads both listings" \
	"$(grep -c '"ev":"readdir","path":"$SRC/t","res":"ok","digest":' "$SCRATCH/out-root/rrace-np.trace")" 2
pair rfresh "a directory just made, changed after its listing" "$SCRATCH/bin/inproc" readdir-race d
# /proc's directories are listed at a stop (their entries come and go,
# and the tracer's /proc is not the sandbox's), however old.
pair proclist "a listing of /proc/self/fd" "$SCRATCH/bin/inproc" proc-listing
# Nothing of sandrun's takes a free fd the program would see: a program
# started with a gap in its fds (3 and 5 open, 4 free) lists the same
# ones.
pair fdgap "a program started with fds 3 and 5 open" \
	/bin/sh -c 'exec 3</dev/null 5</dev/null; exec "$0" proc-listing' "$SCRATCH/bin/inproc"
check "a listing of /proc/self/fd: with its digest" \
	grep -qF '"ev":"readdir","path":"/proc/self/fd","res":"ok","digest":' "$SCRATCH/out-root/proclist-pre.trace"

# Where writable memory may not become executable (PR_SET_MDWE), the
# trampoline cannot be armed, by the loader's audit module nor by the
# preload after it: every call stops, nothing is refused as tampering.
if "$SCRATCH/bin/inproc" no-wx /bin/true 2>/dev/null; then
	pair nowx "no W^X" "$SCRATCH/bin/inproc" no-wx /bin/cat in.txt
	is "no W^X: no attempt is taken for tampering" \
		"$(grep -c '"ev":"untraceable"' "$SCRATCH/out-root/nowx-pre.trace")" 0
else
	skip "no PR_SET_MDWE here (Linux 6.3)"
	skip "no PR_SET_MDWE here (Linux 6.3)"
fi

# A static binary has no preload: everything stops, nothing is lost.
if [ -x "$SCRATCH/bin/inproc-static" ]; then
	run static root -- "$SCRATCH/bin/inproc-static" work 20
	is "static: recorded by ptrace alone (in_process 0)" \
		"$(meta "$SCRATCH/out-root/static.trace.meta.json" in_process)" 0
	is "static: every open is in the trace" \
		"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/static.trace")" 50
	check "static: its exec names no loader" sh -c "grep '\"ev\":\"exec\"' \
		'$SCRATCH/out-root/static.trace' | grep -q '\"path\":\"[^\"]*inproc-static\"' &&
		! grep '\"ev\":\"exec\"' '$SCRATCH/out-root/static.trace' | grep -q '\"loader\"'"
	# (killed: it recorded nothing in-process, so nothing is lost; the
	# dynamic build's loss is said, as a shell's is in trace.t)
	for b in inproc-static inproc; do
		run "selfkill-$b" root -- "$SCRATCH/bin/$b" self-kill
		is "$b killed by SIGKILL: 137, its write in the trace" "$? $(grep -c \
			'"ev":"wrote","path":"$SRC/killed.out"' "$SCRATCH/out-root/selfkill-$b.trace")" "137 1"
	done
	is "a static program killed: no note of records lost (it had none)" \
		"$(grep -c 'sandrun:killed' "$SCRATCH/out-root/selfkill-inproc-static.trace")" 0
	is "a dynamic one: the note" \
		"$(grep -c 'sandrun:killed' "$SCRATCH/out-root/selfkill-inproc.trace")" 1
else
	skip "no static libc to build the static helper"
	skip "no static libc to build the static helper"
	skip "no static libc to build the static helper"
	for i in 1 2 3 4; do skip "no static libc to build the static helper"; done
fi

# A program with no libc whose first call closes its stdout: its exec is
# seen at that close's notification, and its event, made before the
# answer, names the pipe fd 1 was (30 of them in a pipeline each).
run close1 root -- /bin/sh -c 'i=0; while [ $i -lt 30 ]; do '"$SCRATCH/bin/bare-close1"' | cat; i=$((i+1)); done'
is "a program whose first call closes its stdout: each exec names the pipe it was" \
	"$(grep '"ev":"exec","path":"[^"]*/bare-close1"' "$SCRATCH/out-root/close1.trace" | grep -c '"stdout":"pipe')" 30
check "(seen at their first notification, with no stop: $(meta "$SCRATCH/out-root/close1.trace.meta.json" execs_without_stop) execs)" \
	test "$(meta "$SCRATCH/out-root/close1.trace.meta.json" execs_without_stop)" -ge 30

# close and the preload's requests are seccomp notifications, not ptrace
# stops (tracer/filter.h), where the kernel has what they need (5.19):
# the same trace as with stops.  Writers closed by a shell
# (the preload leaves those to the tracer) and by a static binary.
mkdir -p "$SCRATCH/w-notify"
sh_w='for i in 1 2 3; do echo $i >f$i; done; cat f1 f2 f3 >all; rm f2'
for o in on off; do
	[ $o = off ] && nn=--no-seccomp-notify || nn=
	rm -rf "$SCRATCH"/w-notify/*
	(cd "$SCRATCH/w-notify" && "$SR" -q $nn -o "$SCRATCH/out-root/notify-$o.trace" -- /bin/sh -c "$sh_w")
	rm -rf "$SCRATCH"/w-notify/*
	(cd "$SCRATCH/w-notify" && "$SR" -q $nn --no-preload -o "$SCRATCH/out-root/notify-np-$o.trace" -- \
		/bin/sh -c "$sh_w")
	if [ -x "$SCRATCH/bin/inproc-static" ]; then
		tree "$SCRATCH/w-notify"
		(cd "$SCRATCH/w-notify" && "$SR" -q $nn -o "$SCRATCH/out-root/notify-static-$o.trace" \
			--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/inproc-static" work 4)
	fi
	(cd "$SCRATCH/w-notify" && "$SR" -q $nn -o "$SCRATCH/out-root/notify-cr-$o.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/inproc" close-range)
	echo $? >"$SCRATCH/out-root/notify-cr-$o.rc"
done
if [ "$(uname -r | awk -F. '{ print ($1 > 5 || ($1 == 5 && $2 >= 19)) }')" = 1 ]; then
	n_on=$(meta "$SCRATCH/out-root/notify-on.trace.meta.json" notification)
	check "a shell's writers: closed through notifications ($n_on)" test "$n_on" -ge 3
else
	skip "no SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV before Linux 5.19: no notifications"
fi
if [ "$(uname -r | awk -F. '{ print ($1 > 5 || ($1 == 5 && $2 >= 19)) }')" = 1 ]; then
	n_np=$(meta "$SCRATCH/out-root/notify-np-on.trace.meta.json" notification)
	check "without the preload too: every close notified ($n_np)" test "$n_np" -ge 10
else
	skip "no SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV before Linux 5.19: no notifications"
fi
check "and the same trace as with stops" \
	cmp -s "$SCRATCH/out-root/notify-np-on.trace" "$SCRATCH/out-root/notify-np-off.trace"
is "with --no-seccomp-notify there are none" \
	"$(meta "$SCRATCH/out-root/notify-off.trace.meta.json" notification)" 0
check "and the trace is the same" \
	cmp -s "$SCRATCH/out-root/notify-on.trace" "$SCRATCH/out-root/notify-off.trace"
check "which has the writers' content (all: 6 bytes)" \
	grep -q '"ev":"wrote","path":"$SRC/all","digest":"[0-9a-f]*","perm":"0644","size":6' \
	"$SCRATCH/out-root/notify-on.trace"
is "close_range closes its writers (notified)" "$(cat "$SCRATCH/out-root/notify-cr-on.rc")" 0
check "and each one's content is in the trace" \
	test "$(grep -c '"ev":"wrote","path":"$SRC/cr[0-2].out","digest":"[0-9a-f]*","perm":"0644","size":7' \
		"$SCRATCH/out-root/notify-cr-on.trace")" -eq 3
check "the same trace as with ptrace stops" \
	cmp -s "$SCRATCH/out-root/notify-cr-on.trace" "$SCRATCH/out-root/notify-cr-off.trace"
if [ -x "$SCRATCH/bin/inproc-static" ]; then
	check "a static binary's threads and fork: the same trace with notifications" \
		cmp -s "$SCRATCH/out-root/notify-static-on.trace" "$SCRATCH/out-root/notify-static-off.trace"
	is "which has its opens" \
		"$(grep -c '"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/notify-static-on.trace")" 10
else
	skip "no static libc to build the static helper"
	skip "no static libc to build the static helper"
fi

# The preload's execve, writing opens, mkdir, unlink, rmdir and chdir
# are notifications too, not stops (inproc.h: INPROC_AGAIN): with the
# same trace as with stops and as without the preload, each result from
# the preload's record (an exec's failure too).  A device opened for
# writing and closed in-process (what it is, looked at when opened);
# a file opened for reading and writing (its digest as it was, before
# it is written).
sh_x='/bin/true; /bin/true; /bin/true; ./no-such; /etc/passwd
mkdir d d/e; cd d; echo one > f; rm f; rmdir e; mkdir -p x/y; cd ..; rm -r d
exec 3>/dev/null; echo gone >&3; exec 3>&-
echo old > rw; exec 4<>rw; echo new >&4; exec 4>&-; exit 0'
for o in on off np; do
	case $o in on) nn= ;; off) nn=--no-seccomp-notify ;; np) nn=--no-preload ;; esac
	rm -rf "$SCRATCH"/w-notify/*
	(cd "$SCRATCH/w-notify" && "$SR" -q $nn -o "$SCRATCH/out-root/exec-$o.trace" -- \
		/bin/sh -c "$sh_x") >/dev/null 2>&1
done
check "execs, notified: the same trace as with stops" \
	cmp -s "$SCRATCH/out-root/exec-on.trace" "$SCRATCH/out-root/exec-off.trace"
check "and as without the preload" \
	cmp -s "$SCRATCH/out-root/exec-on.trace" "$SCRATCH/out-root/exec-np.trace"
is "which has the programs' execs" \
	"$(grep -c '"ev":"exec","path":"/bin/true"' "$SCRATCH/out-root/exec-on.trace")" 3
check "and the failed one's errno" \
	grep -q '"ev":"exec-fail","path":"/etc/passwd","res":"EACCES"' "$SCRATCH/out-root/exec-on.trace"
calls=$(grep -cE '"ev":"(open","path":"[$]SRC/(d/f|rw)","mode":"(w|rw),create|mkdir|unlink|rmdir|chdir)' \
	"$SCRATCH/out-root/exec-on.trace")
check "the writing opens, mkdirs, unlinks, rmdirs and chdirs ($calls)" test "$calls" -ge 10
check "the file opened for reading and writing: its digest before it was written" \
	grep -q "\"path\":\"\$SRC/rw\",\"mode\":\"rw,create\",\"perm\":\"0666\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$(printf 'old\n' >"$SCRATCH/old" && xxhsum -H2 "$SCRATCH/old" | cut -d' ' -f1)\"" \
	"$SCRATCH/out-root/exec-on.trace"
is "no record refused" "$(meta "$SCRATCH/out-root/exec-on.trace.meta.json" in_process_rejected)" 0
e_on=$(meta "$SCRATCH/out-root/exec-on.trace.meta.json" syscall_entry)
e_off=$(meta "$SCRATCH/out-root/exec-off.trace.meta.json" syscall_entry)
r_on=$(meta "$SCRATCH/out-root/exec-on.trace.meta.json" syscall_result)
if [ "$(meta "$SCRATCH/out-root/exec-on.trace.meta.json" notification)" -gt 0 ]; then
	check "notified, not stopped at ($e_on entry stops against $e_off)" \
		test "$((e_off - e_on))" -ge 14
	check "no stop at their results ($r_on result stops for $calls calls)" test "$r_on" -lt "$calls"
else
	skip "no seccomp notifications on this kernel"
	skip "no seccomp notifications on this kernel"
fi

# A notified call's result is told in the thread's ring, read at its
# next stop: one notification a call, not two (the result's request).
pair notified "notified calls" "$SCRATCH/bin/inproc" notified 200
is "notified calls: all made" "$(cat "$SCRATCH/out-root/notified-pre.out")" "failed: 0"
is "notified calls: each in the trace" \
	"$(grep -cE '"ev":"(mkdir|chdir|rmdir)","path":"[$]SRC(/nd)?","(perm":"0755","res":"ok|res":"ok)' \
		"$SCRATCH/out-root/notified-pre.trace")" 800
n=$(meta "$SCRATCH/out-root/notified-pre.trace.meta.json" notification)
if [ "$n" -gt 0 ]; then
	check "notified calls: one notification each, the result in the ring ($n for 800)" \
		test "$n" -ge 800 -a "$n" -le 840
else
	skip "no seccomp notifications on this kernel"
fi
is "notified calls: no record refused" \
	"$(meta "$SCRATCH/out-root/notified-pre.trace.meta.json" in_process_rejected)" 0

# An exec through the preload has no exec stop of its own: its success is
# seen at the new program's first stop (execs_without_stop); with stops
# for the notified calls, each has one.  An ordinary one in such a
# process (a raw execve, not through the trampoline) is seen at its
# result stop.
m=$SCRATCH/out-root/exec-on.trace.meta.json
if [ "$(meta "$m" notification)" -gt 0 ]; then
	n=$(grep -c '"ev":"exec",' "$SCRATCH/out-root/exec-on.trace")
	is "execs seen with no exec stop (all the shell's: $n execs in all)" \
		"$(meta "$m" execs_without_stop)" $((n - 1))
	is "one exec stop: the command's own" "$(meta "$m" exec)" 1
else
	skip "no seccomp notifications on this kernel"
	skip "no seccomp notifications on this kernel"
fi
m=$SCRATCH/out-root/exec-off.trace.meta.json
check "with --no-seccomp-notify each exec stops ($(meta "$m" exec))" test "$(meta "$m" exec)" -ge 4
is "and none is seen without" "$(meta "$m" execs_without_stop)" 0
for o in on np; do
	case $o in on) nn= ;; np) nn=--no-preload ;; esac
	(cd "$SCRATCH/w-notify" && "$SR" -q $nn -o "$SCRATCH/out-root/raw-$o.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/inproc" exec-raw /bin/true) \
		>/dev/null 2>&1
done
check "a raw execve in a process with the preload: its exec event" \
	grep -q '"ev":"exec","path":"/bin/true","cwd":"$SRC","loader":"[^"]*","loader_digest":"[0-9a-f]*","argv":\["/bin/true"\]' \
	"$SCRATCH/out-root/raw-on.trace"
check "the same trace as without the preload" \
	cmp -s "$SCRATCH/out-root/raw-on.trace" "$SCRATCH/out-root/raw-np.trace"

# The listener's hand-over is sandrun's own: a build's is refused.  And a
# build cannot load a seccomp listener of its own while sandrun's is
# there (one a filter chain): --no-seccomp-notify lets it.
run listener root -- "$SCRATCH/bin/inproc" listener
is "a build's hand-over of a listener is refused" \
	"$(sed -n 's/^hand-over: //p' "$SCRATCH/out-root/listener.out")" "Operation not permitted"
run listener-off root --no-seccomp-notify -- "$SCRATCH/bin/inproc" listener
is "with --no-seccomp-notify a build loads a listener of its own" \
	"$(sed -n 's/^own listener: //p' "$SCRATCH/out-root/listener-off.out")" "loaded"
# (what it is notified of and lets run takes no stop: said so)
has_untraceable_listener() {
	grep -c '"ev":"untraceable","call":"seccomp","path":"sandrun:listener"' "$1"
}
is "... which is an untraceable event" \
	"$(has_untraceable_listener "$SCRATCH/out-root/listener-off.trace")" 1
like "... and said so" "$(cat "$SCRATCH/out-root/listener-off.out")" 'untraceable'
is "... not where sandrun's own listener keeps it out" \
	"$(has_untraceable_listener "$SCRATCH/out-root/listener.trace")" 0
if [ "$(meta "$SCRATCH/out-root/listener.trace.meta.json" notification)" -gt 0 ]; then
	is "without it, the kernel refuses one (EBUSY)" \
		"$(sed -n 's/^own listener: //p' "$SCRATCH/out-root/listener.out")" "Device or resource busy"
else
	skip "no seccomp notifications on this kernel"
fi

# A signal while a close waits for the tracer to take its notification
# (a handler without SA_RESTART): the close is made again, it does not
# fail with EINTR and leave the fd open.
run close-eintr root -- "$SCRATCH/bin/inproc" close-eintr 200
is "a signal while a close is notified: no EINTR" \
	"$(sed -n '/^EINTR from close/p' "$SCRATCH/out-root/close-eintr.out")" "EINTR from close: 0"
is "nor while the preload's open, mkdir, rmdir, unlink are" \
	"$(sed -n '/^EINTR from open/p' "$SCRATCH/out-root/close-eintr.out")" "EINTR from open, mkdir, rmdir, unlink: 0"
is "nor while its fork is" \
	"$(sed -n '/^EINTR from fork/p' "$SCRATCH/out-root/close-eintr.out")" "EINTR from fork: 0"
check "which were notified" \
	test "$(meta "$SCRATCH/out-root/close-eintr.trace.meta.json" notification)" -ge 1000
# A signal at a notified chdir's end: the handler's calls, which stop,
# are resolved with the new cwd (the result taken at the signal's stop).
run chdir-signal root -- "$SCRATCH/bin/inproc" chdir-signal 300
is "chdirs under a signal flood" "$(cat "$SCRATCH/out-root/chdir-signal.out")" "chdir failed: 0"
t_cs=$SCRATCH/out-root/chdir-signal.trace
n_in=$(grep -c '"path":"$SRC/d/mark-d"' "$t_cs")
n_out=$(grep -c '"path":"$SRC/mark-w-chdir-signal-root"' "$t_cs")
check "the handler's files in d ($n_in) and out of it ($n_out), each recorded where made" \
	test "$n_in" -ge 1 -a "$n_out" -ge 1 -a "$(grep -c '"path":"$SRC/mark-d"' "$t_cs")" -eq 0 \
	-a "$(grep -c '"path":"$SRC/d/mark-w-' "$t_cs")" -eq 0
n=$(meta "$t_cs.meta.json" notification)
check "which were notified (300 rounds of two chdirs: $n notifications)" test "${n:-0}" -ge 600

# A policy checks each open at its stop: no preload then.
run policy root --policy="$(cd "$(dirname "$0")/../.." && pwd)/contrib/policies/make-cc.policy" -- cat in.txt
check "a policy run records (cat read in.txt)" \
	grep -qF '"path":"$SRC/in.txt","mode":"r","res":"ok"' "$SCRATCH/out-root/policy.trace"
is "with --policy nothing is recorded in-process" \
	"$(meta "$SCRATCH/out-root/policy.trace.meta.json" in_process)" 0

done_testing
