#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regenerates btf-db/ entries from Debian source packages, built with the
# distribution's own Configure options so that the struct layouts match its
# binaries. Only the objects that define the structs the BPF program reads
# are compiled, with -g; pahole turns their DWARF into BTF.
#
#   scripts/btf-db-gen.sh              every entry listed below
#   scripts/btf-db-gen.sh openssl 3.0.20-1~deb12u2 bookworm
#
# Downloads and builds go to $SSLSNIFF_CACHE (default /var/cache/sslsniff),
# never into the checkout; the machine's own apt sources are not touched.
# $BTF_DB_OUT writes the entries and index elsewhere (the tests do).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/lib-apt.sh
. "$ROOT/scripts/lib-apt.sh"
CACHE=$SSLSNIFF_CACHE
DB=${BTF_DB_OUT:-$ROOT/btf-db}

# library  source-version  suite  layout-family
ENTRIES=(
	"openssl 1.1.1w-0+deb11u1 bullseye 1.1.1"
	"openssl 3.0.20-1~deb12u2 bookworm 3.0"
	"openssl 3.5.7-1~deb13u2 trixie 3.5"
	"openssl 3.6.3-1 sid 3.6"
	"openssl 4.0.2-1 experimental 4.0"
)

fetch_source() {	# fetch_source PKG VERSION SUITE: prints the unpacked tree
	local pkg=$1 ver=$2 suite=$3 tree
	tree=$CACHE/src/$pkg-${ver%-*}
	if [[ ! -d $tree ]]; then
		mkdir -p "$CACHE/src"
		(cd "$CACHE/src" && debian_apt "$suite" deb-src source "$pkg=$ver" >&2)
	fi
	echo "$tree"
}

# Debian's Configure arguments, as the package's own debian/rules computes
# them for this architecture (its conditionals included).
openssl_confargs() {
	(cd "$1" && eval "$(dpkg-architecture -s 2>/dev/null)" &&
		printf 'include debian/rules\nsslsniff-confargs:\n\t@echo $(CONFARGS)\n' |
		make -s -f - sslsniff-confargs)
}

gen_openssl() {	# gen_openssl VERSION SUITE FAMILY
	local ver=$1 suite=$2 family=$3 tree build out
	tree=$(fetch_source openssl "$ver" "$suite")
	build=$tree/build-btf
	out=$DB/openssl/${ver%-*}-$suite.btf
	if [[ ! -f $build/configdata.pm ]]; then
		mkdir -p "$build"
		# shellcheck disable=SC2046
		(cd "$build" && ../Configure shared $(openssl_confargs "$tree") \
			"debian-$(dpkg --print-architecture)" >/dev/null)
		make -s -C "$build" build_generated >/dev/null
	fi
	# The structs the program reads: SSL (ssl/ssl_local.h) and BIO
	# (crypto/bio/bio_local.h), from the objects of the shared library (3.x
	# names them libssl-shlib-*.o, 1.1.1 plainly). C11 _Atomic reference
	# counts are built as plain ints (same size and alignment): pahole 1.24
	# cannot encode them.
	local objs=() o
	for o in ssl/ssl_lib crypto/bio/bio_lib; do
		objs+=("$(grep -oE "${o%/*}/(lib[a-z]+-shlib-)?${o##*/}\.o" "$build/Makefile" |
			sort -u | sort -r | head -n 1)")
	done
	(cd "$build" && rm -f "${objs[@]}")
	make -s -C "$build" "${objs[@]}" CFLAGS="-g -O2 -D__STDC_NO_ATOMICS__" >/dev/null
	(cd "$build" && ld -r "${objs[@]}" -o btf-input.o)
	mkdir -p "$(dirname "$out")"
	rm -f "$out"
	pahole -J --btf_encode_detached="$out" "$build/btf-input.o" 2>/dev/null
	chmod 0644 "$out"
	[[ $(bpftool btf dump file "$out" | grep -c "STRUCT 'ssl_st'") == 1 ]] ||
		{ echo "btf-db-gen: no ssl_st in $out" >&2; exit 1; }
	index_add openssl "$family" "${ver%-*}" "${out#"$DB"/}"
}

index_add() {	# index_add LIB FAMILY VERSION FILE
	local idx=$DB/index tmp
	tmp=$(mktemp)
	{ grep -v "^$1	[^	]*	$3	" "$idx" 2>/dev/null || true; printf '%s\t%s\t%s\t%s\n' "$@"; } |
		grep -v '^#' | sort >"$tmp"
	{ echo "# library	layout-family	version	file (relative to btf-db/)"; cat "$tmp"; } >"$idx"
	rm -f "$tmp"
	echo "btf-db: $1 $3 ($2) -> $4"
}

if (($#)); then
	[[ $1 == openssl ]] || { echo "btf-db-gen: only openssl entries so far" >&2; exit 2; }
	gen_openssl "$2" "$3" "${4:-$(echo "$2" | cut -d. -f1,2)}"
else
	for e in "${ENTRIES[@]}"; do
		# shellcheck disable=SC2086
		set -- $e
		"gen_$1" "$2" "$3" "$4"
	done
fi
