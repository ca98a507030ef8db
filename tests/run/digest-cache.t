#!/bin/bash
# The digest cache across runs (tracer/digests.c): a second run takes the
# digests of files it already read from the cache, with the same trace;
# a changed file is read again; a damaged cache is ignored with a
# warning and replaced; --no-digest-cache reads everything.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi

C=$SCRATCH/cache/sandrun/digests-xxh128
W=$SCRATCH/w
mkdir -p "$W"
printf 'version one\n' > "$W/in.txt"
# an input unchanged for two seconds is one the cache may keep
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

sleep 2.2	# in.txt's ctime is now: let it age past the racy window
run one
is "first run: exit status" $? 0
check "first run: the cache file was written" test -s "$C"
is "first run: nothing came from the cache" "$(meta one digests_from_cache)" 0
h1=$(meta one files_hashed)
like "first run: files were read for their digests" "$h1" '^[1-9]'

on_device=yes
for f in /usr/bin/cat "$W/in.txt"; do
	# major(st_dev): 0 for tmpfs, overlay, FUSE
	[ $(( ($(stat -c %d "$f") >> 8) & 0xfff )) -eq 0 ] && on_device=no
done
run two
is "second run: exit status" $? 0
check "second run: the same trace as the first" cmp -s <(body one) <(body two)
if [ "$on_device" = yes ]; then
	like "second run: digests came from the cache" "$(meta two digests_from_cache)" '^[1-9]'
	h2=$(meta two files_hashed)
	check "second run: fewer files read ($h2 < $h1)" test "$h2" -lt "$h1"
	grep -q '"path":"$SRC/in.txt".*"digest":"' "$SCRATCH/two.trace"
	check "second run: in.txt has its digest" test $? -eq 0
else
	skip "these files are on a filesystem without a device (overlay, tmpfs): never kept"
	skip "(the same)"
	skip "(the same)"
fi

# The same size, new content: the identity (ctime) changed, so it is read.
printf 'version two\n' > "$W/in.txt"
run three
want=$(xxhsum -H2 "$W/in.txt" 2>/dev/null | cut -d' ' -f1)
if [ -n "$want" ]; then
	check "a changed file's new digest, not the cached one" \
		grep -qF "\"path\":\"\$SRC/in.txt\",\"mode\":\"r\",\"res\":\"ok\",\"type\":\"file\",\"digest\":\"$want\"" \
		"$SCRATCH/three.trace"
else
	skip "xxhsum is not installed"
fi
printf 'version one\n' > "$W/in.txt"
touch -d '-1 hour' "$W/in.txt"

# Damaged: one byte flipped in an entry; then cut short.
size=$(stat -c %s "$C")
printf '\377' | dd of="$C" bs=1 seek=$((size - 3)) conv=notrunc status=none
run four
is "damaged cache: exit status" $? 0
like "damaged cache: a warning names the file" "$(cat "$SCRATCH/four.err")" \
	"ignoring the digest cache '$C': its checksum does not match"
is "damaged cache: nothing taken from it" "$(meta four digests_from_cache)" 0
check "damaged cache: the same trace as the first run" cmp -s <(body one) <(body four)
truncate -s 20 "$C"
run five
like "truncated cache: a warning" "$(cat "$SCRATCH/five.err")" "ignoring the digest cache .*bad header|truncated"
printf 'not a cache at all, but long enough' > "$C"
run six
like "a foreign file: a warning" "$(cat "$SCRATCH/six.err")" "not a sandrun digest cache"
run seven
is "the cache was rewritten: no warning after" "$(grep -c ignoring "$SCRATCH/seven.err")" 0

# Another algorithm has its own file; --no-digest-cache and --digest-cache.
run eight --digest=sha256
check "sha256 digests have their own cache file" test -s "$SCRATCH/cache/sandrun/digests-sha256"
run nine --no-digest-cache
is "--no-digest-cache: nothing from the cache" "$(meta nine digests_from_cache)" 0
is "--no-digest-cache: every file read, as in the first run" "$(meta nine files_hashed)" "$h1"
run ten --digest-cache="$SCRATCH/mine"
check "--digest-cache=FILE writes there" test -s "$SCRATCH/mine"
check "--digest-cache=FILE: the same trace" cmp -s <(body one) <(body ten)

done_testing
