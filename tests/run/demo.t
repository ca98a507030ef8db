#!/bin/bash
# The README's demo: a real out-of-tree kernel module built with kbuild
# (`make -C /usr/src/linux-headers-<version> M=DIR modules`) inside the
# sandbox, as root and as an unprivileged user, with the tree under /tmp.
. "$(dirname "$0")/../tap.sh"

KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
[ -n "$KDIR" ] || skip_all "no kernel headers (apt-get install linux-headers-amd64)"
command -v make >/dev/null || skip_all "make is not installed"

new_scratch
install_bins

for who in $(test_users); do
	dir=$SCRATCH/$who/demo
	owned_dir "$who" "$dir"
	if ! reason=$(cd "$dir" && require_sandbox "$who"); then
		skip "$who: cannot create a sandbox here: $reason"
		continue
	fi
	cp "$TOP"/contrib/demo-module/{Kbuild,Makefile,hello.c,hello.h} "$dir/"
	[ "$who" = user ] && [ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$dir"
	before=$(find "$KDIR/" -newer "$dir/hello.c" 2>/dev/null | wc -l)
	(cd "$dir" && as "$who" env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$SR" -- make -C "$KDIR" M="$dir" modules) \
		> "$SCRATCH/build-$who.log" 2>&1
	st=$?
	is "$who: make modules succeeds in the sandbox" "$st" 0
	[ "$st" -eq 0 ] && grep -q "LD \[M\]" "$SCRATCH/build-$who.log" || diag "$(tail -n 20 "$SCRATCH/build-$who.log")"
	check "$who: hello.ko was built" test -s "$dir/hello.ko"
	check "$who: hello.ko is the demo module" grep -q "sandrun demo module" "$dir/hello.ko"
	like "$who: kbuild linked the module" "$(cat "$SCRATCH/build-$who.log")" 'LD \[M\] .*hello\.ko'
	after=$(find "$KDIR/" -newer "$dir/hello.c" 2>/dev/null | wc -l)
	is "$who: nothing was written to the headers tree" "$after" "$before"
	# the run's after-state: read through the command's root, which the
	# sandbox's pid 1 does not open to an unprivileged tracer
	like "$who: the trace's after-state has hello.ko as built" \
		"$(grep '"state":"after","path":"\$SRC/hello.ko"' "$dir/sandrun.trace")" \
		"\"type\":\"file\",\"perm\":\"0644\",\"size\":$(stat -c %s "$dir/hello.ko"),\"digest\":\"[0-9a-f]{32}\""
	like "$who: the run's summary counts what it created" \
		"$(grep '^sandrun: ' "$SCRATCH/build-$who.log")" ' [1-9][0-9]* created'
done

# In-process recording leaves the kbuild's trace as ptrace alone records
# it (digests and sizes aside: kbuild's compiler probes write files with
# temporary names in them).
if [ -f "$SCRATCH/bin/sandrun-rec.so" ] && [ -s "$SCRATCH/root/demo/sandrun.trace" ]; then
	dir=$SCRATCH/root/demo
	(cd "$dir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$SR" -q --no-preload \
		-o "$SCRATCH/np.trace" -- make -C "$KDIR" M="$dir" clean modules) >/dev/null 2>&1
	st=$?
	(cd "$dir" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "$SR" -q \
		-o "$SCRATCH/pre.trace" -- make -C "$KDIR" M="$dir" clean modules) >/dev/null 2>&1
	is "kbuild: both builds succeed (--no-preload, and with the preload)" "$st:$?" "0:0"
	shape() { sed -E 's/"digest":"[0-9a-f]+"//g; s/"size":[0-9]+//g; s/"(uuid|start|end)":"[^"]*"//g' "$1"; }
	if diff <(shape "$SCRATCH/pre.trace") <(shape "$SCRATCH/np.trace") >"$SCRATCH/shape.diff"; then
		ok "kbuild: the same events with and without the preload"
	else
		not_ok "kbuild: the same events with and without the preload"
		head -5 "$SCRATCH/shape.diff" | cut -c1-300 | while read -r l; do diag "$l"; done
	fi
	s1=$(sed -n 's/.*"stops": \([0-9]*\).*/\1/p' "$SCRATCH/pre.trace.meta.json")
	s2=$(sed -n 's/.*"stops": \([0-9]*\).*/\1/p' "$SCRATCH/np.trace.meta.json")
	check "kbuild: fewer than half the stops with the preload ($s1 against $s2)" \
		test "$((s1 * 2))" -lt "$s2"
	is "kbuild: no in-process record was rejected" \
		"$(sed -n 's/.*"in_process_rejected": \([0-9]*\).*/\1/p' "$SCRATCH/pre.trace.meta.json")" 0
else
	for i in 1 2 3 4; do skip "no preload, or no root kbuild to compare"; done
fi

done_testing
