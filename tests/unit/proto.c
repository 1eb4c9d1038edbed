// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol stage itself (proto/proto.c): which parser a connection
 * gets (content, ALPN, a handle reused), what happens around records with
 * bytes missing, and the bound on connections; the parsers have their own
 * tests.
 */
#include <stdint.h>
#include "proto/http.h"
#include "proto/proto.h"
#include "tls_funcs.h"
#include "unit.h"

static const char h1_req[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
static const char h1_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
/* The preface, an empty SETTINGS, and a HEADERS of :method GET, :scheme
 * https, :path / (static indices 2, 7, 4): END_STREAM | END_HEADERS. */
static const uint8_t h2_start[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
				  "\x00\x00\x00\x04\x00\x00\x00\x00\x00"
				  "\x00\x00\x03\x01\x05\x00\x00\x00\x01\x82\x87\x84";
/* A HEADERS on stream 3 alone, as a capture started mid-connection sees it:
 * :method GET, :path / and an index (62) into a table never seen. */
static const uint8_t h2_mid[] = "\x00\x00\x03\x01\x05\x00\x00\x00\x03\x82\x84\xbe";

static struct event ev;

static struct record rec(uint64_t handle, enum tls_func func, const void *d, size_t n)
{
	ev.pid = 7;
	ev.handle = handle;
	ev.func = func;
	ev.ts_ns += 1000;
	ev.len = ev.cap_len = n;
	return (struct record){ .kind = REC_DATA, .ev = &ev, .data = d, .data_len = n };
}

static const struct http_item *first_head(const struct record *r)
{
	for (uint32_t i = 0; r->http && i < r->nr_http; i++) {
		if (r->http[i].kind == HTTP_ITEM_HEAD)
			return &r->http[i];
	}
	return NULL;
}

static bool str_is(struct http_str s, const char *lit)
{
	return s.ptr && s.len == strlen(lit) && !memcmp(s.ptr, lit, s.len);
}

static void test_http1(struct proto *p)
{
	struct record r = rec(1, FUNC_SSL_WRITE, h1_req, sizeof(h1_req) - 1);
	const struct http_item *h;

	CHECK(!proto__record(p, &r));
	h = first_head(&r);
	CHECK(h && h->version == HTTP_V11 && h->from_client && str_is(h->head.path, "/a"));
	r = rec(1, FUNC_SSL_READ, h1_resp, sizeof(h1_resp) - 1);
	CHECK(!proto__record(p, &r));
	h = first_head(&r);
	CHECK(h && h->head.status == 200 && !h->from_client);
	/* Not HTTP at all: no items, the writers show the bytes. */
	r = rec(2, FUNC_SSL_WRITE, "\x16\x03\x01hello", 8);
	CHECK(!proto__record(p, &r) && !r.http && !r.nr_http);
}

static void test_http2(struct proto *p)
{
	struct record r = rec(3, FUNC_SSL_WRITE, h2_start, sizeof(h2_start) - 1);
	const struct http_item *h;

	CHECK(!proto__record(p, &r));
	h = first_head(&r);
	CHECK(h && h->version == HTTP_V2 && h->stream == 1 && str_is(h->head.method, "GET"));
	/* Met mid-connection: frames that chain are HTTP/2 without a preface... */
	r = rec(4, FUNC_SSL_WRITE, h2_mid, sizeof(h2_mid) - 1);
	CHECK(!proto__record(p, &r));
	h = first_head(&r);
	CHECK(h && h->stream == 3 && str_is(h->head.path, "/") && h->head.nr_unknown == 1);
}

/* ...and a lone frame too short to chain is HTTP/2 when ALPN says h2. */
static void test_alpn(struct proto *p)
{
	static const uint8_t ping[] = "\x00\x00\x08\x06\x00\x00\x00\x00\x00" "12345678";
	struct record r = rec(5, FUNC_SSL_READ, ping, sizeof(ping) - 1);
	bool found = false;

	ev.alpn_len = 2;
	memcpy(ev.alpn, "h2", 2);
	CHECK(!proto__record(p, &r));
	for (uint32_t i = 0; r.http && i < r.nr_http; i++)
		found |= r.http[i].kind == HTTP_ITEM_FRAME && r.http[i].frame.type == 6;
	CHECK(found);
	ev.alpn_len = 0;
}

/* A record with a gap is shown raw; the parser starts again after it. */
static void test_gap(struct proto *p)
{
	struct record r = rec(6, FUNC_SSL_WRITE, h1_req, sizeof(h1_req) - 1);
	uint64_t gaps = proto__stats(p)->gaps;

	CHECK(!proto__record(p, &r) && first_head(&r));
	r = rec(6, FUNC_SSL_WRITE, "GET /b HT", 9);
	r.lost = 20;
	CHECK(!proto__record(p, &r) && !r.http);
	CHECK(proto__stats(p)->gaps == gaps + 1);
	r = rec(6, FUNC_SSL_WRITE, h1_req, sizeof(h1_req) - 1);
	CHECK(!proto__record(p, &r) && first_head(&r));
}

/* A handle freed and reused for a new HTTP/2 connection starts afresh. */
static void test_reuse(struct proto *p)
{
	struct record r = rec(1, FUNC_SSL_WRITE, h2_start, sizeof(h2_start) - 1);
	const struct http_item *h;

	CHECK(!proto__record(p, &r));
	h = first_head(&r);
	CHECK(h && h->version == HTTP_V2 && h->head.nr_unknown == 0);
}

/* A server writes its SETTINGS before it reads the preface: one connection. */
static void test_server_first(struct proto *p)
{
	static const uint8_t settings[] = "\x00\x00\x00\x04\x00\x00\x00\x00\x00";
	uint64_t conns = proto__stats(p)->http2_conns;
	struct record r = rec(9, FUNC_SSL_WRITE, settings, sizeof(settings) - 1);
	const struct http_item *h;

	CHECK(!proto__record(p, &r) && r.nr_http == 1);
	/* The server's, not taken for a client's. */
	CHECK(r.http[0].kind == HTTP_ITEM_FRAME && !r.http[0].from_client);
	r = rec(9, FUNC_SSL_READ, h2_start, sizeof(h2_start) - 1);
	CHECK(!proto__record(p, &r));
	h = first_head(&r);
	CHECK(h && h->from_client && h->stream == 1);
	CHECK(proto__stats(p)->http2_conns == conns + 1);
}

static void test_bound(struct proto *p)
{
	uint64_t before = proto__stats(p)->conns_evicted;

	for (uint64_t i = 0; i < 5000; i++) {
		struct record r = rec(0x10000 + i, FUNC_SSL_WRITE, h1_req, sizeof(h1_req) - 1);

		CHECK(!proto__record(p, &r));
	}
	/* 4096 kept: the 7 of the tests before and 911 of these went. */
	CHECK(proto__stats(p)->conns_evicted - before == 5000 + 7 - 4096);
}

int main(void)
{
	struct proto *p = proto__new();

	CHECK(p);
	test_http1(p);
	test_http2(p);
	test_alpn(p);
	test_gap(p);
	test_reuse(p);
	test_server_first(p);
	test_bound(p);
	CHECK(proto__stats(p)->http1_conns >= 2 && proto__stats(p)->http2_conns >= 3);
	proto__free(p);
	UNIT_DONE("proto");
}
