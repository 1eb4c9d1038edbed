// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the HTTP/2 connection parser (proto/http2.c with
 * http2_frame.c, grpc.c and hpack.c) on both directions of a connection,
 * interleaved in pieces the input chooses. The input: one byte (bit 0:
 * midstream), then pieces, each a byte (bit 0: the direction), a 16-bit
 * little-endian length and that many bytes (fewer at the end). Every item
 * must be readable whole and hold together.
 */
#include "fuzz.h"
#include "proto/http2.h"

static uint64_t sum_bytes(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t s = 0;

	FUZZ_ASSERT(p || !n);
	for (size_t i = 0; i < n; i++)
		s += b[i];
	return s;
}

static uint64_t sum_str(struct http_str s)
{
	return sum_bytes(s.ptr, s.len);
}

static void check_item(const struct http_item *it, void *arg)
{
	uint64_t *sum = arg;

	FUZZ_ASSERT(it->version == HTTP_V2);
	*sum += sum_str(it->grpc_service) + sum_str(it->grpc_method) + sum_str(it->grpc_message);
	FUZZ_ASSERT(it->grpc || (!it->grpc_service.ptr && !it->grpc_method.ptr));
	switch (it->kind) {
	case HTTP_ITEM_HEAD:
		FUZZ_ASSERT(it->head.kind >= HTTP_HEAD_REQUEST && it->head.kind <= HTTP_HEAD_TRAILERS);
		FUZZ_ASSERT(it->head.nr_unknown <= it->head.nr_headers);
		for (uint32_t i = 0; i < it->head.nr_headers; i++)
			*sum += sum_str(it->head.headers[i].name) + sum_str(it->head.headers[i].value);
		*sum += sum_str(it->head.method) + sum_str(it->head.path) +
			sum_str(it->head.authority) + sum_str(it->head.scheme) +
			sum_str(it->head.content_type);
		FUZZ_ASSERT(it->head.status >= 0 && it->head.status < 1000);
		break;
	case HTTP_ITEM_BODY:
		*sum += sum_bytes(it->body.data, it->body.len);
		break;
	case HTTP_ITEM_GRPC:
		FUZZ_ASSERT(it->grpc);
		break;
	case HTTP_ITEM_FRAME:
		FUZZ_ASSERT(memchr(it->frame.summary, '\0', sizeof(it->frame.summary)));
		FUZZ_ASSERT(it->frame.summary[0]);
		break;
	case HTTP_ITEM_RAW:
		FUZZ_ASSERT(it->raw.len && it->raw.why);
		*sum += sum_bytes(it->raw.data, it->raw.len);
		break;
	case HTTP_ITEM_EXCHANGE:
		*sum += sum_str(it->exchange.method) + sum_str(it->exchange.path) +
			sum_str(it->exchange.authority);
		FUZZ_ASSERT(it->exchange.start_ns <= it->exchange.end_ns);
		break;
	default:
		FUZZ_ASSERT(!"item kind");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http2_conn *c;
	struct http2_stats st;
	uint64_t sum = 0, ts = 1;
	size_t off = 1;

	if (!size)
		return 0;
	c = http2_conn__new(data[0] & 1);
	if (!c)
		abort();
	while (size - off >= 3) {
		enum http_dir dir = data[off] & 1 ? HTTP_DIR_RECEIVED : HTTP_DIR_SENT;
		size_t n = data[off + 1] | (size_t)data[off + 2] << 8;
		uint8_t *piece;

		off += 3;
		if (n > size - off)
			n = size - off;
		piece = fuzz_copy(data + off, n);
		FUZZ_ASSERT(!http2_conn__feed(c, dir, piece, n, ts++, check_item, &sum));
		free(piece);
		off += n;
	}
	http2_conn__stats(c, &st);
	FUZZ_ASSERT(st.resync_bytes <= size);
	http2_conn__free(c);
	return 0;
}
