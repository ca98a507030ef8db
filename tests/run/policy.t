#!/bin/bash
# Hermetic builds: a policy that allows only the system directories, $SRC
# for reading and $SRC/out for writing.  Each breach is tried for real
# (tests/helpers/breach), denied with nothing read or written in enforce
# mode, allowed but reported in audit mode.  Then locks of host inputs.
. "$(dirname "$0")/../tap.sh"

new_scratch
install_bins
if ! reason=$(require_sandbox root); then
	skip_all "cannot create a sandbox here: $reason"
fi
FORBID=/var/lib/dpkg/status	# readable, outside the policy
[ -r "$FORBID" ] || skip_all "no $FORBID to use as the forbidden file"
[ -x "$SCRATCH/bin/breach" ] || skip_all "no breach helper (make check builds it)"

S=$SCRATCH/src
mkdir -p "$S/bin" "$S/out"
cp "$SCRATCH/bin/breach" "$SCRATCH/bin/sc" "$SCRATCH/bin/probes" "$S/bin/"
cp /bin/true "$S/mytrue"
echo good > "$S/out/good.txt"
for mode in enforce audit; do
	printf '%s\n' "# only the system, the sources, and out/" "mode $mode" "network none" \
		'read /usr /etc /lib /lib64 /bin /sbin $SRC' \
		'exec /usr /bin /sbin /lib /lib64 $SRC/bin' \
		'write $SRC/out' > "$SCRATCH/$mode.policy"
done

# try MODE NAME CMD...: run CMD under the policy; $rc, $out, $err, and
# the trace at $SCRATCH/NAME.trace
try() {
	local mode=$1 name=$2; shift 2
	(cd "$S" && "$SR" -q --policy "$SCRATCH/$mode.policy" -o "$SCRATCH/$name.trace" \
		--report "$SCRATCH/$name.json" -- "$@") >"$SCRATCH/out" 2>"$SCRATCH/err"
	rc=$?
	out=$(cat "$SCRATCH/out")
	err=$(cat "$SCRATCH/err")
}
violations() { grep -c '"ev":"violation"' "$SCRATCH/$1.trace"; }

# Allowed work is allowed: reading $SRC, writing $SRC/out.
try enforce ok sh -c 'cat out/good.txt > out/copy.txt'
is "enforce: allowed work succeeds (exit 0)" "$rc" 0
is "enforce: and writes its output" "$(cat "$S/out/copy.txt" 2>/dev/null)" good
is "enforce: no violation recorded" "$(violations ok)" 0

# A memfd resized and chmod-ed is no file of the policy's: no violation
# (its /proc link, "/memfd:scratch (deleted)", names no path).
try enforce memfd sh -c 'cd out && ../bin/sc memfd'
is "enforce: a memfd's ftruncate and fchmod are allowed (exit 0)" "$rc" 0
is "enforce: a memfd's changes: no violation" "$(violations memfd)" 0
is "enforce: and the work after them is done" "$(cat "$S/out/after.txt" 2>/dev/null)" "still traced"

# 1. reading a file outside the policy
try enforce read cat "$FORBID"
is "enforce: read outside: exit 122 (violation)" "$rc" 122
check "enforce: read outside: nothing read" sh -c "! grep -q Package: '$SCRATCH/out'"
like "enforce: read outside: a violation event with process and path" \
	"$(grep violation "$SCRATCH/read.trace")" \
	"\"p\":\"1\",\"ev\":\"violation\",\"call\":\"openat\",\"access\":\"read\",\"path\":\"$FORBID\",\"res\":\"EACCES\""
like "enforce: read outside: the summary names it" "$err" "read $FORBID \\(openat\\): denied"
try audit read-a cat "$FORBID"
is "audit: read outside: exit 122" "$rc" 122
like "audit: read outside: it was read" "$out" 'Package:'
like "audit: read outside: and recorded as allowed" "$(grep violation "$SCRATCH/read-a.trace")" \
	"\"access\":\"read\",\"path\":\"$FORBID\",\"res\":\"ok\""

# 2. writing outside $SRC/out
try enforce write sh -c 'echo x > notout.txt'
is "enforce: write outside out/: exit 122" "$rc" 122
check "enforce: write outside out/: nothing written" test ! -e "$S/notout.txt"
like "enforce: write outside out/: recorded" "$(grep violation "$SCRATCH/write.trace")" \
	'"access":"write","path":"\$SRC/notout.txt","res":"EACCES"'
try audit write-a sh -c 'echo x > notout.txt'
is "audit: write outside out/: exit 122" "$rc" 122
check "audit: write outside out/: written" test -e "$S/notout.txt"
rm -f "$S/notout.txt"

# 3. TCP and UDP to loopback under network none
for proto in tcp udp; do
	try enforce $proto bin/breach $proto 4711
	is "enforce: $proto to loopback: exit 122" "$rc" 122
	is "enforce: $proto to loopback: refused" "$out" "bind: EACCES"
	like "enforce: $proto to loopback: recorded" "$(grep violation "$SCRATCH/$proto.trace")" \
		'"access":"network","path":"127.0.0.1:4711","res":"EACCES"'
	try audit $proto-a bin/breach $proto 4712
	is "audit: $proto to loopback: exit 122" "$rc" 122
	like "audit: $proto to loopback: it worked" "$out" "^(tcp connected|udp received ping)$"
done

# 4. exec of a binary outside the exec list
try enforce exec sh -c './mytrue; echo "status $?"'
is "enforce: exec outside the list: exit 122" "$rc" 122
is "enforce: exec outside the list: it did not run" "$out" "status 126"
like "enforce: exec outside the list: recorded" "$(grep violation "$SCRATCH/exec.trace")" \
	'"call":"execve","access":"exec","path":"\$SRC/mytrue","res":"EACCES"'
try audit exec-a sh -c './mytrue && echo ran'
is "audit: exec outside the list: it ran" "$out" ran

# 5. open through the 32-bit int 0x80 entry
native=$("$S/bin/breach" int80 /etc/hostname 2>&1)
if [ "${native#int80 unsupported}" != "$native" ]; then
	skip "int 0x80 does not work on this host even without sandrun ($native)"
	skip "int 0x80 does not work on this host even without sandrun ($native)"
else
	try enforce int80 bin/breach int80 "$FORBID"
	is "enforce: int 0x80 open: exit 122" "$rc" 122
	is "enforce: int 0x80 open: refused" "$out" "int80 open: EACCES"
fi

# 6. an openat through io_uring
try enforce uring bin/breach io_uring "$FORBID"
is "enforce: io_uring: exit 122" "$rc" 122
is "enforce: io_uring: refused at setup, nothing read" "$out" "io_uring_setup: EPERM"
like "enforce: io_uring: recorded" "$(grep violation "$SCRATCH/uring.trace")" \
	'"call":"io_uring_setup","access":"syscall","res":"EPERM"'
