#!/bin/bash
# sandrun hash: masked-signature digests of real signed Debian artifacts
# (../shared/fixtures), of modules signed here with Debian's sign-file,
# and of the vmlinuz before and after sbattach --remove and sbsign.
. "$(dirname "$0")/../tap.sh"

FIX=$TOP/../shared/fixtures/debian-6.1.0-57
[ -d "$FIX" ] || skip_all "no fixtures at $FIX"
new_scratch
SR=$SANDRUN

# The signed payload: [0, size - 40 - sig_len), sig_len big-endian at -32.
payload() {
	local f=$1 n sl
	n=$(stat -c %s "$f")
	sl=$((16#$(tail -c 32 "$f" | head -c 4 | od -An -tx1 | tr -d ' \n')))
	head -c $((n - 40 - sl)) "$f"
}

for m in "$FIX"/*.ko; do
	b=$(basename "$m")
	is "$b: masked sha256 is the unsigned payload's" \
		"$("$SR" hash "$m" | cut -d' ' -f1)" "$(payload "$m" | sha256sum | cut -d' ' -f1)"
	is "$b: --mask=none is plain sha256sum" \
		"$("$SR" hash --mask=none "$m")" "$(sha256sum "$m")"
	if command -v xxhsum >/dev/null; then
		is "$b: --algo=xxh128 masked is xxhsum -H2 of the payload" \
			"$("$SR" hash --algo=xxh128 "$m" | cut -d' ' -f1)" \
			"$(payload "$m" | xxhsum -H2 2>/dev/null | cut -d' ' -f1)"
	fi
done
m=$FIX/tcp_westwood.ko
n=$(stat -c %s "$m"); sl=$((16#$(tail -c 32 "$m" | head -c 4 | od -An -tx1 | tr -d ' \n')))
{ payload "$m"; head -c $((sl + 40)) /dev/zero; } > "$SCRATCH/zeroed.ko"
is "--mask=zero keeps the length and zero-fills signature, info and magic" \
	"$("$SR" hash --mask=zero "$m" | cut -d' ' -f1)" "$(sha256sum < "$SCRATCH/zeroed.ko" | cut -d' ' -f1)"
out=$("$SR" hash --json "$m")
like "--json names the regions" "$out" "\"offset\":$((n - 40 - sl)),\"length\":$sl,\"kind\":\"module-signature\""
"$SR" hash -v "$m" 2>"$SCRATCH/err" >/dev/null
like "--verbose says what was masked" "$(cat "$SCRATCH/err")" "masked $((n - 40 - sl))\\+$sl module-signature"
"$SR" hash -v --json "$m" 2>"$SCRATCH/err" >/dev/null
like "--verbose with --json says it too" "$(cat "$SCRATCH/err")" "masked $((n - 40 - sl))\\+$sl module-signature"

# verify: the Debian modules with their certificate, PEM and DER.
out=$("$SR" verify --cert "$FIX/signing-cert.pem" "$FIX"/*.ko)
is "verify: the Debian modules verify (PEM)" "$?" 0
is "verify: one OK line each" "$(echo "$out" | grep -c ': OK ')" 3
"$SR" verify --cert "$FIX/signing-cert.der" "$FIX/tcp_westwood.ko" >/dev/null
is "verify: with the DER certificate too" "$?" 0
cp "$FIX/tcp_westwood.ko" "$SCRATCH/changed-westwood.ko"; chmod u+w "$SCRATCH/changed-westwood.ko"
printf 'X' | dd of="$SCRATCH/changed-westwood.ko" bs=1 seek=1000 conv=notrunc 2>/dev/null
out=$("$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/changed-westwood.ko")
is "verify: a one-byte change fails (exit 1)" "$?" 1
like "verify: and says FAIL" "$out" 'changed-westwood.ko: FAIL'
{ head -c 100 /dev/zero; head -c 50 /dev/urandom | tr '\0' x; printf '\0\0\2\0\0\0\0\0\0\0\0\062'; printf '~Module signature appended~\n'; } > "$SCRATCH/garbage.ko"
"$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/garbage.ko" >/dev/null 2>"$SCRATCH/err"
is "verify: garbage DER is bad input (123)" "$?" 123
is "verify: and says so, where the signature is" "$(cat "$SCRATCH/err")" \
	"sandrun: $SCRATCH/garbage.ko: byte 100: the signature is not a CMS SignedData (bad DER)"
"$SR" verify --cert "$SCRATCH/err" "$FIX/tcp_westwood.ko" >/dev/null 2>&1
is "verify: a certificate that is not one is bad input" "$?" 123
"$SR" verify --cert "$SCRATCH" "$FIX/tcp_westwood.ko" >/dev/null 2>"$SCRATCH/err"
is "verify: a directory as the certificate cannot be read (125)" "$?" 125
like "verify: ... said so" "$(cat "$SCRATCH/err")" "cannot read '$SCRATCH': Is a directory"

# verify: what the kernel's mod_check_sig and pkcs7_verify refuse FAILs,
# though CMS alone would take it.
n=$(stat -c %s "$FIX/tcp_westwood.ko")
for at in 0 1 3 4 5 7; do
	cp "$FIX/tcp_westwood.ko" "$SCRATCH/field.ko"; chmod u+w "$SCRATCH/field.ko"
	printf '\001' | dd of="$SCRATCH/field.ko" bs=1 seek=$((n - 40 + at)) conv=notrunc 2>/dev/null
	out=$("$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/field.ko")
	is "verify: the trailer's info byte $at not zero: exit 1" "$?" 1
	like "verify: ... FAIL, said why" "$out" 'FAIL \(the signature info has unexpected non-zero fields\)'
done
# (a trailer as sign-file makes it: the CMS, its info, the magic)
trailer() {
	cat "$1"
	perl -e 'print pack("C8 N", 0, 0, 2, 0, 0, 0, 0, 0, -s $ARGV[0])' "$1"
	printf '~Module signature appended~\n'
}
if command -v openssl >/dev/null && command -v perl >/dev/null; then
	openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=sandrun-modsig/ -days 1 \
		-keyout "$SCRATCH/ms.key" -out "$SCRATCH/ms.crt" 2>/dev/null
	payload "$m" > "$SCRATCH/ms.payload"
	sign() {	# payload, out, extra openssl cms options
		openssl cms -sign -signer "$SCRATCH/ms.crt" -inkey "$SCRATCH/ms.key" -binary \
			-in "$1" -outform DER -nocerts -md sha256 "${@:3}" -out "$SCRATCH/ms.p7s" &&
			{ cat "$1"; trailer "$SCRATCH/ms.p7s"; } > "$2"
	}
	sign "$SCRATCH/ms.payload" "$SCRATCH/ms-good.ko" -noattr
	sign "$SCRATCH/ms.payload" "$SCRATCH/ms-attrs.ko"
	sign "$SCRATCH/ms.payload" "$SCRATCH/ms-embedded.ko" -noattr -nodetach
	: > "$SCRATCH/ms.empty"
	sign "$SCRATCH/ms.empty" "$SCRATCH/ms-empty.ko" -noattr
	out=$("$SR" verify --cert "$SCRATCH/ms.crt" "$SCRATCH/ms-good.ko")
	is "verify: a module signed as sign-file signs: OK" "$?" 0
	# a PE header whose module trailer covers it all, checked against a
	# file with no signature: a FAIL, its payload the trailer's (no PE
	# region past it)
	perl -e 'my $h = "\0" x 512; substr($h, 0, 2) = "MZ"; substr($h, 0x3c, 4) = pack("V", 0x40);
		substr($h, 0x40, 4) = "PE\0\0"; substr($h, 0x58, 2) = pack("v", 0x20b);
		binmode STDOUT; print $h' > "$SCRATCH/pe-trailer.ko"
	perl -e 'print pack("C8 N", 0, 0, 2, 0, 0, 0, 0, 0, 512)' >> "$SCRATCH/pe-trailer.ko"
	printf '~Module signature appended~\n' >> "$SCRATCH/pe-trailer.ko"
	"$SR" verify --cert "$SCRATCH/ms.crt" --signature-from="$SCRATCH/ms.payload" \
		"$SCRATCH/pe-trailer.ko" >/dev/null 2>&1
	is "verify --signature-from: a PE header under a module trailer: FAIL (1), no crash" "$?" 1
	# content past 4 GiB: the signature covers only its first bytes (a
	# length cut to an int verified just those before)
	if [ "${SANDRUN_BIG_TESTS:-}" = 1 ]; then
		pn=$(stat -c %s "$SCRATCH/ms.payload")
		cp "$SCRATCH/ms.payload" "$SCRATCH/ms-big.ko"
		truncate -s $((pn + 4294967296)) "$SCRATCH/ms-big.ko"
		tail -c +$((pn + 1)) "$SCRATCH/ms-good.ko" >> "$SCRATCH/ms-big.ko"
		out=$("$SR" verify --cert "$SCRATCH/ms.crt" "$SCRATCH/ms-big.ko")
		is "verify: 4 GiB more content than was signed: exit 1" "$?" 1
		like "verify: ... FAIL" "$out" ': FAIL \(content verify error\)'
		rm -f "$SCRATCH/ms-big.ko"
	else
		for i in 1 2; do skip "a 4 GiB module takes ~40 s and 4 GiB of memory: SANDRUN_BIG_TESTS=1"; done
	fi
	# a signed module signed again: both trailers cut for its hash
	{ cat "$SCRATCH/ms-good.ko"; trailer "$SCRATCH/ms.p7s"; } > "$SCRATCH/ms-twice.ko"
	is "hash: a module signed twice: both trailers cut" \
		"$("$SR" hash "$SCRATCH/ms-twice.ko" | cut -d' ' -f1)" \
		"$(sha256sum < "$SCRATCH/ms.payload" | cut -d' ' -f1)"
	# legacy (id_type 1: signer name and key id before the signature)
	# and Merkle (3) trailers: cut for hashing, refused by verify
	{ cat "$SCRATCH/ms.payload"; printf 'signerKEYID'; head -c 64 /dev/urandom
	  perl -e 'print pack("C8 N", 0, 0, 1, 6, 5, 0, 0, 0, 64)'
	  printf '~Module signature appended~\n'; } > "$SCRATCH/ms-legacy.ko"
	{ cat "$SCRATCH/ms.payload"; head -c 68 /dev/urandom
	  perl -e 'print pack("C8 N", 0, 0, 3, 0, 0, 0, 0, 0, 68)'
	  printf '~Module signature appended~\n'; } > "$SCRATCH/ms-merkle.ko"
	for t in legacy merkle; do
		is "hash: a $t trailer is cut" "$("$SR" hash "$SCRATCH/ms-$t.ko" | cut -d' ' -f1)" \
			"$(sha256sum < "$SCRATCH/ms.payload" | cut -d' ' -f1)"
		out=$("$SR" verify --cert "$SCRATCH/ms.crt" "$SCRATCH/ms-$t.ko")
		is "verify: a $t trailer FAILs (1)" "$?" 1
		like "verify: ... said why" "$out" "FAIL \\(a (legacy signature|Merkle proof)"
	done
	cat "$SCRATCH/ms.crt" "$FIX/signing-cert.pem" > "$SCRATCH/bundle.pem"
	"$SR" verify --cert "$SCRATCH/bundle.pem" "$FIX/tcp_westwood.ko" "$SCRATCH/ms-good.ko" >/dev/null
	is "verify: every certificate of a PEM bundle is taken, not its first only" "$?" 0
	for c in "attrs:authenticated attributes" "embedded:carries its content" \
		 "empty:no payload before the signature"; do
		out=$("$SR" verify --cert "$SCRATCH/ms.crt" "$SCRATCH/ms-${c%%:*}.ko")
		is "verify: signed with ${c%%:*}: exit 1" "$?" 1
		like "verify: ... FAIL, said why" "$out" "FAIL \\([^)]*${c#*:}"
	done
else
	for _ in $(seq 15); do skip "no openssl or perl"; done
fi

# The module hash list (CONFIG_MODULE_HASHES): payload digests, and the
# v4/v5 Merkle root, recomputed here independently with perl.
out=$("$SR" hash --module-hashes "$FIX")
for m in "$FIX"/*.ko; do
	like "module-hashes: $(basename "$m")'s payload" "$out" "^$(payload "$m" | sha256sum | cut -d' ' -f1)  $m\$"
done
root=$(perl -MDigest::SHA=sha256 -e '
	my @l; my $pos = 0;
	for my $f (@ARGV) {
		open(my $h, "<:raw", $f) or die; local $/; my $b = <$h>;
		if (substr($b, -28) eq "~Module signature appended~\n") {
			my $sl = unpack("N", substr($b, -32, 4));
			$b = substr($b, 0, length($b) - 40 - $sl);
		}
		push @l, sha256(pack("C N", 1, $pos++) . $b);
	}
	while (@l > 1) {
		my @n;
		for (my $i = 0; $i < @l; $i += 2) {
			push @n, sha256("\x02" . $l[$i] . $l[$i + 1 < @l ? $i + 1 : $i]);
		}
		@l = @n;
	}
	print unpack("H*", $l[0]);' "$FIX"/*.ko)
is "module-hashes: the Merkle root (leaf 0x01||be32 pos||module, node 0x02||l||r)" \
	"$(echo "$out" | tail -n1 | cut -d' ' -f1)" "$root"
# A module that cannot be read gives no root (it would be another one).
mkdir -p "$SCRATCH/mods"
cp "$FIX"/*.ko "$SCRATCH/mods/"
(cd "$FIX" && ls ./*.ko; echo ./gone.ko) | sed 's|^\./||' > "$SCRATCH/mods/modules.order"
"$SR" hash --module-hashes "$SCRATCH/mods" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "module-hashes: a module in modules.order that is missing: 125" "$?" 125
like "module-hashes: names it" "$(cat "$SCRATCH/err")" "gone.ko.*No such file"
check "module-hashes: and prints no root" sh -c "! grep -q 'merkle root' '$SCRATCH/out'"
"$SR" hash --module-hashes "$FIX" --json >/dev/null 2>"$SCRATCH/err"
is "module-hashes: another option after it is a usage error (124)" "$?" 124
"$SR" hash --module-hashes "$FIX" "$m" >/dev/null 2>"$SCRATCH/err"
is "module-hashes: and so is a PATH" "$?" 124
like "... said so" "$(cat "$SCRATCH/err")" "takes no other option but --jobs, and no PATH"
"$SR" hash --module-hashes "$SCRATCH/no-such-dir" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "module-hashes: a missing tree: 125" "$?" 125
like "module-hashes: a missing tree, named" "$(cat "$SCRATCH/err")" \
	"^sandrun: cannot read '$SCRATCH/no-such-dir': No such file or directory$"
mkdir -p "$SCRATCH/nomods"
"$SR" hash --module-hashes "$SCRATCH/nomods" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "module-hashes: a tree without modules: 123" "$?" 123
like "module-hashes: says so" "$(cat "$SCRATCH/err")" "no modules under '$SCRATCH/nomods'"
# hash -c reads the list back: each module's line, and the root line
# as the root of the modules listed before it.
echo "$out" > "$SCRATCH/list"
"$SR" hash -c "$SCRATCH/list" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "module-hashes | hash -c: 0" "$?" 0
like "module-hashes | hash -c: the root checked" "$(cat "$SCRATCH/out")" \
	'^\(merkle root, 2 levels, 3 modules\): OK$'
is "module-hashes | hash -c: every line checked" "$(grep -c ': OK$' "$SCRATCH/out")" 4
# the modules in another order: each line is still right, the root not
(sed -n 2p "$SCRATCH/list"; sed -n 1p "$SCRATCH/list"; sed -n '3,$p' "$SCRATCH/list") > "$SCRATCH/swapped"
"$SR" hash -c "$SCRATCH/swapped" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "hash -c: a root over modules listed in another order: 1" "$?" 1
like "hash -c: that root FAILED" "$(cat "$SCRATCH/out")" '^\(merkle root, 2 levels, 3 modules\): FAILED$'
is "hash -c: the modules' own lines OK" "$(grep -c 'ko: OK$' "$SCRATCH/out")" 3
# a root line that claims more modules than are listed before it
sed 1d "$SCRATCH/list" > "$SCRATCH/short"
"$SR" hash -c "$SCRATCH/short" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "hash -c: a root line over more modules than listed: 123" "$?" 123
like "hash -c: names FILE:LINE" "$(cat "$SCRATCH/err")" \
	"^sandrun: $SCRATCH/short:3: a merkle root of 3 modules, but not 3 module lines before it\$"
# a root line whose levels do not fit its modules is no root line
sed 's/2 levels/3 levels/' "$SCRATCH/list" > "$SCRATCH/levels"
"$SR" hash -c "$SCRATCH/levels" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "hash -c: a root line with the wrong levels is a file that is not there: 1" "$?" 1
like "hash -c: and FAILED open or read" "$(cat "$SCRATCH/out")" '3 levels, 3 modules\): FAILED open or read$'
# a module that cannot be read makes its root unreadable too
cp -r "$SCRATCH/mods" "$SCRATCH/mods2" && rm "$SCRATCH/mods2/modules.order"
"$SR" hash --module-hashes "$SCRATCH/mods2" > "$SCRATCH/list2"
rm "$SCRATCH/mods2/$(ls "$SCRATCH/mods2" | head -n1)"
"$SR" hash -c "$SCRATCH/list2" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "hash -c: a listed module gone: 1" "$?" 1
like "hash -c: its root FAILED open or read" "$(cat "$SCRATCH/out")" \
	'^\(merkle root, 2 levels, 3 modules\): FAILED open or read$'
# names are escaped as sha256sum escapes them, and read back so
mkdir -p "$SCRATCH/modesc"
cp "$FIX/tcp_westwood.ko" "$SCRATCH/modesc/a\\b.ko"
cp "$FIX/serpent_generic.ko" "$SCRATCH/modesc/new
line.ko"
"$SR" hash --module-hashes "$SCRATCH/modesc" > "$SCRATCH/esclist"
is "module-hashes: 3 lines for 2 modules with odd names" "$(wc -l < "$SCRATCH/esclist")" 3
like "module-hashes: a newline escaped, the line starting with a backslash" \
	"$(cat "$SCRATCH/esclist")" '^\\[0-9a-f]{64}  .*/new\\nline\.ko$'
like "module-hashes: a backslash escaped" "$(cat "$SCRATCH/esclist")" '^\\[0-9a-f]{64}  .*/a\\\\b\.ko$'
"$SR" hash -c "$SCRATCH/esclist" >"$SCRATCH/out" 2>"$SCRATCH/err"
is "module-hashes with odd names | hash -c: 0" "$?" 0

# User mask rules: an ELF section, a byte range; bad rules name the line.
if command -v readelf >/dev/null; then
	read -r off size <<<"$(readelf -S -W "$m" | sed -n 's/.*\] \.modinfo *PROGBITS *[0-9a-f]* \([0-9a-f]*\) \([0-9a-f]*\).*/\1 \2/p' | { read -r a b; echo $((16#$a)) $((16#$b)); })"
	printf '# mask the module description\n*.ko section .modinfo\n' > "$SCRATCH/rules"
	want=$({ payload "$m" | head -c "$off"; payload "$m" | tail -c +$((off + size + 1)); } | sha256sum | cut -d' ' -f1)
	is "--rules: an ELF section is cut too" "$("$SR" hash --rules "$SCRATCH/rules" "$m" | cut -d' ' -f1)" "$want"
else
	skip "no readelf"
fi
printf 'tcp_*.ko bytes 0:16\n' > "$SCRATCH/rules"
is "--rules: a byte range (glob on the last component)" \
	"$("$SR" hash --rules "$SCRATCH/rules" "$m" | cut -d' ' -f1)" \
	"$(payload "$m" | tail -c +17 | sha256sum | cut -d' ' -f1)"
printf '* bytes -100:\n' > "$SCRATCH/rules"
payload "$m" > "$SCRATCH/unsigned.ko"
is "--rules: a range from the end is from the signed content's end (signed as unsigned)" \
	"$("$SR" hash --rules "$SCRATCH/rules" "$m" | cut -d' ' -f1)" \
	"$("$SR" hash --rules "$SCRATCH/rules" "$SCRATCH/unsigned.ko" | cut -d' ' -f1)"
is "--rules: ... which is the payload without its last 100 bytes" \
	"$("$SR" hash --rules "$SCRATCH/rules" "$m" | cut -d' ' -f1)" \
	"$(payload "$m" | head -c -100 | sha256sum | cut -d' ' -f1)"
printf '# ok\n*.ko bytes 1-2\n' > "$SCRATCH/rules"
"$SR" hash --rules "$SCRATCH/rules" "$m" >/dev/null 2>"$SCRATCH/err"
is "--rules: a bad rule is bad input" "$?" 123
like "--rules: naming file and line" "$(cat "$SCRATCH/err")" 'rules:2: bad byte range'
printf '*.ko bytes 64:16\n' > "$SCRATCH/rules"
"$SR" hash --rules "$SCRATCH/rules" "$m" >/dev/null 2>"$SCRATCH/err"
is "--rules: a range that ends before it starts is bad input" "$?" 123
printf '*.ko bytes 0:99999999999999999999999\n' > "$SCRATCH/rules"
"$SR" hash --rules "$SCRATCH/rules" "$m" >/dev/null 2>"$SCRATCH/err"
is "--rules: an end past 2^63 is bad input, not the whole file" "$?" 123
like "... naming the line" "$(cat "$SCRATCH/err")" "rules:1: bad byte range '0:99999999999999999999999'"
# Offsets are decimal in their one spelling (not 010 for 8, nor 0x10),
# and an END of 0 is no range (END is left empty for the end).
for r in 010:020 0x10:0x20 +5:9 0:0 8:8 5:0; do
	printf '*.ko bytes %s\n' "$r" > "$SCRATCH/rules"
	"$SR" hash --rules "$SCRATCH/rules" "$m" >/dev/null 2>"$SCRATCH/err"
	is "--rules: '$r' is bad input" "$?" 123
done
like "... naming the range" "$(cat "$SCRATCH/err")" "rules:1: bad byte range '5:0'"
"$SR" hash --rules "$SCRATCH" "$m" >/dev/null 2>"$SCRATCH/err"
is "--rules: a directory is an I/O error (125)" "$?" 125
like "--rules: a directory, said so" "$(cat "$SCRATCH/err")" "cannot open '$SCRATCH': Is a directory"

# sha256sum --check works on the output.
(cd "$FIX" && "$SR" hash --mask=none *.ko) > "$SCRATCH/sums"
check "sha256sum -c accepts the output" sh -c "cd '$FIX' && sha256sum -c --quiet '$SCRATCH/sums'"

# hash --check: masked digests, checked with the same masking.
for m in "$FIX"/*.ko; do
	echo "$(payload "$m" | sha256sum | cut -d' ' -f1)  $m"
done > "$SCRATCH/payload-sums"
out=$("$SR" hash --check "$SCRATCH/payload-sums")
is "--check: signed modules match their unsigned payloads' sums (exit 0)" "$?" 0
is "--check: one OK line each" "$(echo "$out" | grep -c ': OK$')" 3
cp "$FIX/tcp_westwood.ko" "$SCRATCH/w.ko"; chmod u+w "$SCRATCH/w.ko"
echo "$(payload "$SCRATCH/w.ko" | sha256sum | cut -d' ' -f1)  $SCRATCH/w.ko" > "$SCRATCH/w.sums"
printf 'X' | dd of="$SCRATCH/w.ko" bs=1 seek=1000 conv=notrunc 2>/dev/null
out=$("$SR" hash -c "$SCRATCH/w.sums" 2>"$SCRATCH/err")
is "--check: a one-byte change fails (exit 1)" "$?" 1
is "--check: says FAILED" "$out" "$SCRATCH/w.ko: FAILED"
like "--check: and warns like sha256sum" "$(cat "$SCRATCH/err")" '1 computed checksum did NOT match'
out=$("$SR" hash -c --status "$SCRATCH/w.sums" 2>&1)
is "--check --status: exit 1" "$?" 1
is "--check --status: prints nothing" "$out" ""
is "--check --quiet: no OK lines" "$("$SR" hash -c --quiet "$SCRATCH/payload-sums")" ""
echo "0000000000000000000000000000000000000000000000000000000000000000  $SCRATCH/nonexistent" > "$SCRATCH/gone.sums"
out=$("$SR" hash -c "$SCRATCH/gone.sums" 2>/dev/null)
is "--check: a missing file fails (exit 1)" "$?" 1
is "--check: FAILED open or read" "$out" "$SCRATCH/nonexistent: FAILED open or read"
printf '%s\nnot a digest line\n' "$(head -n1 "$SCRATCH/payload-sums")" > "$SCRATCH/bad.sums"
"$SR" hash -c "$SCRATCH/bad.sums" >/dev/null 2>"$SCRATCH/err"
is "--check: a malformed line is bad input (123)" "$?" 123
like "--check: with file and line" "$(cat "$SCRATCH/err")" "bad.sums:2: not a 'DIGEST  PATH' line"
# A NUL in a line would end its path early: another file, checked OK.
{ head -n1 "$SCRATCH/payload-sums" | tr -d '\n'; printf '\000x\n'; } > "$SCRATCH/nul.sums"
out=$("$SR" hash -c "$SCRATCH/nul.sums" 2>"$SCRATCH/err")
is "--check: a NUL byte in a line is bad input (123)" "$?" 123
like "--check: ... said with file and line" "$(cat "$SCRATCH/err")" "nul.sums:1: a NUL byte in the line"
is "--check: ... and nothing is called OK" "$out" ""
"$SR" hash --algo=xxh128 "$FIX"/*.ko > "$SCRATCH/xxh.sums"
check "--check: xxh128 lines are recognised by their length" "$SR" hash -c --quiet "$SCRATCH/xxh.sums"
mkdir -p "$SCRATCH/ctree/sub"; cp "$FIX"/*.ko "$SCRATCH/ctree/"; cp "$FIX/signing-cert.pem" "$SCRATCH/ctree/sub/"
(cd "$SCRATCH" && "$SR" hash ctree) | tail -n1 > "$SCRATCH/cctree.sums"
is "--check: a tree line checks the tree" "$(cd "$SCRATCH" && "$SR" hash -c "$SCRATCH/cctree.sums")" "ctree/: OK"
(cd "$SCRATCH" && "$SR" hash --algo=xxh128 ctree) > "$SCRATCH/xtree.sums"
is "--check: an xxh128 tree's listing checks, its tree line too" \
	"$(cd "$SCRATCH" && "$SR" hash -c "$SCRATCH/xtree.sums" | tail -n1)" "ctree/: OK"
is "--check --algo=xxh128: the same (the tree line a SHA-256 still)" \
	"$(cd "$SCRATCH" && "$SR" hash -c --algo=xxh128 "$SCRATCH/xtree.sums" | tail -n1)" "ctree/: OK"
tail -n1 "$SCRATCH/xtree.sums" > "$SCRATCH/xtree1.sums"
is "--check --algo=xxh128: an xxh128 tree's line alone" \
	"$(cd "$SCRATCH" && "$SR" hash -c --algo=xxh128 "$SCRATCH/xtree1.sums")" "ctree/: OK"
echo x >> "$SCRATCH/ctree/sub/signing-cert.pem"
(cd "$SCRATCH" && "$SR" hash -c "$SCRATCH/cctree.sums" >/dev/null 2>&1)
is "--check: a changed file below fails the tree" "$?" 1
(cd "$SCRATCH" && "$SR" hash -c "$SCRATCH/xtree.sums" >/dev/null 2>&1)
is "--check: and an xxh128 tree's too" "$?" 1
# names sha256sum escapes; CRLF sums; digests of both kinds in one file;
# nothing to check; an unreadable directory in a tree.
mkdir -p "$SCRATCH/esc"
echo one > "$SCRATCH/esc/plain"
echo two > "$SCRATCH/esc/$(printf 'new\nline')"
(cd "$SCRATCH" && "$SR" hash esc) > "$SCRATCH/esc.sums"
like "a name with a newline is escaped as sha256sum does" "$(cat "$SCRATCH/esc.sums")" \
	'^\\[0-9a-f]{64}  esc/new\\nline$'
check "sha256sum -c accepts the escaped lines" sh -c \
	"cd '$SCRATCH' && head -n2 esc.sums | sha256sum -c --quiet"
is "--check reads them back (tree line included)" \
	"$(cd "$SCRATCH" && "$SR" hash -c "$SCRATCH/esc.sums" | tr '\n' ' ')" \
	'\esc/new\nline: OK esc/plain: OK esc/: OK '
{ "$SR" hash "$FIX/tcp_westwood.ko"; "$SR" hash --algo=xxh128 "$FIX/serpent_generic.ko"; } |
	sed 's/$/\r/' > "$SCRATCH/crlf.sums"
check "--check: CRLF lines and both digest kinds in one file" \
	"$SR" hash -c --quiet "$SCRATCH/crlf.sums"
: > "$SCRATCH/empty.sums"
"$SR" hash -c "$SCRATCH/empty.sums" 2>"$SCRATCH/err"
is "--check: nothing to check fails (exit 1)" "$?" 1
like "--check: and says so, naming the file" "$(cat "$SCRATCH/err")" \
	"^sandrun: $SCRATCH/empty.sums: no properly formatted"
"$SR" hash -c <"$SCRATCH/empty.sums" 2>"$SCRATCH/err"
like "--check: nothing on stdin, named as sha256sum does" "$(cat "$SCRATCH/err")" \
	'^sandrun: standard input: no properly formatted'
# The other line forms sha256sum -c and xxhsum -c read: one space, and
# BSD's tagged lines (sha256sum --tag, xxhsum --tag).
(cd "$FIX" && sha256sum tcp_westwood.ko | sed 's/  / /') > "$SCRATCH/one-space.sums"
is "--check: 'DIGEST PATH' with one space" \
	"$(cd "$FIX" && "$SR" hash -c --mask=none "$SCRATCH/one-space.sums")" "tcp_westwood.ko: OK"
(cd "$FIX" && sha256sum --tag tcp_westwood.ko) > "$SCRATCH/tag.sums"
is "--check: sha256sum --tag lines" \
	"$(cd "$FIX" && "$SR" hash -c --mask=none "$SCRATCH/tag.sums")" "tcp_westwood.ko: OK"
if xxhsum -H2 --tag "$FIX/tcp_westwood.ko" > "$SCRATCH/xtag.sums" 2>/dev/null; then
	is "--check: xxhsum -H2 --tag lines" \
		"$("$SR" hash -c --mask=none "$SCRATCH/xtag.sums")" "$FIX/tcp_westwood.ko: OK"
else
	skip "xxhsum cannot write --tag lines here"
fi
sed 's/) = /) - /' "$SCRATCH/tag.sums" > "$SCRATCH/badtag.sums"
"$SR" hash -c "$SCRATCH/badtag.sums" >/dev/null 2>&1
is "--check: a malformed tagged line is bad input (123)" "$?" 123
# Standard input, as sha256sum reads it: "-", or no PATH; masked too.
is "hash -: standard input, masked" "$("$SR" hash - < "$FIX/tcp_westwood.ko")" \
	"$("$SR" hash "$FIX/tcp_westwood.ko" | cut -d' ' -f1)  -"
is "hash with no PATH: standard input from a pipe" \
	"$(cat "$FIX/tcp_westwood.ko" | "$SR" hash --mask=none)" "$(sha256sum < "$FIX/tcp_westwood.ko")"
# A stream past 64 MiB goes to a temporary file in $TMPDIR (memory stays
# bounded), its signature found from its end as in a file.
{ payload "$FIX/tcp_westwood.ko"; head -c $((70 << 20)) /dev/zero
  tail -c $(($(stat -c %s "$FIX/tcp_westwood.ko") - $(payload "$FIX/tcp_westwood.ko" | wc -c))) \
	"$FIX/tcp_westwood.ko"; } > "$SCRATCH/big-signed.ko"
is "hash -: a 70 MiB signed module on a pipe, as the file" \
	"$(cat "$SCRATCH/big-signed.ko" | "$SR" hash - | cut -d' ' -f1)" \
	"$("$SR" hash "$SCRATCH/big-signed.ko" | cut -d' ' -f1)"
check "... its signature cut" test "$("$SR" hash "$SCRATCH/big-signed.ko" | cut -d' ' -f1)" != \
	"$(sha256sum < "$SCRATCH/big-signed.ko" | cut -d' ' -f1)"
rm -f "$SCRATCH/big-signed.ko"
out=$(head -c $((70 << 20)) /dev/zero | TMPDIR=$SCRATCH/no-such-dir "$SR" hash - 2>&1)
is "... with no temporary directory: 125" "$?" 125
like "... said" "$out" "cannot make a temporary file for standard input: No such file or directory"
out=$(head -c $((70 << 20)) /dev/zero | TMPDIR=$SCRATCH/no-such-dir "$SR" hash - - 2>&1)
is "... named twice, the first failing part-way: 125" "$?" 125
is "... and the second name gives no digest of what was left" "$(printf '%s\n' "$out" | grep -c '^[0-9a-f]\{64\} ')" 0
# An error naming a file with a newline is still one line.
"$SR" hash "$SCRATCH/no"$'\n'"such" >/dev/null 2>"$SCRATCH/err"
is "a missing file with a newline in its name: 125" "$?" 125
is "... said on one line, the newline as \\n" "$(cat "$SCRATCH/err")" \
	"sandrun: cannot read '$SCRATCH/no\\nsuch': No such file or directory"
# A pipe named twice, or by two names: the first name reads it to its
# end, and the second finds it empty, as sha256sum does (however many
# workers hash).
for names in "- -" "- /dev/stdin" "/dev/stdin -"; do
	# shellcheck disable=SC2086 # (the names, split)
	is "hash -j4 $names (a pipe): the first name reads it whole" \
		"$(cat "$FIX/tcp_westwood.ko" | "$SR" hash -j4 --mask=none $names)" \
		"$(cat "$FIX/tcp_westwood.ko" | sha256sum $names)"
done
# A directory given with a slash: its files are d/f, not d//f.
like "a directory given as DIR/: no double slash" "$(cd "$SCRATCH" && "$SR" hash esc/ | tr '\n' ' ')" \
	'^\\[0-9a-f]{64}  esc/new\\nline [0-9a-f]{64}  esc/plain [0-9a-f]{64}  esc/ $'
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$SCRATCH/lockedtree/closed"
	echo x > "$SCRATCH/lockedtree/open"
	echo y > "$SCRATCH/lockedtree/closed/f"
	chmod 755 "$SCRATCH" "$SCRATCH/lockedtree"
	chmod 644 "$SCRATCH/lockedtree/open"
	chmod 000 "$SCRATCH/lockedtree/closed"
	out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$SR" hash \
		"$SCRATCH/lockedtree" 2>"$SCRATCH/err")
	is "an unreadable directory in a tree: exit 125" "$?" 125
	check "an unreadable directory in a tree: no tree checksum" \
		sh -c "! echo '$out' | grep -q 'lockedtree/\$'"
	like "an unreadable directory in a tree: named" "$(cat "$SCRATCH/err")" \
		"cannot read '.*lockedtree/closed'"
	chmod 755 "$SCRATCH/lockedtree/closed"
else
	skip "needs root to drop to nobody"; skip "needs root"; skip "needs root"
fi

# A malformed module in a tree: bad input (123), as alone, and no tree
# checksum.
mkdir -p "$SCRATCH/badtree"
cp "$FIX/tcp_westwood.ko" "$SCRATCH/badtree/good.ko"
{ head -c 100 "$FIX/tcp_westwood.ko"; printf '~Module signature appended~\n'; } > "$SCRATCH/badtree/bad.ko"
"$SR" hash "$SCRATCH/badtree/bad.ko" >/dev/null 2>&1
alone=$?
out=$("$SR" hash "$SCRATCH/badtree" 2>"$SCRATCH/err")
is "a malformed module in a tree: the status it has alone ($alone)" "$?" "$alone"
is "... which is bad input" "$alone" 123
like "... and no tree checksum, said" "$(cat "$SCRATCH/err")" \
	"badtree/: no tree checksum: 1 of its entries could not be hashed"
check "... none printed" sh -c '! printf "%s" "$1" | grep -q "badtree/\$"' _ "$out"
# parallel hashing: the same output, in the same order, with any -j.
is "-j1 and -j4 give the same output" "$("$SR" hash -j1 "$SCRATCH/ctree" "$FIX")" "$("$SR" hash -j4 "$SCRATCH/ctree" "$FIX")"

# The EFI-stub vmlinuz: signed, unsigned, re-signed with a test key.
V=$FIX/vmlinuz-6.1.0-57-amd64
signed=$("$SR" hash "$V" | cut -d' ' -f1)
check "the signed vmlinuz's raw and masked hashes differ" \
	test "$signed" != "$("$SR" hash --mask=none "$V" | cut -d' ' -f1)"
# Cut short inside its data directories (the PE header at 0x80, the
# certificate-table entry at bytes 232-239): an error with the offset,
# not an unsigned image.
for n in 200 239; do
	head -c $n "$V" > "$SCRATCH/vmlinuz.cut"
	"$SR" hash "$SCRATCH/vmlinuz.cut" >/dev/null 2>"$SCRATCH/err"
	is "vmlinuz cut at $n bytes: hash exits 123" "$?" 123
	is "... at the file's end" "$(cat "$SCRATCH/err")" "sandrun: $SCRATCH/vmlinuz.cut: byte $n: PE data directories are truncated (the file ends before the certificate-table entry)"
	"$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/vmlinuz.cut" >/dev/null 2>&1
	is "... verify exits 123 too" "$?" 123
done
# A WIN_CERTIFICATE of revision 1.0: refused, as the kernel's
# verify_pefile.c and sbverify refuse it, with its offset.
if command -v perl >/dev/null; then
	perl -e 'open F, "<", $ARGV[0] or die; binmode F; local $/; my $c = <F>;
		my $l = unpack("V", substr($c, 0x3c, 4));
		my $d = $l + 24 + (unpack("v", substr($c, $l + 24, 2)) == 0x20b ? 112 : 96);
		my $o = unpack("V", substr($c, $d + 32, 4));
		substr($c, $o + 4, 2) = pack("v", 0x0100); print STDERR $o + 4; binmode STDOUT; print $c' \
		"$V" >"$SCRATCH/vmlinuz.rev1" 2>"$SCRATCH/revoff"
	"$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/vmlinuz.rev1" >/dev/null 2>"$SCRATCH/err"
	is "verify: a WIN_CERTIFICATE of revision 1.0: 123" "$?" 123
	is "... said, with its offset" "$(cat "$SCRATCH/err")" \
		"sandrun: $SCRATCH/vmlinuz.rev1: byte $(cat "$SCRATCH/revoff"): WIN_CERTIFICATE revision is 0x0100, not 2.0 (0x0200)"
else
	for i in 1 2; do skip "no perl"; done
fi
if command -v sbattach >/dev/null && command -v sbsign >/dev/null; then
	cp "$V" "$SCRATCH/vmlinuz"; chmod u+w "$SCRATCH/vmlinuz"
	sbattach --remove "$SCRATCH/vmlinuz" >/dev/null 2>&1
	is "vmlinuz: masked hash unchanged by sbattach --remove" \
		"$("$SR" hash "$SCRATCH/vmlinuz" | cut -d' ' -f1)" "$signed"
	out=$("$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/vmlinuz")
	is "verify of the unsigned vmlinuz: FAIL (1)" "$?" 1
	is "... printing its masked hash, as hash does" "${out##*payload-sha256=}" "$signed"
	openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=sandrun-test/ -days 1 \
		-keyout "$SCRATCH/db.key" -out "$SCRATCH/db.crt" >/dev/null 2>&1
	sbsign --key "$SCRATCH/db.key" --cert "$SCRATCH/db.crt" --output "$SCRATCH/vmlinuz.resigned" \
		"$SCRATCH/vmlinuz" >/dev/null 2>&1
	check "vmlinuz: re-signed with a test key (raw hash differs)" \
		test "$(sha256sum < "$SCRATCH/vmlinuz.resigned")" != "$(sha256sum < "$V")"
	is "vmlinuz: masked hash unchanged by re-signing" \
		"$("$SR" hash "$SCRATCH/vmlinuz.resigned" | cut -d' ' -f1)" "$signed"

	# Authenticode verification: Debian's signature with the signer
	# certificate it embeds (detached with sbattach, read with openssl).
	sbattach --detach "$SCRATCH/debian.p7" "$V" >/dev/null 2>&1
	openssl pkcs7 -inform DER -in "$SCRATCH/debian.p7" -print_certs 2>/dev/null |
		sed -n '/BEGIN/,/END/p' > "$SCRATCH/debian-signer.pem"
	out=$("$SR" verify --cert "$SCRATCH/debian-signer.pem" "$V")
	is "authenticode: Debian's vmlinuz verifies with its signer (exit 0)" "$?" 0
	like "authenticode: names signer, issuer and the digest" "$out" \
		"OK signer='Debian Secure Boot Signer 2022 - linux' issuer=/CN=Debian Secure Boot CA serial=[0-9A-F]+ digest=sha256 authenticode-sha256=[0-9a-f]{64}\$"
	out=$("$SR" verify --cert "$FIX/signing-cert.pem" "$V")
	is "authenticode: not with the module certificate (exit 1)" "$?" 1
	like "authenticode: and says the signer is not trusted" "$out" 'FAIL \(the signer is not a given certificate'
	out=$("$SR" verify --cert "$SCRATCH/db.crt" "$SCRATCH/vmlinuz.resigned")
	is "authenticode: re-signed with sbsign, verifies with the test cert" "$?" 0
	check "authenticode: sbverify agrees" sh -c \
		"sbverify --cert '$SCRATCH/db.crt' '$SCRATCH/vmlinuz.resigned' >/dev/null 2>&1"
	is "authenticode: Debian and test signatures cover the same digest" \
		"$(echo "$out" | grep -o 'authenticode-sha256=.*')" \
		"$("$SR" verify --cert "$SCRATCH/debian-signer.pem" "$V" | grep -o 'authenticode-sha256=.*')"
	"$SR" verify --cert "$SCRATCH/debian-signer.pem" "$SCRATCH/vmlinuz.resigned" >/dev/null
	is "authenticode: the re-signed image not with Debian's signer" "$?" 1
	out=$("$SR" verify --cert "$SCRATCH/db.crt" "$SCRATCH/vmlinuz")
	is "authenticode: sbattach --remove'd image fails (exit 1)" "$?" 1
	like "authenticode: and says there is no signature" "$out" 'no module or Authenticode signature'
	"$SR" verify --cert "$SCRATCH/debian-signer.pem" --signature-from "$V" "$SCRATCH/vmlinuz" >/dev/null
	is "authenticode: transplant of Debian's signature onto the unsigned image" "$?" 0
	"$SR" verify --cert "$SCRATCH/debian-signer.pem" --signature-from "$V" \
		"$SCRATCH/vmlinuz.resigned" >/dev/null
	is "authenticode: transplant onto the image re-signed with another key" "$?" 0
	# two signatures (sbsign appends): either signer verifies
	openssl req -new -x509 -newkey rsa:2048 -nodes -subj /CN=sandrun-second/ -days 1 \
		-keyout "$SCRATCH/db2.key" -out "$SCRATCH/db2.crt" >/dev/null 2>&1
	sbsign --key "$SCRATCH/db2.key" --cert "$SCRATCH/db2.crt" --output "$SCRATCH/vmlinuz.twice" \
		"$SCRATCH/vmlinuz.resigned" >/dev/null 2>&1
	"$SR" verify --cert "$SCRATCH/db2.crt" "$SCRATCH/vmlinuz.twice" >/dev/null
	is "authenticode: the second of two signatures verifies" "$?" 0
	"$SR" verify --cert "$SCRATCH/db.crt" "$SCRATCH/vmlinuz.twice" >/dev/null
	is "authenticode: and the first" "$?" 0
	"$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/vmlinuz.twice" >/dev/null
	is "authenticode: neither with another certificate" "$?" 1
	cp "$SCRATCH/vmlinuz.resigned" "$SCRATCH/vmlinuz.changed"
	printf 'X' | dd of="$SCRATCH/vmlinuz.changed" bs=1 seek=300000 conv=notrunc 2>/dev/null
	out=$("$SR" verify --cert "$SCRATCH/db.crt" "$SCRATCH/vmlinuz.changed")
	is "authenticode: a one-byte change in a section fails (exit 1)" "$?" 1
	like "authenticode: and says the digest differs" "$out" 'digest does not match'
	"$SR" verify --cert "$SCRATCH/debian-signer.pem" --signature-from "$V" \
		"$SCRATCH/vmlinuz.changed" >/dev/null
	is "authenticode: transplant fails after a one-byte change" "$?" 1
	# a WIN_CERTIFICATE whose length runs past the table, and bad DER
	cp "$V" "$SCRATCH/vmlinuz.badlen"; chmod u+w "$SCRATCH/vmlinuz.badlen"
	pe=$(od -An -tu4 -j60 -N4 "$V" | tr -d ' ')
	va=$(od -An -tu4 -j$((pe + 24 + 112 + 32)) -N4 "$V" | tr -d ' ')
	printf '\377\377\377\177' | dd of="$SCRATCH/vmlinuz.badlen" bs=1 seek="$va" conv=notrunc 2>/dev/null
	"$SR" verify --cert "$SCRATCH/db.crt" "$SCRATCH/vmlinuz.badlen" >/dev/null 2>"$SCRATCH/err"
	is "authenticode: a bad WIN_CERTIFICATE length is bad input (123)" "$?" 123
	like "authenticode: with the byte offset" "$(cat "$SCRATCH/err")" "vmlinuz.badlen: byte $va: WIN_CERTIFICATE length"
	cp "$V" "$SCRATCH/vmlinuz.baddER"; chmod u+w "$SCRATCH/vmlinuz.baddER"
	printf '\001\002\003\004' | dd of="$SCRATCH/vmlinuz.baddER" bs=1 seek=$((va + 8)) conv=notrunc 2>/dev/null
	"$SR" verify --cert "$SCRATCH/db.crt" "$SCRATCH/vmlinuz.baddER" >/dev/null 2>"$SCRATCH/err"
	is "authenticode: garbage DER is bad input (123)" "$?" 123
	like "authenticode: and says so" "$(cat "$SCRATCH/err")" "byte $((va + 8)): Authenticode signature is not PKCS#7"
else
	for i in $(seq 25); do skip "no sbsigntool"; done
fi

# A module built here, signed with Debian's sign-file: RSA with issuer and
# serial, EC with the subject key id (-k), different digests.
SIGN=$(ls /usr/lib/linux-kbuild-*/scripts/sign-file 2>/dev/null | head -n1)
KDIR=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sort -V | tail -n1)
if [ -n "$SIGN" ] && [ -n "$KDIR" ]; then
	M=$SCRATCH/module; mkdir -p "$M"
	cp "$TOP"/contrib/demo-module/{Kbuild,Makefile,hello.c,hello.h} "$M/"
	env -u MAKEFLAGS -u MAKELEVEL make -s -C "$KDIR" M="$M" modules >/dev/null 2>&1
	printf '[req]\ndistinguished_name=dn\nprompt=no\nx509_extensions=ext\n[dn]\nCN=sandrun test\n[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature\nsubjectKeyIdentifier=hash\n' > "$SCRATCH/x509.genkey"
	openssl req -new -nodes -utf8 -sha256 -days 1 -batch -x509 -config "$SCRATCH/x509.genkey" \
		-newkey rsa:2048 -keyout "$SCRATCH/rsa.pem" -out "$SCRATCH/rsa.crt" >/dev/null 2>&1
	openssl req -new -nodes -utf8 -sha256 -days 1 -batch -x509 -config "$SCRATCH/x509.genkey" \
		-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-keyout "$SCRATCH/ec.pem" -out "$SCRATCH/ec.crt" >/dev/null 2>&1
	cp "$M/hello.ko" "$SCRATCH/unsigned.ko"
	cp "$M/hello.ko" "$SCRATCH/rsa.ko"; cp "$M/hello.ko" "$SCRATCH/ec.ko"
	"$SIGN" sha256 "$SCRATCH/rsa.pem" "$SCRATCH/rsa.crt" "$SCRATCH/rsa.ko"
	"$SIGN" -k sha512 "$SCRATCH/ec.pem" "$SCRATCH/ec.crt" "$SCRATCH/ec.ko"
	u=$("$SR" hash "$SCRATCH/unsigned.ko" | cut -d' ' -f1)
	check "sign-file: raw hashes differ (RSA vs EC)" \
		test "$(sha256sum < "$SCRATCH/rsa.ko")" != "$(sha256sum < "$SCRATCH/ec.ko")"
	is "sign-file RSA sha256: masked == unsigned" "$("$SR" hash "$SCRATCH/rsa.ko" | cut -d' ' -f1)" "$u"
	is "sign-file EC -k sha512: masked == unsigned" "$("$SR" hash "$SCRATCH/ec.ko" | cut -d' ' -f1)" "$u"
	is "the unsigned module hashes as sha256sum does" "$u" "$(sha256sum < "$SCRATCH/unsigned.ko" | cut -d' ' -f1)"
	# verify: each with its own certificate, not the other's.
	out=$("$SR" verify --cert "$SCRATCH/rsa.crt" "$SCRATCH/rsa.ko")
	is "verify: RSA-signed module with its certificate" "$?" 0
	like "verify: names issuer and serial, and the digest" "$out" 'OK signer=.sandrun test. issuer=/CN=sandrun test serial=[0-9A-F]+ digest=sha256 '
	out=$("$SR" verify --cert "$SCRATCH/ec.crt" "$SCRATCH/ec.ko")
	is "verify: EC-signed module (-k) with its certificate" "$?" 0
	like "verify: names the subject key id and sha512" "$out" 'OK .*keyid=[0-9a-f]{40} digest=sha512 '
	"$SR" verify --cert "$SCRATCH/ec.crt" "$SCRATCH/rsa.ko" >/dev/null
	is "verify: not with another's certificate (exit 1)" "$?" 1
	# Signature transplant: upstream's signature over a rebuilt payload.
	"$SR" verify --cert "$SCRATCH/rsa.crt" --signature-from "$SCRATCH/rsa.ko" "$SCRATCH/unsigned.ko" >/dev/null
	is "transplant: the signature verifies the identical unsigned rebuild" "$?" 0
	"$SR" verify --cert "$SCRATCH/ec.crt" --signature-from "$SCRATCH/ec.ko" "$SCRATCH/rsa.ko" >/dev/null
	is "transplant: and a rebuild signed with another key" "$?" 0
	cp "$SCRATCH/unsigned.ko" "$SCRATCH/changed.ko"
	printf 'X' | dd of="$SCRATCH/changed.ko" bs=1 seek=200 conv=notrunc 2>/dev/null
	"$SR" verify --cert "$SCRATCH/rsa.crt" --signature-from "$SCRATCH/rsa.ko" "$SCRATCH/changed.ko" >/dev/null
	is "transplant: fails after a one-byte change" "$?" 1
