// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1.0 and 1.1 (RFC 9112) of one connection, read passively from both
 * ends (this file: the connection's state, bodies and pairing; http1_head.c:
 * start lines and heads). Whatever a process sends is input, so every
 * length is checked, no function recurses and the memory is bounded per
 * connection:
 *   - per direction one buffer for a head that arrives in pieces (start
 *     line, headers, trailers: at most H1_HEAD_MAX, 64 KiB; a chunk-size
 *     line at most H1_CHUNK_LINE_MAX), grown as needed and kept;
 *   - the pending requests, at most H1_PENDING_MAX (64) holding at most
 *     H1_PENDING_BYTES (128 KiB) of method, path and authority; beyond, the
 *     oldest is dropped and counted and its response is reported unpaired;
 *   - the arena the items' strings live in, emptied at each feed: a copy of
 *     each head completed by the feed plus its header array (at most
 *     H1_HEADERS_MAX headers), so a few times the feed's head bytes.
 * Worst case some 260 KiB plus the arena. Bodies are never copied: their
 * pieces point into the fed bytes, and the body path does no work per byte
 * beyond finding the end of a chunk-size line.
 *
 * What a passive reader cannot know, and what it does then:
 *   - which end is the client: the one that sends request lines (a status
 *     line marks the server); before either, raw items guess the traced
 *     process is the client;
 *   - midstream, the first bytes of each direction are raw "resync" up to a
 *     start line at a line boundary, or at the start of a feed when it
 *     begins with a known method or "HTTP/1." (records often start
 *     messages); a response whose request was not seen has no method, so a
 *     response to an unseen HEAD is taken to have the body its
 *     Content-Length announces, and what follows is read as that body until
 *     the next resync;
 *   - a response without Content-Length or chunked ends when the connection
 *     closes, which no feed says: its body pieces never end and it has no
 *     exchange;
 *   - an exchange is reported when its response ends, with the request body
 *     bytes seen by then: a server may answer before the body is all sent
 *     (nginx's 405 to a POST does), and waiting for the rest could wait for
 *     ever (a 413 and a close);
 *   - framing that cannot be trusted (Content-Lengths that differ, a request
 *     coding other than chunked, a bad chunk) is reported (the head's
 *     content_length -1, a counter) and what follows is raw "resync";
 *   - "not http" (-EPROTO): a connection seen from its start whose first
 *     bytes in a direction are no start line, or, midstream, 8 KiB without
 *     a line break before the first start line. Every later feed is raw.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/arena.h"
#include "proto/http1.h"
#include "proto/http1_head.h"

#define H1_HEAD_MAX		(64u << 10)
#define H1_CHUNK_LINE_MAX	4096u
#define H1_PENDING_MAX		64u
#define H1_PENDING_BYTES	(128u << 10)
#define H1_BUF_MIN		1024u

enum h1_state {
	H1_START,	/* empty lines, then a start line and headers */
	H1_TRAILERS,	/* the trailer section after the last chunk */
	H1_BODY,	/* the rest of a Content-Length body */
	H1_CHUNK_LINE,	/* a chunk-size line */
	H1_CHUNK_DATA,
	H1_CHUNK_END,	/* the CRLF after a chunk's data */
	H1_CLOSE,	/* a response body without length: until the connection closes */
	H1_TUNNEL,	/* after 101 or a CONNECT's 2xx: not HTTP any more */
	H1_RESYNC,	/* looking for a start line at a line boundary */
};

struct h1_dir {
	enum h1_state state;
	uint8_t *buf;		/* a head (or chunk-size line) in pieces */
	size_t len, cap;
	size_t scan;		/* where to look on for the head's end */
	bool line_ok;		/* the head's start line is complete and valid */
	bool seen_line;		/* a start line was seen in this direction */
	size_t nonl_run;	/* bytes without a line break, before the first start line */
	bool bol;		/* resync: the last byte before this feed ended a line */
	/* The message being read. */
	bool response;
	enum http_version version;
	uint32_t stream;
	int status;
	uint64_t remaining;	/* of a Content-Length body or a chunk */
	uint64_t body_off;
};

/* A request waiting for its response: what the exchange will need. */
struct h1_req {
	uint32_t stream;
	bool head, connect;
	uint64_t start_ns, body_bytes;
	char *str;		/* method, path, authority, one after another */
	uint32_t mlen, plen, alen;
	bool has_authority;
};

struct http1_conn {
	bool midstream, not_http;
	int client_dir;			/* enum http_dir of the client, -1 unknown */
	enum http_version version;	/* of the last message, for raw items */
	struct h1_dir dir[2];
	struct h1_req q[H1_PENDING_MAX];
	unsigned q_first, q_len;
	size_t q_bytes;
	uint32_t next_stream;		/* the next request's */
	uint32_t resp_stream;		/* the oldest unanswered request's */
	uint32_t unpaired_stream;	/* the last counted in unpaired_responses */
	struct http1_stats stats;
	struct arena arena;
};

/* One call of http1_conn__feed(). */
struct h1_feed {
	struct http1_conn *c;
	struct h1_dir *d;
	int dir;
	const uint8_t *data;
	size_t len;
	uint64_t ts;
	http_emit_fn emit;
	void *arg;
};

enum h1_framing { H1_F_LENGTH, H1_F_CHUNKED, H1_F_CLOSE, H1_F_TUNNEL, H1_F_BAD };

/* ---- items ---- */

static bool h1_from_client(const struct h1_feed *f, int dir)
{
	/* Before the first start line the roles are unknown: guess that the
	 * traced process is the client. */
	if (f->c->client_dir < 0)
		return dir == HTTP_DIR_SENT;
	return dir == f->c->client_dir;
}

static void h1_item_init(const struct h1_feed *f, struct http_item *it, enum http_item_kind kind,
			 int dir)
{
	const struct h1_dir *d = &f->c->dir[dir];

	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->version = d->version ? d->version : f->c->version;
	it->stream = d->stream;
	it->from_client = h1_from_client(f, dir);
	it->grpc_status = -1;
}

/* P[0..N) of direction DIR raw; COPY when P does not stay valid until the
 * next feed (a direction's buffer). */
static void h1_emit_raw(struct h1_feed *f, int dir, const uint8_t *p, size_t n, const char *why,
			bool copy)
{
	struct http_item it;

	if (!n)
		return;
	if (copy) {
		p = (const uint8_t *)arena_strndup(&f->c->arena, p, n);
		if (!p)
			return;
	}
	if (!strcmp(why, "resync"))
		f->c->stats.resync_bytes += n;
	while (n) {
		uint32_t piece = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;

		h1_item_init(f, &it, HTTP_ITEM_RAW, dir);
		it.raw.data = p;
		it.raw.len = piece;
		it.raw.why = why;
		f->emit(&it, f->arg);
		p += piece;
		n -= piece;
	}
}

static void h1_emit_body(struct h1_feed *f, const uint8_t *p, size_t n, bool end)
{
	struct h1_dir *d = f->d;
	struct http_item it;

	h1_item_init(f, &it, HTTP_ITEM_BODY, f->dir);
	it.body.data = p;
	it.body.len = (uint32_t)n;
	it.body.offset = d->body_off;
	it.body.end = end;
	d->body_off += n;
	f->emit(&it, f->arg);
}

/* ---- pending requests ---- */

static struct h1_req *h1_q_at(struct http1_conn *c, unsigned i)
{
	return &c->q[(c->q_first + i) % H1_PENDING_MAX];
}

static void h1_q_pop(struct http1_conn *c)
{
	struct h1_req *r = h1_q_at(c, 0);

	c->q_bytes -= (size_t)r->mlen + r->plen + r->alen;
	free(r->str);
	memset(r, 0, sizeof(*r));
	c->q_first = (c->q_first + 1) % H1_PENDING_MAX;
	c->q_len--;
}

static void h1_q_push(struct h1_feed *f, const struct h1_msg *m, uint32_t stream)
{
	struct http1_conn *c = f->c;
	const struct http_head *h = &m->h;
	size_t size = (size_t)h->method.len + h->path.len + h->authority.len;
	struct h1_req *r;
	char *str = malloc(size ? size : 1);

	if (!str) {
		c->stats.dropped_requests++;
		return;
	}
	while (c->q_len && (c->q_len == H1_PENDING_MAX || c->q_bytes + size > H1_PENDING_BYTES)) {
		h1_q_pop(c);
		c->stats.dropped_requests++;
	}
	r = h1_q_at(c, c->q_len++);
	r->stream = stream;
	r->head = h->method.len == 4 && !memcmp(h->method.ptr, "HEAD", 4);
	r->connect = h->method.len == 7 && !memcmp(h->method.ptr, "CONNECT", 7);
	r->start_ns = f->ts;
	r->body_bytes = 0;
	r->str = str;
	r->mlen = h->method.len;
	r->plen = h->path.len;
	r->alen = h->authority.len;
	r->has_authority = h->authority.ptr;
	memcpy(str, h->method.ptr, r->mlen);
	memcpy(str + r->mlen, h->path.ptr, r->plen);
	if (r->alen)
		memcpy(str + r->mlen + r->plen, h->authority.ptr, r->alen);
	c->q_bytes += size;
}

/* The pending request STREAM, or NULL (answered, dropped or never seen). */
static struct h1_req *h1_q_find(struct http1_conn *c, uint32_t stream)
{
	for (unsigned i = c->q_len; i-- > 0;) {
		struct h1_req *r = h1_q_at(c, i);

		if (r->stream == stream)
			return r;
		if (r->stream < stream)
			break;
	}
	return NULL;
}

static struct http_str h1_arena_str(struct http1_conn *c, const char *s, uint32_t len)
{
	struct http_str out = { arena_strndup(&c->arena, s, len), len };

	if (!out.ptr)
		out.len = 0;
	return out;
}

/* The response of direction F ended: its exchange, and its request answered. */
static void h1_response_done(struct h1_feed *f)
{
	struct http1_conn *c = f->c;
	struct h1_dir *d = f->d;
	struct h1_req *r = c->q_len && h1_q_at(c, 0)->stream == d->stream ? h1_q_at(c, 0) : NULL;
	struct http_item it;

	h1_item_init(f, &it, HTTP_ITEM_EXCHANGE, f->dir);
	it.exchange.status = d->status;
	it.exchange.resp_bytes = d->body_off;
	it.exchange.end_ns = f->ts;
	if (r) {
		it.exchange.method = h1_arena_str(c, r->str, r->mlen);
		it.exchange.path = h1_arena_str(c, r->str + r->mlen, r->plen);
		if (r->has_authority)
			it.exchange.authority =
				h1_arena_str(c, r->str + r->mlen + r->plen, r->alen);
		it.exchange.req_bytes = r->body_bytes;
		it.exchange.start_ns = r->start_ns;
	}
	f->emit(&it, f->arg);
	if (r)
		h1_q_pop(c);
	if (c->resp_stream == d->stream)
		c->resp_stream++;
}

/* ---- messages ---- */

static void h1_set_state(struct h1_dir *d, enum h1_state st)
{
	d->state = st;
	d->len = d->scan = 0;
	d->line_ok = false;
}

static void h1_message_done(struct h1_feed *f)
{
	if (f->d->response)
		h1_response_done(f);
	h1_set_state(f->d, H1_START);
}

/* Both directions are a tunnel now; what the other had buffered goes raw. */
static void h1_tunnel(struct h1_feed *f)
{
	struct h1_dir *o = &f->c->dir[!f->dir];

	if (o->state == H1_START || o->state == H1_RESYNC || o->state == H1_TRAILERS ||
	    o->state == H1_CHUNK_LINE)
		h1_emit_raw(f, !f->dir, o->buf, o->len, "upgrade", true);
	h1_set_state(o, H1_TUNNEL);
	h1_set_state(f->d, H1_TUNNEL);
}

static enum h1_framing h1_framing(const struct h1_msg *m, const struct h1_req *r)
{
	if (m->response) {
		int st = m->h.status;

		if (st == 101 || (r && r->connect && st >= 200 && st < 300))
			return H1_F_TUNNEL;
		if ((r && r->head) || st < 200 || st == 204 || st == 304)
			return H1_F_LENGTH;
		if (m->te)
			return m->te_chunked ? H1_F_CHUNKED : H1_F_CLOSE;
		if (m->cl_bad)
			return H1_F_BAD;
		return m->cl >= 0 ? H1_F_LENGTH : H1_F_CLOSE;
	}
	if (m->te)
		return m->te_chunked ? H1_F_CHUNKED : H1_F_BAD;
	return m->cl_bad ? H1_F_BAD : H1_F_LENGTH;
}

/* The stream a response of this connection answers (1xx too). */
static uint32_t h1_response_stream(struct http1_conn *c)
{
	/* No request pending: it was not seen. */
	if (c->resp_stream == c->next_stream)
		c->next_stream++;
	/* Counted once, though a 1xx came first. */
	if (!h1_q_find(c, c->resp_stream) && c->unpaired_stream != c->resp_stream) {
		c->unpaired_stream = c->resp_stream;
		c->stats.unpaired_responses++;
	}
	return c->resp_stream;
}

static void h1_on_head(struct h1_feed *f, struct h1_msg *m)
{
	struct http1_conn *c = f->c;
	struct h1_dir *d = f->d;
	struct h1_req *r = NULL;
	enum h1_framing fr;
	struct http_item it;
	uint64_t body_len = 0;
	bool interim;

	if (c->client_dir < 0)
		c->client_dir = m->response ? !f->dir : f->dir;
	c->stats.heads++;
	c->version = d->version = m->version;
	d->response = m->response;
	d->status = m->h.status;
	d->body_off = 0;
	interim = m->response && m->h.status >= 100 && m->h.status < 200 && m->h.status != 101;
	if (m->response) {
		d->stream = h1_response_stream(c);
		r = h1_q_find(c, d->stream);
	} else {
		d->stream = c->next_stream++;
		h1_q_push(f, m, d->stream);
		r = NULL;
	}
	fr = h1_framing(m, r);
	/* The header's value as sent; what frames the body is BODY_LEN. */
	m->h.content_length = m->cl_bad || m->te ? -1 : m->cl;
	if (fr == H1_F_LENGTH && !interim && !(r && r->head) && m->h.status != 204 &&
	    m->h.status != 304)
		body_len = m->cl > 0 ? (uint64_t)m->cl : 0;
	m->h.end_stream = interim || fr == H1_F_TUNNEL || (fr == H1_F_LENGTH && !body_len);
	h1_item_init(f, &it, HTTP_ITEM_HEAD, f->dir);
	it.head = m->h;
	f->emit(&it, f->arg);

	if (interim) {
		h1_set_state(d, H1_START);
		return;
	}
	switch (fr) {
	case H1_F_LENGTH:
		if (body_len) {
			d->remaining = body_len;
			h1_set_state(d, H1_BODY);
		} else {
			h1_message_done(f);
		}
		break;
	case H1_F_CHUNKED:
		h1_set_state(d, H1_CHUNK_LINE);
		break;
	case H1_F_CLOSE:
		h1_set_state(d, H1_CLOSE);
		break;
	case H1_F_TUNNEL:
		h1_response_done(f);
		h1_tunnel(f);
		break;
	case H1_F_BAD:
		c->stats.bad_framing++;
		if (m->response && c->resp_stream == d->stream) {
			if (h1_q_find(c, d->stream))
				h1_q_pop(c);
			c->resp_stream++;
		}
		h1_set_state(d, H1_RESYNC);
		break;
	}
}

static void h1_on_trailers(struct h1_feed *f, struct h1_msg *m)
{
	struct http_item it;

	if (m->h.nr_headers) {
		f->c->stats.heads++;
		m->h.end_stream = true;
		h1_item_init(f, &it, HTTP_ITEM_HEAD, f->dir);
		it.head = m->h;
		f->emit(&it, f->arg);
	}
	h1_message_done(f);
}

/* P[0..N) of direction F could not be read as HTTP: raw, and resync (or, at
 * the start of a connection seen from its start, not HTTP at all). */
static void h1_fail(struct h1_feed *f, const uint8_t *p, size_t n, bool copy)
{
	struct http1_conn *c = f->c;
	struct h1_dir *d = f->d;
	bool in_response = d->response && d->state != H1_START && d->state != H1_RESYNC;

	d->bol = n ? p[n - 1] == '\n' : false;
	if (!d->seen_line && !d->line_ok &&
	    (!c->midstream || (n >= H1_LINE_MAX && !memchr(p, '\n', n)))) {
		c->not_http = true;
		h1_emit_raw(f, f->dir, p, n, "not http", copy);
		return;
	}
	if (d->state == H1_START)
		c->stats.bad_heads++;
	else
		c->stats.bad_framing++;
	h1_emit_raw(f, f->dir, p, n, "resync", copy);
	/* A response given up: its request is answered, so the next pairs right. */
	if (in_response && c->resp_stream == d->stream) {
		if (h1_q_find(c, d->stream))
			h1_q_pop(c);
		c->resp_stream++;
	}
	h1_set_state(d, H1_RESYNC);
}

enum h1_scan { H1_MORE, H1_DONE, H1_BAD };

/* Where the head P[0..N) ends (after its empty line), into *END. */
static enum h1_scan h1_head_scan(struct h1_dir *d, const uint8_t *p, size_t n, bool trailers,
				 unsigned want, size_t *end)
{
	if (trailers && !d->scan) {
		/* No trailer fields: the section is its empty line. */
		if (n && p[0] == '\n')
			return *end = 1, H1_DONE;
		if (n && p[0] == '\r') {
			if (n < 2)
				return H1_MORE;
			if (p[1] == '\n')
				return *end = 2, H1_DONE;
		}
	}
	if (!trailers && !d->line_ok) {
		size_t lim = n < H1_LINE_MAX ? n : H1_LINE_MAX;
		const uint8_t *nl = memchr(p, '\n', lim);

		switch (http1_line_kind(p, nl ? (size_t)(nl - p) + 1 : lim, want)) {
		case H1_LINE_NO:
			*end = nl ? (size_t)(nl - p) + 1 : lim;
			return H1_BAD;
		case H1_LINE_MAYBE:
			if (lim == H1_LINE_MAX)
				return *end = lim, H1_BAD;
			return H1_MORE;
		default:
			d->line_ok = true;
			d->scan = (size_t)(nl - p);
		}
	}
	for (;;) {
		const uint8_t *nl = d->scan < n ? memchr(p + d->scan, '\n', n - d->scan) : NULL;
		size_t i;

		if (!nl) {
			d->scan = n;
			return H1_MORE;
		}
		i = (size_t)(nl - p);
		if (i + 1 >= n || (p[i + 1] == '\r' && i + 2 >= n)) {
			d->scan = i;
			return H1_MORE;
		}
		if (p[i + 1] == '\n')
			return *end = i + 2, H1_DONE;
		if (p[i + 1] == '\r' && p[i + 2] == '\n')
			return *end = i + 3, H1_DONE;
		d->scan = i + 1;
	}
}

static bool h1_buf_reserve(struct h1_dir *d, size_t need)
{
	size_t cap = d->cap ? d->cap : H1_BUF_MIN;
	uint8_t *b;

	if (need <= d->cap)
		return true;
	while (cap < need)
		cap *= 2;
	b = realloc(d->buf, cap);
	if (!b)
		return false;
	d->buf = b;
	d->cap = cap;
	return true;
}

/* A head complete in P[0..N): emitted, or reported raw when malformed. */
static void h1_head_done(struct h1_feed *f, const uint8_t *p, size_t n, bool trailers,
			 bool copy)
{
	struct h1_msg m;
	int err = http1_head_parse(&f->c->arena, p, n, trailers, &m);

	/* Both directions may have started a head before either showed which
	 * end is the client: the one completed second must agree. */
	if (!err && !trailers && f->c->client_dir >= 0 &&
	    m.response == (f->dir == f->c->client_dir))
		err = -EINVAL;
	if (err) {
		h1_fail(f, p, n, copy);
		return;
	}
	f->d->seen_line |= !trailers;
	if (trailers)
		h1_on_trailers(f, &m);
	else
		h1_on_head(f, &m);
}

/* A start line with headers, or trailers, from DATA[POS..]: the bytes used. */
static size_t h1_head(struct h1_feed *f, size_t pos)
{
	struct h1_dir *d = f->d;
	bool trailers = d->state == H1_TRAILERS;
	size_t avail = f->len - pos, old = d->len, take = 0, n, end = 0;
	unsigned want = H1_WANT_REQ | H1_WANT_RESP;
	const uint8_t *p;
	enum h1_scan sc;

	if (f->c->client_dir >= 0)
		want = f->dir == f->c->client_dir ? H1_WANT_REQ : H1_WANT_RESP;

	if (!old && !trailers && !d->line_ok) {
		/* Empty lines before a start line are ignored (RFC 9112 2.2). */
		size_t i = 0;

		while (i < avail && (f->data[pos + i] == '\r' || f->data[pos + i] == '\n'))
			i++;
		if (i)
			return i;
	}
	if (old) {
		take = avail < H1_HEAD_MAX - old ? avail : H1_HEAD_MAX - old;
		if (!h1_buf_reserve(d, old + take)) {
			d->len = 0;
			h1_fail(f, d->buf, old, true);
			return 0;
		}
		memcpy(d->buf + old, f->data + pos, take);
		d->len += take;
		p = d->buf;
		n = d->len;
	} else {
		p = f->data + pos;
		n = avail < H1_HEAD_MAX ? avail : H1_HEAD_MAX;
	}
	sc = h1_head_scan(d, p, n, trailers, want, &end);
	if (sc == H1_MORE && n == H1_HEAD_MAX) {
		sc = H1_BAD;
		end = n;
	}
	if (sc == H1_MORE) {
		if (old)
			return take;
		if (!h1_buf_reserve(d, n)) {
			h1_fail(f, p, n, false);
			return n;
		}
		memcpy(d->buf, p, n);
		d->len = n;
		return n;
	}
	if (sc == H1_DONE)
		h1_head_done(f, p, end, trailers, old);
	else
		h1_fail(f, p, end, old);
	if (d->state == H1_START || d->state == H1_TRAILERS)
		d->len = d->scan = 0, d->line_ok = false;
	else
		d->len = 0;
	/* Bytes of the buffer that were already there are not the feed's. */
	return end > old ? end - old : 0;
}

/* Parses "hex [ws] [; ext]" (RFC 9112 7.1.1). */
static int h1_chunk_size(const uint8_t *p, size_t n, uint64_t *size)
{
	uint64_t v = 0;
	size_t i = 0;

	if (n && p[n - 1] == '\r')
		n--;
	for (; i < n; i++) {
		uint8_t ch = p[i], x;

		if (ch >= '0' && ch <= '9')
			x = ch - '0';
		else if ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f')
			x = (ch | 0x20) - 'a' + 10;
		else
			break;
		if (v >> 60)
			return -ERANGE;
		v = v << 4 | x;
	}
	if (!i)
		return -EINVAL;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i < n && p[i] != ';')
		return -EINVAL;
	for (; i < n; i++)
		if (p[i] < 0x20 && p[i] != '\t')
			return -EINVAL;
	*size = v;
	return 0;
}