try audit uring-a bin/breach io_uring "$FORBID"
like "audit: io_uring: it read the file" "$out" '^io_uring read Package:'
like "audit: io_uring: and was reported" "$(grep violation "$SCRATCH/uring-a.trace")" \
	'"call":"io_uring_setup","access":"syscall","res":"ok"'

# Another process's memory written through /proc/PID/mem (no policy):
# what process_vm_writev does, untraceable, with the run's warning; a
# process's own /proc/self/mem is not.
out=$(cd "$S" && "$SR" -o "$SCRATCH/mem.trace" -- bin/breach pokemem 2>"$SCRATCH/mem.err")
is "/proc/PID/mem: the child's memory written" "$out" "changed"
like "... an untraceable open of it" "$(grep untraceable "$SCRATCH/mem.trace")" \
	'^\{"p":"1","ev":"untraceable","call":"open","path":"/proc/[0-9]+/mem","res":"ok"\}$'
like "... the run warns" "$(cat "$SCRATCH/mem.err")" '1 operation could not be recorded'

# 7. a symlink race: a thread flips out/lnk between an allowed and a
# forbidden file while the main thread opens it
try enforce race bin/breach race "$S/out/good.txt" "$FORBID" "$S/out/lnk" 2000
is "enforce: symlink race: exit 122" "$rc" 122
like "enforce: symlink race: the forbidden file was never read" "$out" '^race good=[0-9]+ bad=0 denied=[1-9]'
# (named as the link, or as the forbidden file it led to when it was looked at)
# (each refusal one; one more is usual: the race's last open)
d=$(sed -n 's/.*denied=\([0-9]*\).*/\1/p' <<<"$out")
n=$(grep -c '"ev":"violation","call":"open[a-z]*","access":"read","path":"[^"]*","res":"EACCES"' \
	"$SCRATCH/race.trace")
check "enforce: symlink race: the refusals are violations ($n for ${d:-no} denied)" \
	test "${d:-0}" -ge 1 -a "$n" -ge "${d:-1}"
rm -f "$S/out/lnk"
try audit race-a bin/breach race "$S/out/good.txt" "$FORBID" "$S/out/lnk" 2000
like "audit: symlink race: the forbidden file was read" "$out" '^race good=[0-9]+ bad=[1-9]'
b=$(sed -n 's/.*bad=\([0-9]*\).*/\1/p' <<<"$out")
n=$(grep -c "\"access\":\"read\",\"path\":\"$FORBID\",\"res\":\"ok\"" "$SCRATCH/race-a.trace")
check "audit: symlink race: each such read is reported with the real path ($n for ${b:-no} read)" \
	test "${b:-0}" -ge 1 -a "$n" -ge "${b:-1}"
rm -f "$S/out/lnk"

# 8. what Landlock does not cover, through a link in out/: chmod, utimes,
# xattrs; removal through a link under a write glob; a repository
# symlink that would widen a rule; exec from a memfd; host unix sockets;
# sendmsg.
echo 'int main;' > "$S/main.c"
chmod 644 "$S/main.c"
ln -sf ../main.c "$S/out/l"
try enforce chmod sh -c 'chmod 666 out/l; touch -h -d @0 out/l; touch -d @0 out/l'
is "enforce: chmod through a link out of out/: exit 122" "$rc" 122
is "enforce: chmod through a link: the target is unchanged" "$(stat -c %a "$S/main.c")" 644
check "enforce: utimes through a link: the target is unchanged" \
	test "$(stat -c %Y "$S/main.c")" != 0
like "enforce: chmod through a link: the real path is reported" "$(grep violation "$SCRATCH/chmod.trace")" \
	'"call":"fchmodat","access":"write","path":"\$SRC/main.c","res":"EACCES"'
if command -v setfattr >/dev/null; then
	try enforce xattr setfattr -n user.x -v 1 out/l
	is "enforce: setxattr through a link: exit 122" "$rc" 122
else
	skip "no setfattr (attr) to try setxattr with"
fi
# setxattrat (Linux 6.13), which Debian 12's libseccomp does not know
try enforce xattrat bin/probes setxattrat out/l
if [ "$rc" = 77 ]; then
	skip "this kernel has no setxattrat"
else
	is "enforce: setxattrat through a link: exit 122" "$rc" 122
	like "enforce: setxattrat through a link: the real path is reported" \
		"$(grep violation "$SCRATCH/xattrat.trace")" \
		'"call":"setxattrat","access":"write","path":"\$SRC/main.c","res":"EACCES"'
fi
try audit chmod-a chmod 600 out/l
is "audit: chmod through a link: reported" "$(grep -c '"access":"write","path":"\$SRC/main.c","res":"ok"' "$SCRATCH/chmod-a.trace")" 1
chmod 644 "$S/main.c"
rm -f "$S/out/l"
printf '%s\n' 'mode enforce' 'read /usr /etc /lib /lib64 /bin /sbin $SRC' \
	'exec /usr /bin /sbin /lib /lib64 $SRC/bin' 'write $SRC/out*' > "$SCRATCH/glob.policy"
mkdir -p "$S/out1"
echo victim > "$S/victim.c"
(cd "$S" && "$SR" -q --policy "$SCRATCH/glob.policy" -o "$SCRATCH/glob.trace" -- \
	sh -c 'ln -s .. out1/up && rm out1/up/victim.c') 2>/dev/null
is "enforce: removal through a link under a write glob: exit 122" "$?" 122
check "enforce: removal through a link under a write glob: the file is still there" test -e "$S/victim.c"
rm -rf "$S/out1"
mkdir -p "$SCRATCH/lsrc2/real"
ln -s . "$SCRATCH/lsrc2/out"
(cd "$SCRATCH/lsrc2" && "$SR" -q --policy "$SCRATCH/enforce.policy" -o "$SCRATCH/l2.trace" -- true) 2>"$SCRATCH/err"
is "a write rule through a repository symlink: refused (123)" "$?" 123
like "a write rule through a repository symlink: says where it leads" "$(cat "$SCRATCH/err")" \
	"enforce.policy:6: '\\\$SRC/out' leads through a symlink in the source tree"
try enforce memfd bin/breach memfd-exec /bin/true
is "enforce: exec from a memfd: exit 122" "$rc" 122
is "enforce: exec from a memfd: refused" "$out" "execveat: EACCES"
"$S/bin/breach" unix-serve "$S/host.sock" > "$SCRATCH/serve.out" 2>&1 &
serve=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -S "$S/host.sock" ] && break; sleep 0.2; done
try enforce unix bin/breach unix "$S/host.sock"
is "enforce: a host unix socket outside the write paths: exit 122" "$rc" 122
is "enforce: a host unix socket: refused" "$out" "connect: EACCES"
try audit unix-a bin/breach unix "$S/host.sock"
is "audit: a host unix socket: it connected" "$out" "unix connected"
like "audit: a host unix socket: reported" "$(grep violation "$SCRATCH/unix-a.trace")" \
	'"call":"connect","access":"write","path":"\$SRC/host.sock","res":"ok"'
