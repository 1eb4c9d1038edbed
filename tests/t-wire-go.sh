#!/usr/bin/env bash
# -i lo for Go's crypto/tls: its keys from the probe at writeKeyLog's entry
# (which names no socket: the end is found by the sockets the process
# holds), the plaintext from the packets. A Go client (static) and a Go
# server, HTTP/2 over TLS 1.3 and 1.2, three connections at once each: both
# processes' streams the same, byte for byte, as a per-call capture of the
# same traffic beside it.
. "$(dirname "$0")/lib.sh"
need python3
go_build client goclient static
go_build server goserver
printf 'go over the wire\n' >"$T/body"

percall_start "$T/percall.json"
sniff_start -f json -i lo --summary-json "$T/summary.json"

"$T/goserver" -cert "$CERT" -key "$KEY" -body "$T/body" >"$T/srv.ready" 2>"$T/srv.err" &
GOSERVER=$!
BG_PIDS+=($GOSERVER)
wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "the Go server did not start: $(cat "$T/srv.err")"
PORT=$(awk '{print $2}' "$T/srv.ready")
attached() { grep -qE "^sslsniff: attached [0-9]+ probes to '$2' \(mapped by pid $3\)" "$1"; }
pids=(--pid "$GOSERVER")
for tls in 1.3 1.2; do
	"$T/goclient" -wait "$T/go.$tls" -url "https://127.0.0.1:$PORT/wire$tls" -n 3 -tls "$tls" \
		>"$T/c$tls.out" 2>"$T/c$tls.err" &
	pid=$!
	pids+=(--pid "$pid")
	for f in "$T/err" "$T/percall.json.err"; do
		wait_for 20 attached "$f" "$T/goclient" "$pid" ||
			wait_for 20 grep -q "probes to '$T/goclient'" "$f" || fail "the Go client was not attached ($f)"
	done
	touch "$T/go.$tls"
	wait "$pid" || fail "the Go client ($tls) failed: $(cat "$T/c$tls.err")"
	[[ $(grep -c " HTTP/2.0 17 " "$T/c$tls.out") == 3 ]] || fail "the client ($tls) got $(cat "$T/c$tls.out")"
done
sniff_stop
percall_stop

python3 "$TESTS_DIR/wire_streams.py" "$T/out" "${pids[@]}" >"$T/wire.streams"
python3 "$TESTS_DIR/wire_streams.py" "$T/percall.json" "${pids[@]}" >"$T/percall.streams"
# 6 connections, both ends, both directions.
[[ $(wc -l <"$T/wire.streams") == 24 ]] || fail "$(wc -l <"$T/wire.streams") streams, want 24: $(cat "$T/wire.streams")"
diff "$T/percall.streams" "$T/wire.streams" >"$T/streams.diff" ||
	fail "-i and per-call capture differ: $(head -n 6 "$T/streams.diff")"
[[ $(records --pid "$GOSERVER" --field library | sort -u) == go ]] || fail "the server's records are not Go's"
[[ $(summary_lost_bytes) == 0 ]] || fail "lost bytes: $(tail -n 1 "$T/err")"
python3 - "$T/summary.json" <<'PY' || fail "summary: $(cat "$T/summary.json")"
import json, sys
w = json.load(open(sys.argv[1]))["wire"]
for k in ("records_failed", "unkeyed_conns", "unplaced_ends", "late_ends", "bytes_lost"):
    assert w[k] == 0, (k, w)
assert w["keyed_conns"] == 6, w
PY
