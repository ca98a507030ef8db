#!/bin/bash
# The command line: help, version, usage errors, exit codes, --dry-run,
# the environment options, run metadata, signal forwarding, and the
# messages for setup failures.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
cd "$SCRATCH" || exit 1

out=$("$SR" --version)
like "--version prints the version" "$out" '^sandrun [0-9]+\.[0-9]+\.[0-9]+$'
out=$("$SR" --help)
like "--help lists run" "$out" 'run +run COMMAND'
for sub in run help version; do
	"$SR" "$sub" --help >/dev/null
	is "'$sub --help' exits 0" "$?" 0
done
out=$("$SR" run --help)
like "run --help documents --ro-bind" "$out" '--ro-bind=SRC:DST'

"$SR" --no-such-option -- true 2>"$SCRATCH/err"
is "an unknown option is a usage error (124)" "$?" 124
like "the usage error names the option" "$(cat "$SCRATCH/err")" "unrecognized option '--no-such-option'"
"$SR" run 2>/dev/null
is "no command is a usage error" "$?" 124
"$SR" frobnicate 2>"$SCRATCH/err"
is "an unknown subcommand is a usage error" "$?" 124
like "the unknown subcommand is named" "$(cat "$SCRATCH/err")" "unknown subcommand 'frobnicate'"
"$SR" --net=wifi -- true 2>/dev/null
is "a bad --net mode is a usage error" "$?" 124
for size in 100 4k1 -1M 2T ""; do
	"$SR" --canon-buffer="$size" -- true 2>"$SCRATCH/err"
	is "--canon-buffer='$size' is a usage error" "$?" 124
done
like "and the error says what a size is" "$(cat "$SCRATCH/err")" "canon-buffer: not a size from 4K to 1024G \(K, M or G\): ''"
"$SR" --bind=nowhere -- true 2>/dev/null
is "--bind without DST is a usage error" "$?" 124
"$SR" --bind=/no/such/dir:/mnt -- true 2>"$SCRATCH/err"
is "--bind of a missing source is a usage error" "$?" 124
like "the missing source is named" "$(cat "$SCRATCH/err")" "cannot resolve '/no/such/dir'"

# Subcommands' usage errors: one line saying what is wrong, then where the
# help is; never the whole help text on stderr.
usage_case() {	# usage_case WHAT PATTERN SUBCOMMAND [ARG]...
	local what=$1 pat=$2 sub=$3
	shift 3
	"$SR" "$sub" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
	is "$what: 124" "$?" 124
	like "$what: says what is wrong" "$(head -n1 "$SCRATCH/err")" "^sandrun $sub: $pat"
	is "$what: and where the help is, in two lines" \
		"$(sed -n 2p "$SCRATCH/err"; wc -l < "$SCRATCH/err")" \
		"Try 'sandrun $sub --help' for more information."$'\n'2
}
"$SR" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "no arguments: 124, in two lines, nothing on stdout" \
	"$?:$(wc -l < "$SCRATCH/err"):$(wc -c < "$SCRATCH/out")" "124:2:0"
like "no arguments: says so, and where the help is" "$(cat "$SCRATCH/err")" \
	"^sandrun: no command given .*"$'\n'"Try 'sandrun --help' for more information.\$"
# run's options say what getopt says of them, as the others' do
usage_case "run --quiet=1" "option '--quiet' doesn't allow an argument" run --quiet=1 true
usage_case "run --no (ambiguous)" "option '--no' is ambiguous; possibilities:" run --no true
usage_case "run -C without DIR" "option requires an argument -- 'C'" run -C
"$SR" --root=1 -- true 2>"$SCRATCH/err"
is "sandrun --root=1 -- true (run by default): 124, named 'sandrun', then the help" \
	"$?:$(cat "$SCRATCH/err")" "124:sandrun: option '--root' doesn't allow an argument
Try 'sandrun run --help' for more information."
usage_case "diff --jsn" "unrecognized option '--jsn'" diff --jsn a b
usage_case "diff --json=1" "option '--json' doesn't allow an argument" diff --json=1 a b
usage_case "diff with one trace" "needs two traces" diff a
usage_case "show -x" "invalid option -- 'x'" show -x t
usage_case "lock -o without FILE" "option requires an argument -- 'o'" lock -o
usage_case "fold -p and -s" "--process, --subtree and --split-at exclude each other" fold -p 1 -s 1 t
usage_case "show -p and -s" "--process and --subtree exclude each other" show -p 1 -s 1 t
usage_case "show -p ''" "an empty process ID" show -p '' t
usage_case "filter --dump --list" "--dump and --list exclude each other" filter --dump --list
usage_case "filter with no mode" "needs --dump or --list" filter
usage_case "manifest --digest=md5" "unknown digest 'md5'" manifest --digest=md5 .
usage_case "apply with one file" "needs a MANIFEST and a DELTA" apply a
usage_case "apply --bogus" "unrecognized option '--bogus'" apply --bogus a b
usage_case "apply - -" "only one of MANIFEST and DELTA can be standard input" apply - -
usage_case "apply --help with a file" "needs a MANIFEST and a DELTA" apply -- --help
usage_case "hash --mask=foo" "unknown --mask mode 'foo'" hash --mask=foo x
usage_case "hash --jobs=0" "--jobs wants 1 to 256, not '0'" hash --jobs=0 x
usage_case "hash --status without --check" "--status is meaningful only with --check" hash --status x
usage_case "hash --quiet without --check" "--quiet is meaningful only with --check" hash --quiet x
usage_case "hash --check --json" "--json is not for --check" hash -c --json x
usage_case "verify without --cert" "needs at least one --cert" verify x
usage_case "version with an operand" "takes no operands" version x
usage_case "help of an unknown subcommand" "unknown subcommand 'x'" help x
like "'help diff' is 'diff --help'" "$("$SR" help diff)" '^Usage: sandrun diff '

# A write error on standard output is sandrun's failure (125), said once;
# not a success with the output lost.
if [ -w /dev/full ]; then
	# (filter --dump: libseccomp writes its part to an fd itself, and
	# ignored the errors; the reason was lost)
	for args in "version" "help" "filter --list" "filter --dump" "hash $SR"; do
		# shellcheck disable=SC2086
		"$SR" $args >/dev/full 2>"$SCRATCH/err"
		is "'$args' >/dev/full: 125" "$?" 125
		is "'$args' >/dev/full: says so once, with the reason" "$(cat "$SCRATCH/err")" \
			'sandrun: write error on standard output: No space left on device'
	done
else
	skip "/dev/full is not writable here"
fi
# ... and so is a pipe its reader closed: 125 and said, not SIGPIPE (141).
st=$( { "$SR" manifest /usr/include 2>"$SCRATCH/err"; echo $? >"$SCRATCH/st"; } | head -c 1 >/dev/null
	cat "$SCRATCH/st")
is "'manifest /usr/include | head -c 1': 125" "$st" 125
like "... says so" "$(cat "$SCRATCH/err")" '^sandrun: write error on standard output: Broken pipe'

(cd / && "$SR" -- true 2>"$SCRATCH/err")
is "'/' as the source tree is refused" "$?" 124
like "and the refusal says why" "$(cat "$SCRATCH/err")" "refusing '/' as the source tree"

