#!/usr/bin/env bash
# test-timeout: 900
# Probe placement on the OpenSSL versions of the compatibility matrix's
# Debian roots (3.5 of Debian 13, 3.6 of sid, 4.0 of experimental): their
# `openssl s_client` (SSL_read, SSL_write) and python's ssl (the _ex
# functions) in each root, traced from outside by two sslsniff side by
# side, one with --probe-entry, give the same records, record for record.
# Debian 13's build (CET: every function starts with endbr64, SSL_write_ex
# reaches the internal function through the PLT and SSL_write_ex2, the
# count pointer in r8) must be probed at its internal functions; gcc 15's
# (sid, experimental: `sub` first, no emulated entry) may fall back to the
# entries, which the records then match trivially.
# The roots come from tests/matrix/setup-roots.sh (cached; built on first use).
. "$(dirname "$0")/lib.sh"
need python3 chroot openssl
SUITES=(trixie sid experimental)

matrix_roots "${SUITES[@]}"

"$SSLSNIFF" -v -f json --probe-entry --no-gnutls --no-nss >"$T/entry.json" 2>"$T/entry.err" &
ENTRY=$!
BG_PIDS+=($ENTRY)
wait_for 20 grep -q 'Ctrl-C to end\.$' "$T/entry.err" || fail "sslsniff --probe-entry did not start"
sniff_start -f json -v --no-gnutls --no-nss

printf 'placed:{req}' >"$T/reply"
peer_serve plain --count 5 --reply "$T/reply"

# Both sslsniff have attached to FILE, by its build-id (they name it by their
# own path: /proc/PID/root/... of a process that may have exited, or map_files).
build_id() {
	readelf -n "$1" 2>/dev/null | sed -n 's/^ *Build ID: //p' | head -n 1
}
attached() {
	local id log
	id=$(build_id "$1")
	for log in "$T/err" "$T/entry.err"; do
		grep -qE "attach: '[^']*' \([a-z]+ [^,]*, build-id $id\) pid" "$log" || return 1
	done
}

# The placement line for FILE of the run without --probe-entry: the paths
# under which that build was attached, then their placement lines.
placement() {
	local id p
	id=$(build_id "$1")
	grep -oE "attach: '[^']*' \([a-z]+ [^,]*, build-id $id\) pid" "$T/err" | cut -d"'" -f2 |
		sort -u | while read -r p; do
			grep -F "attach: '$p': SSL_$2 and SSL_$2_ex probed" "$T/err" | head -n 1
		done | head -n 1 | sed 's/.*probed //'
}

PIDS=()
n=0
# run_client ROOT LIBFILE KIND: one connection from the root, sent once
# both sslsniff are attached to LIBFILE in it.
run_client() {
	local r=$1 lib=$2 kind=$3 w go pid
	n=$((n + 1))
	w=$(mktemp -d "$r/tmp/sslsniff-placement.XXXXXX") || fail "cannot write in '$r'"
	go=$w/go
	unique "placement-$kind-$n" >"$w/req"
	case $kind in
	s_client)
		: >"$w/got"
		client_input "$w/req" "$w/got" placed: "$go" |
			chroot "$r" openssl s_client -connect "127.0.0.1:$PORT" -quiet \
				>"$w/got" 2>"$w/err" &
		;;
	python)
		cp "$TESTS_DIR/peer.py" "$w/"
		chroot "$r" python3 "${w#"$r"}/peer.py" client --port "$PORT" \
			--send "${w#"$r"}/req" --out "${w#"$r"}/got" --wait-file "${w#"$r"}/go" \
			2>"$w/err" &
		;;
	esac
	pid=$!
	wait_for 20 attached "$r$lib" || fail "$r$lib: sslsniff did not attach to it"
	touch "$go"
	wait "$pid"
	grep -q "placed:$(cat "$w/req")" "$w/got" ||
		fail "$kind in '$r' got no reply: $(head -c 300 "$w/err")"
	rm -rf "$w"
}

for s in "${SUITES[@]}"; do
	r=$(root_dir "$s")
	[[ -d $r ]] || fail "no $s root in: $(cat "$T/roots.out")"
	lib=/usr/lib/x86_64-linux-gnu/libssl.so.3
	[[ $s == experimental ]] && lib=/usr/lib/x86_64-linux-gnu/libssl.so.4
	run_client "$r" "$lib" s_client
	# experimental's python links sid's libssl.so.3, done above.
	[[ $s != experimental ]] && run_client "$r" "$lib" python
	for f in write read; do
		where=$(placement "$r$lib" "$f")
		echo "$s $lib: SSL_$f and SSL_${f}_ex probed $where"
		[[ -n $where ]] || fail "$s: no placement said for SSL_$f"
		if [[ $s == trixie && $where != "at their internal function"* ]]; then
			fail "$s: SSL_$f not probed at its internal function: $where"
		fi
	done
done
# The records of exited clients are all in the rings: both drain on SIGINT.
sniff_stop
kill -INT "$ENTRY"
wait "$ENTRY" || fail "sslsniff --probe-entry exited $?"

same_records "$T/entry.json" "$T/out" 20
