#!/usr/bin/env bash
# -w --capture-packets lo: the real, encrypted packets of the traced
# connections (handshakes included, held until sslsniff knows the
# connection) go into the pcapng after the secrets that decrypt them;
# tshark reads the file alone and shows curl's HTTP over TLS 1.3 and 1.2.
# Without the embedded secrets the same file shows no HTTP.
. "$(dirname "$0")/lib.sh"
need curl python3 tshark editcap

unique body >"$T/body"
peer_serve http --http --count 2 --reply "$T/body"
T13=$(unique tls13)
T12=$(unique tls12)
sniff_start -f json -w "$T/cap.pcapng" --capture-packets lo -c curl
curl -sk --http1.1 "https://127.0.0.1:$PORT/$T13" -o "$T/got13" || fail "curl failed"
curl -sk --http1.1 --tls-max 1.2 "https://127.0.0.1:$PORT/$T12" -o "$T/got12" || fail "curl failed"
# The packets come through libpcap, apart from the records: stopped once
# the file (written out every round) has both responses, the last packets
# a test below needs.
responses() { tshark -r "$T/cap.pcapng" -Y 'http.response.code == 200' 2>/dev/null | wc -l; }
wait_for 20 eval '[[ $(responses) == 2 ]]' || fail "not two decrypted responses in the live file"
sniff_stop

tshark -r "$T/cap.pcapng" >"$T/list" 2>"$T/tshark.err" || fail "tshark cannot read the file: $(cat "$T/tshark.err")"
grep -v 'Running as user "root"' "$T/tshark.err" | grep -q . && fail "tshark complained: $(cat "$T/tshark.err")"
uris() { tshark -r "$1" -Y http.request -T fields -e http.request.uri 2>/dev/null | sort | tr '\n' ' '; }
want=$(printf '/%s\n/%s\n' "$T13" "$T12" | sort | tr '\n' ' ')
[[ $(uris "$T/cap.pcapng") == "$want" ]] ||
	fail "decrypted requests: '$(uris "$T/cap.pcapng")', want '$want'"
[[ $(responses) == 2 ]] || fail "not two decrypted responses"
# The handshakes are there (held until the connection was known), and only
# real packets: no synthetic plaintext stream beside them.
[[ $(tshark -r "$T/cap.pcapng" -Y 'tls.handshake.type == 1' 2>/dev/null | wc -l) == 2 ]] ||
	fail "not two ClientHellos in the file"
[[ $(tshark -r "$T/cap.pcapng" -Y 'frame.interface_id == 0' 2>/dev/null | wc -l) == 0 ]] ||
	fail "synthetic packets beside the real ones"
editcap --discard-all-secrets "$T/cap.pcapng" "$T/nokeys.pcapng" || fail "editcap failed"
[[ -z $(uris "$T/nokeys.pcapng") ]] || fail "HTTP readable without the embedded secrets"
# The plaintext records as usual.
records --comm curl --dir write --data | grep -q "^GET /$T13 HTTP/1.1" || fail "no JSON record of the request"
