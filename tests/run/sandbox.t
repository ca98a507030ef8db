#!/bin/bash
# The sandbox's walls, as root and as an unprivileged user: exit status,
# signals, the read-only host, the read-write source tree, a private /tmp,
# the fixed hostname, the pid namespace, the network namespace, daemons
# that try to outlive the run, and --ro-bind over a system header.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins

# sr WHO DIR ARG...: run sandrun as WHO from DIR.
sr() {
	local who=$1 dir=$2; shift 2
	(cd "$dir" && as "$who" "$SR" --ro-bind="$SCRATCH/bin:$SCRATCH/bin" "$@")
}

port_base=$((20000 + $$ % 20000))

grep -qs seccomp /sys/devices/system/cpu/vulnerabilities/spec_store_bypass ||
	diag "no seccomp mode in this kernel's Spectre v4 mitigation: the speculation check below cannot tell a filter that forces it here"

for who in $(test_users); do
	src=$SCRATCH/$who/src
	owned_dir "$who" "$src"
	if ! reason=$(cd "$src" && require_sandbox "$who"); then
		skip "$who: cannot create a sandbox here: $reason"
		continue
	fi

	# Exit status and signal deaths propagate.
	sr "$who" "$src" -- sh -c 'exit 3'
	is "$who: exit status propagates" "$?" 3
	sr "$who" "$src" -- sh -c 'kill -TERM $$'
	is "$who: death by SIGTERM gives 128+15" "$?" 143
	sr "$who" "$src" -- sh -c 'kill -KILL $$'
	is "$who: death by SIGKILL gives 128+9" "$?" 137

	# Inside, the invoker's own uid (or 0 with --root).
	is "$who: the invoker's uid inside" \
		"$(sr "$who" "$src" -- id -u)" "$(as "$who" id -u)"
	is "$who: --root maps to uid 0" "$(sr "$who" "$src" --root -- id -u)" 0

	# The seccomp filter leaves the build's speculation controls as any
	# process has them (SECCOMP_FILTER_FLAG_SPEC_ALLOW).  Where the
	# kernel's Spectre v4 or v2 user mitigation is in its "seccomp" mode
	# (the default before 5.16), a filter without the flag forces them
	# off in every process of the build, and the two differ.  (The
	# filter is there: the comparison would say nothing without it.)
	is "$who: the command runs under the recording's seccomp filter" \
		"$(sr "$who" "$src" -- sed -n 's/^Seccomp:[[:space:]]*//p' /proc/self/status)" 2
	is "$who: speculation controls as outside the sandbox" \
		"$(sr "$who" "$src" -- grep '^Speculation' /proc/self/status)" \
		"$(as "$who" grep '^Speculation' /proc/self/status)"

	# No core dump in a recorded run: the kernel would write the file
	# with no syscall to record (core_pattern's default is "core").
	is "$who: core dumps are off, and cannot be turned on" \
		"$(sr "$who" "$src" -- sh -c 'ulimit -c; ulimit -H -c; (ulimit -c unlimited) 2>/dev/null || echo refused')" \
		"0