# ... and through a link in out/, where writes are allowed: the socket it
# leads to is what is checked (after the audit run: the server takes one
# client, and a connect let through would use it)
ln -sf ../host.sock "$S/out/sock"
try enforce unix-link bin/breach unix out/sock
is "enforce: a host unix socket through a link in out/: exit 122" "$rc" 122
is "... refused" "$out" "connect: EACCES"
rm -f "$S/out/sock"
kill $serve 2>/dev/null; wait $serve 2>/dev/null; rm -f "$S/host.sock"
try enforce udpmsg bin/breach udp-msg 4713
is "enforce: UDP to loopback with sendmsg: refused" "$out" "bind: EACCES"
try audit udpmsg-a bin/breach udp-msg 4714
like "audit: sendmsg to loopback: reported" "$(grep violation "$SCRATCH/udpmsg-a.trace")" \
	'"call":"sendmsg","access":"network","path":"127.0.0.1:4714","res":"ok"'

# A name with a tab and a newline cannot garble the report or the
# annotations.
out=$(cd "$S" && GITHUB_ACTIONS=true "$SR" -q --policy "$SCRATCH/enforce.policy" \
	--report "$SCRATCH/odd.json" -o "$SCRATCH/odd.trace" -- \
	sh -c "echo x > \"\$(printf 'a\tb\n::warning::c')\"" 2>/dev/null)
like "odd names: the annotation stays one line" "$out" \
	'^::error title=sandrun policy violation::write .*/a	b%0A::warning::c \(openat'
like "odd names: the report keeps the name and the verdict" "$(cat "$SCRATCH/odd.json")" \
	'"path":"[^"]*a\\tb\\n::warning::c","verdict":"denied"'

# Reports: JSON, GitHub annotations.
if command -v python3 >/dev/null; then
	check "--report: valid JSON" sh -c "python3 -m json.tool '$SCRATCH/read.json' >/dev/null"
else
	skip "no python3 to validate JSON"
fi
like "--report: counts and names the violation" "$(cat "$SCRATCH/read.json")" \
	"\"violation_count\":1,\"violations\":\\[\\{\"pid\":[0-9]+,\"call\":\"openat\",\"access\":\"read\",\"path\":\"$FORBID\",\"verdict\":\"denied\"\\}\\]"
out=$(cd "$S" && GITHUB_ACTIONS=true "$SR" -q --policy "$SCRATCH/enforce.policy" \
	-o "$SCRATCH/gh.trace" -- cat "$FORBID" 2>/dev/null)
like "GITHUB_ACTIONS: an ::error annotation" "$out" \
	"^::error title=sandrun policy violation::read $FORBID \\(openat, pid [0-9]+\\): denied"

# The environment: only what the policy keeps and sets.
printf '%s\n' 'mode enforce' 'read /' 'exec /usr /bin' 'write $SRC/out' 'env keep PATH' \
	'env set SANDRUN_TEST=yes' > "$SCRATCH/env.policy"
out=$(cd "$S" && HIDDEN=1 "$SR" -q --policy "$SCRATCH/env.policy" -o "$SCRATCH/env.trace" -- env)
is "env keep/set: exactly PATH and the set variable" "$(echo "$out" | cut -d= -f1 | sort | tr '\n' ' ')" \
	"PATH SANDRUN_TEST "

# Bad policies: FILE:LINE, exit 123.
bad_policy() {
	printf '%s\n' "$2" > "$SCRATCH/bad.policy"
	"$SR" -q --policy "$SCRATCH/bad.policy" -o "$SCRATCH/bad.trace" -- true 2>"$SCRATCH/err"
	is "bad policy ($1): exit 123" "$?" 123
	like "bad policy ($1): FILE:LINE message" "$(cat "$SCRATCH/err")" "bad.policy:$3: $4"
}
bad_policy "unknown directive" $'mode enforce\nfetch /x' 2 "unknown directive 'fetch'"
bad_policy "bad mode" 'mode strict' 1 "mode: expected 'mode enforce' or 'mode audit'"
bad_policy "relative path" $'# c\nread usr' 2 "'usr': a path must be absolute"
bad_policy "unknown root" 'write $BUILD/out' 1 "'.BUILD/out': unknown root"
bad_policy "a root run into a name" 'write $SRCx' 1 "'.SRCx': unknown root"
bad_policy "bad env" 'env set NOVALUE' 1 "env set: expected NAME=VALUE"
bad_policy "mode twice" $'mode enforce\nmode audit' 2 "mode: given twice"
bad_policy "network twice" $'network none\nnetwork host' 2 "network: given twice"
bad_policy "a binary directive" $'mo\001\377de x' 1 "unknown directive 'mo\\?\\?de'"
"$SR" -q --policy "$SCRATCH/nonexistent.policy" -- true 2>/dev/null
is "a missing policy: an I/O error, exit 125" "$?" 125
"$SR" -q --no-trace --policy "$SCRATCH/enforce.policy" -- true 2>/dev/null
is "--policy with --no-trace: usage error (124)" "$?" 124

# The example policies in contrib/ let their builds through, cleanly.
M=$SCRATCH/mc
mkdir -p "$M"
printf 'out/prog: a.c\n\tmkdir -p out\n\t$(CC) -o out/prog a.c\n' > "$M/Makefile"
echo 'int main(void){return 0;}' > "$M/a.c"
(cd "$M" && env -u MAKEFLAGS "$SR" -q --policy="$TOP/contrib/policies/make-cc.policy" \
	-o "$SCRATCH/mc.trace" -- make -s) >/dev/null 2>&1
is "contrib make-cc.policy: a make + cc build passes (exit 0)" "$?" 0
is "contrib make-cc.policy: without a violation" "$(violations mc)" 0
KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
if [ -n "$KDIR" ]; then
	cp -r "$TOP/contrib/demo-module" "$SCRATCH/km"
	rm -f "$SCRATCH/km"/*.ko "$SCRATCH/km"/*.o "$SCRATCH/km"/.*.cmd
	(cd "$SCRATCH/km" && env -u MAKEFLAGS "$SR" -q --src="$SCRATCH/km" \
		--policy="$TOP/contrib/policies/kernel-modules.policy" -o "$SCRATCH/km.trace" -- \
		make -C "$KDIR" M="$SCRATCH/km" modules) >/dev/null 2>&1
	is "contrib kernel-modules.policy: make modules passes (exit 0)" "$?" 0
	check "contrib kernel-modules.policy: hello.ko built" test -s "$SCRATCH/km/hello.ko"
	is "contrib kernel-modules.policy: without a violation" "$(violations km)" 0
else
	for i in 1 2 3; do skip "no linux-headers-amd64"; done
fi

# Locks: a build's host inputs, and drift against them.
L=$SCRATCH/lsrc
mkdir -p "$L"
printf '#include <limits.h>\nint x = CHAR_BIT;\n' > "$L/a.c"
lrun() { (cd "$L" && env -u MAKEFLAGS "$SR" -q -o "$SCRATCH/$1.trace" "${@:2}" -- cc -c a.c -o a.o) 2>"$SCRATCH/err"; }
lrun l1
"$SR" lock "$SCRATCH/l1.trace" > "$SCRATCH/build.lock"
is "lock: exit 0" "$?" 0
like "lock: the system header with its digest" "$(cat "$SCRATCH/build.lock")" \
	$'file:[0-9a-f]{32}\t/usr/include/limits.h'
like "lock: the compiler, executed" "$(cat "$SCRATCH/build.lock")" $'file:[0-9a-f]{32}\t/usr/lib/gcc/[^\t]*/cc1$'
check "lock: nothing under \$SRC" sh -c "! grep -q '\\\$SRC' '$SCRATCH/build.lock'"
(cd "$L" && "$SR" -q -o "$SCRATCH/runls.trace" -- sh -c 'ls /run/sandrun /var/tmp /etc >/dev/null') \
	2>/dev/null
