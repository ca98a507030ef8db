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
done_testing
