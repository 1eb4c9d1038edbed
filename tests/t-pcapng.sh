#!/usr/bin/env bash
# -w FILE: the plaintext as a pcapng file of TCP streams, checked with
# tshark: it reads the file without a complaint, every stream reassembles
# to the bytes each end sent, HTTP is dissected with the real ports, the
# file survives SIGKILL, and -w - feeds a live tshark.
. "$(dirname "$0")/lib.sh"
need curl python3 tshark

ROOT_WARNING='Running as user "root" and group "root". This could be dangerous.'

# tshark_ok ARGS...: tshark's output in $T/ts.out; it must exit 0 and say
# nothing on stderr but its warning about running as root.
tshark_ok() {
	local rc
	tshark "$@" >"$T/ts.out" 2>"$T/ts.err"
	rc=$?
	grep -vxF "$ROOT_WARNING" "$T/ts.err" >"$T/ts.err2"
	[[ $rc == 0 ]] || fail "tshark $* exited $rc: $(cat "$T/ts.err")"
	[[ ! -s $T/ts.err2 ]] || fail "tshark $* complained: $(cat "$T/ts.err2")"
}

# streams PCAP PORT: every TCP stream with PORT, as tshark's Follow TCP
# Stream reassembles it: $T/s/N.0 and $T/s/N.1 hold what node 0 (the SYN's
# sender) and node 1 sent, $T/s/N.ends their addresses; $T/nstreams the count.
cat >"$T/streams.py" <<'PY'
import os, re, subprocess, sys
pcap, port, out, warning = sys.argv[1:5]

def tshark(*args):
    p = subprocess.run(["tshark", "-r", pcap, *args], capture_output=True)
    err = [l for l in p.stderr.decode().splitlines() if l != warning]
    if p.returncode or err:
        sys.exit("tshark %s: exit %d: %s" % (" ".join(args), p.returncode, err))
    return p.stdout.decode()

ids = sorted({int(x) for x in tshark("-Y", "tcp.port==" + port, "-T", "fields",
                                     "-e", "tcp.stream").split()})
zs = []
for i in ids:
    zs += ["-z", "follow,tcp,raw,%d" % i]
text = tshark("-q", *zs) if ids else ""
os.makedirs(out, exist_ok=True)
seen = 0
for block in re.split(r"^=+$", text, flags=re.M):
    m = re.search(r"^Filter: tcp\.stream eq (\d+)$", block, re.M)
    if not m:
        continue
    n, sent, ends = m.group(1), [bytearray(), bytearray()], []
    for line in block.splitlines():
        if line.startswith("Node "):
            ends.append(line.split(": ", 1)[1])
        elif re.fullmatch(r"\t?[0-9a-f]+", line):
            sent[line.startswith("\t")] += bytes.fromhex(line.strip())
    for k in (0, 1):
        open(os.path.join(out, "%s.%d" % (n, k)), "wb").write(sent[k])
    open(os.path.join(out, n + ".ends"), "w").write("\n".join(ends) + "\n")
    seen += 1
if seen != len(ids):
    sys.exit("tshark followed %d of %d streams" % (seen, len(ids)))
print(seen)
PY
streams() {
	rm -rf "$T/s"
	python3 "$T/streams.py" "$1" "$2" "$T/s" "$ROOT_WARNING" >"$T/nstreams" ||
		fail "following the TCP streams of $1"
}

# same_pair A0 A1 B0 B1: the stream's two directions are B's, either way round
# (the end whose call came first is node 0).
same_pair() {
	{ cmp -s "$1" "$3" && cmp -s "$2" "$4"; } || { cmp -s "$1" "$4" && cmp -s "$2" "$3"; }
}

# --- curl with a 1 MiB response, pcapng and JSON at once ---
TOKEN=$(unique pcap)
head -c $((1 << 20)) /dev/urandom >"$T/body"
peer_serve srv --http --reply "$T/body"
# An existing file is made private too.
echo old >"$T/cap.pcapng" && chmod 644 "$T/cap.pcapng"
sniff_start -w "$T/cap.pcapng" -f json -o "$T/json"
curl -sk --http1.1 "https://127.0.0.1:$PORT/path-$TOKEN" -o "$T/got" &
CURL=$!
wait "$CURL" || fail "curl failed"
sniff_stop
assert_bytes "$T/body" "$T/got" "curl's own download"
[[ ! -s $T/out ]] || fail "-w with -o still wrote to stdout"
[[ $(stat -c %a "$T/cap.pcapng") == 600 ]] || fail "pcapng file mode $(stat -c %a "$T/cap.pcapng"), want 600"
[[ $($RECORDS "$T/json" --pid "$CURL" --dir write --count) -ge 1 ]] ||
	fail "-f json -o beside -w recorded no curl write"