if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi

"$SR" -- sandrun-no-such-command 2>"$SCRATCH/err"
is "a missing command exits 127" "$?" 127
is "and says so in one line" "$(cat "$SCRATCH/err")" \
	"sandrun: command not found: 'sandrun-no-such-command'"
echo 'echo hi' > "$SCRATCH/notexec"; chmod 644 "$SCRATCH/notexec"
"$SR" -- "$SCRATCH/notexec" 2>"$SCRATCH/err"
is "a non-executable command exits 126" "$?" 126
like "and says why" "$(cat "$SCRATCH/err")" "cannot execute '$SCRATCH/notexec': Permission denied"
is "the trace of a run that could not start says why" "$(tail -n1 "$SCRATCH/sandrun.trace")" \
	"{\"end\":\"incomplete\",\"reason\":\"the run failed: cannot execute '$SCRATCH/notexec': Permission denied\"}"
"$SR" run -- true
is "'sandrun run -- CMD' works" "$?" 0

"$SR" --bind=/etc:/no-such-mountpoint -- true 2>"$SCRATCH/err"
is "a mount point missing under the read-only root is a sandbox failure (125)" "$?" 125
like "the failure names the mount and the cause" "$(cat "$SCRATCH/err")" \
	"bind /etc /no-such-mountpoint: the mount point does not exist"
is "the failure is one line" "$(wc -l < "$SCRATCH/err")" 1
"$SR" -C /no/such/dir -- true 2>"$SCRATCH/err"
is "a missing working directory is a sandbox failure" "$?" 125
like "and names the directory" "$(cat "$SCRATCH/err")" "cannot change to '/no/such/dir' inside the sandbox"

# --dry-run prints the plan and runs nothing.
out=$("$SR" --dry-run --tmpfs=/var/cache -- touch "$SCRATCH/dry")
check "--dry-run runs nothing" test ! -e "$SCRATCH/dry"
like "--dry-run shows the namespaces" "$out" '^namespaces user mount pid uts ipc net'
like "--dry-run shows the read-only root" "$out" '^root-ro-bind / /$'
like "--dry-run shows the source tree bind" "$out" "bind $SCRATCH $SCRATCH # source tree"
like "--dry-run shows the user's tmpfs" "$out" "tmpfs /var/cache mode=0755"
like "--dry-run ends with the command" "$(echo "$out" | tail -n1)" "^exec touch $SCRATCH/dry$"
out=$("$SR" --dry-run --net=host -- true)
like "--net=host keeps the host network namespace" "$out" '^namespaces user mount pid uts ipc$'

# A --tmpfs mount is fresh and writable.
out=$("$SR" --tmpfs=/var/cache -- sh -c 'ls -A /var/cache; echo x > /var/cache/f && cat /var/cache/f')
is "--tmpfs gives an empty writable directory" "$out" x

# The environment.
export SANDRUN_TEST_VAR=from-host
is "the environment passes through by default" \
	"$("$SR" -- sh -c 'echo $SANDRUN_TEST_VAR')" from-host
out=$(TZ=Europe/Paris "$SR" --clean-env --epoch=1700000000 -- env | sort | tr '\n' ' ')
like "--clean-env drops other variables" "$out" '^[^S]*SOURCE_DATE_EPOCH=1700000000 [^S]*$'
like "--clean-env sets TZ and LC_ALL" "$out" 'LC_ALL=C.UTF-8 .*TZ=UTC'
# A trace asked for without the tracer: said, not silently ignored.
out=$(cd "$SCRATCH" && "$SR" -q --no-trace -o nt.trace -- true 2>&1)
is "--no-trace with -o: the command's status" "$?" 0
like "--no-trace with -o: a warning" "$out" "warning: --no-trace: no trace is written to 'nt.trace'"
check "--no-trace with -o: no trace written" test ! -e "$SCRATCH/nt.trace"
out=$("$SR" --setenv=A=1 --setenv=B=x=y --unsetenv=SANDRUN_TEST_VAR -- env)
like "--setenv sets" "$out" '^A=1$'
like "--setenv keeps '=' in the value" "$out" '^B=x=y$'
check "--unsetenv removes" sh -c "! echo '$out' | grep -q SANDRUN_TEST_VAR"
is "--epoch in command-line order: after a --setenv of it" \
	"$("$SR" -q --no-trace --setenv=SOURCE_DATE_EPOCH=5 --epoch=7 -- sh -c 'echo $SOURCE_DATE_EPOCH')" 7
is "--epoch in command-line order: after an --unsetenv of it" \
	"$("$SR" -q --no-trace --unsetenv=SOURCE_DATE_EPOCH --epoch=7 -- sh -c 'echo $SOURCE_DATE_EPOCH')" 7
is "--epoch in command-line order: before an --unsetenv of it" \
	"$("$SR" -q --no-trace --epoch=7 --unsetenv=SOURCE_DATE_EPOCH -- \
		sh -c 'echo ${SOURCE_DATE_EPOCH-unset}')" unset
printf 'mode audit\nenv keep PATH SANDRUN_TEST_VAR\nread /\nexec /\nwrite $SRC\n' > "$SCRATCH/env.policy"
out=$(cd "$SCRATCH" && "$SR" -q --policy=env.policy --clean-env --epoch=9 -o env.trace -- \
	sh -c 'echo $TZ $LC_ALL $SOURCE_DATE_EPOCH ${SANDRUN_TEST_VAR-dropped}')
is "--clean-env with a policy's env directives: its settings, and only its names kept" \
	"$out" "UTC C.UTF-8 9 dropped"
git -C "$SCRATCH" init -q 2>/dev/null && \
	git -C "$SCRATCH" -c user.name=t -c user.email=t@t commit -q --allow-empty -m t \
	--date='@1234567890 +0000' 2>/dev/null
if [ -d "$SCRATCH/.git" ]; then
	out=$(GIT_COMMITTER_DATE= "$SR" --clean-env -- sh -c 'echo $SOURCE_DATE_EPOCH')
	is "--clean-env takes SOURCE_DATE_EPOCH from the last git commit" "$out" \
		"$(git -C "$SCRATCH" log -1 --format=%ct)"
else
	skip "git is not installed"
fi

# Run metadata, next to the outputs, never in them.
"$SR" --meta="$SCRATCH/run.meta.json" -- sh -c 'exit 5'
is "exit status with --meta" "$?" 5
meta=$(cat "$SCRATCH/run.meta.json" 2>/dev/null)
like "the metadata has a UUID" "$meta" '"uuid": "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"'
like "the metadata has the exit status" "$meta" '"status": 5'
like "the metadata has host facts" "$meta" '"kernel": "'"$(uname -r)"'"'
check "no temporary file is left" sh -c "! ls $SCRATCH | grep -q tmp"
# The tracer's own CPU time: more for 200 processes than for one.
cpu() { sed -n 's/.*"tracer_cpu_s": \([0-9.]*\).*/\1/p' "$SCRATCH/$1.trace.meta.json"; }
(cd "$SCRATCH" && "$SR" -q -o one.trace -- /bin/true &&
	"$SR" -q -o many.trace -- sh -c 'i=0; while [ $i -lt 200 ]; do /bin/true; i=$((i+1)); done')
