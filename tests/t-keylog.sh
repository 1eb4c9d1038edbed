#!/usr/bin/env bash
# --keylog: the secrets read from OpenSSL's structs make the same key log
# lines as the applications' own SSLKEYLOGFILE (curl, python3, openssl
# s_client; TLS 1.2 and 1.3; the host's OpenSSL 3.0 and Debian 11's real
# 1.1.1w), each line once, in a private file; and tshark decrypts a packet
# capture of the same traffic with it. With -w --keylog-embed the same lines
# go into the pcapng as Decryption Secrets Blocks, each before the first
# packet of its connection.
. "$(dirname "$0")/lib.sh"
need curl python3 openssl tshark dumpcap dpkg-deb
debian11_openssl

printf 'keylog:{req}' >"$T/reply"
unique keylog-body >"$T/body"
peer_serve plain --count 8 --reply "$T/reply"
PLAIN=$PORT
peer_serve http --http --count 3 --reply "$T/body"
HTTP=$PORT
unique keylog >"$T/req"

# s_client CLIENT-OPENSSL-FUNCTION VERSION-FLAG KEYLOG [LIBSSL-REGEX]: one
# request, sent once sslsniff has attached to a libssl it finds only after
# the client started (Debian 11's, LIBSSL-REGEX), then EOF once the reply
# is in.
s_client() {
	local fn=$1 flag=$2 keys=$3 lib=${4:-} out=$T/sc-$1$2.out pid
	rm -f "$T/go"
	: >"$out"
	client_input "$T/req" "$out" keylog: "$T/go" |
		$fn s_client -connect "127.0.0.1:$PLAIN" "$flag" -keylogfile "$keys" -quiet \
			>"$out" 2>"$T/sc.err" &
	pid=$!
	if [[ -n $lib ]]; then
		wait_for 20 attached_to "$lib" ||
			fail "sslsniff did not attach to '$lib': $(cat "$T/err")"
	fi
	touch "$T/go"
	wait "$pid"
	grep -q keylog: "$out" || fail "$fn s_client $flag got no reply: $(cat "$T/sc.err")"
}

sniff_start -f json --keylog "$T/keys" -w "$T/plain.pcapng" --keylog-embed
for v in 13 12; do
	tls12=() curl_max=() flag=-tls1_3
	[[ $v == 12 ]] && tls12=(--tls12) curl_max=(--tls-max 1.2) flag=-tls1_2
	SSLKEYLOGFILE=$T/curl$v.keys curl -sk --http1.1 "${curl_max[@]}" \
		"https://127.0.0.1:$HTTP/keylog$v" -o /dev/null || fail "curl failed"
	PORT=$PLAIN peer_client "${tls12[@]}" --keylog "$T/python$v.keys"
	s_client openssl "$flag" "$T/sclient$v.keys"
	s_client old_openssl "$flag" "$T/old$v.keys" "[^']*/libssl\.so\.1\.1"
done
# The same traffic on the wire, for tshark to decrypt.
dumpcap -q -i lo -f "tcp port $HTTP" -w "$T/wire.pcapng" 2>"$T/dumpcap.err" &
DUMPCAP=$!
BG_PIDS+=($DUMPCAP)
wait_for 10 test -s "$T/wire.pcapng" || fail "dumpcap did not start: $(cat "$T/dumpcap.err")"
TOKEN=$(unique wire)
curl -sk --http1.1 "https://127.0.0.1:$HTTP/$TOKEN" -o /dev/null || fail "curl failed"
# Until the file has the connection's end, both FINs: its request is before them.
fins() { [[ $(tshark -r "$T/wire.pcapng" -Y 'tcp.flags.fin == 1' 2>/dev/null | wc -l) -ge 2 ]]; }
wait_for 20 fins || fail "dumpcap did not write the connection's end"
kill -INT "$DUMPCAP"
wait "$DUMPCAP"
sniff_stop

