#!/usr/bin/env bash
# -i lo with the command-line tools: gnutls-cli (gnutls_handshake's keys)
# over TLS 1.3 and 1.2 against Python's server, both ends byte for byte;
# openssl s_server (SSL_accept's keys) with s_client asking for a KeyUpdate
# both ways in the middle ('K'), then session resumption over TLS 1.3 and
# 1.2 (-sess_out, -sess_in): the server's streams exact across the new keys
# and the resumed handshakes. s_client's own handshake is implicit (inside
# its first read or write), never seen: alone (its server untraced), its
# connection has no keys 2 s after its ClientHello, so its reads and
# writes are probed (for it alone), its next call sends the keys, and what
# went before is decrypted too. NSS (tstclnt) has neither a handshake probe
# nor secrets sslsniff can read: its connection is reported, not decrypted.
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

# --- s_client alone: its handshake is not seen, its calls are probed then ---
# A copy of openssl named sclient, so that -c traces it and not s_server.
cp "$(command -v openssl)" "$T/sclient"
SPORT=$(free_port)
{ wait_for 20 grep -qx line-1 "$T/s2.out"; echo reply-1; wait_for 60 test -e "$T/c6.done"; } |
	openssl s_server -accept "127.0.0.1:$SPORT" -cert "$CERT" -key "$KEY" -naccept 1 \
		>"$T/s2.out" 2>"$T/s2.err" &
SSERVER=$!
BG_PIDS+=($SSERVER)
wait_for 10 grep -q ACCEPT "$T/s2.out" || fail "s_server did not start: $(cat "$T/s2.err")"
sniff_start -f json -i lo -c sclient --summary-json "$T/summary.json"
mkfifo "$T/c6.in"
"$T/sclient" s_client -connect "127.0.0.1:$SPORT" -quiet <"$T/c6.in" >"$T/c6" 2>"$T/c6.err" &
CPID=$!
exec 3>"$T/c6.in"
echo line-1 >&3
wait_for 20 grep -qx reply-1 "$T/c6" || fail "sclient got no reply: $(tail -n 3 "$T/c6.err")"
# No keys 2 s after its ClientHello: its libssl's reads and writes are
# probed for it; the next call sends the keys.
wait_for 20 grep -q "^sslsniff: -i: pid $CPID: a TLS connection whose handshake was not seen" "$T/err" ||
	fail "no fallback for sclient: $(tail -n 3 "$T/err")"
wait_for 20 grep -qE "^sslsniff: attached [0-9]+ probes to '.*' \(mapped by pid $CPID\)" "$T/err" ||
	fail "sclient's calls not probed: $(tail -n 3 "$T/err")"
echo line-2 >&3
wait_for 20 grep -qx line-2 "$T/s2.out" || fail "s_server did not get line-2"
touch "$T/c6.done"
exec 3>&-
wait $CPID
wait $SSERVER
sniff_stop
printf 'line-1\nline-2\n' >"$T/want.c6w"
records --pid "$CPID" --dir write --data >"$T/c6w"
assert_bytes "$T/want.c6w" "$T/c6w" "sclient's writes, the first from before its calls were probed"
echo reply-1 >"$T/want.c6r"
records --pid "$CPID" --dir read --data >"$T/c6r"
assert_bytes "$T/want.c6r" "$T/c6r" "sclient's read, from before its calls were probed"
[[ $(wire_count keyed_conns) == 1 && $(wire_count fallback_conns) == 1 && $(wire_count unkeyed_conns) == 0 ]] ||
	fail "sclient: $(wire_counts)"
[[ $(summary_lost_bytes) == 0 ]] || fail "lost bytes: $(tail -n 1 "$T/err")"

# --- NSS: no handshake probe and no secrets read: reported, not decrypted ---
if command -v tstclnt >/dev/null && command -v certutil >/dev/null; then
	mkdir -p "$T/nssdb"
	certutil -N -d "sql:$T/nssdb" --empty-password >/dev/null 2>&1 || fail "certutil cannot make a database"
	printf 'nss-request\n' >"$T/req"
	printf 'nss-echo:{req}' >"$T/echo"
	peer_serve srv3 --reply "$T/echo"
	sniff_start -f json -i lo -c tstclnt --summary-json "$T/summary.json"
	tstclnt -h 127.0.0.1 -p "$PORT" -d "sql:$T/nssdb" -o <"$T/req" >"$T/got" 2>"$T/cli.err" ||
		fail "tstclnt failed: $(tail -n 3 "$T/cli.err")"
	grep -q nss-echo "$T/got" || fail "tstclnt did not get the reply"
	wait $SERVER || fail "the server failed"
	sniff_stop
	[[ $(records --count) == 0 ]] || fail "records of a connection without keys"
	[[ $(wire_count unkeyed_conns) == 1 && $(wire_count keyed_conns) == 0 && $(wire_count unkeyed_bytes) -gt 0 ]] ||
		fail "NSS's connection is not reported: $(wire_counts)"
	grep -q 'TLS connections without keys' "$T/err" || fail "the summary line does not say it: $(tail -n 1 "$T/err")"
	[[ $(summary_lost_bytes) -gt 0 ]] || fail "the unkeyed bytes are not counted as lost"
fi
