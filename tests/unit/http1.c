// SPDX-License-Identifier: GPL-2.0
/*
 * proto/http1.c on whole conversations, each written as the bytes both ends
 * send, fed whole, byte by byte and in random pieces: every item is written
 * out as a line (bodies and raw runs joined, their offsets checked) after
 * the feed returned, so the strings are also proven to outlive the emit
 * callback, and compared with what the conversation says.
 *
 * The curl and nginx messages are those curl 7.88.1 and nginx 1.22.1
 * (Debian 12) send, header for header, as read through a TCP proxy on this
 * machine when the test was written (curl http://127.0.0.1:PORT/index.html
 * and curl -I, against nginx serving a 17-byte index.html); Host and Date
 * as they were then.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <zlib.h>
#include "proto/http1.h"
#include "unit.h"

#define C HTTP_DIR_SENT		/* the traced process is the client here */
#define S HTTP_DIR_RECEIVED

enum split { WHOLE, BYTES, RANDOM };

struct rec {
	struct http_item items[8192];
	size_t n;
	const uint8_t *feed;
	size_t feed_len;
	bool no_ts;
	char *out;
	size_t len, cap;
	/* the body or raw run being joined */
	int gkind;		/* 0: none */
	bool gfc;
	uint32_t gstream;
	enum http_version gver;
	const char *gwhy;
	uint64_t goff;
	char *gbuf;
	size_t glen, gcap;
	size_t nr_body_items;
};

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)rng_state;
}

static void out_grow(char **buf, size_t *cap, size_t need)
{
	if (need <= *cap)
		return;
	*cap = need * 2 + 4096;
	*buf = realloc(*buf, *cap);
	if (!*buf)
		abort();
}

