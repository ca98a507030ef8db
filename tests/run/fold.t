#!/bin/bash
# Folding: the completeness invariant apply(manifest(before), fold(trace))
# == manifest(after) on real builds, golden deltas for the hard cases,
# and bad input.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi
command -v xxhsum >/dev/null || skip_all "xxhsum is not installed (apt-get install xxhash)"

xxh() { xxhsum -H2 "$1" 2>/dev/null | cut -d" " -f1; }

# invariant NAME DIR CMD...: run CMD in DIR under sandrun (with the run
# options INV_OPTS) and check that the folded delta turns the manifest
# before into the one after.
invariant() {
	local name=$1 dir=$2; shift 2
	"$SR" manifest "$dir" > "$SCRATCH/$name.before"
	(cd "$dir" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
		"$SR" -q ${INV_OPTS:-} -o "$SCRATCH/$name.trace" -- "$@") >"$SCRATCH/$name.log" 2>&1
	is "$name: the build succeeds" "$?" 0
	"$SR" manifest "$dir" > "$SCRATCH/$name.after"
	"$SR" fold "$SCRATCH/$name.trace" > "$SCRATCH/$name.delta"
	"$SR" apply "$SCRATCH/$name.before" "$SCRATCH/$name.delta" > "$SCRATCH/$name.applied"
	if cmp -s "$SCRATCH/$name.applied" "$SCRATCH/$name.after"; then
		ok "$name: apply(manifest(before), fold(trace)) == manifest(after)"
	else
		not_ok "$name: apply(manifest(before), fold(trace)) == manifest(after)"
		diag "$(diff "$SCRATCH/$name.applied" "$SCRATCH/$name.after" | head -n 20)"
	fi
	check "$name: run wrote the same delta next to the trace" \
		cmp -s "$SCRATCH/$name.delta" "$SCRATCH/$name.trace.delta"
}

# A make -j2 C build: a generated header, a temp file renamed into place,
# a deleted intermediate, a symlink, a chmod.
T=$SCRATCH/cbuild
mkdir -p "$T"
cat > "$T/Makefile" <<'MK'
all: prog prog-link
gen.h:
	echo '#define GEN 42' > gen.h.tmp && mv gen.h.tmp gen.h
a.o: a.c gen.h
	$(CC) -c -o $@ a.c
b.i: b.c gen.h
	$(CC) -E -o $@ b.c
b.o: b.i
	$(CC) -c -x cpp-output -o $@ b.i && rm -f b.i
prog: a.o b.o
	$(CC) -o $@ a.o b.o && chmod 0750 $@
prog-link: prog
	ln -sf prog $@
clean:
	rm -f *.o prog prog-link gen.h b.i
