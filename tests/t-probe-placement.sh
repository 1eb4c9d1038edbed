#!/usr/bin/env bash
# Probe placement: OpenSSL's SSL_read/SSL_write and their _ex twins probed
# at the internal function they share (an entry the kernel emulates) give
# exactly the records the exported entry points give. Two sslsniff run side
# by side over the same traffic, one with --probe-entry; curl (SSL_read,
# SSL_write), python (the _ex functions), s_client of the host's OpenSSL
# 3.0 and of Debian 11's 1.1.1w: the same calls, functions, bytes and
# connections, record for record.
. "$(dirname "$0")/lib.sh"
need curl python3 openssl dpkg-deb
debian11_openssl

# The entry-point run, in the background beside the one lib.sh manages.
"$SSLSNIFF" -f json --probe-entry --no-gnutls --no-nss --lib "openssl:$OLDLIB/libssl.so.1.1" \
	>"$T/entry.json" 2>"$T/entry.err" &
ENTRY=$!
BG_PIDS+=($ENTRY)
wait_for 20 grep -q 'Ctrl-C to end\.$' "$T/entry.err" || fail "sslsniff --probe-entry did not start"
sniff_start -f json -v --no-gnutls --no-nss --lib "openssl:$OLDLIB/libssl.so.1.1"
for lib in /lib/x86_64-linux-gnu/libssl.so.3 "$OLDLIB/libssl.so.1.1"; do
	for f in SSL_write SSL_read; do
		grep -q "attach: '$lib': ${f} and ${f}_ex probed at their internal function" "$T/err" ||
			fail "$lib: $f not probed at its internal function: $(grep "attach: '$lib'" "$T/err")"
	done
done

unique body >"$T/body"
peer_serve http --http --count 2 --reply "$T/body"
HTTP=$PORT
printf 'placed:{req}' >"$T/reply"
peer_serve plain --count 3 --reply "$T/reply"
unique placement >"$T/req"
curl -sk --http1.1 "https://127.0.0.1:$HTTP/a" -o /dev/null || fail "curl failed"
curl -sk --http1.1 --tls-max 1.2 "https://127.0.0.1:$HTTP/b" -o /dev/null || fail "curl failed"
peer_client
# Both libraries were attached at start (--lib); s_client's input stays
# open until the reply is in. The records of exited clients are all in the
# rings: sslsniff drains them on SIGINT.
for fn in openssl old_openssl; do
	: >"$T/sc-$fn.out"
	client_input "$T/req" "$T/sc-$fn.out" placed: |
		$fn s_client -connect "127.0.0.1:$PORT" -quiet >"$T/sc-$fn.out" 2>"$T/sc.err"
	grep -q placed: "$T/sc-$fn.out" || fail "$fn s_client got no reply: $(cat "$T/sc.err")"
done
sniff_stop
kill -INT "$ENTRY"
wait "$ENTRY" || fail "sslsniff --probe-entry exited $?"

same_records "$T/entry.json" "$T/out" 12
