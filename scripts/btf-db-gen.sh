#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Regenerates btf-db/ entries from Debian source packages, built with the
# distribution's own Configure options so that the struct layouts match its
# binaries. Only the objects that define the structs the BPF program reads
# are compiled, with -g; pahole turns their DWARF into BTF.
#
#   scripts/btf-db-gen.sh              every entry listed below
#   scripts/btf-db-gen.sh openssl 3.0.20-1~deb12u2 bookworm [FAMILY]
#   scripts/btf-db-gen.sh gnutls 3.7.9-2+deb12u7 bookworm [FAMILY]
#   scripts/btf-db-gen.sh go 1.24 trixie     (Debian's golang-1.24 of trixie)
#
# Go's entries are not compiled from source: scripts/btf-db-go.go is built
# with the suite's Go toolchain, and sslsniff's own DWARF encoder (built:
# bin/sslsniff) writes the BTF of its crypto/tls and net types, named as
# sslsniff names Go's types (docs/btf-db.md, "Go").
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
	"gnutls 3.7.1-5+deb11u5 bullseye 3.7"
	"gnutls 3.7.9-2+deb12u7 bookworm 3.7"
	"gnutls 3.8.9-3+deb13u4 trixie 3.8"
	"nspr 2:4.35-1 bookworm 4"
	"nspr 2:4.36-1 trixie 4"
	"go 1.19 bookworm 1.19"
	"go 1.24 trixie 1.24"
	"go 1.26 sid 1.26"
	"go 1.27 sid 1.27"
)

