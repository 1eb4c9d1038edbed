#!/usr/bin/env bash
# The default text output: bcc sslsniff's layout, -x (a host process's
# container: -) and -l columns,
# --hexdump as hexdump -C, and --max-bytes truncation reported with its count.
. "$(dirname "$0")/lib.sh"
need python3 hexdump

P=$(unique text-payload)
printf '%s' "$P" >"$T/req"
printf 'ok' >"$T/reply"
peer_serve srv --count 5 --reply "$T/reply"

sniff_start -c python3
peer_client
sniff_stop
head -n 1 "$T/out" >"$T/header"
printf '%-12s %-18s %-16s %-7s %-6s\n' FUNC 'TIME(s)' COMM PID LEN >"$T/want"
assert_bytes "$T/want" "$T/header" "text header"
grep -qE "^WRITE/SEND +[0-9]+\.[0-9]{9} +python3 +$CLIENT +${#P} *\$" "$T/out" ||
	fail "no WRITE/SEND row for the client: $(head -n 5 "$T/out")"
# The block after the client's row: markers around the exact payload.
awk -v pid="$CLIENT" '$1 == "WRITE/SEND" && $4 == pid { getline; print; getline; print; getline; print; exit }' \
	"$T/out" >"$T/block"
printf -- '----- DATA -----\n%s\n----- END DATA -----\n' "$P" >"$T/want"
assert_bytes "$T/want" "$T/block" "data block"

sniff_start -c python3 -x -l
peer_client
sniff_stop
head -n 1 "$T/out" | grep -qE '^FUNC +TIME\(s\) +COMM +PID +LEN +UID +TID +CONTAINER +LAT\(ms\) +CONNECTION *$' ||
	fail "-x -l header: $(head -n 1 "$T/out")"
grep -qE "^WRITE/SEND +[0-9.]+ +python3 +$CLIENT +${#P} +0 +[0-9]+ +- +[0-9]+\.[0-9]{3} +127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$PORT\$" "$T/out" ||
	fail "-x -l row: $(sed -n 2p "$T/out")"

sniff_start -c python3 --hexdump
peer_client
sniff_stop
awk -v pid="$CLIENT" '$1 == "WRITE/SEND" && $4 == pid { f = 1; next }
	f && /^----- DATA -----$/ { next } f && /^----- END DATA/ { exit } f { print }' "$T/out" >"$T/hex"
hexdump -C "$T/req" >"$T/want"
assert_bytes "$T/want" "$T/hex" "--hexdump"

sniff_start -c python3 --max-bytes 10 -f json
peer_client
sniff_stop
records --pid "$CLIENT" --dir write --data >"$T/cut"
head -c 10 "$T/req" >"$T/want"
assert_bytes "$T/want" "$T/cut" "--max-bytes 10 keeps the first 10 bytes"
[[ $(records --pid "$CLIENT" --dir write --field truncated) == $((${#P} - 10)) ]] ||
	fail "truncated count"
# The python server read the same bytes, truncated alike.
grep -q "truncated: $((2 * (${#P} - 10))) bytes$" "$T/err" || fail "summary truncated count: $(tail -n 1 "$T/err")"
sniff_start -c python3 --max-bytes 10
peer_client
sniff_stop
grep -qx -- "----- END DATA (TRUNCATED, $((${#P} - 10)) bytes lost) -----" "$T/out" ||
	fail "text end marker for truncation"
