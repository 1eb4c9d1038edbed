#!/usr/bin/env bash
# -i lo with the command-line tools: gnutls-cli (gnutls_handshake's keys)
# over TLS 1.3 and 1.2 against Python's server, both ends byte for byte;
# openssl s_server (SSL_accept's keys) with s_client asking for a KeyUpdate
# both ways in the middle ('K'), then session resumption over TLS 1.3 and
# 1.2 (-sess_out, -sess_in): the server's streams exact across the new keys
# and the resumed handshakes. s_client's own handshake is implicit (inside
# its first read or write): never seen, so a connection of s_client with
# an untraced server is not decrypted, and the summary says so.
. "$(dirname "$0")/lib.sh"
need openssl gnutls-cli python3

# The wire's counters in $T/summary.json: "NAME=VALUE ...".
wire_counts() {
	python3 -c 'import json, sys; w = json.load(open(sys.argv[1]))["wire"]
print(" ".join("%s=%d" % kv for kv in sorted(w.items())))' "$T/summary.json"
}
wire_count() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["wire"][sys.argv[2]])' "$T/summary.json" "$1"; }

# --- gnutls-cli, TLS 1.3 and 1.2 ---
printf 'got:{req}' >"$T/echo"
peer_serve srv --reply "$T/echo" --count 2
sniff_start -f json -i lo --summary-json "$T/summary.json"
for prio in NORMAL NORMAL:-VERS-TLS1.3; do
	name=$(unique g)
	printf 'hello-%s\n' "$name" >"$T/req.$name"
	client_input "$T/req.$name" "$T/got.$name" "got:hello-$name" |
		gnutls-cli --insecure --priority "$prio" --port "$PORT" 127.0.0.1 >"$T/got.$name" 2>"$T/gnutls.err" &
	GCLI=$!
	wait $GCLI || fail "gnutls-cli ($prio) failed: $(tail -n 3 "$T/gnutls.err")"
	records --pid "$GCLI" --dir write --data >"$T/w.$name"
	assert_bytes "$T/req.$name" "$T/w.$name" "gnutls-cli's write ($prio)"
	printf 'got:hello-%s\n' "$name" >"$T/want.$name"
	records --pid "$GCLI" --dir read --data >"$T/r.$name"
	assert_bytes "$T/want.$name" "$T/r.$name" "gnutls-cli's read ($prio)"
	[[ $(records --pid "$GCLI" --field function | sort -u | tr '\n' ' ') == "gnutls_record_recv gnutls_record_send " ]] ||
		fail "gnutls-cli's records are not GnuTLS's"
	records --pid "$SERVER" --dir read --data >"$T/sr"
	grep -qF "hello-$name" "$T/sr" || fail "the server's read of gnutls-cli's request is missing"
done
want=$(records --pid "$SERVER" --field tls_version | sort -u | tr '\n' ' ')
[[ $want == "TLSv1.2 TLSv1.3 " ]] || fail "gnutls-cli's versions: '$want'"
wait $SERVER || fail "the server failed"
sniff_stop
[[ $(summary_lost_bytes) == 0 ]] || fail "lost bytes: $(tail -n 1 "$T/err")"
[[ $(wire_count records_failed) == 0 && $(wire_count keyed_conns) == 2 ]] ||
	fail "gnutls-cli: $(wire_counts)"

# --- s_server: a KeyUpdate each way, then resumption ---
# s_client_run IN OUT UNTIL ARGS...: s_client with lines from IN, one at a
# time, each once the server has printed the one before (a line "K" asks
# for a KeyUpdate both ways, once s_client has said it did); its input ends
# once its output OUT has the line UNTIL, if not empty.
s_client_run() {
	local in=$1 out=$2 until=$3; shift 3
	{
		while read -r line; do
			echo "$line"
			if [[ $line == K ]]; then
				wait_for 20 grep -q KEYUPDATE "$out.err" || exit 1
			else
				wait_for 20 grep -qxF "$line" "$T/s.out" || exit 1
			fi
		done <"$in"
		[[ -z $until ]] || wait_for 20 grep -qxF "$until" "$out"
	} | openssl s_client -connect "127.0.0.1:$SPORT" "$@" >"$out" 2>"$out.err"
	local st=("${PIPESTATUS[@]}")
	[[ ${st[0]} == 0 && ${st[1]} == 0 ]]
}
SPORT=$(free_port)
# The server answers the second line of the first connection only once it
# has read it (after the KeyUpdate).
{ wait_for 20 grep -qx data-2 "$T/s.out"; echo reply-after-update; wait_for 60 test -e "$T/c4.done"; } |
	openssl s_server -accept "127.0.0.1:$SPORT" -cert "$CERT" -key "$KEY" -naccept 4 \
		>"$T/s.out" 2>"$T/s.err" &
