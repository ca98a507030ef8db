#!/bin/bash
# fold is pure: stored traces (tests/fixtures/fold/*.trace, recorded once
# from real runs) against golden deltas, with no sandbox and no tracer.
# The goldens were checked by hand: each digest is xxhsum -H2 of the
# content the scenario leaves (e.g. rename-over: b holds "new\n").
. "$(dirname "$0")/../tap.sh"

SR=$SANDRUN
F=$TOP/tests/fixtures/fold
for t in "$F"/*.trace; do
	name=$(basename "$t" .trace)
	is "golden delta: $name" "$("$SR" fold "$t")" "$(cat "$F/$name.delta")"
	is "golden delta: $name, replayed as --subtree 1" "$("$SR" fold --subtree 1 "$t")" \
		"$(cat "$F/$name.delta")"
done
# The contents behind the digests, independently of sandrun.
if command -v xxhsum >/dev/null; then
	is "rename-over: b is \"new\"" "$(printf 'new\n' | xxhsum -H2 2>/dev/null | cut -d' ' -f1)" \
		"$(grep -o 'xxh128digest=[0-9a-f]*' "$F/rename-over.delta" | cut -d= -f2)"
	is "two-writers: f is both writes" "$(printf 'one\ntwo\n' | xxhsum -H2 2>/dev/null | cut -d' ' -f1)" \
		"$(grep -o 'xxh128digest=[0-9a-f]*' "$F/two-writers.delta" | cut -d= -f2)"
else
	skip "xxhsum is not installed"
	skip "xxhsum is not installed"
fi
is "temp churn folds to nothing" "$("$SR" fold "$F/temp-churn.trace" | wc -l)" 1
is "delete and recreate the same folds to nothing" "$("$SR" fold "$F/delete-recreate.trace" | wc -l)" 1
like "the two writers are two processes" "$("$SR" show --tree "$F/two-writers.trace")" '1\.1'

# A scope's delta needs the whole run as much as the run's: an incomplete
# trace is refused by every form of fold.
SCRATCH=$(mktemp -d) && trap 'rm -rf "$SCRATCH"' EXIT
sed '$s/.*/{"end":"incomplete","reason":"killed"}/' "$F/two-writers.trace" > "$SCRATCH/inc.trace"
for o in "" "--process 1" "--subtree 1" "--split-at=*"; do
	"$SR" fold $o "$SCRATCH/inc.trace" >/dev/null 2>"$SCRATCH/err"
	is "fold ${o:-(the run)}: an incomplete trace is refused (123)" "$?" 123
	like "... saying so" "$(cat "$SCRATCH/err")" 'the trace is incomplete \(killed\); nothing to fold'
done
# A trace on a pipe (zstdcat, <(...)) folds as its file does in every
# form: --split-at reads it four times, from a copy.
for o in "" "--process 1" "--subtree 1" "--split-at=*" "--checksum --split-at=*"; do
	is "fold ${o:-(the run)}: a trace on a pipe, as its file" \
		"$("$SR" fold $o /dev/stdin < <(cat "$F/two-writers.trace") 2>&1; echo "rc=$?")" \
		"$("$SR" fold $o "$F/two-writers.trace" 2>&1; echo "rc=$?")"
done
# - is standard input for every reader of a trace, as for sha256sum;
# compressed too; diff takes it for one trace only.
T=$F/two-writers.trace
is "fold -: standard input, as the file" "$("$SR" fold - < "$T")" "$("$SR" fold "$T")"
is "fold --split-at -: standard input, as the file" \
	"$("$SR" fold -c --split-at='*' - < "$T")" "$("$SR" fold -c --split-at='*' "$T")"
is "show -: standard input, named -" "$("$SR" show - < "$T")" \
	"$("$SR" show "$T" | sed "1s|$T|-|")"
is "lock -: standard input, as the file" "$("$SR" lock - < "$T")" "$("$SR" lock "$T")"
# A record fold and lock skip unparsed (an exit) with a key given twice:
# refused, as show and diff refuse it.
sed '13s/"status":0}/"status":0,"status":1}/' "$T" > "$SCRATCH/dupkey.trace"
for c in fold lock show; do
	"$SR" $c "$SCRATCH/dupkey.trace" >/dev/null 2>"$SCRATCH/err"
	is "$c: a skipped record with a key twice: 123" "$?" 123
	is "... said with its line" "$(cat "$SCRATCH/err")" \
		"sandrun: $SCRATCH/dupkey.trace:13: invalid JSON: duplicate object key near '\"status\"' (column 40)"
