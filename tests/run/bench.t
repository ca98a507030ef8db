#!/bin/bash
# The benchmark's A/B tool (bench/ab) and its workload (bench/spawnloop),
# run for real on a few processes: what they print, that the processes
# they time are the ones asked for, and their usage errors (125).  How
# fast anything is is never asserted here (bench/results.md has that).
. "$(dirname "$0")/../tap.sh"
. "$(dirname "$0")/../../bench/bt.sh"

new_scratch
install_bins
require_sandbox root >/dev/null 2>&1 || require_sandbox user >/dev/null 2>&1 ||
	skip_all "no sandbox here: $(as user "$SR" --no-trace -- true 2>&1 | head -n1)"
if ! command -v cc >/dev/null || ! command -v perl >/dev/null; then
	skip_all "bench/ab needs cc and perl"
fi

cc -std=gnu11 -O2 -o "$SCRATCH/spawnloop" "$TOP/bench/spawnloop.c"
is "spawnloop builds" "$?" 0
out=$("$SCRATCH/spawnloop" 3 /bin/true)
like "spawnloop prints its figures a process" "$out" \
	'^wall [0-9.]+ child_cpu [0-9.]+ parent_cpu [0-9.]+ us/proc$'
"$SCRATCH/spawnloop" 0 /bin/true 2>/dev/null
is "spawnloop 0 is a usage error (125)" "$?" 125
"$SCRATCH/spawnloop" 2 /no/such/program 2>"$SCRATCH/err"
is "a program that cannot be spawned: 125" "$?" 125
like "and says why" "$(cat "$SCRATCH/err")" 'posix_spawn'
# the processes it times are the ones asked for: seven execs of true
(cd "$SCRATCH" && "$SR" -q -o "$SCRATCH/loop.trace" -- ./spawnloop 7 /bin/true >/dev/null)
is "under sandrun, spawnloop 7 runs /bin/true seven times" \
	"$(grep -c '"ev":"exec","path":"/bin/true"' "$SCRATCH/loop.trace")" 7

# bench/hostcost: six figures, each a positive number of microseconds;
# built with the project's warnings
cc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$SCRATCH/hostcost" "$TOP/bench/hostcost.c"
is "hostcost builds without a warning" "$?" 0
out=$("$SCRATCH/hostcost" 10)
is "hostcost exits 0" "$?" 0
is "hostcost names its six figures in order" "$(echo "$out" | cut -d' ' -f1 | tr '\n' ' ')" \
	"syscall fault branch switch fork spawn "
check "each is a positive number ($(echo "$out" | tr '\n' ' '))" \
	perl -e 'while (<STDIN>) { exit 1 unless /^\w+ (\d+\.\d\d)$/ && $1 > 0 } exit 0' <<<"$out"
"$SCRATCH/hostcost" 5 2>"$SCRATCH/err"
is "hostcost 5 is a usage error (2)" "$?" 2
like "with the usage" "$(cat "$SCRATCH/err")" '^usage: hostcost N'
# its spawns are real: nine rounds of ten execs of /bin/true
(cd "$SCRATCH" && "$SR" -q -o "$SCRATCH/host.trace" -- ./hostcost 10 >/dev/null)
is "under sandrun, hostcost 10 runs /bin/true 90 times" \
	"$(grep -c '"ev":"exec","path":"/bin/true"' "$SCRATCH/host.trace")" 90

# bench/run's host table, written where BENCH_OUT says (not over
# bench/results.md): one row of the six figures
BENCH_OUT=$SCRATCH/host.md "$TOP/bench/run" -n 1 host >"$SCRATCH/host.out" 2>&1
is "bench/run host exits 0" "$?" 0
like "its table has the six figures" "$(cat "$SCRATCH/host.md")" \
	'\| [0-9]+\.[0-9]{2} \| [0-9]+\.[0-9]{2} \| [0-9]+\.[0-9]{2} \| [0-9]+\.[0-9]{2} \| [0-9]+\.[0-9]{2} \| [0-9]+\.[0-9]{2} \|'
is "and prints what it writes" "$(cat "$SCRATCH/host.out")" "$(cat "$SCRATCH/host.md")"

