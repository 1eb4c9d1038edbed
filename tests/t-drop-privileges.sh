#!/usr/bin/env bash
# -Z USER: once the probes are attached and the outputs open, every thread
# of sslsniff runs as USER (uid, gid and groups, real, effective and saved)
# with CAP_BPF alone (effective, permitted and bounding sets; none
# inheritable or ambient; no_new_privs), read from /proc/PID/task/*/status,
# and the exec watch off (said in one line). A client started after the
# switch is still captured byte for byte through the libraries attached at
# start, and every output written after it is complete. Without -Z, root
# keeps only what the exec watch needs, and that is enough: a client in a
# new root, started later, is attached and captured.
. "$(dirname "$0")/lib.sh"
need python3 openssl chroot

# The bits of /proc's Cap* lines: with the exec watch, and without it.
WATCH_CAPS=$(printf '%016x' $(((1 << 2) | (1 << 5) | (1 << 19) | (1 << 21) | (1 << 38) | (1 << 39) | (1 << 40))))
NOWATCH_CAPS=$(printf '%016x' $((1 << 39)))

# check_privs PID UID GID CAPS
check_privs() {
	python3 - "$@" <<'PY' || fail "privileges of sslsniff (pid $1) after start-up"
import glob, sys
pid, uid, gid, caps = sys.argv[1:5]
tasks = glob.glob("/proc/%s/task/*/status" % pid)
if not tasks:
    sys.exit("no tasks")
for path in tasks:
    st = dict(l.rstrip("\n").split(":\t", 1) for l in open(path) if ":\t" in l)
    want = {"Uid": "\t".join([uid] * 4), "Gid": "\t".join([gid] * 4),
            "CapEff": caps, "CapPrm": caps, "CapBnd": caps,
            "CapInh": "0" * 16, "CapAmb": "0" * 16, "NoNewPrivs": "1"}
    for k, v in want.items():
        if st.get(k, "").strip() != v:
            sys.exit("%s: %s is %r, want %r" % (path, k, st.get(k), v))
    if uid != "0" and st["Groups"].split() != [gid]:
        sys.exit("%s: groups %r, want only %s" % (path, st["Groups"], gid))
print("%d threads checked" % len(tasks))
PY
}

R=$T/root
openssl_root "$R"
chmod 755 "$T"
unique dropped >"$T/req"
printf 'reply:{req}' >"$T/reply"
{ printf 'reply:'; cat "$T/req"; } >"$T/want"
peer_serve srv --count 4 --reply "$T/reply"

# -Z nobody, system-wide, every output to a file.
sniff_start -f json -Z nobody --keylog "$T/keys" -w "$T/cap.pcapng" --summary-json "$T/sum.json"
grep -q "^sslsniff: -Z: running as 'nobody' (uid 65534, gid 65534) with cap_bpf$" "$T/err" ||
	fail "no line about the switch"
[[ $(grep -c "^sslsniff: -Z: libraries first mapped after start-up .* are not attached" "$T/err") == 1 ]] ||
	fail "no one line about the exec watch being off"
check_privs "$SNIFF_PID" 65534 65534 "$NOWATCH_CAPS"

# A host client started after the switch, with its own key log.
$PEER client --port "$PORT" --send "$T/req" --out "$T/got" --keylog "$T/client.keys" &
HOST=$!
wait "$HOST" || fail "host client failed"
sniff_stop
records --pid "$HOST" --dir write --data >"$T/w"
assert_bytes "$T/req" "$T/w" "-Z: the host client's write"
records --pid "$HOST" --dir read --data >"$T/r"
assert_bytes "$T/want" "$T/r" "-Z: the host client's read"
# The key log: every secret of the host client's connection.
[[ -s $T/client.keys ]] || fail "the client wrote no key log"
grep -v '^#' "$T/client.keys" | while read -r line; do
	grep -qxF "$line" "$T/keys" || { echo "missing: $line" >&2; exit 1; }
done || fail "--keylog after the switch lacks the client's secrets"
# The pcapng: its streams hold the bytes; the summary: the records' count.
grep -qF "$(cat "$T/req")" "$T/cap.pcapng" || fail "the pcapng lacks the request"
if command -v tshark >/dev/null; then
	tshark -r "$T/cap.pcapng" >/dev/null 2>"$T/ts.err" || fail "tshark: $(cat "$T/ts.err")"
fi
python3 - "$T/sum.json" "$(records --count)" <<'PY' || fail "the summary written after -Z"
import json, sys
s = json.load(open(sys.argv[1]))
if s["records"] != int(sys.argv[2]) or s["lost_bytes"]:
    sys.exit("summary %r, want %s records, none lost" % (s, sys.argv[2]))
PY
for f in keys cap.pcapng sum.json; do
	[[ $(stat -c %a:%u "$T/$f") == 600:0 ]] || fail "$f: $(stat -c %a:%u "$T/$f"), want 600:0"
done

# -Z by number, the watch already off (nothing to say about it).
sniff_start -f json -Z 65534 --no-watch -p "$SERVER"
grep -q "not attached" "$T/err" && fail "-Z --no-watch still says the watch is off"
check_privs "$SNIFF_PID" 65534 65534 "$NOWATCH_CAPS"
$PEER client --port "$PORT" --send "$T/req" --out "$T/got" || fail "client failed"
sniff_stop
records --pid "$SERVER" --dir read --data >"$T/r"
assert_bytes "$T/req" "$T/r" "-Z 65534 --no-watch: the server's read"

# Without -Z: root, with only what the exec watch needs, which is enough
# for a client in a new root: held at its exec until its root's libssl is
# attached (uprobes, /proc/PID/root, SIGCONT), then captured.
sniff_start -f json
check_privs "$SNIFF_PID" 0 0 "$WATCH_CAPS"
rm -f "$T/go"
client_input "$T/req" "$T/root.got" reply: "$T/go" |
	chroot "$R" /usr/bin/openssl s_client -connect "127.0.0.1:$PORT" -quiet \
		>"$T/root.got" 2>/dev/null &
wait_for 10 pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT" >/dev/null ||
	fail "no client in the root"
ROOTC=$(pgrep -f "^/usr/bin/openssl s_client -connect 127.0.0.1:$PORT")
wait_for 10 attached_to "(/proc/$ROOTC/root|$R)/.*libssl\.so\.3" || fail "the root's libssl was not attached"
touch "$T/go"
wait_for 20 grep -q reply: "$T/root.got" || fail "the client in the root got no reply"
sniff_stop
records --pid "$ROOTC" --func SSL_write --data >"$T/rw"
records --pid "$ROOTC" --func SSL_read --data >"$T/rr"
assert_bytes "$T/req" "$T/rw" "the write in the new root"
assert_bytes "$T/want" "$T/rr" "the read in the new root"
true
