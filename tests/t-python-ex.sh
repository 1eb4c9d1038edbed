#!/usr/bin/env bash
# Python's ssl module calls only SSL_write_ex/SSL_read_ex (3.10+): the byte
# count comes through the size_t pointer, and the function is named as such.
. "$(dirname "$0")/lib.sh"
need python3

unique py-request >"$T/req"
printf 'reply to {req}' >"$T/reply"
peer_serve srv --reply "$T/reply"
sniff_start -f json -c python3
peer_client
sniff_stop

{ printf 'reply to '; cat "$T/req"; } >"$T/want"
assert_bytes "$T/want" "$T/got" "the client's own read"
records --pid "$CLIENT" --func SSL_write_ex --data >"$T/c.w"
records --pid "$CLIENT" --func SSL_read_ex --data >"$T/c.r"
assert_bytes "$T/req" "$T/c.w" "client SSL_write_ex"
assert_bytes "$T/want" "$T/c.r" "client SSL_read_ex"
[[ $(records --pid "$CLIENT" --func SSL_write --count) == 0 ]] || fail "SSL_write seen from python"
# Only python3 was selected with -c.
[[ $(records --count) == $(records --comm python3 --count) ]] || fail "-c let other commands in"
