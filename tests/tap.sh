# shellcheck shell=bash
# TAP helpers for sandrun's integration tests (sourced by tests/run/*.t).
#
# Every test runs real processes under the real sandbox.  Tests that need
# something the host lacks are skipped with the reason, never passed.

set -u
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$TESTS_DIR/.." && pwd)
SANDRUN=${SANDRUN:-$TOP/sandrun}
HELPERS=${HELPERS:-$TOP/build/default/tests/helpers}
_n=0
_failed=0

ok() { _n=$((_n + 1)); echo "ok $_n - $*"; }
not_ok() { _n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $*"; }
skip() { _n=$((_n + 1)); echo "ok $_n # skip $*"; }
# skip_all REASON: skip what is left; after tests already run, as one
# skipped test (a plan of 0 would then be a bad plan).
skip_all() {
	if [ "$_n" -gt 0 ]; then
		skip "the rest: $*"
		done_testing
		exit
	fi
	echo "1..0 # SKIP $*"
	exit 0
}
diag() { printf '# %s\n' "$@" | sed 's/^# $/#/'; }
done_testing() { echo "1..$_n"; [ "$_failed" -eq 0 ]; }

# check DESC CMD...: pass when CMD succeeds.
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# is DESC GOT WANT: pass when the two strings are equal.
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; diag "got:  '$2'" "want: '$3'"; fi
}

# like DESC GOT REGEX: pass when GOT matches the extended regex.  A regex
# with a newline matches across lines, as written (grep would take each
# of its lines for a pattern of its own, and match any: an empty one
# matches everything): by perl, with ^ and $ at every line's start and
# end, as grep's, and . matching no newline.  A regex an empty line
# matches ('', 'x*') would match anything: a test that cannot fail, which
# fails.
like() {
	case $3 in
	*$'\n'*)
		if printf '\n' | LIKE_RE=$3 perl -0777 -e 'exit(!(<STDIN> =~ /$ENV{LIKE_RE}/m))'; then
			not_ok "$1"; diag "the regex '$3' matches anything"
		elif printf '%s' "$2" | LIKE_RE=$3 perl -0777 -e '$_ = <STDIN> // ""; exit(!/$ENV{LIKE_RE}/m)'; then
			ok "$1"
		else
			not_ok "$1"; diag "got:  '$2'" "want match: '$3'"
		fi ;;
	*)
		if printf '\n' | grep -Eq -- "$3"; then
			not_ok "$1"; diag "the regex '$3' matches anything"
		elif printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else
			not_ok "$1"; diag "got:  '$2'" "want match: '$3'"; fi ;;
	esac
}

# A scratch directory under /tmp (so trees under /tmp are tested), removed
# at exit; readable by the unprivileged test user.
new_scratch() {
	SCRATCH=$(mktemp -d /tmp/sandrun-test.XXXXXX)
	chmod 755 "$SCRATCH"
	# sandrun's digest cache: the test's own, not the user's, and not
	# in the scratch directory, which is a test's source tree as often
	# as not (sandrun keeps no cache there)
	export XDG_CACHE_HOME=$SCRATCH.cache
	trap 'rm -rf "$SCRATCH" "$XDG_CACHE_HOME"' EXIT
}

# The users a test runs as: root (when we are root) and an unprivileged
# user (nobody when we are root, else ourselves).
test_users() {
	if [ "$(id -u)" -eq 0 ]; then echo root user; else echo user; fi
}

# as WHO CMD...: run CMD as WHO, from WHO's copy of the binaries.
as() {
	local who=$1; shift
	if [ "$who" = user ] && [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups \
			--reset-env -- env PATH=/usr/local/bin:/usr/bin:/bin "$@"
	else
		"$@"
	fi
}

# A directory owned by WHO, under $SCRATCH.
owned_dir() {
	local who=$1 dir=$2
	mkdir -p "$dir"
	if [ "$who" = user ] && [ "$(id -u)" -eq 0 ]; then
		chown nobody:nogroup "$dir"
	fi
}

# Copy sandrun and the helpers where the unprivileged user can run them.
install_bins() {
	mkdir -p "$SCRATCH/bin"
	cp "$SANDRUN" "$SCRATCH/bin/sandrun"
	# the in-process recorder is found next to the binary
	local so
	for so in sandrun-rec.so sandrun-audit.so; do
		if [ -f "$(dirname "$SANDRUN")/$so" ]; then
			cp "$(dirname "$SANDRUN")/$so" "$SCRATCH/bin/"
		fi
	done
	if [ -d "$HELPERS" ]; then cp "$HELPERS"/* "$SCRATCH/bin/" 2>/dev/null; fi
	chmod -R a+rX "$SCRATCH/bin"
	SR="$SCRATCH/bin/sandrun"
}

# Skip the whole file when WHO cannot create a sandbox here, with the
# reason sandrun gives.
require_sandbox() {
	local who=$1 out
	if ! out=$(as "$who" "$SR" --no-trace -- true 2>&1); then
		echo "$out"
		return 1
	fi
	return 0
}