SSERVER=$!
BG_PIDS+=($SSERVER)
wait_for 10 grep -q ACCEPT "$T/s.out" || fail "s_server did not start: $(cat "$T/s.err")"
sniff_start -f json -i lo -c openssl --summary-json "$T/summary.json"
printf 'data-1\nK\ndata-2\n' >"$T/in.1"
s_client_run "$T/in.1" "$T/c1" reply-after-update -tls1_3 -sess_out "$T/sess13" || fail "s_client (KeyUpdate) failed: $(tail -n 3 "$T/c1.err")"
grep -qx reply-after-update "$T/c1" || fail "s_client did not get the reply after the KeyUpdate"
echo resumed-13 >"$T/in.2"
s_client_run "$T/in.2" "$T/c2" "" -tls1_3 -sess_in "$T/sess13" || fail "s_client (resumed 1.3) failed"
grep -q '^Reused, TLSv1.3' "$T/c2" || fail "TLS 1.3 session not resumed: $(grep -E '^(New|Reused)' "$T/c2")"
echo full-12 >"$T/in.3"
s_client_run "$T/in.3" "$T/c3" "" -tls1_2 -sess_out "$T/sess12" || fail "s_client (1.2) failed"
echo resumed-12 >"$T/in.4"
s_client_run "$T/in.4" "$T/c4" "" -tls1_2 -sess_in "$T/sess12" || fail "s_client (resumed 1.2) failed"
touch "$T/c4.done"
grep -q '^Reused, TLSv1.2' "$T/c4" || fail "TLS 1.2 session not resumed: $(grep -E '^(New|Reused)' "$T/c4")"
wait $SSERVER || fail "s_server failed: $(tail -n 3 "$T/s.err")"
sniff_stop
printf 'data-1\ndata-2\nresumed-13\nfull-12\nresumed-12\n' >"$T/want.sr"
records --pid "$SSERVER" --dir read --data >"$T/sr"
assert_bytes "$T/want.sr" "$T/sr" "s_server's reads across the KeyUpdate and the resumptions"
echo reply-after-update >"$T/want.sw"
records --pid "$SSERVER" --dir write --data >"$T/sw"
assert_bytes "$T/want.sw" "$T/sw" "s_server's write after the KeyUpdate"
[[ $(records --field pid | sort -u) == "$SSERVER" ]] || fail "records of s_client: its handshake is not seen"
[[ $(summary_lost_bytes) == 0 && $(wire_count records_failed) == 0 && $(wire_count keyed_conns) == 4 ]] ||
	fail "s_server: $(tail -n 1 "$T/err"); $(wire_counts)"

# --- s_client alone: its handshake is never seen ---
printf 'unseen\n' >"$T/req"
printf 'got:{req}' >"$T/echo"
peer_serve srv2 --reply "$T/echo"
sniff_start -f json -i lo -c openssl --summary-json "$T/summary.json"
client_input "$T/req" "$T/c5" "got:unseen" |
	openssl s_client -connect "127.0.0.1:$PORT" -quiet >"$T/c5" 2>"$T/c5.err" || true
grep -qx "got:unseen" "$T/c5" || fail "s_client got no reply: $(tail -n 3 "$T/c5.err")"
wait $SERVER || fail "the server failed"
sniff_stop
[[ $(records --count) == 0 ]] || fail "records of a connection without keys"
[[ $(wire_count unkeyed_conns) == 1 && $(wire_count keyed_conns) == 0 && $(wire_count unkeyed_bytes) -gt 0 ]] ||
	fail "the unseen handshake is not reported: $(wire_counts)"
grep -q 'TLS connections without keys' "$T/err" || fail "the summary line does not say it: $(tail -n 1 "$T/err")"
[[ $(summary_lost_bytes) -gt 0 ]] || fail "the unkeyed bytes are not counted as lost"