fetch_source() {	# fetch_source PKG VERSION SUITE: prints the unpacked tree
	local pkg=$1 ver=$2 suite=$3 up
	up=${ver#*:}
	up=${up%-*}
	if [[ ! -d $CACHE/src/$pkg-$up ]]; then
		mkdir -p "$CACHE/src"
		(cd "$CACHE/src" && debian_source "$suite" "$pkg" "$ver") || return
	fi
	echo "$CACHE/src/$pkg-$up"
}

# btf_out LIB VERSION SUITE: the entry's file, created empty of old content.
btf_out() {
	local up=${2#*:}
	up=${up%-*}
	echo "$DB/$1/$up-$3.btf"
}

# encode OBJECT OUT STRUCT: pahole's BTF of OBJECT, checked to hold STRUCT.
encode() {
	mkdir -p "$(dirname "$2")"
	rm -f "$2"
	pahole -J --btf_encode_detached="$2" "$1" 2>/dev/null
	chmod 0644 "$2"
	[[ $(bpftool btf dump file "$2" | grep -c "STRUCT '$3'") == 1 ]] ||
		{ echo "btf-db-gen: no struct $3 in $2" >&2; exit 1; }
}

# rules_var TREE VAR: a variable of the package's debian/rules, as make
# computes it for this architecture (its conditionals included).
rules_var() {
	(cd "$1" && eval "$(dpkg-architecture -s 2>/dev/null)" &&
		printf 'include debian/rules\nsslsniff-var:\n\t@echo $(%s)\n' "$2" |
		make -s -f - sslsniff-var 2>/dev/null)
}

gen_openssl() {	# gen_openssl VERSION SUITE FAMILY
	local ver=$1 suite=$2 family=$3 tree build out
	tree=$(fetch_source openssl "$ver" "$suite")
	build=$tree/build-btf
	out=$(btf_out openssl "$ver" "$suite")
	if [[ ! -f $build/configdata.pm ]]; then
		mkdir -p "$build"
		# shellcheck disable=SC2046
		(cd "$build" && ../Configure shared $(rules_var "$tree" CONFARGS) \
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
	encode "$build/btf-input.o" "$out" ssl_st
	index_add openssl "$family" "${ver%-*}" "${out#"$DB"/}"
}

# Debian's configure arguments for GnuTLS (debian/rules' CONFIGUREARGS, and
# what its dh_auto_configure adds); documentation and bindings left out:
# they do not change the library's structs.
gnutls_confargs() {
	rules_var "$1" CONFIGUREARGS | sed 's/--with-packager-version=[^ ]*//'
	echo "--enable-static --disable-guile --disable-doc --disable-gtk-doc"
}

gen_gnutls() {	# gen_gnutls VERSION SUITE FAMILY
	local ver=$1 suite=$2 family=$3 tree build out
	tree=$(fetch_source gnutls28 "$ver" "$suite")
	build=$tree/build-btf
	out=$(btf_out gnutls "$ver" "$suite")
	if [[ ! -f $build/config.status ]]; then
		mkdir -p "$build"
		# shellcheck disable=SC2046
		(cd "$build" && ../configure $(gnutls_confargs "$tree") >/dev/null)
	fi
	# struct gnutls_session_int (lib/gnutls_int.h) and the ALPN extension's
	# alpn_ext_st (lib/ext/alpn.h), from the library's own objects
	# (libtool's .libs/). Automake must not rerun (Debian's patches are
	# newer than its outputs); _Atomic reference counts are built as plain
	# ints (same size and alignment): pahole 1.24 cannot encode them.
	local dir obj
	for obj in state ext/alpn; do
		dir=$build/lib/$(dirname "$obj")
		rm -f "$dir/${obj##*/}.lo" "$dir/.libs/${obj##*/}.o"
		make -s -C "$dir" "${obj##*/}.lo" CFLAGS="-g -O2 -D_Atomic=" WARN_CFLAGS= \
			AUTOMAKE=: ACLOCAL=: AUTOCONF=: AUTOHEADER=: >/dev/null
	done
	ld -r "$build/lib/.libs/state.o" "$build/lib/ext/.libs/alpn.o" -o "$build/btf-input.o"
	encode "$build/btf-input.o" "$out" gnutls_session_int
	[[ $(bpftool btf dump file "$out" | grep -c "TYPEDEF 'alpn_ext_st'") == 1 ]] ||
		{ echo "btf-db-gen: no alpn_ext_st in $out" >&2; exit 1; }
	index_add gnutls "$family" "$(gnutls_version "$ver")" "${out#"$DB"/}"
}

gnutls_version() { local v=${1#*:}; echo "${v%-*}"; }

gen_nspr() {	# gen_nspr VERSION SUITE FAMILY
	local ver=$1 suite=$2 family=$3 tree build out up
	tree=$(fetch_source nspr "$ver" "$suite")
	build=$tree/build-btf
	out=$(btf_out nspr "$ver" "$suite")
	up=${ver#*:}
	up=${up%-*}
	if [[ ! -f $build/config.status ]]; then
		mkdir -p "$build"
		# shellcheck disable=SC2046
		(cd "$build" && ../nspr/configure $(rules_var "$tree" CONFIGURE_FLAGS) \
			--prefix=/usr >/dev/null)
	fi
	# struct PRFilePrivate (pr/include/private/primpl.h), from the object
	# that opens sockets, once the generated prcpucfg.h is in place.
	make -s -C "$build/config" export >/dev/null
	make -s -C "$build/pr/include" export >/dev/null
	rm -f "$build/pr/src/pthreads/ptio.o"
	make -s -C "$build/pr/src/pthreads" ptio.o OPTIMIZER="-g -O2" >/dev/null
	encode "$build/pr/src/pthreads/ptio.o" "$out" PRFilePrivate
	index_add nspr "$family" "$up" "${out#"$DB"/}"
}

gen_go() {	# gen_go MINOR SUITE FAMILY
	local minor=$1 suite=$2 family=$3 goroot build ver out cache
	goroot=$(go_toolchain "$suite" "$minor")
	build=$CACHE/go-btf/$suite-$minor
	mkdir -p "$build/gocache"
	cp "$ROOT/scripts/btf-db-go.go" "$build/main.go"
	printf 'module sslsniff.btf/layout\n\ngo 1.17\n' >"$build/go.mod"
	# -trimpath: the same executable wherever the tree is.
	(cd "$build" && HOME=$build GOCACHE=$build/gocache GOPATH=$build/gopath GOFLAGS=-mod=mod \
		GOPROXY=off GOTOOLCHAIN=local CGO_ENABLED=0 "$goroot/bin/go" build -trimpath \
		-o layout .)
	ver=$("$goroot/bin/go" env GOVERSION)
	ver=${ver#go}
	[[ $ver == "$minor".* || $ver == "$minor" ]] ||
		{ echo "btf-db-gen: $goroot is Go $ver, not $minor" >&2; exit 1; }
	out=$DB/go/$ver-$suite.btf
	mkdir -p "$DB/go"
	rm -f "$out"
	cache=$(mktemp -d)
	SSLSNIFF_BTF_CACHE=$cache SSLSNIFF_BTF_DB=/nonexistent "${SSLSNIFF:-$ROOT/bin/sslsniff}" \
		--detect "$build/layout" -o "$out" >"$build/detect" ||
		{ cat "$build/detect" >&2; rm -rf "$cache"; exit 1; }
	rm -rf "$cache"
	chmod 0644 "$out"
	grep -q "generated from the DWARF" "$build/detect" ||
		{ echo "btf-db-gen: $build/layout: no layout from its DWARF" >&2; exit 1; }
	[[ $(bpftool btf dump file "$out" | grep -c "STRUCT 'go_crypto_tls__Conn'") == 1 ]] ||
		{ echo "btf-db-gen: no struct go_crypto_tls__Conn in $out" >&2; exit 1; }
	index_add go "$family" "$ver" "${out#"$DB"/}"
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
	[[ $1 == openssl || $1 == gnutls || $1 == nspr || $1 == go ]] ||
		{ echo "btf-db-gen: LIB is openssl, gnutls, nspr or go" >&2; exit 2; }
	up=${2#*:}
	"gen_$1" "$2" "$3" "${4:-$(echo "$up" | cut -d. -f1,2)}"
else
	for e in "${ENTRIES[@]}"; do
		# shellcheck disable=SC2086
		set -- $e
		"gen_$1" "$2" "$3" "$4"
	done
fi
