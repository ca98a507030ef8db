# shellcheck shell=bash
# bt_stop PID: end the bpftrace whose pid PID is (its END printed) and
# wait for it.  SIGINT until it is gone: one that comes while it is
# between two waits for events can go unseen (bpftrace 0.17 was found
# waiting on, one run in many, with its workload long done and nothing
# more to wake it), and each SIGINT after the first only ends its wait
# again.  Sourced by bench/lifetimes and bench/waits.
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
