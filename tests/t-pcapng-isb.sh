#!/usr/bin/env bash
# The pcapng ends with an Interface Statistics Block that carries the
# capture's counts: a flood through the smallest ring buffer loses calls,
# and the ISB's isb_ifdrop, isb_filteraccept and its comment's lost bytes
# are the summary's figures (--summary-json), isb_usrdeliv the packets in
# the file, as tshark's pcapng dissector reads them; capinfos counts one
# statistics entry; a SIGTERM stop writes it too.
. "$(dirname "$0")/lib.sh"
need curl python3 tshark capinfos

# isb_fields PCAP: "ifid recv drop accept osdrop deliv" of each ISB, via
# tshark's own dissector of the pcapng format.
isb_fields() {
	tshark -X 'read_format:MIME Files Format' -r "$1" -Y 'pcapng.block.type == 5' -T fields \
		-e pcapng.options.option.data.interface.received \
		-e pcapng.options.option.data.interface.dropped \
		-e pcapng.options.option.data.interface.accepted_by_filter \
		-e pcapng.options.option.data.interface.dropped_by_os \
		-e pcapng.options.option.data.interface.delivered_to_user \
		-e pcapng.options.option.data.comment 2>/dev/null
}

summary() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$T/sum.json" "$1"
}

head -c $((1 << 20)) /dev/urandom | base64 -w 0 | head -c $((1 << 20)) >"$T/body"
peer_serve flood --http --count 40 --reply "$T/body"
sniff_start -w "$T/f.pcapng" -o /dev/null --ring-size 65536 --summary-json "$T/sum.json"
pids=()
for ((i = 0; i < 40; i++)); do
	curl -sk --http1.1 "https://127.0.0.1:$PORT/f$i" -o "$T/got$i" &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p" || fail "curl failed"; done
cmp -s "$T/body" "$T/got0" || fail "curl's download differs"
sniff_stop
[[ $(summary lost_records) -gt 0 ]] || fail "the flood lost nothing through a 64 KiB ring: $(cat "$T/sum.json")"

isb_fields "$T/f.pcapng" >"$T/isb"
[[ $(wc -l <"$T/isb") == 1 ]] || fail "want one ISB (one interface), got: $(cat "$T/isb")"
IFS=$'\t' read -r recv drop accept osdrop deliv comment <"$T/isb"
epbs=$(tshark -r "$T/f.pcapng" -T fields -e frame.number 2>/dev/null | wc -l)
[[ $drop == "$(summary lost_records)" ]] || fail "isb_ifdrop $drop, summary lost_records $(summary lost_records)"
[[ $accept == "$(summary records)" ]] || fail "isb_filteraccept $accept, summary records $(summary records)"
[[ $osdrop == "$(summary untracked_calls)" ]] || fail "isb_osdrop $osdrop, untracked $(summary untracked_calls)"
[[ $deliv == "$epbs" && $epbs -gt 0 ]] || fail "isb_usrdeliv $deliv, tshark read $epbs packets"
[[ $recv -ge $accept ]] || fail "isb_ifrecv $recv below isb_filteraccept $accept"
[[ $comment == *"lost: $(summary lost_bytes) bytes in $drop calls"* ]] ||
	fail "the ISB comment does not carry the lost bytes ($(summary lost_bytes)): $comment"
[[ $comment == *"$(summary bytes) bytes captured"* ]] || fail "the ISB comment's captured bytes: $comment"
capinfos "$T/f.pcapng" >"$T/ci" 2>&1 || fail "capinfos: $(cat "$T/ci")"
grep -q 'Number of stat entries = 1' "$T/ci" || fail "capinfos sees no statistics entry: $(cat "$T/ci")"
# Start and end times: the ISB's own, end after start.
tshark -X 'read_format:MIME Files Format' -r "$T/f.pcapng" -V 2>/dev/null |
	grep -A3 -E 'Option: (Start|End) Time' | grep -cE 'Code: (Start|End) Time' | grep -qx 2 ||
	fail "no isb_starttime and isb_endtime"

# SIGTERM: the same ending.
printf 'term' >"$T/small"
peer_serve term --http --count 1 --reply "$T/small"
sniff_start -w "$T/t.pcapng" -o /dev/null
curl -sk --http1.1 "https://127.0.0.1:$PORT/term" -o /dev/null || fail "curl failed"
wait_for 10 grep -qF "GET /term" "$T/t.pcapng" || fail "the request never reached the file"
kill -TERM "$SNIFF_PID"
wait "$SNIFF_PID" || fail "sslsniff exited $? on SIGTERM"
SNIFF_PID=
isb_fields "$T/t.pcapng" >"$T/isb2"
IFS=$'\t' read -r recv drop accept osdrop deliv comment <"$T/isb2"
[[ $drop == 0 && $accept -ge 2 && $deliv -ge 4 ]] || fail "SIGTERM's ISB: $(cat "$T/isb2")"
[[ $(tshark -r "$T/t.pcapng" -T fields -e frame.number 2>/dev/null | wc -l) == "$deliv" ]] ||
	fail "isb_usrdeliv $deliv is not the file's packet count"
