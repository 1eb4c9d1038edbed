#!/usr/bin/env bash
# Bad input: one line on stderr that says what is wrong, and exit status 1.
. "$(dirname "$0")/lib.sh"

expect_error() {
	local want=$1; shift
	"$@" >"$T/eout" 2>"$T/eerr"
	local rc=$?
	[[ $rc == 1 ]] || fail "'$*' exited $rc, want 1: $(cat "$T/eerr")"
	[[ $(wc -l <"$T/eerr") == 1 ]] || fail "'$*' printed more than one line: $(cat "$T/eerr")"
	grep -qF -- "$want" "$T/eerr" || fail "'$*': want '$want', got: $(cat "$T/eerr")"
	[[ ! -s $T/eout ]] || fail "'$*' wrote to stdout"
}

[[ -e /proc/999999 ]] ||
	expect_error "sslsniff: error: no process with PID 999999" "$SSLSNIFF" -p 999999
expect_error "sslsniff: error: no process with PID 999999999" "$SSLSNIFF" -p 999999999
expect_error "sslsniff: error: no process with PID 999999" "$SSLSNIFF" -p "$$,999999"
sleep 60 &
BG_PIDS+=($!)
expect_error "sslsniff: error: no TLS library in the given process(es)" "$SSLSNIFF" -p $!
expect_error "sslsniff: error: kernel BTF '/nonexistent' is not readable" \
	"$SSLSNIFF" --kernel-btf /nonexistent
if command -v setpriv >/dev/null; then
	cp "$SSLSNIFF" "$T/sslsniff-copy" && chmod 755 "$T" "$T/sslsniff-copy"
	expect_error "sslsniff: error: need root, or CAP_SYS_ADMIN (uprobes)" \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$T/sslsniff-copy"
fi
expect_error "sslsniff: error: --lib openssl:/etc/passwd: not an ELF executable or library" \
	"$SSLSNIFF" --lib openssl:/etc/passwd
expect_error "sslsniff: error: --lib openssl:/bin/true: the file defines none of the openssl functions" \
	"$SSLSNIFF" --lib openssl:/bin/true
expect_error "sslsniff: error: --lib gnutls:/nonexistent: No such file or directory" \
	"$SSLSNIFF" --lib gnutls:/nonexistent
expect_error "sslsniff: error: unknown --format 'xml'" "$SSLSNIFF" --format xml
expect_error "sslsniff: error: unknown --return-probes 'ret': use auto, uretprobe or insn" \
	"$SSLSNIFF" --return-probes ret
expect_error "sslsniff: error: -o: cannot create '/nonexistent/dir/out'" \
	"$SSLSNIFF" -o /nonexistent/dir/out
expect_error "sslsniff: error: -Z: no user 'no-such-user-here'" "$SSLSNIFF" -Z no-such-user-here
expect_error "sslsniff: error: -i: no interface 'nosuchif0' here" "$SSLSNIFF" -i nosuchif0
expect_error "sslsniff: error: --wire-source says how -i reads its packets: give -i IFACE too" \
	"$SSLSNIFF" --wire-source pcap
expect_error "sslsniff: error: -w: '/dev/fd/77': that descriptor is not open" "$SSLSNIFF" -w /dev/fd/77 -o /dev/null
# A corrupt kernel BTF is refused at load, in one line.
head -c 4096 /dev/urandom >"$T/bad.btf"
expect_error "sslsniff: error: bpf: cannot" "$SSLSNIFF" --kernel-btf "$T/bad.btf"
# argp's own usage errors also exit non-zero.
"$SSLSNIFF" --max-bytes 0 >/dev/null 2>&1 && fail "--max-bytes 0 accepted"
"$SSLSNIFF" -p abc >/dev/null 2>&1 && fail "-p abc accepted"
"$SSLSNIFF" --lib foo:/x >/dev/null 2>&1 && fail "--lib foo: accepted"
"$SSLSNIFF" --ring-size 1000 >/dev/null 2>&1 && fail "--ring-size 1000 accepted"
true
