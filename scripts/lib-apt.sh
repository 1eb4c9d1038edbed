# SPDX-License-Identifier: GPL-2.0
# Sourced: apt-get against one Debian suite with a private configuration
# under $SSLSNIFF_CACHE/apt, never the machine's own sources.

SSLSNIFF_CACHE=${SSLSNIFF_CACHE:-/var/cache/sslsniff}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# debian_apt SUITE deb|deb-src APT-GET-ARGS...
debian_apt() {
	local dir
	dir=$(debian_apt_dir "$1" "$2") || return
	shift 2
	_debian_apt_get "$dir" "$@"
}

# debian_apt_dir SUITE deb|deb-src: the private apt directory of SUITE, its
# package lists fetched on first use; prints it.
debian_apt_dir() {
	local suite=$1 type=$2 dir
	dir=$SSLSNIFF_CACHE/apt/$suite-$type
	mkdir -p "$dir/lists/partial" "$dir/archives/partial"
	echo "$type [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $DEBIAN_MIRROR $suite main" \
		>"$dir/sources.list"
	[[ -n $(ls "$dir/lists" 2>/dev/null | grep -v partial) ]] ||
		_debian_apt_get "$dir" update >&2 || return
	echo "$dir"
}

_debian_apt_get() {
	local dir=$1
	shift
	apt-get -q -o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir" \
		-o APT::Sandbox::User=root "$@"
}

# debian_unpack SUITE DIR PKG=VERSION...: the binary packages, unpacked in DIR
# (kept: a second call with DIR present does nothing).
debian_unpack() {
	local suite=$1 dir=$2 tmp deb
	shift 2
	[[ -d $dir ]] && return 0
	mkdir -p "$SSLSNIFF_CACHE" "$(dirname "$dir")" || return
	tmp=$(mktemp -d "$SSLSNIFF_CACHE/unpack.XXXXXX") || return
	(cd "$tmp" && debian_apt "$suite" deb download "$@" >&2) || { rm -rf "$tmp"; return 1; }
	mkdir -p "$tmp/root"
	for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; return 1; }; done
	mv "$tmp/root" "$dir" && rm -rf "$tmp"
}

# debian_source SUITE PKG VERSION: the source tree of PKG=VERSION unpacked
# in the current directory as PKG-UPSTREAM, Debian's patches applied. Some
# files a .dsc lists answer 404 on the mirror (a signature, once a debian
# tarball): then the tarballs that did download are unpacked by hand, and
# the tree is made without what is missing (said on stderr).
debian_source() {
	local suite=$1 pkg=$2 ver=$3 up tree orig deb
	up=${ver#*:}
	up=${up%-*}
	tree=$pkg-$up
	debian_apt "$suite" deb-src source "$pkg=$ver" >&2 && [[ -d $tree ]] && return 0
	debian_apt "$suite" deb-src source --download-only "$pkg=$ver" >&2 || true
	orig=$(ls "${pkg}_$up".orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -n 1)
	[[ -n $orig ]] || { echo "debian_source: no $pkg $up tarball on the mirror" >&2; return 1; }
	rm -rf "$tree" "$tree.tmp" && mkdir "$tree.tmp" &&
		tar -xf "$orig" -C "$tree.tmp" --strip-components=1 || return
	deb=$(ls "${pkg}_${ver#*:}".debian.tar.* 2>/dev/null | head -n 1)
	if [[ -n $deb ]]; then
		tar -xf "$deb" -C "$tree.tmp" || return
		(cd "$tree.tmp" && QUILT_PATCHES=debian/patches quilt push -a -q >/dev/null) || return
		echo "debian_source: $pkg $ver unpacked by hand (a listed file is missing)" >&2
	else
		echo "debian_source: $pkg $ver: no Debian tarball on the mirror; upstream $up unpatched" >&2
	fi
	mv "$tree.tmp" "$tree"
}

# go_toolchain SUITE MINOR: Debian's Go MINOR ("1.26") toolchain of SUITE,
# unpacked under $SSLSNIFF_CACHE/go/SUITE-MINOR (kept); prints its GOROOT.
# Go toolchains are static, so one from a newer suite runs on the host.
go_toolchain() {
	local suite=$1 minor=$2 dir=$SSLSNIFF_CACHE/go/$1-$2
	debian_unpack "$suite" "$dir" "golang-$minor-go" "golang-$minor-src" || return
	[[ -x $dir/usr/lib/go-$minor/bin/go ]] || { echo "go_toolchain: no go in $dir" >&2; return 1; }
	echo "$dir/usr/lib/go-$minor"
}

# go_toolchain_version SUITE MINOR: the Debian version of golang-MINOR-go,
# the host's package for bookworm, else that of go_toolchain's tree.
go_toolchain_version() {
	local log=$SSLSNIFF_CACHE/go/$1-$2/usr/share/doc/golang-$2-go/changelog.Debian.gz
	if [[ $1 == bookworm ]]; then
		dpkg-query -W -f='${Version}\n' "golang-$2-go" 2>/dev/null
	else
		zcat "$log" 2>/dev/null | sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p'
	fi
}

# go_minors SUITE: the minors ("1.27") of SUITE's golang-1.N-go packages,
# oldest first, from its package list (fetched once; the host's own dpkg
# status left out).
go_minors() {
	local dir
	dir=$(debian_apt_dir "$1" deb) || return
	apt-cache -o Dir::Etc::sourcelist="$dir/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir" -o Dir::State::status=/dev/null \
		search --names-only '^golang-1\.[0-9]+-go$' |
		sed -n 's/^golang-\(1\.[0-9]*\)-go .*/\1/p' | sort -V
}
