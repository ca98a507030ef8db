# shellcheck shell=bash
# What bench/lifetimes and bench/waits, the bpftrace tools, share.

# bt_tracefs: the kernel's tracing filesystem mounted where bpftrace
# looks for its tracepoints, if it is not (a machine that did not boot
# with systemd, a container), and we may mount it; quiet, and true
# either way: bpftrace's own error says what is missing.
bt_tracefs() {
	[ -d /sys/kernel/tracing/events ] && return 0
	[ "$(id -u)" = 0 ] || return 0
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null &&
		echo "bench: mounted tracefs on /sys/kernel/tracing (bpftrace's tracepoints)" >&2
	return 0
}

# bt_stop PID: end the bpftrace whose pid PID is (its END printed) and
# wait for it.  SIGINT until it is gone: one that comes while it is
# between two waits for events can go unseen (bpftrace 0.17 was found
# waiting on, one run in many, with its workload long done and nothing
# more to wake it), and each SIGINT after the first only ends its wait
# again.
bt_stop() {
	local i k

	for ((i = 0; i < 60; i++)); do
		kill -INT "$1" 2>/dev/null || break
		# (its END has a second to print before the next)
		for ((k = 0; k < 10; k++)); do
			kill -0 "$1" 2>/dev/null || break 2
			sleep 0.1
		done
	done
	wait "$1"
}
