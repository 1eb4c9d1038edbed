/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The contract between bpf/wire_tap.bpf.c and sslsniff/source/tc_packets.c:
 * one record per TCP segment of the tapped interface. Fixed-size types only,
 * largest fields first.
 */
#ifndef __WIRE_TAP_H
#define __WIRE_TAP_H

/* A segment's bytes beyond this are not copied, only counted (payload_cut). */
#define WIRE_TAP_SNAPLEN	(256U << 10)

struct wire_tap_record {
	__u64 ts_ns;		/* bpf_ktime_get_ns() */
	__u32 seq, ack;
	__u32 payload_len;	/* bytes that follow the record */
	__u32 payload_cut;	/* the segment's bytes beyond them */
	__u8 saddr[16], daddr[16];
	__u16 family;		/* AF_INET or AF_INET6 */
	__u16 sport, dport;	/* host order */
	__u8 tcp_flags;
	__u8 pad;
	/* payload_len bytes of the segment follow */
};

/* Per-CPU counters (the wire_tap_stats array's one entry). */
struct wire_tap_stats {
	__u64 lost_segments;	/* the ring was full: their bytes show as TCP gaps */
};

#endif
