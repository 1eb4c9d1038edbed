/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HTTP1_HEAD_H
#define __SSLSNIFF_HTTP1_HEAD_H

/* http1.c's head parsing (http1_head.c), not for outside proto/http1*. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/arena.h"
#include "proto/http.h"

/* A start line longer than this, or 8 KiB without a line break before the
 * first one, is not HTTP/1 (servers refuse far shorter request lines). */
#define H1_LINE_MAX		(8u << 10)
#define H1_HEADERS_MAX		512u

/* What one head says about its message. */
struct h1_msg {
	struct http_head h;
	enum http_version version;
	bool response;
	int64_t cl;		/* -1 absent */
	bool cl_bad, te, te_chunked;
};

#define H1_WANT_REQ	1u
#define H1_WANT_RESP	2u

enum h1_line { H1_LINE_NO, H1_LINE_MAYBE, H1_LINE_REQ, H1_LINE_RESP };

/* What P[0..N) starts with: a whole start line (up to its LF), the prefix of
 * one (no LF yet) or neither; WANT says which kinds count. */
enum h1_line http1_line_kind(const uint8_t *p, size_t n, unsigned want);

/* A line cut short that still says enough: a known method, SP and a byte of
 * the target, or "HTTP/1.". */
bool http1_prefix_strong(const uint8_t *p, size_t n);

/* The head SRC[0..N) (up to and with its empty line; TRAILERS: a trailer
 * section) into M, its strings copied into A. 0, -EINVAL when malformed,
 * -E2BIG past H1_HEADERS_MAX, -ENOMEM. */
int http1_head_parse(struct arena *a, const uint8_t *src, size_t n, bool trailers,
		     struct h1_msg *m);

#endif
