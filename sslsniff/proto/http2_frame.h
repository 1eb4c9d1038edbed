/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HTTP2_FRAME_H
#define __SSLSNIFF_HTTP2_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The layout of HTTP/2 frames (RFC 9113 4.1 and 6): what http2.c reads. */

#define H2_HDR_LEN		9
#define H2_MAX_LEN		0xffffff	/* 24 bits */
#define H2_DEFAULT_MAX_FRAME	16384		/* RFC 9113 6.5.2 */

enum h2_type {
	H2_DATA = 0x0,
	H2_HEADERS = 0x1,
	H2_PRIORITY = 0x2,
	H2_RST_STREAM = 0x3,
	H2_SETTINGS = 0x4,
	H2_PUSH_PROMISE = 0x5,
	H2_PING = 0x6,
	H2_GOAWAY = 0x7,
	H2_WINDOW_UPDATE = 0x8,
	H2_CONTINUATION = 0x9,
};

#define H2_F_END_STREAM		0x01	/* DATA, HEADERS */
#define H2_F_ACK		0x01	/* SETTINGS, PING */
#define H2_F_END_HEADERS	0x04	/* HEADERS, PUSH_PROMISE, CONTINUATION */
#define H2_F_PADDED		0x08	/* DATA, HEADERS, PUSH_PROMISE */
#define H2_F_PRIORITY		0x20	/* HEADERS */

enum h2_setting {
	H2_SET_HEADER_TABLE_SIZE = 0x1,
	H2_SET_ENABLE_PUSH = 0x2,
	H2_SET_MAX_CONCURRENT_STREAMS = 0x3,
	H2_SET_INITIAL_WINDOW_SIZE = 0x4,
	H2_SET_MAX_FRAME_SIZE = 0x5,
	H2_SET_MAX_HEADER_LIST_SIZE = 0x6,
};

struct h2_hdr {
	uint32_t len;
	uint8_t type;
	uint8_t flags;
	bool reserved;		/* the stream id's reserved bit */
	uint32_t stream;
};

void h2_hdr_parse(const uint8_t p[H2_HDR_LEN], struct h2_hdr *h);

/*
 * Whether H can be a frame: the stream id and length rules of its type
 * (RFC 9113 6), its length within MAX_LEN. STRICT (looking for a frame
 * boundary in bytes of unknown alignment) also wants a known type, only its
 * defined flags and the reserved bit clear, which a receiver ignores.
 */
bool h2_hdr_valid(const struct h2_hdr *h, uint32_t max_len, bool strict);

/* How well the bytes at some offset look like a frame boundary. */
enum h2_chain {
	H2_CHAIN_NO,		/* not a frame header */
	H2_CHAIN_ALONE,		/* a plausible header whose frame runs past the bytes */
	H2_CHAIN_YES,		/* confirmed: the next header plausible too, or the
				 * frame ends exactly where the bytes do */
};

/*
 * The bytes A (ALEN) followed by B (BLEN), as one run: whether they start
 * with a frame header that passes the strict check, and every following
 * header within them (up to DEPTH of them) does too. A lone first frame
 * longer than SHORT_MAX is H2_CHAIN_NO; frames up to MAX_LEN pass when
 * confirmed.
 */
enum h2_chain h2_chain_plausible(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
				 uint32_t short_max, uint32_t max_len, unsigned depth);

/* "CANCEL", "NO_ERROR", ... or NULL for a code RFC 9113 7 does not define. */
const char *h2_error_name(uint32_t code);
/* "SETTINGS", ... or NULL for a type of no RFC we know. */
const char *h2_type_name(uint8_t type);
/* "header_table_size", ... or NULL. */
const char *h2_setting_name(uint16_t id);

/*
 * One-line summaries (struct http_frame's): SUM holds SIZE bytes, always
 * NUL-terminated; what does not fit ends in "...".
 */
void h2_sum_add(char *sum, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The summary of a frame other than DATA, HEADERS, CONTINUATION and
 * SETTINGS: P is the first N bytes of its payload (of H->len). */
void h2_sum_frame(char *sum, size_t size, const struct h2_hdr *h, const uint8_t *p, size_t n);
/* " name=value" of one SETTINGS entry (6 bytes at P) appended. */
void h2_sum_setting(char *sum, size_t size, const uint8_t *p);

static inline uint32_t h2_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
