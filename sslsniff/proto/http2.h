/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HTTP2_H
#define __SSLSNIFF_HTTP2_H

#include <stddef.h>
#include <stdint.h>
#include "proto/http.h"

/*
 * HTTP/2 of one connection, both directions: frames (all of RFC 9113's
 * types), HEADERS with CONTINUATION through HPACK (one context per
 * direction), streams paired into request and response, gRPC messages.
 */
struct http2_conn;

/*
 * MIDSTREAM: the connection was not seen from its start (no preface): the
 * first bytes may be inside a frame, so decoding starts at the first place
 * where frame headers chain plausibly, reporting what it skipped raw; a
 * table index never seen is reported as unknown.
 */
struct http2_conn *http2_conn__new(bool midstream);
void http2_conn__free(struct http2_conn *c);

/*
 * The next bytes of direction DIR, seen at TS_NS. Items go to EMIT before
 * it returns. Returns 0 (a frame that makes no sense makes the parser
 * resynchronise, reported as raw "resync" bytes, not an error), or -EINVAL.
 *
 * BODY items are a stream's DATA, padding removed, their offset within
 * it; on a gRPC stream each message's 5-byte prefix is a GRPC item, not
 * body (the offsets count it). FRAME items also report what could not be
 * decoded (a header block dropped, a CONTINUATION or DATA whose start came
 * before ours). from_client is a guess (the traced process the client)
 * until the preface, a :method, a :status or a PUSH_PROMISE tells.
 */
int http2_conn__feed(struct http2_conn *c, enum http_dir dir, const uint8_t *data,
		     size_t len, uint64_t ts_ns, http_emit_fn emit, void *arg);

/* What a connection could not decode, for the summary (nothing is dropped silently). */
struct http2_stats {
	uint64_t frames;		/* frame headers read */
	uint64_t resyncs;		/* times frame alignment was looked for */
	uint64_t resync_bytes;		/* bytes skipped finding it (reported raw) */
	uint64_t blocks_dropped;	/* header blocks over the bound, or cut short */
	uint64_t hpack_errors;		/* header blocks the decoder found malformed */
	uint64_t hpack_resets;		/* decoding contexts started afresh: table out of step */
	uint64_t streams_evicted;	/* open streams dropped from a full table */
	uint64_t orphans;		/* streams (or CONTINUATIONs) whose start was not seen */
	uint64_t heads_dropped;		/* heads not kept: a feed's items over 8 MiB (HPACK
					 * makes 256 KiB of a 10-byte block) */
	uint64_t nomem;			/* items or strings lost to a failed allocation */
};

void http2_conn__stats(const struct http2_conn *c, struct http2_stats *st);

/* The client connection preface, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", starts DATA. */
bool http2_is_preface(const uint8_t *data, size_t len);

/* True when DATA (at least 9 bytes) starts with frame headers that chain plausibly. */
bool http2_looks_like(const uint8_t *data, size_t len);

#endif
