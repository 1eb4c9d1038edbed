#!/usr/bin/env bash
# Go's function table read right, for the toolchain go_build uses (the
# host's, or GOROOT_TEST's): the unit test's comparison of .gopclntab
# with .symtab (every sized STT_FUNC the pclntab lists by name at its
# address and of its size) on the Go client linked by Go (cgo and static)
# and by gcc (-linkmode=external: runtime.text is not .text's start);
# then what capture makes of stripped copies of each (--detect with
# return-instruction probes): the functions from .gopclntab, the same
# return instructions as from the symbols, also with the section renamed
# (the table found by its magic) and with the header's textStart zeroed
# as Go 1.26 writes it (the text start from the runtime's moduledata); a
# corrupt table refused in one line.
. "$(dirname "$0")/lib.sh"
need strip objcopy gcc
[[ -x ${UNIT_DIR:-}/go_pclntab ]] || skip "needs the unit binary go_pclntab (UNIT_DIR)"
go_build client gocgo
go_build client gostatic static
go_build client goext external
GO_PCLNTAB_FILES="$T/gocgo $T/gostatic $T/goext" "$UNIT_DIR/go_pclntab" >"$T/unit" 2>&1 ||
	fail "pclntab against .symtab: $(cat "$T/unit")"
cat "$T/unit"

# detect FILE: its Go functions' source and return instructions.
detect() {
	"$SSLSNIFF" --detect "$1" --return-probes=insn 2>&1 | grep -E '^(functions|returns):|Go:'
}

# The 8 bytes at the file offset of FILE's section SECT plus ADD, set to HEX.
patch() {
	local off
	off=$(readelf -SW "$1" | awk -v s="$2" '{sub(/^ *\[ *[0-9]+\] */, "")} $1 == s {print $4}')
	[[ -n $off ]] || fail "no section $2 in $1"
	printf "$3" | dd of="$1" bs=1 seek=$((0x$off + $4)) conv=notrunc status=none
}

for b in gocgo gostatic goext; do
	detect "$T/$b" >"$T/$b.sym"
	grep -qx "functions: .symtab" "$T/$b.sym" || fail "$b: $(cat "$T/$b.sym")"
	grep -v '^functions:' "$T/$b.sym" >"$T/$b.want"
	[[ $(grep -c '^returns:  crypto/tls.(\*Conn).\(Read\|Write\) 0x' "$T/$b.want") == 2 ]] ||
		fail "$b: no return instructions: $(cat "$T/$b.sym")"
	strip -o "$T/$b.stripped" "$T/$b" || fail "strip $b"
	objcopy --rename-section .gopclntab=.odd "$T/$b.stripped" "$T/$b.odd" ||
		fail "objcopy $b"
	cp "$T/$b.stripped" "$T/$b.notext"
	patch "$T/$b.notext" .gopclntab '\0\0\0\0\0\0\0\0' 24
	for v in stripped odd notext; do
		detect "$T/$b.$v" >"$T/$b.$v.got"
		grep -qx "functions: .gopclntab (no symbol table)" "$T/$b.$v.got" ||
			fail "$b.$v: $(cat "$T/$b.$v.got")"
		grep -v '^functions:' "$T/$b.$v.got" | diff -u "$T/$b.want" - ||
			fail "$b.$v: not the functions of .symtab"
	done
done

# A functab that runs past the table (nfunc 2^23): one line, nothing attached.
cp "$T/gostatic.stripped" "$T/gobad"
patch "$T/gobad" .gopclntab '\0\0\200\0\0\0\0\0' 8
"$SSLSNIFF" --detect "$T/gobad" >"$T/bad" 2>&1 && fail "corrupt table accepted: $(cat "$T/bad")"
[[ $(grep -c "Go: the functab runs past the end of the table: its crypto/tls functions not found" \
	"$T/bad") == 1 ]] || fail "corrupt table: $(cat "$T/bad")"
echo "go: pclntab functions equal to .symtab's, stripped, renamed, without textStart"