check "tracer_cpu_s: a number for a run ($(cpu one) s)" grep -qE '"tracer_cpu_s": [0-9]+\.[0-9]{3},' "$SCRATCH/one.trace.meta.json"
check "tracer_cpu_s: more for 200 processes than for one ($(cpu many) s > $(cpu one) s)" \
	awk -v a="$(cpu many)" -v b="$(cpu one)" 'BEGIN { exit !(a > b) }'
# The tracer's time on its stops, by kind: a KIND_us for every kind
# stops_by names; time only where there were stops, and some for every
# process's.
kinds() { sed -n "/\"$2\"/s/.*\"$2\": {\([^}]*\)}.*/\1/p" "$SCRATCH/$1.trace.meta.json"; }
handled() { kinds "$1" handling | tr ',' '\n' | sed -n "s/.*\"$2_us\": \([0-9]*\).*/\1/p"; }
stopped() { kinds "$1" stops_by | tr ',' '\n' | sed -n "s/.*\"$2\": \([0-9]*\).*/\1/p"; }
is "handling: a KIND_us for each kind of stops_by" \
	"$(kinds many handling | sed 's/_us": [0-9]*/"/g')" "$(kinds many stops_by | sed 's/: [0-9]*//g')"
for k in $(kinds many stops_by | sed 's/"\([a-z_]*\)": [0-9]*/\1/g; s/,//g'); do
	if [ "$(stopped many "$k")" = 0 ]; then
		is "handling: no time for $k, which had no stop" "$(handled many "$k")" 0
	else
		check "handling: time for $k's $(stopped many "$k") stops ($(handled many "$k") us)" \
			test "$(handled many "$k")" -gt 0
	fi
done
check "handling: more notification time for 200 processes than for one ($(handled many notification) > $(handled one notification) us)" \
	test "$(handled many notification)" -gt "$(handled one notification)"
check "handling: no more than the run's duration, per thread" awk \
	-v h="$(kinds many handling | tr ',' '\n' | sed 's/.*: //' | awk '{ s += $1 } END { print s }')" \
	-v d="$(sed -n 's/.*"duration_s": \([0-9.]*\).*/\1/p' "$SCRATCH/many.trace.meta.json")" \
	'BEGIN { exit !(h > 0 && h <= 2 * d * 1e6) }'
is "handling: none of stops_by's keys (a reader of lines finds those once)" \
	"$(for k in $(kinds many stops_by | sed 's/"\([a-z_]*\)": [0-9]*/\1/g; s/,//g'); do
		kinds many handling | grep -o "\"$k\":"; done)" ""

# The notifications by syscall: each with its count and time, the most
# time first, adding up to stops_by's and handling's notification.
notes() { sed -n 's/.*"notifications": \[\(.*\)\]}.*/\1/p' "$SCRATCH/$1.trace.meta.json" |
	sed 's/}, {/}\n{/g'; }
noted() { notes "$1" | awk -v s="\"$2\"," -v f="$3" '$2 == s { gsub(/[,}]/, ""); print (f == "count" ? $4 : $6) }'; }
check "notifications: execve's, for the 200 execs ($(noted many execve count))" \
	test "$(noted many execve count)" -ge 200
check "notifications: exit_group's, one a process ($(noted many exit_group count))" \
	test "$(noted many exit_group count)" -ge 200
check "notifications: openat's, with its time ($(noted many openat us) us)" \
	test "$(noted many openat us)" -gt 0
is "notifications: as many as stops_by's notification" \
	"$(notes many | awk '{ gsub(/[,}]/, ""); s += $4 } END { print s }')" "$(stopped many notification)"
check "notifications: their time is handling's notification_us, to a microsecond each" awk \
	-v s="$(notes many | awk '{ gsub(/[,}]/, ""); s += $6 } END { print s }')" \
	-v n="$(notes many | wc -l)" -v h="$(handled many notification)" \
	'BEGIN { d = s - h; exit !(h > 0 && d >= -n && d <= n) }'
is "notifications: the most time first" \
	"$(notes many | awk '{ gsub(/[,}]/, ""); print $6 }')" \
	"$(notes many | awk '{ gsub(/[,}]/, ""); print $6 }' | sort -rn)"
# (an exec's event is emitted at its first notification, before or just
# after its answer: every one has its executable's digest all the same)
is "every exec's event has its executable's digest" \
	"$(grep '"ev":"exec"' "$SCRATCH/many.trace" | grep -c '"digest":"[0-9a-f]\{32\}"')" \
	"$(grep -c '"ev":"exec"' "$SCRATCH/many.trace")"
(cd "$SCRATCH" && "$SR" -q --no-seccomp-notify -o stopped.trace -- /bin/true)
like "notifications: none without them" "$(cat "$SCRATCH/stopped.trace.meta.json")" '"notifications": \[\]'

# Signals to sandrun reach the command; its status comes back.
"$SR" -- sh -c 'trap "echo got-term; exit 7" TERM; echo ready; sleep 30 & wait' \
	> "$SCRATCH/sig.out" &
