#!/bin/bash
# The digest cache across runs (tracer/digests.c): a second run takes the
# digests of files it already read from the cache, with the same trace;
# a file whose identity changed (even its ctime alone) is read again; a
# damaged cache is ignored with a warning and replaced; --no-digest-cache
# reads everything and writes nothing.  Within a run, what a writer leaves
# at its close is not read again for its readers.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi

# The input on the filesystem the tree is on (a scratch dir under /tmp may
# be a tmpfs, whose files are never kept).
W=$(mktemp -d "$TOP/build/digest-cache.XXXXXX")
trap 'rm -rf "$SCRATCH" "$XDG_CACHE_HOME" "$W"' EXIT
C=$SCRATCH/cache/sandrun/digests-xxh128
printf 'version one\n' > "$W/in.txt"
touch -d '-1 hour' "$W/in.txt"

# run NAME [OPTION...]: cat in.txt in the sandbox; trace $SCRATCH/NAME.trace
run() {
	local name=$1; shift
	(cd "$W" && XDG_CACHE_HOME=$SCRATCH/cache "$SR" "$@" -o "$SCRATCH/$name.trace" \
		-- cat in.txt) > "$SCRATCH/$name.out" 2> "$SCRATCH/$name.err"
}
meta() { sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p" "$SCRATCH/$1.trace.meta.json"; }
# the trace without its uuid (the only line that differs between runs)
body() { grep -v '"uuid"' "$SCRATCH/$1.trace"; }
digest_of() { "$SR" hash --algo=xxh128 --mask=none "$1" | cut -d' ' -f1; }
opened() {
	grep -F "\"path\":\"\$SRC/in.txt\",\"mode\":\"r\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$2\"" \
		"$SCRATCH/$1.trace" >/dev/null
}
# Whether files there are kept: ext4, xfs or f2fs on a fixed device.
keepable() {
	local maj=$(( ($(stat -c %d "$1") >> 8) & 0xfff ))
	case $maj in 0|1|7|43) return 1 ;; esac
	case $(stat -f -c %T "$1") in ext2/ext3|xfs|f2fs) return 0 ;; esac
	return 1
}

# 3000 small files, each read twice in one run (below).
mkdir "$W/many"
seq 3000 | split -l 1 -a 4 - "$W/many/f"
# and 3000 in 100 directories, their inode numbers far apart (below)
for d in $(seq 100); do
	mkdir -p "$W/spread/d$d" && seq 30 | split -l 1 -a 2 - "$W/spread/d$d/f"
done
sleep 2.2	# in.txt's ctime is now: let it age past the racy window
run one
is "first run: exit status" $? 0
is "first run: nothing came from the cache" "$(meta one digests_from_cache)" 0
h1=$(meta one files_hashed)
like "first run: files were read for their digests" "$h1" '^[1-9]'
check "first run: in.txt's digest" opened one "$(digest_of "$W/in.txt")"

if keepable /usr/bin/cat && keepable "$W"; then
	check "the cache file was written" test -s "$C"
	is "the cache file is private" "$(stat -c %a "$C")" 600
	is "its directory too" "$(stat -c %a "$(dirname "$C")")" 700
	run two
	is "second run: exit status" $? 0
	check "second run: the same trace as the first" cmp -s <(body one) <(body two)
	like "second run: digests came from the cache" "$(meta two digests_from_cache)" '^[1-9]'
	h2=$(meta two files_hashed)
	check "second run: fewer files read ($h2 < $h1)" test "$h2" -lt "$h1"

	# The same size and mtime, new content: only the ctime tells.
	touch -r "$W/in.txt" "$SCRATCH/ref"
	printf 'version two\n' > "$W/in.txt"
	touch -r "$SCRATCH/ref" "$W/in.txt"
	run three
	check "a file whose ctime alone changed: its new digest, not the cached one" \
		opened three "$(digest_of "$W/in.txt")"
	printf 'version one\n' > "$W/in.txt"
	touch -d '-1 hour' "$W/in.txt"
	sleep 2.2
	run three-b

	# Damaged: one byte flipped in an entry.
	size=$(stat -c %s "$C")
	printf '\377' | dd of="$C" bs=1 seek=$((size - 3)) conv=notrunc status=none
	run four
	is "damaged cache: exit status" $? 0
	like "damaged cache: a warning names the file" "$(cat "$SCRATCH/four.err")" \
		"sandrun: warning: ignoring the digest cache '$C': its checksum does not match"
	is "damaged cache: nothing taken from it" "$(meta four digests_from_cache)" 0
	check "damaged cache: the same trace as the first run" cmp -s <(body one) <(body four)
	run four-b
	like "damaged cache: replaced by a good one" "$(meta four-b digests_from_cache)" '^[1-9]'
	truncate -s 100 "$C"
	run five
	like "cut short: a warning" "$(cat "$SCRATCH/five.err")" "does not match its entry count"
	truncate -s 20 "$C"
	run five-b
	like "cut short in the header: a warning" "$(cat "$SCRATCH/five-b.err")" "truncated in its header"
	printf 'not a cache at all, but long enough for a header, surely' > "$C"
	run six
	like "a foreign file: a warning" "$(cat "$SCRATCH/six.err")" "not a sandrun digest cache"
	run seven
	is "rewritten: no warning after" "$(grep -c warning "$SCRATCH/seven.err")" 0
