#!/usr/bin/env bash
# test-timeout: 300
# The ALPN protocol on every data record, read from the library's own
# struct: openssl s_server -alpn h2,http/1.1 with s_client -alpn h2, -alpn
# http/1.1 and no -alpn, and curl --http2 and --http1.1 against it, for each
# OpenSSL of the compatibility matrix (1.1.1 in Debian 11's root, the
# host's 3.0, 3.5, 3.6 and 4.0 in the roots of trixie, sid and
# experimental), and gnutls-serv --alpn with gnutls-cli --alpn h2 and none
# (GnuTLS 3.7.1, the host's 3.7.9, 3.8.9). Every data record of both ends
# carries the protocol the client itself reports (s_client's "ALPN
# protocol:", curl's "server accepted", gnutls-cli's "Application
# protocol:"), and none carries one when none was negotiated.
. "$(dirname "$0")/lib.sh"
need openssl chroot rev

SUITES=(bullseye trixie sid experimental)
matrix_roots "${SUITES[@]}"

# Scratch directories made inside the roots, removed at the end.
DIRS=()
trap 'rc=$?; rm -rf "${DIRS[@]}"; (exit $rc); cleanup' EXIT

# enter SUITE: W (the scratch directory here), w (as the root sees it) and
# RUN (the command prefix that runs in the root) for SUITE, or the host.
enter() {
	local r
	if [[ $1 == host ]]; then
		W=$T/host RUN=()
		mkdir -p "$W"
		w=$W
	else
		r=$(root_dir "$1")
		[[ -n $r ]] || fail "no $1 root"
		W=$(mktemp -d "$r/tmp/sslsniff-alpn.XXXXXX") || fail "cannot write in '$r'"
		DIRS+=("$W")
		w=${W#"$r"}
		RUN=(chroot "$r")
	fi
	cp "$CERT" "$KEY" "$W/" || fail "cannot copy the certificate into $1"
}

# What each traced process must show: "PID LIBRARY ALPN WHAT" ("-": none).
: >"$T/want"
want() { echo "$1 $2 $3 $4" >>"$T/want"; }

listening() { grep -q ":$(printf '%04X' "$1") " /proc/net/tcp; }

# server_input TRIGGER REPLY: s_server's stdin: once its output has
# TRIGGER (the client's bytes), the file REPLY; then the input stays open
# until the client is done ($W/done), whose end makes s_server end.
server_input() {
	wait_for 20 grep -qaF -- "$1" "$W/s.out" || return 1
	cat "$2"
	wait_for 20 test -e "$W/done"
}

# s_server SUITE TRIGGER REPLY: an OpenSSL server in SUITE for one
# connection that answers with REPLY (server_input); PORT, SPID. Its
# default mode, SSL_read and SSL_write: -rev and -www read through an SSL
# BIO, which 3.6 and 4.0 do not pass through SSL_read (below).
s_server() {
	PORT=$(free_port)
	rm -f "$W/done"
	: >"$W/s.out"
	server_input "$2" "$3" |
		"${RUN[@]}" openssl s_server -accept "127.0.0.1:$PORT" -cert "$w/cert.pem" \
		-key "$w/key.pem" -alpn h2,http/1.1 -naccept 1 >"$W/s.out" 2>"$W/s.err" &
	SPID=$!
	BG_PIDS+=($SPID)
	wait_for 10 listening "$PORT" || fail "$1: s_server did not listen: $(cat "$W/s.err")"
}

# s_done: the client is done; s_server then ends (stdin closed).
s_done() {
	touch "$W/done"
	wait_for 20 eval '! kill -0 "$SPID"' || fail "s_server did not end"
}

# s_pair SUITE PROTO: s_client offering PROTO ("-": no ALPN) to s_server.
s_pair() {
	local suite=$1 proto=$2 msg got cpid args=()
	[[ $proto == - ]] || args=(-alpn "$proto")
	msg=$(unique "alpn-$suite")
	echo "$msg" >"$W/req"
	rev <<<"$msg" >"$W/reply"
	s_server "$suite" "$msg" "$W/reply"
	: >"$W/c.out"
	# Its stdin ends once the reversed line is back: then s_client ends.
	client_input "$W/req" "$W/c.out" "$(rev <<<"$msg")" |
		"${RUN[@]}" openssl s_client -connect "127.0.0.1:$PORT" "${args[@]}" \
		>"$W/c.out" 2>"$W/c.err" &
	cpid=$!
	BG_PIDS+=($cpid)
	wait "$cpid" || fail "$suite: s_client ${args[*]} failed: $(tail -n 3 "$W/c.err")"
	s_done
	grep -q "$(rev <<<"$msg")" "$W/c.out" || fail "$suite: s_client ${args[*]} got no reply"
	got=$(sed -n 's/^ALPN protocol: //p' "$W/c.out")
	grep -q '^No ALPN negotiated' "$W/c.out" && got=-
	[[ $got == "$proto" ]] || fail "$suite: s_client ${args[*]} says ALPN '$got'"
	want "$cpid" openssl "$proto" "$suite s_client ${args[*]}"
	want "$SPID" openssl "$proto" "$suite s_server, client ${args[*]}"
}

# curl_pair SUITE PROTO: curl --http2 (h2) or --http1.1 against s_server.
curl_pair() {
	local suite=$1 proto=$2 opt=--http1.1 trigger='GET / HTTP/1.1' cpid
	# An HTTP/1.0 answer: a page for HTTP/1.1, and after an h2 client's
	# connection preface, bytes that are no frame (curl then gives up).
	[[ $proto == h2 ]] && opt=--http2 trigger='PRI * HTTP/2.0'
	printf 'HTTP/1.0 200 ok\r\nContent-Length: 3\r\n\r\nok\n' >"$W/reply"
	s_server "$suite" "$trigger" "$W/reply"
	"${RUN[@]}" curl -sk -v "$opt" --max-time 10 "https://127.0.0.1:$PORT/" \
		-o "$w/curl.out" 2>"$W/curl.err" &
	cpid=$!
	BG_PIDS+=($cpid)
	wait "$cpid"
	s_done
	grep -qE "ALPN[:,] server accepted (to use )?$proto\$" "$W/curl.err" ||
		fail "$suite: curl $opt did not negotiate $proto: $(grep -i alpn "$W/curl.err")"
	if [[ $proto == http/1.1 ]]; then
		grep -q '^ok$' "$W/curl.out" || fail "$suite: curl $opt: no page"
	fi
	want "$cpid" openssl "$proto" "$suite curl $opt"
	want "$SPID" openssl "$proto" "$suite s_server, curl $opt"
}

# g_pair SUITE PROTO: gnutls-cli offering PROTO ("-": none) to gnutls-serv.
g_pair() {
	local suite=$1 proto=$2 msg got spid cpid args=()
	[[ $proto == - ]] || args=(--alpn "$proto")
	PORT=$(free_port)
	"${RUN[@]}" gnutls-serv --port "$PORT" --x509certfile "$w/cert.pem" \
		--x509keyfile "$w/key.pem" --alpn h2 --alpn http/1.1 --echo \
		>"$W/gs.out" 2>"$W/gs.err" &
	spid=$!
	BG_PIDS+=($spid)
	wait_for 10 listening "$PORT" || fail "$suite: gnutls-serv did not listen: $(cat "$W/gs.err")"
	msg=$(unique "alpn-gnutls-$suite")
	echo "$msg" >"$W/req"
	: >"$W/g.out"
	client_input "$W/req" "$W/g.out" "$msg" |
		"${RUN[@]}" gnutls-cli --insecure "${args[@]}" -p "$PORT" 127.0.0.1 \
		>"$W/g.out" 2>"$W/g.err" &
	cpid=$!
	BG_PIDS+=($cpid)
	wait "$cpid" || fail "$suite: gnutls-cli ${args[*]} failed: $(tail -n 3 "$W/g.err")"
	grep -q "^$msg" "$W/g.out" || fail "$suite: gnutls-cli ${args[*]} got no echo"
	got=$(sed -n 's/^- Application protocol: //p' "$W/g.out")
	[[ $got == "$proto" || ($proto == - && -z $got) ]] ||
		fail "$suite: gnutls-cli ${args[*]} says ALPN '$got'"
	kill "$spid"
	want "$cpid" gnutls "$proto" "$suite gnutls-cli ${args[*]}"
	want "$spid" gnutls "$proto" "$suite gnutls-serv, client ${args[*]}"
}

sniff_start -f json
for suite in host "${SUITES[@]}"; do
	enter "$suite"
	for p in h2 http/1.1 -; do s_pair "$suite" "$p"; done
	# experimental's curl is sid's, on sid's libssl.so.3.
	if [[ $suite != experimental ]]; then
		for p in h2 http/1.1; do curl_pair "$suite" "$p"; done
	fi
	if [[ $suite == host || $suite == bullseye || $suite == trixie ]]; then
		for p in h2 -; do g_pair "$suite" "$p"; done
	fi
done
sniff_stop

# Every data record of each process: its library, and the ALPN protocol
# (or none) on each one, both directions.
python3 - "$T/out" "$T/want" <<'PY' || fail "records without the negotiated ALPN protocol (above)"
import json, sys
recs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("type") == "data":
        recs.setdefault(r["pid"], []).append(r)
bad = 0
for line in open(sys.argv[2]):
    pid, lib, want, what = line.rstrip("\n").split(" ", 3)
    rs = recs.get(int(pid), [])
    got = sorted({r.get("alpn", "-") for r in rs})
    dirs = sorted({r["direction"] for r in rs})
    libs = sorted({r["library"] for r in rs})
    ok = got == [want] and dirs == ["read", "write"] and libs == [lib]
    print("%-4s %-50s %2d records, alpn %s, %s, %s" %
          ("ok" if ok else "BAD", what, len(rs), got, "/".join(dirs), "/".join(libs)))
    bad += not ok
sys.exit(bad != 0)
PY
# A record's alpn_len comes only with a name cut short: none here.
grep -q '"alpn_len"' "$T/out" && fail "alpn_len on a record of a short name"
[[ $(summary_lost_bytes) == 0 ]] || fail "bytes lost at rest"
exit 0