pid=$!
for _ in $(seq 50); do grep -q ready "$SCRATCH/sig.out" && break; sleep 0.1; done
kill -TERM "$pid"
wait "$pid"
is "SIGTERM is forwarded and the trap's status returned" "$?" 7
like "the command saw the signal" "$(cat "$SCRATCH/sig.out")" got-term
# (A background job of a script starts with SIGINT ignored; undo that.)
env --default-signal=INT "$SR" -- sh -c 'echo ready; exec sleep 30' > "$SCRATCH/sig.out" &
pid=$!
for _ in $(seq 50); do grep -q ready "$SCRATCH/sig.out" && break; sleep 0.1; done
kill -INT "$pid"
wait "$pid"
is "SIGINT kills the command: 128+2" "$?" 130
# nohup: a signal the invoker ignores stays ignored, and is not forwarded.
(trap '' HUP; exec "$SR" -- sh -c 'echo ready; sleep 1; echo survived') > "$SCRATCH/sig.out" &
pid=$!
for _ in $(seq 50); do grep -q ready "$SCRATCH/sig.out" && break; sleep 0.1; done
kill -HUP "$pid"
wait "$pid"
is "an ignored SIGHUP is not forwarded (nohup works)" "$?" 0
like "the command ran to its end" "$(cat "$SCRATCH/sig.out")" survived
# A signal during setup is queued and forwarded, not lost (1000 mounts
# take ~70 ms to set up here; the mount points are made in the sandbox's
# /tmp, so the setup cannot fail before the signal comes).
# (the arguments made before the fork, and the signal sent once sandrun
# runs: one that reached the forked shell before its exec would have run
# this script's EXIT trap there, removing the scratch directory)
margs=()
for i in $(seq 1000); do margs+=("--tmpfs=/tmp/t$i"); done
"$SR" --no-trace "${margs[@]}" -- sleep 5 2>/dev/null &
pid=$!
srexe=$(readlink -f "$SR")
for _ in $(seq 500); do [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$srexe" ] && break; sleep 0.01; done
sleep 0.02
kill -TERM "$pid"
wait "$pid"
st=$?
check "SIGTERM during setup is not lost (status $st)" test "$st" = 143
# A signal meant to end the run ends one whose command has stopped
# itself: sandrun follows it with SIGCONT, as timeout(1) does (a stopped
# process keeps even a fatal signal pending until it is continued), and a
# trap for it runs.
# (The script makes stop-ready once it has its trap: a traced process at
# any ptrace stop, its first included, shows as t, stopped or not.)
stopped_run() {	# mode script: the status once SIGTERM came, and stdout
	local pid wd st i seen=no
	rm -f stop-ready
	"$SR" $1 -o "$SCRATCH/stopped.trace" -- sh -c "$2" > "$SCRATCH/stopped.out" 2>/dev/null &
	pid=$!
	for i in $(seq 200); do
		[ -e stop-ready ] && ps -eo stat=,args= | grep -q "^[tT].*stopped-marker" &&
			{ seen=yes; break; }
		sleep 0.05
	done
	kill -TERM "$pid"
	( sleep 20; kill -KILL "$pid" ) >/dev/null 2>&1 &
	wd=$!
	wait "$pid"
	st=$?
	kill "$wd" 2>/dev/null
	wait "$wd" 2>/dev/null
	echo "$seen $st $(cat "$SCRATCH/stopped.out")"
}
for mode in "" --no-seccomp-notify --no-trace; do
	out=$(stopped_run "$mode" ': stopped-marker > stop-ready; kill -STOP $$; echo after')
	is "SIGTERM ends a run whose command stopped itself (${mode:-full recording})" "$out" "yes 143 "
done
out=$(stopped_run "" 'trap "echo got-term; exit 7" TERM; : stopped-marker > stop-ready; kill -STOP $$; echo after')
is "a stopped command's trap for SIGTERM runs" "$out" "yes 7 got-term"
# An ignored SIGCHLD in the invoker does not hide the command's status.
perl -e '$SIG{CHLD}="IGNORE"; exec @ARGV' "$SR" -- sh -c 'exit 3'
is "an inherited ignored SIGCHLD does not turn failure into success" "$?" 3

# Disabled user namespaces give a one-line error naming the fix.
if unshare -U -r true 2>/dev/null; then
	out=$(unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces &&
		exec "$0" -- true' "$SR" 2>&1)
	st=$?
	is "no user namespaces: sandbox failure (125)" "$st" 125
	like "the error names the sysctl and the fix" "$out" \
		"^sandrun: cannot create a user namespace \(clone\): user.max_user_namespaces is 0; enable them with 'sysctl -w user.max_user_namespaces=15000'$"
else
	skip "unshare -U is not available to make a namespace without user namespaces"
	skip "(same)"
fi

# Traces that are not whole: a line lost from the middle of one, and a
# run's placeholder ("incomplete"), are refused by every reader.
(cd "$SCRATCH" && "$SR" -q -o whole.trace -- sh -c 'cat /etc/hostname; true' >/dev/null)
is "a run for the readers: exit 0" "$?" 0
sed 3d "$SCRATCH/whole.trace" > "$SCRATCH/cut.trace"
sed '$s/.*/{"end":"incomplete","reason":"killed by signal 9"}/' "$SCRATCH/whole.trace" \
	> "$SCRATCH/part.trace"
for sub in show fold lock "diff $SCRATCH/whole.trace"; do
	# shellcheck disable=SC2086
	"$SR" $sub "$SCRATCH/cut.trace" >/dev/null 2>"$SCRATCH/err"
	is "$sub: a trace with a line cut out: 123" "$?" 123
	like "$sub: names the trace, its end and the count" "$(cat "$SCRATCH/err")" \
		"^sandrun: $SCRATCH/cut.trace:[0-9]+: the end record counts [0-9]+ events, the trace has [0-9]+ \(lines lost or added\)$"
done
for sub in fold lock "diff $SCRATCH/whole.trace"; do
	# shellcheck disable=SC2086
	"$SR" $sub "$SCRATCH/part.trace" >/dev/null 2>"$SCRATCH/err"
	is "$sub: an incomplete trace: 123" "$?" 123
	like "$sub: says why it is incomplete" "$(cat "$SCRATCH/err")" \
		"^sandrun: $SCRATCH/part.trace: the trace is incomplete \(killed by signal 9\); "
done
# (named by the line after the end record's: a record, an empty line, a
# trace twice over)
(cat "$SCRATCH/whole.trace"; echo '{"p":"1","ev":"exit","status":0}') > "$SCRATCH/more.trace"
(cat "$SCRATCH/whole.trace"; echo) > "$SCRATCH/blank.trace"
cat "$SCRATCH/whole.trace" "$SCRATCH/whole.trace" > "$SCRATCH/twice.trace"
L=$(($(wc -l < "$SCRATCH/whole.trace") + 1))
for sub in show fold lock "diff $SCRATCH/whole.trace"; do
	for t in more blank twice; do
		# shellcheck disable=SC2086
		"$SR" $sub "$SCRATCH/$t.trace" >/dev/null 2>"$SCRATCH/err"
		is "$sub: $t.trace, data after the end record: 123" "$?" 123
		is "... says so, with the line after the end record's" "$(cat "$SCRATCH/err")" \
			"sandrun: $SCRATCH/$t.trace:$L: data after the end record"
	done
done
# A header or process tree no sandrun writes: refused by every reader,
# with the line (each reader, since fold and diff skip lines unparsed).
sed '1s/"digest":"[a-z0-9]*"/"digest":"md5"/' "$SCRATCH/whole.trace" > "$SCRATCH/md5.trace"
sed '1s/"version":1/"version":"1"/' "$SCRATCH/whole.trace" > "$SCRATCH/vstr.trace"
awk '{print} /^\{"proc":"1"\}$/ {print}' "$SCRATCH/whole.trace" > "$SCRATCH/dupproc.trace"
sed 's/^{"proc":"1.1","parent":"1"/{"proc":"1.1","parent":"7"/' "$SCRATCH/whole.trace" \
	> "$SCRATCH/orphan.trace"
sed 's/^{"proc":"1.1","parent":"1"/{"proc":"1.1","parent":"1.1"/' "$SCRATCH/whole.trace" \
	> "$SCRATCH/selfparent.trace"
# (an event of 1 moved among 1.1's, one before any process, an end
# record without its counts: before, diff took the first for 1.1's)
awk 'NR > 1 && /^\{"p":"1",/ && !m { m = $0; next } { print } /^\{"proc":"1.1",/ { print m }' \
	"$SCRATCH/whole.trace" > "$SCRATCH/moved.trace"
sed '1a {"p":"1","ev":"exit","status":0}' "$SCRATCH/whole.trace" > "$SCRATCH/early.trace"
# (process 1's exit swapped with the event before it)
awk '{ if (/^\{"p":"1","ev":"exit"/ && prev ~ /^\{"p":"1",/) { print; print prev; held = 0; next }
	if (held) print prev; prev = $0; held = 1 } END { if (held) print prev }' \
	"$SCRATCH/whole.trace" > "$SCRATCH/afterexit.trace"
sed '$s/,"processes":[0-9]*//' "$SCRATCH/whole.trace" > "$SCRATCH/nocounts.trace"
sed 's/^{"proc":"1.1","parent":"1"/{"proc":"2.1","parent":"2"/; s/^{"p":"1.1",/{"p":"2.1",/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/undeclared.trace"
# (spelt otherwise than the format writes them: an escape in an ID, a
# space before the kind's member, which readers skipping lines unparsed
# took for no record of a process, and an event with an "end" member)
sed 's/^{"proc":"1.1","parent":"1"/{"proc":"1\\u002e1","parent":"1"/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/escid.trace"
sed '0,/^{"p":"1.1",/s/^{"p":"1.1",/{ "p":"1.1",/' "$SCRATCH/whole.trace" > "$SCRATCH/spaced.trace"
sed 's/^{"proc":"1"}$/{"proc":"1","x":0,"parent":"7"}/' "$SCRATCH/whole.trace" > "$SCRATCH/rootmore.trace"
sed '0,/^{"p":"1",/s/^{"p":"1",\(.*\)}$/{"p":"1",\1,"end":"complete"}/' "$SCRATCH/whole.trace" \
	> "$SCRATCH/endmember.trace"
# (an ID with a leading 0; an end record counting a state more)
sed 's/^{"proc":"1.1","parent":"1"/{"proc":"1.01","parent":"1"/; s/^{"p":"1.1",/{"p":"1.01",/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/zeroid.trace"
sed -E '$s/"states":([0-9]+)/"states":1\1/' "$SCRATCH/whole.trace" > "$SCRATCH/states.trace"
# (an event without its kind, with it not second, or spelt with an escape:
# show and diff refused it, lock and show -t did not)
sed '0,/^{"p":"1","ev":"[a-z-]*",/s/^{"p":"1","ev":"[a-z-]*",/{"p":"1",/' "$SCRATCH/whole.trace" \
	> "$SCRATCH/noev.trace"
sed -E '0,/^\{"p":"1","ev":"[a-z-]*",/s/^\{"p":"1",("ev":"[a-z-]*"),(.*)\}$/{"p":"1",\2,\1}/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/evlast.trace"
sed 's/^{"p":"1","ev":"exit"/{"p":"1","ev":"\\u0065xit"/' "$SCRATCH/whole.trace" > "$SCRATCH/evesc.trace"
# (an end record or exit whose status is no number, none or out of
# range: show printed "exit 0" and diff found it equivalent)
sed -E '$s/"exit":[0-9]+/"exit":"zero"/' "$SCRATCH/whole.trace" > "$SCRATCH/endzero.trace"
sed -E '$s/"exit":[0-9]+/"exit":256/' "$SCRATCH/whole.trace" > "$SCRATCH/end256.trace"
sed -E '$s/"exit":[0-9]+,//' "$SCRATCH/whole.trace" > "$SCRATCH/endnoexit.trace"
sed 's/^{"p":"1","ev":"exit","status":0}$/{"p":"1","ev":"exit","status":"0"}/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/exitstr.trace"
sed 's/^{"p":"1","ev":"exit","status":0}$/{"p":"1","ev":"exit"}/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/exitnone.trace"
sed 's/^{"p":"1","ev":"exit","status":0}$/{"p":"1","ev":"exit","x":1,"status":0}/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/exitlater.trace"
sed 's/^{"p":"1","ev":"exit","status":0}$/{"p":"1","ev":"exit","status":300}/' \
	"$SCRATCH/whole.trace" > "$SCRATCH/exit300.trace"
check "an exit's status changed: the traces were changed" grep -q '"status":"0"}$' \
	"$SCRATCH/exitstr.trace"
for sub in show "show -t" fold lock "diff $SCRATCH/whole.trace"; do
	for t in "md5:1: the header's \"digest\" is not sha256 or xxh128" \
		 "vstr:1: the header's \"version\" is not an integer" \
		 "dupproc:3: process 1 is declared twice" \
		 "orphan:[0-9]+: process 1.1 without its parent 1" \
		 "selfparent:[0-9]+: process 1.1 without its parent 1" \
		 "undeclared:[0-9]+: the parent 2 is not declared before its child" \
		 "escid:[0-9]+: a process ID that is not 1, 2, ... or PARENT.N" \
		 "zeroid:[0-9]+: a process ID that is not 1, 2, ... or PARENT.N" \
		 "states:[0-9]+: the end record counts 1[0-9]* states, the trace has [0-9]+ \(lines lost or added\)" \
		 "spaced:[0-9]+: a record that does not begin with its kind's member .*" \
		 "rootmore:[0-9]+: process 1, a root: \{\"proc\":\"1\"\} and nothing more" \
		 "moved:[0-9]+: an event of process 1 among those of 1.1 \(each process's events follow its record\)" \
		 "early:2: an event of process 1 before any process record" \
		 "afterexit:[0-9]+: an event after its process's exit \(a process's exit is its last event\)" \
		 "nocounts:[0-9]+: the end record of a complete trace has no \"processes\" count" \
		 "noev:[0-9]+: an event without its kind as its second member .*" \
		 "evlast:[0-9]+: an event without its kind as its second member .*" \
		 "evesc:[0-9]+: an event without its kind as its second member .*" \
		 "endzero:[0-9]+: the end record's \"exit\" is not an exit status \(0-255\)" \
		 "end256:[0-9]+: the end record's \"exit\" is not an exit status \(0-255\)" \
		 "endnoexit:[0-9]+: the end record of a complete trace has no \"exit\" status" \
		 "exitstr:[0-9]+: an exit whose member after its kind is not .*" \
		 "exitnone:[0-9]+: an exit whose member after its kind is not .*" \
		 "exitlater:[0-9]+: an exit whose member after its kind is not .*" \
		 "exit300:[0-9]+: an exit whose member after its kind is not .*"; do
		# shellcheck disable=SC2086
		"$SR" $sub "$SCRATCH/${t%%:*}.trace" >/dev/null 2>"$SCRATCH/err"
		is "$sub: ${t%%:*}.trace: 123" "$?" 123
		like "... says where and what" "$(cat "$SCRATCH/err")" \
			"^sandrun: $SCRATCH/${t%%:*}.trace:${t#*:}\$"
	done
done
# A record of millions of tiny values (each a node of the JSON parser's,
# ~30 times its bytes) is refused before it is parsed: a 63 MiB line
# took show 3 GB and diff 6 GB.
python3 - "$SCRATCH/whole.trace" "$SCRATCH/values.trace" <<'EOF'
import sys
lines = open(sys.argv[1], 'rb').read().split(b'\n')[:-1]
i = next(k for k, l in enumerate(lines) if l.startswith(b'{"p":"1",'))
lines[i] = lines[i][:-1] + b',"x":[' + b'[],' * (9 << 19) + b'[]]}'
open(sys.argv[2], 'wb').write(b'\n'.join(lines) + b'\n')
EOF
for sub in show "diff $SCRATCH/whole.trace"; do
	# shellcheck disable=SC2086
	"$SR" $sub "$SCRATCH/values.trace" >/dev/null 2>"$SCRATCH/err"
	is "$sub: a record of 4.5M values: 123" "$?" 123
	like "... says so, with its line" "$(cat "$SCRATCH/err")" \
		"^sandrun: $SCRATCH/values.trace:[0-9]+: a record of more than 4M JSON values\$"
done
rm -f "$SCRATCH/values.trace"
check "an event with an \"end\" member: the trace was changed" grep -q ',"end":"complete"}$' \
	"$SCRATCH/endmember.trace"
for sub in show fold lock; do
	is "$sub: an event with an \"end\" member is an event, not the end" \
		"$({ "$SR" $sub "$SCRATCH/endmember.trace" 2>&1; echo "rc=$?"; } | sed "s|endmember|whole|g")" \
		"$("$SR" $sub "$SCRATCH/whole.trace" 2>&1; echo "rc=$?")"
done
# A wrote sandrun writes without perm or size (sandrun's own stderr, a
# file, written through /dev/stderr): a scope's fold takes it, as the
# run's does.
(cd "$SCRATCH" && "$SR" -q -o log.trace -- sh -c 'echo hi >/dev/stderr') 2>"$SCRATCH/log.err"
check "a wrote without perm or size: the trace has one" grep -q '"ev":"wrote","path":"/dev/stderr"}' \
	"$SCRATCH/log.trace"
for o in "" "--process 1" "--subtree 1" "--split-at=*"; do
	"$SR" fold $o "$SCRATCH/log.trace" >/dev/null 2>"$SCRATCH/err"
	is "fold ${o:-(the run)}: a wrote without perm or size is folded (0)" "$?" 0
done
# Compressed traces: cut short, or damaged inside a frame (the frames
# carry a checksum, so damage that still decompresses is caught too).
if command -v zstd >/dev/null; then
	(cd "$SCRATCH" && "$SR" -q -o big.trace.zst -- sh -c \
		'for i in 1 2 3 4 5 6; do cat /etc/passwd /etc/group; ls /usr/bin; done >/dev/null')
	head -c -9 "$SCRATCH/big.trace.zst" > "$SCRATCH/cut.trace.zst"
	"$SR" fold "$SCRATCH/cut.trace.zst" >/dev/null 2>"$SCRATCH/err"
	is "a .zst trace cut short: 123" "$?" 123
	like "a .zst trace cut short: says so" "$(cat "$SCRATCH/err")" \
		'^sandrun: .*cut.trace.zst:[0-9]+: damaged zstd data: the compressed stream ends mid-frame \(truncated\)$'
	like "a .zst trace's frame has a checksum" "$(zstd -lv "$SCRATCH/big.trace.zst" 2>&1)" 'Check: XXH64'
	# (a skippable frame first, as zstd -d reads past: it was taken for
	# plain text, "a NUL byte in a record")
	{ printf '\120\052\115\030\004\000\000\000meta'; cat "$SCRATCH/big.trace.zst"; } \
		> "$SCRATCH/skip.trace.zst"
	is "a .zst trace starting with a skippable frame: read as zstd -d reads it" \
		"$("$SR" fold "$SCRATCH/skip.trace.zst" | sha256sum)" \
		"$("$SR" fold "$SCRATCH/big.trace.zst" | sha256sum)"
	is "... from a pipe too" "$("$SR" fold - < "$SCRATCH/skip.trace.zst" | sha256sum)" \
		"$("$SR" fold "$SCRATCH/big.trace.zst" | sha256sum)"
else
	skip "zstd is not installed"; skip "(same)"; skip "(same)"; skip "(same)"; skip "(same)"
fi
"$SR" show -p 9.9 "$SCRATCH/whole.trace" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "show -p with a process the trace does not have: 124" "$?" 124
like "show -p: names it" "$(head -n1 "$SCRATCH/err")" "^sandrun show: $SCRATCH/whole.trace has no process 9.9$"
is "show -p: and prints nothing else" "$(wc -c < "$SCRATCH/out")" 0
"$SR" show -s 1 "$SCRATCH/whole.trace" >"$SCRATCH/out"
is "show -s 1: exit 0" "$?" 0
like "show -s 1: the trace's header first" "$(head -n1 "$SCRATCH/out")" "^trace $SCRATCH/whole.trace: "
like "show -s 1: then its process" "$(sed -n 2p "$SCRATCH/out")" "^process 1\$"
"$SR" show "$SCRATCH/part.trace" > "$SCRATCH/out" 2>&1
is "show: an incomplete trace is still shown" "$?" 0
like "show: with its end" "$(tail -n1 "$SCRATCH/out")" 'incomplete'
# Names the build chose are shown with their control bytes escaped: a
# newline cannot break an event's line, an escape sequence cannot reach
# the terminal.  The run's states come under a heading of their own,
# each with its kind.
mkdir -p "$SCRATCH/esc"
(cd "$SCRATCH/esc" && "$SR" -q -o "$SCRATCH/esc.trace" -- \
	sh -c 'echo > "$(printf "a\nb")"; echo > "$(printf "x\033[31mRED")"') 2>/dev/null
"$SR" show "$SCRATCH/esc.trace" > "$SCRATCH/out"
like "show: a newline in a name, escaped" "$(cat "$SCRATCH/out")" '^    open +w,create,trunc,new \$SRC/a\\x0ab$'
like "show: an escape byte, escaped" "$(cat "$SCRATCH/out")" '\$SRC/x\\x1b\[31mRED'
check "show: no control byte but newlines in the output" \
	sh -c "! tr -d '\\n' < '$SCRATCH/out' | LC_ALL=C grep -q '[[:cntrl:]]'"
like "show: the states under their heading" "$(sed -n '/^states$/,$p' "$SCRATCH/out" | sed -n 2p)" \
	'^    before +\$SRC/a\\x0ab  \(absent\)$'
for sub in show fold lock "diff $SCRATCH/whole.trace"; do
	# shellcheck disable=SC2086
	"$SR" $sub "$SCRATCH/whole.trace" >/dev/full 2>"$SCRATCH/err"
	is "$sub >/dev/full: 125" "$?" 125
	is "$sub >/dev/full: says why, once" "$(cat "$SCRATCH/err")" \
		'sandrun: write error on standard output: No space left on device'
done
for sub in show fold lock; do
	"$SR" $sub "$SCRATCH/no-such.trace" >/dev/null 2>"$SCRATCH/err"
	is "$sub: a missing trace: an I/O error (125)" "$?" 125
	like "$sub: names it" "$(cat "$SCRATCH/err")" "^sandrun: cannot open '$SCRATCH/no-such.trace': No such file"
done

# Errors name paths as the user gave them: DIR/sub, not ./sub; FILE, not
# the temporary file sandrun writes first.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	mkdir -p "$SCRATCH/mtree/closed"
	echo x > "$SCRATCH/mtree/closed/f"
	chmod 755 "$SCRATCH" "$SCRATCH/mtree"
	chmod 000 "$SCRATCH/mtree/closed"
	(cd "$SCRATCH" && setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$SR" manifest mtree >/dev/null 2>"$SCRATCH/err")
	is "manifest: an unreadable directory: 125" "$?" 125
	is "manifest: named below the DIR given" "$(cat "$SCRATCH/err")" \
		"sandrun: cannot open 'mtree/closed': Permission denied"
	chmod 755 "$SCRATCH/mtree/closed"
else
	skip "needs root and setpriv to make a directory unreadable"; skip "(same)"
fi
"$SR" lock -o "$SCRATCH/no/dir/x.lock" "$SCRATCH/whole.trace" 2>"$SCRATCH/err"
is "lock -o into a missing directory: 125" "$?" 125
is "lock -o: names the file asked for" "$(cat "$SCRATCH/err")" \
	"sandrun: cannot create '$SCRATCH/no/dir/x.lock': No such file or directory"

# Output files are new files renamed into place: a device, a pipe or a
# directory at the path is refused (125) before anything is run or
# written, never replaced (as root, -o /dev/null would replace the device).
mkdir -p "$SCRATCH/odev"
mkfifo "$SCRATCH/odev/fifo"
if mknod "$SCRATCH/odev/null" c 1 3 2>/dev/null; then
	for o in "-o $SCRATCH/odev/null" "--meta=$SCRATCH/odev/null"; do
		(cd "$SCRATCH" && "$SR" -q $o -- sh -c 'echo ran > ran.txt') 2>"$SCRATCH/err"
		is "run $o (a device): 125" "$?" 125
		like "... says why" "$(cat "$SCRATCH/err")" \
			"^sandrun: cannot write '.*odev/null': it is a device, and sandrun writes a new file"
		check "... the device is still one" test -c "$SCRATCH/odev/null"
		check "... the command did not run" test ! -e "$SCRATCH/ran.txt"
	done
	"$SR" lock -o "$SCRATCH/odev/null" "$SCRATCH/whole.trace" 2>"$SCRATCH/err"
	is "lock -o a device: 125" "$?" 125
	check "... the device is still one" test -c "$SCRATCH/odev/null"
else
	skip "mknod needs root"; skip "(same)"; skip "(same)"; skip "(same)"
	skip "(same)"; skip "(same)"; skip "(same)"; skip "(same)"
	skip "(same)"; skip "(same)"
fi
# The metadata, written after the build, into a directory that takes no
# new file: found before the build (125), not warned about after it.
mkdir -p "$SCRATCH/rodir"
chmod 555 "$SCRATCH/rodir"
owned_dir user "$SCRATCH/rodir-w"
rm -f "$SCRATCH/rodir-w/ran.txt"
as user "$SR" -q --no-digest-cache -o "$SCRATCH/rodir-w/t.trace" \
	--meta="$SCRATCH/rodir/m.json" -- touch "$SCRATCH/rodir-w/ran.txt" 2>"$SCRATCH/err"
is "--meta into a directory that takes no new file: 125" "$?" 125
is "... said" "$(cat "$SCRATCH/err")" "sandrun: cannot create '$SCRATCH/rodir/m.json': Permission denied"
check "... before the build ran" test ! -e "$SCRATCH/rodir-w/ran.txt"
# ... and the last run's outputs there are left as they are: no run
# began (an incomplete trace stands for a run that began and failed).
mkdir -p "$SCRATCH/keep"
(cd "$SCRATCH/keep" && "$SR" -q -- true) 2>/dev/null
sums=$(cd "$SCRATCH/keep" && sha256sum sandrun.trace*)
(cd "$SCRATCH/keep" && "$SR" -q --meta="$SCRATCH/no/dir/m.json" -- true) 2>/dev/null
is "a run refused before it began (--meta into a missing directory): 125" "$?" 125
is "... the last run's trace, delta and metadata untouched" "$(cd "$SCRATCH/keep" && sha256sum sandrun.trace*)" "$sums"
"$SR" -q -o "$SCRATCH/no/dir/x.trace" -- true 2>"$SCRATCH/err"
is "-o into a missing directory: 125, naming the trace (not its metadata)" \
	"$? $(cat "$SCRATCH/err")" "125 sandrun: cannot create '$SCRATCH/no/dir/x.trace': No such file or directory"
: > "$SCRATCH/keep/afile"
(cd "$SCRATCH/keep" && "$SR" -q --src=afile -- true) 2>"$SCRATCH/err"
is "--src naming a file: a usage error (124)" "$?" 124
is "... said, then where the help is" "$(cat "$SCRATCH/err")" "sandrun: --src: '$(cd "$SCRATCH/keep" && pwd -P)/afile' is not a directory
Try 'sandrun run --help' for more information."
is "... the last run's outputs untouched" "$(cd "$SCRATCH/keep" && sha256sum sandrun.trace*)" "$sums"
# sandrun without its recorder objects (a binary copied alone, a package
# that put them elsewhere): the run goes on, every syscall stopped, and
# says so.
if [ -e /usr/local/lib/sandrun/sandrun-rec.so ]; then
	for i in 1 2; do skip "sandrun is installed in /usr/local: its objects would be found"; done
else
	mkdir -p "$SCRATCH/alone" && cp "$SR" "$SCRATCH/alone/sandrun"
	(cd "$SCRATCH/keep" && "$SCRATCH/alone/sandrun" -q -o "$SCRATCH/alone.trace" -- true) \
		2>"$SCRATCH/err"
	is "sandrun alone, without sandrun-rec.so: the run goes on (0)" "$?" 0
	like "... and says why it is slower" "$(cat "$SCRATCH/err")" \
		"^sandrun: warning: no sandrun-rec.so next to sandrun, in ../lib/sandrun or in /usr/local/lib/sandrun: every recorded syscall stops"
fi
# An output named - or nothing: a usage error, nothing written.
for o in "-o -" "--trace=" "--meta=" "--meta=-" "--report=-"; do
	# shellcheck disable=SC2086 # (the option, split)
	(cd "$SCRATCH/keep" && "$SR" -q $o -- true) 2>"$SCRATCH/err"
	is "run $o: a usage error (124)" "$?" 124
	like "... says why" "$(head -n1 "$SCRATCH/err")" \
		"^sandrun: (-o/--trace|--meta|--report): ('-': outputs are files \\(renamed into place\\), not standard output|an empty file name)\$"
done
check "... no file named - made" test ! -e "$SCRATCH/keep/-"
(cd "$SCRATCH" && "$SR" -q --report="$SCRATCH/r.json" -- true) 2>"$SCRATCH/err"
is "--report without --policy or --lock: a usage error (124)" "$?" 124
like "... says what it needs" "$(cat "$SCRATCH/err")" "--report needs --policy or --lock"
(cd "$SCRATCH" && "$SR" -q -o "$SCRATCH/odev/fifo" -- true) 2>"$SCRATCH/err"
is "run -o a pipe: 125, without blocking on it" "$?" 125
check "... the pipe is still one" test -p "$SCRATCH/odev/fifo"
"$SR" lock -o "$SCRATCH/odev" "$SCRATCH/whole.trace" 2>"$SCRATCH/err"
is "lock -o a directory: 125" "$?" 125
like "... says so" "$(cat "$SCRATCH/err")" "it is a directory"

"$SR" -n --bind foo -- true 2>"$SCRATCH/err"
is "--bind VALUE (two words) without a colon: 124" "$?" 124
like "... named as the option" "$(cat "$SCRATCH/err")" "^sandrun: --bind needs SRC:DST, not 'foo'"
"$SR" -n --ro-bind /etc/hostname:rel -- true 2>"$SCRATCH/err"
like "--ro-bind with a relative destination: named, with it" "$(cat "$SCRATCH/err")" \
	"^sandrun: --ro-bind: the destination must be absolute, not 'rel'"
# A policy line of 256 words is one (it was "too many"); a 257th is not.
{ echo 'mode audit'; printf 'read'; for i in $(seq 255); do printf ' /usr/p%d' "$i"; done; echo; } \
	> "$SCRATCH/words.policy"
"$SR" -n --policy "$SCRATCH/words.policy" -- true >/dev/null 2>"$SCRATCH/err"
is "a policy line of 256 words: taken (0)" "$?" 0
sed -i '2s|$| /usr/p256|' "$SCRATCH/words.policy"
"$SR" -n --policy "$SCRATCH/words.policy" -- true >/dev/null 2>"$SCRATCH/err"
is "... of 257: 123" "$?" 123
like "... said with its line" "$(cat "$SCRATCH/err")" "words.policy:2: more than 256 words on one line"
# Every text input takes a line up to 1 MiB, and refuses a longer one with
# its line (123) before it is held whole: a policy, a lock, a manifest and
# a delta, a checksum list, a rules file, a tree's modules.order.
mkdir -p "$SCRATCH/longtree"
{ printf '# fine\n'; head -c $((1100 << 10)) /dev/zero | tr '\0' a; printf '\n'; } > "$SCRATCH/long.txt"
{ echo hello.ko; sed 1d "$SCRATCH/long.txt"; } > "$SCRATCH/longtree/modules.order"
{ echo '# sandrun lock v1 digest=xxh128'; sed 1d "$SCRATCH/long.txt"; } > "$SCRATCH/long.lock"
while IFS='|' read -r what cmd; do
	eval "\"\$SR\" $cmd" >/dev/null 2>"$SCRATCH/err"
	is "a line past 1 MiB in $what: 123" "$?" 123
	like "... said with its line" "$(cat "$SCRATCH/err")" ":2: a line longer than 1 MiB"
done <<'CMDS'
a policy|-n --policy "$SCRATCH/long.txt" -- true
a lock|-n --lock "$SCRATCH/long.lock" -- true
a manifest|apply "$SCRATCH/long.txt" /dev/null
a checksum list|hash --check "$SCRATCH/long.txt"
a rules file|hash --rules "$SCRATCH/long.txt" "$SR"
modules.order|hash --module-hashes "$SCRATCH/longtree"
CMDS
# (a line just under it is whole: the file's next line is its own)
{ head -c $(((1 << 20) - 1)) /dev/zero | tr '\0' '#'; printf '\nnot a rule\n'; } > "$SCRATCH/edge.rules"
"$SR" hash --rules "$SCRATCH/edge.rules" "$SR" >/dev/null 2>"$SCRATCH/err"
like "a line of 1 MiB with its newline is read whole, the next on its own" \
	"$(cat "$SCRATCH/err")" "edge.rules:2: unknown rule kind 'a'"

# make install PREFIX=... DESTDIR=...: the binary, its two objects where
# it looks for them (../lib/sandrun), the man page; a run of the
# installed binary records in-process, with no warning; uninstall takes
# it all away.  (PREFIX as the build's, /usr/local: another would
# rebuild the binary under test, whose LIBDIR it sets.)
if command -v make >/dev/null && [ -f "$TOP/GNUmakefile" ]; then
	D=$SCRATCH/dest
	mk() { env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$TOP" \
		SANITIZE="${SANITIZE:-}" DESTDIR="$D" PREFIX=/usr/local "$@"; }
	before=$(sha256sum < "$SANDRUN")
	mk install >/dev/null 2>"$SCRATCH/err"
	is "make install DESTDIR PREFIX: 0" "$?:$(cat "$SCRATCH/err")" "0:"
	is "... the binary under test not rebuilt" "$(sha256sum < "$SANDRUN")" "$before"
	is "... installs the binary, its objects and the man page" \
		"$(cd "$D" && find . -type f | sort)" "./usr/local/bin/sandrun
./usr/local/lib/sandrun/sandrun-audit.so
./usr/local/lib/sandrun/sandrun-rec.so
./usr/local/share/man/man1/sandrun.1"
	(cd "$SCRATCH/keep" && "$D/usr/local/bin/sandrun" -q -o "$SCRATCH/inst.trace" -- true) \
		2>"$SCRATCH/err"
	is "... whose run succeeds, warning of nothing" "$?:$(cat "$SCRATCH/err")" "0:"
	like "... recording in-process (its objects found)" \
		"$(cat "$SCRATCH/inst.trace.meta.json")" '"in_process": *[1-9]'
	mk uninstall >/dev/null 2>"$SCRATCH/err"
	is "make uninstall: 0, nothing left" "$?:$(cat "$SCRATCH/err"):$(cd "$D" && find . -type f)" "0::"
else
	skip "make install: no make or no GNUmakefile"; skip "(same)"; skip "(same)"; skip "(same)"
	skip "(same)"; skip "(same)"
fi

# Built with clang, where it is installed: with the same flags, no
# warning (-Werror), and sandrun-audit.so needing no other object (the
# GNUmakefile checks); the clang build's runs record in-process, and a
# program's trace is the same bytes as the tested build's (gcc's, unless
# make check was given CC=clang).
if command -v clang >/dev/null && command -v make >/dev/null && [ -f "$TOP/GNUmakefile" ]; then
	C=$SCRATCH/clang-tree
	mkdir -p "$C" "$SCRATCH/cc-src"
	(cd "$TOP" && tar --exclude=./build --exclude=./.git --exclude=./sandrun \
		--exclude='./sandrun*.so' --exclude='./sandrun.trace*' -cf - .) | tar -C "$C" -xf -
	env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -s -C "$C" -j2 CC=clang SANITIZE= \
		>/dev/null 2>"$SCRATCH/err"
	is "make CC=clang: 0, no warning" "$?:$(cat "$SCRATCH/err")" "0:"
	echo in > "$SCRATCH/cc-src/in.txt"
	prog='cat in.txt; ls; mkdir d; echo x > d/f; cat d/f; ln -s f d/l; rm -r d'
	for b in tested clang; do
		bin=$SCRATCH/bin/sandrun
		[ "$b" = clang ] && bin=$C/sandrun
		(cd "$SCRATCH/cc-src" && env -i PATH=/usr/bin:/bin "$bin" -q -o "$SCRATCH/cc-$b.trace" -- /bin/sh -c "$prog") \
			>/dev/null 2>"$SCRATCH/err"
		is "the $b sandrun: the run succeeds, warning of nothing" "$?:$(cat "$SCRATCH/err")" "0:"
	done
	like "clang's: recording in-process (its objects found)" \
		"$(cat "$SCRATCH/cc-clang.trace.meta.json")" '"in_process": *[1-9]'
	check "clang's and the tested (gcc's, by default): the same trace" \
		cmp "$SCRATCH/cc-tested.trace" "$SCRATCH/cc-clang.trace"
	check "... of the program's events" grep -q '"path":"$SRC/d/l"' "$SCRATCH/cc-clang.trace"
else
	for i in 1 2 3 4 5 6; do skip "make CC=clang: no clang installed"; done
fi
done_testing