done
# ... and one of more than 32 keys, which jansson is left to read: the
# same (a key twice refused; none twice, the fold as without them).
many=$(for i in $(seq 40); do printf ',"x%d":1' "$i"; done)
sed "13s/\"status\":0}/\"status\":0$many}/" "$T" > "$SCRATCH/many.trace"
sed "13s/\"status\":0}/\"status\":0$many,\"x3\":2}/" "$T" > "$SCRATCH/manydup.trace"
is "fold: a skipped record of 41 keys: folded as without them" \
	"$("$SR" fold "$SCRATCH/many.trace" 2>&1)" "$("$SR" fold "$T")"
"$SR" fold "$SCRATCH/manydup.trace" >/dev/null 2>"$SCRATCH/err"
is "fold: ... with its 42nd key the 3rd's again: 123" "$?" 123
like "... said" "$(cat "$SCRATCH/err")" "manydup.trace:13: invalid JSON: duplicate object key"
is "lock -o -: standard output, no file named -" "$(cd "$SCRATCH" && "$SR" lock -o - "$T"; \
	test -e "$SCRATCH/-" && echo "(a file named -)")" "$("$SR" lock "$T")"
# A trace whose digests are not of its header's algorithm makes no lock
# (run --lock would refuse the lock).
sed '1s/"digest":"xxh128"/"digest":"sha256"/' "$T" > "$SCRATCH/t256.trace"
"$SR" lock "$SCRATCH/t256.trace" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "lock: digests of another algorithm than the header's: 123, no lock" "$? $(wc -c < "$SCRATCH/out")" "123 0"
like "... with the line" "$(cat "$SCRATCH/err")" "t256.trace:[0-9]+: a digest that is not lowercase hex of the trace's digest \(sha256\)"
if command -v zstd >/dev/null; then
	is "show -: a compressed trace on standard input" "$(zstd -q -c "$T" | "$SR" show -t -)" \
		"$("$SR" show -t "$T" | sed "1s|$T|-|")"
else
	skip "zstd is not installed"
fi
like "diff - FILE: standard input against the file" "$("$SR" diff - "$T" < "$T")" \
	'^- and .* are equivalent'
"$SR" diff - - < "$T" >/dev/null 2>"$SCRATCH/err"
is "diff - -: a usage error (124)" "$?" 124
like "... saying why" "$(cat "$SCRATCH/err")" 'only one trace can be read from standard input'
# diff checks the state records as fold does: a state "middle" is none.
L=$(grep -n '"state":"after"' "$T" | tail -n 1 | cut -d: -f1)
sed "${L}s/\"state\":\"after\"/\"state\":\"middle\"/" "$T" > "$SCRATCH/mid.trace"
"$SR" diff "$T" "$SCRATCH/mid.trace" >/dev/null 2>"$SCRATCH/err"
is "diff: a state neither before nor after: 123" "$?" 123
like "... with the line" "$(cat "$SCRATCH/err")" "mid.trace:$L: bad state record: a state neither"
# show prints no control byte of a trace's strings raw (an escape
# sequence in a digest, a result or the reason of an incomplete run).
sed -e '0,/"digest":"[0-9a-f]*"/s//"digest":"\\u001b[2J"/' \
	-e '$s/.*/{"end":"incomplete","reason":"killed\\u001b[31m"}/' "$T" > "$SCRATCH/ctl.trace"
check "control bytes: the trace was changed" grep -q 'u001b\[2J' "$SCRATCH/ctl.trace"
out=$("$SR" show "$SCRATCH/ctl.trace")
is "show: no control byte printed raw" "$(printf '%s' "$out" | tr -d '\n' | tr -d '[:print:]' | wc -c)" 0
like "show: ... but as \\xHH" "$out" 'warning: the trace is incomplete: killed\\x1b\[31m'
# A process spawned twice (a damaged trace) is replayed once, not again
# and again.
n=$(grep -o '"events":[0-9]*' "$F/two-writers.trace" | cut -d: -f2)
sed -e '3i{"p":"1","ev":"spawn","child":"1"}\n{"p":"1","ev":"spawn","child":"1"}' \
	-e "\$s/\"events\":$n/\"events\":$((n + 2))/" "$F/two-writers.trace" > "$SCRATCH/self.trace"
is "a process spawning itself twice: --subtree 1 ends, with the run's delta" \
	"$(timeout 20 "$SR" fold --subtree 1 "$SCRATCH/self.trace")" "$(cat "$F/two-writers.delta")"
