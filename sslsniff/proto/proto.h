/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_PROTO_H
#define __SSLSNIFF_PROTO_H

#include <stdint.h>
#include "record/record.h"

/*
 * The protocol stage, between the decoder and the writers: one state per
 * connection (the process and its TLS handle), both directions, that tells
 * HTTP/1.x from HTTP/2 by the negotiated ALPN and by content, feeds the
 * right parser and hangs what it found on the record as struct http_items.
 */
struct proto;

struct proto_stats {
	uint64_t conns;			/* connections the stage has followed */
	uint64_t http1_conns, http2_conns;
	uint64_t conns_evicted;		/* state dropped to stay within PROTO_MAX_CONNS */
	uint64_t items;			/* items handed to the writers */
	uint64_t messages;		/* of which heads (requests, responses, trailers) */
	uint64_t unknown_headers;	/* header fields naming table entries never seen */
	uint64_t resync_bytes;		/* skipped to find the next message or frame */
	uint64_t gaps;			/* records with bytes missing: the parser restarted after them */
	struct {
		uint64_t bad_heads;		/* malformed or over-long heads, shown raw */
		uint64_t bad_framing;		/* disagreeing Content-Length, bad chunking */
		uint64_t dropped_requests;	/* past the pipelining queue: replies unpaired */
		uint64_t unpaired_responses;	/* no request seen */
	} http1;
	struct {
		uint64_t blocks_dropped;	/* header blocks over the bound, or cut short */
		uint64_t hpack_errors;		/* header blocks HPACK found malformed */
		uint64_t hpack_resets;		/* tables started afresh, out of step */
		uint64_t streams_evicted;	/* open streams dropped from a full table */
		uint64_t orphans;		/* streams whose start was not seen */
		uint64_t heads_dropped;		/* heads past a feed's 8 MiB of items */
		uint64_t nomem;			/* items lost to a failed allocation */
	} http2;
};

struct proto *proto__new(void);
void proto__free(struct proto *p);

/*
 * Runs R (a REC_DATA; other kinds are left alone) through its connection's
 * parser and sets R->http and R->nr_http to what it found: valid until the
 * next call. 0, or -ENOMEM.
 */
int proto__record(struct proto *p, struct record *r);

/* Every count, the live parsers' included. */
const struct proto_stats *proto__stats(struct proto *p);

#endif
