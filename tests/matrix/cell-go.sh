#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One Go cell of the compatibility matrix (tests/matrix/run): Debian's Go
# toolchain MINOR of SUITE builds the test client and server (tests/go/),
# unstripped or stripped (-ldflags='-s -w'), and sslsniff, run system-wide,
# must find their crypto/tls in the executables themselves: the server runs
# before sslsniff starts (found in /proc/PID/maps), the client starts after
# (the exec watch). The programs run on the host: Go toolchains and the
# client (CGO_ENABLED=0) are static, the server links the host's libc.
#
#   cell-go.sh SUITE MINOR MODE    SUITE bookworm (the host's go) or one
#                                  go_toolchain unpacks; MODE unstripped
#                                  or stripped
#
# Appends "COLUMN STATUS TEXT" lines to $CELL_RESULT as cell.sh does. Ground
# truth is the programs' own: the client's plaintext as it passed it to and
# got it from tls.Conn (-dump), the body the server sent, the connection as
# the client's tls.Conn and net.TCPConn give it (-view), its KeyLogWriter,
# and the toolchain's own version (go env GOVERSION). HTTP/1.1 runs against
# nginx; HTTP/2 against the Go server, whose records must be the client's
# bytes the other way round.
. "$(dirname "$0")/../lib.sh"
shopt -s extglob
: "${CELL_RESULT:?run cells through tests/matrix/run}"
SUITE=$1 MINOR=$2 MODE=$3
need nginx
. "$TESTS_DIR/../scripts/lib-apt.sh"

. "$TESTS_DIR/matrix/cell-lib.sh"

# --- The toolchain, and the programs it builds (cached by go_build). ---
if [[ $SUITE == bookworm ]]; then
	unset GOROOT_TEST
else
	GOROOT_TEST=$(go_toolchain "$SUITE" "$MINOR" 2>"$T/toolchain.err") ||
		fail "no Go $MINOR from $SUITE: $(tail -n 1 "$T/toolchain.err")"
	export GOROOT_TEST
fi
GOV=$("$(go_bin)" env GOVERSION) || fail "the $SUITE toolchain does not run"
[[ $GOV == "go$MINOR" || $GOV == "go$MINOR".* ]] || fail "the $SUITE toolchain is $GOV, not Go $MINOR"
result version - "${GOV#go} ($(go_toolchain_version "$SUITE" "$MINOR")), $MODE"
modes=()
[[ $MODE == stripped ]] && modes=(stripped)
go_build client goclient static "${modes[@]}"
go_build server goserver "${modes[@]}"

# A stripped executable has no .symtab: its functions are only in Go's own
# table, .gopclntab. An sslsniff that does not know that section's name
# cannot find them, and says so; then the whole cell is skipped with its
# words. Once it reads .gopclntab, the same cell must pass.
"$SSLSNIFF" --detect "$T/goclient" >"$T/detect" 2>&1
det_rc=$?
if [[ $MODE == stripped ]] && ((det_rc != 0)) && ! grep -qaF .gopclntab "$SSLSNIFF"; then
	skip "no .symtab, and this sslsniff does not read .gopclntab ($(tail -n 1 "$T/detect" |
		sed "s/^sslsniff: error: //; s|'$T/goclient'|the client|"))"
fi

# --- Detector: the version and module the build info gives, and its BTF. ---
det_version=$(sed -n 's/^version: *\([^ ]*\).*/\1/p' "$T/detect")
det_module=$(sed -n 's/^module: *//p' "$T/detect")
det_btf=$(sed -n 's/^btf: *//p' "$T/detect")
[[ $det_version == "${GOV#go}" ]] ||
	add bad detector "version '${det_version:-none}', the toolchain says ${GOV#go}"
[[ $det_module == sslsniff.test/goclient ]] ||
	add bad detector "module '${det_module:-none}', want sslsniff.test/goclient"
