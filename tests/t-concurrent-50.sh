#!/usr/bin/env bash
# 50 connections at once from 50 threads of one process, each with its own
# payload and reply: every thread's records hold its own bytes and no other's.
. "$(dirname "$0")/lib.sh"
need python3

TOKEN=$(unique conc)
printf '%s-{i}-' "$TOKEN" >"$T/send"
head -c 3000 /dev/zero | tr '\0' 'p' >>"$T/send"
printf 'reply:{req}' >"$T/reply"
peer_serve srv --count 50 --reply "$T/reply"
sniff_start -f json
$PEER client --port "$PORT" --send "$T/send" --threads 50 --out "$T/got" &
CLIENT=$!
wait "$CLIENT" || fail "client failed"
sniff_stop

n=0
while read -r i tid hex; do
	sed "s/{i}/$i/" "$T/send" >"$T/w.$i"
	{ printf 'reply:'; cat "$T/w.$i"; } >"$T/r.$i"
	python3 -c "import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))" "$hex" >"$T/own.$i"
	assert_bytes "$T/r.$i" "$T/own.$i" "thread $i's own read"
	records --pid "$CLIENT" --tid "$tid" --dir write --data >"$T/cw.$i"
	records --pid "$CLIENT" --tid "$tid" --dir read --data >"$T/cr.$i"
	assert_bytes "$T/w.$i" "$T/cw.$i" "thread $i (tid $tid) writes"
	assert_bytes "$T/r.$i" "$T/cr.$i" "thread $i (tid $tid) reads"
	n=$((n + 1))
done <"$T/got"
[[ $n == 50 ]] || fail "$n of 50 connections reported"
# Each payload is written exactly once by the clients, once read by the server.
[[ $(records --pid "$CLIENT" --dir write --count) == 50 ]] || fail "client write records != 50"
# The server read each payload once, whole, and wrote each reply once.
records --pid "$SERVER" --dir read --field data >"$T/s.r"
records --pid "$SERVER" --dir write --field data >"$T/s.w"
python3 - "$T/send" "$T/s.r" "$T/s.w" <<'PY' || fail "server side records"
import base64, sys
send = open(sys.argv[1], "rb").read()
reads = [d for d in map(base64.b64decode, open(sys.argv[2])) if d]
writes = [d for d in map(base64.b64decode, open(sys.argv[3])) if d]
for i in range(50):
    want = send.replace(b"{i}", str(i).encode())
    nr, nw = reads.count(want), writes.count(b"reply:" + want)
    if nr != 1 or nw != 1:
        sys.exit("payload %d: read %d times, reply written %d times (want 1 and 1)" % (i, nr, nw))
if len(reads) != 50 or len(writes) != 50:
    sys.exit("server: %d reads, %d writes with data, want 50 each" % (len(reads), len(writes)))
PY
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost"
