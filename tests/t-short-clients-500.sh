#!/usr/bin/env bash
# 500 short-lived TLS clients (curl processes, 20 at a time) during
# capture: every one's request is captured, byte for byte, or counted as
# lost in the summary; afterwards no state grows without bound: the BPF
# side's per-thread call state is task storage (freed with each client),
# the per-handle maps stay within their LRU bounds, and sslsniff's RSS after
# the last 250 clients is not above its RSS after the first 250 by more
# than 8 MiB.
. "$(dirname "$0")/lib.sh"
need curl python3 bpftool

N=500
TOKEN=$(unique short)
printf 'ok' >"$T/body"
peer_serve srv --http --count $N --reply "$T/body"
sniff_start -f json

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SNIFF_PID/status"; }

# map_info NAME: "ID TYPE" of sslsniff's map NAME, found by the map ids its
# pid holds open (/proc/PID/fdinfo: bpftool here lists no owner pids).
map_info() {
	bpftool -j map show | python3 -c '
import glob, json, sys
name, pid = sys.argv[1], sys.argv[2]
held = set()
for info in glob.glob("/proc/%s/fdinfo/*" % pid):
    try:
        held.update(int(l.split()[1]) for l in open(info) if l.startswith("map_id:"))
    except OSError:
        pass
ours = {(m["id"], m.get("type")) for m in json.load(sys.stdin) if m.get("name") == name and m["id"] in held}
if len(ours) != 1:
    sys.exit("no single map %s held by sslsniff: %s" % (name, ours))
print("%d %s" % ours.pop())' "$1" "$SNIFF_PID"
}

# map_entries NAME: entries of sslsniff's map NAME.
map_entries() {
	local info
	info=$(map_info "$1") || return 1
	bpftool -j map dump id "${info%% *}" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# 20 at a time; waits for the clients only (a bare wait would wait for the
# server too, which ends only after the last client).
clients() {
	local from=$1 to=$2 i pids=()
	for ((i = from; i < to; i++)); do
		curl -sk --http1.1 "https://127.0.0.1:$PORT/$TOKEN-$i" -o /dev/null &
		pids+=($!)
		(((i + 1) % 20)) || { wait "${pids[@]}"; pids=(); }
	done
	((${#pids[@]} == 0)) || wait "${pids[@]}"
}
clients 0 $((N / 2))
wait_for 20 grep -qF "$TOKEN-$((N / 2 - 1)) " "$T/out" 2>/dev/null || true
RSS1=$(rss_kib)
clients $((N / 2)) $N
wait_for 20 sh -c "[ \$(grep -c '' '$T/out') -ge $N ]" || true
RSS2=$(rss_kib)
CALLS=$(map_info calls) || fail "cannot find the calls map"
HANDLES=$(map_entries handle_fds) || fail "cannot read the handle_fds map"
sniff_stop
echo "RSS after $((N / 2)) clients: $RSS1 KiB, after $N: $RSS2 KiB; calls map: ${CALLS#* }, handle_fds: $HANDLES"

# Every request, whole, in curl's SSL_write records (one per client).
records --comm curl --dir write --field data >"$T/w"
python3 - "$T/w" "$TOKEN" "$N" <<'PY' >"$T/seen" || fail "the clients' requests"
import base64, re, sys
path, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
seen = set()
for line in open(path):
    d = base64.b64decode(line)
    m = re.match(rb"GET /" + token.encode() + rb"-(\d+) HTTP/1.1\r\nHost: 127.0.0.1:\d+\r\n"
                 rb"User-Agent: curl/[^\r]+\r\nAccept: \*/\*\r\n\r\n$", d)
    if m:
        seen.add(int(m.group(1)))
print(len(seen))
PY
seen=$(cat "$T/seen")
lost=$(sed -n 's/^sslsniff: .*; lost: [0-9]* bytes in \([0-9]*\) records.*/\1/p' "$T/err" | tail -n 1)
[[ $seen == "$N" ]] || [[ $((seen + lost)) -ge $N ]] ||
	fail "$seen of $N requests captured whole, $lost records counted as lost"
# The clients' threads are gone: their call slots with them (task storage
# is freed by the kernel with its task; its entries cannot be listed).
[[ ${CALLS#* } == task_storage ]] ||
	fail "the calls map is a ${CALLS#* }: the ended clients' call slots would stay"
((HANDLES <= 16384)) || fail "handle_fds beyond its bound: $HANDLES"
((RSS2 - RSS1 < 8192)) || fail "RSS grew from $RSS1 to $RSS2 KiB over $((N / 2)) clients"
