#!/usr/bin/env bash
# GnuTLS: gnutls-cli and wget (both link libgnutls on Debian) against a
# python server: gnutls_record_send/recv carry the exact bytes, and the
# session struct (btf-db) names the socket, the version and the suite.
. "$(dirname "$0")/lib.sh"
need gnutls-cli wget python3

unique gnutls-cli >"$T/req"
printf 'echo:{req}' >"$T/reply"
peer_serve srv --reply "$T/reply"
CLI_PORT=$PORT
sniff_start -f json --no-openssl --keylog "$T/keys"
# gnutls-cli sends stdin and prints what it reads until the server closes.
SSLKEYLOGFILE=$T/cli13.keys gnutls-cli --insecure --logfile=/dev/null -p "$PORT" 127.0.0.1 \
	<"$T/req" >"$T/got" 2>"$T/cli.err" &
CLI=$!
wait "$CLI"
{ printf 'echo:'; cat "$T/req"; } >"$T/want"
grep -q "$(cat "$T/req")" "$T/got" || fail "gnutls-cli did not get the reply"

# TLS 1.2, to see the version and suite change with the session.
unique gnutls-cli12 >"$T/req12"
peer_serve srv12 --reply "$T/reply"
SSLKEYLOGFILE=$T/cli12.keys gnutls-cli --insecure --logfile=/dev/null \
	--priority NORMAL:-VERS-TLS1.3 -p "$PORT" 127.0.0.1 \
	<"$T/req12" >"$T/got12" 2>"$T/cli12.err" &
CLI12=$!
wait "$CLI12"
grep -q "$(cat "$T/req12")" "$T/got12" || fail "gnutls-cli (TLS 1.2) did not get the reply"

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
# From GnuTLS's own struct: the fd it was given, the negotiated version
# and suite (python's server prefers AES-256 and picks it).
for pid in "$CLI" "$CLI12"; do
	[[ $(records --pid "$pid" --field fd_source | sort -u) == struct ]] ||
		fail "fd_source: $(records --pid "$pid" --field fd_source | sort -u), want struct"
done
[[ $(records --pid "$CLI" --field tls_version | sort -u) == TLSv1.3 ]] ||
	fail "tls_version: $(records --pid "$CLI" --field tls_version | sort -u), want TLSv1.3"
[[ $(records --pid "$CLI" --field cipher | sort -u) == TLS_AES_256_GCM_SHA384 ]] ||
	fail "cipher: $(records --pid "$CLI" --field cipher | sort -u), want TLS_AES_256_GCM_SHA384"
[[ $(records --pid "$CLI12" --field tls_version | sort -u) == TLSv1.2 ]] ||
	fail "tls_version: $(records --pid "$CLI12" --field tls_version | sort -u), want TLSv1.2"
[[ $(records --pid "$CLI12" --field cipher | sort -u) == TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 ]] ||
	fail "cipher: $(records --pid "$CLI12" --field cipher | sort -u), want TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
# --keylog: GnuTLS's own key log lines (SSLKEYLOGFILE), TLS 1.3's traffic
# secrets as GnuTLS keeps them and TLS 1.2's master secret, are all in ours.
for v in 13 12; do
	[[ -s $T/cli$v.keys ]] || fail "gnutls-cli wrote no key log (TLS 1.${v#1})"
	missing=$(grep -v '^#' "$T/cli$v.keys" | grep -vxFf "$T/keys")
	[[ -z $missing ]] || fail "TLS 1.${v#1}: gnutls-cli's key log lines not in sslsniff's: $missing"
done
grep -q '^CLIENT_TRAFFIC_SECRET_0 ' "$T/cli13.keys" || fail "no TLS 1.3 key log from gnutls-cli"
grep -q '^CLIENT_RANDOM ' "$T/cli12.keys" || fail "no TLS 1.2 key log from gnutls-cli"