# A run that fails or hangs is left out of its table's figures and named
# under the table, and bench/run exits 1 (BENCH_SANDRUN: a sandrun that
# fails, then one that hangs; BENCH_TIMEOUT: the limit a run)
if [ -d "$TOP/../shared/fixtures/debian-6.1.0-57" ]; then
	printf '#!/bin/sh\nexit 3\n' >"$SCRATCH/sr-fails"
	printf '#!/bin/sh\nexec sleep 120\n' >"$SCRATCH/sr-hangs"
	chmod +x "$SCRATCH/sr-fails" "$SCRATCH/sr-hangs"
	BENCH_OUT=$SCRATCH/fail.md BENCH_SANDRUN=$SCRATCH/sr-fails "$TOP/bench/run" -n 1 hash >/dev/null 2>&1
	is "bench/run with a contender that fails exits 1" "$?" 1
	like "its row counts no run" "$(cat "$SCRATCH/fail.md")" '\| sandrun hash \| no run \|'
	like "and the run is named under the table" "$(cat "$SCRATCH/fail.md")" \
		'- sandrun hash: run 1 failed \(exit [0-9]+\), left out'
	like "the native run's row is still there" "$(cat "$SCRATCH/fail.md")" '\| native \(`xargs sha256sum'
	t0=$(date +%s)
	BENCH_OUT=$SCRATCH/hang.md BENCH_TIMEOUT=10 BENCH_SANDRUN=$SCRATCH/sr-hangs "$TOP/bench/run" -n 1 hash >/dev/null 2>&1
	is "bench/run with a contender that hangs exits 1" "$?" 1
	like "the run is named as timed out" "$(cat "$SCRATCH/hang.md")" \
		'- sandrun hash: run 1 timed out after 10 s, left out'
	t=$(($(date +%s) - t0))
	check "and was not waited for: $t s for two tables whose hung runs sleep 120 s" test "$t" -lt 120
else
	for i in 1 2 3 4 5 6 7; do skip "no fixtures in ../shared/fixtures"; done
fi
# its proc table, on 100 processes: each row with its processes' own CPU
# (from the loop's `times`) where the loop ran, and the loop alone's,
# which is not 0 (`times` counts clock ticks: 100 processes take several,
# 20 on a fast host might take none)
BENCH_OUT=$SCRATCH/proc.md BENCH_PROC_N=100 "$TOP/bench/run" -n 1 proc >/dev/null 2>&1
is "bench/run proc exits 0" "$?" 0
like "sandrun's row has the loop's own CPU a process" \
	"$(grep '^| sandrun run (full recording) |' "$SCRATCH/proc.md")" \
	'^\| sandrun run \(full recording\) \| -?[0-9]+ us \| -?[0-9]+ us \| -?[0-9]+ us \| -?[0-9]+ us \| [0-9]+ us \| [0-9]+ us \|$'
like "so has bench/floor's" "$(grep '^| bench/floor' "$SCRATCH/proc.md")" \
	'\| -?[0-9]+ us \| n/a \| n/a \|$'
like "and the loop alone's is said" "$(cat "$SCRATCH/proc.md")" \
	'\(The loop alone: [0-9]+ us a process, [1-9][0-9]* us of its own CPU\.\)'
BENCH_OUT=$SCRATCH/none.md "$TOP/bench/run" -n 1 nosuch >/dev/null 2>&1
is "an unknown workload: 124" "$?" 124

# its dkms workload on a module source of one's own (BENCH_DKMS; the
# demo module here, Debian's apfs-dkms takes minutes): a real module
# build, native and under sandrun, and the tracer's notifications on it
KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
if [ -z "$KDIR" ]; then
	skip "bench/run dkms: no linux-headers-amd64 here"
