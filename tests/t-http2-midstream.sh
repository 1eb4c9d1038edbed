#!/usr/bin/env bash
# sslsniff started in the middle of an HTTP/2 connection (the complaint the
# issue quotes): python's h2 client (tests/h2_client.py) opens one
# connection to nginx and does request 1 before sslsniff starts; then
# requests 2 and 3 are decoded: their paths and new headers exactly,
# request 3's x-repeat (an index into the dynamic table entry request 2
# added) exactly, and each header that is an index to request 1's entries
# (:authority, user-agent, x-first) shown as unknown, never with a wrong
# name or value; every header sent is accounted for, in order.
. "$(dirname "$0")/lib.sh"
need nginx
$PY3 -c 'import h2' 2>/dev/null || skip "needs python3-h2 (run make deps)"
nginx_start "ssl http2"
http_files
TOKEN=$(unique mid)

# client RUN: the client, its stdin a FIFO held open by this shell (fd 8).
client() {
	rm -f "$T/go"
	mkfifo "$T/go"
	$PY3 "$TESTS_DIR/h2_client.py" --port "$NPORT" --token "$TOKEN" <"$T/go" \
		>"$T/$1.client" 2>"$T/$1.client.err" &
	CLIENT=$!
	BG_PIDS+=($CLIENT)
	exec 8>"$T/go"
	wait_for 20 grep -qx 'response 1 200 [0-9]*' "$T/$1.client" ||
		fail "request 1 failed: $(cat "$T/$1.client.err")"
}
# more RUN: requests 2 and 3, each once the one before has its answer.
more() {
	local i
	for i in 2 3; do
		echo >&8
		wait_for 20 grep -qx "response $i 200 [0-9]*" "$T/$1.client" ||
			fail "request $i failed: $(cat "$T/$1.client.err")"
	done
	exec 8>&-
	wait "$CLIENT" || fail "the h2 client failed: $(cat "$T/$1.client.err")"
}

# --- JSON ---
client json
sniff_start -p "$CLIENT" -f json
more json
sniff_stop
http_check "$T/out" "$NPORT" "$TOKEN" <<'PY' || fail "the requests after the start"
import sys
from http_json import *
from h2_client import headers_for
out, port, token = sys.argv[1], int(sys.argv[2]), sys.argv[3]
its = items(out)
reqs = heads(its, "request", "client")
# Request 1 (stream 1) came before the start: streams 3 and 5.
assert [r["stream"] for r in reqs] == [3, 5], [(r["stream"], r.get("path")) for r in reqs]
from_before = {":authority", "user-agent", "x-first"}
for i, r in zip((2, 3), reqs):
    sent = [list(h) for h in headers_for(i, port, token)]
    assert r["path"] == "/index.html?req=%d-%s" % (i, token), r
    assert r["method"] == "GET" and r["scheme"] == "https", r
    got = r["headers"]
    assert len(got) == len(sent), "request %d: %d headers decoded, %d sent: %r" % (i, len(got), len(sent), got)
    unknown = 0
    for (gn, gv), (sn, sv) in zip(got, sent):
        # Unknown is allowed, wrong is not.
        assert gn in (None, sn) and gv in (None, sv), "request %d: %r for %r" % (i, [gn, gv], [sn, sv])
        if sn in from_before:
            assert gv is None, "request %d: %s decoded from a table never seen: %r" % (i, sn, gv)
        else:
            assert [gn, gv] == [sn, sv], "request %d: %r, sent %r" % (i, [gn, gv], [sn, sv])
        unknown += gn is None or gv is None
    assert r["unknown_headers"] == unknown == len(from_before), (i, r["unknown_headers"], unknown)
    assert ["x-repeat", "again-" + token] in got, got
    assert ["x-new-%d" % i, {2: "two-", 3: "three-"}[i] + token] in got, got
for sid in (3, 5):
    s, = heads(its, "response", "server", sid)
    assert s["status"] == 200, s
assert not heads(its, "request", stream=1), "a request on stream 1, which came before the start"
print("midstream: requests 2 and 3 decoded, %d unknown headers each" % len(from_before))
PY

# --- text ---
client text
sniff_start -p "$CLIENT"
more text
sniff_stop
for l in "> GET /index.html?req=2-$TOKEN HTTP/2 [stream 3]" "> x-new-2: two-$TOKEN" \
	"> GET /index.html?req=3-$TOKEN HTTP/2 [stream 5]" "> x-new-3: three-$TOKEN" \
	"> x-repeat: again-$TOKEN" '< HTTP/2 200 [stream 3]' '< HTTP/2 200 [stream 5]'; do
	grep -qxF -- "$l" "$T/out" || { head -n 80 "$T/out" >&2; fail "no line '$l'"; }
done
[[ $(grep -cxF -- "> x-repeat: again-$TOKEN" "$T/out") == 2 ]] || fail "x-repeat not twice"
# The three indexes into request 1's entries, in each request.
[[ $(grep -cE '^> (\(unknown header\)|[^ ]+: \(unknown value\))$' "$T/out") == 6 ]] ||
	fail "not 6 unknown headers: $(grep -c unknown "$T/out")"
grep -q "one-$TOKEN\|h2-client-$TOKEN" "$T/out" && fail "a value of request 1's table was shown"
true