[[ $(stat -c %a "$T/keys") == 600 ]] || fail "the key log is not private: $(stat -c %a "$T/keys")"
[[ $(sort "$T/keys" | uniq -d | wc -l) == 0 ]] || fail "lines written twice: $(sort "$T/keys" | uniq -d)"
for f in "$T"/{curl,python,sclient,old}{13,12}.keys; do
	[[ -s $f ]] || fail "$(basename "$f"): the application wrote no key log"
	grep -v '^#' "$f" >"$T/want"
	missing=$(grep -vxFf "$T/keys" "$T/want")
	[[ -z $missing ]] || fail "$(basename "$f"): not in sslsniff's key log: $missing"
	# Both versions give what a version's key log has.
	if [[ $f == *13.keys ]]; then
		[[ $(cut -d' ' -f1 "$T/want" | sort -u | tr '\n' ' ') == \
			"CLIENT_HANDSHAKE_TRAFFIC_SECRET CLIENT_TRAFFIC_SECRET_0 EXPORTER_SECRET SERVER_HANDSHAKE_TRAFFIC_SECRET SERVER_TRAFFIC_SECRET_0 " ]] ||
			fail "$(basename "$f"): not the five TLS 1.3 labels"
	else
		[[ $(cut -d' ' -f1 "$T/want" | sort -u) == CLIENT_RANDOM ]] ||
			fail "$(basename "$f"): not a TLS 1.2 key log"
	fi
done

# Decrypted with sslsniff's key log, the wire shows curl's request; without
# it, it does not.
uri() { tshark -r "$T/wire.pcapng" "$@" -Y http.request -T fields -e http.request.uri 2>/dev/null; }
[[ $(uri -o "tls.keylog_file:$T/keys") == "/$TOKEN" ]] ||
	fail "tshark did not decrypt the request with sslsniff's key log: '$(uri -o "tls.keylog_file:$T/keys")'"
[[ -z $(uri) ]] || fail "the request was readable without keys"

# The pcapng's Decryption Secrets Blocks: the same lines as the key log,
# each connection's before its first packet (the packet comments name the
# pid; a connection's client random is in both of its ends' secrets).
python3 - "$T/plain.pcapng" "$T/dsb.keys" "$T/dsb.order" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off, lines, order = 0, [], []
while off + 12 <= len(data):
    btype, blen = struct.unpack_from("<II", data, off)
    if blen < 12 or off + blen > len(data):
        sys.exit("truncated block at %d" % off)
    if btype == 0x0A:
        stype, slen = struct.unpack_from("<II", data, off + 8)
        assert stype == 0x544C534B, "not a TLS key log secrets block"
        text = data[off + 16:off + 16 + slen].decode()
        lines += text.splitlines()
        order.append("dsb " + " ".join(sorted({l.split()[1] for l in text.splitlines()})))
    elif btype == 6:
        opts = data[off + 28 + ((struct.unpack_from("<I", data, off + 20)[0] + 3) & ~3):off + blen - 4]
        comment = opts[4:4 + struct.unpack_from("<HH", opts, 0)[1]].decode(errors="replace")
        order.append("epb " + comment.split()[1])
    off += blen
open(sys.argv[2], "w").write("\n".join(lines) + "\n")
open(sys.argv[3], "w").write("\n".join(order) + "\n")
PY
[[ $? == 0 ]] || fail "cannot read the pcapng's blocks"
sort -u "$T/dsb.keys" | grep -v '^$' >"$T/dsb.sorted"
sort -u "$T/keys" >"$T/keys.sorted"
diff "$T/keys.sorted" "$T/dsb.sorted" >&2 || fail "the pcapng's secrets differ from the key log (< keylog, > pcapng)"
# The first connection's secrets come before its first packet (either end
# may be the one whose records make the stream: both are traced here).
first_epb=$(grep -n "^epb " "$T/dsb.order" | head -n 1 | cut -d: -f1)
first_dsb=$(grep -n "^dsb " "$T/dsb.order" | head -n 1 | cut -d: -f1)
[[ -n $first_epb && -n $first_dsb && $first_dsb -lt $first_epb ]] ||
	fail "no secrets block before the first packet (dsb at ${first_dsb:-none}, epb at ${first_epb:-none})"
# Wireshark takes them: injected into the wire capture, they decrypt it.
editcap --inject-secrets "tls,$T/dsb.sorted" "$T/wire.pcapng" "$T/wire-dsb.pcapng" ||
	fail "editcap cannot inject the secrets"
[[ $(tshark -r "$T/wire-dsb.pcapng" -Y http.request -T fields -e http.request.uri 2>/dev/null) == "/$TOKEN" ]] ||
	fail "the pcapng's secrets do not decrypt the wire capture"
