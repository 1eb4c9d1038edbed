#!/usr/bin/env bash
# --keylog for Go: the lines sslsniff writes from its probe at the entry of
# crypto/tls.(*Config).writeKeyLog are Go's own KeyLogWriter lines, line
# for line (the same labels, lower-case hex, the same order within each
# connection; across connections made at once the order is the
# goroutines'), over TLS 1.3 (the four traffic secrets) and TLS 1.2
# (CLIENT_RANDOM), each line once, and nothing else. Go calls writeKeyLog
# whether or not KeyLogWriter is set, so a program without one gives the
# same lines as its peer's KeyLogWriter: first the client is traced alone
# (--comm), with and without its own KeyLogWriter, against a server whose
# KeyLogWriter is the ground truth; then the servers are traced alone (one
# with a KeyLogWriter, one without), against a client's. And tshark
# decrypts the first part's loopback packets (HTTP/2 over TLS 1.3 and 1.2)
# with sslsniff's key log alone: every request's path.
. "$(dirname "$0")/lib.sh"
need tshark dumpcap
go_build client goclient static
go_build server goserver
printf 'go keylog\n' >"$T/body"
N=3	# connections at once per client run

# go_server NAME ARGS...: a Go server in the background; sets PORT.
go_server() {
	local name=$1; shift
	"$T/goserver" -cert "$CERT" -key "$KEY" -body "$T/body" "$@" >"$T/$name.ready" \
		2>"$T/$name.err" &
	BG_PIDS+=($!)
	wait_for 10 grep -q '^ready' "$T/$name.ready" || fail "Go server $name did not start: $(cat "$T/$name.err")"
	PORT=$(awk '{print $2}' "$T/$name.ready")
}

# go_client NAME PORT ARGS...: N GETs at once, each on its own connection,
# started once sslsniff has attached to the client.
go_client() {
	local name=$1 port=$2 pid; shift 2
	"$T/goclient" -wait "$T/$name.go" -url "https://127.0.0.1:$port/$name" -n "$N" "$@" \
		>"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	wait_for 20 grep -qE "^sslsniff: attached [0-9]+ probes to '$T/goclient' \(mapped by pid $pid\)" "$T/err" ||
		wait_for 1 grep -q "probes to '$T/goclient'" "$T/err" ||
		fail "the Go client $name was not attached"
	touch "$T/$name.go"
	wait "$pid" || fail "Go client $name failed: $(cat "$T/$name.err")"
	[[ $(grep -c " HTTP/2.0 10 " "$T/$name.out") == "$N" ]] || fail "client $name got $(cat "$T/$name.out")"
}

# has_lines FILE N: FILE has at least N lines.
has_lines() { [[ $(wc -l <"$1") -ge $2 ]]; }

# same_keylog WANT GOT: GOT (sslsniff's) has WANT's lines and no other,
# each once, in WANT's order within each client random; TLS 1.3 randoms
# with Go's four labels in Go's order, TLS 1.2 ones with CLIENT_RANDOM.
same_keylog() {
	/usr/bin/python3 - "$1" "$2" <<'PY'
import collections, re, sys

want_path, got_path = sys.argv[1:]
line_re = re.compile(r"[A-Z0-9_]+ [0-9a-f]{64} (?:[0-9a-f]{64}|[0-9a-f]{96})")


def by_random(path):
    conns = collections.OrderedDict()
    for line in open(path).read().splitlines():
        assert line_re.fullmatch(line), "%s: not a key log line: %r" % (path, line)
        conns.setdefault(line.split()[1], []).append(line)
    return conns


want, got = by_random(want_path), by_random(got_path)
assert set(want) == set(got), "client randoms: %d want, %d got, %d missing, %d extra" % (
    len(want), len(got), len(set(want) - set(got)), len(set(got) - set(want)))
tls13 = ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
         "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0"]
versions = collections.Counter()
for r, lines in want.items():
    assert got[r] == lines, "random %s:\nwant %s\ngot  %s" % (r, lines, got[r])
    labels = [l.split()[0] for l in lines]
    assert labels in (tls13, ["CLIENT_RANDOM"]), "random %s: labels %s" % (r, labels)
    versions["1.3" if labels == tls13 else "1.2"] += 1
