#!/bin/bash
# The tracer: one small program per syscall family (tests/helpers/sc.c)
# makes real syscalls under the real sandbox; the canonical events it
# must produce are checked line by line.  Then determinism (make -j2
# twice, and in two directories) and a real kbuild make modules.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi

# trace MODE [HELPER]: run `HELPER MODE` (sc's by default) in a fresh
# tree, the trace in $T.
trace() {
	local mode=$1 helper=${2:-sc}
	W=$SCRATCH/w-$mode
	T=$SCRATCH/$mode.trace
	mkdir -p "$W"
	(cd "$W" && "$SR" -o "$T" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/$helper" "$mode") \
		>"$SCRATCH/$mode.out" 2>&1
	ST=$?
}
# probes_ok MODE OPT [WHY]: probes_run, and its exit status checked (0),
# or skipped with WHY when it exits 77; false if skipped.
probes_ok() {
	probes_run "$1" $2
	if [ $ST = 77 ] && [ -n "${3:-}" ]; then
		skip "$1${2:+ $2}: $3"
		return 1
	fi
	is "$1${2:+ $2}: exit status" "$ST" 0
}

# has DESC LINE-FRAGMENT: the trace has a line containing the fragment.
has() {
	if grep -qF -- "$2" "$T"; then ok "$1"; else
		not_ok "$1"; diag "no line with: $2"; fi
}

xxh() { xxhsum -H2 "$1" 2>/dev/null | cut -d' ' -f1; }

trace open
is "open: exit status" "$ST" 0
has "open: a read open with the content digest" \
	'"ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok","type":"file","digest":"6bba86c7e069f56d5a10b435f1c8e49c"'
has "creat: write, create, truncate, permissions, and that it was new" \
	'"ev":"open","path":"$SRC/created.txt","mode":"w,create,trunc,new","perm":"0640","res":"ok"'
has "what was written is digested at close" \
	"\"ev\":\"wrote\",\"path\":\"\$SRC/created.txt\",\"digest\":\"$(xxh "$W/created.txt")\""
has "a failed open records the errno" '"path":"$SRC/missing.txt","mode":"r","res":"ENOENT"'
has "O_EXCL and O_APPEND are recorded" '"path":"$SRC/appended.txt","mode":"w,create,excl,append,new","perm":"0600"'
is "openat2 is traced like openat" "$(grep -cF '"path":"$SRC/in.txt","mode":"r","res":"ok"' "$T")" 2
if command -v xxhsum >/dev/null; then
	is "digests print as xxhsum -H2 does" "$(xxh "$W/in.txt")" 6bba86c7e069f56d5a10b435f1c8e49c
else
	skip "xxhsum is not installed"
fi

# Opens that read and write: the digest of the file as each left it, the
# same with the preload's notifications (a truncating or creating one
# tells its result in the ring, no request: the digest of nothing), with
# ptrace stops and without the preload.
for v in on off np; do
	case $v in on) o= ;; off) o=--no-seccomp-notify ;; np) o=--no-preload ;; esac
	rm -rf "$SCRATCH/w-rw-$v" && mkdir -p "$SCRATCH/w-rw-$v"
	(cd "$SCRATCH/w-rw-$v" && "$SR" $o -o "$SCRATCH/rw-$v.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" rwempty) >/dev/null 2>&1
	is "rwempty ($v): exit status" $? 0
done
T=$SCRATCH/rw-on.trace
empty=$(: | xxhsum -H2 2>/dev/null | cut -d' ' -f1)
has "O_RDWR | O_TRUNC: the digest of nothing" \
	"\"path\":\"\$SRC/trunc.txt\",\"mode\":\"rw,create,trunc\",\"perm\":\"0644\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$empty\""
has "O_RDWR | O_CREAT | O_EXCL: the digest of nothing" \
	"\"path\":\"\$SRC/excl.txt\",\"mode\":\"rw,create,excl,new\",\"perm\":\"0600\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$empty\""
has "O_RDWR alone: the digest of what was there" \
	"\"path\":\"\$SRC/kept.txt\",\"mode\":\"rw\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$(printf 'kept\n' | xxhsum -H2 | cut -d' ' -f1)\""
check "the same trace with ptrace stops" cmp -s <(grep -v '"uuid"' "$SCRATCH/rw-on.trace") \
	<(grep -v '"uuid"' "$SCRATCH/rw-off.trace")
check "and without the preload" cmp -s <(grep -v '"uuid"' "$SCRATCH/rw-on.trace") \
	<(grep -v '"uuid"' "$SCRATCH/rw-np.trace")
has "O_RDWR | O_TRUNC on /proc: no digest (nothing was emptied)" \
	'"path":"/proc/self/comm","mode":"rw,trunc","res":"ok","type":"file"}'
# (the program's own requests: for kept.txt and /proc's file, none for
# the others)
req=$(sed -n 's/.*{"syscall": "getppid", "count": \([0-9]*\).*/\1/p' "$SCRATCH/rw-on.trace.meta.json")
is "two requests told results, for the opens that emptied nothing" "${req:-0}" 2

# int 0x80: only where the host runs 32-bit syscalls at all.
mkdir -p "$SCRATCH/native"
{ (cd "$SCRATCH/native" && exec "$SCRATCH/bin/sc" int80) >/dev/null 2>&1; } 2>/dev/null
if [ $? -eq 0 ]; then
	trace int80
	has "a 32-bit open through int 0x80 is traced" '"path":"$SRC/in32.txt","mode":"r","res":"ok"'
else
	skip "int 0x80 does not work on this host (no IA-32 syscall entry), so the 32-bit open cannot run"
fi

