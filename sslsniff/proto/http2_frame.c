// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/2 frame layout (RFC 9113 4.1, 6): header fields, the rules that
 * tell a frame header from other bytes, and the one-line summaries of the
 * frames that carry no message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "proto/http2_frame.h"

void h2_hdr_parse(const uint8_t p[H2_HDR_LEN], struct h2_hdr *h)
{
	h->len = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
	h->type = p[3];
	h->flags = p[4];
	h->reserved = p[5] & 0x80;
	h->stream = h2_be32(p + 5) & 0x7fffffff;
}

/* The flags each type defines (RFC 9113 6.1 to 6.10). */
static const uint8_t h2_defined_flags[] = {
	[H2_DATA] = H2_F_END_STREAM | H2_F_PADDED,
	[H2_HEADERS] = H2_F_END_STREAM | H2_F_END_HEADERS | H2_F_PADDED | H2_F_PRIORITY,
	[H2_PRIORITY] = 0,
	[H2_RST_STREAM] = 0,
	[H2_SETTINGS] = H2_F_ACK,
	[H2_PUSH_PROMISE] = H2_F_END_HEADERS | H2_F_PADDED,
	[H2_PING] = H2_F_ACK,
	[H2_GOAWAY] = 0,
	[H2_WINDOW_UPDATE] = 0,
	[H2_CONTINUATION] = H2_F_END_HEADERS,
};

bool h2_hdr_valid(const struct h2_hdr *h, uint32_t max_len, bool strict)
{
	uint32_t min = 0;

	if (h->len > max_len)
		return false;
	if (h->type > H2_CONTINUATION)
		return !strict;
	if (strict && (h->reserved || (h->flags & ~h2_defined_flags[h->type])))
		return false;
	/*
	 * Looking for a boundary, also what senders never do but zeros (a
	 * frame's padding) look like: an empty DATA frame that does not end
	 * its stream, an empty header block; and stream ids past 2^24 (a
	 * connection that opened 8 million streams), which most 4 bytes are.
	 */
	if (strict && (h->stream >= 1u << 24 ||
		       (!h->len && h->type == H2_DATA && !(h->flags & H2_F_END_STREAM)) ||
		       (!h->len && (h->type == H2_HEADERS || h->type == H2_CONTINUATION))))
		return false;
	switch (h->type) {
	case H2_SETTINGS:
		if (h->flags & H2_F_ACK)
			return !h->stream && !h->len;
		return !h->stream && h->len % 6 == 0;
	case H2_PING:
		return !h->stream && h->len == 8;
	case H2_GOAWAY:
		return !h->stream && h->len >= 8;
	case H2_WINDOW_UPDATE:
		return h->len == 4;
	case H2_PRIORITY:
		return h->stream && h->len == 5;
	case H2_RST_STREAM:
		return h->stream && h->len == 4;
	case H2_HEADERS:
		min = (h->flags & H2_F_PRIORITY) ? 5 : 0;
		break;
	case H2_PUSH_PROMISE:
		min = 4;
		break;
	default:
		break;
	}
	/* DATA, HEADERS, PUSH_PROMISE, CONTINUATION: on a stream. */
	if (h->flags & H2_F_PADDED && h->type != H2_CONTINUATION)
		min += 1;
	return h->stream && h->len >= min;
}

/* The header at OFF of the run A then B (at least H2_HDR_LEN bytes there). */
static void h2_hdr_at(const uint8_t *a, size_t alen, const uint8_t *b, size_t off,
		      struct h2_hdr *h)
{
	uint8_t p[H2_HDR_LEN];

	for (size_t i = 0; i < H2_HDR_LEN; i++, off++)
		p[i] = off < alen ? a[off] : b[off - alen];
	h2_hdr_parse(p, h);
}

enum h2_chain h2_chain_plausible(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
				 uint32_t short_max, uint32_t max_len, unsigned depth)
{
	size_t len = alen + blen, off = 0;
	struct h2_hdr h;
	unsigned n;

	for (n = 0; n < depth && len - off >= H2_HDR_LEN; n++) {
		h2_hdr_at(a, alen, b, off, &h);
		if (!h2_hdr_valid(&h, max_len, true))
			return H2_CHAIN_NO;
		/* An empty DATA frame is 9 bytes any frame's tail can end in
		 * (00 00 00 00 01 00 00 04 01): not a start, only a link. */
		if (!n && !h.len && h.type == H2_DATA)
			return H2_CHAIN_NO;
		if (h.len >= len - off - H2_HDR_LEN) {
			/* Nothing after it: confirmed by the one before, or
			 * ending where the bytes do (writes carry whole frames). */
			if (n > 0 || h.len == len - off - H2_HDR_LEN)
				return H2_CHAIN_YES;
			return h.len <= short_max ? H2_CHAIN_ALONE : H2_CHAIN_NO;
		}
		off += H2_HDR_LEN + h.len;
	}
	/* A partial header after confirmed frames, or DEPTH reached. */
	return n > 0 ? H2_CHAIN_YES : H2_CHAIN_NO;
}