else
	for i in $(seq 19); do
		skip "/usr/bin/cat or $W is not on ext4, xfs or f2fs on a fixed device: never kept"
	done
fi

# Within a run, each version of a file is read once, however many files
# there are: their slots in the table may coincide (3000 files in 65536
# slots: dozens of pairs do), and neither evicts the other.
(cd "$W" && "$SR" --no-digest-cache -o "$SCRATCH/once.trace" -- \
	sh -c 'cat many/* > /dev/null') 2> "$SCRATCH/once.err"
is "3000 files read once: exit status" $? 0
(cd "$W" && "$SR" --no-digest-cache -o "$SCRATCH/twice.trace" -- \
	sh -c 'cat many/* > /dev/null; cat many/* > /dev/null') 2> "$SCRATCH/twice.err"
is "3000 files read twice: exit status" $? 0
once=$(meta once files_hashed) twice=$(meta twice files_hashed)
like "3000 files read once: each hashed" "$once" '^[0-9]{4,}$'
is "read twice: each still hashed once ($twice against $once)" "$twice" "$once"

# The same with 3000 files in 100 directories, whose inode numbers lie
# far apart (ext4 puts directories in different block groups): the
# table, which starts small, grows rather than give a slot up.
(cd "$W" && "$SR" --no-digest-cache -o "$SCRATCH/spread.trace" -- \
	sh -c 'cat spread/*/* > /dev/null; cat spread/*/* > /dev/null') 2> "$SCRATCH/spread.err"
is "3000 files in 100 directories read twice: exit status" $? 0
is "each hashed once" "$(meta spread files_hashed)" "$(($(meta once files_hashed)))"

# A run takes from the cache file only the digests of the files it looks
# up (digest_cache.c); the others stay in the file it writes.
part() {
	local name=$1; shift
	(cd "$W" && "$SR" --digest-cache="$SCRATCH/part" -o "$SCRATCH/$name.trace" -- "$@") \
		> /dev/null 2> "$SCRATCH/$name.err"
}
entries() { echo $((($(stat -c %s "$SCRATCH/part") - 48) / 80)); }
if keepable /usr/bin/cat && keepable "$W"; then
	part part-a sh -c 'cat many/* > /dev/null'
	n1=$(entries)
	like "3000 files read: their digests kept ($n1)" "$n1" '^[3-9][0-9]{3}$'
	printf 'new\n' > "$W/new.txt"
	touch -d '-1 hour' "$W/new.txt"
	sleep 2.2
	part part-b cat new.txt
	like "one file read after: a few digests from the cache ($(meta part-b digests_from_cache))" \
		"$(meta part-b digests_from_cache)" '^[1-9][0-9]?$'
	is "... and the cache written again with its one new digest" "$(entries)" "$((n1 + 1))"
	part part-c sh -c 'cat many/* > /dev/null'
	check "the 3000 digests the second run did not look up, taken by a third ($(meta part-c digests_from_cache))" \
		test "$(meta part-c digests_from_cache)" -ge 3000
	check "... which reads few files ($(meta part-c files_hashed))" \
		test "$(meta part-c files_hashed)" -lt 100
else
	for i in 1 2 3 4 5; do
		skip "/usr/bin/cat or $W is not on ext4, xfs or f2fs on a fixed device: never kept"
	done
fi

# Another algorithm has its own file; --no-digest-cache and --digest-cache.
run eight --digest=sha256
check "sha256: the same file's own digest" grep -q '"path":"$SRC/in.txt".*"digest":"[0-9a-f]\{64\}"' \
	"$SCRATCH/eight.trace"
