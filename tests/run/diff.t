#!/bin/bash
# sandrun diff: two runs of real builds under sandrun run, compared.  Each
# scenario changes one thing between the runs and checks that the report
# names it, the first process that saw it, and the output it reaches.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi
command -v cc >/dev/null || skip_all "no C compiler"

# A small C build: a generated source, a header found through -I, a
# system header, and a step that writes an environment variable out.
make_tree() {
	local t=$1
	mkdir -p "$t/inc1" "$t/inc2"
	cat > "$t/Makefile" <<'MK'
all: prog out.txt
gen.c:
	echo 'int gen(void){return 0;}' > gen.c
prog: a.c gen.c
	$(CC) -Iinc1 -Iinc2 -o prog a.c gen.c
out.txt:
	echo "id=$$BUILD_ID" > out.txt
MK
	echo '#define X 1' > "$t/inc2/x.h"
	printf '#include <limits.h>\n#include "x.h"\nint gen(void);\nint main(void){return gen() + X + CHAR_BIT;}\n' > "$t/a.c"
}

# build NAME DIR [sandrun options]: a clean build of DIR traced to NAME.trace
build() {
	local name=$1 dir=$2; shift 2
	rm -f "$dir/prog" "$dir/out.txt" "$dir/gen.c"
	(cd "$dir" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u OLDPWD \
		"$SR" -q --setenv BUILD_ID=1 "$@" -o "$SCRATCH/$name.trace" -- make -s) \
		>"$SCRATCH/$name.log" 2>&1
}

T=$SCRATCH/src
make_tree "$T"
build a "$T"
is "the build succeeds" "$?" 0
build a2 "$T"

# 5. the same build twice, and in another directory: equivalent.
out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/a2.trace")
is "same build twice: exit 0" "$?" 0
like "same build twice: says equivalent" "$out" 'are equivalent'
make_tree "$SCRATCH/elsewhere/src"
build moved "$SCRATCH/elsewhere/src"
out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/moved.trace")
is "the same build in another directory: exit 0 (equivalent)" "$?" 0
like "another directory: says equivalent" "$out" 'are equivalent'

# The same build as root and as an unprivileged user (when we are root):
# the same outputs; what differs is the users' environment, nothing else.
if [ "$(id -u)" -eq 0 ] && require_sandbox user >/dev/null 2>&1; then
	U=$SCRATCH/asuser/src
	owned_dir user "$U"
	owned_dir user "$SCRATCH/asuser/out"
	make_tree "$U"
	chown -R nobody:nogroup "$U"
	(cd "$U" && as user env HOME=/nonexistent "$SR" -q --clean-env -o "$SCRATCH/asuser/out/u.trace" -- make -s) >/dev/null 2>&1
	(cd "$T" && rm -f prog out.txt gen.c && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u OLDPWD "$SR" -q --clean-env \
		-o "$SCRATCH/root.trace" -- make -s) >/dev/null 2>&1
	out=$("$SR" diff "$SCRATCH/root.trace" "$SCRATCH/asuser/out/u.trace")
	like "root and an unprivileged user: the same outputs" "$out" 'differ in how they ran, not in their outputs'
	check "root and an unprivileged user: only environment variables differ" \
		sh -c '! echo "$1" | grep -E "^  [0-9]+\. " | grep -vq "environment variable"' _ "$out"
else
	skip "not root: cannot compare a run as root with one as another user"
	skip "not root: cannot compare a run as root with one as another user"
fi

# 1. a system header differs on one side (a modified copy bound over it).
H=/usr/include/limits.h
cp "$H" "$SCRATCH/limits.h"
echo 'int sandrun_changed_header = 7;' >> "$SCRATCH/limits.h"
build hdr "$T" --ro-bind "$SCRATCH/limits.h:$H"
out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/hdr.trace")
is "system header: exit 1 (differ)" "$?" 1
"$SR" diff --outputs "$SCRATCH/a.trace" "$SCRATCH/hdr.trace" >/dev/null
is "system header, --outputs: exit 1 (an output differs)" "$?" 1
first=$(echo "$out" | grep -A8 'Root causes' | sed -n 2p)
like "system header: the first root cause names the header" "$first" "1\\. $H was read with different content"
like "system header: and the compiler (cc1) that read it first" \
	"$(echo "$out" | grep -A8 'Root causes' | grep 'first seen by')" 'first seen by [0-9.]+ \(/usr/lib/gcc/[^ ]*/cc1 '
like "system header: and the output it reaches" "$out" 'reaches \$SRC/prog, written by'
like "system header: the linker is downstream, not a cause" "$out" 'Downstream: [1-9][0-9]* process'
like "system header: the chain from the compiler to the linker" "$out" 'through [0-9.]+ cc1 > [0-9.]+ as > .*[0-9.]+ (ld|collect2)'
check "system header: ld is not named a cause" sh -c '! echo "$1" | grep -q "first seen by .*/ld "' _ "$out"

