#!/usr/bin/env bash
# A 1 MiB binary response, written in one SSL_write_ex: one record of the
# full length on the server side, and the same bytes across curl's reads.
. "$(dirname "$0")/lib.sh"
need curl python3

head -c $((1 << 20)) /dev/urandom >"$T/body"
peer_serve srv --http --reply "$T/body"
sniff_start -f json
curl -sk --http1.1 "https://127.0.0.1:$PORT/big" -o "$T/got" &
CURL=$!
wait "$CURL" || fail "curl failed"
sniff_stop

assert_bytes "$T/body" "$T/got" "curl's own download"
{ printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' $((1 << 20))
  cat "$T/body"; } >"$T/response"
SPID=$SERVER
[[ $(records --pid "$SPID" --func SSL_write_ex --count) == 1 ]] ||
	fail "the 1 MiB response should be one record"
[[ $(records --pid "$SPID" --func SSL_write_ex --field length) == $(wc -c <"$T/response") ]] ||
	fail "record length is not the call's byte count"
records --pid "$SPID" --func SSL_write_ex --data >"$T/s.w"
assert_bytes "$T/response" "$T/s.w" "server's 1 MiB write"
records --pid "$CURL" --dir read --data >"$T/c.r"
assert_bytes "$T/response" "$T/c.r" "curl's reads"
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost"

# Through a 4 MiB ring, three times: the 6 MiB of records go round it, and
# the records that straddle its end (read whole from the one mapping of the
# ring, ring.c) must come out byte-exact too. One download puts about 2 MiB
# in the ring at once (the server's 1 MiB call, curl's reads): the next
# starts once sslsniff has written out this one's records, both ends'.
# drained N CURL-PID: the server's Nth write and all of curl's reads are out.
drained() {
	local n
	n=$(records --pid "$2" --dir read --data 2>/dev/null | wc -c)
	[[ $(records --pid "$SPID" --func SSL_write_ex --count 2>/dev/null) == "$1" &&
		$n == $(wc -c <"$T/response") ]]
}
peer_serve srv3 --http --count 3 --reply "$T/body"
SPID=$SERVER
sniff_start -f json --ring-size $((4 << 20))
for i in 1 2 3; do
	curl -sk --http1.1 "https://127.0.0.1:$PORT/big" -o "$T/got$i" &
	CURL=$!
	wait "$CURL" || fail "curl $i failed"
	assert_bytes "$T/body" "$T/got$i" "curl's own download $i"
	wait_for 20 drained "$i" "$CURL" || fail "download $i: its records were not written out"
done
sniff_stop
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost through the 4 MiB ring"
[[ $(records --pid "$SPID" --func SSL_write_ex --count) == 3 ]] ||
	fail "three 1 MiB responses should be three records"
records --pid "$SPID" --func SSL_write_ex --data >"$T/s.w3"
cat "$T/response" "$T/response" "$T/response" >"$T/want3"
assert_bytes "$T/want3" "$T/s.w3" "server's writes through the small ring"