.PHONY: clean
MK
printf '#include "gen.h"\nint b(void);\nint main(void){return b()-GEN;}\n' > "$T/a.c"
printf '#include "gen.h"\nint b(void){return GEN;}\n' > "$T/b.c"
if command -v cc >/dev/null; then
	invariant make-j2 "$T" make -j2
	check "make-j2: the intermediate b.i is not in the delta" sh -c "! grep -q 'b.i ' '$SCRATCH/make-j2.delta'"
	check "make-j2: gen.h.tmp renamed into place is not in the delta" sh -c "! grep -q 'gen.h.tmp' '$SCRATCH/make-j2.delta'"
	like "make-j2: the chmod shows" "$(grep '/prog ' "$SCRATCH/make-j2.delta")" 'mode=0750'
	like "make-j2: the symlink shows" "$(grep 'prog-link' "$SCRATCH/make-j2.delta")" 'type=link link=prog'
	# Scopes: the whole tree's replay equals the run's delta; one
	# compiler's subtree is its object file, its temp files folded away.
	tr=$SCRATCH/make-j2.trace
	is "fold --subtree 1 (replayed) equals the run's delta" \
		"$("$SR" fold -s 1 "$tr")" "$(cat "$SCRATCH/make-j2.delta")"
	# (what no event names, the other name of a file hard-linked to one
	# written, is in the run's states: --subtree 1's too)
	mkdir -p "$SCRATCH/hl"
	echo a > "$SCRATCH/hl/a"
	ln -f "$SCRATCH/hl/a" "$SCRATCH/hl/b"
	(cd "$SCRATCH/hl" && "$SR" -q -o "$SCRATCH/hl.trace" -- sh -c 'echo more >> a') 2>/dev/null
	like "a hard link's other name: in the run's delta" "$("$SR" fold "$SCRATCH/hl.trace")" \
		'\$SRC/b type=file'
	is "... and fold --subtree 1 equals it" \
		"$("$SR" fold -s 1 "$SCRATCH/hl.trace")" "$("$SR" fold "$SCRATCH/hl.trace")"
	cc_id=$("$SR" show --tree "$tr" | grep -B1 -- '^ *cc -c -o a.o a.c$' | head -n1 | tr -d ' ')
	is "fold --subtree of the a.c compile: only a.o" \
		"$("$SR" fold -s "$cc_id" "$tr" | tail -n +2 | cut -d' ' -f1)" '$SRC/a.o'
	mv_id=$("$SR" show --tree "$tr" | grep -B1 -- '^ *mv gen.h.tmp gen.h$' | head -n1 | tr -d ' ')
	# (a subtree is its id and what is below it: 1.1 is not 1.10)
	mkdir -p "$SCRATCH/ten"
	(cd "$SCRATCH/ten" && "$SR" -q -o "$SCRATCH/ten.trace" -- \
		sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sh -c "echo \$0 > f\$0" $i; done')
	is "fold --subtree 1.1 is not 1.10's too" \
		"$("$SR" fold -s 1.1 "$SCRATCH/ten.trace" | tail -n +2 | cut -d' ' -f1)" '$SRC/f1'
	# (a directory made and removed by one process, then by another: the
	# first's subtree changed nothing either)
	mkdir -p "$SCRATCH/mkrm"
	(cd "$SCRATCH/mkrm" && "$SR" -q -o "$SCRATCH/mkrm.trace" -- \
		sh -c 'sh -c "mkdir d; rmdir d"; sh -c "mkdir d; rmdir d"')
	is "fold --subtree of a mkdir and rmdir that another process repeats: no line" \
		"$("$SR" fold -s 1.1 "$SCRATCH/mkrm.trace" | tail -n +2)" ""
	is "fold --process of the mv: the rename" \
		"$("$SR" fold -p "$mv_id" "$tr" | tail -n +2 | cut -d' ' -f1,2 | tr '\n' ' ')" \
		'$SRC/gen.h type=file $SRC/gen.h.tmp type=absent '
	"$SR" fold -p 9.9 "$tr" >/dev/null 2>"$SCRATCH/err"
	is "fold --process of no such process: a usage error, as show -p's (124)" "$?" 124
	like "... named, as a usage error is" "$(head -n1 "$SCRATCH/err")" "^sandrun fold: .* has no process 9.9\$"
	is "... with where the help is" "$(sed -n 2p "$SCRATCH/err")" "Try 'sandrun fold --help' for more information."
	touch "$T/b.c"
	invariant incremental "$T" make -j2
	like "incremental: a delta, b.o in it modified... or the same (deterministic)" \
		"$(cat "$SCRATCH/incremental.delta")" '^#sandrun-delta 1 digest=xxh128$'
	# (a rebuild of a.o the same would fold away: the trace says whether
	# it was written)
	like "incremental: b.o was rebuilt" "$(cat "$SCRATCH/incremental.trace")" \
		'"ev":"wrote","path":"\$SRC/b\.o"'
	is "incremental: a.o was not" \
		"$(grep -c '"ev":"wrote","path":"$SRC/a.o"' "$SCRATCH/incremental.trace")" 0
	invariant clean "$T" make clean
	like "clean: removals are type=absent" "$(cat "$SCRATCH/clean.delta")" '\$SRC/a.o type=absent'
else
	skip "no C compiler"
fi

# chmod of a directory keeps what is below it; background writers that
# outlive the command are killed before the after-state is taken.
D=$SCRATCH/chmod-dir
mkdir -p "$D/d" && echo b > "$D/d/g"
invariant chmod-dir "$D" chmod 700 d
S=$SCRATCH/symlinks
mkdir -p "$S/r" && echo old > "$S/real" && ln -s real "$S/out" && ln -s r "$S/l" && \
	mkdir "$S/r2" && echo 1 > "$S/r2/a" && ln -s r2 "$S/l2" && \
	mkdir -p "$S/s/d" && ln -s s/d "$S/l4"
invariant symlinks "$S" sh -c 'echo new > out; echo x > l/f; mv l2 l3; echo y > l4/../g; chmod 700 .'
like "symlinks: a write through a link changes its target" "$(cat "$SCRATCH/symlinks.delta")" '\$SRC/real type=file'
like "symlinks: .. after a link is the link's target's parent" "$(cat "$SCRATCH/symlinks.delta")" '\$SRC/s/g type=file'
H=$SCRATCH/hardlinks
mkdir -p "$H/sub" && echo 1 > "$H/a" && ln "$H/a" "$H/sub/b"
invariant hardlinks "$H" sh -c 'echo 2 >> sub/b'
like "hardlinks: a write through one name changes the other" "$(cat "$SCRATCH/hardlinks.delta")" '\$SRC/a type=file'
# ... the other name however deep it is (40 directories down), and all
# of a file's names, found before the walk ends.
H=$SCRATCH/deeplinks
deep=$H/$(printf 'd/%.0s' $(seq 40))
mkdir -p "$deep" "$H/z" && echo 1 > "$H/a" && ln "$H/a" "$deep/deep" && ln "$H/a" "$H/z/last"
invariant deeplinks "$H" sh -c 'echo 2 >> a'
like "deep hard links: the name 40 directories down changed too" "$(cat "$SCRATCH/deeplinks.delta")" \
	'\$SRC/(d/){40}deep type=file'
like "... and the name after it" "$(cat "$SCRATCH/deeplinks.delta")" '\$SRC/z/last type=file'
# Links made in the run: a write through a dangling symlink made then
# makes its target; a path written once, then a link, written through
# again; a hard link made, then written through the new name, changes
# the old one.  (Before, the tracer took each path it had seen without a
# link for one for good: target, real/f and a were not in the delta.)
M=$SCRATCH/made-links
mkdir -p "$M/real" && echo 1 > "$M/a"
invariant made-links "$M" sh -c 'ln -s target dang && echo t > dang &&
	mkdir x && echo 0 > x/f && rm -r x && ln -s real x && echo f > x/f &&
	ln a b && echo 2 >> b'
for p in target real/f a; do
	like "made-links: $p in the delta" "$(cat "$SCRATCH/made-links.delta")" "\\\$SRC/$p type=file"
done
N=$SCRATCH/names
mkdir -p "$N"
invariant names "$N" bash -c $'echo > caf\xe9; echo > caf\xc3\xa9; echo > \'back\\slash\'; echo > \'a b\''
like "names: a non-UTF-8 name keeps its byte" "$(cat "$SCRATCH/names.delta")" 'caf\\351 type=file'
like "names: UTF-8 stays UTF-8, apart from it" "$(cat "$SCRATCH/names.delta")" 'caf\\303\\251 type=file'
# A change's relative path starts where the kernel says the process
# is, not where the tracer's account of its chdirs would put it: a
# directory entered through a link and "..", or renamed through another
# name since.
R=$SCRATCH/relbase
mkdir -p "$R/d/sub" && ln -s d/sub "$R/l"
invariant link-dotdot "$R" sh -c 'cd -P l/.. && echo new > x'
like "link-dotdot: the file is where the kernel put it" "$(cat "$SCRATCH/link-dotdot.delta")" '\$SRC/d/x type=file'
R2=$SCRATCH/relbase2
mkdir -p "$R2/a" && ln -s a "$R2/l"
invariant cwd-renamed "$R2" sh -c 'cd l && mv ../a ../b && echo new > x'
like "cwd-renamed: the file is in the directory's new name" "$(cat "$SCRATCH/cwd-renamed.delta")" '\$SRC/b/x type=file'
# A directory renamed with a tree deeper than 64 levels below it: every
# entry moves (the walk stopped at 64 levels).
DP=$SCRATCH/deep
mkdir -p "$DP/d/$(printf 'x/%.0s' $(seq 70))" && echo f > "$DP/d/$(printf 'x/%.0s' $(seq 70))f"
invariant deep-rename "$DP" mv d e
is "deep-rename: --subtree 1 (replayed) equals the run's delta, what the rename moved included" \
	"$("$SR" fold -s 1 "$SCRATCH/deep-rename.trace")" "$(cat "$SCRATCH/deep-rename.delta")"
# Writes to the sandbox's own /var/tmp, /run and /dev/shm are in the
# delta, outside its roots: apply takes the $SRC part and skips them.
V=$SCRATCH/private
mkdir -p "$V"
invariant private "$V" sh -c 'echo > /var/tmp/vt; echo > /run/r; echo > /dev/shm/s; echo x > hh'
like "private: /dev/shm's file in the delta, as a host path" "$(cat "$SCRATCH/private.delta")" '^/dev/shm/s type=file'
# A --tmpfs and a --bind of another directory inside the tree: what is
# written there is not the tree's after the run (before, the delta had
# it, and apply made files the tree never got); a file moved out of the
# tmpfs is.  So for the subtree's and a process's folds too.
MT=$SCRATCH/mounted
mkdir -p "$MT/scratch" "$MT/bnd" "$SCRATCH/elsewhere"
INV_OPTS="--tmpfs=$MT/scratch --bind=$SCRATCH/elsewhere:$MT/bnd" \
	invariant mounted "$MT" sh -c 'echo a > scratch/a; echo t > t; echo x > bnd/x; mv scratch/a moved'
is "mounted: the delta has what the tree got" "$(cut -d' ' -f1 "$SCRATCH/mounted.delta" | tr '\n' ' ')" \
	'#sandrun-delta $SRC/moved $SRC/t '
like "mounted: the header names the mount points" "$(head -1 "$SCRATCH/mounted.trace")" \
	',"mounted":\["\$SRC/scratch","\$SRC/bnd"\]\}$'
is "mounted: --subtree 1 is the run's delta" \
	"$("$SR" fold -s 1 "$SCRATCH/mounted.trace")" "$(cat "$SCRATCH/mounted.delta")"
is "mounted: the shell's own delta lacks what it wrote there" \
	"$("$SR" fold -p 1 "$SCRATCH/mounted.trace" | cut -d' ' -f1 | tr '\n' ' ')" '#sandrun-delta $SRC/t '
# ... named with a trailing slash, and a space (before: kept as typed,
# "$SRC/s p/", no path was below it; and fold compared it unescaped)
MS=$SCRATCH/mounted-sp
mkdir -p "$MS/s p"
(cd "$MS" && "$SR" -q --tmpfs="$MS/s p/" -o "$SCRATCH/mounted-sp.trace" -- \
	sh -c 'echo a > "s p/a"; echo t > t') >/dev/null 2>&1
is "mounted, 's p/': the run's delta" "$(cut -d' ' -f1 "$SCRATCH/mounted-sp.trace.delta" | tr '\n' ' ')" \
	'#sandrun-delta $SRC/t '
is "mounted, 's p/': the shell's own delta" \
	"$("$SR" fold -p 1 "$SCRATCH/mounted-sp.trace" | cut -d' ' -f1 | tr '\n' ' ')" '#sandrun-delta $SRC/t '
B=$SCRATCH/background
mkdir -p "$B"
invariant background "$B" sh -c 'for i in $(seq 12); do (echo $i > f$i) & done'

# A real kbuild make modules.
KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
if [ -n "$KDIR" ]; then
	M=$SCRATCH/module
	mkdir -p "$M"
	cp "$TOP"/contrib/demo-module/{Kbuild,Makefile,hello.c,hello.h} "$M/"
	invariant kbuild "$M" make -C "$KDIR" M="$M" modules
	like "kbuild: hello.ko is in the delta with its digest" \
		"$(grep 'hello.ko ' "$SCRATCH/kbuild.delta")" "xxh128digest=$(xxh "$M/hello.ko")"
	invariant kbuild-clean "$M" make -C "$KDIR" M="$M" clean
else
	skip "no kernel headers"
fi

# Golden deltas for the hard cases.
golden() {
	local name=$1 script=$2 want=$3 dir=$SCRATCH/g-$1
	mkdir -p "$dir"
	(cd "$dir" && sh -c "$4" 2>/dev/null)	# setup outside the sandbox
	(cd "$dir" && "$SR" -q -o "$SCRATCH/g-$name.trace" -- sh -c "$script") >/dev/null 2>&1
	out=$("$SR" fold "$SCRATCH/g-$name.trace")
	st=$?
	# {xxh:FILE} in the golden text is FILE's digest after the run.
	while [[ $want =~ \{xxh:([^}]*)\} ]]; do
		want=${want//"${BASH_REMATCH[0]}"/$(xxh "$dir/${BASH_REMATCH[1]}")}
	done
	# (the status and header too: an empty golden is what a failed fold
	# prints as well)
	is "golden: $name" "$st:$(head -n1 <<<"$out" | cut -d' ' -f1)
$(tail -n +2 <<<"$out")" "0:#sandrun-delta
$want"
}
golden rename-over 'echo new > a; mv a b' \
	'$SRC/a type=absent
$SRC/b type=file mode=0644 size=4 xxh128digest={xxh:b}' 'echo old > a; echo older > b'
golden delete-recreate 'rm f; echo same > f' '' 'echo same > f'
golden delete-recreate-other 'rm f; echo other > f' \
	'$SRC/f type=file mode=0644 size=6 xxh128digest={xxh:f}' 'echo same > f'
golden temp-churn 'for i in 1 2 3; do echo $i > t.$i; mv t.$i t.x; rm t.x; done; t=$(mktemp); echo x > $t; rm $t' '' ''
golden hard-link 'ln f g' '$SRC/g type=file mode=0644 size=2 xxh128digest={xxh:g}' 'echo h > f'
golden symlink 'ln -s target l; ln -sf other l' '$SRC/l type=link link=other' ''
golden chmod-only 'chmod 600 f' '$SRC/f type=file mode=0600 size=2 xxh128digest={xxh:f}' 'echo c > f'
golden two-writers 'echo one > f; sh -c "echo two >> f"' \
	'$SRC/f type=file mode=0644 size=8 xxh128digest={xxh:f}' ''
golden same-content 'echo same > f' '' 'echo same > f'
golden dir-rename 'mkdir d; echo x > d/x; mv d e' \
	'$SRC/e type=dir mode=0755
$SRC/e/x type=file mode=0644 size=2 xxh128digest={xxh:e/x}' ''

# Phases: before / match / after around a signing step.
P=$SCRATCH/phases
mkdir -p "$P"
printf '#!/bin/sh\ncat "$1" > "$1.signed" && echo SIG >> "$1.signed" && mv "$1.signed" "$1"\n' > "$P/sign.sh"
chmod +x "$P/sign.sh"
(cd "$P" && "$SR" -q -o "$SCRATCH/phases.trace" -- sh -c \
	'echo mod > m.ko; ./sign.sh m.ko; mkdir -p inst; cp m.ko inst/; echo other > unrelated.txt') >/dev/null 2>&1
out=$("$SR" fold --split-at='*/sign.sh' "$SCRATCH/phases.trace")
before=$(echo "$out" | sed -n '/^#phase before/,/^#phase match/p')
match=$(echo "$out" | sed -n '/^#phase match/,/^#phase after/p')
after=$(echo "$out" | sed -n '/^#phase after/,$p')
like "split-at: before has the unsigned module" "$before" "m.ko type=file mode=0644 size=4 "
like "split-at: the match has the signed module" "$match" "m.ko type=file mode=0644 size=8 xxh128digest=$(xxh "$P/m.ko")"
check "split-at: the signer's temp file folds away" sh -c "! echo '$match' | grep -q signed"
like "split-at: after has what read the signed module" "$after" 'inst/m.ko type=file'
check "split-at: unrelated work is not after" sh -c "! echo '$after' | grep -q unrelated"
like "split-at --checksum: one line per phase, sha256sum style" \
	"$("$SR" fold -c --split-at='*/sign.sh' "$SCRATCH/phases.trace" | cut -c65- | tr '\n' ' ')" \
	'^  before   match   after $'
"$SR" fold --split-at='*/nothing-like-this' "$SCRATCH/phases.trace" >/dev/null 2>"$SCRATCH/err"
is "split-at: a pattern that matches nothing is a usage error, as -p of no process" "$?" 124
is "... said, then where the help is" "$(cat "$SCRATCH/err")" \
	"sandrun fold: $SCRATCH/phases.trace: no process matches '*/nothing-like-this'
Try 'sandrun fold --help' for more information."

# Bad input.
"$SR" fold "$SCRATCH/nope.trace" 2>"$SCRATCH/err"
is "fold: a missing trace is an I/O error (125)" "$?" 125
head -n 3 "$SCRATCH/g-symlink.trace" > "$SCRATCH/short.trace"
"$SR" fold "$SCRATCH/short.trace" 2>"$SCRATCH/err"
is "fold: a truncated trace is bad input" "$?" 123
like "fold: with the line" "$(cat "$SCRATCH/err")" 'short.trace:3: truncated'
sed '1s/"version":1/"version":9/' "$SCRATCH/g-symlink.trace" > "$SCRATCH/v9.trace"
"$SR" fold "$SCRATCH/v9.trace" 2>"$SCRATCH/err"
is "fold: an unknown version is refused" "$?" 123
like "fold: and named" "$(cat "$SCRATCH/err")" 'v9.trace:1: unsupported trace format version 9'
printf 'not a manifest line with bad=keys\n' > "$SCRATCH/bad.mtree"
"$SR" apply "$SCRATCH/bad.mtree" "$SCRATCH/make-j2.delta" 2>"$SCRATCH/err"
is "apply: a line that is no manifest's is refused, with its line and word" \
	"$?:$(cat "$SCRATCH/err")" "123:sandrun: $SCRATCH/bad.mtree:1: bad keyword 'a'"
"$SR" manifest --digest=sha256 "$SCRATCH/g-symlink" > "$SCRATCH/sha.mtree"
"$SR" apply "$SCRATCH/sha.mtree" "$SCRATCH/make-j2.delta" 2>"$SCRATCH/err"
is "apply: a manifest of another digest is refused, both named" "$?:$(cat "$SCRATCH/err")" \
	"123:sandrun: '$SCRATCH/sha.mtree' and '$SCRATCH/make-j2.delta' use different digests (sha256, xxh128)"
# apply's inputs must be whole, in order, and well formed.
M=$SCRATCH/make-j2.before D=$SCRATCH/make-j2.delta
is "apply - DELTA: the manifest from standard input, the same" \
	"$("$SR" apply - "$D" < "$M")" "$("$SR" apply "$M" "$D")"
is "apply MANIFEST -: the delta from standard input, the same" \
	"$(cat "$D" | "$SR" apply "$M" -)" "$("$SR" apply "$M" "$D")"
apply_bad() {	# apply_bad WHAT STATUS PATTERN MANIFEST DELTA
	"$SR" apply "$4" "$5" >"$SCRATCH/out" 2>"$SCRATCH/err"
	is "apply: $1: $2" "$?" "$2"
	like "apply: $1: says so" "$(cat "$SCRATCH/err")" "^sandrun: $3"
	is "apply: $1: one line, no output" "$(wc -l < "$SCRATCH/err") $(wc -c < "$SCRATCH/out")" "1 0"
}
head -c -1 "$D" > "$SCRATCH/cut.delta"
apply_bad "a delta cut mid-line" 123 "$SCRATCH/cut.delta:[0-9]+: truncated line" "$M" "$SCRATCH/cut.delta"
apply_bad "the two swapped" 123 "'$D' is not a sandrun manifest \\(it is a delta\\)" "$D" "$M"
grep -v '^#' "$M" > "$SCRATCH/headless.mtree"
apply_bad "a manifest without its header" 123 "'$SCRATCH/headless.mtree' is not a sandrun manifest \\(it has no" \
	"$SCRATCH/headless.mtree" "$D"
sed -E '0,/xxh128digest=/s/xxh128digest=[0-9a-f]+/xxh128digest=12g4/' "$M" > "$SCRATCH/baddigest.mtree"
apply_bad "a malformed digest" 123 "$SCRATCH/baddigest.mtree:[0-9]+: bad keyword 'xxh128digest=12g4'" \
	"$SCRATCH/baddigest.mtree" "$D"
sed -E '0,/xxh128digest=/s/xxh128digest=[0-9a-f]+/sha256digest=aa/' "$M" > "$SCRATCH/otherdigest.mtree"
apply_bad "a digest of another algorithm than the header's" 123 \
	"$SCRATCH/otherdigest.mtree:[0-9]+: bad keyword 'sha256digest=aa'" "$SCRATCH/otherdigest.mtree" "$D"
# Neither a manifest nor what a delta makes of it may be no tree: an
# entry in a file or in nothing, no '.' (apply printed them).
{ head -n 2 "$D"; printf '%s\n' '$SRC/nowhere/deep type=dir mode=0755'; } > "$SCRATCH/orphan.delta"
apply_bad "a delta's entry in a directory that is not there" 123 \
	"'$SCRATCH/orphan.delta': the tree after the delta has './nowhere/deep' in './nowhere', which is not there" \
	"$M" "$SCRATCH/orphan.delta"
{ head -n 2 "$D"; printf '%s\n' '$SRC type=absent'; } > "$SCRATCH/noroot.delta"
apply_bad "a delta removing the tree's top" 123 \
	"'$SCRATCH/noroot.delta': the tree after the delta has no '.' directory" "$M" "$SCRATCH/noroot.delta"
f=$(grep -m1 ' type=file ' "$M" | cut -d' ' -f1)
{ head -n 2 "$D"; printf '%s\n' "\$SRC${f#.}/x type=dir mode=0755"; } > "$SCRATCH/infile.delta"
apply_bad "a delta's entry in a file" 123 "'$SCRATCH/infile.delta': .* in '$f', which is no directory" \
	"$M" "$SCRATCH/infile.delta"
{ cat "$M"; echo '.x type=dir mode=0755'; } > "$SCRATCH/dotx.mtree"
apply_bad "a path beside '.', not below it" 123 \
	"$SCRATCH/dotx.mtree:[0-9]+: '\\.x' is not '\\.' or below it" "$SCRATCH/dotx.mtree" "$D"
grep -v '^\. ' "$M" > "$SCRATCH/topless.mtree"
apply_bad "a manifest without '.'" 123 "'$SCRATCH/topless.mtree': the manifest has no '.'" \
	"$SCRATCH/topless.mtree" "$D"
sed 3p "$M" > "$SCRATCH/twice.mtree"
apply_bad "a path listed twice" 123 "$SCRATCH/twice.mtree:4: '.*' is listed twice" "$SCRATCH/twice.mtree" "$D"
# Lines no sandrun writes: another format version, no type, a key given
# twice, a size past 2^63, a path that climbs out or escapes badly, a
# link without its target.
mangle() {	# mangle NAME SED-EXPRESSION: the delta, changed
	sed -E "$2" "$D" > "$SCRATCH/$1.delta"
}
mangle v2 's/^#sandrun-delta 1 /#sandrun-delta 2 /'
apply_bad "a delta of format version 2" 123 "$SCRATCH/v2.delta:[0-9]+: unsupported format version" "$M" "$SCRATCH/v2.delta"
mangle notype '0,/ type=file/s/ type=file//'
apply_bad "an entry without type=" 123 "$SCRATCH/notype.delta:[0-9]+: '.*' has no type= keyword" "$M" "$SCRATCH/notype.delta"
mangle twokeys '0,/ mode=/s/ mode=([0-7]+)/ mode=\1 mode=0600/'
apply_bad "a key given twice" 123 "$SCRATCH/twokeys.delta:[0-9]+: keyword given twice: 'mode=0600'" "$M" "$SCRATCH/twokeys.delta"
mangle bigsize '0,/ size=/s/ size=[0-9]+/ size=99999999999999999999/'
apply_bad "a size past 2^63" 123 "$SCRATCH/bigsize.delta:[0-9]+: bad keyword 'size=99999999999999999999'" "$M" "$SCRATCH/bigsize.delta"
printf '$SRC/../etc/passwd type=absent\n' >> "$SCRATCH/climb.delta.tail"
{ cat "$D"; cat "$SCRATCH/climb.delta.tail"; } > "$SCRATCH/climb.delta"
apply_bad "a path with .." 123 "$SCRATCH/climb.delta:[0-9]+: bad path '\\\$SRC/\.\./etc/passwd'" "$M" "$SCRATCH/climb.delta"
{ cat "$D"; printf '$SRC/x\\9 type=absent\n'; } > "$SCRATCH/esc.delta"
apply_bad "a bad escape" 123 "$SCRATCH/esc.delta:[0-9]+: bad path" "$M" "$SCRATCH/esc.delta"
{ cat "$D"; printf '$SRC/l type=link mode=0777\n'; } > "$SCRATCH/nolink.delta"
apply_bad "a link without link=" 123 "$SCRATCH/nolink.delta:[0-9]+: '.*/l': link= goes with type=link" "$M" "$SCRATCH/nolink.delta"
{ head -n 2 "$M"; echo '/set type=file'; tail -n +3 "$M"; } > "$SCRATCH/set.mtree"
apply_bad "an mtree /set line" 123 "$SCRATCH/set.mtree:3: mtree '/set' lines are not supported" \
	"$SCRATCH/set.mtree" "$D"
{ tail -n +3 "$M"; head -n 2 "$M"; } > "$SCRATCH/late.mtree"
apply_bad "a header after the entries" 123 "$SCRATCH/late.mtree:[0-9]+: a #sandrun- header after the entries" \
	"$SCRATCH/late.mtree" "$D"
{ cat "$D"; echo '#sandrun-delta 1 digest=sha256'; } > "$SCRATCH/twohead.delta"
apply_bad "a second header" 123 "$SCRATCH/twohead.delta:[0-9]+: a #sandrun- header again" "$M" "$SCRATCH/twohead.delta"
{ cat "$D"; printf '/./x type=absent\n'; } > "$SCRATCH/hostdot.delta"
apply_bad "a path outside the roots with a . name" 123 "$SCRATCH/hostdot.delta:[0-9]+: bad path '/\\./x'" "$M" "$SCRATCH/hostdot.delta"
printf '%s\n' '{"format":"sandrun-trace","version":1}' > "$SCRATCH/json.delta"
apply_bad "a trace given as the delta" 123 \
	"$SCRATCH/json.delta:1: not a manifest or a delta \\(a JSON line: a trace\\? 'sandrun fold' makes its delta\\)" \
	"$M" "$SCRATCH/json.delta"
{ cat "$D"; printf '$FOO/x type=absent\n'; } > "$SCRATCH/foo.delta"
apply_bad "a root no trace has (\$FOO)" 123 "$SCRATCH/foo.delta:[0-9]+: '\\\$FOO/x' is under no root" \
	"$M" "$SCRATCH/foo.delta"
{ cat "$D"; printf '$SRC/nul type=absent\0 more\n'; } > "$SCRATCH/nul.delta"
apply_bad "a NUL byte in a delta's line" 123 "$SCRATCH/nul.delta:[0-9]+: a NUL byte \\(byte 21 of the line\\)" \
	"$M" "$SCRATCH/nul.delta"
{ cat "$M"; printf './n\0 type=file\n'; } > "$SCRATCH/nul.mtree"
apply_bad "... in a manifest's" 123 "$SCRATCH/nul.mtree:[0-9]+: a NUL byte \\(byte 4 of the line\\)" \
	"$SCRATCH/nul.mtree" "$D"
# A manifest's lines as sandrun manifest writes them, in their one
# spelling: what it never writes is refused, not taken for another path.
bad_mf() {	# bad_mf WHAT LINE PATTERN
	{ cat "$M"; printf '%s\n' "$2"; } > "$SCRATCH/bm.mtree"
	apply_bad "$1" 123 "$SCRATCH/bm.mtree:[0-9]+: $3" "$SCRATCH/bm.mtree" "$D"
}
bad_mf "a name escaped that mtree writes plain" './\141 type=file' "bad path '\./\\\\141'"
bad_mf "an escaped NUL" './a\000b type=file' "bad path '\./a\\\\000b'"
bad_mf "a byte not escaped (shown escaped)" "./e$(printf '\351') type=file" "bad path '\./e\\\\351'"
bad_mf "an absent path in a manifest" './gone type=absent' "'\./gone' is type=absent in a manifest"
bad_mf "a delta's root in a manifest" '$SRC/x type=file' "'\\\$SRC/x' is not '\.' or below it"
bad_mf "an empty mode" './m type=file mode=' "bad keyword 'mode='"
bad_mf "a mode past four digits (no wrap to 0644)" './m type=file mode=040000000644 size=1' \
	"bad keyword 'mode=040000000644'"
bad_mf "a size with a sign" './m type=file mode=0644 size=+3' "bad keyword 'size=\\+3'"
bad_mf "a size with a leading zero" './m type=file mode=0644 size=03' "bad keyword 'size=03'"
bad_mf "a file without mode= and size=" './m type=file' "'\./m' needs mode= and size="
bad_mf "a directory with a size" './m type=dir mode=0755 size=5' "'\./m' has a size= or digest"
{ cat "$D"; printf './d/g type=file mode=0755 size=9 xxh128digest=00000000000000000000000000000000\n'; } \
	> "$SCRATCH/noroot.delta"
apply_bad "a delta path under no root (not taken as the manifest's)" 123 \
	"$SCRATCH/noroot.delta:[0-9]+: '\./d/g' is under no root" "$M" "$SCRATCH/noroot.delta"
{ cat "$D"; printf '$src/x type=absent\n'; } > "$SCRATCH/lowroot.delta"
apply_bad "a delta path under a root that is no root's name" 123 \
	"$SCRATCH/lowroot.delta:[0-9]+: '\\\$src/x' is under no root" "$M" "$SCRATCH/lowroot.delta"
sed '2s/digest=[a-z0-9]*/digest=md5/' "$M" > "$SCRATCH/md5.mtree"
apply_bad "a manifest of an unknown digest" 123 "$SCRATCH/md5.mtree:2: unknown digest 'md5'" \
	"$SCRATCH/md5.mtree" "$D"
apply_bad "a directory as the delta" 125 "cannot open '$SCRATCH': Is a directory" "$M" "$SCRATCH"
apply_bad "a missing manifest" 125 "cannot open '$SCRATCH/nope': No such file" "$SCRATCH/nope" "$D"
c1=$("$SR" fold --checksum "$SCRATCH/g-symlink.trace")
c2=$("$SR" fold "$SCRATCH/g-symlink.trace" | sha256sum | cut -d' ' -f1)
is "fold --checksum is the SHA-256 of the delta" "$c1" "$c2"

# The run's "N files read": distinct files opened for reading and found.
# Two runs of the same programs, the first reading one file more, and
# reading again, failing to open, opening a directory and writing; the
# count differs by the one file.
R=$SCRATCH/reads
mkdir -p "$R/d"
echo a > "$R/a"; echo b > "$R/b"
reads() {
	(cd "$R" && "$SR" -o "$SCRATCH/reads.trace" -- /bin/sh -c "$1") 2>&1 >/dev/null |
		sed -n 's/.* process\(es\)\{0,1\}, \([0-9]*\) files\{0,1\} read,.*/\2/p'
}
n1=$(reads 'cat a; cat a b a; cat missing d; echo x > w; cat a </dev/null; true')
n0=$(reads 'cat a; cat a a; cat w2 2>/dev/null; true')
like "files read: counted" "$n1" '^[0-9]+$'
is "files read: each file once, whatever it was read again, failed or not a file" \
	"$n1" "$((n0 + 1))"

# Writes through the process's own magic links, however reached (a ".."
# through /proc/self, a symlink to /proc/self/fd/N), change the files
# they lead to, and the delta has them (it had states of
# "/proc/self/fd/N", absent, instead); /proc has no states at all (a
# write to a child's oom_score_adj was a removed file in the delta).
M=$SCRATCH/magic
mkdir -p "$M"
echo orig > "$M/f"
echo orig > "$M/g"
(cd "$M" && "$SR" -q -o "$SCRATCH/magic.trace" -- sh -c 'exec 3<f 4<g
	echo X >> /proc/self/../self/fd/3; ln -s /proc/self/fd/4 l; echo Y >> l
	sleep 0.1 & echo 0 > /proc/$!/oom_score_adj; wait')
is "writes through magic links: the files written" "$(cat "$M/f" "$M/g" | tr '\n' ' ')" "orig X orig Y "
d=$("$SR" fold "$SCRATCH/magic.trace" | grep -v '^#' | cut -d' ' -f1,2 | tr '\n' ' ')
is "... the files they lead to in the delta, nothing of /proc" "$d" \
	'$SRC/f type=file $SRC/g type=file $SRC/l type=link '
is "... no state under /proc" "$(grep -c '^{"state":.*"path":"/proc' "$SCRATCH/magic.trace")" 0

# The summary counts in words: one process is "1 process" (it said
# "1 processes").
one=$(cd "$R" && "$SR" -o "$SCRATCH/one.trace" -- /bin/true 2>&1 >/dev/null | grep '^sandrun: [0-9]')
like "summary: one process, in the singular" "$one" '^sandrun: 1 process, [0-9]+ files? read, '

# Inputs the fuzzers (make fuzz) once crashed on: now clean errors.
for f in "$TOP"/tests/fuzz/corpus/mtree/*; do
	[[ $(basename "$f") =~ ^[0-9a-f]{40}$ ]] && continue	# make fuzz's own
	"$SR" apply "$f" "$f" >/dev/null 2>&1
	st=$?
	check "apply survives fuzz input $(basename "$f") (exit $st)" test "$st" -eq 0 -o "$st" -eq 123
done
for f in "$TOP"/tests/fuzz/corpus/trace_read/*; do
	[[ $(basename "$f") =~ ^[0-9a-f]{40}$ ]] && continue
	"$SR" fold "$f" >/dev/null 2>&1
	st=$?
	check "fold survives fuzz input $(basename "$f") (exit $st)" test "$st" -eq 0 -o "$st" -eq 123
done

done_testing