static void out_printf(struct rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void out_printf(struct rec *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	out_grow(&r->out, &r->cap, r->len + n + 1);
	va_start(ap, fmt);
	vsnprintf(r->out + r->len, n + 1, fmt, ap);
	va_end(ap);
	r->len += n;
}

static void out_escaped(struct rec *r, const char *p, size_t n)
{
	out_printf(r, "\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = p[i];

		if (ch == '\r')
			out_printf(r, "\\r");
		else if (ch == '\n')
			out_printf(r, "\\n");
		else if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
			out_printf(r, "\\x%02x", ch);
		else
			out_printf(r, "%c", ch);
	}
	out_printf(r, "\"");
}

static const char *s_(struct http_str s, char *buf, size_t size)
{
	if (!s.ptr)
		return "-";
	/* Arena strings are NUL-terminated; fields are not promised to be. */
	snprintf(buf, size, "%.*s", (int)s.len, s.ptr);
	return buf;
}

static void group_flush(struct rec *r, bool end)
{
	if (!r->gkind)
		return;
	out_printf(r, "%c %s v%d s%u ", r->gfc ? 'C' : 'S', r->gkind == HTTP_ITEM_BODY ? "BODY" : "RAW",
		   r->gver, r->gstream);
	if (r->gkind == HTTP_ITEM_BODY)
		out_printf(r, "@%llu ", (unsigned long long)r->goff);
	else
		out_printf(r, "%s ", r->gwhy);
	out_escaped(r, r->gbuf, r->glen);
	if (r->gkind == HTTP_ITEM_BODY)
		out_printf(r, " end=%d", end);
	out_printf(r, "\n");
	r->gkind = 0;
	r->glen = 0;
}

static void group_add(struct rec *r, const struct http_item *it, const void *data, size_t len,
		      uint64_t off)
{
	bool body = it->kind == HTTP_ITEM_BODY;

	if (r->gkind && (r->gkind != (int)it->kind || r->gfc != it->from_client ||
			 r->gstream != it->stream || r->gver != it->version ||
			 (!body && strcmp(r->gwhy, it->raw.why))))
		group_flush(r, false);
	if (!r->gkind) {
		r->gkind = it->kind;
		r->gfc = it->from_client;
		r->gstream = it->stream;
		r->gver = it->version;
		r->gwhy = body ? NULL : it->raw.why;
		r->goff = off;
	} else if (body) {
		/* Pieces follow each other exactly. */
		CHECK(off == r->goff + r->glen);
	}
	out_grow(&r->gbuf, &r->gcap, r->glen + len);
	if (len)
		memcpy(r->gbuf + r->glen, data, len);
	r->glen += len;
	if (body && it->body.end)
		group_flush(r, true);
}

static void print_item(struct rec *r, const struct http_item *it)
{
	char b1[256], b2[256], b3[256];
	char fc = it->from_client ? 'C' : 'S';
	const struct http_head *h = &it->head;
	const struct http_exchange *x = &it->exchange;

	CHECK(it->version == HTTP_V10 || it->version == HTTP_V11);
	CHECK(!it->grpc && !it->grpc_service.ptr && !it->grpc_method.ptr && it->grpc_status == -1);
	switch (it->kind) {
	case HTTP_ITEM_BODY:
		group_add(r, it, it->body.data, it->body.len, it->body.offset);
		return;
	case HTTP_ITEM_RAW:
		CHECK(it->raw.len > 0);
		group_add(r, it, it->raw.data, it->raw.len, 0);
		return;
	default:
		break;
	}
	group_flush(r, false);
	if (it->kind == HTTP_ITEM_HEAD) {
		CHECK(!h->scheme.ptr && !h->nr_unknown);
		if (h->kind == HTTP_HEAD_REQUEST) {
			CHECK(!h->status && !h->reason.ptr);
			out_printf(r, "%c HEAD req v%d s%u %s %s a=%s", fc, it->version, it->stream,
				   s_(h->method, b1, sizeof(b1)), s_(h->path, b2, sizeof(b2)),
				   s_(h->authority, b3, sizeof(b3)));
		} else if (h->kind == HTTP_HEAD_RESPONSE) {
			CHECK(!h->method.ptr && !h->path.ptr && !h->authority.ptr);
			out_printf(r, "%c HEAD resp v%d s%u %d \"%s\"", fc, it->version, it->stream,
				   h->status, s_(h->reason, b1, sizeof(b1)));
		} else {
			CHECK(h->kind == HTTP_HEAD_TRAILERS);
			CHECK(!h->method.ptr && !h->status && h->content_length == -1);
			out_printf(r, "%c HEAD trl v%d s%u", fc, it->version, it->stream);
		}
		if (h->kind != HTTP_HEAD_TRAILERS)
			out_printf(r, " cl=%lld ct=%s", (long long)h->content_length,
				   s_(h->content_type, b1, sizeof(b1)));
		out_printf(r, " end=%d\n", h->end_stream);
		for (uint32_t i = 0; i < h->nr_headers; i++) {
			const struct http_header *hd = &h->headers[i];

			CHECK(!hd->flags && hd->name.ptr && hd->value.ptr);
			/* Arena copies end in NUL. */
			CHECK(!hd->name.ptr[hd->name.len] && !hd->value.ptr[hd->value.len]);
			out_printf(r, "  %.*s: %.*s\n", (int)hd->name.len, hd->name.ptr,
				   (int)hd->value.len, hd->value.ptr);
		}
	} else if (it->kind == HTTP_ITEM_EXCHANGE) {
		CHECK(!it->from_client && !x->reset);
		out_printf(r, "S EXCH v%d s%u %s %s a=%s %d req=%llu resp=%llu", it->version,
			   it->stream, s_(x->method, b1, sizeof(b1)), s_(x->path, b2, sizeof(b2)),
			   s_(x->authority, b3, sizeof(b3)), x->status,
			   (unsigned long long)x->req_bytes, (unsigned long long)x->resp_bytes);
		if (!r->no_ts)
			out_printf(r, " t=%llu-%llu", (unsigned long long)x->start_ns,
				   (unsigned long long)x->end_ns);
		out_printf(r, "\n");
	} else {
		out_printf(r, "? kind %d\n", it->kind);
		unit_failures++;
	}
}

static void on_item(const struct http_item *it, void *arg)
{
	struct rec *r = arg;

	if (it->kind == HTTP_ITEM_BODY) {
		/* Bodies point into the fed bytes: no copy. */
		CHECK(it->body.data >= r->feed && it->body.data + it->body.len <= r->feed + r->feed_len);
		r->nr_body_items++;
	}
	if (r->n == sizeof(r->items) / sizeof(r->items[0])) {
		unit_failures++;
		return;
	}
	r->items[r->n++] = *it;
}

/* One feed; the items are read after it returned. */
static int feed1(struct http1_conn *c, struct rec *r, int dir, const void *p, size_t n, uint64_t ts)
{
	int err;

	r->n = 0;
	r->feed = p;
	r->feed_len = n;
	err = http1_conn__feed(c, dir, p, n, ts, on_item, r);
	for (size_t i = 0; i < r->n; i++)
		print_item(r, &r->items[i]);
	return err;
}

/* S, split as SPLIT says; each piece copied so that a read past it is seen. */
static int feed(struct http1_conn *c, struct rec *r, int dir, const char *s, uint64_t ts,
		enum split split)
{
	size_t n = strlen(s), off = 0;
	int err = 0;

	while (off < n) {
		size_t piece = n - off;
		char *copy;

		if (split == BYTES)
			piece = 1;
		else if (split == RANDOM && (rng() & 3))
			piece = 1 + rng() % (rng() & 1 ? 8 : 200);
		if (piece > n - off)
			piece = n - off;
		copy = malloc(piece);
		if (!copy)
			abort();
		memcpy(copy, s + off, piece);
		err |= feed1(c, r, dir, copy, piece, ts);
		free(copy);
		off += piece;
	}
	return err;
}

static const char *rec_done(struct rec *r)
{
	group_flush(r, false);
	out_grow(&r->out, &r->cap, r->len + 1);
	r->out[r->len] = '\0';
	return r->out;
}

static void rec_reset(struct rec *r, bool no_ts)
{
	r->len = 0;
	r->gkind = 0;
	r->glen = 0;
	r->no_ts = no_ts;
	r->nr_body_items = 0;
}

static struct rec rec;

/* A conversation: a list of (direction, bytes) steps; the transcript it must give. */
struct step {
	int dir;
	const char *bytes;
};

static void check_conv(const char *name, bool midstream, const struct step *steps, size_t nr,
		       const char *want, int want_err)
{
	static const enum split splits[] = { WHOLE, BYTES, RANDOM, RANDOM, RANDOM, RANDOM };

	for (size_t sp = 0; sp < sizeof(splits) / sizeof(splits[0]); sp++) {
		struct http1_conn *c = http1_conn__new(midstream);
		int err = 0, before = unit_failures;

		CHECK(c);
		rng_state = 0x9e3779b97f4a7c15ull + sp;
		rec_reset(&rec, splits[sp] != WHOLE);
		for (size_t i = 0; i < nr; i++)
			err |= feed(c, &rec, steps[i].dir, steps[i].bytes, 100 * (i + 1), splits[sp]);
		rec_done(&rec);
		CHECK(err == want_err);
		if (splits[sp] == WHOLE) {
			CHECK_STR(rec.out, want);
		} else {
			/* The same without the times (a head completes in a later piece). */
			struct rec *w = &rec;
			char *got = strdup(w->out);
			struct http1_conn *c2 = http1_conn__new(midstream);

			rec_reset(w, true);
			for (size_t i = 0; i < nr; i++)
				feed(c2, w, steps[i].dir, steps[i].bytes, 0, WHOLE);
			rec_done(w);
			CHECK_STR(got, w->out);
			free(got);
			http1_conn__free(c2);
		}
		http1_conn__free(c);
		if (unit_failures != before) {
			printf("  in %s, split %zu\n", name, sp);
			return;
		}
	}
}

#define CONV(name, mid, want, err, ...)                                                    \
	do {                                                                               \
		const struct step steps_[] = { __VA_ARGS__ };                              \
		check_conv(name, mid, steps_, sizeof(steps_) / sizeof(steps_[0]), want, err); \
	} while (0)

#define CURL_GET                                                                           \
	"GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:18482\r\nUser-Agent: curl/7.88.1\r\n" \
	"Accept: */*\r\n\r\n"
#define NGINX_200                                                                          \
	"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 01 Dec 2026 15:31:34 GMT\r\n" \
	"Content-Type: text/html\r\nContent-Length: 17\r\n"                                \
	"Last-Modified: Tue, 01 Dec 2026 15:31:33 GMT\r\nConnection: keep-alive\r\n"       \
	"ETag: \"6b0ee855-11\"\r\nAccept-Ranges: bytes\r\n\r\n"
#define NGINX_200_HEADERS                                                                  \
	"  Server: nginx/1.22.1\n  Date: Tue, 01 Dec 2026 15:31:34 GMT\n"                  \
	"  Content-Type: text/html\n  Content-Length: 17\n"                                \
	"  Last-Modified: Tue, 01 Dec 2026 15:31:33 GMT\n  Connection: keep-alive\n"       \
	"  ETag: \"6b0ee855-11\"\n  Accept-Ranges: bytes\n"
#define CURL_HEADERS "  Host: 127.0.0.1:18482\n  User-Agent: curl/7.88.1\n  Accept: */*\n"

static void test_curl_nginx(void)
{
	CONV("curl GET, nginx 200", false,
	     "C HEAD req v11 s1 GET /index.html a=127.0.0.1:18482 cl=-1 ct=- end=1\n" CURL_HEADERS
	     "S HEAD resp v11 s1 200 \"OK\" cl=17 ct=text/html end=0\n" NGINX_200_HEADERS
	     "S BODY v11 s1 @0 \"hello from nginx\\n\" end=1\n"
	     "S EXCH v11 s1 GET /index.html a=127.0.0.1:18482 200 req=0 resp=17 t=100-200\n",
	     0, { C, CURL_GET }, { S, NGINX_200 "hello from nginx\n" });

	/* curl -I twice on one connection: HEAD, whose responses have a
	 * Content-Length but no body; both responses in one feed. */
	CONV("curl -I, nginx", false,
	     "C HEAD req v11 s1 HEAD /index.html a=127.0.0.1:18482 cl=-1 ct=- end=1\n" CURL_HEADERS
	     "C HEAD req v11 s2 HEAD /index.html a=127.0.0.1:18482 cl=-1 ct=- end=1\n" CURL_HEADERS
	     "S HEAD resp v11 s1 200 \"OK\" cl=17 ct=text/html end=1\n" NGINX_200_HEADERS
	     "S EXCH v11 s1 HEAD /index.html a=127.0.0.1:18482 200 req=0 resp=0 t=100-200\n"
	     "S HEAD resp v11 s2 200 \"OK\" cl=17 ct=text/html end=1\n" NGINX_200_HEADERS
	     "S EXCH v11 s2 HEAD /index.html a=127.0.0.1:18482 200 req=0 resp=0 t=100-200\n",
	     0,
	     { C, "HEAD /index.html HTTP/1.1\r\nHost: 127.0.0.1:18482\r\nUser-Agent: curl/7.88.1\r\n"
		  "Accept: */*\r\n\r\nHEAD /index.html HTTP/1.1\r\nHost: 127.0.0.1:18482\r\n"
		  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n" },
	     { S, NGINX_200 NGINX_200 });

	/* curl -d: a form POST with a body. */
	CONV("curl -d", false,
	     "C HEAD req v11 s1 POST /form a=127.0.0.1:18482 cl=7 ct=application/x-www-form-urlencoded end=0\n"
	     CURL_HEADERS "  Content-Length: 7\n  Content-Type: application/x-www-form-urlencoded\n"
	     "C BODY v11 s1 @0 \"a=1&b=2\" end=1\n"
	     "S HEAD resp v11 s1 201 \"Created\" cl=0 ct=- end=1\n  Content-Length: 0\n"
	     "S EXCH v11 s1 POST /form a=127.0.0.1:18482 201 req=7 resp=0 t=100-200\n",
	     0,
	     { C, "POST /form HTTP/1.1\r\nHost: 127.0.0.1:18482\r\nUser-Agent: curl/7.88.1\r\n"
		  "Accept: */*\r\nContent-Length: 7\r\n"
		  "Content-Type: application/x-www-form-urlencoded\r\n\r\na=1&b=2" },
	     { S, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n" });
}

/* nginx 1.22.1 with gzip on, to curl --compressed: chunked, as captured
 * (see the top); the body, unchunked, must inflate to the 17-byte file. */
static const char nginx_gzip[] =
	"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Tue, 01 Dec 2026 15:40:13 GMT\r\n"
	"Content-Type: text/html\r\nLast-Modified: Tue, 01 Dec 2026 15:31:33 GMT\r\n"
	"Transfer-Encoding: chunked\r\nConnection: keep-alive\r\nETag: W/\"6b0ee855-11\"\r\n"
	"Content-Encoding: gzip\r\n\r\n25\r\n"
	"\x1f\x8b\x08\x00\x00\x00\x00\x00\x04\x03\xcbH\xcd\xc9\xc9WH+\xca\xcfU\xc8K\xcf\xcc\xab"
	"\xe0\x02\x00" "E\xd5\xbf\xd8\x11\x00\x00\x00\r\n0\r\n\r\n";

struct gz {
	uint8_t body[256];
	size_t len;
	int ends, exchanges, heads;
};

static void gz_item(const struct http_item *it, void *arg)
{
	struct gz *g = arg;

	if (it->kind == HTTP_ITEM_BODY && !it->from_client) {
		CHECK(it->body.offset == g->len && g->len + it->body.len <= sizeof(g->body));
		if (g->len + it->body.len <= sizeof(g->body))
			memcpy(g->body + g->len, it->body.data, it->body.len);
		g->len += it->body.len;
		g->ends += it->body.end;
	}
	g->exchanges += it->kind == HTTP_ITEM_EXCHANGE;
	if (it->kind == HTTP_ITEM_HEAD && !it->from_client) {
		CHECK(it->head.status == 200 && it->head.content_length == -1 && !it->head.end_stream);
		CHECK(it->head.nr_headers == 8);
		g->heads++;
	}
}

static void test_nginx_gzip(void)
{
	const char *req = "GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:18482\r\n"
			  "User-Agent: curl/7.88.1\r\nAccept: */*\r\n"
			  "Accept-Encoding: deflate, gzip, br, zstd\r\n\r\n";

	for (size_t piece = 1; piece <= sizeof(nginx_gzip); piece++) {
		struct http1_conn *c = http1_conn__new(false);
		struct gz g = {};
		char out[64];
		z_stream z = {};

		CHECK(!http1_conn__feed(c, C, (const uint8_t *)req, strlen(req), 1, gz_item, &g));
		for (size_t off = 0; off < sizeof(nginx_gzip) - 1; off += piece) {
			size_t n = sizeof(nginx_gzip) - 1 - off < piece ? sizeof(nginx_gzip) - 1 - off : piece;

			CHECK(!http1_conn__feed(c, S, (const uint8_t *)nginx_gzip + off, n, 2, gz_item, &g));
		}
		CHECK(g.len == 0x25 && g.ends == 1 && g.exchanges == 1 && g.heads == 1);
		CHECK(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
		z.next_in = g.body;
		z.avail_in = (uInt)g.len;
		z.next_out = (Bytef *)out;
		z.avail_out = sizeof(out);
		CHECK(inflate(&z, Z_FINISH) == Z_STREAM_END);
		CHECK(z.total_out == 17 && !memcmp(out, "hello from nginx\n", 17));
		inflateEnd(&z);
		http1_conn__free(c);
		if (unit_failures) {
			printf("  in nginx gzip, pieces of %zu\n", piece);
			return;
		}
	}
}

static void test_chunked(void)
{
	CONV("chunked with extensions and trailers", false,
	     "C HEAD req v11 s1 PUT /up a=h cl=-1 ct=- end=0\n  Host: h\n  Transfer-Encoding: chunked\n"
	     "C BODY v11 s1 @0 \"0123456789abc\" end=1\n"
	     "S HEAD resp v11 s1 200 \"OK\" cl=-1 ct=text/plain end=0\n"
	     "  Content-Type: text/plain\n  Transfer-Encoding: gzip, chunked\n  Trailer: X-Checksum\n"
	     "S BODY v11 s1 @0 \"hello world\" end=1\n"
	     "S HEAD trl v11 s1 end=1\n  X-Checksum: abc\n  X-Other: 1\n"
	     "S EXCH v11 s1 PUT /up a=h 200 req=13 resp=11 t=100-200\n",
	     0,
	     { C, "PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
		  "A\r\n0123456789\r\n3;last\r\nabc\r\n0\r\n\r\n" },
	     { S, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		  "Transfer-Encoding: gzip, chunked\r\nTrailer: X-Checksum\r\n\r\n"
		  "5;name=val\r\nhello\r\n6 ; x=\"y\"\r\n world\r\n0\r\nX-Checksum: abc\r\n"
		  "X-Other: 1\r\n\r\n" });
}

#define P_REQ(path) "GET " path " HTTP/1.1\r\nHost: example.com\r\n\r\n"

static void test_pipelined(void)
{
	CONV("3 pipelined GETs", false,
	     "C HEAD req v11 s1 GET /a a=example.com cl=-1 ct=- end=1\n  Host: example.com\n"
	     "C HEAD req v11 s2 GET /b a=example.com cl=-1 ct=- end=1\n  Host: example.com\n"
	     "C HEAD req v11 s3 GET /c?x=1 a=example.com cl=-1 ct=- end=1\n  Host: example.com\n"
	     "S HEAD resp v11 s1 200 \"OK\" cl=1 ct=- end=0\n  Content-Length: 1\n"
	     "S BODY v11 s1 @0 \"A\" end=1\n"
	     "S EXCH v11 s1 GET /a a=example.com 200 req=0 resp=1 t=100-200\n"
	     "S HEAD resp v11 s2 404 \"Not Found\" cl=-1 ct=- end=0\n  Transfer-Encoding: chunked\n"
	     "S BODY v11 s2 @0 \"BBBB\" end=1\n"
	     "S EXCH v11 s2 GET /b a=example.com 404 req=0 resp=4 t=100-200\n"
	     "S HEAD resp v10 s3 200 \"\" cl=3 ct=- end=0\n  Content-Length: 3\n"
	     "S BODY v10 s3 @0 \"CCC\" end=1\n"
	     "S EXCH v10 s3 GET /c?x=1 a=example.com 200 req=0 resp=3 t=100-200\n",
	     0, { C, P_REQ("/a") P_REQ("/b") P_REQ("/c?x=1") },
	     { S, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
		  "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nBB\r\n2\r\nBB\r\n0\r\n\r\n"
		  "HTTP/1.0 200\r\nContent-Length: 3\r\n\r\nCCC" });
}

static void test_no_body(void)
{
	CONV("100-continue", false,
	     "C HEAD req v11 s1 POST /u a=h cl=5 ct=- end=0\n  Host: h\n  Content-Length: 5\n"
	     "  Expect: 100-continue\n"
	     "S HEAD resp v11 s1 100 \"Continue\" cl=-1 ct=- end=1\n"
	     "C BODY v11 s1 @0 \"hello\" end=1\n"
	     "S HEAD resp v11 s1 200 \"OK\" cl=2 ct=- end=0\n  Content-Length: 2\n"
	     "S BODY v11 s1 @0 \"ok\" end=1\n"
	     "S EXCH v11 s1 POST /u a=h 200 req=5 resp=2 t=100-400\n",
	     0,
	     { C, "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n" },
	     { S, "HTTP/1.1 100 Continue\r\n\r\n" }, { C, "hello" },
	     { S, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok" });

	/* 204 and 304 have no body whatever they say; the third response proves
	 * that nothing after them was taken as one. */
	CONV("204, 304", false,
	     "C HEAD req v11 s1 DELETE /x a=h cl=-1 ct=- end=1\n  Host: h\n"
	     "C HEAD req v11 s2 GET /y a=h cl=-1 ct=- end=1\n  Host: h\n  If-None-Match: \"e\"\n"
	     "C HEAD req v11 s3 GET /z a=example.com cl=-1 ct=- end=1\n  Host: example.com\n"
	     "S HEAD resp v11 s1 204 \"No Content\" cl=-1 ct=- end=1\n"
	     "S EXCH v11 s1 DELETE /x a=h 204 req=0 resp=0 t=100-200\n"
	     "S HEAD resp v11 s2 304 \"Not Modified\" cl=17 ct=- end=1\n  ETag: \"e\"\n  Content-Length: 17\n"
	     "S EXCH v11 s2 GET /y a=h 304 req=0 resp=0 t=100-200\n"
	     "S HEAD resp v11 s3 200 \"OK\" cl=2 ct=- end=0\n  Content-Length: 2\n"
	     "S BODY v11 s3 @0 \"zz\" end=1\n"
	     "S EXCH v11 s3 GET /z a=example.com 200 req=0 resp=2 t=100-200\n",
	     0,
	     { C, "DELETE /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n"
		  "If-None-Match: \"e\"\r\n\r\n" P_REQ("/z") },
	     { S, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n"
		  "Content-Length: 17\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nzz" });
}

static void test_upgrade(void)
{
	CONV("101 websocket", false,
	     "C HEAD req v11 s1 GET /chat a=h cl=-1 ct=- end=1\n  Host: h\n  Upgrade: websocket\n"
	     "  Connection: Upgrade\n  Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
	     "  Sec-WebSocket-Version: 13\n"
	     "S HEAD resp v11 s1 101 \"Switching Protocols\" cl=-1 ct=- end=1\n  Upgrade: websocket\n"
	     "  Connection: Upgrade\n  Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n"
	     "S EXCH v11 s1 GET /chat a=h 101 req=0 resp=0 t=100-200\n"
	     "S RAW v11 s1 upgrade \"\\x81\\x05hello\"\n"
	     "C RAW v11 s1 upgrade \"\\x81\\x85\\x01\\x01\\x01\\x01GET / HTTP/1.1\\r\\n\\r\\n\"\n",
	     0,
	     { C, "GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n" },
	     { S, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
		  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n\x81\x05hello" },
	     { C, "\x81\x85\x01\x01\x01\x01" "GET / HTTP/1.1\r\n\r\n" });
}

static void test_connect(void)
{
	/* A proxy that refuses first (407 with a body: still HTTP), then lets
	 * the tunnel through: what follows is TLS, raw both ways. */
	CONV("CONNECT", false,
	     "C HEAD req v11 s1 CONNECT example.com:443 a=example.com:443 cl=-1 ct=- end=1\n"
	     "  Host: example.com:443\n"
	     "S HEAD resp v11 s1 407 \"Proxy Authentication Required\" cl=4 ct=- end=0\n"
	     "  Proxy-Authenticate: Basic\n  Content-Length: 4\n"
	     "S BODY v11 s1 @0 \"deny\" end=1\n"
	     "S EXCH v11 s1 CONNECT example.com:443 a=example.com:443 407 req=0 resp=4 t=100-200\n"
	     "C HEAD req v11 s2 CONNECT example.com:443 a=example.com:443 cl=-1 ct=- end=1\n"
	     "  Host: example.com:443\n  Proxy-Authorization: Basic dTpw\n"
	     "S HEAD resp v11 s2 200 \"Connection established\" cl=-1 ct=- end=1\n"
	     "S EXCH v11 s2 CONNECT example.com:443 a=example.com:443 200 req=0 resp=0 t=300-400\n"
	     "C RAW v11 s2 upgrade \"\\x16\\x03\\x01\\x01\\x05hello\"\n"
	     "S RAW v11 s2 upgrade \"\\x16\\x03\\x03\\x01\\x02hi\"\n",
	     0, { C, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n" },
	     { S, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n"
		  "Content-Length: 4\r\n\r\ndeny" },
	     { C, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
		  "Proxy-Authorization: Basic dTpw\r\n\r\n" },
	     { S, "HTTP/1.1 200 Connection established\r\n\r\n" },
	     { C, "\x16\x03\x01\x01\x05hello" }, { S, "\x16\x03\x03\x01\x02hi" });
}

static void test_until_close(void)
{
	/* No length: the body goes on until the connection closes, which no
	 * feed says; so no exchange, and a later status line is body too. */
	CONV("read until close", false,
	     "C HEAD req v10 s1 GET / a=- cl=-1 ct=- end=1\n"
	     "S HEAD resp v10 s1 200 \"OK\" cl=-1 ct=text/plain end=0\n  Content-Type: text/plain\n"
	     "S BODY v10 s1 @0 \"abc\\r\\nHTTP/1.1 200 OK\\r\\n\\r\\ndef\" end=0\n",
	     0, { C, "GET / HTTP/1.0\r\n\r\n" },
	     { S, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nabc\r\n" },
	     { S, "HTTP/1.1 200 OK\r\n\r\n" }, { S, "def" });
}

static void test_midstream(void)
{
	/* Started inside a response body and inside a request's headers: both
	 * raw up to the next start line; that response's request was not seen. */
	CONV("midstream inside a body", true,
	     "S RAW v11 s0 resync \"dy of the previous response\\r\\nmore of it\\n\"\n"
	     "S HEAD resp v11 s1 200 \"OK\" cl=3 ct=- end=0\n  Content-Length: 3\n"
	     "S BODY v11 s1 @0 \"abc\" end=1\n"
	     "S EXCH v11 s1 - - a=- 200 req=0 resp=3 t=0-100\n"
	     "C RAW v11 s0 resync \"ue\\r\\nAccept: */*\\r\\n\\r\\n\"\n"
	     "C HEAD req v11 s2 GET /next a=h cl=-1 ct=- end=1\n  Host: h\n"
	     "S HEAD resp v11 s2 200 \"OK\" cl=0 ct=- end=1\n  Content-Length: 0\n"
	     "S EXCH v11 s2 GET /next a=h 200 req=0 resp=0 t=200-300\n",
	     0,
	     { S, "dy of the previous response\r\nmore of it\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc" },
	     { C, "ue\r\nAccept: */*\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n" },
	     { S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" });
}

/* Midstream, a feed that starts a message (as TLS records often do) is
 * taken at its first byte when it begins with a known method or "HTTP/1.";
 * with any other token only after a line break. Fed whole: a piece cut
 * inside a line is no record start. */
static void test_midstream_feed_start(void)
{
	static const char *const feeds[][2] = {
		{ "S", "HTTP/1.1 304 Not Modified\r\nETag: \"e\"\r\n\r\n" },
		{ "C", "BREW /pot HTTP/1.1\r\n\r\nBREW /pot2 HTTP/1.1\r\n\r\n" },
		{ "C", "GET /x HTTP/1.1\r\n\r\n" },
	};
	struct http1_conn *c = http1_conn__new(true);
	struct http1_stats st;

	rec_reset(&rec, false);
	for (size_t i = 0; i < 3; i++)
		CHECK(!feed1(c, &rec, feeds[i][0][0] == 'C' ? C : S, (const uint8_t *)feeds[i][1],
			     strlen(feeds[i][1]), 10 * (i + 1)));
	rec_done(&rec);
	CHECK_STR(rec.out,
		  "S HEAD resp v11 s1 304 \"Not Modified\" cl=-1 ct=- end=1\n  ETag: \"e\"\n"
		  "S EXCH v11 s1 - - a=- 304 req=0 resp=0 t=0-10\n"
		  "C RAW v11 s0 resync \"BREW /pot HTTP/1.1\\r\\n\\r\\n\"\n"
		  "C HEAD req v11 s2 BREW /pot2 a=- cl=-1 ct=- end=1\n"
		  "C HEAD req v11 s3 GET /x a=- cl=-1 ct=- end=1\n");
	http1_conn__free(c);

	/* A 1xx and its final response, their request unseen: one pair. */
	c = http1_conn__new(true);
	rec_reset(&rec, false);
	feed(c, &rec, S, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	     5, WHOLE);
	rec_done(&rec);
	CHECK_STR(rec.out, "S HEAD resp v11 s1 100 \"Continue\" cl=-1 ct=- end=1\n"
			   "S HEAD resp v11 s1 200 \"OK\" cl=0 ct=- end=1\n  Content-Length: 0\n"
			   "S EXCH v11 s1 - - a=- 200 req=0 resp=0 t=0-5\n");
	http1_conn__stats(c, &st);
	CHECK(st.unpaired_responses == 1 && st.heads == 2 && !st.resync_bytes);
	http1_conn__free(c);
}

static void test_malformed(void)
{
	/* A header line without a colon: that head raw, the next one parsed. */
	CONV("header without colon", false,
	     "C RAW v11 s0 resync \"GET /bad HTTP/1.1\\r\\nHost h\\r\\n\\r\\n\"\n"
	     "C HEAD req v11 s1 GET /ok a=h cl=-1 ct=- end=1\n  Host: h\n"
	     "  X-Folded: one two\tthree\n  X-Empty: \n  lower-case: Kept\n",
	     0,
	     { C, "GET /bad HTTP/1.1\r\nHost h\r\n\r\n"
		  "GET /ok HTTP/1.1\r\nHost: h\r\nX-Folded: one\r\n  two\tthree \r\n"
		  "X-Empty:\r\nlower-case:  Kept\r\n\r\n" });

	/* Content-Lengths that disagree: the framing is unknown, so the body is
	 * reported raw up to the next request line; a list of equal ones is one. */
	CONV("disagreeing Content-Length", false,
	     "C HEAD req v11 s1 POST /a a=- cl=-1 ct=- end=0\n  Content-Length: 3\n  Content-Length: 4\n"
	     "C RAW v11 s1 resync \"abcd\\r\\n\"\n"
	     "C HEAD req v11 s2 POST /b a=- cl=5 ct=- end=0\n  Content-Length: 5, 5\n"
	     "C BODY v11 s2 @0 \"12345\" end=1\n",
	     0,
	     { C, "POST /a HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n" },
	     { C, "abcd\r\nPOST /b HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n12345" });

	/* A chunk size that is not hex; LF alone as line ends. */
	CONV("bad chunk size, bare LF", false,
	     "C HEAD req v11 s1 GET / a=h cl=-1 ct=- end=1\n  Host: h\n"
	     "S HEAD resp v11 s1 200 \"OK\" cl=-1 ct=- end=0\n  Transfer-Encoding: chunked\n"
	     "S BODY v11 s1 @0 \"x\" end=0\n"
	     "S RAW v11 s1 resync \"zz\\r\\nrest\\n\"\n"
	     "S HEAD resp v11 s2 200 \"OK\" cl=0 ct=- end=1\n  Content-Length: 0\n"
	     "S EXCH v11 s2 - - a=- 200 req=0 resp=0 t=0-200\n",
	     0, { C, "GET / HTTP/1.1\nHost: h\n\n" },
	     { S, "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n1\nx\nzz\r\nrest\n"
		  "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n" });

	/* A connection seen from its start whose first bytes are not HTTP. */
	CONV("not http", false,
	     "C RAW v11 s0 not http \"\\x16\\x03\\x01\\x02\\x03\\x01\"\n"
	     "S RAW v11 s0 not http \"HTTP/1.1 200 OK\\r\\n\\r\\n\"\n",
	     -EPROTO, { C, "\x16\x03\x01\x02\x03\x01" }, { S, "HTTP/1.1 200 OK\r\n\r\n" });

	/* Both directions start a status line before either is complete: the
	 * first completed makes its end the server, the other is refused
	 * (found by the fuzzer: both were taken as responses). */
	CONV("two servers", false,
	     "S HEAD resp v11 s1 204 \"No Content\" cl=-1 ct=- end=1\n"
	     "S EXCH v11 s1 - - a=- 204 req=0 resp=0 t=0-200\n"
	     "C RAW v11 s0 resync \"HTTP/1.1 200 OK\\r\\nContent-Length: 0\\r\\n\\r\\n\"\n",
	     0, { S, "HTTP/1.1 200 OK\r\nCon" }, { C, "HTTP/1.1 204 No Content\r\n\r\n" },
	     { S, "tent-Length: 0\r\n\r\n" });

	/* A response line where a request was due (the roles are known). */
	CONV("status line from the client", false,
	     "C HEAD req v11 s1 GET / a=- cl=-1 ct=- end=1\n"
	     "C RAW v11 s1 resync \"HTTP/1.1 200 OK\\r\\n\\r\\n\"\n"
	     "C HEAD req v11 s2 GET /2 a=- cl=-1 ct=- end=1\n",
	     0, { C, "GET / HTTP/1.1\r\n\r\n" },
	     { C, "HTTP/1.1 200 OK\r\n\r\nGET /2 HTTP/1.1\r\n\r\n" });
}

/* Heads past 64 KiB, 8 KiB without a line midstream, the pending queue. */
static void test_bounds(void)
{
	size_t big = 70 << 10;
	char *s = malloc(big + 256);
	struct http1_conn *c;
	struct http1_stats st;
	int err;

	strcpy(s, "GET /big HTTP/1.1\r\nX-Long: ");
	memset(s + strlen(s), 'a', big);
	s[big] = '\0';
	strcat(s, "\r\n\r\nGET /after HTTP/1.1\r\n\r\n");
	for (int split = WHOLE; split <= RANDOM; split++) {
		c = http1_conn__new(false);
		rng_state = 7;
		rec_reset(&rec, true);
		CHECK(!feed(c, &rec, C, s, 1, split));
		rec_done(&rec);
		/* 64 KiB raw, the rest of that line raw, then the next request. */
		CHECK(!strncmp(rec.out, "C RAW v11 s0 resync \"GET /big HTTP/1.1\\r\\nX-Long: aaa", 52));
		CHECK(strstr(rec.out, "aaa\\r\\n\\r\\n\"\nC HEAD req v11 s1 GET /after a=- cl=-1 ct=- end=1\n"));
		http1_conn__stats(c, &st);
		CHECK(st.resync_bytes == big + 4 && st.bad_heads == 1 && st.heads == 1);
		http1_conn__free(c);
	}

	/* Midstream: 8 KiB without a line break is not HTTP. */
	memset(s, 'x', 9000);
	c = http1_conn__new(true);
	rec_reset(&rec, true);
	err = feed1(c, &rec, S, (const uint8_t *)s, 9000, 1);
	CHECK(err == -EPROTO);
	CHECK(feed1(c, &rec, C, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, 2) == -EPROTO);
	rec_done(&rec);
	CHECK(!strncmp(rec.out, "S RAW v11 s0 not http \"xxx", 26));
	CHECK(strstr(rec.out, "xxx\"\nC RAW v11 s0 not http \"GET / HTTP/1.1\\r\\n\\r\\n\"\n"));
	http1_conn__free(c);
	free(s);

	/* 70 requests before any response: the oldest 6 are dropped, their
	 * responses unpaired, the others still paired right. */
	c = http1_conn__new(false);
	rec_reset(&rec, true);
	for (int i = 1; i <= 70; i++) {
		char req[64];

		snprintf(req, sizeof(req), "GET /%d HTTP/1.1\r\n\r\n", i);
		feed(c, &rec, C, req, 1, WHOLE);
	}
	rec.len = 0;
	for (int i = 1; i <= 70; i++)
		feed(c, &rec, S, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 2, WHOLE);
	rec_done(&rec);
	CHECK(strstr(rec.out, "S EXCH v11 s6 - - a=- 200 req=0 resp=0\n"));
	CHECK(strstr(rec.out, "S EXCH v11 s7 GET /7 a=- 200 req=0 resp=0\n"));
	CHECK(strstr(rec.out, "S EXCH v11 s70 GET /70 a=- 200 req=0 resp=0\n"));
	http1_conn__stats(c, &st);
	CHECK(st.dropped_requests == 6 && st.unpaired_responses == 6 && st.heads == 140);
	http1_conn__free(c);
}

static void test_looks_like(void)
{
	static const struct {
		const char *s;
		bool want;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true },
		{ "GET /", true },		/* cut short: a known method and the target's start */
		{ "OPTIONS * HTTP/1.1\r\n", true },
		{ "GET ", false },
		{ "GET", false },
		{ "BREW /pot HTTP/1.1\r\n", true },	/* any token, with its whole line */
		{ "BREW /pot", false },
		{ "HTTP/1.1 200 OK\r\n", true },
		{ "HTTP/1.0 404", true },
		{ "HTTP/1.", true },
		{ "HTTP/1", false },
		{ "HTTP/2 200\r\n", false },
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", false },
		{ "GET / HTTP/2.0\r\n", false },
		{ "GET  / HTTP/1.1\r\n", false },
		{ "get / HTTP/1.1\r\n", true },
		{ "\x16\x03\x01\x02\x00", false },
		{ "hello world\r\n", false },
		{ "HTTP/1.1 20x OK\r\n", false },
		{ "", false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got = http1_looks_like((const uint8_t *)cases[i].s, strlen(cases[i].s));

		if (got != cases[i].want) {
			printf("looks_like('%s') = %d\n", cases[i].s, got);
			unit_failures++;
		}
	}
}

int main(void)
{
	test_looks_like();
	test_curl_nginx();
	test_chunked();
	test_nginx_gzip();
	test_pipelined();
	test_no_body();
	test_upgrade();
	test_connect();
	test_until_close();
	test_midstream();
	test_midstream_feed_start();
	test_malformed();
	test_bounds();
	free(rec.out);
	free(rec.gbuf);
	UNIT_DONE("http1");
}
