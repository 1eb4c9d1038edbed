#!/usr/bin/env bash
# GnuTLS: gnutls-cli and wget (both link libgnutls on Debian) against a
# python server: gnutls_record_send/recv carry the exact bytes.
. "$(dirname "$0")/lib.sh"
need gnutls-cli wget python3

unique gnutls-cli >"$T/req"
printf 'echo:{req}' >"$T/reply"
peer_serve srv --reply "$T/reply"
CLI_PORT=$PORT
sniff_start -f json --no-openssl
# gnutls-cli sends stdin and prints what it reads until the server closes.
gnutls-cli --insecure --logfile=/dev/null -p "$PORT" 127.0.0.1 <"$T/req" >"$T/got" 2>"$T/cli.err" &
CLI=$!
wait "$CLI"
{ printf 'echo:'; cat "$T/req"; } >"$T/want"
grep -q "$(cat "$T/req")" "$T/got" || fail "gnutls-cli did not get the reply"

TOKEN=$(unique wget-body)
printf '%s' "$TOKEN" >"$T/body"
peer_serve srv2 --http --reply "$T/body"
wget -q --no-check-certificate -O "$T/wget.got" "https://127.0.0.1:$PORT/wget-$TOKEN" &
WGET=$!
wait "$WGET" || fail "wget failed"
sniff_stop

records --pid "$CLI" --func gnutls_record_send --data >"$T/c.w"
records --pid "$CLI" --func gnutls_record_recv --data >"$T/c.r"
assert_bytes "$T/req" "$T/c.w" "gnutls-cli record_send"
assert_bytes "$T/want" "$T/c.r" "gnutls-cli record_recv"
[[ $(records --pid "$CLI" --field library | sort -u) == gnutls ]] || fail "library is not gnutls"
records --pid "$WGET" --dir read --data >"$T/w.r"
tail -c ${#TOKEN} "$T/w.r" >"$T/w.body"
assert_bytes "$T/body" "$T/w.body" "wget's response body"
records --pid "$WGET" --dir write --data | grep -q "^GET /wget-$TOKEN HTTP/1.1" ||
	fail "wget's request line not captured"
# --no-openssl: the python server's OpenSSL calls were not traced.
[[ $(records --lib openssl --count) == 0 ]] || fail "--no-openssl captured OpenSSL"
# The connection, from the socket the library wrote to.
[[ $(records --pid "$CLI" --field dst | sort -u) == "127.0.0.1:$CLI_PORT" ]] ||
	fail "dst: $(records --pid "$CLI" --field dst | sort -u), want 127.0.0.1:$CLI_PORT"
