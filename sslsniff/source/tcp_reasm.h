/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TCP_REASM_H
#define __SSLSNIFF_TCP_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "source/packets.h"

/*
 * TCP reassembly of captured segments (--capture-packets, issue 19): per
 * connection and per end, that end's byte stream in order, each byte once,
 * and what the capture missed as gaps of known length.
 *
 * Bounds (hostile traffic on the interface cannot pass them):
 * - TCP_REASM_MAX_FLOWS flows (ended ones kept as tombstones included); the
 *   least recently used is evicted when a new one needs room;
 * - out-of-order bytes held (copied) per direction: TCP_REASM_HOLD_DIR bytes
 *   in at most TCP_REASM_HOLD_SEGS pieces, and TCP_REASM_HOLD_ALL in all;
 *   a segment that would pass a bound makes the hole before it a gap;
 * - each flow costs about 200 bytes beside what it holds.
 *
 * Streams: a direction starts at its SYN (the ISN + 1), at the SYN-ACK's
 * ACK for the end whose SYN was not captured, or else (mid-stream) at the
 * first segment from that end that carries data, FIN or RST: bytes before
 * the start are counted as duplicates. In-order bytes go to ops->data
 * straight from the packet; bytes already delivered are trimmed (counted in
 * bytes_duplicate); segments ahead of the next byte are held until the hole
 * fills. A hole becomes a gap (ops->gap with its length, then delivery
 * goes on) when the other end ACKs beyond it, when a hold bound is reached,
 * when bytes were cut by the snaplen (payload_cut), when both ends sent FIN,
 * and when the flow ends (RST, expiry, eviction, free): then each stream is
 * completed up to the highest byte seen, held bytes delivered.
 * When the capture misses a FIN whose ACK it sees, that FIN counts as a
 * 1-byte gap. A RST's payload (a diagnostic, RFC 9293 3.5.3) is no part of
 * the stream. Sequence numbers are compared modulo 2^32 (RFC 1982).
 *
 * A flow ends (ops->close, once, the last call for it) at RST, when both
 * ends' FINs are seen (their streams delivered or gapped up to them), after
 * TCP_REASM_IDLE_NS without a segment (tcp_reasm__expire()), at eviction,
 * when a SYN with a new ISN reuses its tuple (TCP_CLOSE_REUSED), and at
 * tcp_reasm__free(). An ended flow stays as a tombstone that absorbs
 * late segments (last ACKs, retransmits) until a new SYN, idle expiry or
 * eviction, so they open no new mid-stream flow. A flow opens at a SYN or
 * at a segment with data; zero-length segments open nothing.
 *
 * Callbacks may call no tcp_reasm__*() function (the table is mid-update).
 */

#define TCP_REASM_MAX_FLOWS	65536
#define TCP_REASM_HOLD_DIR	(4u << 20)
#define TCP_REASM_HOLD_SEGS	4096
#define TCP_REASM_HOLD_ALL	(64u << 20)
#define TCP_REASM_IDLE_NS	(120ULL * 1000000000ULL)

enum tcp_close_reason { TCP_CLOSE_FIN, TCP_CLOSE_RST, TCP_CLOSE_IDLE, TCP_CLOSE_EVICTED,
			TCP_CLOSE_END, TCP_CLOSE_REUSED };

struct tcp_reasm_ops {
	/* A new flow: returns the caller's state for it, or NULL to ignore the flow
	 * (its segments are then not tracked at all, cheaply, until it ends or is
	 * evicted; no other call is made for it). SYN_SEEN: it started at its
	 * handshake. T lives for the call only. */
	void *(*open)(void *ctx, const struct packet_tuple *t, bool syn_seen, uint64_t ts_ns);
	/* LEN new bytes of END's stream, in order. DATA lives for the call only. */
	void (*data)(void *ctx, void *flow, int end, const uint8_t *data, size_t len,
		     uint64_t ts_ns);
	/* LEN bytes of END's stream that will never be delivered. */
	void (*gap)(void *ctx, void *flow, int end, uint64_t len);
	/* The flow is gone: the last call for FLOW. */
	void (*close)(void *ctx, void *flow, enum tcp_close_reason why);
};

struct tcp_reasm_stats {
	uint64_t segments;        /* TCP segments seen */
	uint64_t flows;           /* flows opened (tracked) */
	uint64_t flows_evicted;
	uint64_t bytes_delivered;
	uint64_t bytes_duplicate; /* retransmitted, already delivered (or before the start) */
	uint64_t bytes_gap;       /* declared gaps */
	uint64_t segments_ooo;    /* held out of order */
	uint64_t held_bytes;      /* now held */
	uint64_t not_tcp;         /* packets that were no TCP segment */
	uint64_t flows_midstream; /* of flows: opened without their SYN */
	uint64_t flows_ignored;   /* open() returned NULL */
	uint64_t flows_active;    /* now tracked (not ended, not ignored) */
	uint64_t gaps;            /* gap() calls */
	uint64_t hold_overflows;  /* holes made gaps by a hold bound */
	uint64_t bytes_beyond_fin; /* sent after the end's FIN: not delivered */
	uint64_t segments_untracked; /* no flow and nothing to open one (bare ACK, RST) */
	uint64_t segments_ended;  /* to an ended flow (tombstone) or an ignored one */
	uint64_t nomem;           /* allocations that failed (flow not opened, hole a gap) */
};

/* A reassembler calling OPS with CTX. NULL with errno set. */
struct tcp_reasm *tcp_reasm__new(const struct tcp_reasm_ops *ops, void *ctx);
/* Closes every flow (TCP_CLOSE_END, bytes held delivered after gaps) and frees R. */
void tcp_reasm__free(struct tcp_reasm *r);
/* One captured segment (non-TCP packets: p->tcp false, counted, ignored).
 * P's memory is only read during the call. 0 or -ENOMEM (counted; the state
 * stays consistent: a flow not opened, or a hole made a gap). */
int tcp_reasm__packet(struct tcp_reasm *r, const struct packet *p);
/* Closes flows idle since before NOW_NS - TCP_REASM_IDLE_NS (TCP_CLOSE_IDLE).
 * NOW_NS is on the packets' clock (struct packet's ts_ns, since the epoch);
 * ended flows' tombstones go too. The least recently used go first: O(1)
 * when nothing is idle. */
void tcp_reasm__expire(struct tcp_reasm *r, uint64_t now_ns);
const struct tcp_reasm_stats *tcp_reasm__stats(const struct tcp_reasm *r);

#endif