print("%d connections (%s), %d lines equal" % (
    len(want), ", ".join("TLS %s: %d" % kv for kv in sorted(versions.items())),
    sum(map(len, want.values()))))
PY
}

# An entry probe only: never a return probe on a Go function it need not return from.
"$SSLSNIFF" --detect "$T/goclient" --return-probes=insn >"$T/detect" 2>&1 ||
	fail "--detect: $(cat "$T/detect")"
grep -qxF 'returns:  crypto/tls.(*Config).writeKeyLog not probed (entry only)' "$T/detect" ||
	fail "--detect: $(cat "$T/detect")"

go_server truth -keylog "$T/srv.keys"
TRUTH=$PORT
dumpcap -q -i lo -f "tcp port $TRUTH" -w "$T/wire.pcapng" 2>"$T/dumpcap.err" &
DUMPCAP=$!
BG_PIDS+=($DUMPCAP)
wait_for 10 test -s "$T/wire.pcapng" || fail "dumpcap did not start: $(cat "$T/dumpcap.err")"

# 1. The client traced alone, with and without its own KeyLogWriter.
sniff_start -c goclient --keylog "$T/keys1" -f json
go_client c13 "$TRUTH" -tls 1.3
go_client c12 "$TRUTH" -tls 1.2
go_client c13k "$TRUTH" -tls 1.3 -keylog "$T/cli.keys"
go_client c12k "$TRUTH" -tls 1.2 -keylog "$T/cli.keys"
want=$((2 * N * 5))
wait_for 10 has_lines "$T/keys1" $want || fail "sslsniff's key log: $(wc -l <"$T/keys1") lines, not $want"
sniff_stop
[[ $(stat -c %a "$T/keys1") == 600 ]] || fail "the key log is not private: $(stat -c %a "$T/keys1")"
same_keylog "$T/srv.keys" "$T/keys1" || fail "the traced client's key log is not the server's KeyLogWriter's"
# Go's own two files agree (the ground truth is one).
grep -xFf "$T/srv.keys" "$T/cli.keys" | cmp -s - "$T/cli.keys" ||
	fail "Go's client and server KeyLogWriters disagree"
[[ $(wc -l <"$T/cli.keys") == $((N * 5)) ]] || fail "client's own key log: $(wc -l <"$T/cli.keys") lines"

# The wire, decrypted with sslsniff's key log: every request's path, once
# dumpcap has written them all; none without the key log.
paths() {
	tshark -r "$T/wire.pcapng" "$@" -Y 'http2.headers.path' -T fields -e http2.headers.path \
		2>/dev/null | tr ',' '\n' | sort
}
for c in c13 c12 c13k c12k; do for ((i = 0; i < N; i++)); do echo "/$c-$i"; done; done | sort >"$T/paths.want"
all_paths() { paths -o "tls.keylog_file:$T/keys1" | cmp -s - "$T/paths.want"; }
wait_for 20 all_paths ||
	fail "tshark did not decrypt the requests with sslsniff's key log: $(paths -o "tls.keylog_file:$T/keys1" | tr '\n' ' ')"
kill -INT "$DUMPCAP"
wait "$DUMPCAP"
[[ -z $(paths) ]] || fail "the requests were readable without keys"

# 2. The servers traced alone: one with a KeyLogWriter, one without.
go_server bare
BARE=$PORT
: >"$T/cli2.keys"
sniff_start -c goserver --keylog "$T/keys2" -f json
go_client s13 "$BARE" -tls 1.3 -keylog "$T/cli2.keys"
go_client s12 "$BARE" -tls 1.2 -keylog "$T/cli2.keys"
go_client s13k "$TRUTH" -tls 1.3 -keylog "$T/cli2.keys"
go_client s12k "$TRUTH" -tls 1.2 -keylog "$T/cli2.keys"
want=$((2 * N * 5))
wait_for 10 has_lines "$T/keys2" $want || fail "sslsniff's key log: $(wc -l <"$T/keys2") lines, not $want"
sniff_stop
same_keylog "$T/cli2.keys" "$T/keys2" || fail "the traced servers' key log is not the client's KeyLogWriter's"
grep -q "refused" "$T/err" && fail "key log lines refused: $(tail -n 1 "$T/err")"
exit 0