else
	BENCH_OUT=$SCRATCH/dk0.md BENCH_DKMS=$SCRATCH/no-such-module "$TOP/bench/run" -n 1 dkms >/dev/null 2>&1
	is "bench/run dkms with no module source exits 0" "$?" 0
	like "and says why it skipped it" "$(cat "$SCRATCH/dk0.md")" \
		'dkms: skipped \(no module source: BENCH_DKMS=DIR'
	cp -r "$TOP/contrib/demo-module" "$SCRATCH/dkmod"
	# (named relative to where bench/run starts, which is not its own)
	(cd "$SCRATCH" && BENCH_OUT=$SCRATCH/dk.md BENCH_DKMS=dkmod "$TOP/bench/run" -n 1 \
		-k 'full recording' dkms >/dev/null 2>&1)
	is "bench/run dkms exits 0" "$?" 0
	like "its table names the module and the make" "$(cat "$SCRATCH/dk.md")" \
		"### a real out-of-tree module as DKMS builds it: make -j$(nproc) modules \\(dkmod, 1 C files, $KDIR\\)"
	like "with a row for full recording" "$(cat "$SCRATCH/dk.md")" \
		$'\n''\| sandrun run \(full recording\) \| [0-9.]+x \|'
	# (the native row's CPU and the contender's, and their ratio: the
	# CPU of the whole run, the build's compilers too, well over 0)
	read -r ncpu cpu ratio <<<"$(awk -F' \\| ' '/^\| native / { n = $8 }
		/^\| sandrun run \(full recording\) / { c = $8; r = $7 }
		END { sub(/ s \|$/, "", n); sub(/ s \|$/, "", c); print n, c, r }' "$SCRATCH/dk.md")"
	check "and the CPU time of both runs ($ncpu s, $cpu s), whose ratio is the row's ($ratio)" \
		perl -e 'my ($n, $c, $r) = @ARGV; $r =~ s/x$//;
			exit !($n > 0.05 && $c > 0.05 && $r > 0 && abs($r - $c / $n) < 0.01 + 0.02 * $c / $n)' \
		"$ncpu" "$cpu" "$ratio"
	like "and the tracer's execve notifications on it" "$(cat "$SCRATCH/dk.md")" \
		$'\n''\| execve \| [1-9][0-9]* \| [0-9.]+ ms \| [0-9]+ us \|'
	is "the build ran in the copy, not in BENCH_DKMS's source" \
		"$(find "$SCRATCH/dkmod" -name '*.o' | wc -l)" 0
fi

# the statistics both tools print: median, min, max, and an interval
# for the median that holds it, from the numbers themselves
read -r m lo hi a b <<<"$(printf '5\n1\n4\n2\n3\n' | "$TOP/bench/median-ci")"
is "median-ci: median, min, max of 5 1 4 2 3" "$m $lo $hi" "3 1 5"
check "median-ci: the interval ($a-$b) lies within them and holds the median" \
	perl -e 'exit !(1 <= $ARGV[0] && $ARGV[0] <= 3 && 3 <= $ARGV[1] && $ARGV[1] <= 5)' "$a" "$b"
is "median-ci: an even count's median is the middle two's mean" \
	"$(printf '1\n2\n3\n10\n' | "$TOP/bench/median-ci" | cut -d' ' -f1)" 2.5
printf '' | "$TOP/bench/median-ci" >/dev/null
is "median-ci: no numbers exits 1" "$?" 1

AB=$TOP/bench/ab
out=$("$AB" -n 3 -p 5 "$SR" "$SR --no-preload" 2>&1)
is "bench/ab exits 0" "$?" 0
like "it names both contenders" "$out" "A: $SR"$'\n'"B: $SR --no-preload"
like "and the workload" "$out" '3 interleaved pairs of bench/spawnloop 5 /bin/true'
like "the ratio's median and its interval" "$out" \
	'B/A: median [0-9]+\.[0-9]{3}, 95% interval [0-9]+\.[0-9]{3}-[0-9]+\.[0-9]{3}'
read -r med lo hi <<<"$(echo "$out" | sed -n 's/^B\/A: median \([0-9.]*\), 95% interval \([0-9.]*\)-\([0-9.]*\).*/\1 \2 \3/p')"
check "the interval holds the median ($lo <= $med <= $hi)" \
	perl -e 'exit !($ARGV[0] <= $ARGV[1] && $ARGV[1] <= $ARGV[2])' "$lo" "$med" "$hi"
# a command of one's own, timed whole, with a step before each run
out=$("$AB" -n 2 -c "echo x >>$SCRATCH/preps" "$SR" "$SR" -- /bin/sh -c 'exit 0' 2>&1)
is "bench/ab with a command exits 0" "$?" 0
like "and times it whole" "$out" "2 interleaved pairs of /bin/sh -c exit 0 \\(microseconds a run\\)"
is "PREP ran before each of the four runs" "$(wc -l <"$SCRATCH/preps")" 4