rm -rf "$SCRATCH/cache"
run nine --no-digest-cache
is "--no-digest-cache: nothing from the cache" "$(meta nine digests_from_cache)" 0
is "--no-digest-cache: every file read, as in the first run" "$(meta nine files_hashed)" "$h1"
check "--no-digest-cache: no cache written" test ! -e "$SCRATCH/cache"
run ten --digest-cache="$SCRATCH/mine"
check "--digest-cache=FILE: the same trace" cmp -s <(body one) <(body ten)
if keepable /usr/bin/cat; then
	check "--digest-cache=FILE writes there" test -s "$SCRATCH/mine"
else
	skip "/usr/bin/cat is not on a filesystem whose files are kept"
fi
"$SR" --digest-cache= -- true 2>/dev/null
is "--digest-cache= (empty) is a usage error" $? 124

# A file the run writes, read after its writer's close: its digest is the
# one taken at that close, not read again, though it changed within git's
# racy window; but read again while a writer the tracer knows of has it
# open (fd 3 here, rewriting it to the same size).
printf 'aaaa\n' > "$SCRATCH/a" && printf 'bbbb\n' > "$SCRATCH/b"
(cd "$W" && XDG_CACHE_HOME=$SCRATCH/cache "$SR" -o "$SCRATCH/fresh.trace" -- sh -c \
	'echo aaaa > g; cat g; exec 3<>g; printf bbbb >&3; cat g; exec 3>&-; cat g; rm g') \
	> "$SCRATCH/fresh.out" 2> "$SCRATCH/fresh.err"
is "written, then read: exit status" $? 0
is "written, then read: what cat read" "$(cat "$SCRATCH/fresh.out")" "$(printf 'aaaa\nbbbb\nbbbb')"
reads_of() {
	grep -c "\"ev\":\"open\",\"path\":\"\$SRC/g\",\"mode\":\"r\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$1\"" \
		"$SCRATCH/fresh.trace"
}
is "written, then read: the read before the rewrite has the first digest" \
	"$(reads_of "$(digest_of "$SCRATCH/a")")" 1
is "written, then read: both reads after it have the second" \
	"$(reads_of "$(digest_of "$SCRATCH/b")")" 2
is "written, then read: two digests from the writers' closes, none while fd 3 was open" \
	"$(meta fresh digests_from_run)" 2

# A home (or XDG_CACHE_HOME) in the source tree, as in a CI job whose
# HOME is the checkout: no cache by default (the run would leave a file
# in the tree that no process of the build made), said once.
mkdir -p "$W/home"
(cd "$W" && HOME=$W/home XDG_CACHE_HOME= "$SR" -q -o "$SCRATCH/hometree.trace" -- cat in.txt) \
	>/dev/null 2>"$SCRATCH/err"
is "a home in the tree: the run succeeds" "$?" 0
check "... and leaves no cache in the tree" test ! -e "$W/home/.cache"
is "... saying why" "$(cat "$SCRATCH/err")" \
	"sandrun: warning: no digest cache: its place, in $W/home, is in the source tree (--digest-cache=FILE keeps one elsewhere)"
(cd "$W" && XDG_CACHE_HOME=$W/xdg "$SR" -q -o "$SCRATCH/xdgtree.trace" -- cat in.txt) \
	>/dev/null 2>&1
check "... an XDG_CACHE_HOME there: none either" test ! -e "$W/xdg"
(cd "$W" && "$SR" -q --digest-cache="$W/mine" -o "$SCRATCH/given.trace" -- cat in.txt) \
	>/dev/null 2>&1
check "... a --digest-cache given there is kept" test -s "$W/mine"
rm -rf "$W/home" "$W/mine"

# A sparse file (holes before and after its data, and a hole at its end):
# its zeros hashed, not read, to the digest of its bytes.
(cd "$W" && "$SR" -q -o "$SCRATCH/sparse.trace" -- sh -c \
	'truncate -s 64M img && printf data | dd of=img bs=1 seek=10485760 conv=notrunc 2>/dev/null && cat img >/dev/null') \
	>/dev/null 2>&1
is "a sparse file: the run succeeds" "$?" 0
like "... its after state's digest is its bytes'" "$(grep '"state":"after","path":"\$SRC/img"' "$SCRATCH/sparse.trace")" \
	"\"digest\":\"$(digest_of "$W/img")\""
like "... and so is its read's" "$(grep '"ev":"open","path":"\$SRC/img","mode":"r"' "$SCRATCH/sparse.trace")" \
	"\"digest\":\"$(digest_of "$W/img")\""

done_testing