"$SR" lock -o "$SCRATCH/runls.lock" "$SCRATCH/runls.trace"
is "lock: nothing of the sandbox's own /run and /var/tmp" \
	"$(grep -c $'\t/run\\|\t/var/tmp' "$SCRATCH/runls.lock")" 0
like "... but the host's /etc listed" "$(cat "$SCRATCH/runls.lock")" $'dir:[0-9a-f]+\t/etc$'
"$SR" lock -o "$SCRATCH/build2.lock" "$SCRATCH/l1.trace"
check "lock -o: the same lock" cmp -s "$SCRATCH/build.lock" "$SCRATCH/build2.lock"
lrun l2 --lock "$SCRATCH/build.lock"
is "--lock: an unchanged build passes (exit 0)" "$?" 0
# A lock of SHA-256 digests: the run takes its digests so, and passes;
# --digest asking for others is refused before the build.
lrun l1s --digest=sha256
"$SR" lock -o "$SCRATCH/sha.lock" "$SCRATCH/l1s.trace"
lrun l2s --lock "$SCRATCH/sha.lock"
is "--lock of SHA-256 digests: the run takes them (exit 0)" "$?" 0
like "... its trace's digests are SHA-256" "$(head -n1 "$SCRATCH/l2s.trace")" '"digest":"sha256"'
rm -f "$SCRATCH/l3s.trace"
lrun l3s --lock "$SCRATCH/sha.lock" --digest=xxh128
is "--lock of SHA-256 with --digest=xxh128: usage (124)" "$?" 124
like "... said" "$(cat "$SCRATCH/err")" "--digest=xxh128: the lock '.*sha.lock' has sha256 digests"
check "... before the build" test ! -e "$SCRATCH/l3s.trace"
cp /usr/include/limits.h "$SCRATCH/limits.h"
echo '/* changed */' >> "$SCRATCH/limits.h"
lrun l3 --lock "$SCRATCH/build.lock" --ro-bind "$SCRATCH/limits.h:/usr/include/limits.h"
is "--lock: a modified system header: exit 121 (drift)" "$?" 121
like "--lock: names the header" "$(cat "$SCRATCH/err")" \
	'lock: host input changed: /usr/include/limits.h \(was file:[0-9a-f]+, is file:[0-9a-f]+\)'
(cd "$L" && "$SR" -q -o "$SCRATCH/l4.trace" --lock "$SCRATCH/build.lock" -- \
	sh -c 'cat /etc/hostname >/dev/null; cc -c a.c -o a.o') 2>"$SCRATCH/err"
is "--lock: a new host input: exit 121" "$?" 121
like "--lock: names it" "$(cat "$SCRATCH/err")" 'lock: new host input: /etc/hostname'
# A host file the lock has read and this run only looks at (make
# checking a header's time) is the same input: its type compares, not a
# content this run never read; a file now something else is drift.
mkdir -p "$SCRATCH/hf" "$SCRATCH/hd/f"
echo 1 > "$SCRATCH/hf/f"
(cd "$L" && "$SR" -q -o "$SCRATCH/l4r.trace" --ro-bind "$SCRATCH/hf:/srv" -- \
	sh -c 'cat /srv/f >/dev/null') 2>/dev/null
"$SR" lock -o "$SCRATCH/read.lock" "$SCRATCH/l4r.trace"
(cd "$L" && "$SR" -q -o "$SCRATCH/l4s.trace" --lock "$SCRATCH/read.lock" \
	--ro-bind "$SCRATCH/hf:/srv" -- sh -c 'test -f /srv/f') 2>"$SCRATCH/err"
is "--lock: a file read then, only looked up now: no drift (0)" "$?" 0
(cd "$L" && "$SR" -q -o "$SCRATCH/l4d.trace" --lock "$SCRATCH/read.lock" \
	--ro-bind "$SCRATCH/hd:/srv" -- sh -c 'test -d /srv/f') 2>"$SCRATCH/err"
is "--lock: that file now a directory, looked up: drift (121)" "$?" 121
like "... named" "$(cat "$SCRATCH/err")" \
	'lock: host input changed: /srv/f \(was file:[0-9a-f]+, is dir\)'
# The lock is read once, before the run: from a pipe, and as it was
# then, whatever the build does to the file.
lrun l3p --lock <(cat "$SCRATCH/build.lock") --ro-bind "$SCRATCH/limits.h:/usr/include/limits.h"
is "--lock from a pipe: read before the run, drift found (121)" "$?" 121
like "... named" "$(cat "$SCRATCH/err")" 'lock: host input changed: /usr/include/limits.h'
cp "$SCRATCH/build.lock" "$L/build.lock"
(cd "$L" && "$SR" -q -o "$SCRATCH/l3t.trace" --lock "$L/build.lock" \
	--ro-bind "$SCRATCH/limits.h:/usr/include/limits.h" -- \
	cc -c a.c -o build.lock) 2>"$SCRATCH/err"
is "--lock: a build that writes over its lock (an object file) still drifts (121)" "$?" 121
like "... named" "$(cat "$SCRATCH/err")" 'lock: host input changed: /usr/include/limits.h'
rm -f "$L/build.lock"
# Drift of host inputs named with a backslash and a byte that is not
# UTF-8: the lock escapes them as mtree does, --report's JSON gives their
# bytes as the violations' paths are (a backslash as two, \xHH).
H=$SCRATCH/hostdir
mkdir -p "$H" && printf one > "$H/a\\b" && printf one > "$H/e$(printf '\351')"
hrun() { (cd "$L" && "$SR" -q -o "$SCRATCH/$1.trace" --ro-bind="$H:/mnt" "${@:2}" -- \
	sh -c 'cat /mnt/* >/dev/null') 2>"$SCRATCH/err"; }
hrun h1 && "$SR" lock -o "$SCRATCH/h.lock" "$SCRATCH/h1.trace"
like "lock: a host name with a backslash, escaped as mtree does" "$(cat "$SCRATCH/h.lock")" \
	$'\t/mnt/a\\\\134b$'
