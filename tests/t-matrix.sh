#!/usr/bin/env bash
# test-timeout: 1800
# The compatibility matrix (tests/matrix/run): OpenSSL 1.1.1 to 4.0, GnuTLS
# 3.7 and 3.8, NSS 3.61 to 3.110 and node's built-in OpenSSL, each as its
# distribution's own binaries in a Debian root, captured from outside it;
# Go's crypto/tls in a client and a server built by each of Debian's Go
# toolchains (1.19 to 1.27), unstripped and stripped.
# Fails when any cell fails; a cell may be skipped only with its reason.
# The first run builds the roots (debootstrap, about 2 minutes; cached),
# unpacks the Go toolchains and builds the Go programs (cached too).
. "$(dirname "$0")/lib.sh"
need debootstrap chroot unshare ss nm

"$TESTS_DIR/matrix/run" >"$T/table" 2>"$T/log"
rc=$?
cat "$T/log" "$T/table"
case $rc in
0)	# A skip without its reason is a failure.
	grep -E '\| skipped(: *)? \|' "$T/table" && fail "a cell was skipped without a reason"
	exit 0 ;;
2)	skip "$(tail -n 1 "$T/table")" ;;
*)	fail "the matrix has failing cells (above)" ;;
esac
