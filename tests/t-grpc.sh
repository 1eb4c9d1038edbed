#!/usr/bin/env bash
# gRPC over TLS with python's grpcio (Debian's: it calls the system's
# libssl, checked in the server's maps), the server traced: a unary call
# and a server-streaming one. JSON: the requests carry the service and
# method, every message's length (the client's and each of the three
# streamed answers), not compressed, and the trailers grpc-status 0; text:
# the request lines with "grpc SERVICE/METHOD" and the message lines.
. "$(dirname "$0")/lib.sh"
$PY3 -c 'import grpc' 2>/dev/null || skip "needs python3-grpcio (run make deps)"
NAME=$(unique grpc)

$PY3 "$TESTS_DIR/grpc_peer.py" serve --cert "$CERT" --key "$KEY" >"$T/srv.ready" 2>"$T/srv.err" &
GSRV=$!
BG_PIDS+=($GSRV)
wait_for 20 grep -q '^ready' "$T/srv.ready" || fail "grpc server did not start: $(cat "$T/srv.err")"
GPORT=$(awk '{print $2}' "$T/srv.ready")
grep -q '/libssl\.so\.3$' "/proc/$GSRV/maps" ||
	fail "this grpcio does not map the system's libssl (a bundled BoringSSL is not traced)"

call() {
	$PY3 "$TESTS_DIR/grpc_peer.py" call --cert "$CERT" --port "$GPORT" --name "$NAME" \
		>"$T/call" 2>"$T/call.err" || fail "grpc call failed: $(cat "$T/call.err")"
	[[ $(wc -l <"$T/call") == 4 ]] || fail "grpc answers: $(cat "$T/call")"
}

# --- JSON ---
sniff_start -p "$GSRV" -f json
call
sniff_stop
http_check "$T/out" "$T/call" "$NAME" <<'PY' || fail "gRPC JSON"
import sys
from http_json import *
out, answers, name = sys.argv[1:]
lens = [int(l.split()[1 if l.startswith("unary ") else 2]) for l in open(answers)]
its = items(out)
reqs = heads(its, "request", "client")
assert [r["path"] for r in reqs] == ["/helloworld.Greeter/SayHello",
                                     "/helloworld.Greeter/SayHelloStream"], reqs
for r, method, answer_lens in zip(reqs, ("SayHello", "SayHelloStream"), (lens[:1], lens[1:])):
    sid = r["stream"]
    assert r["method"] == "POST" and r["version"] == "2", r
    assert r["grpc"]["service"] == "helloworld.Greeter" and r["grpc"]["method"] == method, r
    assert ["content-type", "application/grpc"] in r["headers"], r["headers"]
    assert r["unknown_headers"] == 0, r
    got = [(m["index"], m["length"], m["compressed"]) for m in heads(its, "grpc_message", "client", sid)]
    assert got == [(0, len(name), False)], "stream %d client messages %r" % (sid, got)
    got = [(m["index"], m["length"], m["compressed"]) for m in heads(its, "grpc_message", "server", sid)]
    want = [(i, n, False) for i, n in enumerate(answer_lens)]
    assert got == want, "stream %d server messages %r, want %r" % (sid, got, want)
    for m in heads(its, "grpc_message", stream=sid):
        assert m["grpc"]["service"] == "helloworld.Greeter" and m["grpc"]["method"] == method, m
    s, = heads(its, "response", "server", sid)
    assert s["status"] == 200, s
    t, = heads(its, "trailers", "server", sid)
    assert ["grpc-status", "0"] in t["headers"] and t["grpc"]["status"] == 0, t
    assert t["end_stream"] is True, t
    # The body items are the messages without their 5-byte prefixes (which
    # the grpc_message items stand for), where they are in the DATA bytes.
    # The client's DATA ends its stream; the server's trailers end its own.
    for who, ls, d in (("client", [len(name)], "read"), ("server", answer_lens, "write")):
        data = h2_data(stream_bytes(out, None, d), sid)
        assert len(data) == sum(5 + n for n in ls), (sid, who, len(data), ls)
        want, off = [], 0
        for n in ls:
            want.append((off + 5, n, who == "client" and n is ls[-1]))
            off += 5 + n
        got = [(b["offset"], b["length"], b["end"]) for b in heads(its, "body", who, sid)]
        assert got == want, "stream %d %s body items %r, want %r" % (sid, who, got, want)
print("gRPC: unary and streaming decoded; answers %r" % lens)
PY

# --- text ---
sniff_start -p "$GSRV"
call
sniff_stop
L=${#NAME}
for l in "> POST /helloworld.Greeter/SayHello HTTP/2 [stream 1] grpc helloworld.Greeter/SayHello" \
	"> POST /helloworld.Greeter/SayHelloStream HTTP/2 [stream 3] grpc helloworld.Greeter/SayHelloStream" \
	"< HTTP/2 200 [stream 1] grpc helloworld.Greeter/SayHello" \
	"< grpc-status: 0" "> content-type: application/grpc" "hello $NAME" "part 2 $NAME"; do
	grep -qxF -- "$l" "$T/out" || { head -n 80 "$T/out" >&2; fail "no line '$l'"; }
done
# Message lines (the stage adds the stream tag), trailers (with the gRPC
# call and its status after the tag).
for l in "> grpc message 0: $L bytes( \[stream 1\])?" "< grpc message 0: $((L + 6)) bytes( \[stream 1\])?" \
	"> grpc message 0: $L bytes( \[stream 3\])?" "< grpc message 2: $((L + 7)) bytes( \[stream 3\])?" \
	"< trailers \[stream 1\]( grpc helloworld\.Greeter/SayHello)?( status 0)?" \
	"< trailers \[stream 3\]( grpc helloworld\.Greeter/SayHelloStream)?( status 0)?"; do
	grep -qxE -- "$l" "$T/out" || { head -n 80 "$T/out" >&2; fail "no line '$l'"; }
done

# --- --http-summary: the gRPC status after the HTTP one ---
sniff_start -p "$GSRV" --http-summary
call
sniff_stop
# Body bytes each way: the DATA, messages with their 5-byte prefixes.
up=$((L + 5))
for m in "SayHello $((L + 6 + 5))" "SayHelloStream $((3 * L + 21 + 15))"; do
	set -- $m
	grep -qE "^[0-9.]+ +[^ ]+ +$GSRV +2 +POST +/helloworld\.Greeter/$1 +200 +grpc=0 +$up +$2 +[0-9]+\.[0-9]+$" \
		"$T/out" || { cat "$T/out" >&2; fail "no summary line for $1"; }
done
