#!/usr/bin/env bash
# test-timeout: 300
# --return-probes=insn (uprobes on the return instructions instead of
# uretprobes) captures what uretprobes do, byte for byte: the capture tests
# of OpenSSL (s_client/s_server, python's _ex calls, curl), GnuTLS and NSS
# run again in that mode (lib.sh's sniff_start reads SSLSNIFF_RETURN_PROBES),
# each asserting the bytes the peers sent; and OpenSSL's data functions are
# then really probed at their return instructions, not with uretprobes.
. "$(dirname "$0")/lib.sh"
need openssl

sniff_start -v --return-probes=insn --no-watch
sniff_stop
for f in SSL_read SSL_write SSL_read_ex SSL_write_ex; do
	grep -qE "libssl\.so\.3': $f returns: [0-9]+ return instructions?$" "$T/err" ||
		fail "$f is not probed at its return instructions"
done
grep -qE "gnutls_record_recv returns: [0-9]+ return instructions?$" "$T/err" ||
	fail "gnutls_record_recv is not probed at its return instructions"

for t in t-openssl-sclient-sserver t-python-ex t-curl t-gnutls t-nss t-large-1mib; do
	SSLSNIFF_RETURN_PROBES=insn bash "$TESTS_DIR/$t.sh" >"$T/$t.log" 2>&1
	rc=$?
	case $rc in
	0) echo "insn: $t passed" ;;
	2) echo "insn: $t skipped: $(tail -n 1 "$T/$t.log")" ;;
	*) cat "$T/$t.log" >&2; fail "$t fails with --return-probes=insn" ;;
	esac
done
