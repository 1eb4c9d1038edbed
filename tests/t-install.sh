#!/usr/bin/env bash
# make install puts btf-db where the installed binary looks for it, under any
# prefix, and make uninstall takes all of it away again; a user's CFLAGS
# (make CFLAGS=-O0) adds to the flags the build needs and replaces none.
. "$(dirname "$0")/lib.sh"
need make
top=$(cd "$TESTS_DIR/.." && pwd)
[[ -x $top/bin/sslsniff ]] || skip "no bin/sslsniff to install (run make)"

for prefix in /usr/local /opt/sslsniff; do
	D=$T/dest$RANDOM
	make -C "$top" --no-print-directory install DESTDIR="$D" PREFIX="$prefix" >"$T/make.log" 2>&1 ||
		fail "make install PREFIX=$prefix: $(tail -n 5 "$T/make.log")"
	[[ -x $D$prefix/sbin/sslsniff && -f $D$prefix/share/man/man8/sslsniff.8 ]] ||
		fail "make install PREFIX=$prefix: no binary or man page: $(find "$D" -type f | head)"
	# The installed binary, nowhere near the build tree, finds its btf-db.
	env -u SSLSNIFF_BTF_DB "$D$prefix/sbin/sslsniff" --list-btf >"$T/list" 2>"$T/list.err" ||
		fail "installed under $prefix: --list-btf: $(cat "$T/list.err")"
	head -n 1 "$T/list" | grep -qxF "# $D$prefix/share/sslsniff/btf-db" ||
		fail "installed under $prefix: btf-db read from $(head -n 1 "$T/list")"
	[[ $(tail -n +3 "$T/list" | wc -l) == $(grep -vc '^#' "$top/btf-db/index") ]] ||
		fail "installed under $prefix: the index lists $(tail -n +3 "$T/list" | wc -l) entries"
	awk 'NR > 2 {print $4}' "$T/list" | while read -r f; do
		cmp -s "$f" "$top/btf-db/${f#"$D$prefix/share/sslsniff/btf-db/"}" || echo "$f"
	done >"$T/bad"
	[[ ! -s $T/bad ]] || fail "installed under $prefix: btf-db files differ: $(cat "$T/bad")"
	make -C "$top" --no-print-directory uninstall DESTDIR="$D" PREFIX="$prefix" >"$T/make.log" 2>&1 ||
		fail "make uninstall PREFIX=$prefix: $(tail -n 5 "$T/make.log")"
	left=$(find "$D" -type f)
	[[ -z $left ]] || fail "make uninstall PREFIX=$prefix left: $left"
done

# CFLAGS from the command line: its own flags, and the build's still there.
make -C "$top" --no-print-directory -n -B CFLAGS=-O0 .output/obj/lib/log.o >"$T/cc" 2>&1 ||
	fail "make -n CFLAGS=-O0: $(cat "$T/cc")"
for flag in -O0 -Werror -Wall -Wextra -Ibpf "-iquote sslsniff" -D_GNU_SOURCE; do
	grep -qF -- " $flag " "$T/cc" || fail "make CFLAGS=-O0 compiles without '$flag': $(cat "$T/cc")"
done
