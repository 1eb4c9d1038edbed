#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Builds the fuzz targets' generated seeds into OUT/<target>/: real files
# made here by the real tools (gcc, ldconfig, pahole) or taken from this
# machine (its libssl's code, its processes' maps), small enough to fuzz
# fast. The committed ones are in tests/fuzz/corpus/<target>/.
set -euo pipefail
out=${1:?usage: seeds.sh OUT}
here=$(cd "$(dirname "$0")" && pwd)
stub=$here/seeds/tls_stub.c
CC=${CC:-cc}
mkdir -p "$out"/{elf,dwarf,probe_place,ldcache,maps,btf_db,btf_load,decode}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ELF: the stub as each library kind, stripped as distributions ship them.
cflags=(-O2 -fPIC -fno-shrink-wrap -fno-omit-frame-pointer -fcf-protection -w)
ldflags=(-shared -Wl,--build-id -Wl,-z,noseparate-code)
stub_so() {	# NAME EXTRA-FLAGS...
	local name=$1; shift
	$CC "${cflags[@]}" "$@" "${ldflags[@]}" -o "$tmp/$name" "$stub"
}
stub_so openssl.so -s -Wl,--no-as-needed -lcrypto
stub_so openssl-ex2.so -s -DSTUB_EX2 -Wl,--no-as-needed -lcrypto
stub_so gnutls.so -s -DSTUB_GNUTLS
stub_so nspr.so -s -DSTUB_NSPR
# OpenSSL built into an executable, its symbols in .symtab only (node).
$CC "${cflags[@]/-fPIC/-fPIE}" -pie -nostartfiles -Wl,--build-id -Wl,-z,noseparate-code \
	-o "$tmp/static-exe" "$stub" -Wl,-e,SSL_read
# A Go executable's build info, inline (1.18+) and by pointers (up to 1.17).
$CC -O2 -w -nostdlib -static -no-pie -o "$tmp/go-inline" "$here/seeds/go_stub.c"
$CC -O2 -w -nostdlib -static -no-pie -DGO_POINTERS -o "$tmp/go-pointers" "$here/seeds/go_stub.c"
cp "$tmp"/openssl.so "$tmp"/openssl-ex2.so "$tmp"/gnutls.so "$tmp"/nspr.so \
	"$tmp"/static-exe "$tmp"/go-inline "$tmp"/go-pointers "$out/elf/"

# Go's function table: the first functions of a real one (the Go
# toolchain's gofmt, stripped), alone in each layout and in a stripped
# executable of its own (textStart 0, the text start in its moduledata),
# also with the section renamed (found by its magic).
if command -v go >/dev/null && [[ -x $(go env GOROOT)/bin/gofmt ]]; then
	mkdir -p "$out/go_pclntab"
	python3 "$here/seeds/pclntab.py" "$(go env GOROOT)/bin/gofmt" "$tmp/pclntab" 8
	cp "$tmp/pclntab.raw" "$out/go_pclntab/table"
	cp "$tmp/pclntab.go116.raw" "$out/go_pclntab/table-go116"
	$CC -O2 -w -nostdlib -static -no-pie -s -I"$tmp" -Wl,-e,go_text -Wl,-z,max-page-size=64 \
		-Wl,-z,separate-code -o "$tmp/go-stripped" "$here/seeds/go_pclntab_stub.c"
	objcopy --rename-section .gopclntab=.odd "$tmp/go-stripped" "$tmp/go-odd"
	for f in go-stripped go-odd; do
		printf '\1' | cat - "$tmp/$f" >"$out/go_pclntab/$f"
	done
fi

# DWARF: the same with debug info, as each DWARF version and container.
stub_so dwarf5.so -g -gdwarf-5
stub_so dwarf4.so -g -gdwarf-4
stub_so dwarf-gz.so -g -gz=zlib
$CC "${cflags[@]}" -g -c -o "$tmp/dwarf.o" "$stub"
cp "$tmp"/dwarf5.so "$tmp"/dwarf4.so "$tmp"/dwarf-gz.so "$tmp"/dwarf.o "$out/dwarf/"

# Probe placement: the wrappers' code window of each (the machine's own
# libssl too): u32 offset of SSL_write, u32 of SSL_write_ex (from the
# window's start), then the window, from 4 KiB before the lower one (the
# internal function they call may come first) to 4 KiB past the higher,
# taken from the executable segment. The target maps it back at
# the same address.
probe_seed() {	# ELF OUT
	python3 - "$1" "$2" <<'PY'
import struct, subprocess, sys
elf, out = sys.argv[1], sys.argv[2]
syms = {}
for line in subprocess.run(["nm", "-D", "--defined-only", elf], capture_output=True,
                           text=True).stdout.splitlines():
    f = line.split()
    if len(f) == 3:
        syms[f[2].split("@")[0]] = int(f[0], 16)
if "SSL_write" not in syms or "SSL_write_ex" not in syms:
    sys.exit(0)
data = open(elf, "rb").read()
phoff, = struct.unpack_from("<Q", data, 0x20)
phnum, = struct.unpack_from("<H", data, 0x38)
for i in range(phnum):
    p_type, p_flags, p_off, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + 56 * i)
    a, b = syms["SSL_write"], syms["SSL_write_ex"]
    if p_type == 1 and p_flags & 1 and p_vaddr <= min(a, b) and max(a, b) < p_vaddr + p_filesz:
        lo = max(min(a, b) - 4096, p_vaddr)
        hi = min(max(a, b) + 4096, p_vaddr + p_filesz)
        code = data[p_off + lo - p_vaddr:p_off + hi - p_vaddr]
        with open(out, "wb") as f:
            f.write(struct.pack("<QII", lo, a - lo, b - lo) + code)
        break
PY
}
probe_seed "$tmp/openssl.so" "$out/probe_place/stub"
probe_seed "$tmp/openssl-ex2.so" "$out/probe_place/stub-ex2"
for lib in /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib/x86_64-linux-gnu/libssl.so.1.1; do
	[[ -e $lib ]] && probe_seed "$lib" "$out/probe_place/$(basename "$lib")"
done

# Linker caches as ldconfig writes them (new and old+new formats), of a
# root with a few TLS libraries and others.
mkdir -p "$tmp/root/etc" "$tmp/root/usr/lib/x86_64-linux-gnu"
for l in libssl.so.3 libgnutls.so.30 libnspr4.so libc.so.6 libz.so.1; do
	[[ -e /usr/lib/x86_64-linux-gnu/$l ]] &&
		cp "/usr/lib/x86_64-linux-gnu/$l" "$tmp/root/usr/lib/x86_64-linux-gnu/"
done
: >"$tmp/root/etc/ld.so.conf"
for fmt in new compat; do
	ldconfig -r "$tmp/root" -c "$fmt" -C "/etc/$fmt.cache" 2>/dev/null &&
		cp "$tmp/root/etc/$fmt.cache" "$out/ldcache/" || true
done

# Maps: this script's processes'.
cp /proc/self/maps "$out/maps/self"
head -c 4096 /proc/$$/maps >"$out/maps/shell"

# btf-db: the real index; BTF: pahole's of the stub, the smallest real files.
cp "$here/../../btf-db/index" "$out/btf_db/index"
pahole --btf_encode_detached="$out/btf_load/stub.btf" "$tmp/dwarf4.so" 2>/dev/null ||
	rm -f "$out/btf_load/stub.btf"
cp "$here"/../../btf-db/nspr/4.35-bookworm.btf "$out/btf_load/"

# Ring records as the BPF program writes them (bpf/sslsniff.h).
python3 "$here/seeds/records.py" "$out/decode"
