#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs what sslsniff needs to build and to run its tests, from Debian's
# own packages (Debian 12 or later). Run as root. Safe to run again.
set -euo pipefail

build=(make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
       libssl-dev libcapstone-dev libpcap-dev
       libclang-rt-dev)	# clang's -fsanitize=fuzzer (make fuzz, tests/fuzz/)
tests=(openssl curl wget python3 gnutls-bin libnss3-tools procps iproute2 bsdextrautils
       dwarves dpkg-dev xz-utils binutils quilt
       util-linux ca-certificates tshark
       libnghttp2-dev	# tests/unit/hpack.c, http2.c: nghttp2's HPACK and its sessions
       nginx wrk	# t-load-nginx-pcapng (and make bench)
       nghttp2-client python3-h2	# t-http2-nghttp, t-http2-midstream
       python3-grpcio	# t-grpc (Debian's calls the system's libssl.so.3)
       golang-go	# t-go-*: Go programs' crypto/tls (tests/go/)
       debootstrap)	# tests/matrix: Debian roots of other library versions

# Configuring GnuTLS's and NSS's Debian sources for btf-db (scripts/).
btfdb=(nettle-dev libgmp-dev libtasn1-6-dev libp11-kit-dev libidn2-dev libunistring-dev
       libunbound-dev libnspr4-dev)

missing=()
for p in "${build[@]}" "${tests[@]}" "${btfdb[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
# node: any build serves (NodeSource's links OpenSSL statically, Debian's
# uses libssl); install Debian's only when there is none.
command -v node >/dev/null || missing+=(nodejs)

if ((${#missing[@]})); then
	echo "install-deps: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
echo "install-deps: all build and test dependencies are present"