# 1b. another dynamic loader (the programs' ELF interpreter, which no
# open of the build's reads): named, reaching no output.
ld=$(readelf -l "$(command -v make)" 2>/dev/null |
	sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if [ -n "$ld" ] && [ -f "$ld" ]; then
	cp "$(realpath "$ld")" "$SCRATCH/ld.so" && printf 'x' >> "$SCRATCH/ld.so"
	build ldr "$T" --ro-bind "$SCRATCH/ld.so:$(realpath "$ld")"
	out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/ldr.trace")
	is "another loader: exit 1 (differ)" "$?" 1
	like "another loader: the same outputs" "$out" 'differ in how they ran, not in their outputs'
	"$SR" diff --outputs "$SCRATCH/a.trace" "$SCRATCH/ldr.trace" >"$SCRATCH/o.out"
	is "another loader, --outputs: exit 0 (the outputs are the same), the same report" \
		"$?:$(cat "$SCRATCH/o.out")" "0:$out"
	like "another loader: named" "$out" "1\\. $ld was read with different content"
	like "another loader: first seen by make, then the others" "$out" \
		'first seen by 1 \(make -s\), and by [1-9][0-9]* more processes'
else
	skip "no readelf, or make has no ELF interpreter"
	skip "(same)"
	skip "(same)"
	skip "(same)"
fi

# 2. a header appears in an include directory on one side only.
echo '#define X 2' > "$T/inc1/x.h"
build found "$T"
rm -f "$T/inc1/x.h"
out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/found.trace")
is "header on one side: exit 1" "$?" 1
like "header on one side: names the probe and the path" "$out" \
	'1\. \$SRC/inc1/x\.h was looked up and found on one side only'
like "header on one side: not found on A" "$out" 'A: not found \(ENOENT\)'
like "header on one side: found on B" "$out" 'B: found file [0-9a-f]{32}'
like "header on one side: reaches prog" "$out" 'reaches \$SRC/prog'

# 3. an environment variable written into an output.
build env "$T" --setenv BUILD_ID=2
out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/env.trace")
is "environment: exit 1" "$?" 1
like "environment: names the variable" "$out" '1\. environment variable BUILD_ID differs'
is "environment: with both values" "$(echo "$out" | grep -A2 'BUILD_ID differs' | tail -n2 | tr -s ' ')" " A: 1
 B: 2"
like "environment: and the output it reaches" "$out" "reaches \\\$SRC/out\\.txt, written by [0-9.]+ \\(/bin/sh -c 'echo"
check "environment: prog is not among the differing outputs" \
	sh -c '! echo "$1" | grep -q "^  \\\$SRC/prog\$"' _ "$out"
# a variable set to "" and one not set are told apart
build envempty "$T" --setenv BUILD_ID=
build envunset "$T" --unsetenv BUILD_ID
out=$("$SR" diff "$SCRATCH/envempty.trace" "$SCRATCH/envunset.trace")
is "environment: empty against not set, told apart" \
	"$(echo "$out" | grep -A2 'BUILD_ID differs' | tail -n2 | tr -s ' ')" ' A: "" (set, empty)
 B: (not set)'
like "environment: ... and in --json, not set is null" \
	"$("$SR" diff --json "$SCRATCH/envempty.trace" "$SCRATCH/envunset.trace")" \
	'"what":"BUILD_ID","a":"","b":null'
# (a variable whose name another's begins with: BUILD_IDX is not BUILD_ID)
build envx "$T" --unsetenv BUILD_ID --setenv BUILD_IDX=2
out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/envx.trace")
is "environment: not set, not a longer name's prefix" \
	"$(echo "$out" | grep -A2 'BUILD_ID differs' | tail -n2 | tr -s ' ')" ' A: 1
 B: (not set)'
json=$("$SR" diff --json "$SCRATCH/a.trace" "$SCRATCH/env.trace")
like "--json: the cause, machine-readable" "$json" \
	'"causes":\[\{"kind":"env","what":"BUILD_ID","a":"1","b":"2","processes":\[\{"id":"1"'
like "--json: reaches" "$json" '"reaches":\["\$SRC/out.txt"\]'
if command -v python3 >/dev/null; then
	check "--json: is valid JSON" sh -c 'printf "%s" "$1" | python3 -m json.tool >/dev/null' _ "$json"
else
	skip "no python3 to validate JSON"
fi

# 3b. values with a quote and a backslash (escaped in the trace's
# environment, whose text diff compares without parsing it): the same
# value on both sides is no difference, another one is named.
build envq "$T" --setenv 'BUILD_ID=1"\'
build envq2 "$T" --setenv 'BUILD_ID=1"\'
build envq3 "$T" --setenv 'BUILD_ID=1"/'
out=$("$SR" diff "$SCRATCH/envq.trace" "$SCRATCH/envq2.trace")
is "escaped environment, the same: exit 0" "$?" 0
out=$("$SR" diff "$SCRATCH/envq.trace" "$SCRATCH/envq3.trace")
is "escaped environment, another value: exit 1" "$?" 1
# (a backslash is written \\ in a trace's strings: docs/trace-format.md)
is "escaped environment: the variable and both values" \
	"$(echo "$out" | grep -A2 'environment variable BUILD_ID differs' | tail -n2 | tr -s ' ')" \
	' A: 1"\\
 B: 1"/'
# --json gives the values as the trace's strings are (a backslash \\), not
# escaped once more.
if command -v python3 >/dev/null; then
	is "escaped environment: --json's values, as the trace spells them" \
		"$("$SR" diff --json "$SCRATCH/envq.trace" "$SCRATCH/envq3.trace" | python3 -c \
			'import json, sys; c = json.load(sys.stdin)["causes"][0]; print(c["a"], c["b"])')" \
		'1"\\ 1"/'
else
	skip "no python3 to read JSON"
fi

# A long command line is cut for the report at a character, not inside
# one: the report stays UTF-8.
U=$SCRATCH/utf8 && mkdir -p "$U"
cmd="echo $(printf '%0108d' 0)éééééééééé; echo \$V > out"
for v in 1 2; do
	(cd "$U" && "$SR" -q --setenv V=$v -o "$SCRATCH/u$v.trace" -- sh -c "$cmd") >/dev/null 2>&1
done
"$SR" diff "$SCRATCH/u1.trace" "$SCRATCH/u2.trace" > "$SCRATCH/u.out"
like "a long command line: cut" "$(cat "$SCRATCH/u.out")" '0000é* \.\.\.\)'
check "... at a character: the report is UTF-8" iconv -f UTF-8 -t UTF-8 "$SCRATCH/u.out" -o /dev/null

# The same environment spelt another way in the JSON (an escape where
# sandrun writes the character): no difference.
sed '/"ev":"exec"/s/"BUILD_ID=1"/"BUILD_ID=\\u0031"/' "$SCRATCH/a.trace" > "$SCRATCH/spelt.trace"
check "the environment spelt another way: the trace was changed" \
	grep -q 'BUILD_ID=\\u0031' "$SCRATCH/spelt.trace"
out=$("$SR" diff "$SCRATCH/a.trace" "$SCRATCH/spelt.trace")
is "the environment spelt another way: exit 0" "$?" 0
like "the environment spelt another way: equivalent" "$out" 'are equivalent'

# An empty string is a variable of the environment too: one more, first,
# is a difference.
sed '0,/"env":\[/s//"env":["",/' "$SCRATCH/a.trace" > "$SCRATCH/empty.trace"
check "an empty first variable: the trace was changed" grep -q '"env":\["",' "$SCRATCH/empty.trace"
"$SR" diff "$SCRATCH/a.trace" "$SCRATCH/empty.trace" >/dev/null
is "an empty first variable: a difference (exit 1)" "$?" 1

# 4. a step whose output differs with identical inputs: nondeterministic,
# and the compiler that reads its output is not blamed.
N=$SCRATCH/nondet
mkdir -p "$N"
cat > "$N/Makefile" <<'MK'
prog: a.c gen.c
	$(CC) -o prog a.c gen.c
gen.c:
	echo "int gen(void){return $$(od -An -N4 -tu4 /dev/urandom | tr -d ' ') & 0;}" > gen.c
MK
printf 'int gen(void);\nint main(void){return gen();}\n' > "$N/a.c"
(cd "$N" && env -u MAKEFLAGS -u OLDPWD "$SR" -q -o "$SCRATCH/n1.trace" -- make -s) >/dev/null 2>&1
rm -f "$N/gen.c" "$N/prog"
(cd "$N" && env -u MAKEFLAGS -u OLDPWD "$SR" -q -o "$SCRATCH/n2.trace" -- make -s) >/dev/null 2>&1
out=$("$SR" diff "$SCRATCH/n1.trace" "$SCRATCH/n2.trace")
is "nondeterministic: exit 1" "$?" 1
like "nondeterministic: the generator step is reported" "$out" \
	'1\. process [0-9.]+ saw identical inputs but did not produce identical results'
like "nondeterministic: with the randomness its pipeline drew" "$out" 'open /dev/urandom \(by [0-9.]+ /usr/bin/od\)'
like "nondeterministic: it reaches gen.c" "$out" 'reaches \$SRC/gen\.c'
# (a cause's process is on the line after its number, or three after,
# "first seen by"; as and ld are started by name, cc1 by its path)
check "nondeterministic: no compiler is named a root cause" \
	sh -c '! printf "%s" "$1" | grep -A3 -E "^  [0-9]+\. " | grep -Eq "\((/[^ ]*/)?(cc1|as|ld|collect2) "' _ "$out"
is "nondeterministic: one cause only" "$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1

# A generator whose output differs (the clock) feeding a compiler: only
# the generator is nondeterministic; cc1, as and ld are downstream.  (The
# nanoseconds behind a 1: a leading 0 made an octal number that an 8 or
# a 9 in it made no C, one time in ten.)
# gen_tree DIR RECIPE: prog made from a.c and gen.c, which RECIPE writes
# to its stdout; gen_build DIR TRACE [OPTION...]: a build of it from
# nothing, traced.
gen_tree() {
	mkdir -p "$1"
	printf 'prog: a.c gen.c\n\t$(CC) -o prog a.c gen.c\ngen.c:\n\t%s > gen.c\n' "$2" > "$1/Makefile"
	printf 'int gen(void);\nint main(void){return gen();}\n' > "$1/a.c"
}
gen_build() {
	local dir=$1 trace=$2
	shift 2
	rm -f "$dir/gen.c" "$dir/prog"
	(cd "$dir" && env -u MAKEFLAGS -u OLDPWD "$SR" -q "$@" -o "$trace" -- make -s) >/dev/null 2>&1
}
D=$SCRATCH/dated
gen_tree "$D" 'date +"int gen(void){return 1%N & 0;}"'
for i in 1 2; do gen_build "$D" "$SCRATCH/d$i.trace"; done
out=$("$SR" diff "$SCRATCH/d1.trace" "$SCRATCH/d2.trace")
check "a clock-dependent generator: no compiler, assembler or linker is a cause" \
	sh -c '! printf "%s" "$1" | grep -A3 -E "^  [0-9]+\. " | grep -Eq "\((/[^ ]*/)?(cc1|as|ld|collect2) "' _ "$out"
is "... one cause only" "$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1
like "a clock-dependent generator: the compile is downstream" "$out" 'Downstream: [1-9]'

# A variable that makes the generated source no C on one side: its
# compile fails there, and the driver (cc) stops and looks up its
# directories less; what it found is the same, so the variable is the one
# cause, and it reaches the program too (not cc's lookups).
D=$SCRATCH/badgen
gen_tree "$D" 'echo "int gen(void){return $$V & 0;}"'
for v in 1 08; do gen_build "$D" "$SCRATCH/bg$v.trace" --setenv=V=$v; done
out=$("$SR" diff "$SCRATCH/bg1.trace" "$SCRATCH/bg08.trace")
is "a failed compile on one side: exit 1, one cause, the variable" \
	"$?:$(echo "$out" | grep -E '^  [0-9]+\. ')" "1:  1. environment variable V differs"
like "... which reaches the program" "$out" '^               \$SRC/prog, written by '
# (a lookup that found a file on both sides, of other types: said so)
sed 's|"ev":"probe","path":"/usr/lib/gcc/x86_64-linux-gnu/12","res":"ok"|&,"type":"file"|' \
	"$SCRATCH/bg08.trace" > "$SCRATCH/bgtype.trace"
if cmp -s "$SCRATCH/bg08.trace" "$SCRATCH/bgtype.trace"; then
	skip "no untyped lookup of gcc's directory here to retype"
else
	out=$("$SR" diff "$SCRATCH/bg1.trace" "$SCRATCH/bgtype.trace" 2>&1)
	like "... a lookup that found other types: with different results, not on one side only" \
		"$out" 'was looked up with different results$'
	like "... each outcome said" "$out" '^       A: found \| found dir$'
fi

# A Makefile with one more target: the Makefile is the cause, not the
# extra lookups of cc along the PATH that the extra target makes.
M=$SCRATCH/extra
mkdir -p "$M"
echo 'int x;' > "$M/x.c"
echo 'int y;' > "$M/y.c"
printf 'all: x.o\nx.o: x.c\n\t$(CC) -c x.c\n' > "$M/Makefile"
(cd "$M" && env -u MAKEFLAGS -u OLDPWD "$SR" -q -o "$SCRATCH/m1.trace" -- make -s) >/dev/null 2>&1
rm -f "$M"/*.o
printf 'all: x.o y.o\nx.o: x.c\n\t$(CC) -c x.c\ny.o: y.c\n\t$(CC) -c y.c\n' > "$M/Makefile"
(cd "$M" && env -u MAKEFLAGS -u OLDPWD "$SR" -q -o "$SCRATCH/m2.trace" -- make -s) >/dev/null 2>&1
out=$("$SR" diff "$SCRATCH/m1.trace" "$SCRATCH/m2.trace")
like "an extra make target: the first cause is the Makefile" \
	"$(echo "$out" | grep -E '^  1\. ')" '1\. \$SRC/Makefile was read with different content'
is "an extra make target: the only cause" "$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1

# two_runs DIR NAME [BUILD_ID2]: trace DIR's make twice (after setup_1 /
# setup_2, shell functions run in DIR), as NAME1 and NAME2; BUILD_ID is 1,
# then BUILD_ID2 (default 1).
# in_trees NAME SCRIPT X...: SCRIPT run by sh under sandrun in a tree
# $SCRATCH/NAME-X for each X, traced to $SCRATCH/NAME-X.trace.
in_trees() {
	local name=$1 script=$2 x
	shift 2
	for x; do
		mkdir -p "$SCRATCH/$name-$x"
		(cd "$SCRATCH/$name-$x" && "$SR" -q -o "$SCRATCH/$name-$x.trace" -- sh -c "$script") \
			>/dev/null 2>&1
	done
}

two_runs() {
	local dir=$1 name=$2 i id
	for i in 1 2; do
		id=1; [ "$i" = 2 ] && id=${3:-1}
		(cd "$dir" && setup_$i && env -u MAKEFLAGS -u OLDPWD "$SR" -q --setenv BUILD_ID=$id \
			-o "$SCRATCH/$name$i.trace" -- make -s) >/dev/null 2>&1
	done
}

# A different exit status is an output of the command's: what reached
# the command's process is its root cause (grep's status, sh's own).
mkdir -p "$SCRATCH/ex-1" "$SCRATCH/ex-2"
echo hello > "$SCRATCH/ex-1/in.txt"
echo world > "$SCRATCH/ex-2/in.txt"
in_trees ex 'grep -q hello in.txt' 1 2
out=$("$SR" diff "$SCRATCH/ex-1.trace" "$SCRATCH/ex-2.trace")
is "only the exit status differs: exit 1" "$?" 1
like "... said first" "$(echo "$out" | head -n 1)" \
	"differ: the command's exit status \(no other output\), 2 processes \(of 2 and 2\)\$"
like "... the input grep read is its root cause, reaching it" "$out" \
	"Root causes of the differing outputs:
  1\. \\\$SRC/in\.txt was read with different content"
like "... through grep to sh" "$out" \
	"reaches \(the command's exit status\), of 1 \(sh -c 'grep -q hello in\.txt'\)
 +through 1\.1 grep > 1 sh"
like "... --json: in the cause's reaches" "$("$SR" diff --json "$SCRATCH/ex-1.trace" "$SCRATCH/ex-2.trace")" \
	'"reaches":\["\(the command'"'"'s exit status\)"\]'

# A listing made before the process's own writes into the directory is
# not explained by them: the shell that globs *.c, then writes $f.o
# there, names the listing as the cause of the extra output.
mkdir -p "$SCRATCH/gl-1" "$SCRATCH/gl-2"
for d in gl-1 gl-2; do echo a > "$SCRATCH/$d/a.c"; echo c > "$SCRATCH/$d/c.c"; done
echo b > "$SCRATCH/gl-2/b.c"
in_trees gl 'for f in *.c; do cat $f > $f.o; done' 1 2
out=$("$SR" diff "$SCRATCH/gl-1.trace" "$SCRATCH/gl-2.trace")
like "a glob, then writes into its directory: the listing is the root cause" "$out" \
	'Root causes of the differing outputs:
  1\. the listing of directory \$SRC differs'
like "... reaching the extra output" "$out" 'reaches \$SRC/b\.c\.o'

# How often a process looked is no difference: a lookup made twice on
# one side only (the trace edited: its first probe repeated, its count
# of events one more) is equivalent, exit 0.
awk '!d && /"ev":"probe"/ { print; d = 1 } { print }' "$SCRATCH/ex-1.trace" |
	perl -pe 's/"events":(\d+)/"events":@{[$1 + 1]}/ if eof' > "$SCRATCH/ex-dup.trace"
is "(the edited trace has one probe more)" \
	"$(($(grep -c '"ev":"probe"' "$SCRATCH/ex-dup.trace") - $(grep -c '"ev":"probe"' "$SCRATCH/ex-1.trace")))" 1
out=$("$SR" diff "$SCRATCH/ex-1.trace" "$SCRATCH/ex-dup.trace")
is "a lookup made twice on one side: equivalent (0)" "$?" 0
like "... said so" "$out" 'are equivalent'

# A source read early and rewritten later in the build by a step that
# differs too: the read still is a root cause (writes explain only what
# was read of them, not what was read before them).
R=$SCRATCH/rewrite
mkdir -p "$R"
printf 'all: stamp\nout.txt:\n\tcat in.txt > out.txt\nstamp: out.txt\n\techo "$$BUILD_ID" > in.txt; touch stamp\n' > "$R/Makefile"
setup_1() { rm -f out.txt stamp; echo one > in.txt; }
setup_2() { rm -f out.txt stamp; echo two > in.txt; }
two_runs "$R" rw 2
out=$("$SR" diff "$SCRATCH/rw1.trace" "$SCRATCH/rw2.trace")
like "a source rewritten later: still named as read with different content" "$out" \
	'[0-9]\. \$SRC/in\.txt was read with different content'
like "a source rewritten later: by cat, reaching out.txt" \
	"$(echo "$out" | grep -A4 'in\.txt was read with different content')" 'first seen by [0-9.]+ \(cat in\.txt\)'
like "a source rewritten later: and the variable that rewrote it" "$out" 'environment variable BUILD_ID differs'

# Data moved by mv: the mv is not nondeterministic, the source is the cause.
V=$SCRATCH/mv
mkdir -p "$V"
printf 'final.txt: mid.txt\n\tcat mid.txt > final.txt\nmid.txt:\n\tcat in.txt > mid.tmp && mv mid.tmp mid.txt\n' > "$V/Makefile"
setup_1() { rm -f mid.txt final.txt; echo one > in.txt; }
setup_2() { rm -f mid.txt final.txt; echo two > in.txt; }
two_runs "$V" mv
out=$("$SR" diff "$SCRATCH/mv1.trace" "$SCRATCH/mv2.trace")
like "data moved by mv: the source is the cause" "$(echo "$out" | grep -E '^  1\. ')" \
	'1\. \$SRC/in\.txt was read with different content'
like "data moved by mv: reaching the final output" "$out" 'reaches \$SRC/final\.txt'
like "data moved by mv: through the mv" "$out" 'through [0-9.]+ cat > [0-9.]+ mv > [0-9.]+ cat'
is "data moved by mv: the only cause (mv is not nondeterministic)" \
	"$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1

# A file rewritten in place (objtool, strip: an open for reading and
# writing): what it found is its input, from its writer; the rewriter is
# downstream, not nondeterministic.
W=$SCRATCH/rw
mkdir -p "$W"
printf 'obj.o:\n\tcat in.txt > obj.o\n\tsh -c '"'"'exec 3<>obj.o; printf X >&3'"'"'\n' > "$W/Makefile"
setup_1() { rm -f obj.o; echo one > in.txt; }
setup_2() { rm -f obj.o; echo two > in.txt; }
two_runs "$W" inplace
out=$("$SR" diff "$SCRATCH/inplace1.trace" "$SCRATCH/inplace2.trace")
like "a file rewritten in place: the source is the cause" "$(echo "$out" | grep -E '^  1\. ')" \
	'1\. \$SRC/in\.txt was read with different content'
like "a file rewritten in place: through the rewriter" "$out" 'through [0-9.]+ cat > [0-9.]+ sh'
is "a file rewritten in place: the only cause (the rewriter is not nondeterministic)" \
	"$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1
check "a file rewritten in place: nothing named nondeterministic" \
	sh -c "! echo \"\$1\" | grep -q 'identical inputs'" _ "$out"

# A variable make makes from another for its recipes (KBUILD_CFLAGS from
# KCFLAGS): the one given is the cause, the one made is not a root.
D=$SCRATCH/derived
mkdir -p "$D"
printf 'export DERIVED := -O2 -DID=$(BUILD_ID)\nout.txt:\n\tsh -c '"'"'echo "$$DERIVED" > out.txt'"'"'\n' > "$D/Makefile"
setup_1() { rm -f out.txt; }
setup_2() { rm -f out.txt; }
two_runs "$D" derived 2
out=$("$SR" diff "$SCRATCH/derived1.trace" "$SCRATCH/derived2.trace")
like "a variable made from another: the one given is the cause" "$(echo "$out" | grep -E '^  1\. ')" \
	'1\. environment variable BUILD_ID differs'
like "a variable made from another: reaching the output" "$out" 'reaches \$SRC/out\.txt'
is "a variable made from another: the only cause (DERIVED is not one)" \
	"$(echo "$out" | grep -cE '^  [0-9]+\. |variable DERIVED')" 1

# A long command line (a kbuild recipe's is ~5 KB) that differs by a
# word: A's cut, with its length; B's told by the words that differ.
L=$(printf -- '-Wflag%d ' $(seq 1 40))
in_trees longargv "echo $L -O2 $L -g" a
in_trees longargv "echo $L -O3 -DX $L -g" b
out=$("$SR" diff "$SCRATCH/longargv-a.trace" "$SCRATCH/longargv-b.trace")
is "a long argv that differs by words: exit 1" "$?" 1
like "... A's cut, with its length" "$out" \
	"^       A: sh -c 'echo -Wflag1 -Wflag2 .* -Wflag1 \\.\\.\\. \\([0-9]+ bytes\\)\$"
is "... B's as a word diff" "$(echo "$out" | grep -A1 '^       B: ')" \
	"       B: A, but for these words (git's word diff: [-A's-] {+B's+}):
          ... -Wflag39 -Wflag40 [--O2-] {+-O3+} {+-DX+} -Wflag1 -Wflag2 ..."
like "... --json keeps both whole" "$("$SR" diff --json "$SCRATCH/longargv-a.trace" "$SCRATCH/longargv-b.trace")" \
	'"b":"sh -c .echo -Wflag1 .* -O3 -DX -Wflag1 .* -Wflag40 +-g.","processes"'

# A cause that reaches an output is listed first, before one found first
# that reaches none (FOO, which nothing uses; the file read, which
# reaches out.txt).
D=$SCRATCH/reachfirst
mkdir -p "$D"
printf 'out.txt:\n\tcat v.txt > out.txt\n' > "$D/Makefile"
for v in a b; do
	echo "$v" > "$D/v.txt"
	build "rf$v" "$D" --setenv FOO=$v
done
out=$("$SR" diff "$SCRATCH/rfa.trace" "$SCRATCH/rfb.trace")
is "a cause reaching an output first, one reaching none after" \
	"$(echo "$out" | grep -E '^  [0-9]+\. |^Root|^Differences|more difference')" \
	"Root causes of the differing outputs:
  1. \$SRC/v.txt was read with different content
1 more difference reaches no differing output (--all lists them): env FOO"

# A variable on make's command line, passed to a sub-make in MAKEFLAGS
# (make -C $KDIR M=... KCFLAGS=...): the command line is the one cause,
# not the recipes the sub-make made from it.
D=$SCRATCH/submake
mkdir -p "$D/sub"
printf 'all:\n\t$(MAKE) -s -C sub\n' > "$D/Makefile"
printf 'all:\n\tsh -c "echo $(X) > out.txt"\n' > "$D/sub/Makefile"
for v in 1 2; do
	rm -f "$D/sub/out.txt"
	(cd "$D" && env -u MAKEFLAGS -u MAKELEVEL -u OLDPWD "$SR" -q -o "$SCRATCH/submake$v.trace" \
		-- make -s X=$v) >/dev/null 2>&1
done
out=$("$SR" diff "$SCRATCH/submake1.trace" "$SCRATCH/submake2.trace")
is "a variable on make's command line, for a sub-make: one cause, make's argv" \
	"$?:$(echo "$out" | grep -E -A2 '^  [0-9]+\. ')" "1:  1. a process was started differently (argv)
       A: make -s X=1
       B: make -s X=2"
like "... reaching the sub-make's output" "$out" 'reaches \$SRC/sub/out\.txt'

# What went down a pipe is in no trace: a reader that spawns differently
# from it (xargs) with identical inputs has the pipe's writer for its
# cause (the clock here; find's listing order in a real tree), never no
# cause at all.
X=$SCRATCH/pipenondet
mkdir -p "$X"
for k in 1 2; do
	(cd "$X" && rm -f out && "$SR" -q -o "$SCRATCH/pn$k.trace" -- \
		sh -c 'date +%s%N | xargs echo > out')
done
out=$("$SR" diff "$SCRATCH/pn1.trace" "$SCRATCH/pn2.trace")
like "a pipe's data: its writer is the cause" "$(echo "$out" | grep -A1 -E '^  1\. ')" \
	'process 1\.1 saw identical inputs.*
.*1\.1 \(date '
like "a pipe's data: reaching what the reader made" "$out" 'reaches \$SRC/out'
is "a pipe's data: the only cause (the reader is not nondeterministic)" \
	"$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1

# Data down a pipeline: tr reads what cat read; tr is not nondeterministic.
P=$SCRATCH/pipe
mkdir -p "$P"
printf 'out.txt:\n\tcat in.txt | tr a-z A-Z > out.txt\n' > "$P/Makefile"
setup_1() { rm -f out.txt; echo one > in.txt; }
setup_2() { rm -f out.txt; echo two > in.txt; }
two_runs "$P" pipe
like "a pipeline: the exec records name the pipe on both ends" \
	"$(grep -c '"stdout":"pipe{1}"\|"stdin":"pipe{1}"' "$SCRATCH/pipe1.trace")" '^2$'
out=$("$SR" diff "$SCRATCH/pipe1.trace" "$SCRATCH/pipe2.trace")
like "a pipeline: the file read upstream is the cause" "$(echo "$out" | grep -E '^  1\. ')" \
	'1\. \$SRC/in\.txt was read with different content'
like "a pipeline: reaching what the reader wrote" "$out" 'reaches \$SRC/out\.txt, written by [0-9.]+ \(tr a-z A-Z\)'
is "a pipeline: the only cause (tr is not nondeterministic)" \
	"$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1
"$SR" -q -o "$SCRATCH/outer.trace" -- sh -c 'echo hi' | cat >/dev/null
check "a pipe sandrun's own stdout is on is not the build's" \
	sh -c "! grep -q '\"stdout\":\"pipe' '$SCRATCH/outer.trace'"
# A FIFO on a filesystem between two programs is a file, not a pipe
# (what the tracer takes for one is on pipefs); the pipe between the
# last two cats is one.
"$SR" -q -o "$SCRATCH/fifo.trace" -- sh -c \
	'mkfifo /tmp/f; cat < /tmp/f > /dev/null & cat /dev/null > /tmp/f; wait; echo y | cat | cat > /dev/null'
is "a FIFO on a filesystem is not a pipe" \
	"$(grep '"ev":"exec"' "$SCRATCH/fifo.trace" | grep -o '"std[a-z]*":"[^"]*"' | sort | tr '\n' ' ')" \
	'"stdin":"pipe{1}" "stdout":"pipe{1}" '
# sandrun's own stdout, a pipe, on both ends inside (true's stdout, and
# cat's stdin by <&1): still not the build's pipe.
"$SR" -q -o "$SCRATCH/outer2.trace" -- sh -c '/bin/true; /bin/cat /dev/null <&1' | cat >/dev/null
is "sandrun's own stdout pipe on two programs inside is not named" \
	"$(grep -c '"std[a-z]*":"pipe' "$SCRATCH/outer2.trace")" 0

# A three-stage pipeline, and a subshell adding to a redirect: the file
# read at the start is the only cause.
P3=$SCRATCH/pipe3
mkdir -p "$P3"
printf 'all: out.txt out2.txt\nout.txt:\n\tcat in.txt | tr a-z A-Z | sort > out.txt\nout2.txt:\n\t(cat in.txt; echo end) > out2.txt\n' > "$P3/Makefile"
setup_1() { rm -f out.txt out2.txt; echo one > in.txt; }
setup_2() { rm -f out.txt out2.txt; echo two > in.txt; }
two_runs "$P3" pipe3-
out=$("$SR" diff "$SCRATCH/pipe3-1.trace" "$SCRATCH/pipe3-2.trace")
is "a three-stage pipeline and a subshell: one cause, the file read" \
	"$(echo "$out" | grep -E '^  [0-9]+\. ')" '  1. $SRC/in.txt was read with different content'
like "a three-stage pipeline: through the middle stage" "$out" 'through [0-9.]+ cat > [0-9.]+ tr > [0-9.]+ sort'

# Many siblings added before the one whose flags changed: still paired.
W=$SCRATCH/window
mkdir -p "$W"
printf 'for n in $(seq 31); do /bin/echo -c f$n.c; done\n/bin/echo -DX -c z.c\n' > "$W/a.sh"
printf 'for n in $(seq 31); do /bin/echo -c f$n.c; done\nfor n in $(seq 80); do /bin/echo -A -c a$n.c; done\n/bin/echo -DY -c z.c\n' > "$W/b.sh"
(cd "$W" && "$SR" -q -o "$SCRATCH/w1.trace" -- sh a.sh && "$SR" -q -o "$SCRATCH/w2.trace" -- sh b.sh) >/dev/null 2>&1
json=$("$SR" diff --json "$SCRATCH/w1.trace" "$SCRATCH/w2.trace")
check "80 siblings added: the changed one is still paired" \
	sh -c "! echo '$json' | grep -o '\"only_b\":.*' | grep -q 'z\\.c'"

# A step that fails on one side: make stops there; the failing step's
# cause is make's too, make is not nondeterministic.
F=$SCRATCH/fail
mkdir -p "$F"
printf 'all: b.txt\na.txt:\n\ttest -f flag && echo a > a.txt\nb.txt: a.txt\n\techo b > b.txt\n' > "$F/Makefile"
setup_1() { rm -f a.txt b.txt; touch flag; }
setup_2() { rm -f a.txt b.txt flag; }
two_runs "$F" fail
out=$("$SR" diff "$SCRATCH/fail1.trace" "$SCRATCH/fail2.trace")
like "a step failing on one side: the probe is the cause" "$(echo "$out" | grep -E '^  1\. ')" \
	'1\. \$SRC/flag was looked up and found on one side only'
is "a step failing on one side: the only cause (make follows its child)" \
	"$(echo "$out" | grep -cE '^  [0-9]+\. ')" 1

# Flags changed and a target added: the compile of z.c is paired with
# the other z.c compile, not with the new y.c one.
S=$SCRATCH/sib
mkdir -p "$S"
for f in x y z; do echo "int $f;" > "$S/$f.c"; done
setup_1() { rm -f ./*.o; printf 'all: x.o z.o\n%%.o: %%.c\n\t$(CC) -DV=1 -c $<\n' > Makefile; }
setup_2() { rm -f ./*.o; printf 'all: x.o y.o z.o\n%%.o: %%.c\n\t$(CC) -DV=2 -c $<\n' > Makefile; }
two_runs "$S" sib
json=$("$SR" diff --json "$SCRATCH/sib1.trace" "$SCRATCH/sib2.trace")
like "an added target: the new compile is the one without a match" "$json" \
	'"only_b":\[\{"id":"[0-9.]+","exe":"[^"]*","cmd":"[^"]*y\.c"'
like "an added target: no compile of A is left without a match" "$json" '"only_a":\[\]'

# Bad input: usage, unusable traces (123), file and line in the message.
"$SR" diff "$SCRATCH/a.trace" >/dev/null 2>&1
is "one trace only: usage (124)" "$?" 124
head -n 5 "$SCRATCH/a.trace" > "$SCRATCH/trunc.trace"
"$SR" diff "$SCRATCH/a.trace" "$SCRATCH/trunc.trace" 2>"$SCRATCH/err" >/dev/null
is "a truncated trace: 123" "$?" 123
like "a truncated trace: says so with the line" "$(cat "$SCRATCH/err")" 'trunc.trace:5: truncated'
sed '1s/"version":1/"version":9/' "$SCRATCH/a.trace" > "$SCRATCH/v9.trace"
"$SR" diff "$SCRATCH/v9.trace" "$SCRATCH/a.trace" 2>"$SCRATCH/err" >/dev/null
is "another format version: 123" "$?" 123
sed '3s/.*/{"p":"1","ev":/' "$SCRATCH/a.trace" > "$SCRATCH/bad.trace"
"$SR" diff "$SCRATCH/a.trace" "$SCRATCH/bad.trace" 2>"$SCRATCH/err" >/dev/null
is "invalid JSON: 123" "$?" 123
like "invalid JSON: file and line" "$(cat "$SCRATCH/err")" 'bad.trace:3: '
"$SR" diff "$SCRATCH/a.trace" "$SCRATCH/nonexistent.trace" 2>/dev/null >/dev/null
is "a missing trace: an I/O error (125)" "$?" 125
(cd "$T" && env -u MAKEFLAGS "$SR" -q --digest=sha256 -o "$SCRATCH/sha.trace" -- make -s) >/dev/null 2>&1
"$SR" diff "$SCRATCH/a.trace" "$SCRATCH/sha.trace" 2>"$SCRATCH/err" >/dev/null
is "different digests: 123" "$?" 123
like "different digests: says so" "$(cat "$SCRATCH/err")" 'use different digests'
# An event line with a "proc" key of its own is an event, not a process
# record, in both of diff's passes (they counted the processes apart, and
# the second read past the first's: found by make fuzz).
# (the first process's first read of a file: with the key in both, and
# another digest in the second, so that its events are read again)
prockey() {
	awk -v alter="$1" '!done && /^\{"p":"1","ev":"open",.*"digest":"/ {
		sub(/}$/, ",\"proc\":\"1\"}"); if (alter) sub(/"digest":"/, "&00"); done = 1 } 1' \
		"$SCRATCH/a.trace"
}
prockey "" > "$SCRATCH/prockey-a.trace"
prockey 1 > "$SCRATCH/prockey-b.trace"
"$SR" diff "$SCRATCH/prockey-a.trace" "$SCRATCH/prockey-a.trace" >/dev/null 2>"$SCRATCH/err"
is "an event with a \"proc\" key: the trace compares with itself" "$?" 0
out=$("$SR" diff "$SCRATCH/prockey-a.trace" "$SCRATCH/prockey-b.trace" 2>&1)
is "... and differs from one whose file read differs (1)" "$?" 1
like "... in that file's content" "$out" '^  1\. \$SRC/.* was read with different content$'
like "... in the first process" "$out" '^       first seen by 1 \('
zstd -q -c "$SCRATCH/a2.trace" > "$SCRATCH/a2.trace.zst" 2>/dev/null &&
	check "a .zst trace compares as the same run" \
		sh -c "'$SR' diff '$SCRATCH/a.trace' '$SCRATCH/a2.trace.zst' >/dev/null"

# A path with a newline in it (a string from the trace) prints escaped:
# no line of the report is the path's second half.
mkdir -p "$SCRATCH/nl"
for v in 1 2; do
	(cd "$SCRATCH/nl" && "$SR" -q -o "$SCRATCH/nl$v.trace" -- \
		sh -c "printf $v > \"\$(printf 'x\\nevil')\"") >/dev/null 2>&1
done
out=$("$SR" diff "$SCRATCH/nl1.trace" "$SCRATCH/nl2.trace" 2>&1)
is "a path with a newline: the runs differ (1)" "$?" 1
like "... and the report names it escaped" "$out" 'x\\nevil'
check "... no line of its own for what follows the newline" \
	sh -c "! printf '%s\n' \"\$1\" | grep -q '^evil'" sh "$out"

# Traces from pipes (read twice by diff: copied first), plain and zstd.
out=$("$SR" diff <(cat "$SCRATCH/a.trace") <(cat "$SCRATCH/a2.trace") 2>&1)
is "two traces from pipes: exit 0 (equivalent)" "$?" 0
like "... and says so, naming the pipes" "$out" '^/dev/fd/[0-9]+ and /dev/fd/[0-9]+ are equivalent'
out=$("$SR" diff "$SCRATCH/a.trace" <(zstd -q -c "$SCRATCH/env.trace") 2>&1)
is "a zstd trace from a pipe that differs: exit 1" "$?" 1
like "... names what differs, as from its file" "$out" '1\. environment variable BUILD_ID differs'
out=$("$SR" show <(cat "$SCRATCH/a.trace") 2>&1)
is "show of a trace from a pipe: exit 0" "$?" 0
like "... its first bytes not lost (the header's command)" "$out" '^trace /dev/fd/[0-9]+: make -s'
out=$(zstd -q -c "$SCRATCH/a.trace" | "$SR" fold /dev/stdin 2>&1)
is "fold of a zstd trace from a pipe: exit 0" "$?" 0
like "... writes its delta" "$out" '^#sandrun-delta 1 digest='

# Outputs are final states: a path only one run touched is as the other
# run started it (both start from the same tree).
O=$SCRATCH/onesided
mkdir -p "$O"
osr() { (cd "$O" && X=$1 "$SR" -q -o "$SCRATCH/os-$2.trace" -- sh -c "$3") >/dev/null 2>&1; }
echo keep > "$O/victim.txt"
osr 1 del '[ "$X" = 1 ] && rm victim.txt; true'
echo keep > "$O/victim.txt"
osr 2 keep '[ "$X" = 1 ] && rm victim.txt; true'
out=$("$SR" diff "$SCRATCH/os-del.trace" "$SCRATCH/os-keep.trace")
is "a file deleted on one side only: the runs differ (1)" "$?" 1
like "... the deletion is a differing output" "$out" \
	$'Outputs that differ \\(1\\):\n  \\$SRC/victim.txt\n      A: \\(absent\\)\n      B: file '
echo same > "$O/f.txt"
osr 1 rewrite 'echo same > f.txt'
osr 1 untouched 'echo same > /dev/null'
out=$("$SR" diff "$SCRATCH/os-rewrite.trace" "$SCRATCH/os-untouched.trace")
check "a file rewritten the same on one side only: no differing output" \
	sh -c "! echo \"\$1\" | grep -q 'Outputs that differ'" _ "$out"
# A file an earlier build left is where the runs differ, not nondeterminism.
rm -f "$O/out.txt"
osr 1 fresh 'echo x > out.txt'
osr 1 again 'echo x > out.txt'
out=$("$SR" diff "$SCRATCH/os-fresh.trace" "$SCRATCH/os-again.trace")
like "a file there before one run only: found on one side only" "$out" \
	'1\. \$SRC/out\.txt was looked up and found on one side only'
check "... not nondeterminism" sh -c "! echo \"\$1\" | grep -q 'identical inputs'" _ "$out"

# An argv is compared word by word: "a b" is not a and b, nor is a word
# holding a \x1f two words (as they were when joined).
asr() { (cd "$O" && "$SR" -q -o "$SCRATCH/av-$1.trace" -- sh -c 'echo $# > n' "${@:2}") \
	>/dev/null 2>&1; }
asr one 'a b'; asr two a b
out=$("$SR" diff "$SCRATCH/av-one.trace" "$SCRATCH/av-two.trace")
is "argv 'a b' against a b: the runs differ (1)" "$?" 1
like "... the cause is the argv, quoted as a shell would" "$out" \
	"1\\. a process was started differently \\(argv\\)"$'\n'"       A: sh -c 'echo \\\$# > n' 'a b'"$'\n'"       B: sh -c 'echo \\\$# > n' a b"
check "... not nondeterminism" sh -c "! echo \"\$1\" | grep -q 'identical inputs'" _ "$out"
asr us "$(printf 'a\037b')"; asr two2 a b
out=$("$SR" diff "$SCRATCH/av-us.trace" "$SCRATCH/av-two2.trace")
is "argv a\\x1fb against a b: the runs differ (1), not equivalent" "$?" 1
like "... the cause is the argv" "$out" "a process was started differently \\(argv\\)"
like "a run of one process against itself: 1 process, singular" \
	"$("$SR" diff "$SCRATCH/av-one.trace" "$SCRATCH/av-one.trace")" 'are equivalent: 1 process, the same'

# An output written in B only is named by its writer there, not by the
# A process it was matched to.
(cd "$O" && rm -f wb.txt && "$SR" -q -o "$SCRATCH/wb-a.trace" -- true) >/dev/null 2>&1
(cd "$O" && "$SR" -q -o "$SCRATCH/wb-b.trace" -- sh -c 'echo hi > wb.txt') >/dev/null 2>&1
rm -f "$O/wb.txt"
like "an output B's process wrote: named as B's, in B" \
	"$("$SR" diff "$SCRATCH/wb-a.trace" "$SCRATCH/wb-b.trace")" \
	"reaches \\\$SRC/wb\\.txt, written by 1 \\(sh -c 'echo hi > wb\\.txt'\\) in B"

# sed -i sets its temporary file's ACL (an extended attribute), then
# renames it over its input: the attribute of a file renamed away is no
# output, though each run's temporary name is another.
for x in a b; do
	echo hello > "$O/sedin.txt"
	(cd "$O" && "$SR" -q -o "$SCRATCH/sed-$x.trace" -- sed -i s/hello/world/ sedin.txt) >/dev/null 2>&1
done
if grep -q '"ev":"xattr"' "$SCRATCH/sed-a.trace"; then
	out=$("$SR" diff "$SCRATCH/sed-a.trace" "$SCRATCH/sed-b.trace")
	like "sed -i twice: the same outputs (the temporary file's ACL is none)" "$out" \
		'differ in how they ran, not in their outputs'
	"$SR" diff --outputs "$SCRATCH/sed-a.trace" "$SCRATCH/sed-b.trace" >/dev/null
	is "sed -i twice, --outputs: 0" "$?" 0
else
	skip "sed -i sets no extended attribute here"
	skip "sed -i sets no extended attribute here"
fi

# A listing of the directory the listing is written into (ls d > d/list):
# the shell made the name before ls ran, and ls's write into it makes no
# name; the listing is the cause, not nothing (a circle of explanations).
L=$SCRATCH/lsinto
for x in a b; do
	rm -rf "$L"; mkdir -p "$L/d"; echo 1 > "$L/d/a"; echo 2 > "$L/d/b"
	[ "$x" = b ] && echo 3 > "$L/d/c"
	(cd "$L" && "$SR" -q -o "$SCRATCH/lsinto-$x.trace" -- sh -c 'ls d > d/list.txt') >/dev/null 2>&1
done
out=$("$SR" diff "$SCRATCH/lsinto-a.trace" "$SCRATCH/lsinto-b.trace")
like "ls d > d/list.txt, d with one more file: the listing of d is the cause" \
	"$(echo "$out" | grep -E '^  1\. ')" '1\. the listing of directory \$SRC/d differs'
like "... first seen by ls" "$out" 'first seen by 1\.1 \(ls d\)'

# Two trees whose build writes its own path: the traces say $SRC, the
# outputs differ; the report names the two trees, from the metadata.
in_trees where 'pwd > where.txt' a b
out=$("$SR" diff "$SCRATCH/where-a.trace" "$SCRATCH/where-b.trace")
like "a build that writes its path, in two trees: the trees named" "$out" \
	"Recorded in different source trees .*"$'\n'".*"$'\n'"  A: $SCRATCH/where-a"$'\n'"  B: $SCRATCH/where-b"
like "... and in --json" "$("$SR" diff --json "$SCRATCH/where-a.trace" "$SCRATCH/where-b.trace")" \
	"\"src\":\\[\"$SCRATCH/where-a\",\"$SCRATCH/where-b\"\\]"
check "... not said of a trace without its metadata (standard input)" \
	sh -c "! '$SR' diff - '$SCRATCH/where-b.trace' < '$SCRATCH/where-a.trace' | grep -q 'different source trees'"
# (a FIFO where the metadata would be is no metadata, not waited on)
cp "$SCRATCH/where-a.trace" "$SCRATCH/fifo-a.trace"
mkfifo "$SCRATCH/fifo-a.trace.meta.json"
out=$(timeout 20 "$SR" diff "$SCRATCH/fifo-a.trace" "$SCRATCH/where-b.trace")
is "... nor of one whose metadata is a FIFO: not waited on (1, not timeout's 124)" \
	"$?:$(printf '%s\n' "$out" | grep -c 'different source trees')" "1:0"

# Trees whose paths differ in length (by 3): a file that embeds the path
# twice is 6 bytes longer, and the report counts it; one whose size does
# not change is not; the step that wrote them is said to have had the
# tree's path for input.
in_trees len 'pwd > where.txt; pwd >> where.txt; printf %s "$PWD" | wc -c > len.txt' a abcd
out=$("$SR" diff "$SCRATCH/len-a.trace" "$SCRATCH/len-abcd.trace")
is "paths of other lengths: the outputs sized by it counted" \
	"$(echo "$out" | grep -A1 '^1 of the 2 differing outputs')" \
	"1 of the 2 differing outputs differ in size by a multiple of the
paths' difference in length (+3 bytes), as files that embed the path do."
like "... the step that wrote them had the path for input" "$out" \
	'^  1\. process 1 saw identical inputs but for the source tree.s path, and did not produce identical results$'
is "... said so first among what it may be" "$(echo "$out" | grep -A2 '^  1\. process 1 ' | sed -n 3p)" \
	"       it may write the tree's path, which it was given (its directory, a \$SRC name)"
like "... and in --json" "$("$SR" diff --json "$SCRATCH/len-a.trace" "$SCRATCH/len-abcd.trace")" \
	'"src":\[[^]]*\],"path_sized":1\}$'
# (paths as long, and an output whose size differs: nothing to count by,
# and no division by 0)
in_trees eq 'pwd > where.txt; case $PWD in *-a) echo 1;; *) echo 22;; esac > n.txt' a b
out=$("$SR" diff "$SCRATCH/eq-a.trace" "$SCRATCH/eq-b.trace")
is "... no count where the paths' lengths are equal" \
	"$?:$(printf '%s\n' "$out" | grep -c 'differ in size by'):$(printf '%s\n' "$out" | grep -c '^  [AB]: ')" \
	"1:0:2"
out=$("$SR" diff - "$SCRATCH/len-abcd.trace" < "$SCRATCH/len-a.trace")
is "... nor the path named as an input where no metadata says the trees" \
	"$?:$(printf '%s\n' "$out" | grep -c 'but for the source tree')" "1:0"
like "... which says the step the usual way" "$out" \
	'^  1\. process 1 saw identical inputs but did not produce identical results$'

"$SR" diff "$SCRATCH/where-a.trace" "$SCRATCH/where-b" 2>"$SCRATCH/err"
is "a directory for a trace: 125, said as such (not a failed copy)" "$?:$(cat "$SCRATCH/err")" \
	"125:sandrun: cannot read '$SCRATCH/where-b': Is a directory"

# A stream that is no trace is copied (a pipe is read twice) only as far
# as the reader will refuse it: /dev/zero filled $TMPDIR at ~1.5 GB/s,
# and an endless stream of records behind no header did too.  What is
# left unread of a bounded stream says where the copy stopped.
left=$(head -c 200M /dev/zero | { "$SR" diff - "$SCRATCH/where-a.trace" >/dev/null 2>"$SCRATCH/err"
	echo "$?"; wc -c; } | tr '\n' ' ')
like "zeros as a trace: refused (123), 64 MiB or so read of 200" "$left" '^123 1[34][0-9]{7} $'
like "... at its first record's 64 MiB" "$(cat "$SCRATCH/err")" '^sandrun: -:1: a record longer than 64 MiB'
left=$(yes '{"p":"1"}' | head -c 50M | { "$SR" diff - "$SCRATCH/where-a.trace" >/dev/null 2>"$SCRATCH/err"
	echo "$?"; wc -c; } | tr '\n' ' ')
like "records behind no header: refused (123), the rest left unread" "$left" '^123 5[0-9]{7} $'
like "... at its first line" "$(cat "$SCRATCH/err")" '^sandrun: -:1: not a sandrun trace'
zstd -q -c "$SCRATCH/where-a.trace" | "$SR" diff - "$SCRATCH/where-a.trace" >/dev/null
is "a zstd stream is copied whole (the same run: 0)" "$?" 0

done_testing
