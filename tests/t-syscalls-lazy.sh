#!/usr/bin/env bash
# The socket syscalls inside TLS calls (raw_tp/sys_enter, a handler on every
# syscall of the machine) are watched only once a process may need them.
# A program that hands OpenSSL its sockets with SSL_set_fd (tests/fd_pair.c,
# as nginx and wrk do) is captured byte for byte with its connection from
# OpenSSL's structs, and sys_enter stays detached. curl (libcurl gives
# OpenSSL a BIO of its own) then has it attached as soon as sslsniff sees
# libcurl mapped (or libgnutls, which it links too), before its first
# call: its records name the connection from the syscalls.
. "$(dirname "$0")/lib.sh"
need gcc curl nm

gcc -O1 -Wall -Wextra -Werror -o "$T/fd_pair" "$TESTS_DIR/fd_pair.c" -lssl -lcrypto -lpthread \
	2>"$T/cc.err" || fail "cannot build fd_pair: $(cat "$T/cc.err")"
! nm -D --undefined-only "$T/fd_pair" | grep -qwE 'SSL_set_bio|BIO_meth_new' ||
	fail "fd_pair imports a transport function"
WATCH='watching the socket syscalls inside TLS calls'

sniff_start -v -f json
grep -q "$WATCH" "$T/err" &&
	skip "a process on this machine needs the socket syscalls watched already: $(grep -m1 "$WATCH" "$T/err")"

unique lazy >"$T/req"
cat "$T/req" "$T/req" >"$T/want"
# captured PID: all of an fd_pair's records are written out (both ends'
# writes and reads): a call's syscalls_wanted is set before its records,
# and seen in the round that reads them.
captured() {
	local dir
	for dir in write read; do
		records --pid "$1" --dir $dir --data 2>/dev/null | cmp -s "$T/want" - || return 1
	done
}
"$T/fd_pair" pair "$CERT" "$KEY" "$T/req" >"$T/got" &
PAIR=$!
wait "$PAIR" || fail "fd_pair failed"
cmp -s "$T/req" "$T/got" || fail "fd_pair: the reply differs from the request"
wait_for 20 captured "$PAIR" || fail "fd_pair's records were not all written out"
# A second pair, run after the first has exited: once its records are out,
# sslsniff has finished every round that saw the first one alive (the exec
# watcher's scans of its maps included).
"$T/fd_pair" pair "$CERT" "$KEY" "$T/req" >"$T/got2" &
PAIR2=$!
wait "$PAIR2" || fail "the second fd_pair failed"
wait_for 20 captured "$PAIR2" || fail "the second fd_pair's records were not all written out"
grep "$WATCH" "$T/err" >&2 && fail "sys_enter attached for a program that names its sockets"
for dir in write read; do
	records --pid "$PAIR" --dir $dir --data >"$T/$dir" || fail "records: $dir"
	cmp -s "$T/want" "$T/$dir" ||
		fail "fd_pair $dir: $(wc -c <"$T/$dir") bytes captured, not $(wc -c <"$T/want")"
	[[ $(records --pid "$PAIR" --dir $dir --field fd_source | sort -u) == struct ]] ||
		fail "fd_pair $dir: fd_source $(records --pid "$PAIR" --dir $dir --field fd_source)"
	[[ $(records --pid "$PAIR" --dir $dir --field src | sort -u | wc -l) == 2 ]] ||
		fail "fd_pair $dir: src not both ends: $(records --pid "$PAIR" --dir $dir --field src)"
done

# curl against an fd_pair server, which itself needs nothing watched.
body=$(unique body)
printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
	"${#body}" "$body" >"$T/reply"
"$T/fd_pair" serve "$CERT" "$KEY" "$T/reply" >"$T/serve.ready" 2>"$T/serve.err" &
SERVER=$!
BG_PIDS+=($SERVER)
wait_for 10 grep -q '^ready' "$T/serve.ready" || fail "fd_pair serve did not start"
PORT=$(awk '{print $2}' "$T/serve.ready")
# curl is a host program started after sslsniff, which is not held: it
# waits here for its URL (-K from a FIFO, opened in main(), after the loader
# mapped libcurl) until sslsniff has said it watches the syscalls for it,
# so the test does not race the watcher's scan of its maps.
mkfifo "$T/curl.cfg"
curl -sk --http1.1 -K "$T/curl.cfg" -o "$T/body" &
CURL=$!
# For libcurl, or for a library it links that needs them too (libgnutls).
watched_for_curl() { grep "$WATCH" "$T/err" | grep -q "(pid $CURL)\$"; }
wait_for 20 watched_for_curl || {
	echo 'url = "https://127.0.0.1:1/"' >"$T/curl.cfg"
	fail "sys_enter not attached for curl: $(grep "$WATCH" "$T/err")"
}
echo "url = \"https://127.0.0.1:$PORT/lazy\"" >"$T/curl.cfg"
wait "$CURL" || fail "curl failed: exit $?"
[[ $(cat "$T/body") == "$body" ]] || fail "curl got another body"
wait "$SERVER"
sniff_stop
for dir in write read; do
	[[ $(records --pid "$CURL" --dir $dir --field fd_source | sort -u) == syscall ]] ||
		fail "curl $dir: fd_source $(records --pid "$CURL" --dir $dir --field fd_source)"
	[[ $(records --pid "$CURL" --dir $dir --field dst | sort -u) == "127.0.0.1:$PORT" ]] ||
		fail "curl $dir: dst $(records --pid "$CURL" --dir $dir --field dst)"
done
