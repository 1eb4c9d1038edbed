#!/usr/bin/env bash
# The return instructions that --return-probes=insn probes are exactly a
# function's: `repz ret` and `ret $8` after an endbr64, those of a tail
# jump's target without a symbol (followed path by path), of a .cold-like
# fragment in another section, of a function of the same file reached
# through the PLT, and of the cases of a jump table; and a function whose
# returns cannot all be known (an indirect tail call, through fd->methods,
# a jump table with a case outside the function) is said to be uncertain.
# tests/rets.S marks each expected return with an exp_<function>_N label.
. "$(dirname "$0")/lib.sh"
need gcc
need nm

gcc -shared -nostdlib -Wl,-z,now -o "$T/librets.so" "$TESTS_DIR/rets.S" 2>"$T/cc.err" ||
	fail "cannot build librets.so: $(cat "$T/cc.err")"
# Offsets are printed as file offsets, labels as addresses: the same here.
readelf -lW "$T/librets.so" | awk '$1 == "LOAD" && $7 ~ /E/ && $2 != $3 {exit 1}' ||
	fail "librets.so's code segment is not at its file offset"
"$SSLSNIFF" --detect "$T/librets.so" --return-probes=insn >"$T/detect" 2>"$T/detect.err" ||
	fail "--detect failed: $(cat "$T/detect.err")"

# want FUNC LABEL-PREFIX: the sorted offsets of the labels, as --detect prints them.
want() {
	nm "$T/librets.so" | awk -v p="exp_$2_" 'index($3, p) == 1 {print $1}' |
		while read -r a; do printf '0x%x\n' "$((16#$a))"; done | sort
}
got() {
	awk -v f="$1" '$1 == "returns:" && $2 == f {for (i = 3; i <= NF; i++) print $i}' "$T/detect" |
		sort
}
check() {
	local w g
	w=$(want "$1" "$2")
	g=$(got "$1")
	[[ -n $w ]] || fail "no exp_$2_ labels"
	[[ $w == "$g" ]] || fail "$1: return instructions $(echo $g), want $(echo $w)"
}
check SSL_read read
check SSL_write write
check SSL_read_ex readex
check SSL_write_ex writeex
check gnutls_record_send send
for f in SSL_do_handshake PR_Write PR_Read; do
	grep -qE "^returns:  $f uncertain \(indirect jump at 0x[0-9a-f]+\): uretprobe$" "$T/detect" ||
		fail "$f: not said to be uncertain: $(grep "$f" "$T/detect")"
	grep -qE "warning: '.*librets\.so': $f's returns are not certain .*: probed with a uretprobe$" \
		"$T/detect.err" || fail "$f: no warning"
done