tshark_ok -r "$T/cap.pcapng"
[[ $(wc -l <"$T/ts.out") -gt 10 ]] || fail "tshark shows $(wc -l <"$T/ts.out") packets"
# Both ends are traced: still one stream, as on the wire.
streams "$T/cap.pcapng" "$PORT"
[[ $(cat "$T/nstreams") == 1 ]] ||
	fail "$(cat "$T/nstreams") TCP streams with port $PORT, want 1"
printf 'GET /path-%s HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nUser-Agent: curl/%s\r\nAccept: */*\r\n\r\n' \
	"$TOKEN" "$PORT" "$(curl -V | awk 'NR==1{print $2}')" >"$T/request"
{ printf 'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' $((1 << 20))
  cat "$T/body"; } >"$T/response"
N=$(ls "$T/s" | sed -n 's/\.ends$//p')
same_pair "$T/s/$N.0" "$T/s/$N.1" "$T/request" "$T/response" || {
	assert_bytes "$T/request" "$T/s/$N.0" "stream $N, node 0"
	assert_bytes "$T/response" "$T/s/$N.1" "stream $N, node 1"
}
# The real addresses: the server's port and curl's own.
CURL_SRC=$($RECORDS "$T/json" --pid "$CURL" --dir write --field src | head -n 1)
printf '127.0.0.1:%s\n%s\n' "$PORT" "$CURL_SRC" | sort >"$T/want.ends"
sort "$T/s/$N.ends" >"$T/got.ends"
cmp -s "$T/want.ends" "$T/got.ends" || fail "stream ends $(paste -sd' ' "$T/got.ends"), want $(paste -sd' ' "$T/want.ends")"
tshark_ok -r "$T/cap.pcapng" -d "tcp.port==$PORT,http" -Y http.request \
	-T fields -e http.request.uri -e http.host -e tcp.dstport
printf '/path-%s\t127.0.0.1:%s\t%s\n' "$TOKEN" "$PORT" "$PORT" >"$T/want.http"
assert_bytes "$T/want.http" "$T/ts.out" "tshark's HTTP request"
# Every checksum verifies, and TCP analysis finds nothing amiss: no gaps,
# no unseen ACKs, no retransmissions.
tshark_ok -r "$T/cap.pcapng" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
	-Y "tcp.checksum.status != 1 || ip.checksum.status != 1 || tcp.analysis.flags || _ws.malformed"
[[ ! -s $T/ts.out ]] || fail "tshark flags packets: $(head -n 5 "$T/ts.out")"
# Each packet says whose call it was.
tshark_ok -r "$T/cap.pcapng" -Y "tcp.len > 0" -T fields -e frame.comment
grep -qE "^pid $CURL tid $CURL comm curl lib openssl func SSL_write( fd [0-9]+)?$|^pid $SERVER tid [0-9]+ comm python3 lib openssl func SSL_read_ex( fd [0-9]+)?$" \
	"$T/ts.out" || fail "no packet comment names the request's call: $(head -n 3 "$T/ts.out")"

# --- IPv6: the same, over ::1 ---
TOKEN=$(unique v6)
printf '%s' "$TOKEN" >"$T/body"
peer_serve v6 --http --host ::1 --reply "$T/body"
sniff_start -w "$T/v6.pcapng"
curl -sk --http1.1 -g "https://[::1]:$PORT/v6-$TOKEN" -o "$T/got" || fail "curl over IPv6 failed"
sniff_stop
streams "$T/v6.pcapng" "$PORT"
[[ $(cat "$T/nstreams") == 1 ]] || fail "$(cat "$T/nstreams") IPv6 streams with port $PORT, want 1"
N=$(ls "$T/s" | sed -n 's/\.ends$//p')
grep -qxF "[::1]:$PORT" "$T/s/$N.ends" || fail "IPv6 stream ends: $(paste -sd' ' "$T/s/$N.ends")"
tshark_ok -r "$T/v6.pcapng" -o tcp.check_checksum:TRUE -d "tcp.port==$PORT,http" \
	-Y "http.request && ipv6.dst == ::1 && tcp.checksum.status == 1" -T fields -e http.request.uri
printf '/v6-%s\n' "$TOKEN" >"$T/want.v6"
assert_bytes "$T/want.v6" "$T/ts.out" "tshark's IPv6 HTTP request"
tshark_ok -r "$T/v6.pcapng" -o tcp.check_checksum:TRUE \
	-Y "ip || tcp.checksum.status != 1 || tcp.analysis.flags || _ws.malformed"
[[ ! -s $T/ts.out ]] || fail "tshark flags IPv6 packets: $(head -n 5 "$T/ts.out")"