"$AB" -n 2 -p 5 "$SR" "$SCRATCH/no-such-sandrun" >/dev/null 2>"$SCRATCH/err"
is "a contender that fails: 125" "$?" 125
like "and the failed run is named" "$(cat "$SCRATCH/err")" "a run of B failed: $SCRATCH/no-such-sandrun"
"$AB" "$SR" 2>"$SCRATCH/err"
is "one contender is a usage error (125)" "$?" 125
like "with the usage" "$(cat "$SCRATCH/err")" '^usage: bench/ab'
"$AB" -n 1 "$SR" "$SR" 2>/dev/null
is "fewer than two pairs is a usage error" "$?" 125
"$AB" -n x "$SR" "$SR" 2>/dev/null
is "a PAIRS that is not a number is a usage error" "$?" 125

# bench_bpf NAME: bench/NAME's usage errors (125), then whether bpftrace
# can attach to the scheduler's tracepoints here (root): a skip with the
# reason, false, if not
bench_bpf() {
	local tool=$TOP/bench/$1

	"$tool" -n 1 2>"$SCRATCH/err"
	is "$1 without a command is a usage error (125)" "$?" 125
	like "with the usage" "$(cat "$SCRATCH/err")" "^usage: bench/$1"
	"$tool" -n 0 -- true 2>/dev/null
	is "$1 -n 0 is a usage error" "$?" 125
	if ! command -v bpftrace >/dev/null; then
		skip "bench/$1: no bpftrace here (apt-get install bpftrace)"
		return 1
	fi
	# (as the tool does: tracefs mounted if it is not and we are root)
	bt_tracefs 2>/dev/null
	if ! bpftrace -q -e 'tracepoint:sched:sched_switch { } BEGIN { exit(); }' \
		>/dev/null 2>"$SCRATCH/bterr"; then
		skip "bench/$1: bpftrace cannot attach here: $(grep -v RLIMIT_MEMLOCK "$SCRATCH/bterr" | head -n1)"
		return 1
	fi
}

# bench_bpf_fails NAME: a command that fails is bench/NAME's failure too
bench_bpf_fails() {
	"$TOP/bench/$1" -n 1 -s "$SR" -- /bin/sh -c 'exit 3' >/dev/null 2>"$SCRATCH/err"
	is "a command that fails: 125" "$?" 125
	like "and the failed run is named" "$(cat "$SCRATCH/err")" 'a run failed: /bin/sh -c exit 3'
}

# bench/lifetimes: a program's exec-to-exit lifetime natively and under
# sandrun, from bpftrace (root, and the kernel's sched tracepoints)
if bench_bpf lifetimes; then
	out=$("$TOP/bench/lifetimes" -n 1 -s "$SR" -c "echo x >>$SCRATCH/lpreps" -- /bin/sh -c '/bin/true; /bin/true; exit 0' 2>&1)
	is "bench/lifetimes exits 0" "$?" 0
	like "it says what it ran" "$out" '^1 runs each of /bin/sh -c /bin/true; /bin/true; exit 0 \(natively; under '
	# (two trues a run, both sides timed; the shell forked them)
	like "a row for the two trues, with both lifetimes" "$out" \
		$'\n''\| true \| 2 \| [0-9]+\.[0-9] ms \| [0-9]+\.[0-9] ms \| [-+][0-9]+ us \|'
	like "the shell's row says its children are in its figure" "$out" \
		$'\n''\| sh \(with its children\) \| 1 \| [0-9]+\.[0-9] ms \| [0-9]+\.[0-9] ms \| [-+][0-9]+ us \|'
	check "the whole run's lifetimes are above 0 ms on both sides" \
		perl -e 'exit !($ARGV[0] =~ /\| \(the whole run\) \| \| ([0-9.]+) ms \| ([0-9.]+) ms \|/ && $1 > 0 && $2 > 0)' "$out"
	is "PREP ran before both runs" "$(wc -l <"$SCRATCH/lpreps")" 2
	bench_bpf_fails lifetimes
fi