# (an exec names its program's loader, with its digest)
ld=$(readelf -l /bin/true | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
LDF="\"loader\":\"$ld\",\"loader_digest\":\"$(xxh "$(realpath "$ld")")\""
trace thread-exec
has "an exec from a non-leader thread is recorded" '"ev":"exec","path":"/bin/true","cwd":"$SRC",'"$LDF"',"argv":["true","from-thread"]'
is "and the process exits once, with true's status" "$(grep -c '"ev":"exit"' "$T")" 1

trace vfork
has "vfork: the child is process 1.1" '{"proc":"1.1","parent":"1"}'
has "vfork: the child's exec" '{"p":"1.1","ev":"exec","path":"/bin/true","cwd":"$SRC",'"$LDF"',"argv":["true","from-vfork"]'

# A cwd and an fd table shared with a child (CLONE_FS, CLONE_FILES) that
# moves them: the parent's changes are named where the kernel made them.
trace shared-base places
is "shared cwd and fds: the run" "$ST" 0
has "CLONE_FS: the create after the child's chdir, in B" '"ev":"open","path":"$SRC/B/via-cwd.txt","mode":"w,create,new"'
has "CLONE_FILES: the create through the fd the child replaced, in B" '"ev":"open","path":"$SRC/B/via-fd.txt","mode":"w,create,new"'
is "... and so in the delta" "$("$SR" fold "$T" | grep -c 'via-' )" 2
check "... and nothing where the tracer's own account would have put them" \
	sh -c "! '$SR' fold '$T' | grep -Eq '\\\$SRC/(via-cwd|A/via-fd)'"

# An AF_UNIX bind makes a socket file: in the delta; one unlinked after
# is no change (its before state is taken at the bind, not later).
trace bind-unix places
is "bind-unix: the run" "$ST" 0
is "bind-unix: the socket file, and only it, in the delta" \
	"$("$SR" fold "$T" | tail -n +2 | cut -d' ' -f1,2)" '$SRC/sock type=socket'

trace clone3
has "clone3: the child's write is its own" '{"p":"1.1","ev":"open","path":"$SRC/from-clone3.txt"'
has "clone3: the child's exit status" '{"p":"1.1","ev":"exit","status":7}'
# clone3 (its flags in memory, out of the filter's reach, and changeable
# by another thread after any check) fails with ENOSYS in every mode, and
# the program makes a clone, as glibc does; its child is traced.
like "clone3: ENOSYS with the preload and notifications" "$(cat "$SCRATCH/clone3.out")" \
	'clone3: ENOSYS'
for opt in --no-seccomp-notify --no-preload; do
	rm -f "$SCRATCH/w-clone3/from-clone3.txt"
	(cd "$SCRATCH/w-clone3" && "$SR" -q $opt -o "$SCRATCH/clone3$opt.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" clone3) \
		>"$SCRATCH/clone3$opt.out" 2>&1
	is "clone3 with $opt: ENOSYS, then a clone that runs" \
		"$?,$(grep -c ENOSYS "$SCRATCH/clone3$opt.out")" "0,1"
	check "clone3 with $opt: the child's write is its own" \
		grep -qF '{"p":"1.1","ev":"open","path":"$SRC/from-clone3.txt"' "$SCRATCH/clone3$opt.trace"
done
# A clone with CLONE_UNTRACED (which keeps a fork event from reporting
# its child) stops at its entry, where the tracer takes the flag off:
# its child is traced, whatever the mode.
trace untraced
is "CLONE_UNTRACED: the run succeeds" "$ST" 0
has "CLONE_UNTRACED: the child's write is traced all the same" \
	'{"p":"1.1","ev":"open","path":"$SRC/from-untraced.txt"'
for opt in --no-seccomp-notify --no-preload; do
	(cd "$SCRATCH/w-untraced" && "$SR" -q $opt -o "$SCRATCH/untraced$opt.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" untraced) >/dev/null 2>&1
	check "CLONE_UNTRACED with $opt: the child's write is traced" \
		grep -qF '{"p":"1.1","ev":"open","path":"$SRC/from-untraced.txt"' "$SCRATCH/untraced$opt.trace"
done

trace dirfd
has "dirfd-relative open" '"ev":"open","path":"$SRC/sub/rel.txt","mode":"r","res":"ok"'
is "/proc/self/fd/N/rel resolves through the fd table" \
	"$(grep -cF '"ev":"open","path":"$SRC/sub/rel.txt","mode":"r","res":"ok"' "$T")" 2
has "a dup2'd dirfd resolves" '"path":"$SRC/sub/via-dup.txt","mode":"w,create,new"'
has "an F_DUPFD_CLOEXEC'd dirfd resolves" '"path":"$SRC/sub/via-fcntl.txt","mode":"w,create,new"'

trace rename
has "rename over an existing file" '"ev":"rename","path":"$SRC/old.txt","to":"$SRC/target.txt","res":"ok"'

trace probe
has "stat of a directory: its type" '"ev":"probe","path":"$SRC/adir","res":"ok","type":"dir"'
has "lstat of a symlink: no follow, its type" '"ev":"probe","path":"$SRC/alink","follow":false,"res":"ok","type":"symlink"'
has "a probe that finds nothing" '"ev":"probe","path":"$SRC/nope","res":"ENOENT"'

# The other calls that tell whether a path is there (statfs, the xattr
# reads and their -at forms, inotify_add_watch, name_to_handle_at,
# uselib, file_getattr; the 6.13+ and 6.17+ ones by number, which
# Debian 12's libseccomp does not know), and paths through a magic link
# to an fd whose file has moved (probes magic): each a probe or exec-fail
# with the result the program got (it prints each), in each way of
# recording.  (Before, the first were not recorded at all, and with
# ptrace stops the tracer answered the second from the fd's old name:
# ENOENT where the kernel said EACCES or ENOTDIR.  The fd's and the cwd's
# names follow the renames now: mf2, cw2.)
expect_more() {
	while IFS='=' read -r name res; do
		local p=${name##*-} f=
		case $name in lgetxattr-*|llistxattr-*|*-nofollow-*|lstat-*) f=',"follow":false' ;; esac
		case $name in
		exec-fd) echo "\"ev\":\"exec-fail\",\"path\":\"\$SRC/mf2\",\"res\":\"$res\"" ;;
		exec-x) echo "\"ev\":\"exec-fail\",\"path\":\"\$SRC/cw2/x\",\"res\":\"$res\"" ;;
		stat-[xy]) echo "\"ev\":\"probe\",\"path\":\"\$SRC/cw2/${name#stat-}\",\"res\":\"$res\"" ;;
		exec-below-fd) echo "\"ev\":\"exec-fail\",\"path\":\"\$SRC/mf2/x\",\"res\":\"$res\"" ;;
		*-below-fd) echo "\"ev\":\"probe\",\"path\":\"\$SRC/mf2/x\"$f,\"res\":\"$res\"" ;;
		*) echo "\"ev\":\"probe\",\"path\":\"\$SRC/$p\"$f,\"res\":\"$res\"" ;;
		esac
	done <"$1" | sort
}
# probes_run MODE [OPT]: tests/helpers/probes MODE under sandrun (OPT: a
# way of recording) in a fresh directory $W: its trace $T, its exit
# status $ST, its output in $SCRATCH/MODE.out (.err).
probes_run() {
	W=$SCRATCH/w-$1${2:-}; T=$SCRATCH/$1${2:-}.trace
	mkdir -p "$W"
	(cd "$W" && "$SR" -q ${2:-} -o "$T" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" \
		-- "$SCRATCH/bin/probes" "$1") >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err"
	ST=$?
}
for mode in probe-more magic moved-cwd; do
	for opt in "" --no-preload --no-seccomp-notify; do
		probes_ok "$mode" "$opt"
		is "$mode${opt:+ $opt}: each call's result printed" \
			"$(grep -c = "$SCRATCH/$mode.out")" "$(case $mode in magic) echo 4 ;; moved-cwd) echo 3 ;; *) echo 14 ;; esac)"
		got=$(grep -o '"ev":"\(probe\|exec-fail\)","path":"$SRC/\(p[xml]\|mf2\|mf2/x\|cw2/[xy]\)"[^}]*' "$T" |
			sed 's/,"type":"[a-z]*"//' | sort)
		is "$mode${opt:+ $opt}: each call recorded with the kernel's result" \
			"$got" "$(expect_more "$SCRATCH/$mode.out")"
	done
done

# A build that renames the directory it works in (an exchange, then a
# child's rename) and a file it has open for writing: what it makes and
# writes there afterwards is named where it is, in the trace and the
# delta, in each way of recording.  (Before, the tracer kept the cwd's
# and the fd's old names, ra/h, ra/e and ra/f: the delta lacked rd/h and
# rd/e.)
for opt in "" --no-preload --no-seccomp-notify; do
	probes_ok renamed "$opt"
	is "renamed${opt:+ $opt}: made and written where they are" \
		"$(grep -o '"ev":"\(open\|mkdir\|wrote\)","path":"$SRC/r[a-d]/[a-z]"' "$T" | sort -u | tr '\n' ' ')" \
		'"ev":"mkdir","path":"$SRC/rd/e" "ev":"open","path":"$SRC/ra/f" "ev":"open","path":"$SRC/rd/h" "ev":"wrote","path":"$SRC/rd/g" "ev":"wrote","path":"$SRC/rd/h" '
	is "renamed${opt:+ $opt}: the delta" "$(grep '^\$SRC/r' "$T.delta" | cut -d' ' -f1,2 | tr '\n' ' ')" \
		'$SRC/ra type=dir $SRC/rd type=dir $SRC/rd/e type=dir $SRC/rd/g type=file $SRC/rd/h type=file '
done

# ... and renamed by another process while the chdir's result is still
# in the ring (with the preload): that result is read before the rename
# is taken, as a stop at the chdir would have.
for opt in "" --no-preload --no-seccomp-notify; do
	probes_ok renamed-other "$opt"
	is "renamed-other${opt:+ $opt}: made where it is" \
		"$(grep -o '"ev":"\(open\|wrote\|chdir\)","path":"$SRC/o[ab][^"]*"' "$T" | sort -u | tr '\n' ' ')" \
		'"ev":"chdir","path":"$SRC/oa/in" "ev":"open","path":"$SRC/ob/in/h" "ev":"wrote","path":"$SRC/ob/in/h" '
done

# O_TMPFILE: the open says so (not ",dir"), a link from its fd has no
# path (the file had none) and names the fd, whose wrote is the named
# file's; one never named writes no file of the tree.  (Before, each
# was "wrote $SRC", the directory, with a file's digest.)
for opt in "" --no-preload --no-seccomp-notify; do
	probes_ok tmpfile "$opt" "the scratch's filesystem has no O_TMPFILE" || continue
	is "tmpfile${opt:+ $opt}: opens, links and wrotes" \
		"$(grep -o '"ev":"open","path":"$SRC","mode":"[^"]*"\|"ev":"\(link\|wrote\)","[a-z]*":"$SRC[^"]*"' "$T" |
			sort | uniq -c | tr -s ' \n' ' ')" \
		' 1 "ev":"link","to":"$SRC/ta" 1 "ev":"link","to":"$SRC/tb" 1 "ev":"open","path":"$SRC","mode":"rw,tmpfile" 2 "ev":"open","path":"$SRC","mode":"w,tmpfile" 1 "ev":"wrote","path":"$SRC/ta" 1 "ev":"wrote","path":"$SRC/tb" '
	is "tmpfile${opt:+ $opt}: the delta" "$(grep '^\$SRC/' "$T.delta" | cut -d' ' -f1-4 | tr '\n' ' ')" \
		'$SRC/ta type=file mode=0644 size=2 $SRC/tb type=file mode=0644 size=7 '
done

# A file written through a shared mapping after its fd's close (lld and
# gold write their output so): its wrote is the file as the process left
# it, at its exit, as the delta has it; a private mapping's changes are
# not the file's.  (Before, the wrote was the file at the close: zeros.)
for opt in "" --no-preload --no-seccomp-notify; do
	probes_ok mapped "$opt"
	for f in mapped private; do
		is "mapped${opt:+ $opt}: the wrote of $f is the file's content" \
			"$(grep -o "\"ev\":\"wrote\",\"path\":\"\\\$SRC/$f\",\"digest\":\"[0-9a-f]*\"" "$T" | cut -d'"' -f12 | sort -u)" \
			"$(xxh "$W/$f")"
	done
done

# A PATH search's misses: a close-on-exec writer and a shared writable
# mapping are written once, at the exec that goes through (before: once
# more for each directory without the program, four wrotes each).
for opt in "" --no-preload --no-seccomp-notify; do
	probes_ok path-search "$opt"
	is "path-search${opt:+ $opt}: three misses, then the exec" \
		"$(grep -c '"ev":"exec-fail","path":"/nonexistent/[abc]/true"' "$T")" 3
	for f in ps-w ps-m; do
		is "path-search${opt:+ $opt}: $f written once, as the process left it" \
			"$(grep -o "\"ev\":\"wrote\",\"path\":\"\\\$SRC/$f\",\"digest\":\"[0-9a-f]*\"" "$T" | cut -d'"' -f12)" \
			"$(xxh "$W/$f")"
	done
done

# openat2 with RESOLVE_IN_ROOT: "/made" and "../../made" are the
# dirfd's, as the kernel resolves them (before, "/made" was recorded as
# the root's, and the delta lacked ir/made), and the perm of one it
# creates is its open_how's mode (before: bits of the path's address).
for opt in "" --no-preload --no-seccomp-notify; do
	probes_ok in-root "$opt" "this kernel has no openat2" || continue
	is "in-root${opt:+ $opt}: each open below the dirfd, with the kernel's result" \
		"$(grep -o '"ev":"open","path":"$SRC/ir/m[a-z]*","mode":"[^"]*"[^}]*"res":"[A-Za-z]*"' "$T" | sort | tr '\n' ' ')" \
		'"ev":"open","path":"$SRC/ir/made","mode":"r","res":"ok" "ev":"open","path":"$SRC/ir/made","mode":"w,create,trunc,new","perm":"0644","res":"ok" "ev":"open","path":"$SRC/ir/missing","mode":"r","res":"ENOENT" '
	is "in-root${opt:+ $opt}: the program saw the same" "$(tr '\n' ' ' <"$SCRATCH/in-root.out")" \
		'made=ok above=ok missing=ENOENT '
	like "in-root${opt:+ $opt}: the delta" "$(cat "$T.delta")" '\$SRC/ir/made type=file'
	is "in-root${opt:+ $opt}: what links inside the root led to, in the delta" \
		"$(grep -o '^\$SRC/ir/m[a-z]* type=file' "$T.delta" | tr '\n' ' ')" \
		'$SRC/ir/mabs type=file $SRC/ir/made type=file $SRC/ir/mup type=file '
	is "in-root${opt:+ $opt}: ... made by the opens through them (,new)" \
		"$(grep -c '"ev":"open","path":"$SRC/ir/\(labs\|in/lup\)","mode":"w,create,trunc,new"' "$T")" 2
done

# Extended attributes: each change an xattr event, in every way of
# recording, with the attribute's name, the kernel's result, whether a
# link was followed, and the digest of the value set.  (Before, they were
# recorded only under --policy, as untraceable: a build's setcap left no
# trace.)  And diff compares an attribute as an output of its own.

