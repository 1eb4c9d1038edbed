#!/usr/bin/env bash
# On a kernel built without IPv6 (no skc_v6_daddr, skc_v6_rcv_saddr in its
# struct sock_common), the program still loads (bpf/sock.bpf.h reads those
# fields only where the kernel's BTF has them) and captures IPv4
# connections with their addresses. The kernel is this one, described by
# its own BTF with those two member names changed (same length, so the
# file stays valid), given with --kernel-btf.
. "$(dirname "$0")/lib.sh"
need python3

python3 - /sys/kernel/btf/vmlinux "$T/vmlinux-no-ipv6" <<'PY' || fail "cannot make the BTF"
import sys
b = open(sys.argv[1], "rb").read()
for name in (b"skc_v6_daddr", b"skc_v6_rcv_saddr"):
    old = b"\0" + name + b"\0"
    if b.count(old) != 1:
        sys.exit("%s: %d times in the string section" % (name.decode(), b.count(old)))
    b = b.replace(old, b"\0" + name[:-1] + b"X\0")
open(sys.argv[2], "wb").write(b)
PY

unique no-ipv6-request >"$T/req"
printf 'reply to {req}' >"$T/reply"
peer_serve srv --reply "$T/reply"
sniff_start -f json -c python3 --kernel-btf "$T/vmlinux-no-ipv6"
peer_client
sniff_stop

{ printf 'reply to '; cat "$T/req"; } >"$T/want"
records --pid "$CLIENT" --func SSL_write_ex --data >"$T/c.w"
records --pid "$CLIENT" --func SSL_read_ex --data >"$T/c.r"
assert_bytes "$T/req" "$T/c.w" "SSL_write_ex without IPv6 in the kernel's BTF"
assert_bytes "$T/want" "$T/c.r" "SSL_read_ex without IPv6 in the kernel's BTF"
dst=$(records --pid "$CLIENT" --func SSL_write_ex --field dst)
[[ $dst == "127.0.0.1:$PORT" ]] || fail "destination '$dst', not 127.0.0.1:$PORT"
