#!/usr/bin/env bash
# --http-summary: one line per exchange, for curl's HTTP/2 and HTTP/1.1
# requests to nginx (index.html, then 1 MiB on the same connection): the
# method, path, status, body bytes each way (0 up, the file's size down)
# and a latency, in text under its column heads and in JSON as
# "type":"exchange" objects with the curl's pid and the stream.
. "$(dirname "$0")/lib.sh"
need nginx curl
nginx_start "ssl http2"
http_files
SMALL=$(stat -c %s "$W/html/index.html")
BIG=$(stat -c %s "$W/html/1m.bin")

# get VERSION-OPTION: both files, one connection; CURL is its pid.
get() {
	curl -sS "$1" -k -o /dev/null "https://127.0.0.1:$NPORT/index.html" \
		-o /dev/null "https://127.0.0.1:$NPORT/1m.bin" &
	CURL=$!
	wait "$CURL" || fail "curl $1 failed"
}

# --- text ---
for v in 2 1.1; do
	sniff_start -c curl --http-summary
	get "--http$v"
	sniff_stop
	grep -qE '^TIME\(s\) +COMM +PID +VERSION +METHOD +PATH +STATUS +REQ_BYTES +RESP_BYTES +LAT\(ms\)$' \
		"$T/out" || { head -n 5 "$T/out" >&2; fail "no column heads"; }
	# VERSION as the JSON has it: "2", "1.1".
	for f in "/index.html 200 0 $SMALL" "/1m.bin 200 0 $BIG"; do
		set -- $f
		grep -qE "^[0-9.]+ +curl +$CURL +${v//./\\.} +GET +$1 +$2 +$3 +$4 +[0-9]+\.[0-9]+$" \
			"$T/out" || { cat "$T/out" >&2; fail "HTTP/$v: no exchange line for $f"; }
	done
	[[ $(grep -c " curl " "$T/out") == 2 ]] || fail "HTTP/$v: not 2 exchange lines"
done

# --- JSON ---
for v in 2 1.1; do
	sniff_start -c curl --http-summary -f json
	get "--http$v"
	sniff_stop
	http_check "$T/out" "$v" "$CURL" "$NPORT" "$SMALL" "$BIG" <<'PY' || fail "HTTP/$v: JSON exchanges"
import json, sys
out, v, pid, port, small, big = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
ex = [json.loads(l) for l in open(out)]
ex = [e for e in ex if e.get("type") == "exchange"]
streams = (1, 3) if v == "2" else (1, 2)
want = [("/index.html", streams[0], small), ("/1m.bin", streams[1], big)]
assert [(e["path"], e["stream"], e["response_bytes"]) for e in ex] == want, ex
for e in ex:
    assert (e["pid"], e["comm"], e["version"], e["method"], e["status"], e["request_bytes"]) == \
        (pid, "curl", v, "GET", 200, 0), e
    assert e["authority"] == "127.0.0.1:%d" % port, e
    assert isinstance(e["tid"], int) and 0 < e["latency_ns"] < 20 * 10**9, e
    assert "grpc" not in e, e
print("HTTP/%s: %r" % (v, [(e["path"], e["latency_ns"]) for e in ex]))
PY
done
