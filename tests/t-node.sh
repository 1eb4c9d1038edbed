#!/usr/bin/env bash
# node links OpenSSL statically: sslsniff attaches to the executable itself,
# both when node runs before sslsniff starts and when it is started after
# (the exec watcher attaches to it).
. "$(dirname "$0")/lib.sh"
need node python3
nm -D "$(command -v node)" 2>/dev/null | grep -q ' T SSL_write$' ||
	skip "this node links libssl dynamically (no SSL_write in the executable)"
# A private copy: a node that something else runs maps the system's file,
# which sslsniff then attaches at start and the watcher has nothing to do.
cp "$(command -v node)" "$T/node" || fail "cannot copy node"
NODE=$T/node

TOKEN=$(unique node)
printf 'node-reply-%s' "$TOKEN" >"$T/body"
peer_serve srv --http --count 2 --reply "$T/body"
cat >"$T/get.js" <<JS
const fs = require('fs'), https = require('https');
function get() {
	https.get({ host: '127.0.0.1', port: $PORT, path: '/' + process.argv[2],
		    rejectUnauthorized: false, agent: false }, (res) => {
		let body = '';
		res.on('data', (d) => body += d);
		res.on('end', () => { process.stdout.write(body); process.exit(0); });
	}).on('error', (e) => { console.error(e); process.exit(1); });
}
// With a go-file argument, wait for it to appear before the request.
if (process.argv[3]) {
	const t = setInterval(() => { if (fs.existsSync(process.argv[3])) { clearInterval(t); get(); } }, 20);
} else {
	get();
}
JS
check_run() {
	local run=$1 pid=$2
	assert_bytes "$T/body" "$T/$run.got" "node's own $run download"
	records --pid "$pid" --dir write --data >"$T/$run.w"
	grep -q "^GET /$run-$TOKEN HTTP/1.1" "$T/$run.w" || fail "$run node request not captured"
	records --pid "$pid" --dir read --data >"$T/$run.r"
	tail -c "$(wc -c <"$T/body")" "$T/$run.r" >"$T/$run.body"
	assert_bytes "$T/body" "$T/$run.body" "$run node response body"
}

# Started after sslsniff: the exec watcher attaches to it. Its request waits
# for the attach line: a host program is not held meanwhile (only a new
# root's first processes are), so under load its very first request may
# come before the probes (CI saw it once).
sniff_start -f json -c node
"$NODE" "$T/get.js" "late-$TOKEN" "$T/late.go" >"$T/late.got" &
LATE=$!
wait_for 20 attached_to "$NODE" || fail "sslsniff did not attach to the late node"
touch "$T/late.go"
wait "$LATE" || fail "late node request failed"
sniff_stop
grep -q "attached .* probes to '.*node' (mapped by pid $LATE)" "$T/err" ||
	fail "no line saying the late node was attached"
check_run late "$LATE"

# Running before sslsniff starts: found in /proc/PID/maps at start-up.
"$NODE" "$T/get.js" "early-$TOKEN" "$T/go" >"$T/early.got" &
EARLY=$!
wait_for 10 grep -q node "/proc/$EARLY/comm" || fail "node did not start"
sniff_start -f json -c node
touch "$T/go"
wait "$EARLY" || fail "early node request failed"
sniff_stop
check_run early "$EARLY"
# node's OpenSSL is built in, with node's own options, so its structs are
# not read with a distribution's layout; and node does its socket I/O after
# SSL_write returns (memory BIOs), so no syscall names the fd either. No
# fd is better than a wrong one.
[[ $(records --pid "$EARLY" --dir write --field fd_source | sort -u) == - ]] ||
	fail "node: fd_source $(records --pid "$EARLY" --dir write --field fd_source | sort -u)"

# A write from the secure-connect callback runs inside node's SSL_read (the
# handshake ends there): a call of its own, captured, not taken for part of
# the read.
printf 'cb:{req}' >"$T/reply"
peer_serve cb --reply "$T/reply"
unique node-callback >"$T/req"
cat >"$T/cb.js" <<'JS'
const tls = require('tls'), fs = require('fs');
// Connects once the file argv[4] exists: the callback is what is tested
// here, not how soon the exec watcher attaches (the late run above).
(function start() {
	if (!fs.existsSync(process.argv[4]))
		return setTimeout(start, 10);
	const s = tls.connect({ host: '127.0.0.1', port: +process.argv[2], rejectUnauthorized: false },
		() => s.write(fs.readFileSync(process.argv[3])));
	s.on('data', (d) => process.stdout.write(d));
	s.on('end', () => process.exit(0));
})();
JS
sniff_start -f json -c node
"$NODE" "$T/cb.js" "$PORT" "$T/req" "$T/cb.go" >"$T/cb.got" &
CB=$!
wait_for 20 attached_to "$NODE" || fail "sslsniff did not attach to the callback's node"
touch "$T/cb.go"
wait "$CB" || fail "node callback client failed"
sniff_stop
records --pid "$CB" --dir write --data >"$T/cb.w"
assert_bytes "$T/req" "$T/cb.w" "node's write from its connect callback"
{ printf 'cb:'; cat "$T/req"; } >"$T/cb.want"
records --pid "$CB" --dir read --data >"$T/cb.r"
assert_bytes "$T/cb.want" "$T/cb.r" "node's read after it"