# A state record is checked before it makes a delta's line: a digest or a
# number could otherwise carry another line into it.
L=$(grep -n '"state":"after"' "$F/two-writers.trace" | tail -n 1 | cut -d: -f1)
states=$(grep -o '"states":[0-9]*' "$F/two-writers.trace" | cut -d: -f2)
bad_state() {	# bad_state WHAT REASON SED-EXPRESSION
	sed -e "$3" "$F/two-writers.trace" > "$SCRATCH/st.trace"
	for o in "" "--subtree 1"; do
		"$SR" fold $o "$SCRATCH/st.trace" >"$SCRATCH/out" 2>"$SCRATCH/err"
		is "fold ${o:-(the run)}: $1: refused (123), no delta" "$? $(wc -c < "$SCRATCH/out")" "123 0"
		like "... with the line and why" "$(cat "$SCRATCH/err")" "st.trace:$L: bad state record: $2"
	done
}
bad_state "a digest carrying a line" 'a digest that is not lowercase hex' \
	"${L}s/\"digest\":\"[0-9a-f]*\"/\"digest\":\"$(printf '%032d' 0)\\\\n\$SRC\/evil type=file\"/"
bad_state "a digest of another length" 'a digest that is not lowercase hex' \
	"${L}s/\"digest\":\"[0-9a-f]*\"/\"digest\":\"$(printf '%064d' 0)\"/"
bad_state "a state neither before nor after" 'a state neither "before" nor "after"' \
	"${L}s/\"state\":\"after\"/\"state\":\"later\"/"
bad_state "a perm that is no octal" 'a perm that is not 1-4 octal digits' "${L}s/\"perm\":\"[0-7]*\"/\"perm\":\"zz\"/"
bad_state "a negative size" 'a size that is not a count of bytes' "${L}s/\"size\":[0-9]*/\"size\":-5/"
bad_state "a path under no root" 'no path, or one that is neither absolute nor under a root' "${L}s/\"path\":\"[^\"]*\"/\"path\":\"..\/..\/etc\"/"
bad_state "a perm that is a number" 'a member that should be a string is not one' \
	"${L}s/\"perm\":\"[0-7]*\"/\"perm\":644/"
bad_state "a file without its perm" 'a perm that is not 1-4 octal digits' "${L}s/\"perm\":\"[0-7]*\",//"
bad_state "a file without its size" 'a file without its size' "${L}s/\"size\":[0-9]*,//"
bad_state "a root that is none" 'no path, or one that is neither' "${L}s/\"path\":\"\\\$SRC/\"path\":\"\$SRCX/"
bad_state "a path not normalized" 'no path, or one that is neither' "${L}s/\"path\":\"\\\$SRC/\"path\":\"\$SRC\/..\/x/"
bad_state "a '/' written \\x2f" 'no path, or one that is neither' "${L}s/\"path\":\"\\\$SRC\/f\"/\"path\":\"\$SRC\/a\\\\\\\\x2f..\\\\\\\\x2f..\\\\\\\\x2fx\"/"
bad_state "a backslash escaping nothing" 'no path, or one that is neither' "${L}s/\"path\":\"\\\$SRC\/f\"/\"path\":\"\$SRC\/a\\\\\\\\qb\"/"
bad_state "an escape of no hex byte" 'no path, or one that is neither' "${L}s/\"path\":\"\\\$SRC\/f\"/\"path\":\"\$SRC\/a\\\\\\\\xzz\"/"
# The members each type has, as the tracer writes them.
bad_state "a type and an errno both" 'a type and an errno \(res\) both' \
	"${L}s/\"type\":\"file\"/\"type\":\"file\",\"res\":\"EACCES\"/"
bad_state "a directory with a size and digest" 'a size or digest of what is no file' \
	"${L}s/\"type\":\"file\"/\"type\":\"dir\"/"
bad_state "a target of a file" 'a target of what is no symlink' \
	"${L}s/\"size\":/\"target\":\"x\",\"size\":/"
# A symlink the run leaves whose target the tracer could not read (a race
# with its removal) makes no "link=" line, which apply would refuse.
sed -e "${L}s/\"type\":\"file\".*/\"type\":\"symlink\",\"perm\":\"0777\"}/" \
	"$F/two-writers.trace" > "$SCRATCH/sl.trace"
"$SR" fold "$SCRATCH/sl.trace" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "fold: a symlink left without its target: refused (123), no delta" "$? $(wc -c < "$SCRATCH/out")" "123 0"
like "... naming it" "$(cat "$SCRATCH/err")" "sl.trace: '\\\$SRC/f' ends a symlink whose target the trace does not have"
bad_state "an unknown state whose res is no errno" 'no known type' \
	"${L}s/,\"type\":.*/,\"res\":\"hello\"}/"
