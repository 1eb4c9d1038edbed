#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs what sslsniff needs to build and to run its tests, from Debian's
# own packages (Debian 12 or later). Run as root. Safe to run again.
#
#   scripts/install-deps.sh          build and test dependencies (make deps)
#   scripts/install-deps.sh --build  only what `make all install` needs (the
#                                    Dockerfile's build stage)
set -euo pipefail

build=(make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev libdw-dev zlib1g-dev
       libssl-dev libcapstone-dev libpcap-dev)
tests=(libclang-rt-dev	# clang's -fsanitize=fuzzer (make fuzz, tests/fuzz/)
       openssl curl wget python3 gnutls-bin libnss3-tools procps iproute2 bsdextrautils
       dwarves dpkg-dev xz-utils binutils quilt
       util-linux ca-certificates tshark
       libnghttp2-dev	# tests/unit/hpack.c, http2.c: nghttp2's HPACK and its sessions
       nginx wrk	# t-load-nginx-pcapng (and make bench)
       nghttp2-client python3-h2	# t-http2-nghttp, t-http2-midstream
       python3-grpcio	# t-grpc (Debian's calls the system's libssl.so.3)
       golang-go	# t-go-*: Go programs' crypto/tls (tests/go/)
       debootstrap	# tests/matrix: Debian roots of other library versions
       iptables	# t-wire-loss: packets dropped between two network namespaces
       docker.io python3-yaml)	# t-deploy: the Dockerfile and docs/daemonset.yaml

# Configuring GnuTLS's and NSS's Debian sources for btf-db (scripts/).
btfdb=(nettle-dev libgmp-dev libtasn1-6-dev libp11-kit-dev libidn2-dev libunistring-dev
       libunbound-dev libnspr4-dev)

want=("${build[@]}")
[[ ${1:-} == --build ]] || want+=("${tests[@]}" "${btfdb[@]}")
missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' ||
		missing+=("$p")
done
# node: any build serves (NodeSource's links OpenSSL statically, Debian's
# uses libssl); install Debian's only when there is none.
[[ ${1:-} == --build ]] || command -v node >/dev/null || missing+=(nodejs)

if ((${#missing[@]})); then
	echo "install-deps: installing ${missing[*]}"
	# No service starts at install (docker.io's dockerd would, with a bridge
	# network): each test starts what it needs, privately. Container images
	# (this machine's too) come with such a policy already.
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
if [[ ${1:-} == --build ]]; then
	echo "install-deps: all build dependencies are present"
else
	echo "install-deps: all build and test dependencies are present"
fi
