// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the protocol stage (proto/proto.c, with the HTTP/1 and
 * HTTP/2 parsers under it) and the writers' rendering of its items, on any
 * sequence of data records. The input is records, each a control byte
 * (bit 0: direction; bits 1-2: one of four connections; bit 3: bytes
 * missing; bit 4: truncated), a 16-bit little-endian length, and the bytes.
 * Every item must be renderable as text and JSON, and every byte it points
 * at readable.
 */
#include "fuzz.h"
#include "lib/json_writer.h"
#include "output/json_http.h"
#include "output/text_http.h"
#include "proto/http.h"
#include "proto/proto.h"
#include "tls_funcs.h"

static void check_items(const struct record *r)
{
	static struct strbuf sb;
	static struct jsonw w;

	for (uint32_t i = 0; i < r->nr_http; i++) {
		const struct http_item *it = &r->http[i];

		if (it->kind == HTTP_ITEM_BODY)
			FUZZ_ASSERT(!it->body.len || it->body.data);
		if (it->kind == HTTP_ITEM_EXCHANGE) {
			jsonw_start_object(&w);
			json_http_exchange(&w, it);
			jsonw_end_object(&w);
		}
	}
	text_http_items(&sb, r->http, r->nr_http, false, true);
	text_http_items(&sb, r->http, r->nr_http, true, false);
	jsonw_start_object(&w);
	json_http_items(&w, r->http, r->nr_http);
	jsonw_end_object(&w);
	FUZZ_ASSERT(!sb.err && !jsonw_error(&w));
	strbuf_reset(&sb);
	jsonw_reset(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto *p = proto__new();
	struct event ev = { .pid = 42, .len = 0 };
	size_t off = 0;

	if (!p)
		abort();
	while (size - off >= 3) {
		uint8_t ctl = data[off];
		size_t n = data[off + 1] | (size_t)data[off + 2] << 8;
		uint8_t *buf;
		struct record r = { .kind = REC_DATA, .ev = &ev };

		off += 3;
		if (n > size - off)
			n = size - off;
		buf = fuzz_copy(data + off, n);
		off += n;
		ev.func = ctl & 1 ? FUNC_SSL_WRITE : FUNC_SSL_READ;
		ev.handle = 0x1000 + ((ctl >> 1) & 3);
		ev.ts_ns += 1000;
		ev.len = ev.cap_len = n;
		r.data = buf;
		r.data_len = n;
		r.lost = ctl & 8 ? 1 : 0;
		r.truncated = ctl & 16 ? 1 : 0;
		FUZZ_ASSERT(!proto__record(p, &r));
		check_items(&r);
		free(buf);
	}
	proto__free(p);
	return 0;
}