# An event a scope's fold replays is checked as a state record is: a
# malformed one is refused with its line, not made a wrong delta.
W=$(grep -n '"ev":"wrote"' "$F/two-writers.trace" | head -n 1 | cut -d: -f1)
bad_event() {	# bad_event WHAT REASON SED-EXPRESSION
	sed -e "$3" "$F/two-writers.trace" > "$SCRATCH/ev.trace"
	"$SR" fold --process 1 "$SCRATCH/ev.trace" >"$SCRATCH/out" 2>"$SCRATCH/err"
	is "fold --process: $1: refused (123), no delta" "$? $(wc -c < "$SCRATCH/out")" "123 0"
	like "... with the line and why" "$(cat "$SCRATCH/err")" "ev.trace:$W: bad event: $2"
}
bad_event "a wrote's perm out of range" 'a perm that is not 1-4 octal digits' "${W}s/\"perm\":\"[0-7]*\"/\"perm\":\"0999\"/"
bad_event "a wrote's path a number" 'a path that is not a string' "${W}s/\"path\":\"[^\"]*\"/\"path\":5/"
bad_event "a wrote's digest a number" 'a member that should be a string' "${W}s/\"digest\":\"[0-9a-f]*\"/\"digest\":5/"
# A replayed change without the path it changes (a rename or link
# without its "to") is refused with its line, not made a delta line of an
# empty path.
no_path() {	# no_path WHAT REASON EVENT
	printf '%s\n' '{"format":"sandrun-trace","version":1,"digest":"xxh128","roots":["$SRC","$HOME","$TMP"],"command":["sh"]}' \
		'{"proc":"1"}' '{"p":"1","ev":"exec","path":"/bin/sh","argv":["sh"]}' "$3" \
		'{"p":"1","ev":"exit","status":0}' \
		'{"end":"complete","exit":0,"processes":1,"events":3,"states":0}' > "$SCRATCH/np.trace"
	for o in "--process 1" "--subtree 1" "--split-at=*"; do
		"$SR" fold $o "$SCRATCH/np.trace" >"$SCRATCH/out" 2>"$SCRATCH/err"
		is "fold $o: $1: refused (123), no delta" "$? $(wc -c < "$SCRATCH/out")" "123 0"
		is "... with the line and why" "$(cat "$SCRATCH/err")" "sandrun: $SCRATCH/np.trace:4: bad event: $2"
	done
}
no_path "an unlink without its path" 'a change without its "path"' \
	'{"p":"1","ev":"unlink","res":"ok","after":{"type":"absent"}}'
no_path "a mkdir without its path" 'a change without its "path"' \
	'{"p":"1","ev":"mkdir","perm":"0755","res":"ok","after":{"type":"dir","perm":"0755"}}'
no_path "a wrote without its path" 'a change without its "path"' \
	'{"p":"1","ev":"wrote","digest":"'"$(printf '%032d' 0)"'","perm":"0644","size":0}'
no_path "a link without its path" 'a change without its "path"' \
	'{"p":"1","ev":"link","to":"$SRC/b","res":"ok","after":{"type":"file","perm":"0644","size":0}}'
no_path "a rename without its to" 'a rename or link without its "to"' \
	'{"p":"1","ev":"rename","path":"$SRC/a","res":"ok","after":{"type":"file","perm":"0644","size":0}}'
no_path "a probe that found nothing, without its path" 'a change without its "path"' \
	'{"p":"1","ev":"probe","follow":true,"res":"ENOENT"}'
sed -e "${L}p" -e "\$s/\"states\":$states/\"states\":$((states + 1))/" "$F/two-writers.trace" > "$SCRATCH/st2.trace"
for o in "" "--process 1"; do
	"$SR" fold $o "$SCRATCH/st2.trace" >"$SCRATCH/out" 2>"$SCRATCH/err"
	is "fold ${o:-(the run)}: a path's after state given twice: refused (123)" "$?" 123
	like "... naming it" "$(cat "$SCRATCH/err")" "the after state of '.*' is given twice"
done

# manifest walks a tree 2,000 deep (it overflowed its stack, a PATH_MAX
# buffer a level, and took two fds a level) with a soft fd limit of 256,
# raised to the hard one.
D=$SCRATCH/deep
mkdir -p "$D/$(printf 'd/%.0s' $(seq 2000))"
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -gt 2100 ]; then
	n=$( (ulimit -Sn 256 && "$SR" manifest "$D") | grep -c ' type=dir ')
	is "manifest: a tree 2,000 deep" "$n" 2001
else
	skip "a hard fd limit of $(ulimit -Hn): too few for a tree 2,000 deep"
fi
rm -rf "$D"
done_testing
