/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HTTP1_H
#define __SSLSNIFF_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include "proto/http.h"

/*
 * HTTP/1.0 and 1.1 of one connection, both directions: request and status
 * lines, headers, bodies by Content-Length, chunked or connection close,
 * pipelining (responses paired with requests in order), Upgrade and CONNECT
 * (then raw), HEAD / 1xx / 204 / 304 without a body.
 */
struct http1_conn;

/*
 * MIDSTREAM: the connection was not seen from its start, so the first bytes
 * may be inside a message: they are reported raw ("resync") up to the next
 * request or status line.
 */
struct http1_conn *http1_conn__new(bool midstream);
void http1_conn__free(struct http1_conn *c);

/*
 * The next bytes of direction DIR, seen at TS_NS (the record's time).
 * Items go to EMIT before it returns. Returns 0, or -EPROTO once the bytes
 * are plainly not HTTP/1 (then reported raw; the caller may stop feeding).
 */
int http1_conn__feed(struct http1_conn *c, enum http_dir dir, const uint8_t *data,
		     size_t len, uint64_t ts_ns, http_emit_fn emit, void *arg);

/*
 * True when these are the first bytes of an HTTP/1 request or response line:
 * a whole line "TOKEN SP target SP HTTP/1.d" or "HTTP/1.d SP ddd ...", or,
 * when the line is cut short, at least a known method, a space and one byte
 * of the target ("GET /"), or "HTTP/1." and nothing inconsistent after it.
 */
bool http1_looks_like(const uint8_t *data, size_t len);

/* What a connection's parser could not show as messages (nothing is dropped
 * silently: each of these was also reported as a raw item or a field). */
struct http1_stats {
	uint64_t heads;			/* requests, responses and trailers parsed */
	uint64_t bad_heads;		/* malformed or over-long, reported raw */
	uint64_t bad_framing;		/* disagreeing Content-Length, bad chunking */
	uint64_t resync_bytes;		/* reported raw "resync" */
	uint64_t dropped_requests;	/* pending queue full: their responses unpaired */
	uint64_t unpaired_responses;	/* no request seen (midstream, dropped) */
};

void http1_conn__stats(const struct http1_conn *c, struct http1_stats *st);

#endif
