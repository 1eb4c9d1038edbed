#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the Debian roots that the compatibility matrix (tests/matrix/run)
# runs real distribution binaries in, one per suite, cached in
# $SSLSNIFF_CACHE/roots/SUITE (default /var/cache/sslsniff/roots).
#
#   tests/matrix/setup-roots.sh [SUITE...]    (default: every suite below)
#
# A root is rebuilt only when it is absent or its recipe (below) changed:
# each root carries a stamp with the hash of its recipe. A root is built in
# a temporary directory under a per-suite lock and renamed into place once
# complete, so an interrupted build is never taken for a root, and runs at
# the same time wait for each other instead of building twice. debootstrap
# and apt run in a private mount namespace: whatever they mount (/proc,
# /sys) goes away with them, also when they are killed.
#
# Exit status: 0 every root ready; 3 the mirror could not be reached (the
# caller may skip); 1 anything else.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../scripts/lib-apt.sh"

ROOTS=$SSLSNIFF_CACHE/roots
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

# The mirror the machine itself uses (its deb822 sources), unless
# DEBIAN_MIRROR is set: the only registry reachable here.
if [[ -z ${SSLSNIFF_ROOTS_MIRROR:-} ]]; then
	SSLSNIFF_ROOTS_MIRROR=$(sed -n 's|^URIs: *\(\S*/debian\)/*$|\1|p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
	[[ -n $SSLSNIFF_ROOTS_MIRROR && $DEBIAN_MIRROR == http://deb.debian.org/debian ]] ||
		SSLSNIFF_ROOTS_MIRROR=$DEBIAN_MIRROR
fi

# SUITE | how | packages | what must be installed (package=version glob).
# "debootstrap": a minbase debootstrap of SUITE with the packages.
# "BASE+SUITE2": a copy of the root BASE, then the packages from SUITE2
# with the root's own apt (SUITE2 added to the root's own sources).
# Editing a line rebuilds that root (and those made from it).
RECIPES=(
	"bullseye|debootstrap|openssl,python3,curl,gnutls-bin,libnss3-tools,ca-certificates|libssl1.1=1.1.1w-* libgnutls30=3.7.1-* libnss3=2:3.61* python3=3.9.*"
	"trixie|debootstrap|openssl,python3,curl,gnutls-bin,libnss3-tools,ca-certificates|libssl3t64=3.5.* libgnutls30t64=3.8.* libnss3=2:3.110* python3=3.13.*"
	"sid|debootstrap|openssl,python3,curl,ca-certificates|libssl3t64=3.6.* python3=3.*"
	"experimental|sid+experimental|openssl,libssl4|libssl4=4.0.* openssl=4.0.*"
)
RECIPE_FORMAT=1

recipe() {	# recipe SUITE: its line, or nothing
	local r
	for r in "${RECIPES[@]}"; do
		if [[ ${r%%|*} == "$1" ]]; then echo "$r"; fi
	done
}

recipe_hash() {	# recipe_hash SUITE: the hash of its recipe and its base's
	local r how
	r=$(recipe "$1")
	how=$(cut -d'|' -f2 <<<"$r")
	{
		echo "format $RECIPE_FORMAT"
		echo "$r"
		if [[ $how == *+* ]]; then recipe_hash "${how%%+*}"; fi
	} | sha256sum | cut -d' ' -f1
}

log() { echo "setup-roots: $*" >&2; }

# True when the root's stamp says it was built from the current recipe.
root_ready() {
	[[ -f $ROOTS/$1/.sslsniff-root ]] &&
		[[ $(head -n 1 "$ROOTS/$1/.sslsniff-root") == "hash $(recipe_hash "$1")" ]]
}

# A download failure, as debootstrap or apt says it (exit 3), or another one.
failure_kind() {	# failure_kind LOG
	if grep -qiE "couldn't download|failed getting release|failed to fetch|could not resolve|temporary failure in name resolution|unable to connect|connection (refused|timed out)" "$1"; then
		return 3
	fi
	return 1
}

# Any leftover of a build that was killed: its private namespace took its
# mounts with it, so only files remain (--one-file-system all the same).
remove_dir() {
	[[ -e $1 ]] || return 0
	if grep -q " $1/" /proc/self/mounts; then
		log "'$1' has mounts under it; not removing it"
		return 1
	fi
	rm -rf --one-file-system "$1"
}

# in_root DIR CMD...: CMD in the root DIR, /proc mounted in a private mount
# namespace (gone when CMD ends, whatever happens to it).
in_root() {
	local dir=$1
	shift
	unshare -m --propagation private sh -c \
		'mount -t proc proc "$0/proc" && exec chroot "$0" "$@"' "$dir" "$@"
}

# check_versions DIR SUITE: every "package=glob" of the recipe installed.
check_versions() {
	local dir=$1 r want pkg glob ver ok=0
	r=$(recipe "$2")
	for want in $(cut -d'|' -f4 <<<"$r"); do
		pkg=${want%%=*}
		glob=${want#*=}
		ver=$(dpkg-query --admindir="$dir/var/lib/dpkg" -W -f='${Version}' "$pkg" 2>/dev/null) || ver=
		# shellcheck disable=SC2053
		if [[ -z $ver || $ver != $glob ]]; then
			log "$2: $pkg is '${ver:-not installed}', the recipe wants $glob (update RECIPES)"
			ok=1
		fi
	done
	return $ok
}

build() {	# build SUITE: the root of SUITE ready (built or cached)
	local suite=$1 r how pkgs hash lockfd tmp logf start rc base from
	r=$(recipe "$suite")
	[[ -n $r ]] || { log "no recipe for suite '$suite'"; return 1; }
	how=$(cut -d'|' -f2 <<<"$r")
	pkgs=$(cut -d'|' -f3 <<<"$r")
	hash=$(recipe_hash "$suite")
	mkdir -p "$ROOTS"
	exec {lockfd}>>"$ROOTS/.$suite.lock"
	if ! flock -n "$lockfd"; then
		log "$suite: waiting for another build of it"
		flock -w 3600 "$lockfd" || { log "$suite: gave up waiting for its lock"; return 1; }
	fi
	if root_ready "$suite"; then
		exec {lockfd}>&-
		return 0
	fi
	for tmp in "$ROOTS/.$suite".tmp.* "$ROOTS/.$suite".old.*; do
		remove_dir "$tmp" || return 1
	done
	start=$SECONDS
	tmp=$ROOTS/.$suite.tmp.$$
	logf=$ROOTS/.$suite.log
	log "$suite: building (log: $logf)"
	mkdir -p "$tmp"
	rc=0
	case $how in
	debootstrap)
		mkdir -p "$SSLSNIFF_CACHE/debootstrap/$suite"
		unshare -m --propagation private debootstrap --variant=minbase --include="$pkgs" \
			--keyring="$KEYRING" --cache-dir="$SSLSNIFF_CACHE/debootstrap/$suite" \
			"$suite" "$tmp" "$SSLSNIFF_ROOTS_MIRROR" >"$logf" 2>&1 || rc=$?
		;;
	*+*)
		base=${how%%+*}
		from=${how#*+}
		# Release this lock while the base is built: the base never
		# waits for us, so two suites cannot wait for each other.
		build "$base" || { rc=$?; rm -rf --one-file-system "$tmp"; exec {lockfd}>&-; return $rc; }
		{
			# The base's lock held while copying it: not replaced meanwhile.
			flock -w 3600 9 && cp -a "$ROOTS/$base/." "$tmp/" && rm -f "$tmp/.sslsniff-root"
		} 9>>"$ROOTS/.$base.lock" >"$logf" 2>&1 || rc=$?
		if ((rc == 0)); then
			echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $SSLSNIFF_ROOTS_MIRROR $from main" \
				>"$tmp/etc/apt/sources.list.d/sslsniff-$from.list"
			# The mirror may be a snapshot older than its Release files'
			# Valid-Until (seen: sid's, 18 days): the signature still counts.
			{
				in_root "$tmp" apt-get -q -o Acquire::Check-Valid-Until=false update &&
					DEBIAN_FRONTEND=noninteractive in_root "$tmp" apt-get -q -y \
						-o Acquire::Check-Valid-Until=false --no-install-recommends \
						-t "$from" install ${pkgs//,/ }
			} >>"$logf" 2>&1 || rc=$?
		fi
		;;
	*)
		log "$suite: unknown recipe '$how'"
		rc=1
		;;
	esac
	if ((rc == 0)); then
		check_versions "$tmp" "$suite" || rc=1
	fi
	if ((rc != 0)); then
		tail -n 5 "$logf" | sed 's/^/    /' >&2
		failure_kind "$logf" || rc=$?
		log "$suite: build failed"
		remove_dir "$tmp"
		exec {lockfd}>&-
		return $rc
	fi
	rm -rf "$tmp/var/cache/apt/archives/"*.deb "$tmp/var/cache/apt/"*.bin \
		"$tmp/var/lib/apt/lists/"*_Packages* 2>/dev/null || true
	{
		echo "hash $hash"
		echo "recipe $r"
		dpkg-query --admindir="$tmp/var/lib/dpkg" -W -f='package ${Package} ${Version}\n'
	} >"$tmp/.sslsniff-root"
	if [[ -e $ROOTS/$suite ]]; then
		mv "$ROOTS/$suite" "$ROOTS/.$suite.old.$$"
	fi
	mv "$tmp" "$ROOTS/$suite"
	remove_dir "$ROOTS/.$suite.old.$$"
	log "$suite: built in $((SECONDS - start)) s"
	exec {lockfd}>&-
}

((EUID == 0)) || { log "must run as root (debootstrap, chroot)"; exit 1; }
command -v debootstrap >/dev/null || { log "needs debootstrap (run make deps)"; exit 1; }
suites=("$@")
if ((${#suites[@]} == 0)); then
	for r in "${RECIPES[@]}"; do suites+=("${r%%|*}"); done
fi

# The suites are built side by side: most of a build is waiting for the
# mirror. A derived suite waits for its base through the base's lock.
pids=()
for s in "${suites[@]}"; do
	build "$s" &
	pids+=($!)
done
status=0
for p in "${pids[@]}"; do
	wait "$p" || { rc=$?; ((status == 0 || status == 3)) && status=$rc; }
done
for s in "${suites[@]}"; do
	root_ready "$s" && echo "$s $ROOTS/$s"
done
exit $status
