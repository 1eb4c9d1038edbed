#!/usr/bin/env bash
# NSS: tstclnt (libnss3-tools) writes through NSPR's PR_Write/PR_Send on an
# SSL-layered descriptor; the plain file and socket I/O of NSPR is skipped.
# The fd comes from NSPR's own socket layer under the SSL one (btf-db).
. "$(dirname "$0")/lib.sh"
need tstclnt certutil python3

mkdir -p "$T/nssdb"
certutil -N -d "sql:$T/nssdb" --empty-password >/dev/null 2>&1 || fail "certutil cannot make a database"
unique nss-request >"$T/req"
printf 'nss-echo:{req}' >"$T/reply"
peer_serve srv --reply "$T/reply"
sniff_start -f json
# -o: accept the self-signed certificate.
tstclnt -h 127.0.0.1 -p "$PORT" -d "sql:$T/nssdb" -o <"$T/req" >"$T/got" 2>"$T/cli.err" &
CLI=$!
wait "$CLI"
sniff_stop

{ printf 'nss-echo:'; cat "$T/req"; } >"$T/want"
grep -q "$(cat "$T/req")" "$T/got" || fail "tstclnt did not get the reply"
records --pid "$CLI" --dir write --data >"$T/c.w"
records --pid "$CLI" --dir read --data >"$T/c.r"
assert_bytes "$T/req" "$T/c.w" "tstclnt writes"
assert_bytes "$T/want" "$T/c.r" "tstclnt reads"
[[ $(records --pid "$CLI" --field library | sort -u) == nss ]] || fail "library is not nss"
records --pid "$CLI" --field function | grep -qE '^PR_(Write|Send)$' || fail "no PR_Write/PR_Send"
# The connection, from the socket the library wrote to.
[[ $(records --pid "$CLI" --field dst | sort -u) == "127.0.0.1:$PORT" ]] ||
	fail "dst: $(records --pid "$CLI" --field dst | sort -u), want 127.0.0.1:$PORT"
[[ $(records --pid "$CLI" --field fd_source | sort -u) == struct ]] ||
	fail "fd_source: $(records --pid "$CLI" --field fd_source | sort -u), want struct"
