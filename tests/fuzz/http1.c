// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the HTTP/1 parser (proto/http1.c) on both directions of a
 * connection, interleaved, split where the input says. The input is one
 * byte of flags (bit 0: midstream), then pieces, each a byte whose bit 0 is
 * the direction and whose other bits the length (127: a 16-bit little-endian
 * length follows), then that many bytes. Each piece is fed from a copy of
 * its own size (ASan sees a read past it); the items are read after the feed
 * returned, as the stage does, so their strings must outlive the callback.
 */
#include <errno.h>
#include "fuzz.h"
#include "proto/http1.h"

#define MAX_ITEMS 65536

struct ctx {
	struct http_item items[MAX_ITEMS];
	size_t n;
	const uint8_t *feed;
	size_t feed_len;
	uint64_t next_off[2];	/* of the body being read, per direction */
	uint64_t sum;
};

static struct ctx ctx;

static void touch(struct ctx *x, const void *p, size_t n)
{
	const uint8_t *b = p;

	FUZZ_ASSERT(p || !n);
	for (size_t i = 0; i < n; i++)
		x->sum += b[i];
}

static void touch_str(struct ctx *x, struct http_str s)
{
	touch(x, s.ptr, s.len);
}

static void check_item(struct ctx *x, const struct http_item *it)
{
	const struct http_head *h = &it->head;

	FUZZ_ASSERT(it->version == HTTP_V10 || it->version == HTTP_V11);
	FUZZ_ASSERT(!it->grpc && it->grpc_status == -1);
	switch (it->kind) {
	case HTTP_ITEM_HEAD:
		FUZZ_ASSERT(h->kind >= HTTP_HEAD_REQUEST && h->kind <= HTTP_HEAD_TRAILERS);
		FUZZ_ASSERT(h->kind != HTTP_HEAD_REQUEST || (h->method.len && h->path.len));
		FUZZ_ASSERT(h->kind != HTTP_HEAD_RESPONSE || (h->status >= 0 && h->status <= 999));
		FUZZ_ASSERT(h->content_length >= -1 && !h->nr_unknown);
		FUZZ_ASSERT(h->nr_headers <= 512 && (h->headers || !h->nr_headers));
		FUZZ_ASSERT(it->stream);
		/* Requests come from the client, responses from the server. */
		FUZZ_ASSERT(h->kind != HTTP_HEAD_REQUEST || it->from_client);
		FUZZ_ASSERT(h->kind != HTTP_HEAD_RESPONSE || !it->from_client);
		touch_str(x, h->method);
		touch_str(x, h->path);
		touch_str(x, h->authority);
		touch_str(x, h->reason);
		touch_str(x, h->content_type);
		for (uint32_t i = 0; i < h->nr_headers; i++) {
			FUZZ_ASSERT(h->headers[i].name.len && !h->headers[i].flags);
			touch_str(x, h->headers[i].name);
			touch_str(x, h->headers[i].value);
		}
		break;
	case HTTP_ITEM_BODY:
		touch(x, it->body.data, it->body.len);
		break;
	case HTTP_ITEM_RAW:
		FUZZ_ASSERT(it->raw.len && it->raw.why);
		touch(x, it->raw.data, it->raw.len);
		break;
	case HTTP_ITEM_EXCHANGE:
		FUZZ_ASSERT(!it->from_client && it->stream);
		touch_str(x, it->exchange.method);
		touch_str(x, it->exchange.path);
		touch_str(x, it->exchange.authority);
		break;
	default:
		FUZZ_ASSERT(!"an item kind HTTP/1 has not");
	}
}

static void on_item(const struct http_item *it, void *arg)
{
	struct ctx *x = arg;

	if (it->kind == HTTP_ITEM_BODY) {
		int d = it->from_client;

		/* No copy: the piece is in the fed bytes; pieces follow each other. */
		FUZZ_ASSERT(it->body.data >= x->feed &&
			    it->body.data + it->body.len <= x->feed + x->feed_len);
		FUZZ_ASSERT(!it->body.offset || it->body.offset == x->next_off[d]);
		x->next_off[d] = it->body.offset + it->body.len;
	}
	if (x->n < MAX_ITEMS)
		x->items[x->n++] = *it;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1_conn *c;
	size_t off = 1;

	if (!size)
		return 0;
	c = http1_conn__new(data[0] & 1);
	if (!c)
		abort();
	memset(ctx.next_off, 0, sizeof(ctx.next_off));
	while (off < size) {
		int dir = data[off] & 1;
		size_t n = data[off] >> 1;
		uint8_t *piece;
		int err;

		off++;
		if (n == 127 && size - off >= 2) {
			n = data[off] | (size_t)data[off + 1] << 8;
			off += 2;
		}
		if (n > size - off)
			n = size - off;
		piece = fuzz_copy(data + off, n);
		off += n;
		ctx.n = 0;
		ctx.feed = piece;
		ctx.feed_len = n;
		err = http1_conn__feed(c, dir ? HTTP_DIR_RECEIVED : HTTP_DIR_SENT, piece, n, off,
				       on_item, &ctx);
		FUZZ_ASSERT(!err || err == -EPROTO);
		for (size_t i = 0; i < ctx.n; i++)
			check_item(&ctx, &ctx.items[i]);
		free(piece);
	}
	http1_conn__free(c);
	return 0;
}