static void h1_chunk_line_done(struct h1_feed *f, const uint8_t *p, size_t n, bool copy)
{
	struct h1_dir *d = f->d;
	uint64_t size;

	d->len = 0;
	if (h1_chunk_size(p, n - 1, &size)) {
		h1_fail(f, p, n, copy);
		return;
	}
	if (size) {
		d->remaining = size;
		d->state = H1_CHUNK_DATA;
		return;
	}
	/* The end, as an empty piece in the fed bytes (P may be the buffer). */
	h1_emit_body(f, f->data, 0, true);
	h1_set_state(d, H1_TRAILERS);
}

static size_t h1_chunk_line(struct h1_feed *f, size_t pos)
{
	struct h1_dir *d = f->d;
	size_t avail = f->len - pos, room = H1_CHUNK_LINE_MAX - d->len;
	const uint8_t *p = f->data + pos;
	const uint8_t *nl = memchr(p, '\n', avail < room ? avail : room);
	size_t n = nl ? (size_t)(nl - p) + 1 : (avail < room ? avail : room);

	if (!d->len && nl) {
		h1_chunk_line_done(f, p, n, false);
		return n;
	}
	if (!h1_buf_reserve(d, d->len + n)) {
		h1_fail(f, p, n, false);
		return n;
	}
	memcpy(d->buf + d->len, p, n);
	d->len += n;
	if (nl) {
		h1_chunk_line_done(f, d->buf, d->len, true);
	} else if (d->len == H1_CHUNK_LINE_MAX) {
		size_t len = d->len;

		d->len = 0;
		h1_fail(f, d->buf, len, true);
	}
	return n;
}