# bench/waits: where a run's processes wait, natively and under sandrun,
# from bpftrace too
if bench_bpf waits; then
	out=$("$TOP/bench/waits" -n 1 -s "$SR" -c "echo x >>$SCRATCH/wpreps" -- /bin/sh -c '/bin/true; /bin/true; exit 0' 2>&1)
	is "bench/waits exits 0" "$?" 0
	like "it says what it ran" "$out" '^1 runs each of /bin/sh -c /bin/true; /bin/true; exit 0 \(natively; under '
	check "the run's wall time is above 0 ms on both sides" \
		perl -e 'exit !($ARGV[0] =~ /\| \(the run: exec to exit\) \| \| ([0-9.]+) ms \| \| ([0-9.]+) ms \|/ && $1 > 0 && $2 > 0)' "$out"
	# (under sandrun every true's exec and exit are notifications, and
	# each new process's first stop a ptrace stop; natively there are
	# none of either)
	check "notifications waited for under sandrun only" \
		perl -e 'exit !($ARGV[0] =~ /\| blocked until a seccomp notification was answered \| 0 \| 0\.0 ms \| ([0-9]+) \| [0-9.]+ ms \| [0-9]+ us \|/ && $1 >= 4)' "$out"
	check "ptrace stops under sandrun only" \
		perl -e 'exit !($ARGV[0] =~ /\| stopped by ptrace until resumed \| 0 \| 0\.0 ms \| ([0-9]+) \|/ && $1 >= 2)' "$out"
	# (each true's notifications are answered, and wake it: natively
	# nothing answers; the waits behind a thread of the tracer are some
	# of those)
	check "waits after an answer under sandrun only, those behind the tracer among them" \
		perl -e 'exit !($ARGV[0] =~ /\| ready, not running, after the tracer answered its notification \| 0 \| 0\.0 ms \| ([0-9]+) \|/ && $1 >= 4 &&
			      ($n = $1, $ARGV[0] =~ /\| of those, a thread of the tracer on its CPU until it ran \| 0 \| 0\.0 ms \| ([0-9]+) \|/) && $1 <= $n)' "$out"
	check "the tracer's threads ran under sandrun, not natively" \
		perl -e 'exit !($ARGV[0] =~ /\| the tracer: its threads on a CPU \| \| 0\.0 ms \| \| ([0-9.]+) ms \|/ && $1 > 0)' "$out"
	is "PREP ran before both runs" "$(wc -l <"$SCRATCH/wpreps")" 2
	bench_bpf_fails waits
fi

# bench/run: its usage errors (124) come before anything is written, and
# -k runs only the contenders it names (the native run always)
BR=$TOP/bench/run
BENCH_OUT=$SCRATCH/none.md "$BR" no-such-workload >/dev/null 2>"$SCRATCH/err"
is "bench/run with a workload it does not have: 124" "$?" 124
like "it names it" "$(cat "$SCRATCH/err")" "^bench/run: no workload 'no-such-workload'"
check "and writes no results" test ! -e "$SCRATCH/none.md"
BENCH_OUT=$SCRATCH/none.md "$BR" -n 0 proc >/dev/null 2>&1
is "bench/run -n 0: 124" "$?" 124
check "and writes no results" test ! -e "$SCRATCH/none.md"
BENCH_OUT=$SCRATCH/none.md "$BR" -k '(' proc >/dev/null 2>"$SCRATCH/err"
is "bench/run -k with no regular expression: 124" "$?" 124
like "it says so" "$(cat "$SCRATCH/err")" '^bench/run: -k: not an extended regular expression: \($'
out=$(BENCH_OUT=$SCRATCH/proc.md BENCH_PROC_N=3 "$BR" -n 1 -k 'no-trace|trace=none' proc 2>"$SCRATCH/err")
is "bench/run -k 'no-trace|trace=none' proc exits 0" "$?" 0
like "the --no-trace row is there" "$out" $'\n''\| sandrun --no-trace \(namespaces only\) \| -?[0-9]+ us \|'
like "and strace's following only" "$out" $'\n''\| strace -f --seccomp-bpf -e trace=none '
is "full recording did not run" "$(printf '%s\n' "$out" | grep -c 'full recording')" 0
is "nor bench/floor" "$(printf '%s\n' "$out" | grep -c 'bench/floor')" 0
is "the results file has what was printed" "$(cat "$SCRATCH/proc.md")" "$out"

done_testing
