// SPDX-License-Identifier: GPL-2.0
/*
 * -i's packets: every TCP segment that carries bytes, or opens or ends a
 * connection, on one interface, copied from TC into a ring buffer. A
 * libpcap socket clones each outgoing packet before its filter runs; here
 * the segment is read in place and only what -i decrypts is copied, once.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "wire_tap.h"

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86dd
#define AF_INET		2
#define AF_INET6	10
#define IPPROTO_TCP	6
#define TCP_FLAGS_OPEN_END	0x07	/* FIN, SYN, RST */
/* TCX_NEXT: the next program of the hook decides, as if this one were not there. */
#define TAP_NEXT	-1

/* Where the IP header starts: 14 past an Ethernet (or loopback) header, 0 on an IP device. */
const volatile __u32 targ_l3_offset = 14;
const volatile __u32 targ_wake_bytes = 1 << 20;

/* Set by user space just before it sleeps on the ring; cleared by whoever wakes it. */
__u32 reader_asleep = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 32 << 20);	/* user space sets it */
} tap_ring SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct wire_tap_stats);
} wire_tap_stats SEC(".maps");

extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym;
extern int bpf_dynptr_copy(struct bpf_dynptr *dst_ptr, __u32 dst_off, struct bpf_dynptr *src_ptr,
			   __u32 src_off, __u32 size) __ksym;

/* A segment's place in the packet and its header's fields. */
struct segment {
	struct wire_tap_record rec;
	__u32 payload_off;
};

/* The TCP header at OFF; the segment ends at END (from the IP header). */
static __always_inline int parse_tcp(struct __sk_buff *skb, __u32 off, __u32 end, struct segment *s)
{
	struct tcphdr th;
	__u32 doff;

	if (bpf_skb_load_bytes(skb, off, &th, sizeof(th)))
		return -1;
	doff = th.doff * 4;
	if (doff < sizeof(th) || off + doff > end)
		return -1;
	s->rec.sport = bpf_ntohs(th.source);
	s->rec.dport = bpf_ntohs(th.dest);
	s->rec.seq = bpf_ntohl(th.seq);
	s->rec.ack = bpf_ntohl(th.ack_seq);
	s->rec.tcp_flags = ((__u8 *)&th)[13];
	s->payload_off = off + doff;
	return 0;
}

static __always_inline int parse_ipv4(struct __sk_buff *skb, __u32 l3, struct segment *s)
{
	struct iphdr ip;
	__u32 ihl, tot, end = skb->len;

	if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)) || ip.version != 4 ||
	    ip.protocol != IPPROTO_TCP || ip.frag_off & bpf_htons(0x1fff))
		return -1;
	ihl = ip.ihl * 4;
	tot = bpf_ntohs(ip.tot_len);
	/* 0: a big TCP frame larger than 64 KiB, whose length is the skb's */
	if (tot && l3 + tot < end)
		end = l3 + tot;
	if (ihl < sizeof(ip))
		return -1;
	s->rec.family = AF_INET;
	__builtin_memcpy(s->rec.saddr, &ip.saddr, 4);
	__builtin_memcpy(s->rec.daddr, &ip.daddr, 4);
	return parse_tcp(skb, l3 + ihl, end, s) ? -1 : (int)end;
}

static __always_inline int parse_ipv6(struct __sk_buff *skb, __u32 l3, struct segment *s)
{
	struct ipv6hdr ip;
	__u32 plen, end = skb->len;

	if (bpf_skb_load_bytes(skb, l3, &ip, sizeof(ip)) || ip.version != 6 ||
	    ip.nexthdr != IPPROTO_TCP)
		return -1;
	plen = bpf_ntohs(ip.payload_len);
	if (plen && l3 + sizeof(ip) + plen < end)
		end = l3 + sizeof(ip) + plen;
	s->rec.family = AF_INET6;
	__builtin_memcpy(s->rec.saddr, &ip.saddr, 16);
	__builtin_memcpy(s->rec.daddr, &ip.daddr, 16);
	return parse_tcp(skb, l3 + sizeof(ip), end, s) ? -1 : (int)end;
}

/* As the probes' ring does: a wake-up only for a sleeping reader, a batch at a time. */
static __always_inline __u64 ring_wake_flag(void)
{
	if (!*(volatile __u32 *)&reader_asleep ||
	    bpf_ringbuf_query(&tap_ring, BPF_RB_AVAIL_DATA) < targ_wake_bytes)
		return BPF_RB_NO_WAKEUP;
	*(volatile __u32 *)&reader_asleep = 0;
	return BPF_RB_FORCE_WAKEUP;
}

static __always_inline void count_lost(void)
{
	__u32 zero = 0;
	struct wire_tap_stats *st = bpf_map_lookup_elem(&wire_tap_stats, &zero);

	if (st)
		st->lost_segments++;
}

static __always_inline int tap(struct __sk_buff *skb)
{
	struct segment s = {};
	struct bpf_dynptr out, pkt;
	__u32 len, l3 = targ_l3_offset;
	int end;

	if (skb->protocol == bpf_htons(ETH_P_IP))
		end = parse_ipv4(skb, l3, &s);
	else if (skb->protocol == bpf_htons(ETH_P_IPV6))
		end = parse_ipv6(skb, l3, &s);
	else
		return TAP_NEXT;
	if (end < 0 || (__u32)end < s.payload_off)
		return TAP_NEXT;
	len = end - s.payload_off;
	/* a bare ACK: nothing to decrypt, and a gap shows at the next bytes */
	if (!len && !(s.rec.tcp_flags & TCP_FLAGS_OPEN_END))
		return TAP_NEXT;
	if (len > WIRE_TAP_SNAPLEN) {
		s.rec.payload_cut = len - WIRE_TAP_SNAPLEN;
		len = WIRE_TAP_SNAPLEN;
	}
	s.rec.payload_len = len;
	s.rec.ts_ns = bpf_ktime_get_ns();

	if (bpf_ringbuf_reserve_dynptr(&tap_ring, sizeof(s.rec) + len, 0, &out)) {
		bpf_ringbuf_discard_dynptr(&out, 0);
		count_lost();
		return TAP_NEXT;
	}
	if (bpf_dynptr_write(&out, 0, &s.rec, sizeof(s.rec), 0) ||
	    (len && (bpf_dynptr_from_skb(skb, 0, &pkt) ||
		     bpf_dynptr_copy(&out, sizeof(s.rec), &pkt, s.payload_off, len)))) {
		bpf_ringbuf_discard_dynptr(&out, 0);
		count_lost();
		return TAP_NEXT;
	}
	bpf_ringbuf_submit_dynptr(&out, ring_wake_flag());
	return TAP_NEXT;
}

SEC("tc")
int wire_tap_ingress(struct __sk_buff *skb)
{
	return tap(skb);
}

SEC("tc")
int wire_tap_egress(struct __sk_buff *skb)
{
	return tap(skb);
}

char LICENSE[] SEC("license") = "GPL";
