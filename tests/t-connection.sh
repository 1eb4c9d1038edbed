#!/usr/bin/env bash
# Each record names its connection: the socket fd (from OpenSSL's own struct
# through btf-db), the local and remote address:port, IPv4 and IPv6, on both
# sides, and the protocol version, equal to what the client's own socket
# reports (fileno, getsockname/getpeername, version()).
. "$(dirname "$0")/lib.sh"
need python3

printf 'conn-reply' >"$T/reply"
for host in 127.0.0.1 ::1; do
	unique "conn-$host" >"$T/req"
	peer_serve "srv$host" --host "$host" --reply "$T/reply"
	SERVER=${BG_PIDS[-1]}
	sniff_start -f json -c python3
	$PEER client --host "$host" --port "$PORT" --send "$T/req" --out "$T/got" --info "$T/info" &
	CLIENT=$!
	wait "$CLIENT" || fail "client failed"
	sniff_stop
	read -r fd laddr lport raddr rport version cipher <"$T/info"
	fmt() { [[ $1 == *:* ]] && echo "[$1]:$2" || echo "$1:$2"; }
	src=$(fmt "$laddr" "$lport")
	dst=$(fmt "$raddr" "$rport")
	for dir in write read; do
		[[ $(records --pid "$CLIENT" --dir $dir --field fd | sort -u) == "$fd" ]] ||
			fail "$host client $dir: fd $(records --pid "$CLIENT" --dir $dir --field fd), want $fd"
		# Python's socket BIO: OpenSSL's own struct names the fd (btf-db).
		[[ $(records --pid "$CLIENT" --dir $dir --field fd_source | sort -u) == struct ]] ||
			fail "$host client $dir: fd_source $(records --pid "$CLIENT" --dir $dir --field fd_source)"
		[[ $(records --pid "$CLIENT" --dir $dir --field tls_version | sort -u) == "$version" ]] ||
			fail "$host client $dir: tls_version, want $version"
		[[ $(records --pid "$CLIENT" --dir $dir --field src | sort -u) == "$src" ]] ||
			fail "$host client $dir: src $(records --pid "$CLIENT" --dir $dir --field src), want $src"
		[[ $(records --pid "$CLIENT" --dir $dir --field dst | sort -u) == "$dst" ]] ||
			fail "$host client $dir: dst, want $dst"
		# The server sees the same connection from the other end.
		[[ $(records --pid "$SERVER" --dir $dir --field src | sort -u) == "$dst" ]] ||
			fail "$host server $dir: src $(records --pid "$SERVER" --dir $dir --field src), want $dst"
		[[ $(records --pid "$SERVER" --dir $dir --field dst | sort -u) == "$src" ]] ||
			fail "$host server $dir: dst, want $src"
	done
done

# Text: -x puts "src -> dst" at the end of the row.
unique conn-text >"$T/req"
peer_serve srvtext --reply "$T/reply"
sniff_start -x -c python3
$PEER client --port "$PORT" --send "$T/req" --out "$T/got" --info "$T/info" &
CLIENT=$!
wait "$CLIENT" || fail "client failed"
sniff_stop
read -r fd laddr lport raddr rport version cipher <"$T/info"
grep -qE "^WRITE/SEND .* $CLIENT +[0-9]+ +0 +[0-9]+ +- +$laddr:$lport -> $raddr:$rport\$" "$T/out" ||
	fail "no 'src -> dst' on the text row: $(grep WRITE "$T/out")"