static size_t h1_chunk_end(struct h1_feed *f, size_t pos)
{
	uint8_t ch = f->data[pos];

	if (ch == '\n') {
		f->d->state = H1_CHUNK_LINE;
		f->d->len = 0;
		return 1;
	}
	if (ch == '\r' && !f->d->len) {
		/* d->len marks the CR seen. */
		f->d->len = 1;
		return 1;
	}
	/* Resync from here: the next line boundary. */
	f->d->len = 0;
	h1_fail(f, f->data + pos, 0, false);
	return 0;
}

static size_t h1_data(struct h1_feed *f, size_t pos)
{
	struct h1_dir *d = f->d;
	size_t avail = f->len - pos;
	size_t n = d->remaining < avail ? (size_t)d->remaining : avail;
	bool chunked = d->state == H1_CHUNK_DATA;

	if (n > UINT32_MAX)
		n = UINT32_MAX;
	d->remaining -= n;
	if (!d->response) {
		struct h1_req *r = h1_q_find(f->c, d->stream);

		if (r)
			r->body_bytes += n;
	}
	h1_emit_body(f, f->data + pos, n, !chunked && !d->remaining);
	if (!d->remaining) {
		if (chunked) {
			d->state = H1_CHUNK_END;
			d->len = 0;
		} else {
			h1_message_done(f);
		}
	}
	return n;
}