# --- 20 connections at once: each stream holds its own connection's bytes ---
printf '%s-{i}-' "$(unique conc)" >"$T/send"
head -c 3000 /dev/zero | tr '\0' 'p' >>"$T/send"
printf 'reply:{req}' >"$T/reply"
peer_serve conc --count 20 --reply "$T/reply"
sniff_start -w "$T/conc.pcapng"
$PEER client --port "$PORT" --send "$T/send" --threads 20 --out "$T/conc.got" &
CLIENT=$!
wait "$CLIENT" || fail "client failed"
sniff_stop
[[ $(wc -l <"$T/conc.got") == 20 ]] || fail "client saw $(wc -l <"$T/conc.got") of 20 connections"
streams "$T/conc.pcapng" "$PORT"
[[ $(cat "$T/nstreams") == 20 ]] ||
	fail "$(cat "$T/nstreams") TCP streams with port $PORT, want 20"
for ((i = 0; i < 20; i++)); do
	sed "s/{i}/$i/" "$T/send" >"$T/w.$i"
	{ printf 'reply:'; cat "$T/w.$i"; } >"$T/r.$i"
	found=0
	for ends in "$T"/s/*.ends; do
		n=${ends%.ends}
		same_pair "$n.0" "$n.1" "$T/w.$i" "$T/r.$i" && found=$((found + 1))
	done
	[[ $found == 1 ]] || fail "connection $i's bytes are in $found streams, want 1"
done

# --- -w -: pcapng on stdout, read live by tshark; no text beside it ---
TOKEN=$(unique live)
printf '%s' "$TOKEN" >"$T/body"
peer_serve live --http --reply "$T/body"
mkfifo "$T/fifo"
tshark -l -r - -d "tcp.port==$PORT,http" -Y http.request -T fields -e http.request.uri \
	<"$T/fifo" >"$T/live" 2>"$T/live.err" &
TSHARK=$!
BG_PIDS+=($TSHARK)
: >"$T/err"
"$SSLSNIFF" -w - >"$T/fifo" 2>"$T/err" &
SNIFF_PID=$!
wait_for 20 grep -q 'Ctrl-C to end\.$' "$T/err" || fail "sslsniff -w - did not get ready"
curl -sk --http1.1 "https://127.0.0.1:$PORT/live-$TOKEN" -o /dev/null || fail "curl failed"
# Seen while sslsniff still runs: every block reaches the pipe at once.
wait_for 20 grep -qxF "/live-$TOKEN" "$T/live" ||
	fail "tshark did not see the request live: $(cat "$T/live" "$T/live.err")"
sniff_stop
wait "$TSHARK" || fail "tshark -r - exited $?: $(cat "$T/live.err")"
grep -vxF "$ROOT_WARNING" "$T/live.err" >"$T/live.err2"
[[ ! -s $T/live.err2 ]] || fail "tshark -r - complained: $(cat "$T/live.err2")"
[[ $(grep -c . "$T/live") == 1 ]] || fail "tshark -r - saw $(grep -c . "$T/live") requests, want 1"

# --- SIGKILL mid-capture: the file stays readable ---
TOKEN=$(unique kill)
printf '%s' "$TOKEN" >"$T/body"
peer_serve kill --http --count 1000 --reply "$T/body"
sniff_start -w "$T/kill.pcapng"
curl -sk --http1.1 "https://127.0.0.1:$PORT/kill-$TOKEN" -o /dev/null || fail "curl failed"
wait_for 10 grep -qF "/kill-$TOKEN" "$T/kill.pcapng" || fail "the request never reached the file"
# More connections in flight while it dies.
(for ((i = 0; i < 1000; i++)); do curl -sk --http1.1 "https://127.0.0.1:$PORT/more-$i" -o /dev/null; done) &
LOOP=$!
BG_PIDS+=($LOOP)
# Killed once the loop's requests reach the file, with more of them to come.
wait_for 20 grep -qF "GET /more-" "$T/kill.pcapng" || fail "no request of the loop reached the file"
kill -KILL "$SNIFF_PID"
wait "$SNIFF_PID"
SNIFF_PID=
kill "$LOOP" 2>/dev/null
tshark_ok -r "$T/kill.pcapng" -d "tcp.port==$PORT,http" -Y http.request -T fields -e http.request.uri
grep -qxF "/kill-$TOKEN" "$T/ts.out" || fail "after SIGKILL, the file lacks the first request"
[[ $(grep -c '^/more-' "$T/ts.out") -ge 1 ]] || fail "no request of the loop was captured before the kill"

# --- errors ---
"$SSLSNIFF" -w - -o - >"$T/eout" 2>"$T/eerr" && fail "-w - -o - accepted"
grep -qxF "sslsniff: error: -o and -w both write to stdout: give them different files" "$T/eerr" ||
	fail "-w - -o -: $(cat "$T/eerr")"
[[ $(wc -l <"$T/eerr") == 1 && ! -s $T/eout ]] || fail "-w - -o -: not one line: $(cat "$T/eerr")"
"$SSLSNIFF" -w /dev/full >"$T/eout" 2>"$T/eerr" && fail "-w /dev/full succeeded"
[[ $(cat "$T/eerr") == "sslsniff: error: output: '/dev/full': No space left on device" ]] ||
	fail "-w /dev/full: $(cat "$T/eerr")"
true