0
refused"
	# (a soft limit of 0 outside would leave none anyway: unlimited here)
	(ulimit -S -c unlimited; sr "$who" "$src" -- sh -c 'sh -c "kill -SEGV \$\$"') 2>/dev/null
	check "$who: a crash leaves no core file in the tree" test ! -e "$src/core"

	# Writing outside the source tree fails and leaves nothing behind.
	out=$(sr "$who" "$src" -- sh -c "for f in /etc/sandrun-probe-$$ /usr/sandrun-probe-$$ /var/lib/sandrun-probe-$$ \$HOME/sandrun-probe-$$; do
		(echo x > \$f) 2>/dev/null && echo wrote \$f; done; echo done")
	is "$who: writing outside the source tree fails" "$out" done
	check "$who: nothing left outside" test ! -e "/etc/sandrun-probe-$$" -a ! -e "/var/lib/sandrun-probe-$$" -a ! -e "$HOME/sandrun-probe-$$"
	sr "$who" "$src" -- sh -c "echo x > /var/tmp/sandrun-probe-$$"
	check "$who: /var/tmp is the sandbox's own" test ! -e "/var/tmp/sandrun-probe-$$"
	out=$(sr "$who" "$src" -- sh -c 'ls -A /run')
	is "$who: /run has nothing of the host's inside (no host sockets)" \
		"$(echo "$out" | grep -vx sandrun)" ""
	out=$(sr "$who" "$src" -- sh -c '(echo x > /proc/sys/kernel/core_pattern) 2>&1')
	like "$who: /proc/sys is read-only" "$out" 'Read-only file system'
	out=$(sr "$who" "$src" --root -- sh -c '(mount -o remount,bind,rw /usr && touch /usr/sandrun-probe) 2>&1; ls /usr/sandrun-probe 2>&1')
	like "$who: --root cannot remount the host root read-write" "$out" 'No such file'
	check "$who: and nothing landed" test ! -e /usr/sandrun-probe
	out=$(sr "$who" "$src" -- sh -c 'touch /etc/sandrun-probe 2>&1')
	like "$who: the host root is read-only" "$out" 'Read-only file system'
	# The host's device nodes are used, not changed: root outside is uid 0
	# inside, and could chmod the host's /dev/null through a writable bind.
	# (Each change would leave the node as it is, should it get through.)
	before=$(stat -c '%a %u %Y' /dev/null /dev/zero)
	out=$(sr "$who" "$src" -- sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c &&
		(chmod "$(stat -c %a /dev/null)" /dev/null; chown "$(stat -c %u /dev/zero)" /dev/zero
		 touch -c -r /dev/null /dev/null) 2>&1')
	like "$who: /dev/null and /dev/zero are written and read" "$out" '^4'
	like "$who: their modes cannot be changed" "$out" "chmod: .*/dev/null': Read-only file system"
	like "$who: nor their owners" "$out" "chown: .*/dev/zero': Read-only file system"
	like "$who: nor their times" "$out" "touch: .*/dev/null': Read-only file system"
	is "$who: the host's nodes are as they were" "$(stat -c '%a %u %Y' /dev/null /dev/zero)" "$before"

	# Writing inside works, with the tree under /tmp.
	sr "$who" "$src" -- sh -c 'mkdir -p sub && echo built > sub/out.txt'
	is "$who: writes in the source tree (under /tmp) land" \
		"$(cat "$src/sub/out.txt" 2>/dev/null)" built

	# /tmp is private both ways.
	sr "$who" "$src" -- sh -c "echo x > $SCRATCH/outside"
	check "$who: a write to /tmp stays in the sandbox's /tmp" test ! -e "$SCRATCH/outside"
	echo host > "$SCRATCH/host-marker"
	sr "$who" "$src" -- sh -c 'echo inside > /tmp/private-marker'
	check "$who: the sandbox's /tmp does not reach the host" \
		test ! -e /tmp/private-marker
	out=$(sr "$who" "$src" -- sh -c "ls /tmp; test -e $SCRATCH/host-marker && echo visible")
	is "$who: the host's /tmp is not visible inside (only the tree)" "$out" \
		"$(basename "$SCRATCH")"

	# The fixed hostname.
	is "$who: hostname is fixed" "$(sr "$who" "$src" -- uname -n)" sandrun

	# Only the sandbox's processes are visible in /proc.
	marker="sandrun-marker-$$-$who"
	sleep 300 "$marker" 2>/dev/null &
	host_sleep=$!
	sleep 0.1
	out=$(sr "$who" "$src" -- sh -c 'for p in /proc/[0-9]*; do tr "\0" " " < $p/cmdline; echo; done')
	kill "$host_sleep" 2>/dev/null; wait "$host_sleep" 2>/dev/null
	case $out in
	*"$marker"*) not_ok "$who: host processes are invisible in /proc" ;;
	*) ok "$who: host processes are invisible in /proc" ;;
	esac
	n=$(printf '%s\n' "$out" | grep -c .)
	check "$who: /proc lists only the sandbox's few processes ($n)" test "$n" -le 4
	is "$who: the command's shell is pid 2 (pid 1 is sandrun's init)" \
		"$(sr "$who" "$src" -- sh -c 'echo $$')" 2

	# The host's loopback is unreachable; the sandbox's own works.
	port=$((port_base + ${#who}))
	"$SCRATCH/bin/net-probe" listen "$port" > "$SCRATCH/listen.out" &
	listener=$!
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		grep -q listening "$SCRATCH/listen.out" 2>/dev/null && break
		sleep 0.1
	done
	is "$who: the host's 127.0.0.1 listener is unreachable inside" \
		"$(sr "$who" "$src" -- "$SCRATCH/bin/net-probe" connect "$port")" ECONNREFUSED
	is "$who: --net=host reaches the host's listener" \
		"$(sr "$who" "$src" --net=host -- "$SCRATCH/bin/net-probe" connect "$port")" "connected pong"
	kill "$listener" 2>/dev/null; wait "$listener" 2>/dev/null
	out=$(sr "$who" "$src" -- sh -c "
		$SCRATCH/bin/net-probe listen $port > /tmp/l & 
		for i in 1 2 3 4 5 6 7 8 9 10; do grep -q listening /tmp/l && break; sleep 0.1; done
		$SCRATCH/bin/net-probe connect $port")
	is "$who: the sandbox's own loopback works" "$out" "connected pong"
	is "$who: --net=none leaves loopback down" \
		"$(sr "$who" "$src" --net=none -- "$SCRATCH/bin/net-probe" connect "$port")" ENETUNREACH

	# A setsid'd daemon does not outlive the run.
	dmarker=$((900000 + $$ % 1000))$((${#who}))
	sr "$who" "$src" -- sh -c "setsid sleep $dmarker.5 </dev/null >/dev/null 2>&1 & sleep 0.2; exit 0"
	is "$who: exit 0 with a daemon left behind" "$?" 0
	if pgrep -f "sleep $dmarker.5" >/dev/null; then
		not_ok "$who: the setsid'd daemon was killed with the sandbox"
		pkill -f "sleep $dmarker.5"
	else
		ok "$who: the setsid'd daemon was killed with the sandbox"
	fi

	# --ro-bind of a file over a system header is visible inside only.
	hdr=/usr/include/errno.h
	if [ -f "$hdr" ]; then
		{ cat "$hdr"; echo "/* sandrun-test-$who */"; } > "$SCRATCH/errno-$who.h"
		chmod 666 "$SCRATCH/errno-$who.h"
		out=$(sr "$who" "$src" --ro-bind="$SCRATCH/errno-$who.h:$hdr" -- grep -c "sandrun-test-$who" "$hdr")
		is "$who: --ro-bind puts the copy over the header inside" "$out" 1
		check "$who: the host's header is untouched" \
			sh -c "! grep -q sandrun-test $hdr"
		out=$(sr "$who" "$src" --ro-bind="$SCRATCH/errno-$who.h:$hdr" -- sh -c "(echo >> $hdr) 2>&1")
		like "$who: the --ro-bind copy is read-only" "$out" 'Read-only'
	else
		skip "$who: no $hdr (libc6-dev not installed)"
	fi

	# A bind of a directory over a file, or of a file over a directory,
	# is refused with both names and why, before the command runs.
	out=$(sr "$who" "$src" --ro-bind="$SCRATCH/bin:/etc/hostname" -- sh -c 'echo ran' 2>&1)
	is "$who: a directory over a file: setup fails" "$?" 125
	like "$who: a directory over a file: said" "$out" \
		"ro-bind $SCRATCH/bin /etc/hostname: a directory cannot be bound over a file"
	out=$(sr "$who" "$src" --ro-bind="$SCRATCH/errno-$who.h:/etc" -- sh -c 'echo ran' 2>&1)
	like "$who: a file over a directory: said" "$out" \
		"/etc: a file cannot be bound over a directory"
	is "$who: a file over a directory: the command never ran" \
		"$(printf '%s\n' "$out" | grep -c '^ran$')" 0
done

done_testing