/* Midstream or after an error: raw up to the next line that starts a
 * message, at a line boundary or the start of a feed. */
static size_t h1_resync(struct h1_feed *f, size_t pos)
{
	struct http1_conn *c = f->c;
	struct h1_dir *d = f->d;
	unsigned want = H1_WANT_REQ | H1_WANT_RESP;
	size_t i = pos;

	if (c->client_dir >= 0)
		want = f->dir == c->client_dir ? H1_WANT_REQ : H1_WANT_RESP;
	for (;;) {
		const uint8_t *nl;

		bool bol = i ? f->data[i - 1] == '\n' : d->bol;

		/* At a line boundary any start line will do (one cut short too:
		 * the head state finds out); where only a feed starts, nothing
		 * says a line does, so it must begin with a known method. */
		if (bol || !i) {
			size_t n = f->len - i;
			enum h1_line k;

			k = http1_line_kind(f->data + i, n < H1_LINE_MAX ? n : H1_LINE_MAX, want);

			if (k != H1_LINE_NO && (k != H1_LINE_MAYBE || n < H1_LINE_MAX) &&
			    (bol || http1_prefix_strong(f->data + i, n)))
				break;
		}
		nl = memchr(f->data + i, '\n', f->len - i);
		if (!nl) {
			d->nonl_run += f->len - i;
			i = f->len;
			break;
		}
		d->nonl_run = 0;
		i = (size_t)(nl - f->data) + 1;
		if (i == f->len)
			break;
	}
	if (!d->seen_line && c->midstream && d->nonl_run >= H1_LINE_MAX) {
		c->not_http = true;
		h1_emit_raw(f, f->dir, f->data + pos, f->len - pos, "not http", false);
		return f->len - pos;
	}
	h1_emit_raw(f, f->dir, f->data + pos, i - pos, "resync", false);
	d->bol = i > pos ? f->data[i - 1] == '\n' : d->bol;
	if (i < f->len)
		h1_set_state(d, H1_START);
	return i - pos;
}