# A BTF file it names must exist; one of btf-db must be a Go entry of this
# minor in --list-btf (the layouts of stripped executables).
det_file=${det_btf%% *}
if [[ -n $det_btf && $det_file != none ]]; then
	[[ -e $det_file ]] || add bad detector "btf '$det_btf': no such file"
	if [[ $det_file == */btf-db/* ]]; then
		"$SSLSNIFF" --list-btf >"$T/list-btf" 2>&1 || add bad detector "--list-btf failed"
		awk -v f="$det_file" -v m="$MINOR" '$4 == f && $1 == "go" && ($2 == m || index($3, m ".") == 1)' \
			"$T/list-btf" | grep -q . ||
			add bad detector "btf '$det_file' is not a Go $MINOR entry of --list-btf"
	fi
fi
# In the table: a generated layout by where it came from (its cache file's
# name and the scratch path change from run to run), btf-db's by its entry.
case $det_btf in
*"generated from the DWARF in"*) det_said="generated from its own DWARF" ;;
*/btf-db/*) det_said="btf-db ${det_file#*/btf-db/}${det_btf#"$det_file"}" ;;
*) det_said=${det_btf:-not said} ;;
esac
DET_TEXT="$det_version, $det_module, btf: $det_said"
((det_rc == 0)) || DET_TEXT=$(tail -n 1 "$T/detect")
if [[ -n ${bad[detector]:-} ]]; then
	result detector fail "${bad[detector]}; it said: $DET_TEXT"
else
	result detector pass "$DET_TEXT"
fi

# --- The peers: nginx (HTTP/1.1), the Go server (HTTP/2), sslsniff. ---
nginx_start ssl
http_files
BODY=$W/html/1m.bin
SUM=$(sha256sum <"$BODY" | cut -d' ' -f1)
"$T/goserver" -cert "$CERT" -key "$KEY" -body "$BODY" >"$T/srv.ready" 2>"$T/srv.err" &
GSERVER=$!
BG_PIDS+=($GSERVER)
wait_for 10 grep -q '^ready' "$T/srv.ready" || fail "the Go server did not start: $(cat "$T/srv.err")"
GPORT=$(awk '{print $2}' "$T/srv.ready")

# Always with --keylog: whether Go's secrets are in it is the keys column.
sniff_start -f json --keylog "$T/keys"

# go_client NAME ARGS...: the client, started now, GETting once attached
# (the first one's exec attaches the file: the probes are then on it for
# every process that runs it, and a second says nothing).
go_client() {
	local name=$1; shift
	"$T/goclient" -wait "$T/$name.go" -view "$T/$name.view" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	CLIENT=$!
	grep -q "probes to '$T/goclient'" "$T/err" ||
		wait_for 20 grep -qE "^sslsniff: attached [0-9]+ probes to '$T/goclient' \(mapped by pid $CLIENT\)" "$T/err" ||
		add bad capture "sslsniff did not attach to the Go client started after it"
	touch "$T/$name.go"
	wait "$CLIENT" || fail "the Go client ($name) failed: $(cat "$T/$name.err")"
}
mkdir "$T/dump"
go_client h1 -url "https://127.0.0.1:$NPORT/1m.bin" -dump "$T/dump"
H1=$CLIENT
go_client h2 -url "https://127.0.0.1:$GPORT/h2" -keylog "$T/h2.keys"
H2=$CLIENT
sniff_stop

# --- Capture: byte for byte, against the client's own plaintext. ---
# One pass over the records: "PID DIR FIELD VALUE..." (sorted, "-": absent;
# the connection's fields of the records that name one), and "PID DIR count
# N" and "PID DIR unnamed N" (records that name no connection).
http_check "$T/out" >"$T/fields" <<'PY' || fail "cannot read the records: $(cat "$T/fields")"
import sys
from http_json import records
conn = ("fd_source", "fd", "src", "dst")
fields = ("library",) + conn + ("tls_version", "cipher", "alpn")
seen = {}
for r in records(sys.argv[1]):
    k = (r["pid"], r["direction"])
    v = seen.setdefault(k, dict({f: set() for f in fields}, count=0, unnamed=0))
    v["count"] += 1
    if "fd" not in r:
        v["unnamed"] += 1
    for f in fields:
        if "fd" in r or f not in conn:
            v[f].add(str(r.get(f, "-")))
for (pid, d), v in sorted(seen.items()):
    for f, vals in v.items():
        print(pid, d, f, vals if type(vals) is int else " ".join(sorted(vals)) or "-")
PY
got() {	# got PID DIR FIELD: the field's values in those records, sorted, one line
	awk -v p="$1" -v d="$2" -v f="$3" '$1 == p && $2 == d && $3 == f {$1 = $2 = $3 = ""; print substr($0, 4)}' "$T/fields"
}
[[ $(cat "$T/h1.out") == "HTTP/1.1 1048576 $SUM" ]] || fail "the HTTP/1.1 client got: $(cat "$T/h1.out")"
[[ $(cat "$T/h2.out") == "HTTP/2.0 1048576 $SUM" ]] || fail "the HTTP/2 client got: $(cat "$T/h2.out")"
lost=$(summary_lost_bytes)
[[ $lost == 0 ]] || add bad capture "$lost bytes lost: $(tail -n 1 "$T/err")"
for dir in write read; do
	records --pid "$H1" --dir "$dir" --data >"$T/h1.$dir" 2>"$T/rec.err" || add bad capture "$(cat "$T/rec.err")"
done
cmp -s "$T/dump/0.w" "$T/h1.write" ||
	add bad capture "HTTP/1.1 write: $(wc -c <"$T/h1.write") bytes captured, not the $(wc -c <"$T/dump/0.w") written"
cmp -s "$T/dump/0.r" "$T/h1.read" ||
	add bad capture "HTTP/1.1 read: $(wc -c <"$T/h1.read") bytes captured, not the $(wc -c <"$T/dump/0.r") read"
libs=$(for p in "$H1" "$H2" "$GSERVER"; do got "$p" write library; got "$p" read library; done | sort -u)
[[ $libs == go ]] || add bad capture "library '$(echo $libs)', want go"
[[ -n $(got "$GSERVER" read count) ]] ||
	add bad capture "nothing of the Go server that ran before sslsniff started"
# HTTP/2: each side's records are the other's the other way round, and the
# body is the payload of the DATA frames of the client's first stream.
http_check "$T/out" "$H2" "$GSERVER" "$BODY" >"$T/h2.check" 2>&1 <<'PY' || add bad capture "HTTP/2: $(tail -n 1 "$T/h2.check")"
import sys
from http_json import stream_bytes, h2_data
out, cli, srv, body = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
want = open(body, "rb").read()
cw, cr = stream_bytes(out, cli, "write"), stream_bytes(out, cli, "read")
sw, sr = stream_bytes(out, srv, "write"), stream_bytes(out, srv, "read")
assert cw == sr, "the client wrote %d bytes, the server read %d" % (len(cw), len(sr))
assert cr == sw, "the client read %d bytes, the server wrote %d" % (len(cr), len(sw))
got = h2_data(cr, 1)
assert got == want, "stream 1's DATA: %d bytes, not the body's %d" % (len(got), len(want))
PY
[[ -z ${bad[capture]:-} ]] && note[capture]="HTTP/1.1 to nginx and HTTP/2 to the Go server, 1 MiB body, both ways"

# --- Metadata: the connection as the client's tls.Conn gives it. ---
# meta WHAT PID FD SRC DST VERSION CIPHER ALPN (FD "" for the server: its
# own fd is not in the client's view).
meta() {
	local what=$1 pid=$2 fd=$3 src=$4 dst=$5 version=$6 cipher=$7 alpn=$8 dir v c a
	for dir in write read; do
		n=$(got "$pid" "$dir" count) un=$(got "$pid" "$dir" unnamed)
		if [[ -z $n ]]; then
			add bad metadata "$what $dir: no records"
			continue
		fi
		# From the syscalls, a call that made none (its bytes already
		# buffered) names no connection: said, not guessed. The struct
		# names every call's.
		if ((un > 0)); then
			if [[ $(got "$pid" "$dir" fd_source) == syscall ]]; then
				add note metadata "$what $dir: $un of $n records name no connection (no syscall in the call)"
			else
				add bad metadata "$what $dir: $un of $n records name no connection"
			fi
		fi
		[[ $(got "$pid" "$dir" fd_source) == @(syscall|struct) ]] ||
			add bad metadata "$what $dir: fd_source '$(got "$pid" "$dir" fd_source)'"
		if [[ -n $fd ]]; then
			[[ $(got "$pid" "$dir" fd) == "$fd" ]] || add bad metadata "$what $dir: fd '$(got "$pid" "$dir" fd)', want $fd"
		else
			[[ $(got "$pid" "$dir" fd) == +([0-9]) ]] || add bad metadata "$what $dir: fd '$(got "$pid" "$dir" fd)'"
		fi
		[[ $(got "$pid" "$dir" src) == "$src" ]] || add bad metadata "$what $dir: src '$(got "$pid" "$dir" src)', want $src"
		[[ $(got "$pid" "$dir" dst) == "$dst" ]] || add bad metadata "$what $dir: dst '$(got "$pid" "$dir" dst)', want $dst"
		# What Go's records carry is reported: each one present must be right.
		v=$(got "$pid" "$dir" tls_version) c=$(got "$pid" "$dir" cipher) a=$(got "$pid" "$dir" alpn)
		[[ $v == - || $v == "$version" ]] || add bad metadata "$what $dir: tls_version '$v', want $version"
		[[ $c == - || $c == "$cipher" ]] || add bad metadata "$what $dir: cipher '$c', want $cipher"
		[[ $a == - || $a == "$alpn" ]] || add bad metadata "$what $dir: alpn '$a', want $alpn"
		for f in tls_version cipher alpn; do
			[[ $(got "$pid" "$dir" $f) == - ]] && missing[$f]=1
		done
	done
}
# view_field FILE NAME: NAME's value in the client's -view line.
view_field() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }
tls_name() {	# tls_name 0xNNNN: the records' name of a TLS version
	case $1 in
	0x0301) echo TLSv1 ;; 0x0302) echo TLSv1.1 ;; 0x0303) echo TLSv1.2 ;; 0x0304) echo TLSv1.3 ;;
	*) echo "$1" ;;
	esac
}
declare -A missing=()
META=
for c in h1 h2; do
	v=$T/$c.view
	[[ $(wc -l <"$v" 2>/dev/null) == 1 ]] || fail "the $c client did not say its one connection: $(cat "$v")"
	fd=$(view_field "$v" fd) src=$(view_field "$v" src) dst=$(view_field "$v" dst)
	version=$(tls_name "$(view_field "$v" tls_version)") cipher=$(view_field "$v" cipher)
	alpn=$(view_field "$v" alpn)
	pid=H1
	[[ $c == h2 ]] && pid=H2
	meta "$c client" "${!pid}" "$fd" "$src" "$dst" "$version" "$cipher" "${alpn:--}"
	[[ $c == h2 ]] && meta "h2 server" "$GSERVER" "" "$dst" "$src" "$version" "$cipher" "${alpn:--}"
	META+="${META:+, }$c fd $fd ($(got "${!pid}" write fd_source)) $src -> $dst $version ${alpn:-no ALPN}"