else
	skip "no sign-file or kernel headers"
fi

# A directory: every file, then the tree.
mkdir -p "$SCRATCH/tree/sub" && cp "$FIX"/tcp_westwood.ko "$SCRATCH/tree/sub/" && echo x > "$SCRATCH/tree/a"
out=$("$SR" hash "$SCRATCH/tree")
is "a directory lists its files, then the tree" "$(echo "$out" | cut -d' ' -f3 | tr '\n' ' ')" \
	"$SCRATCH/tree/a $SCRATCH/tree/sub/tcp_westwood.ko $SCRATCH/tree/ "
is "the tree line is the SHA-256 of the file lines" "$(echo "$out" | tail -n1 | cut -d' ' -f1)" \
	"$(echo "$out" | head -n -1 | sed "s|  $SCRATCH/tree/|  |" | sha256sum | cut -d' ' -f1)"

# Bad input: one line, the byte offset, exit 123; unreadable: 125.
printf '~Module signature appended~\n' > "$SCRATCH/short.ko"
"$SR" hash "$SCRATCH/short.ko" >/dev/null 2>"$SCRATCH/err"
is "a truncated trailer is bad input (123)" "$?" 123
like "and says so with the offset" "$(cat "$SCRATCH/err")" 'short.ko: byte 0: module signature trailer is truncated'
{ head -c 100 /dev/zero; printf '\0\0\2\0\0\0\0\0\0\0\377\377'; printf '~Module signature appended~\n'; } > "$SCRATCH/big.ko"
"$SR" hash "$SCRATCH/big.ko" >/dev/null 2>"$SCRATCH/err"
is "sig_len larger than the file is bad input" "$?" 123
like "naming the sig_len offset" "$(cat "$SCRATCH/err")" 'big.ko: byte 108: module signature sig_len is larger than the file'
{ head -c 100 /dev/zero; printf '\0\0\7\0\0\0\0\0\0\0\0\4'; printf '~Module signature appended~\n'; } > "$SCRATCH/pgp.ko"
"$SR" hash "$SCRATCH/pgp.ko" >/dev/null 2>"$SCRATCH/err"
is "an id_type none of 0-3 is bad input" "$?" 123
like "naming the id_type offset" "$(cat "$SCRATCH/err")" 'pgp.ko: byte 102: module signature id_type is none of 0-3'
{ head -c 100 /dev/zero; printf '\0\0\1\0\0\0\0\0\0\0\0\4'; printf '~Module signature appended~\n'; } > "$SCRATCH/legacy.ko"
is "a legacy id_type (1) is cut, not refused" "$("$SR" hash "$SCRATCH/legacy.ko" | cut -d' ' -f1)" \
	"$(head -c 96 /dev/zero | sha256sum | cut -d' ' -f1)"
{ head -c 100 /dev/zero; printf '\0\0\2\0\0\0\0\0\0\0\0\0'; printf '~Module signature appended~\n'; } > "$SCRATCH/zero.ko"
"$SR" hash "$SCRATCH/zero.ko" >/dev/null 2>"$SCRATCH/err"
is "a sig_len of 0 is bad input" "$?" 123
like "... said so" "$(cat "$SCRATCH/err")" 'zero.ko: byte 108: module signature sig_len is 0$'
cp "$V" "$SCRATCH/inhdr.efi"; chmod u+w "$SCRATCH/inhdr.efi"
printf '\100\0\0\0' | dd of="$SCRATCH/inhdr.efi" bs=1 seek=232 conv=notrunc 2>/dev/null
"$SR" hash "$SCRATCH/inhdr.efi" >/dev/null 2>"$SCRATCH/err"
is "a PE certificate table inside the headers is bad input" "$?" 123
like "... said so" "$(cat "$SCRATCH/err")" 'inhdr.efi: byte 232: PE certificate table lies inside the headers'
# a table over a section's data would mask signed bytes
cp "$V" "$SCRATCH/insect.efi"; chmod u+w "$SCRATCH/insect.efi"
printf '\000\100\000\000' | dd of="$SCRATCH/insect.efi" bs=1 seek=232 conv=notrunc 2>/dev/null
printf '\000\020\000\000' | dd of="$SCRATCH/insect.efi" bs=1 seek=236 conv=notrunc 2>/dev/null
"$SR" hash "$SCRATCH/insect.efi" >/dev/null 2>"$SCRATCH/err"
is "a PE certificate table over a section's data is bad input" "$?" 123
like "... said so" "$(cat "$SCRATCH/err")" \
	"insect.efi: byte 232: PE certificate table overlaps the headers or a section's data"