printf two > "$H/a\\b" && printf two > "$H/e$(printf '\351')"
hrun h2 --lock="$SCRATCH/h.lock" --report="$SCRATCH/h.json"
is "--lock: drift of the two (121)" "$?" 121
if command -v python3 >/dev/null; then
	is "--report: the drifted paths as bytes, escaped once" \
		"$(python3 -c 'import json, sys; print(" ".join(d["path"] for d in
			json.load(open(sys.argv[1]))["lock_drift"]))' "$SCRATCH/h.json")" \
		'/mnt/a\\b /mnt/e\xe9'
else
	skip "no python3 to read JSON"
fi
(cd "$L" && "$SR" -q -o "$SCRATCH/l6.trace" -- cat /proc/self/root/etc/hostname) >/dev/null 2>&1
like "lock: a read through /proc/self/root counts as the path" "$("$SR" lock "$SCRATCH/l6.trace")" \
	$'file:[0-9a-f]{32}\t/etc/hostname'
printf 'not a lock\n' > "$SCRATCH/bad.lock"
lrun l5 --lock "$SCRATCH/bad.lock"
is "--lock: a malformed lock: exit 123" "$?" 123
like "--lock: with file and line" "$(cat "$SCRATCH/err")" 'bad.lock:1: not a sandrun lock'
# A lock whose lines sandrun lock could not have written: stopped (123)
# with file and line, not taken for drift after the build.
badlock() {	# NAME SED-EXPRESSION WANT-ERR
	sed "$2" "$SCRATCH/build.lock" > "$SCRATCH/$1.lock"
	lrun "lk-$1" --lock "$SCRATCH/$1.lock"
	is "--lock with $1: exit 123" "$?" 123
	like "... says where" "$(cat "$SCRATCH/err")" "$3"
}
badlock state '2s/^[a-z]*/banana/' "state.lock:2: 'banana' is no state"
badlock algo '1s/digest=.*/digest=md5/' "algo.lock:1: unknown digest 'md5'"
badlock digest '0,/^file:/s/^file:[0-9a-f]*/file:zz/' "digest.lock:[0-9]+: 'file:zz' is no state"
badlock relpath 's|\t/usr/include/limits.h|\tusr/include/limits.h|' "relpath.lock:[0-9]+: bad path"
badlock dotpath 's|\t/usr/include/limits.h|\t/usr/./include/limits.h|' "dotpath.lock:[0-9]+: bad path"
badlock slashpath 's|\t/usr/include/limits.h|\t/usr/include/limits.h/|' "slashpath.lock:[0-9]+: bad path"
badlock blankpath 's|\t/usr/include/limits.h|\t/usr/include/lim its.h|' "blankpath.lock:[0-9]+: bad path"
{ cat "$SCRATCH/build.lock"; printf 'absent\t/nonexistent'; } > "$SCRATCH/nonl.lock"
lrun lk-nonl --lock "$SCRATCH/nonl.lock"
is "--lock cut without its last newline: exit 123" "$?" 123
like "... says so" "$(cat "$SCRATCH/err")" "nonl.lock:[0-9]+: truncated line"
sed '2p' "$SCRATCH/build.lock" > "$SCRATCH/twice.lock"
lrun lk-twice --lock "$SCRATCH/twice.lock"
is "--lock with a path listed twice: exit 123" "$?" 123
like "... names it, and both lines" "$(cat "$SCRATCH/err")" "twice.lock:3: '.*' is listed twice \\(line 2 too\\)"
sed 's/$/\r/' "$SCRATCH/build.lock" > "$SCRATCH/crlf.lock"
lrun lk-crlf --lock "$SCRATCH/crlf.lock"
is "--lock with CRLF line ends: exit 123" "$?" 123
like "... says so" "$(cat "$SCRATCH/err")" "crlf.lock:1: a carriage return ends the line \\(CRLF line ends\\?\\)"
# A #! script among the host inputs: its exec names its interpreter,
# whose digest the lock keeps under the interpreter's path, and the
# script is locked by its content, so a changed script is drift.
printf '#!/bin/sh\necho one\n' > "$SCRATCH/tool1"
printf '#!/bin/sh\necho two\n' > "$SCRATCH/tool2"
chmod 755 "$SCRATCH/tool1" "$SCRATCH/tool2"
srun() { (cd "$L" && "$SR" -q -o "$SCRATCH/$1.trace" --ro-bind="$SCRATCH/$2:/usr/bin/ldd" \
	"${@:3}" -- sh -c 'ldd > /dev/null') 2>"$SCRATCH/err"; }
srun sc1 tool1
like "a script's exec: its interpreter named" "$(grep '"ev":"exec","path":"/usr/bin/ldd"' \
	"$SCRATCH/sc1.trace")" '"interp":"/bin/sh"'
"$SR" lock -o "$SCRATCH/sc.lock" "$SCRATCH/sc1.trace"
like "lock: the script by its content" "$(cat "$SCRATCH/sc.lock")" \
	"file:$("$SR" hash --algo=xxh128 "$SCRATCH/tool1" | cut -d' ' -f1)"$'\t/usr/bin/ldd'
like "lock: its interpreter by the digest its exec has" "$(cat "$SCRATCH/sc.lock")" \
	"file:$(grep -o '"interp":"/bin/sh".*' "$SCRATCH/sc1.trace" | grep -o '"digest":"[0-9a-f]*"' |
		cut -d'"' -f4)"$'\t/bin/sh'