done
note[metadata]="$META${note[metadata]:+; ${note[metadata]}}"
((${#missing[@]})) && add note metadata "not in the records: $(echo "${!missing[@]}" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"

# --- Keys: every line of the HTTP/2 client's KeyLogWriter in sslsniff's. ---
# (Only the Go-to-Go connection: nginx's OpenSSL gives sslsniff the secrets
# of the HTTP/1.1 one by itself.)
grep -v '^#' "$T/h2.keys" >"$T/want.keys" 2>/dev/null
if [[ ! -s $T/want.keys ]]; then
	add bad keys "the client's KeyLogWriter wrote nothing"
else
	total=$(wc -l <"$T/want.keys")
	missing_keys=$(grep -cvxFf <(cat "$T/keys" 2>/dev/null) "$T/want.keys")
	covers=$("$SSLSNIFF" --help | awk '/--keylog=/ {p = 1; print; next} p && /^ *-/ {exit} p' |
		tr -s ' \n' ' ')
	if ((missing_keys == 0)); then
		add note keys "$total lines of the client's KeyLogWriter"
	elif ((missing_keys == total)) && ! grep -qw Go <<<"$covers"; then
		add skip keys "sslsniff --keylog does not cover Go (its --help: $(grep -oE 'secrets of [^(]* connections' <<<"$covers"))"
	else
		add bad keys "$missing_keys of the $total lines of the client's KeyLogWriter not in --keylog's file"
	fi
fi

cell_results
exit 0
