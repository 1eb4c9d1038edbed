/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_WIRE_CONN_H
#define __SSLSNIFF_WIRE_CONN_H

#include <stdint.h>
#include "record/decode.h"
#include "source/packets.h"

/*
 * -i IFACE: traced connections' plaintext, decrypted from the interface's
 * packets. Every TCP flow is reassembled (source/tcp_reasm) and read as
 * TLS (source/tls_wire); the keys and the processes come from the
 * decoder's REC_SECRETS records, which the BPF side sends at each
 * handshake's return, matched to a flow by the client random of its
 * ClientHello. Each decrypted TLS record becomes one REC_DATA record per
 * traced end of the connection: a write for the end that sent it, a read
 * for the end that received it (both, when both ends are traced, as
 * per-call capture reports them), with the process that made the handshake.
 *
 * A flow that ends while its records wait for keys is kept 500 ms more
 * for them (a connection shorter than a block of packets ends in the
 * drain that the keys, read from the ring just before it, missed).
 *
 * Bounds: 65536 flows (source/tcp_reasm's), 16384 connections' keys
 * waiting for their flow, for 60 s at most (the oldest forgotten first,
 * counted), 2 traced ends per connection.
 */
struct wire_conns;

struct wire_stats {
	uint64_t flows;			/* TCP flows seen */
	uint64_t tls_conns;		/* ... that were TLS (a ClientHello seen) */
	uint64_t keyed_conns;		/* ... whose keys came from a traced handshake */
	uint64_t unkeyed_conns;		/* TLS with application data, ended without keys */
	uint64_t fallback_conns;	/* ... past UNKEYED_WAIT without keys: its processes' calls probed */
	uint64_t unkeyed_bytes;		/* ... their TLS bytes */
	uint64_t midstream_conns;	/* flows seen only after their handshake */
	uint64_t keys_unmatched;	/* a handshake's keys no flow on IFACE claimed */
	uint64_t unplaced_ends;		/* a traced end whose socket was not known */
	uint64_t late_ends;		/* a second end whose keys came after the records began */
	uint64_t records;		/* TLS records */
	uint64_t records_decrypted;
	uint64_t records_failed;	/* did not authenticate */
	uint64_t records_unkeyed;	/* never decrypted: no keys */
	uint64_t bytes_tls;
	uint64_t bytes_plain;		/* plaintext delivered (once per connection) */
	uint64_t bytes_lost;		/* TLS bytes a gap made unreadable */
	uint64_t tcp_gap_bytes;		/* bytes the capture never saw (source/tcp_reasm) */
	uint64_t tcp_duplicate_bytes;	/* retransmitted */
	uint64_t flows_evicted;
};

/*
 * A TLS flow whose keys have not come UNKEYED_WAIT (2 s) after its
 * ClientHello: its handshake was not seen (done inside a read or write).
 * Called once per flow, with the flow's tuple, so that the caller can
 * probe the calls of the processes at its ends; their first call's
 * secrets then decrypt what the flow holds (up to 4 MiB each way).
 */
typedef void (*wire_unkeyed_fn)(void *ctx, const struct packet_tuple *t);

struct wire_conns *wire_conns__new(record_fn fn, wire_unkeyed_fn unkeyed, void *ctx);
/* Every flow ended (what it still holds counted, no record written), and freed. */
void wire_conns__free(struct wire_conns *w);

/* A record from the decoder: a REC_SECRETS one gives a connection's keys. */
int wire_conns__record(struct wire_conns *w, const struct record *r);

/* One packet of IFACE. */
int wire_conns__packet(struct wire_conns *w, const struct packet *p);

/* Each poll round: keys held for a second end go out after 100 ms; flows
 * idle for long are ended. 0, or a writer's error. */
int wire_conns__expire(struct wire_conns *w);

/* At the end of capture: every flow ended, what it held decrypted and
 * delivered or counted. 0, or a writer's error. */
int wire_conns__finish(struct wire_conns *w);

/* The counts so far: the TLS ones of the flows that ended (all of them
 * after wire_conns__finish()). */
const struct wire_stats *wire_conns__stats(struct wire_conns *w);

#endif
