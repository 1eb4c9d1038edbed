#!/usr/bin/env bash
# curl (libssl) against an HTTPS server: the request curl wrote and the
# response it read, byte for byte, on both sides.
. "$(dirname "$0")/lib.sh"
need curl python3

TOKEN=$(unique curl-header)
unique curl-body >"$T/body"
peer_serve srv --http --reply "$T/body"

sniff_start -f json
curl -sk --http1.1 -H "X-Test: $TOKEN" "https://127.0.0.1:$PORT/path-$TOKEN" -o "$T/got" &
CURL=$!
wait "$CURL" || fail "curl failed"
sniff_stop

assert_bytes "$T/body" "$T/got" "curl's own download"
printf 'GET /path-%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: curl/%s\r\nAccept: */*\r\nX-Test: %s\r\n\r\n' \
	"$TOKEN" "$PORT" "$(curl -V | awk 'NR==1{print $2}')" "$TOKEN" >"$T/request"
records --pid "$CURL" --dir write --data >"$T/c.w"
assert_bytes "$T/request" "$T/c.w" "curl's request"
{ printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' "$(wc -c <"$T/body")"
  cat "$T/body"; } >"$T/response"
records --pid "$CURL" --dir read --data >"$T/c.r"
assert_bytes "$T/response" "$T/c.r" "curl's response"
# The server (python, SSL_read_ex/SSL_write_ex) saw the same two messages.
records --pid "$SERVER" --func SSL_read_ex --data >"$T/s.r"
records --pid "$SERVER" --func SSL_write_ex --data >"$T/s.w"
assert_bytes "$T/request" "$T/s.r" "server's read of the request"
assert_bytes "$T/response" "$T/s.w" "server's write of the response"
