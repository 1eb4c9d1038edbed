#!/usr/bin/env bash
# --detect: library kind, version and build-id of a file, against what the
# libraries and tools say of themselves (openssl version, node, gnutls-cli,
# dpkg, readelf -n); bad files get one line and exit 1.
. "$(dirname "$0")/lib.sh"
need openssl readelf

detect_field() {	# detect_field FILE FIELD
	"$SSLSNIFF" --detect "$1" | sed -n "s/^$2: *//p"
}
build_id() {
	readelf -n "$1" | sed -n 's/^ *Build ID: //p'
}
check() {	# check FILE LIBRARY VERSION
	local f=$1
	[[ $(detect_field "$f" library) == "$2" ]] || fail "$f: library $(detect_field "$f" library), want $2"
	[[ $(detect_field "$f" version | cut -d' ' -f1) == "$3" ]] ||
		fail "$f: version '$(detect_field "$f" version)', want $3"
	[[ $(detect_field "$f" build-id) == "$(build_id "$f")" ]] || fail "$f: build-id"
}

LIBSSL=$(ldd "$(command -v openssl)" | awk '/libssl\.so/ {print $3}')
check "$LIBSSL" openssl "$(openssl version | awk '{print $2}')"
detect_field "$LIBSSL" version | grep -q "(from .*libcrypto.so" || fail "version not read from libcrypto"
if command -v gnutls-cli >/dev/null; then
	LIBGNUTLS=$(ldd "$(command -v gnutls-cli)" | awk '/libgnutls\.so/ {print $3}')
	check "$LIBGNUTLS" gnutls "$(gnutls-cli --version | awk 'NR==1 {print $2}')"
fi
if command -v tstclnt >/dev/null; then
	LIBNSPR=$(ldd "$(command -v tstclnt)" | awk '/libnspr4\.so/ {print $3}')
	check "$LIBNSPR" nss "$(dpkg-query -W -f='${Version}' libnspr4 | sed 's/^[0-9]*://; s/-.*//')"
fi
if command -v node >/dev/null && nm -D "$(command -v node)" 2>/dev/null | grep -q ' T SSL_write$'; then
	check "$(command -v node)" openssl "$(node -p process.versions.openssl)"
fi

# The BTF each would be read with: a shared libssl gets its layout family's
# entry, an executable with OpenSSL built in none.
family=$(openssl version | awk '{print $2}' | cut -d. -f1,2)
detect_field "$LIBSSL" btf | grep -qE "btf-db/openssl/$family\.[0-9a-z]+-[a-z]+\.btf \((exact version|same layout family)\)\$" ||
	fail "libssl's BTF: $(detect_field "$LIBSSL" btf)"
if command -v node >/dev/null && nm -D "$(command -v node)" 2>/dev/null | grep -q ' T SSL_write$'; then
	detect_field "$(command -v node)" btf | grep -q "^none (OpenSSL built into the executable" ||
		fail "node's BTF: $(detect_field "$(command -v node)" btf)"
fi
# --list-btf: every entry of the index, and nothing else.
ROOT=$(cd "$TESTS_DIR/.." && pwd)
"$SSLSNIFF" --list-btf | awk 'NR > 2 {print $1, $2, $3}' >"$T/listed"
grep -v '^#' "$ROOT/btf-db/index" | awk -F'\t' '{print $1, $2, $3}' | diff - "$T/listed" ||
	fail "--list-btf differs from btf-db/index"
SSLSNIFF_BTF_DB=/nonexistent "$SSLSNIFF" --list-btf 2>&1 | grep -q "no btf-db found" ||
	fail "--list-btf without a database"

expect_one_line() {
	"$SSLSNIFF" --detect "$1" >"$T/o" 2>"$T/e" && fail "--detect $1 succeeded"
	[[ $(wc -l <"$T/e") == 1 ]] && grep -q "$2" "$T/e" || fail "--detect $1: $(cat "$T/e")"
}
expect_one_line /etc/passwd "not an ELF executable or library"
expect_one_line /bin/true "no OpenSSL, GnuTLS, NSPR or Go crypto/tls functions"
expect_one_line /nonexistent "No such file or directory"
head -c 3000 "$LIBSSL" >"$T/cut.so"
"$SSLSNIFF" --detect "$T/cut.so" >/dev/null 2>&1 && fail "a truncated library was detected"
true
