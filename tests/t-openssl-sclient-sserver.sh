#!/usr/bin/env bash
# openssl s_client and s_server, both sides traced: each side's SSL_write
# and the other side's SSL_read carry exactly the bytes sent.
. "$(dirname "$0")/lib.sh"
need openssl

A=$(unique client-to-server)
B=$(unique server-to-client)
printf '%s\n' "$A" >"$T/a"
printf '%s\n' "$B" >"$T/b"
PORT=$(free_port)

sniff_start -f json
# s_server sends its stdin to the client; the pipe stays open until the end.
(cat "$T/b"; sleep 30) | openssl s_server -accept "127.0.0.1:$PORT" -cert "$CERT" -key "$KEY" \
	-naccept 1 -quiet >"$T/server.out" 2>"$T/server.err" &
SERVER=$!
BG_PIDS+=($SERVER)
wait_for 10 grep -q ":$(printf '%04X' "$PORT") " /proc/net/tcp || fail "s_server did not listen"
(cat "$T/a"; sleep 30) | openssl s_client -connect "127.0.0.1:$PORT" -quiet \
	>"$T/client.out" 2>"$T/client.err" &
CLIENT=$!
BG_PIDS+=($CLIENT)
wait_for 20 grep -q "$A" "$T/server.out" || fail "server never got the client's bytes"
wait_for 20 grep -q "$B" "$T/client.out" || fail "client never got the server's bytes"
CPID=$(pgrep -f "s_client -connect 127.0.0.1:$PORT")
SPID=$(pgrep -f "s_server -accept 127.0.0.1:$PORT")
sniff_stop

records --pid "$CPID" --func SSL_write --data >"$T/c.w"
records --pid "$SPID" --func SSL_read --data >"$T/s.r"
records --pid "$SPID" --func SSL_write --data >"$T/s.w"
records --pid "$CPID" --func SSL_read --data >"$T/c.r"
assert_bytes "$T/a" "$T/c.w" "client SSL_write"
assert_bytes "$T/a" "$T/s.r" "server SSL_read"
assert_bytes "$T/b" "$T/s.w" "server SSL_write"
assert_bytes "$T/b" "$T/c.r" "client SSL_read"
[[ $(records --pid "$CPID" --func SSL_write --field library) == openssl ]] || fail "library"
[[ $(records --pid "$CPID" --func SSL_write --field direction) == write ]] || fail "direction"
[[ $(records --pid "$SPID" --func SSL_read --field comm) == openssl ]] || fail "comm"
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost at rest"
