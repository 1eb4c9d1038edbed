#!/usr/bin/env bash
# --handshake: SSL_do_handshake (python's do_handshake) gives a HANDSHAKE
# row/object with the return value 1 and its latency; without it, none.
# (s_client never calls it: its handshake runs inside SSL_write/SSL_read.)
. "$(dirname "$0")/lib.sh"
need python3

unique hs >"$T/req"
printf 'x' >"$T/reply"
peer_serve srv --count 3 --reply "$T/reply"

sniff_start -f json --handshake -c python3
peer_client
sniff_stop
[[ $(records --type handshake --pid "$CLIENT" --count) == 1 ]] || fail "want one handshake record"
[[ $(records --type handshake --pid "$CLIENT" --field ret) == 1 ]] || fail "handshake ret"
[[ $(records --type handshake --pid "$CLIENT" --field function) == SSL_do_handshake ]] ||
	fail "handshake function"
[[ $(records --type handshake --pid "$CLIENT" --field latency_ns) -gt 0 ]] || fail "latency"

sniff_start -f json -c python3
peer_client
sniff_stop
[[ $(records --type handshake --count) == 0 ]] || fail "handshake records without --handshake"

sniff_start --handshake -c python3
peer_client
sniff_stop
grep -qE "^HANDSHAKE +[0-9.]+ +python3 +$CLIENT +1 +[0-9]+\.[0-9]{3} *\$" "$T/out" ||
	fail "no HANDSHAKE text row: $(head -n 3 "$T/out")"