srun sc2 tool2 --lock="$SCRATCH/sc.lock"
is "--lock: a changed script is drift (121)" "$?" 121
like "... named" "$(cat "$SCRATCH/err")" "host input changed: /usr/bin/ldd"
# A program's loader (its ELF interpreter: the kernel loads it, no open
# of the build's reads it) among the host inputs: each exec names it with
# its digest, the lock keeps it, and another one is drift.
ld=$(readelf -l /bin/sh 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if [ -n "$ld" ] && [ -f "$ld" ]; then
	ldsum=$("$SR" hash --algo=xxh128 "$(realpath "$ld")" | cut -d' ' -f1)
	like "an exec names its program's loader, with the loader's digest" \
		"$(grep '"ev":"exec","path":"[^"]*/sh"' "$SCRATCH/sc1.trace" | head -n1)" \
		"\"loader\":\"$ld\",\"loader_digest\":\"$ldsum\""
	like "lock: the loader by its digest" "$(cat "$SCRATCH/sc.lock")" "file:$ldsum"$'\t'"$ld"
	cp "$(realpath "$ld")" "$SCRATCH/ld.so" && printf 'x' >> "$SCRATCH/ld.so"
	srun ld1 tool1 --lock="$SCRATCH/sc.lock" --ro-bind="$SCRATCH/ld.so:$(realpath "$ld")"
	is "--lock: another loader is drift (121)" "$?" 121
	like "... named" "$(cat "$SCRATCH/err")" "host input changed: $ld "
else
	skip "no readelf, or /bin/sh has no ELF interpreter"
	skip "(same)"
	skip "(same)"
	skip "(same)"
fi
"$SR" lock "$SCRATCH/nonexistent.trace" 2>/dev/null
is "lock: a missing trace: an I/O error (125)" "$?" 125
rm -f "$L/a.o"
lrun l7 --lock "$SCRATCH/no-such.lock"
is "--lock: a missing lock: an I/O error (125)" "$?" 125
like "--lock: names it" "$(cat "$SCRATCH/err")" "^sandrun: cannot open lock '$SCRATCH/no-such.lock': No such file"
check "--lock: a lock that cannot be read stops sandrun before the build" \
	sh -c "! test -e '$L/a.o' && ! test -e '$SCRATCH/l7.trace'"

# --report is for CI: not writing it is a failure (125), unless the run
# failed its verdict anyway.  A directory that is not there is known
# before the build, which then does not run.
(cd "$S" && "$SR" -q --policy "$SCRATCH/enforce.policy" -o "$SCRATCH/rep.trace" \
	--report "$SCRATCH/no/dir/r.json" -- touch out/ran) 2>"$SCRATCH/err"
is "--report into a missing directory: 125" "$?" 125
like "--report: says why" "$(cat "$SCRATCH/err")" "no/dir/r.json"
check "--report into a missing directory: refused before the build" test ! -e "$S/out/ran"
mkdir -p "$S/out/rdir"
(cd "$S" && "$SR" -q --policy "$SCRATCH/enforce.policy" -o "$SCRATCH/rep.trace" \
	--report "$S/out/rdir/r.json" -- sh -c "rmdir out/rdir; cat '$FORBID'") >/dev/null 2>&1
is "--report whose directory the build removed, with a violation: still 122" "$?" 122
# A command that cannot start under an enforcing policy (Landlock would
# refuse its exec, or its ELF interpreter's, or a script's #! line's) is
# a violation named before the run, not "cannot execute" (126).
interp=$(readelf -l /bin/true 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
if [ -n "$interp" ]; then
	printf '%s\n' "mode enforce" 'read /usr /etc /lib /lib64 /bin $SRC' 'exec /usr/bin /bin' \
		> "$SCRATCH/nointerp.policy"
	(cd "$S" && "$SR" -q --policy "$SCRATCH/nointerp.policy" -o "$SCRATCH/pre.trace" -- true) \
		2>"$SCRATCH/err"
	is "an interpreter no exec rule allows: 122" "$?" 122
	like "... named, with what it resolves to" "$(cat "$SCRATCH/err")" \
		"^sandrun: policy $SCRATCH/nointerp.policy: the command cannot start: no exec rule allows $interp \\(that is, /.*\\), the interpreter of /.*/true$"
	check "... before the run: no trace" test ! -e "$SCRATCH/pre.trace"
	# a 32-bit program's (ELF32: its headers only, made here)
	n=$(( ${#interp} + 1 ))
	printf '\x7fELF\x01\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x03\0\x01\0\0\0\0\0\0\0\x34\0\0\0\0\0\0\0\0\0\0\0\x34\0\x20\0\x01\0\0\0\0\0\0\0\x03\0\0\0\x54\0\0\0\0\0\0\0\0\0\0\0'"$(printf '\\x%02x' $n)"'\0\0\0'"$(printf '\\x%02x' $n)"'\0\0\0\x04\0\0\0\x01\0\0\0%s\0' "$interp" > "$S/elf32"
	chmod 755 "$S/elf32"
	printf '%s\n' "mode enforce" 'read /usr /etc /lib /lib64 /bin $SRC' 'exec /usr/bin /bin $SRC' \
		> "$SCRATCH/nointerp32.policy"
	(cd "$S" && "$SR" -q --policy "$SCRATCH/nointerp32.policy" -o "$SCRATCH/pre.trace" -- ./elf32) \
		2>"$SCRATCH/err"
	like "... a 32-bit program's (ELF32) too" "$(cat "$SCRATCH/err")" \
		"no exec rule allows $interp \\(that is, /.*\\), the interpreter of $S/elf32$"
	printf '%s\n' "mode audit" 'read /usr /etc /lib /lib64 /bin $SRC' 'exec /usr/bin /bin' \
		> "$SCRATCH/nointerp-audit.policy"
	(cd "$S" && "$SR" -q --policy "$SCRATCH/nointerp-audit.policy" -- true) 2>/dev/null
	is "... in audit mode nothing is refused: the run goes on (0)" "$?" 0
else
	skip "no readelf, or /bin/true has no ELF interpreter"
	skip "(same)"
	skip "(same)"
	skip "(same)"
	skip "(same)"
fi
printf '#!/bin/sh\necho hi\n' > "$S/hi.sh"
chmod +x "$S/hi.sh"
printf '%s\n' "mode enforce" 'read /usr /etc /lib /lib64 /bin $SRC' 'exec $SRC /lib /lib64 /usr/lib' \
	> "$SCRATCH/noshell.policy"
(cd "$S" && "$SR" -q --policy "$SCRATCH/noshell.policy" -- ./hi.sh) 2>"$SCRATCH/err"
is "a script whose #! no exec rule allows: 122" "$?" 122
like "... names the interpreter and the script" "$(cat "$SCRATCH/err")" \
	"no exec rule allows /bin/sh.*, the interpreter of $S/hi.sh$"
(cd "$S" && "$SR" -q --policy "$SCRATCH/noshell.policy" -- /usr/bin/true) 2>"$SCRATCH/err"
is "a program no exec rule allows: 122" "$?" 122
like "... named" "$(cat "$SCRATCH/err")" "no exec rule allows /usr/bin/true$"
# The same for a process of the build: the refused interpreter is a
# violation, named; a script without x is an ordinary EACCES, none.
printf '#!/usr/sbin/nologin\n' > "$S/hi.sh"
chmod +x "$S/hi.sh"
printf '%s\n' "mode enforce" 'read /usr /etc /lib /lib64 /bin $SRC' \
	'exec /usr/bin /bin /lib /lib64 /usr/lib $SRC' > "$SCRATCH/nonologin.policy"
(cd "$S" && "$SR" -q --policy "$SCRATCH/nonologin.policy" --report "$SCRATCH/nl.json" \
	-- sh -c './hi.sh; true') >/dev/null 2>&1
is "a child whose #! interpreter no exec rule allows: 122" "$?" 122
like "... the violation names the interpreter" "$(cat "$SCRATCH/nl.json")" \
	'"call":"execve","access":"exec","path":"/usr/sbin/nologin","verdict":"denied"'
chmod -x "$S/hi.sh"
(cd "$S" && "$SR" -q --policy "$SCRATCH/nonologin.policy" -- sh -c './hi.sh; true') >/dev/null 2>&1
is "... a script without x: an ordinary EACCES, no violation (0)" "$?" 0
rm -f "$S/hi.sh"

# The source tree is a read-only mount but where an enforced policy
# writes: what Landlock does not cover (chmod) and a path the tracer's
# check let through meet the mount.  $TMP (/tmp) holds this tree
# ($SCRATCH is under /tmp): writing it does not open the tree up, at
# the mount or at the tracer's check (which let the tree's writes
# through to the mount's EROFS, no violation, exit 0).
printf '%s\n' "mode enforce" "network none" 'read /usr /etc /lib /lib64 /bin $SRC' \
	'exec /usr /bin /lib /lib64' 'write $SRC/out $TMP' > "$SCRATCH/tmpw.policy"
echo secret > "$S/secret"
chmod 644 "$S/secret"
(cd "$S" && "$SR" -q --policy "$SCRATCH/tmpw.policy" -o "$SCRATCH/tmpw.trace" \
	--report "$SCRATCH/tmpw.json" -- sh -c \
	'echo bad >> secret; chmod 777 secret; touch new; echo ok > out/w.txt; echo t > /tmp/t;
	 grep -E " $PWD(/out)? " /proc/self/mountinfo | cut -d" " -f5,6 | sort -u') \
	>"$SCRATCH/out" 2>"$SCRATCH/err"
is "write \$TMP over a tree under /tmp: the tree's writes are violations (122)" "$?" 122
is "... the tree's file not written" "$(cat "$S/secret")" "secret"
is "... nor chmod-ed" "$(stat -c %a "$S/secret")" "644"
check "... nor a file made beside it" test ! -e "$S/new"
is "... out/ written" "$(cat "$S/out/w.txt" 2>/dev/null)" "ok"
like "... the tree is mounted read-only" "$(cat "$SCRATCH/out")" "^$S ro,"
like "... out/ read-write over it" "$(cat "$SCRATCH/out")" "$S/out rw,"
v=$(grep -o '"path":"[^"]*","verdict":"denied"' "$SCRATCH/tmpw.json" | sort -u | tr '\n' ' ')
is "... the violations: the tree's files, not out/ or /tmp" "$v" \
	"\"path\":\"$S/new\",\"verdict\":\"denied\" \"path\":\"$S/secret\",\"verdict\":\"denied\" "
like "... the chmod among them" "$(cat "$SCRATCH/tmpw.json")" '"call":"fchmodat","access":"write"'
like "... meta.json's exit_code is sandrun's (it was the command's 0)" \
	"$(tr -d "\n" < "$SCRATCH/tmpw.trace.meta.json")" '"status": 0,.*"exit_code": 122'
like "... the trace's end record has the command's" "$(tail -n 1 "$SCRATCH/tmpw.trace")" '"exit":0,'
rm -f "$S/secret" "$S/out/w.txt"
mkdir -p "$SCRATCH/dry"
printf '%s\n' "mode enforce" 'read /usr /etc /lib /lib64 /bin $SRC' 'write $SRC/new/out' \
	> "$SCRATCH/dry.policy"
out=$(cd "$SCRATCH/dry" && "$SR" -n --policy "$SCRATCH/dry.policy" -- true)
like "--dry-run under an enforced policy: the tree's read-only remount" "$out" "remount-ro $SCRATCH/dry\$"
like "... and the write path bound over it" "$out" "bind $SCRATCH/dry/new/out $SCRATCH/dry/new/out"
check "... a dry run makes no missing write directory" test ! -e "$SCRATCH/dry/new"
# Under enforce, a read through an allowed symlink to a path that is not
# is named as the path it reaches.
mkdir -p "$SCRATCH/sl"
ln -sf /etc/hostname "$SCRATCH/sl/link"
printf '%s\n' "mode enforce" 'read $SRC /etc/ld.so.cache' 'exec /usr /bin /lib /lib64' \
	> "$SCRATCH/sl.policy"
(cd "$SCRATCH/sl" && "$SR" -q --policy "$SCRATCH/sl.policy" --report "$SCRATCH/sl.json" \
	-o "$SCRATCH/sl.trace" -- cat link) >/dev/null 2>&1
is "a read through a symlink out of the policy: 122" "$?" 122
like "... the violation names where it leads" "$(cat "$SCRATCH/sl.json")" \
	'"access":"read","path":"/etc/hostname","verdict":"denied"'
check "... not the link" sh -c "! grep -q 'sl/link' '$SCRATCH/sl.json'"

# A write glob that matches the tree itself leaves it read-write.
mkdir -p "$SCRATCH/gw1"
printf '%s\n' "mode enforce" 'read /usr /etc /lib /lib64 /bin $SRC' \
	'exec /usr /bin /lib /lib64' "write $SCRATCH/gw*" > "$SCRATCH/gw.policy"
out=$(cd "$SCRATCH/gw1" && "$SR" -n --policy "$SCRATCH/gw.policy" -- true)
is "a write glob matching the tree: no read-only remount of it" \
	"$(echo "$out" | grep -c "^remount-ro $SCRATCH/gw1\$")" 0
(cd "$SCRATCH/gw1" && "$SR" -q --policy "$SCRATCH/gw.policy" -o "$SCRATCH/gw.trace" -- \
	sh -c 'echo made > made.txt') 2>"$SCRATCH/err"
is "... and the build writes there (0)" "$?" 0
is "... its file made" "$(cat "$SCRATCH/gw1/made.txt" 2>/dev/null)" made
# A write glob in the tree: what it matches at the start is writable, a
# name it matches made later meets the read-only tree; run says so.
mkdir -p "$SCRATCH/gw2"
echo old > "$SCRATCH/gw2/a.o"
printf '%s\n' "mode enforce" 'read /usr /etc /lib /lib64 /bin $SRC' \
	'exec /usr /bin /lib /lib64' 'write $SRC/*.o' > "$SCRATCH/gw2.policy"
(cd "$SCRATCH/gw2" && "$SR" -q --policy "$SCRATCH/gw2.policy" -o "$SCRATCH/gw2.trace" -- \
	sh -c 'echo new > a.o; echo new > b.o') 2>"$SCRATCH/err"
is "a write glob in the tree: a name it matches made later is refused (sh: 2)" "$?" 2
is "... what it matched at the start written" "$(cat "$SCRATCH/gw2/a.o")" new
check "... the new name not made" test ! -e "$SCRATCH/gw2/b.o"
like "... and run warned of the glob at its start" "$(head -n 1 "$SCRATCH/err")" \
	"^sandrun: warning: $SCRATCH/gw2.policy:4: the walls let the build write what '\\\$SRC/\\*\\.o' matches now, and refuse a name it matches made later\$"
# Globs match a leading dot only with a dot, as documented.
mkdir -p "$SCRATCH/dots/.hidden"
echo h > "$SCRATCH/dots/.hidden/f"; echo v > "$SCRATCH/dots/vis"
printf '%s\n' "mode audit" 'read /usr /etc /lib /lib64 /bin' "read $SCRATCH/dots/*" \
	'exec /usr /bin /lib /lib64' > "$SCRATCH/dots.policy"
(cd "$SCRATCH/dots" && "$SR" -q --policy "$SCRATCH/dots.policy" --report "$SCRATCH/dots.json" \
	-o "$SCRATCH/dots.trace" -- cat vis .hidden/f) >/dev/null 2>&1
like "a glob's * covers a visible name, not a dotfile (audit)" "$(cat "$SCRATCH/dots.json")" \
	"dots/\\.hidden/f"
check "... the visible one not reported" sh -c "! grep -q 'dots/vis' '$SCRATCH/dots.json'"

# A ".." after a symlink climbs from where the link led, as the kernel
# walks it: l/../../etc/x with l -> /etc is /etc/x, not the name made
# lexically (a lookup of nothing there, which breached nothing).
mkdir -p "$SCRATCH/dd/sub" "$SCRATCH/dd/src"
ln -sfn /etc "$SCRATCH/dd/sub/etclink"
for mode in audit enforce; do
	printf '%s\n' "mode $mode" "network none" \
		'read /usr /lib /lib64 $SRC /etc/ld.so.cache /srv/sub' \
		'exec /usr /bin /lib /lib64' > "$SCRATCH/dd-$mode.policy"
	(cd "$SCRATCH/dd/src" && "$SR" -q --bind="$SCRATCH/dd:/srv" \
		--policy "$SCRATCH/dd-$mode.policy" -o "$SCRATCH/dd-$mode.trace" -- \
		/usr/bin/head -c 3 /srv/sub/etclink/../../etc/hostname) >"$SCRATCH/out" 2>/dev/null
	is "$mode: a read out of the policy by a \"..\" after a symlink: 122" "$?" 122
	like "... the violation names the file the kernel found" \
		"$(grep violation "$SCRATCH/dd-$mode.trace")" '"access":"read","path":"/etc/hostname"'
done
is "... audit: read" "$(cat "$SCRATCH/out")$(head -c 3 /etc/hostname)" "$(head -c 3 /etc/hostname)"
# (a name that is not there, through the link, breaches nothing)
(cd "$SCRATCH/dd/src" && "$SR" -q --bind="$SCRATCH/dd:/srv" --policy "$SCRATCH/dd-enforce.policy" \
	-o "$SCRATCH/dd-none.trace" -- sh -c 'test -e /srv/sub/etclink/../../etc/no-such; exit 0') \
	2>/dev/null
is "... a lookup of nothing there through it: no violation (0)" "$?" 0

# A write open allowed by name that a symlink leads out of the write
# paths, refused by the read-only root (EROFS): a violation, named where
# it leads; in audit mode too.
mkdir -p "$SCRATCH/wl/out"
ln -sf /etc/hostname "$SCRATCH/wl/out/host"
for mode in enforce audit; do
	printf '%s\n' "mode $mode" "network none" 'read /usr /lib /lib64 /etc $SRC' \
		'exec /usr /bin /lib /lib64' 'write $SRC/out' > "$SCRATCH/wl-$mode.policy"
	(cd "$SCRATCH/wl" && "$SR" -q --policy "$SCRATCH/wl-$mode.policy" \
		-o "$SCRATCH/wl-$mode.trace" -- sh -c 'echo y >> out/host; exit 0') 2>/dev/null
	is "$mode: a write through out/host -> /etc/hostname: 122" "$?" 122
	like "... the violation names /etc/hostname" "$(grep violation "$SCRATCH/wl-$mode.trace")" \
		"\"access\":\"write\",\"path\":\"/etc/hostname\",\"res\":\"$([ $mode = enforce ] && echo EROFS || echo ok)\""
done
# (a file the policy allows on a read-only mount is no breach)
printf '%s\n' "mode enforce" 'read /usr /lib /lib64 /etc $SRC' 'exec /usr /bin /lib /lib64' \
	'write $SRC/out /etc/hostname' > "$SCRATCH/wl-ok.policy"
(cd "$SCRATCH/wl" && "$SR" -q --policy "$SCRATCH/wl-ok.policy" -o "$SCRATCH/wl-ok.trace" -- \
	sh -c 'echo y >> out/host; exit 0') 2>/dev/null
is "... where the policy writes it, the read-only root's EROFS is no violation (0)" "$?" 0

# Rules of the sandbox's own /tmp reach no tree bound below it, whatever
# they name there: a glob of /tmp's entries, a directory above the tree.
mkdir -p "$SCRATCH/tt/src/bin"
for rule in '$TMP/*' '$SRC/..' '/tmp/?*'; do
	printf '%s\n' "mode enforce" 'read /usr /lib /lib64 /etc $SRC' 'exec /usr /bin /lib /lib64' \
		"write $rule" > "$SCRATCH/tt.policy"
	(cd "$SCRATCH/tt/src" && "$SR" -q --policy "$SCRATCH/tt.policy" --report "$SCRATCH/tt.json" \
		-o "$SCRATCH/tt.trace" -- sh -c "touch $SCRATCH/tt/src/top; chmod 700 $SCRATCH/tt/src/bin") \
		2>/dev/null
	is "write $rule, the tree under /tmp: its writes are violations (122)" "$?" 122
	check "... no file made in the tree" test ! -e "$SCRATCH/tt/src/top"
	is "... nor its directory chmod-ed" "$(stat -c %a "$SCRATCH/tt/src/bin")" 755
	like "... the violations name them" "$(cat "$SCRATCH/tt.json")" \
		"\"path\":\"$SCRATCH/tt/src/top\",\"verdict\":\"denied\".*\"path\":\"$SCRATCH/tt/src/bin\""
done

# The command's own exec is checked before the run as the tracer checks
# it: by the name it is run by, and where that leads, each by the rules
# as written.
printf '%s\n' "mode enforce" 'read /usr /lib /lib64 /etc' 'exec /usr' > "$SCRATCH/ex1.policy"
"$SR" -q --policy "$SCRATCH/ex1.policy" --report "$SCRATCH/ex1.json" -o "$SCRATCH/ex1.trace" \
	-- /bin/true 2>"$SCRATCH/err"
is "exec /usr, the command /bin/true: refused before the run (122)" "$?" 122
is "... saying which name" "$(cat "$SCRATCH/err")" \
	"sandrun: policy $SCRATCH/ex1.policy: the command cannot start: no exec rule allows /bin/true, the name it is run by (it leads to $(realpath /bin/true))"
printf '%s\n' "mode enforce" 'read /usr /lib /lib64 /etc' 'exec /bin /lib /lib64' > "$SCRATCH/ex2.policy"
"$SR" -q --policy "$SCRATCH/ex2.policy" -o "$SCRATCH/ex2.trace" -- /bin/true 2>"$SCRATCH/err"
is "exec /bin, the command /bin/true leading to /usr/bin/true: refused (122)" "$?" 122
is "... saying where it leads" "$(cat "$SCRATCH/err")" \
	"sandrun: policy $SCRATCH/ex2.policy: the command cannot start: no exec rule allows $(realpath /bin/true), where /bin/true leads"
"$SR" -q --policy "$SCRATCH/ex1.policy" -o "$SCRATCH/ex3.trace" -- /usr/bin/true
is "... exec /usr, /usr/bin/true: runs (0)" "$?" 0

(cd "$S" && "$SR" -q --policy "$SCRATCH" -- true) 2>"$SCRATCH/err"
is "--policy of a directory: 125" "$?" 125
like "--policy of a directory: says so" "$(cat "$SCRATCH/err")" \
	"^sandrun: cannot open policy '$SCRATCH': Is a directory$"

done_testing