const char *h2_error_name(uint32_t code)
{
	static const char *const names[] = {
		"NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR",
		"SETTINGS_TIMEOUT", "STREAM_CLOSED", "FRAME_SIZE_ERROR", "REFUSED_STREAM",
		"CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
		"INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED",
	};

	return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

const char *h2_type_name(uint8_t type)
{
	static const char *const names[] = {
		"DATA", "HEADERS", "PRIORITY", "RST_STREAM", "SETTINGS",
		"PUSH_PROMISE", "PING", "GOAWAY", "WINDOW_UPDATE", "CONTINUATION",
	};

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	switch (type) {
	case 0xa:
		return "ALTSVC";	/* RFC 7838 */
	case 0xc:
		return "ORIGIN";	/* RFC 8336 */
	case 0x10:
		return "PRIORITY_UPDATE";	/* RFC 9218 */
	default:
		return NULL;
	}
}

const char *h2_setting_name(uint16_t id)
{
	switch (id) {
	case H2_SET_HEADER_TABLE_SIZE:
		return "header_table_size";
	case H2_SET_ENABLE_PUSH:
		return "enable_push";
	case H2_SET_MAX_CONCURRENT_STREAMS:
		return "max_concurrent_streams";
	case H2_SET_INITIAL_WINDOW_SIZE:
		return "initial_window_size";
	case H2_SET_MAX_FRAME_SIZE:
		return "max_frame_size";
	case H2_SET_MAX_HEADER_LIST_SIZE:
		return "max_header_list_size";
	case 0x8:
		return "enable_connect_protocol";	/* RFC 8441 */
	case 0x9:
		return "no_rfc7540_priorities";		/* RFC 9218 */
	default:
		return NULL;
	}
}

void h2_sum_add(char *sum, size_t size, const char *fmt, ...)
{
	size_t used = strnlen(sum, size);
	va_list ap;
	int n;

	if (size < 4 || used >= size - 1)
		return;
	if (used >= 3 && !strcmp(sum + used - 3, "..."))
		return;		/* already full */
	va_start(ap, fmt);
	n = vsnprintf(sum + used, size - used, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= size - used)
		memcpy(sum + size - 4, "...", 4);
}

void h2_sum_setting(char *sum, size_t size, const uint8_t *p)
{
	uint16_t id = (uint16_t)(p[0] << 8 | p[1]);
	const char *name = h2_setting_name(id);

	if (name)
		h2_sum_add(sum, size, " %s=%u", name, h2_be32(p + 2));
	else
		h2_sum_add(sum, size, " 0x%x=%u", id, h2_be32(p + 2));
}

static void h2_sum_error(char *sum, size_t size, uint32_t code)
{
	const char *name = h2_error_name(code);

	if (name)
		h2_sum_add(sum, size, " %s", name);
	else
		h2_sum_add(sum, size, " error=0x%x", code);
}

/* GOAWAY's debug data, printable ASCII kept, the rest as \xNN. */
static void h2_sum_debug(char *sum, size_t size, const uint8_t *p, size_t n, uint32_t total)
{
	h2_sum_add(sum, size, " \"");
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '"' && p[i] != '\\')
			h2_sum_add(sum, size, "%c", p[i]);
		else
			h2_sum_add(sum, size, "\\x%02x", p[i]);
	}
	h2_sum_add(sum, size, n < total ? "...\"" : "\"");
}

void h2_sum_frame(char *sum, size_t size, const struct h2_hdr *h, const uint8_t *p, size_t n)
{
	const char *name = h2_type_name(h->type);

	sum[0] = '\0';
	if (name)
		h2_sum_add(sum, size, "%s", name);
	else
		h2_sum_add(sum, size, "type=0x%02x", h->type);
	switch (h->type) {
	case H2_PRIORITY:
		if (n < 5)
			break;
		h2_sum_add(sum, size, " depends_on=%u weight=%u%s", h2_be32(p) & 0x7fffffff,
			   p[4] + 1u, p[0] & 0x80 ? " exclusive" : "");
		return;
	case H2_RST_STREAM:
		if (n < 4)
			break;
		h2_sum_error(sum, size, h2_be32(p));
		return;
	case H2_PING:
		if (n < 8)
			break;
		h2_sum_add(sum, size, "%s ", h->flags & H2_F_ACK ? " ack" : "");
		for (size_t i = 0; i < 8; i++)
			h2_sum_add(sum, size, "%02x", p[i]);
		return;
	case H2_GOAWAY:
		if (n < 8)
			break;
		h2_sum_add(sum, size, " last_stream=%u", h2_be32(p) & 0x7fffffff);
		h2_sum_error(sum, size, h2_be32(p + 4));
		if (h->len > 8)
			h2_sum_debug(sum, size, p + 8, n - 8, h->len - 8);
		return;
	case H2_WINDOW_UPDATE:
		if (n < 4)
			break;
		h2_sum_add(sum, size, " +%u", h2_be32(p) & 0x7fffffff);
		return;
	case H2_PUSH_PROMISE: {
		size_t off = h->flags & H2_F_PADDED ? 1 : 0;

		if (n < off + 4)
			break;
		h2_sum_add(sum, size, " promised_stream=%u", h2_be32(p + off) & 0x7fffffff);
		return;
	}
	default:
		break;
	}
	h2_sum_add(sum, size, " flags=0x%02x, %u bytes", h->flags, h->len);
}