# a section whose data is past the file's end: that section named, not
# the certificate table it would overlap
if command -v perl >/dev/null; then
	perl -e 'open F, "<", $ARGV[0] or die; binmode F; local $/; my $c = <F>;
		my $pe = unpack("V", substr($c, 0x3c, 4));
		my $sect = $pe + 24 + unpack("v", substr($c, $pe + 20, 2));
		substr($c, $sect + 20, 4) = pack("V", 0x7ffffff0); print STDERR $sect + 16;
		binmode STDOUT; print $c' "$V" >"$SCRATCH/sectout.efi" 2>"$SCRATCH/sectoff"
	"$SR" hash "$SCRATCH/sectout.efi" >/dev/null 2>"$SCRATCH/err"
	is "a PE section's data past the file's end is bad input" "$?" 123
	is "... naming the section's size field" "$(cat "$SCRATCH/err")" \
		"sandrun: $SCRATCH/sectout.efi: byte $(cat "$SCRATCH/sectoff"): PE section data lies outside the file"
else
	for i in 1 2; do skip "no perl"; done
fi
cp "$V" "$SCRATCH/bogus.efi"; chmod u+w "$SCRATCH/bogus.efi"
printf '\377\377\377\177' | dd of="$SCRATCH/bogus.efi" bs=1 seek=232 conv=notrunc 2>/dev/null
"$SR" hash "$SCRATCH/bogus.efi" >/dev/null 2>"$SCRATCH/err"
is "a PE certificate table outside the file is bad input" "$?" 123
like "naming the directory entry's offset" "$(cat "$SCRATCH/err")" 'bogus.efi: byte 232: PE certificate table lies outside the file'
: > "$SCRATCH/empty"
is "an empty file hashes like sha256sum" "$("$SR" hash "$SCRATCH/empty" | cut -d' ' -f1)" \
	"$(sha256sum < /dev/null | cut -d' ' -f1)"