# other_value NAME: $T with the first digit of attribute NAME's value's
# digest changed, as $SCRATCH/xattrs-b.trace.
other_value() {
	sed "s/\(\"attr\":\"$1\",\"res\":\"ok\",\"digest\":\"\)0/\1Z/
		s/\(\"attr\":\"$1\",\"res\":\"ok\",\"digest\":\"\)[1-9a-f]/\10/
		s/\(\"attr\":\"$1\",\"res\":\"ok\",\"digest\":\"\)Z/\11/" "$T" >"$SCRATCH/xattrs-b.trace"
}
printf 1 >"$SCRATCH/xv1"; printf 22 >"$SCRATCH/xv2"; : >"$SCRATCH/xv0"; printf three >"$SCRATCH/xv3"
for opt in "" --no-preload --no-seccomp-notify; do
	probes_ok xattrs "$opt"
	is "xattrs${opt:+ $opt}: each change, with the kernel's result" \
		"$(grep -o '"ev":"xattr","call":"[a-z]*",[^}]*"res":"[A-Za-z0-9]*"' "$T" |
			sed 's/.*"call":"\([a-z]*\)".*"res":"\([A-Za-z0-9]*\)"/\1=\2/' | tr '\n' ' ')" \
		"$(sed 's/^setxattr-[a-z]*=/setxattr=/' "$SCRATCH/xattrs.out" | tr '\n' ' ')"
	has "xattrs${opt:+ $opt}: setxattr, its value's digest" \
		"\"ev\":\"xattr\",\"call\":\"setxattr\",\"path\":\"\$SRC/xl\",\"attr\":\"user.one\",\"res\":\"$(sed -n 's/^setxattr=//p' "$SCRATCH/xattrs.out")\",\"digest\":\"$(xxh "$SCRATCH/xv1")\"}"
	has "xattrs${opt:+ $opt}: lsetxattr follows no link" \
		"\"call\":\"lsetxattr\",\"path\":\"\$SRC/xl\",\"attr\":\"user.one\",\"follow\":false,"
	has "xattrs${opt:+ $opt}: fsetxattr, by its fd's path" \
		"\"call\":\"fsetxattr\",\"path\":\"\$SRC/xf\",\"attr\":\"user.two\",\"res\":\"ok\",\"digest\":\"$(xxh "$SCRATCH/xv2")\"}"
	has "xattrs${opt:+ $opt}: an empty value's digest" \
		"\"attr\":\"user.empty\",\"res\":\"ok\",\"digest\":\"$(xxh "$SCRATCH/xv0")\"}"
	has "xattrs${opt:+ $opt}: a value too large: no digest" \
		'"attr":"user.big","res":"E2BIG"}'
	has "xattrs${opt:+ $opt}: a removal: no digest" \
		'"call":"fremovexattr","path":"$SRC/xf","attr":"user.two","res":"ok"}'
	grep -q '^setxattrat=ok' "$SCRATCH/xattrs.out" &&
		has "xattrs${opt:+ $opt}: setxattrat, its struct's value" \
			"\"call\":\"setxattrat\",\"path\":\"\$SRC/xl\",\"attr\":\"user.three\",\"res\":\"ok\",\"digest\":\"$(xxh "$SCRATCH/xv3")\"}"
done
other_value user.empty
"$SR" diff "$T" "$SCRATCH/xattrs-b.trace" >"$SCRATCH/xattrs.diff"
is "xattrs: diff: another value differs (exit 1)" "$?" 1
is "xattrs: diff: the attribute is the output that differs" \
	"$(grep -A2 '^Outputs that differ' "$SCRATCH/xattrs.diff" | tr '\n' '|' | cut -d'|' -f1-3)" \
	"Outputs that differ (1):|  \$SRC/xf (xattr user.empty)|      A: xattr digest=$(xxh "$SCRATCH/xv0")"
other_value user.two
"$SR" diff "$T" "$SCRATCH/xattrs-b.trace" >"$SCRATCH/xattrs.diff"
like "xattrs: diff: a value removed later is no differing output" "$(head -1 "$SCRATCH/xattrs.diff")" \
	'differ in how they ran, not in their outputs'
like "xattrs: show names the attribute" "$("$SR" show "$T")" \
	'^    xattr +fsetxattr \$SRC/xf user\.two  [0-9a-f]{32}$'

trace mutate
for frag in '"ev":"mkdir","path":"$SRC/d","perm":"0700","res":"ok"' \
	'"ev":"link","path":"$SRC/d/f","to":"$SRC/d/hard","res":"ok"' \
	'"ev":"symlink","target":"f","path":"$SRC/d/soft","res":"ok"' \
	'"ev":"chmod","path":"$SRC/d/f","perm":"0600","res":"ok"' \
	'"ev":"chown","path":"$SRC/d/f","res":"ok"' \
	'"ev":"truncate","path":"$SRC/d/f","res":"ok"' \
	'"ev":"utimes","path":"$SRC/d/f","res":"ok"' \
	'"ev":"mknod","path":"$SRC/d/fifo","perm":"0644","res":"ok"' \
	'"ev":"unlink","path":"$SRC/d/hard","res":"ok"' \
	'"ev":"rmdir","path":"$SRC/d","res":"ok"'; do
	has "mutation: $(echo "$frag" | cut -d'"' -f4)" "$frag"
done

# A change through a link to an absolute path in the sandbox's own /tmp:
# the state it leaves is looked up where the link leads the tracee (its
# /tmp), not in the host's.
T=$SCRATCH/abslink.trace
(cd "$SCRATCH" && "$SR" -q -o "$T" -- /bin/sh -c \
	'mkdir /tmp/real && ln -s /tmp/real /tmp/lnk && mkdir /tmp/lnk/sub && ln -s x /tmp/lnk/sym && echo hi >/tmp/lnk/f && chmod 600 /tmp/lnk/f') \
	>"$SCRATCH/abslink.out" 2>&1
has "mkdir through a link to /tmp: the directory it made" \
	'"ev":"mkdir","path":"$TMP/lnk/sub","perm":"0777","res":"ok","after":{"type":"dir"'
has "symlink through it: the link it made" \
	'"ev":"symlink","target":"x","path":"$TMP/lnk/sym","res":"ok","after":{"type":"symlink","perm":"0777","target":"x"}'
has "chmod through it: the file, its digest" \
	"\"ev\":\"chmod\",\"path\":\"\$TMP/lnk/f\",\"perm\":\"0600\",\"res\":\"ok\",\"after\":{\"type\":\"file\",\"perm\":\"0600\",\"size\":3,\"digest\":\"$(printf 'hi\n' | xxhsum -H2 | cut -d' ' -f1)\"}"
# (a temp name is one made directly under /tmp: a directory made below
# the link does not make the link's name one; mkdir /tmp/real does)
has "temp names: only what was made directly under /tmp" \
	'"ev":"symlink","target":"$TMP/{1}","path":"$TMP/lnk","res":"ok"'
# ... but a magic link under /proc (the shell's own cwd) is followed into
# the tracee, as the kernel follows it for the tracee.
(cd "$SCRATCH" && "$SR" -q -o "$SCRATCH/proclink.trace" -- /bin/sh -c 'mkdir /proc/$$/cwd/psub') \
	>"$SCRATCH/proclink.out" 2>&1
T=$SCRATCH/proclink.trace
check "mkdir through /proc/PID/cwd: the directory it made" \
	grep -qE '"ev":"mkdir","path":"/proc/[0-9]+/cwd/psub","perm":"0777","res":"ok","after":\{"type":"dir"' "$T"

trace chdir
has "chdir moves relative paths" '"path":"$SRC/c1/in-c1.txt","mode":"w,create,new"'
has "fchdir moves relative paths" '"path":"$SRC/c2/in-c2.txt","mode":"w,create,new"'

trace net
has "connect: family and address" '"ev":"net","call":"connect","family":2,"addr":"127.0.0.1:9","res":"ECONNREFUSED"'

trace random
has "getrandom is a nondeterminism source" '"ev":"random","call":"getrandom"'
has "so is a read of /dev/urandom" '"ev":"random","call":"open","path":"/dev/urandom"'

# One process with more records than the canonicalizer's buffer: its
# runs sorted in pieces on disk and merged back, its randomness gathered
# before its exit, as when it fits in memory.
trace many
mv "$T" "$SCRATCH/many-mem.trace"
(cd "$W" && rm -f there-* middle && "$SR" --canon-buffer=4K -o "$T" \
	--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" many) >/dev/null 2>&1
is "many records: exit status" "$?" 0
check "many records, sorted on disk: the same trace as in memory" cmp "$SCRATCH/many-mem.trace" "$T"
disk=$(grep -o '"sorted_on_disk": [0-9]*' "$T.meta.json" | grep -o '[0-9]*$')
check "many records: the process was sorted on disk" test "${disk:-0}" -ge 1
is "many records: every probe is there once" "$(grep -c '"ev":"probe","path":"$SRC/\(odd\|even\)-' "$T")" 400
is "many records: each randomness source once" "$(grep -c '"ev":"random"' "$T")" 1
check "many records: a run's probes merged into byte order" sh -c \
	"grep '\"ev\":\"probe\"' '$T' | grep -o 'there-[0-9]*\"' | head -n 600 | LC_ALL=C sort -c"

# The same for a threaded process (two execs of six threads probing,
# each run split by a write of its own, two of them alike): held back
# thread by thread in pieces, the threads put in the order of what they
# did after the leader's events, as in memory.
trace many-threads
mv "$T" "$SCRATCH/many-threads-mem.trace"
(cd "$W" && rm -f mid-* && "$SR" --canon-buffer=4K -o "$T" \
	--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" many-threads) >/dev/null 2>&1
is "many records in threads: exit status" "$?" 0
check "many records in threads, sorted on disk: the same trace as in memory" \
	cmp "$SCRATCH/many-threads-mem.trace" "$T"
disk=$(grep -o '"sorted_on_disk": [0-9]*' "$T.meta.json" | grep -o '[0-9]*$')
check "many records in threads: the process was sorted on disk" test "${disk:-0}" -ge 1
is "many records in threads: every probe is there once" \
	"$(grep -c '"ev":"probe","path":"$SRC/there-' "$T")" 3600
is "many records in threads: both execs' threads' writes" \
	"$(grep -c '"ev":"open","path":"$SRC/mid-[0-3]","mode":"w' "$T")" 8

# A ring wrapped around, records of every length (each takes the 64-byte
# units its path needs; one that would not fit before the ring's end
# goes to its start after a pad): every one read, none refused, and the
# trace the same as with a ptrace stop for each call.
trace wrap
is "ring wrapped: exit status" "$ST" 0
is "ring wrapped: every probe is there" "$(grep -c '"ev":"probe","path":"$SRC/w[0-9]*-' "$T")" 5000
in_proc=$(sed -n 's/.*"in_process": \([0-9]*\).*/\1/p' "$T.meta.json")
check "ring wrapped: recorded in-process ($in_proc records)" test "${in_proc:-0}" -ge 5000
is "ring wrapped: no record refused" "$(sed -n 's/.*"in_process_rejected": \([0-9]*\).*/\1/p' "$T.meta.json")" 0
mv "$T" "$SCRATCH/wrap-pre.trace"
(cd "$W" && "$SR" --no-preload -o "$T" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" wrap) >/dev/null 2>&1
check "ring wrapped: the same trace as with a stop for each call" cmp "$SCRATCH/wrap-pre.trace" "$T"

trace readdir
names_digest=$(printf 'a\0b\0' | xxhsum -H2 - 2>/dev/null | cut -d' ' -f1)
has "a directory listing: the digest of its sorted names" \
	"\"ev\":\"readdir\",\"path\":\"\$SRC/listed\",\"res\":\"ok\",\"digest\":\"$names_digest\""

trace uring
has "io_uring_setup is recorded as untraceable" '"ev":"untraceable","call":"io_uring_setup"'
like "... and the run warns that the delta may miss what it did" "$(cat "$SCRATCH/uring.out")" \
	"^sandrun: warning: 1 operation could not be recorded \(\"untraceable\" events in $T\): the delta may miss what it did\$"
check "a run with nothing untraceable has no such warning" \
	sh -c "! grep -q 'could not be recorded' '$SCRATCH/clone3.out'"

trace signal
is "a process killed by a signal: sandrun exits 128+11" "$ST" 139
has "the trace names the signal" '{"p":"1","ev":"exit","signal":"SIGSEGV"}'
has "and the trace is complete, with the exit code" '{"end":"complete","exit":139,'

trace write-exit
has "a file still open at exit is digested then" \
	"\"ev\":\"wrote\",\"path\":\"\$SRC/left-open.txt\",\"digest\":\"$(xxh "$W/left-open.txt")\""
has "and the process's exit" '{"p":"1","ev":"exit","status":0}'
trace write-signal
is "write-signal: killed by SIGABRT" "$ST" 134
has "a file still open when a signal kills its writer is digested then" \
	"\"ev\":\"wrote\",\"path\":\"\$SRC/left-open.txt\",\"digest\":\"$(xxh "$W/left-open.txt")\""
has "and the exit names the signal" '{"p":"1","ev":"exit","signal":"SIGABRT"}'
trace seccomp-kill
is "seccomp-kill: killed by its own filter (SIGSYS)" "$ST" 159
has "its exit event names the signal (no signal stop came before it)" '{"p":"1","ev":"exit","signal":"SIGSYS"}'
# The exits of a process without exec stops: the same traces as with
# every stop (--no-seccomp-notify).
for mode in write-exit write-signal seccomp-kill; do
	rm -f "$SCRATCH/w-$mode/left-open.txt"
	(cd "$SCRATCH/w-$mode" && "$SR" -q --no-seccomp-notify -o "$SCRATCH/$mode-off.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" "$mode") >/dev/null 2>&1
	check "$mode: the same trace with every stop" cmp -s "$SCRATCH/$mode.trace" "$SCRATCH/$mode-off.trace"
done
# A process killed by SIGKILL stops at its exit all the same: its exit
# event, and its exec's (seen there).
W=$SCRATCH/w-kill9; mkdir -p "$W"
(cd "$W" && "$SR" -q -o "$SCRATCH/kill9.trace" -- \
	sh -c 'sh -c "exec sleep 9" & sleep 0.3; kill -9 $!; wait') >/dev/null 2>&1
check "a process killed by SIGKILL: its exit event" \
	grep -q '{"p":"1.1","ev":"exit","signal":"SIGKILL"}' "$SCRATCH/kill9.trace"
check "and its exec's" grep -q '{"p":"1.1","ev":"exec","path":"/usr/bin/sleep"\|{"p":"1.1","ev":"exec","path":"/bin/sleep"' "$SCRATCH/kill9.trace"

# With notifications, a process's one thread has no exit stop: its exit
# and exit_group are notifications (tracer/exits.c).  What ends a
# process otherwise: SIGKILL, which stops nowhere; and pid 1's kill of
# what the command left, before which each gets its exit stop back.
# shtrace NAME [OPTION...]: sh -c "$script" in a fresh tree, the trace in $T.
shtrace() {
	local name=$1
	shift
	W=$SCRATCH/sh-$name
	T=$SCRATCH/sh-$name.trace
	rm -rf "$W"
	mkdir -p "$W"
	(cd "$W" && "$SR" -q -o "$T" "$@" -- /bin/sh -c "$script") >"$SCRATCH/sh-$name.out" 2>&1
	ST=$?
}
# (the trace but its last line, which counts the events, and the note)
body() { grep -v '^{"end":\|"path":"sandrun:killed"' "$1"; }
script='exec 3>left-open.txt; echo data >&3; kill -KILL $$'
shtrace killed
is "a shell that SIGKILLs itself: sandrun exits 128+9" "$ST" 137
has "the file it left open for writing is digested (by its path: its fds are gone)" \
	"\"ev\":\"wrote\",\"path\":\"\$SRC/left-open.txt\",\"digest\":\"$(xxh "$W/left-open.txt")\""
has "and its exit names the signal" '{"p":"1","ev":"exit","signal":"SIGKILL"}'
if [ "$(sed -n 's/.*"notification": \([0-9]*\).*/\1/p' "$T.meta.json")" -gt 0 ]; then
	has "what it recorded since its last stop is lost: the trace says so" \
		'{"p":"1","ev":"untraceable","call":"exit","path":"sandrun:killed","res":"ok"}'
else
	skip "no seccomp notifications here: every process stops at its exit"
fi
cp "$T" "$SCRATCH/killed-on.trace"
shtrace killed --no-seccomp-notify
check "with every stop, the same trace but for that note" \
	cmp -s <(body "$SCRATCH/killed-on.trace") <(body "$T")
check "and no note there" sh -c "! grep -q sandrun:killed '$T'"
# A subshell the command leaves behind, with a file open for writing,
# blocked on a fifo nobody writes: pid 1 kills it at the end.
script='mkfifo up never; (exec 3>left-open.txt; echo data >&3; echo >up; read x <never) & read x <up'
shtrace left
is "a command that leaves a subshell behind: its status" "$ST" 0
has "the subshell's exit: SIGKILL, from pid 1" '{"p":"1.2","ev":"exit","signal":"SIGKILL"}'
has "the file it had open for writing is digested" \
	"\"ev\":\"wrote\",\"path\":\"\$SRC/left-open.txt\",\"digest\":\"$(xxh "$W/left-open.txt")\""
check "and nothing it recorded is lost: it stopped at its exit" sh -c "! grep -q sandrun:killed '$T'"
is "exit stops: the subshell's and pid 1's" \
	"$(sed -n 's/.*"stops_by".*"exit": \([0-9]*\).*/\1/p' "$T.meta.json")" 2
cp "$T" "$SCRATCH/left-on.trace"
shtrace left --no-seccomp-notify
check "the same trace with every stop" cmp -s "$SCRATCH/left-on.trace" "$T"
# A daemon whose vfork child was SIGKILLed runs again: what it reads
# then is recorded, though it took no stop since its vfork.
for m in on off; do
	W=$SCRATCH/w-vfork-killed-$m
	mkdir -p "$W"
	echo in >"$W/in.txt"
	(cd "$W" && "$SR" -q $([ $m = off ] && echo --no-seccomp-notify) \
		-o "$SCRATCH/vfork-killed-$m.trace" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- \
		"$SCRATCH/bin/sc" vfork-killed) >/dev/null 2>&1
done
T=$SCRATCH/vfork-killed-on.trace
has "a daemon whose vfork child was killed: its read after it" \
	'{"p":"1.1","ev":"open","path":"$SRC/in.txt","mode":"r","res":"ok"'
check "and the same trace with every stop (but the killed child's note)" \
	cmp -s <(body "$SCRATCH/vfork-killed-on.trace") <(body "$SCRATCH/vfork-killed-off.trace")
# A daemon left behind forking children as fast as it can, killed at the
# end with them: the run ends, and every process has its exit (children
# forked during the teardown, and ones whose parent was killed before
# its fork event came, included).
for i in 1 2 3 4 5; do
	W=$SCRATCH/w-fork-daemon-$i
	mkdir -p "$W"
	(cd "$W" && timeout -s KILL 60 "$SR" -q -o "$SCRATCH/fork-daemon-$i.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- \
		sh -c "'$SCRATCH/bin/sc' fork-daemon; sleep 0.01") >/dev/null 2>&1
	echo "$? $(grep -o '^{"proc":"[0-9.]*"' "$SCRATCH/fork-daemon-$i.trace" | cut -d'"' -f4 | sort -u |
		comm -23 - <(grep -o '{"p":"[0-9.]*","ev":"exit"' "$SCRATCH/fork-daemon-$i.trace" |
			cut -d'"' -f4 | sort -u) | tr '\n' ' ')"
done >"$SCRATCH/fork-daemon.res"
is "a daemon forking as it is killed: five runs end, each process with its exit" \
	"$(sort -u "$SCRATCH/fork-daemon.res")" "0 "
check "and it forked (more than 10 processes in each trace)" \
	sh -c "for f in '$SCRATCH'/fork-daemon-*.trace; do [ \$(grep -c '^{\"proc\"' \$f) -gt 10 ] || exit 1; done"
# An exit that a signal comes to while it waits for the tracer to take
# its notification (a handler without SA_RESTART): restarted, not failed
# with EINTR (glibc's _exit would then die of SIGSEGV).  A race: 40 runs
# (before the fix about one in twelve ran into it).
W=$SCRATCH/w-exit-signalled
mkdir -p "$W"
for i in $(seq 40); do
	(cd "$W" && "$SR" -q -o "$SCRATCH/exit-signalled.trace" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- \
		"$SCRATCH/bin/sc" exit-signalled) >/dev/null 2>&1
	echo $?
done >"$SCRATCH/exit-signalled.res"
is "an exit signals come to while it is notified: 40 runs exit with 7" \
	"$(sort -u "$SCRATCH/exit-signalled.res")" 7
is "and its exit is recorded" "$(grep -c '{"p":"1","ev":"exit","status":7}' "$SCRATCH/exit-signalled.trace")" 1

trace mt
is "exit_group with a thread still blocked: the status" "$ST" 3
has "and the process's exit is recorded" '{"p":"1","ev":"exit","status":3}'
has "and what it wrote" '"ev":"wrote","path":"$SRC/mt.txt"'

for i in 1 2 3; do
	trace threads
	mv "$T" "$SCRATCH/threads-$i.trace"
	rm -rf "$SCRATCH/w-threads"
done
check "four threads doing I/O: three traces byte-identical" \
	sh -c "cmp -s '$SCRATCH/threads-1.trace' '$SCRATCH/threads-2.trace' && cmp -s '$SCRATCH/threads-1.trace' '$SCRATCH/threads-3.trace'"
is "and every thread's writes are there" "$(grep -c '"ev":"wrote"' "$SCRATCH/threads-1.trace")" 80

# A kernel before 6.9 and 6.13, with no PIDFD_THREAD nor PIDFD_GET_INFO
# (`sc old-pidfd` refuses them to sandrun as such a kernel would): a new
# task's process and parent are read from /proc/TID/status instead, to
# the same traces.
is "sc old-pidfd: pidfd_open(PIDFD_THREAD) refused (EINVAL) as before Linux 6.9" \
	"$("$SCRATCH/bin/sc" old-pidfd perl -e 'print syscall(434, $$ + 0, 128) < 0 ? $! + 0 : "opened"')" \
	22
for mode in threads vfork thread-exec; do
	W=$SCRATCH/w-old-$mode
	mkdir -p "$W"
	(cd "$W" && env _="$SR" "$SCRATCH/bin/sc" old-pidfd "$SR" -o "$SCRATCH/old-$mode.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" "$mode") \
		>"$SCRATCH/old-$mode.out" 2>&1
	ref=$SCRATCH/$mode.trace
	[ "$mode" = threads ] && ref=$SCRATCH/threads-1.trace
	check "without PIDFD_GET_INFO: $mode's trace is the same" \
		cmp -s "$ref" "$SCRATCH/old-$mode.trace"
done

trace fchmodat2
if [ "$ST" = 77 ]; then
	skip "this kernel has no fchmodat2"
else
	has "fchmodat2 is traced" '"ev":"chmod","path":"$SRC/f2.txt","perm":"0600","res":"ok"'
fi

# A change through an fd that names no file (a memfd resized, a socket
# chmod-ed): recorded, with no path and no state after it, and the run
# goes on (the tracer crashed at the result before 2026-12-04).
trace memfd
is "memfd: exit status" "$ST" 0
has "memfd: its ftruncate, with no path" '"ev":"truncate","res":"ok"}'
is "memfd: its fchmod and the socket's, with no path" \
	"$(grep -c '"ev":"chmod","perm":"0600","res":"ok"}' "$T")" 2
has "memfd: what follows is traced" '"ev":"wrote","path":"$SRC/after.txt"'

# Paths the tracer cannot read (EFAULT) and fds that are not open (EBADF):
# each call recorded with the kernel's answer, and the run goes on.
trace badptr
is "bad pointers: exit status" "$ST" 0
has "bad pointers: a rename from an unreadable name" '"ev":"rename","to":"$SRC/to.txt","res":"EFAULT"}'
is "bad pointers: EFAULT for each of the 22 calls with a bad path, and the rename" \
	"$(grep -c '"res":"EFAULT"' "$T")" 23
has "bad pointers: what follows is traced" '"ev":"wrote","path":"$SRC/after.txt"'
has "an execveat with unknown flags: EINVAL, not ENOENT" \
	'"ev":"exec-fail","path":"$SRC/no-such-tool","res":"EINVAL"}'
has "an execveat relative to an fd that is not open: EBADF" \
	'"ev":"exec-fail","path":"/?unknown-fd/no-such-tool","res":"EBADF"}'
is "and one that climbs above that fd with \"..\": still named below the fd's mark" \
	"$(grep -c '"ev":"exec-fail","path":"/?unknown-fd/no-such-tool","res":"EBADF"}' "$T")" 2
has "a stat the same: EBADF, the kernel's answer" \
	'"ev":"probe","path":"/?unknown-fd/no-such-file","res":"EBADF"}'
has "an exec through a link to /proc/self/fd/50, a file being written: ETXTBSY" \
	'"ev":"exec-fail","path":"$SRC/busy","res":"ETXTBSY"}'
has "a stat through it: the file" '"ev":"probe","path":"$SRC/busy","res":"ok","type":"file"}'
has "a stat through a link to /proc/self/cwd: the directory" \
	'"ev":"probe","path":"$SRC/here","res":"ok","type":"dir"}'
has "an exec after \"..\" below a directory nobody may search: EACCES" \
	'"ev":"exec-fail","path":"$SRC/no-such-tool","res":"EACCES"}'
has "a stat of a missing name in it: EACCES" \
	'"ev":"probe","path":"$SRC/locked/no-such-file","res":"EACCES"}'
has "a stat in a cwd taken from an fd received over a socket: named as the kernel names it" \
	'"ev":"probe","path":"$SRC/sub/x","res":"ENOENT"}'
ref=$SCRATCH/badptr.trace
for opt in --no-preload --no-seccomp-notify; do
	W=$SCRATCH/w-badptr$opt; mkdir -p "$W"
	(cd "$W" && "$SR" $opt -q -o "$SCRATCH/badptr$opt.trace" \
		--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/sc" badptr) >/dev/null 2>&1
	is "bad pointers, $opt: exit status" "$?" 0
	check "bad pointers, $opt: the same trace" cmp -s "$ref" "$SCRATCH/badptr$opt.trace"
done

# Renames of trees the kernel will refuse to move (/, the read-only
# host's /usr, /proc, /sys): no walk below them first.
trace rename-refused
is "refused renames: exit status (nothing moved)" "$ST" 0
is "refused renames: each recorded with the kernel's refusal" \
	"$(grep -c '"ev":"rename".*"res":"E[A-Z]*"}' "$T")" 6
# (/proc/self's none: nothing under /proc has a state)
is "refused renames: before-states of the names alone, nothing below them" \
	"$(grep -c '"state":"before"' "$T")" 4

# Random calls of every syscall the tracer decodes, arguments drawn from
# a pool of good and bad names, fds and flags (tests/helpers/scfuzz): the
# run ends with the program's own status and a complete trace, in each of
# sandrun's ways of recording, and the three traces are the same byte for
# byte.  Each run in a fresh directory of the same name (the calls reach
# its parent: "d/../../x").  It found a crash at a memfd's ftruncate, one
# at a rename from an unreadable name, a walk of the whole filesystem
# before a rename of /, a wrong execveat result, the host's device nodes
# bound read-write, and, comparing the modes, exec results the tracer
# made up with ptrace stops: a link to /proc/self/fd/N (seed 38), a ".."
# below a directory nobody may search (9), a ".." above an fd that is not
# open (25), a path through /proc/self/fd/N to a file moved since (1056,
# 1307), a relative path in a cwd renamed since, a file in its place
# (1791), an execveat whose path it could not read taken for its dirfd's
# file, a miss answered at the entry where the kernel said EFAULT (3893).  Seeds with "more" call the probes beyond the stat family
# too (statfs, the xattr reads, ...).
for spec in 1 2 9 25 38 1056 1307 1791 3893 "3 more" "7 more"; do
	set -- $spec
	seed=$1${2:+-$2}
	for opt in "" --no-preload --no-seccomp-notify; do
		D=$SCRATCH/fz; W=$D/w
		rm -rf "$D"; mkdir -p "$W"
		# (its stdio files of the scratch's: it fchmods what fds it has,
		# and a /dev/null opened outside is the host's)
		: >"$D/in"
		(cd "$W" && timeout 300 "$SR" $opt -q -o "$SCRATCH/fuzz$seed$opt.trace" \
			--ro-bind="$SCRATCH/bin:$SCRATCH/bin" -- "$SCRATCH/bin/scfuzz" $1 1500 ${2:-}) \
			<"$D/in" >"$D/out" 2>"$D/err" 3>&- 4>&-
		is "fuzz seed $seed${opt:+ $opt}: the program's own exit status" "$?" 42
	done
	has_end=$(grep -c '"end":"complete"' "$SCRATCH/fuzz$seed.trace")
	is "fuzz seed $seed: a complete trace" "$has_end" 1
	for opt in --no-preload --no-seccomp-notify; do
		check "fuzz seed $seed $opt: the same trace as full recording" \
			cmp "$SCRATCH/fuzz$seed.trace" "$SCRATCH/fuzz$seed$opt.trace"
	done
done
chmod -R u+rwX "$SCRATCH/fz" 2>/dev/null

# Reading /proc/self/pagemap (a "regular file" of 256 GiB) must not
# make the tracer digest it: recorded in-process, or at a stop (the open
# the tracer sees itself), an open with no digest.  (Digested, it took
# ~50 s here, within the timeout: the trace says.)
W=$SCRATCH/w-pagemap; mkdir -p "$W"
for np in "" --no-preload; do
	(cd "$W" && timeout 60 "$SR" -q $np -o "$SCRATCH/pm$np.trace" -- head -c 8 /proc/self/pagemap) \
		>/dev/null 2>&1
	is "a read of /proc/self/pagemap${np:+ ($np)} finishes" "$?" 0
	is "... its open has no digest" \
		"$(grep -c '"path":"/proc/self/pagemap","mode":"r","res":"ok","type":"file"}' "$SCRATCH/pm$np.trace")" 1
done
# argv and the environment are read whole: strings side by side in one
# read, or one by one when they lie apart (a hole between them), and
# strings longer than a page.
A=$(printf 'a%.0s' $(seq 5000)) B=$(printf 'b%.0s' $(seq 300))
(cd "$W" && A=$A "$SR" -q -o "$SCRATCH/strv.trace" -- \
	sh -c '/bin/true "$1" $(seq 700) "$2"' sh "$A" "$B") >/dev/null 2>&1
is "long and many argv words: exit status" "$?" 0
T=$SCRATCH/strv.trace
has "long and many argv words: all of them, whole" \
	"\"argv\":[\"/bin/true\",\"$A\",\"$(seq -s '","' 700)\",\"$B\"]"
has "a long environment variable, whole" "\"A=$A\""
trace exec-spread
is "exec-spread: exit status" "$ST" 0
has "argv strings with a hole between them, and one longer than a page" \
	"\"argv\":[\"true\",\"left\",\"$(printf 'x%.0s' $(seq 5000))\"]"
# A path that ends at a page's last bytes, before a hole, is read whole;
# one that runs into the hole fails as it would (EFAULT) and is no crash.
trace path-edge
is "path-edge: exit status" "$ST" 0
has "a path at a page's end, opened for writing" '"path":"$SRC/edge.txt","mode":"w,create,trunc'
has "a path at a page's end, opened raw for reading" \
	"\"path\":\"\$SRC/edge.txt\",\"mode\":\"r\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$(printf 'edge\n' | xxh /dev/stdin)\""
(cd "$W" && "$SR" -q --no-preload -o "$SCRATCH/edge-np.trace" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" \
	-- "$SCRATCH/bin/sc" path-edge) >/dev/null 2>&1
is "path-edge with every path read at a stop: exit status" "$?" 0
T=$SCRATCH/edge-np.trace
has "path-edge, read at stops: the writing open" '"path":"$SRC/edge.txt","mode":"w,create,trunc'
W=$SCRATCH/w-pagemap
# A huge argv is bounded, not read whole.
(cd "$W" && timeout 60 "$SR" -q -o "$SCRATCH/argv.trace" -- sh -c '/bin/true $(seq 100000)') >/dev/null 2>&1
is "a 100000-word argv is traced in bounded time and memory" "$?" 0
# ... and an execve of 30000 pointers to one 128 KiB string (3.9 GB to
# read, which the kernel refuses: E2BIG) is read up to the 4 MiB bound:
# the tracer's reads counted, not timed (unbounded, ~960,000 of them in
# ~25 s here; bounded, ~1,100).
(cd "$W" && timeout 60 "$SR" -q -o "$SCRATCH/argv2.trace" -- perl -e '
	my $s = "x" x 131071; my $t = "/bin/true";
	my $a = pack("p", $t) . pack("p", $s) x 30000 . pack("Q", 0); my $e = pack("Q", 0);
	syscall(59, $t, $a, $e); print "$!\n"') >"$SCRATCH/argv2.out" 2>&1
is "an argv of 30000 pointers to one 128 KiB string: E2BIG, the run goes on" \
	"$?:$(cat "$SCRATCH/argv2.out")" "0:Argument list too long"
r=$(sed -n 's/.*"memory_reads": *\([0-9]*\).*/\1/p' "$SCRATCH/argv2.trace.meta.json")
check "... read up to 4 MiB, not 3.9 GB (${r:-no} memory reads)" test "${r:-999999}" -lt 10000

# Signals and group-stops pass through unchanged: a shell stops itself,
# a child wakes it with SIGCONT, a trap sees SIGUSR1.
W=$SCRATCH/w-stop; mkdir -p "$W"; T=$SCRATCH/stop.trace
t0=$(date +%s%N)
out=$(cd "$W" && timeout 20 "$SR" -o "$T" -- sh -c \
	'trap "echo got-usr1" USR1; (sleep 0.5; kill -CONT $$) & kill -STOP $$; kill -USR1 $$; echo resumed')
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "signals reach the tracee's traps, a stopped one resumes on SIGCONT" "$out" $'got-usr1\nresumed'
check "the group-stop held until SIGCONT came (${ms} ms >= 450)" test "$ms" -ge 450

# sha256 on request, as sha256sum prints it.
W=$SCRATCH/w-sha; mkdir -p "$W"; T=$SCRATCH/sha.trace
(cd "$W" && "$SR" -o "$T" --digest=sha256 -- sh -c 'echo sha > s.txt; cat s.txt >/dev/null') >/dev/null
has "--digest=sha256 names its algorithm" '"digest":"sha256"'
has "--digest=sha256 digests as sha256sum does" "\"digest\":\"$(sha256sum < "$W/s.txt" | cut -d' ' -f1)\""

# No pids, times or host paths in a canonical trace.
check "no host path of the tree in any trace" sh -c "! grep -lF '$SCRATCH/w-' $SCRATCH/*.trace"

# Determinism: make -j2 twice, and the same tree elsewhere.
make_tree() {
	mkdir -p "$1"
	cat > "$1/Makefile" <<'MK'
all: prog
gen.h:
	echo '#define GEN 42' > gen.h.tmp && mv gen.h.tmp gen.h
a.o: a.c gen.h
	$(CC) -c -o $@ a.c
b.o: b.c gen.h
	$(CC) -c -o $@ b.c
c.o: c.c gen.h
	$(CC) -c -o $@ c.c
prog: a.o b.o c.o
	$(CC) -o $@ a.o b.o c.o
clean:
	rm -f *.o prog gen.h
MK
	printf '#include "gen.h"\nint b(void);int c(void);\nint main(void){return b()+c()-2*GEN;}\n' > "$1/a.c"
	printf '#include "gen.h"\nint b(void){return GEN;}\n' > "$1/b.c"
	printf '#include "gen.h"\nint c(void){return GEN;}\n' > "$1/c.c"
}
if command -v cc >/dev/null && command -v make >/dev/null; then
	make_tree "$SCRATCH/one"
	make_tree "$SCRATCH/two/elsewhere"
	for i in 1 2 3; do
		make -s -C "$SCRATCH/one" clean
		(cd "$SCRATCH/one" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
			"$SR" --clean-env -o "$SCRATCH/j2-$i.trace" -- make -j2) >/dev/null 2>&1
	done
	(cd "$SCRATCH/two/elsewhere" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		"$SR" --clean-env -o "$SCRATCH/j2-other.trace" -- make -j2) >/dev/null 2>&1
	check "make -j2 built the program" test -x "$SCRATCH/one/prog"
	check "make -j2 traced twice: byte-identical traces" cmp "$SCRATCH/j2-1.trace" "$SCRATCH/j2-2.trace"
	check "and a third time" cmp "$SCRATCH/j2-1.trace" "$SCRATCH/j2-3.trace"
	# a random temp name looked up before it is created (mktemp -u, then
	# mkdir): numbered, and the sibling order does not depend on it
	for i in 1 2 3; do
		"$SR" -q -o "$SCRATCH/tu-$i.trace" -- sh -c 'for i in 1 2; do N=$i sh -c '"'"'d=$(mktemp -u); mkdir $d; echo $N > $d/x; cat $d/x; rm -r $d'"'"'; done' >/dev/null 2>&1
	done
	check "a temp name probed before its creation: byte-identical traces" \
		sh -c "cmp '$SCRATCH/tu-1.trace' '$SCRATCH/tu-2.trace' && cmp '$SCRATCH/tu-1.trace' '$SCRATCH/tu-3.trace'"
	# threads sharing work: which thread stat-ed what varies, the trace not
	if [ -x "$SCRATCH/bin/race_stat" ]; then
		for i in 1 2 3 4; do
			"$SR" -q -o "$SCRATCH/th-$i.trace" -- sh -c "a=\$('$SCRATCH/bin/race_stat' /A1 /A2 /A3 /A4 /A5 /A6; test -e /A); b=\$('$SCRATCH/bin/race_stat' /B1 /B2 /B3 /B4 /B5 /B6; test -e /B)" >/dev/null 2>&1
		done
		check "threads sharing work: byte-identical traces" sh -c "cmp '$SCRATCH/th-1.trace' '$SCRATCH/th-2.trace' && cmp '$SCRATCH/th-1.trace' '$SCRATCH/th-3.trace' && cmp '$SCRATCH/th-1.trace' '$SCRATCH/th-4.trace'"
	else
		skip "the race_stat helper is not built"
	fi
	check "the same build in another directory: byte-identical" cmp "$SCRATCH/j2-1.trace" "$SCRATCH/j2-other.trace"
	# Processes with more records than the canonicalizer's buffer are
	# sorted on disk, in pieces merged back: the same trace, byte for
	# byte (temp names, spawns, writes, exits), and the meta says so.
	make -s -C "$SCRATCH/one" clean
	(cd "$SCRATCH/one" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		"$SR" --clean-env --canon-buffer=4K -o "$SCRATCH/j2-disk.trace" -- make -j2) >/dev/null 2>&1
	check "make -j2 sorted on disk (--canon-buffer=4K): byte-identical" \
		cmp "$SCRATCH/j2-1.trace" "$SCRATCH/j2-disk.trace"
	disk=$(grep -o '"sorted_on_disk": [0-9]*' "$SCRATCH/j2-disk.trace.meta.json" | grep -o '[0-9]*$')
	mem=$(grep -o '"sorted_on_disk": [0-9]*' "$SCRATCH/j2-1.trace.meta.json" | grep -o '[0-9]*$')
	check "the meta counts the processes sorted on disk ($disk, and $mem by default)" \
		test "${disk:-0}" -ge 3 -a "${mem:-x}" = 0
	T=$SCRATCH/j2-1.trace
	# No event lost: every file the build left behind was written in the trace.
	has "make -j2: gen.h is written (as gen.h.tmp) with its digest" \
		"\"ev\":\"wrote\",\"path\":\"\$SRC/gen.h.tmp\",\"digest\":\"$(xxh "$SCRATCH/one/gen.h")\""
	for f in a.o b.o c.o prog; do
		has "make -j2: $f is an output with its digest" \
			"\"ev\":\"wrote\",\"path\":\"\$SRC/$f\",\"digest\":\"$(xxh "$SCRATCH/one/$f")\""
	done
	has "make -j2: the temp file renamed into place" '"ev":"rename","path":"$SRC/gen.h.tmp","to":"$SRC/gen.h","res":"ok"'
	has "temp names under \$TMP are numbered" '"path":"$TMP/{1}"'
else
	skip "no C compiler or make"
fi

# A real kbuild make modules: every process, every .ko with its digest.
KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
if [ -n "$KDIR" ] && command -v strace >/dev/null; then
	M=$SCRATCH/module
	mkdir -p "$M"
	cp "$TOP"/contrib/demo-module/{Kbuild,Makefile,hello.c,hello.h} "$M/"
	(cd "$M" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		"$SR" -o "$SCRATCH/kbuild.trace" -- make -C "$KDIR" M="$M" modules) >/dev/null 2>&1
	is "kbuild: make modules succeeds traced" "$?" 0
	T=$SCRATCH/kbuild.trace
	has "kbuild: hello.ko is an output with its digest" \
		"\"ev\":\"wrote\",\"path\":\"\$SRC/hello.ko\",\"digest\":\"$(xxh "$M/hello.ko")\""
	# The same build of a fresh copy natively under strace: as many
	# successful execs.
	N=$SCRATCH/module-native
	mkdir -p "$N"
	cp "$TOP"/contrib/demo-module/{Kbuild,Makefile,hello.c,hello.h} "$N/"
	(cd "$N" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		strace -f -qq -z -e trace=execve -e signal=none -o "$SCRATCH/kbuild.strace" \
		make -C "$KDIR" M="$N" modules) >/dev/null 2>&1
	native=$(grep -v 'resumed>' "$SCRATCH/kbuild.strace" | grep -c ' execve(')
	traced=$(grep -c '"ev":"exec",' "$T")
	is "kbuild: every process appears (execs: strace $native, sandrun $traced)" "$traced" "$native"
	has "kbuild: the trace is complete" '{"end":"complete","exit":0,'
	has "kbuild: roots are rewritten in argv words" '"argv":["nm","$SRC/.tmp_'
	bad=$(grep -oE '/[A-Za-z0-9_.]*[$](TMP|SRC)' "$T" | head -n 3)
	is "kbuild: but never inside another path" "$bad" ""
else
	skip "no kernel headers or no strace"
fi

# A compressed trace, and reading traces back.
W=$SCRATCH/w-zst; mkdir -p "$W"
(cd "$W" && "$SR" -o "$SCRATCH/z.trace.zst" -- sh -c 'echo z > z.txt') >/dev/null
is "a .zst trace is zstd" "$(zstd -dc "$SCRATCH/z.trace.zst" 2>/dev/null | head -c 24)" '{"format":"sandrun-trace'
out=$("$SR" show "$SCRATCH/z.trace.zst")
like "show reads a compressed trace" "$out" 'open +w,create,trunc,new \$SRC/z.txt'
is "a compressed trace's delta, folded as it was written, is the trace's" \
	"$("$SR" fold "$SCRATCH/z.trace.zst")" "$(cat "$SCRATCH/z.trace.zst.delta")"
# With no fold thread (its tee, a cookie stream, cannot be made in
# sandrun itself), the delta is folded from the trace written.  (An ASan
# build of sandrun wants its runtime first among the preloads: told not
# to mind.)
W=$SCRATCH/w-nofold; mkdir -p "$W"
(cd "$W" && LD_PRELOAD="$SCRATCH/bin/libsr-notee.so" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" "$SR" --clean-env \
	-o "$SCRATCH/nf.trace" -- sh -c 'echo n > n.txt') >/dev/null 2>&1
is "no fold thread: the run still succeeds" "$?" 0
like "no fold thread: the delta is written" "$(cat "$SCRATCH/nf.trace.delta" 2>/dev/null)" \
	'\$SRC/n.txt type=file'
is "no fold thread: the delta is the trace's" \
	"$("$SR" fold "$SCRATCH/nf.trace")" "$(cat "$SCRATCH/nf.trace.delta" 2>/dev/null)"
out=$("$SR" show --tree "$SCRATCH/vfork.trace")
like "show --tree: the child under its parent" "$out" $'1\n.*\n  1.1\n    true from-vfork'
out=$("$SR" show -p 1.1 "$SCRATCH/clone3.trace")
like "show -p: one process" "$out" 'exit +status 7'
check "show -p: only that process" sh -c "! echo '$out' | grep -q 'process 1\$'"
out=$("$SR" show --path='$SRC/sub/*' "$SCRATCH/dirfd.trace")
check "show --path: only matching paths" sh -c "! echo '$out' | grep -q ld.so"
like "show --path: the matching events" "$out" 'via-dup.txt'
# (clone3.trace has two processes, the child's file the only match)
is "show --path: a heading only for a process with a match" \
	"$("$SR" show --path='$SRC/from-clone3.txt' "$SCRATCH/clone3.trace" | grep '^process ')" \
	"process 1.1 (parent 1)"
check "show --path: no states heading without a matching state" \
	sh -c "! '$SR' show --path='/nowhere/*' '$SCRATCH/dirfd.trace' | grep -q '^states\|^process'"

head -n 5 "$SCRATCH/open.trace" > "$SCRATCH/truncated.trace"
"$SR" show "$SCRATCH/truncated.trace" >/dev/null 2>"$SCRATCH/err"
is "a truncated trace is bad input (123)" "$?" 123
like "and the error names the file and line" "$(cat "$SCRATCH/err")" "truncated.trace:5: truncated: the trace has no end record"
# A record past 64 MiB is refused before it is held whole (a small
# compressed file could ask for gigabytes).
{ head -n 2 "$SCRATCH/open.trace"; printf '{"p":"1","ev":"exec-fail","path":"/'
  head -c $((65 << 20)) /dev/zero | tr '\0' a; printf '","res":"ENOENT"}\n'; } |
	zstd -q -c > "$SCRATCH/long.trace.zst"
for sub in show fold lock; do
	"$SR" "$sub" "$SCRATCH/long.trace.zst" >/dev/null 2>"$SCRATCH/err"
	is "$sub: a record past 64 MiB is bad input (123)" "$?" 123
	like "$sub: ... said with its line" "$(cat "$SCRATCH/err")" "long.trace.zst:3: a record longer than 64 MiB"
done
# (cut after its kind: one cut before it is refused for that first)
sed '3s/.*/{"p":"1","ev":"open",/' "$SCRATCH/open.trace" > "$SCRATCH/corrupt.trace"
"$SR" show "$SCRATCH/corrupt.trace" >/dev/null 2>"$SCRATCH/err"
is "a corrupt line is bad input (123)" "$?" 123
like "with its line number" "$(cat "$SCRATCH/err")" "corrupt.trace:3: invalid JSON"
# (a record the readers skip unparsed, its braces where they belong;
# lock parses it: jansson says more)
n=$(grep -n -m1 '^{"p":' "$SCRATCH/open.trace" | cut -d: -f1)
sed "${n}s/.*/{\"p\":\"1\",\"ev\":\"probe\",\"path\":[1,}/" "$SCRATCH/open.trace" \
	> "$SCRATCH/skipped.trace"
for sub in fold lock "show --tree"; do
	# shellcheck disable=SC2086
	"$SR" $sub "$SCRATCH/skipped.trace" >/dev/null 2>"$SCRATCH/err"
	is "$sub: a corrupt record it skips is still bad input (123)" "$?" 123
	like "$sub: with its line and column" "$(cat "$SCRATCH/err")" \
		"skipped.trace:$n: invalid JSON.* \\(column 33\\)"
done
# a NUL byte, which jansson would take for the record's end
sed "${n}s/}\$/}\\x00x/" "$SCRATCH/open.trace" > "$SCRATCH/nul.trace"
"$SR" show "$SCRATCH/nul.trace" >/dev/null 2>"$SCRATCH/err"
is "a NUL byte in a record: 123" "$?" 123
like "... said so, with the line" "$(cat "$SCRATCH/err")" "nul.trace:$n: a NUL byte in a record"
sed '1s/"version":1/"version":2/' "$SCRATCH/open.trace" > "$SCRATCH/v2.trace"
"$SR" show "$SCRATCH/v2.trace" >/dev/null 2>"$SCRATCH/err"
is "an unknown version is refused (123)" "$?" 123
is "with a clear message" "$(cat "$SCRATCH/err")" \
	"sandrun: $SCRATCH/v2.trace:1: unsupported trace format version 2 (this sandrun reads version 1)"

# An interrupted run leaves a trace that says so.
W=$SCRATCH/w-kill; mkdir -p "$W"
(cd "$W" && exec "$SR" -o "$SCRATCH/killed.trace" -- sleep 30) &
pid=$!
for _ in $(seq 50); do [ -s "$SCRATCH/killed.trace" ] && break; sleep 0.1; done
kill -KILL "$pid"; wait "$pid" 2>/dev/null
has_k=$(tail -n 1 "$SCRATCH/killed.trace")
like "a killed sandrun leaves a trace marked incomplete" "$has_k" '"end":"incomplete"'
# (the kernel kills the sandbox's processes as its init goes, not before
# sandrun's wait returns: a moment for it)
check "and no sleep outlives it" sh -c \
	"for i in \$(seq 50); do pgrep -f 'sleep 30\$' >/dev/null || exit 0; sleep 0.1; done; exit 1"

# Written devices and files: only a regular file's content is a "wrote"
# (with and without the preload, the same events).
for pre in "" --no-preload; do
	W=$SCRATCH/w-dev$pre; mkdir -p "$W"
	mkfifo "$W/fifo"
	(cd "$W" && "$SR" $pre -o "$SCRATCH/dev$pre.trace" -- \
		sh -c 'echo a > /dev/null; echo b > out.txt; echo c 2>/dev/null >&2
		       exec 3<>/dev/null; echo d >&3; exec 3>&-
		       exec 4>reg.txt; echo e > /proc/self/fd/4; exec 4>&-
		       cat fifo > /dev/null & echo f > fifo; wait') >/dev/null 2>&1
	T=$SCRATCH/dev$pre.trace
	has "${pre:-preload}: /dev/null opened for writing" '"ev":"open","path":"/dev/null","mode":"w,create,trunc"'
	is "${pre:-preload}: no 'wrote' of /dev/null (nor of the FIFO)" \
		"$(grep -c '"ev":"wrote","path":"\(/dev/null\|\$SRC/fifo\)"' "$T")" 0
	has "${pre:-preload}: out.txt's content when closed" '"ev":"wrote","path":"$SRC/out.txt"'
	has "${pre:-preload}: a file written through /proc/self/fd is one written" \
		"\"ev\":\"wrote\",\"path\":\"\$SRC/reg.txt\",\"digest\":\"$(printf 'e\n' | xxhsum -H2 - 2>/dev/null | cut -d' ' -f1)\""
done
check "the same events with and without the preload" \
	cmp -s <(grep -v '"uuid"' "$SCRATCH/dev.trace") <(grep -v '"uuid"' "$SCRATCH/dev--no-preload.trace")

# A dup2 onto a writer that fails: the writer is still one, and its close
# has all that was written.
trace dup2-fails
has "a failed dup2 keeps its target a writer: its close has both writes" \
	"\"ev\":\"wrote\",\"path\":\"\$SRC/kept.txt\",\"digest\":\"$(printf 'one\ntwo\n' | xxhsum -H2 - 2>/dev/null | cut -d' ' -f1)\""

# dup2(fd, fd) of a writer (libc's, and a raw syscall's): nothing
# changes, and the tracer does not free the fd's path while copying it.
trace dup2-same
has "dup2(fd, fd) keeps a writer: its close has both writes" \
	"\"ev\":\"wrote\",\"path\":\"\$SRC/same.txt\",\"digest\":\"$(printf 'one\ntwo\n' | xxhsum -H2 - 2>/dev/null | cut -d' ' -f1)\""

# Observations between two changes are written in byte order
# (docs/trace-format.md), whatever order they were made in: here paths
# that share long prefixes, are prefixes of one another across 8-byte
# words, hold bytes above 0x7f, or are probed twice.
W=$SCRATCH/w-order
T=$SCRATCH/order.trace
mkdir -p "$W" && : > "$W/pqrs"
(cd "$W" && "$SR" -o "$T" -- sh -c 'for f in "$@"; do [ -e "$f" ]; done' sh \
	zz pqrstuvwxyz0 aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2 "$(printf '\xff')" dup p \
	aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa10 pqrstuvwxyz "$(printf '\303\251')" pq A \
	pqrs aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1 dup '~' pqr) >/dev/null 2>&1
obs=$(awk '/"p":"1","ev":"exec"/ { on = 1; next } /"p":"1","ev":"exit"/ { on = 0 }
	on && /"p":"1",/ { sub(/}$/, ""); print }' "$T")
is "observations: all 16 probes of the run are there" \
	"$(echo "$obs" | grep -c '"path":"$SRC/')" 16
if echo "$obs" | LC_ALL=C sort -c 2>/dev/null; then
	ok "observations: in byte order"
else
	not_ok "observations: in byte order"
	diag "$(echo "$obs" | grep -F '$SRC/' | cut -c1-100)"
fi

# An argv and an environment are put twice, for a key and to be written,
# and the same ones again in the next process (put_strv's memo): a temp
# name in them is written numbered every time, never in its key form.
W=$SCRATCH/w-memo
T=$SCRATCH/memo.trace
mkdir -p "$W"
(cd "$W" && "$SR" -o "$T" -- sh -c \
	'd=$(mktemp -d); export TD=$d; for i in 1 2; do sh -c "echo $d" >/dev/null; done') \
	>/dev/null 2>&1
is "temp names in argv and environment: numbered in both execs" \
	"$(grep -c '"argv":\["sh","-c","echo $TMP/{1}"\],"env":\[[^]]*"TD=$TMP/{1}"' "$T")" 2
is "temp names: never written in their key form" "$(grep -c '{}' "$T")" 0

# A full disk: the spool, or the trace itself, cannot be written. A
# one-line error, exit 125, the trace left as the placeholder that says
# the run did not finish, and no temporary file or spool left behind (the
# fold reading the trace as it is written must not wait for ever either).
D=$SCRATCH/full
mkdir -p "$D"
if mount -t tmpfs -o size=64k sandrun-full "$D" 2>/dev/null; then
	trap 'umount "$D"; rm -rf "$SCRATCH"' EXIT
	W=$SCRATCH/w-full
	mkdir -p "$W"
	printf 'i=0; while [ $i -lt 200 ]; do cat /etc/passwd /etc/group >/dev/null; i=$((i+1)); done\n' > "$W/run.sh"
	# (and one whose spool fills while it runs)
	printf 'for i in $(seq 300); do cat /etc/passwd > /dev/null; done\n' > "$W/run2.sh"
	full() {	# full SIZE [SCRIPT]: a run traced into a tmpfs of SIZE
		mount -o remount,size="$1" "$D" && rm -f "$D"/*
		# the last run's: a failed run must not leave them beside its trace
		echo stale > "$D/t.trace.delta" && echo stale > "$D/t.trace.meta.json"
		(cd "$W" && timeout 120 "$SR" -o "$D/t.trace" -- sh "${2:-run.sh}") >/dev/null \
			2>"$SCRATCH/full.err"
		FST=$?
	}
	full 64k
	is "full disk (the spool): exit 125" "$FST" 125
	is "full disk (the spool): one line, the errno" "$(cat "$SCRATCH/full.err")" \
		"sandrun: cannot write the trace spool in '$D': No space left on device"
	# (before: "Input/output error", the errno of no call)
	full 128k run2.sh
	is "full disk (the spool, while the build runs): one line, the write's errno" \
		"$(cat "$SCRATCH/full.err")" \
		"sandrun: cannot write the trace spool in '$D': No space left on device"
	full 64k
	like "full disk (the spool): the trace says the run did not finish" \
		"$(tail -n1 "$D/t.trace")" '"end":"incomplete"'
	is "full disk (the spool): nothing else left, not the last run's delta or metadata" \
		"$(ls "$D")" t.trace
	# the trace's own write: the smallest size whose run gets that far
	hit=
	for size in 1m 2m 3m 4m 5m 6m 8m 10m 12m; do
		full "$size"
		if grep -q "cannot write '$D/t.trace'" "$SCRATCH/full.err"; then hit=$size; break; fi
		[ "$FST" -eq 0 ] && break
	done
	if [ -n "$hit" ]; then
		is "full disk (the trace, $hit): exit 125" "$FST" 125
		is "full disk (the trace): one line" "$(wc -l < "$SCRATCH/full.err")" 1
		like "full disk (the trace): the errno" "$(cat "$SCRATCH/full.err")" 'No space left on device$'
		like "full disk (the trace): the placeholder stays" "$(tail -n1 "$D/t.trace")" \
			'"end":"incomplete"'
		is "full disk (the trace): nothing else left" "$(ls "$D")" t.trace
	else
		skip "no tmpfs size between 1 and 12 MB fails at the trace's own write here"
	fi
	umount "$D"
	trap 'rm -rf "$SCRATCH"' EXIT
else
	skip "cannot mount a tmpfs here (not root): no full-disk test"
fi

# Paths through the process's own /proc/self/cwd, /proc/thread-self/cwd,
# /proc/PID/cwd and /proc/self/root are the paths they name, in the trace
# and in its delta (they were recorded as /proc paths).
for opt in "" --no-preload --no-seccomp-notify; do
	W=$SCRATCH/w-proc-links$opt; T=$SCRATCH/proc-links$opt.trace
	mkdir -p "$W"
	(cd "$W" && "$SR" -q $opt -o "$T" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" \
		-- "$SCRATCH/bin/probes" proc-links) >/dev/null 2>&1
	is "proc-links${opt:+ $opt}: exit status" "$?" 0
	has "proc-links${opt:+ $opt}: the open through /proc/self/cwd" \
		'"ev":"open","path":"$SRC/pa","mode":"w,create,trunc,new","perm":"0644","res":"ok"'
	has "proc-links${opt:+ $opt}: the stat through /proc/self/root" \
		'"ev":"probe","path":"$SRC/pa","res":"ok","type":"file"'
	has "proc-links${opt:+ $opt}: the mkdir through /proc/thread-self/cwd" \
		'"ev":"mkdir","path":"$SRC/pd","perm":"0755","res":"ok"'
	has "proc-links${opt:+ $opt}: the rename" '"ev":"rename","path":"$SRC/pa","to":"$SRC/pd/pb","res":"ok"'
	has "proc-links${opt:+ $opt}: the read through /proc/PID/cwd" \
		"\"ev\":\"open\",\"path\":\"\$SRC/pd/pb\",\"mode\":\"r\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$(printf 'a\n' | xxh /dev/stdin)\""
	is "proc-links${opt:+ $opt}: no path of the build's left under /proc" \
		"$(grep -c '"path":"/proc/[^"]*p[abd]' "$T")" 0
	is "proc-links${opt:+ $opt}: the delta has the directory and the file (it was empty)" \
		"$(grep -c '^\$SRC/pd\(/pb\)* type=' "$T.delta")" 2
done

# A ".." after a magic link climbs from its target, /dev/stdout is fd 1,
# and /proc/self/fd/N of an fd received over a socket is its file: the
# changes made so are in the delta, at their paths (they were recorded
# under /proc/self, /dev/stdout, or as the parent's: missed).
for opt in "" --no-preload --no-seccomp-notify; do
	W=$SCRATCH/w-magic-up$opt; T=$SCRATCH/magic-up$opt.trace
	mkdir -p "$W" && printf 'so\n' > "$W/so" && printf 'rx\n' > "$W/rx"
	(cd "$W" && "$SR" -q $opt -o "$T" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" \
		-- "$SCRATCH/bin/probes" magic-up) >/dev/null 2>&1
	is "magic-up${opt:+ $opt}: exit status" "$?" 0
	is "magic-up${opt:+ $opt}: what a '..' after /proc/self/cwd, /dev/fd/N made is in the delta" \
		"$(grep -o '^\$SRC/sub[^ ]* type=[a-z]*' "$T.delta" | tr '\n' ' ')" \
		'$SRC/sub type=dir $SRC/sub/deep type=dir $SRC/sub/md type=dir $SRC/sub/mx type=file $SRC/sub/my type=file '
	like "magic-up${opt:+ $opt}: a file rewritten through /dev/stdout" "$(cat "$T.delta")" \
		"\\\$SRC/so type=file mode=0644 size=10 xxh128digest=$(printf 'rewritten\n' | xxh /dev/stdin)"
	like "magic-up${opt:+ $opt}: one through a received fd's /proc/self/fd/N" "$(cat "$T.delta")" \
		"\\\$SRC/rx type=file mode=0644 size=9 xxh128digest=$(printf 'received\n' | xxh /dev/stdin)"
	is "magic-up${opt:+ $opt}: no path left under /proc/self or /dev/std*" \
		"$(grep -c '"path":"/proc/\(self\|thread-self\)/\|"path":"/dev/std' "$T")" 0
done

# A run without privileges whose build makes a directory unsearchable to
# its user: the tracer, that user outside, cannot look below it either.
# Its state is unknown, with the errno, and not made up as absent (a
# deletion).
if [ "$(id -u)" -eq 0 ] && require_sandbox user >/dev/null 2>&1; then
	U=$SCRATCH/w-noperm
	mkdir -p "$U/src/d" "$U/out" && echo x > "$U/src/d/f" && chmod 000 "$U/src/d"
	chown -R nobody:nogroup "$U" && chmod a+x "$SCRATCH"
	(cd "$U/src" && as user "$SR" -q -o "$U/out/t.trace" -- \
		sh -c 'chmod 700 d; echo y > d/f; chmod 000 d') 2>"$SCRATCH/noperm.err"
	is "unsearchable to the tracer: the run's status" "$?" 0
	check "... the file is not said to be deleted" sh -c "! grep -q 'd/f type=absent' '$U/out/t.trace.delta'"
	has_in() { grep -qF -- "$2" "$3" && ok "$1" || { not_ok "$1"; diag "no line with: $2"; }; }
	has_in "... its state after is unknown, with why" \
		'{"state":"after","path":"$SRC/d/f","res":"EACCES"}' "$U/out/t.trace"
	like "... and the run says its delta leaves it out" "$(cat "$SCRATCH/noperm.err")" \
		'the state of 1 path could not be taken .*: the delta leaves it out'
else
	for i in 1 2 3 4; do skip "not root, or no sandbox for nobody here"; done
fi

# The filter: traced syscalls on all three entry points.
dump=$("$SR" filter --dump)
like "filter --dump: the x86_64 section" "$dump" 'filter for arch x86_64'
like "filter --dump: the i386 (int 0x80) section traces open (5)" \
	"$(echo "$dump" | awk '/arch x86 /{f=1} f' | grep -A2 'syscall "open" (5)')" 'TRACE'
like "filter --dump: the x32 section" "$dump" 'filter for arch x32'
like "filter --list: io_uring_setup is in the table" "$("$SR" filter --list)" 'io_uring_setup +untraceable'
like "filter --list: i386's old readdir is a listing" "$("$SR" filter --list)" 'readdir +readdir +x86_64=-1 i386=89'
like "filter --list: i386's umount (not umount2) is untraceable" "$("$SR" filter --list)" 'umount +untraceable +x86_64=-1 i386=22'
# (i386's direct socket calls: the filter traces their numbers, and the
# tracer decodes them; before, it knew only socketcall's multiplexing,
# and --list said -1)
like "filter --list: i386's connect, by its own number" "$("$SR" filter --list)" \
	'connect +net +x86_64=42 i386=362 '
like "filter --dump: which the filter traces" "$dump" 'filter for syscall "connect" \(362\)'
like "filter --list: setxattrat, unknown to Debian 12's libseccomp, has its number" \
	"$("$SR" filter --list)" 'setxattrat +xattr +x86_64=463 i386=463'
like "filter --dump: and is traced ahead of libseccomp's program" "$dump" 'if \(\$syscall == 464\) action TRACE\(0\);  # getxattrat'

done_testing