int http1_conn__feed(struct http1_conn *c, enum http_dir dir, const uint8_t *data, size_t len,
		     uint64_t ts_ns, http_emit_fn emit, void *arg)
{
	struct h1_feed f = {
		.c = c, .d = &c->dir[dir & 1], .dir = dir & 1, .data = data, .len = len,
		.ts = ts_ns, .emit = emit, .arg = arg,
	};
	size_t pos = 0;

	arena_reset(&c->arena);
	while (pos < len && !c->not_http) {
		size_t n = 0;

		switch (f.d->state) {
		case H1_START:
		case H1_TRAILERS:
			n = h1_head(&f, pos);
			break;
		case H1_BODY:
		case H1_CHUNK_DATA:
			n = h1_data(&f, pos);
			break;
		case H1_CHUNK_LINE:
			n = h1_chunk_line(&f, pos);
			break;
		case H1_CHUNK_END:
			n = h1_chunk_end(&f, pos);
			break;
		case H1_CLOSE:
			n = len - pos < UINT32_MAX ? len - pos : UINT32_MAX;
			h1_emit_body(&f, data + pos, n, false);
			break;
		case H1_TUNNEL:
			n = len - pos;
			h1_emit_raw(&f, f.dir, data + pos, n, "upgrade", false);
			break;
		case H1_RESYNC:
			n = h1_resync(&f, pos);
			break;
		}
		pos += n;
	}
	if (c->not_http) {
		h1_emit_raw(&f, f.dir, data + pos, len - pos, "not http", false);
		return -EPROTO;
	}
	return 0;
}

struct http1_conn *http1_conn__new(bool midstream)
{
	struct http1_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->midstream = midstream;
	c->client_dir = -1;
	c->version = HTTP_V11;
	c->next_stream = c->resp_stream = 1;
	if (midstream)
		c->dir[0].state = c->dir[1].state = H1_RESYNC;
	return c;
}

void http1_conn__free(struct http1_conn *c)
{
	if (!c)
		return;
	while (c->q_len)
		h1_q_pop(c);
	free(c->dir[0].buf);
	free(c->dir[1].buf);
	arena_free(&c->arena);
	free(c);
}

void http1_conn__stats(const struct http1_conn *c, struct http1_stats *st)
{
	*st = c->stats;
}