"$SR" hash "$SCRATCH/no-such-file" >/dev/null 2>"$SCRATCH/err"
is "an unreadable file is exit 125" "$?" 125
like "with its name" "$(cat "$SCRATCH/err")" "cannot read '$SCRATCH/no-such-file'"
for f in "$TOP"/tests/fuzz/corpus/artifact/*; do
	[[ $(basename "$f") =~ ^[0-9a-f]{40}$ ]] && continue	# make fuzz's own
	"$SR" hash "$f" >/dev/null 2>&1
	st=$?
	check "hash survives fuzz input $(basename "$f") (exit $st)" test "$st" -eq 0 -o "$st" -eq 123
done
for f in "$TOP"/tests/fuzz/corpus/authenticode/*; do
	[[ $(basename "$f") =~ ^[0-9a-f]{40}$ ]] && continue	# make fuzz's own
	"$SR" verify --cert "$FIX/signing-cert.pem" "$f" >/dev/null 2>&1
	st=$?
	check "verify survives fuzz input $(basename "$f") (exit $st)" test "$st" -eq 1 -o "$st" -eq 123
done
"$SR" hash --mask=bogus "$m" >/dev/null 2>&1
is "a bad --mask is a usage error" "$?" 124

# A FIFO given as a file to hash or verify is refused, not waited on
# (its open would block until a writer came).
mkfifo "$SCRATCH/fifo"
timeout 20 "$SR" hash "$SCRATCH/fifo" >/dev/null 2>"$SCRATCH/err"
is "hash of a FIFO: 125 at once" "$?" 125
is "... says why" "$(cat "$SCRATCH/err")" "sandrun: cannot read '$SCRATCH/fifo': not a regular file"
timeout 20 "$SR" verify --cert "$FIX/signing-cert.pem" "$SCRATCH/fifo" >/dev/null 2>&1
is "verify of a FIFO: 125 at once" "$?" 125
# ... but a pipe named as a PATH (/dev/stdin, <(...)) is read, as
# sha256sum reads it.
want=$("$SR" hash "$m" | cut -d' ' -f1)
is "hash /dev/stdin: a pipe read, the file's digest" "$(cat "$m" | "$SR" hash /dev/stdin)" \
	"$want  /dev/stdin"
like "hash <(...): the same" "$("$SR" hash <(cat "$m"))" "^$want  /dev/fd/[0-9]+\$"

done_testing
