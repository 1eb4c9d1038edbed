// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/2 streams (RFC 9113 5, 8): the bounded table of open streams, what
 * their header blocks say (request, response, interim, trailers, gRPC
 * status), and the exchange item once both directions ended or a reset
 * ended them. Items for a stream carry its gRPC service and method.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/http2_conn.h"

/* ---- items ---- */

void h2_item_init(struct h2_feed *x, struct http_item *it, enum http_item_kind kind,
			 uint32_t stream, const struct h2_stream *s)
{
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->version = HTTP_V2;
	it->stream = stream;
	it->from_client = h2_from_client(x->c, x->dir);
	it->grpc_status = -1;
	if (s && s->grpc) {
		it->grpc = true;
		if (s->strs) {
			it->grpc_service = s->strs->service;
			it->grpc_method = s->strs->gmethod;
		}
	}
}

void h2_emit_frame(struct h2_feed *x, const struct h2_hdr *h, uint32_t stream,
			  const char *sum)
{
	struct http_item it;

	h2_item_init(x, &it, HTTP_ITEM_FRAME, stream, stream ? h2_stream_find(x->c, stream) : NULL);
	it.frame.type = h->type;
	it.frame.flags = h->flags;
	it.frame.len = h->len;
	snprintf(it.frame.summary, sizeof(it.frame.summary), "%s", sum);
	x->emit(&it, x->arg);
}

/* ---- streams ---- */

struct h2_stream *h2_stream_find(struct http2_conn *c, uint32_t id)
{
	for (uint32_t i = 0; i < c->nr_streams; i++)
		if (c->streams[i].id == id)
			return &c->streams[i];
	return NULL;
}

static void h2_stream_remove(struct http2_conn *c, struct h2_stream *s)
{
	if (s->strs) {
		s->strs->next = c->graveyard;
		c->graveyard = s->strs;
	}
	*s = c->streams[--c->nr_streams];
}

/* Stream ID, made when new (the least recently active evicted from a full table). */
struct h2_stream *h2_stream_get(struct http2_conn *c, uint32_t id, bool *fresh)
{
	struct h2_stream *s = h2_stream_find(c, id);

	*fresh = false;
	if (s)
		goto out;
	if (c->nr_streams == H2_STREAMS_MAX) {
		struct h2_stream *old = &c->streams[0];

		for (uint32_t i = 1; i < c->nr_streams; i++)
			if (c->streams[i].seq < old->seq)
				old = &c->streams[i];
		h2_stream_remove(c, old);
		c->stats.streams_evicted++;
	}
	if (c->nr_streams == c->cap_streams) {
		uint32_t cap = c->cap_streams ? c->cap_streams * 2 : 8;
		struct h2_stream *n = realloc(c->streams, cap * sizeof(*n));

		if (!n) {
			c->stats.nomem++;
			return NULL;
		}
		c->streams = n;
		c->cap_streams = cap;
	}
	s = &c->streams[c->nr_streams++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->grpc_status = -1;
	*fresh = true;
out:
	s->seq = ++c->seq;
	return s;
}

/* S's strings with those in MASK (1 << H2_S_*) replaced by V[], each cut at H2_STR_MAX. */
static void h2_stream_set(struct http2_conn *c, struct h2_stream *s, unsigned mask,
			  const struct http_str *v)
{
	struct http_str now[H2_S_NR] = { { 0 } };
	size_t size = 0, off = 0;
	struct h2_strs *n;

	if (s->strs)
		memcpy(now, s->strs->s, sizeof(now));
	for (int i = 0; i < H2_S_NR; i++) {
		if (mask & 1u << i)
			now[i] = v[i];
		if (now[i].len > H2_STR_MAX)
			now[i].len = H2_STR_MAX;
		size += now[i].len + 1;
	}
	n = calloc(1, sizeof(*n) + size);
	if (!n) {
		c->stats.nomem++;
		return;
	}
	for (int i = 0; i < H2_S_NR; i++) {
		if (!now[i].ptr)
			continue;
		memcpy(n->mem + off, now[i].ptr, now[i].len);
		n->s[i].ptr = n->mem + off;
		n->s[i].len = now[i].len;
		off += now[i].len + 1;
	}
	grpc_path_split(n->s[H2_S_PATH], &n->service, &n->gmethod);
	if (s->strs) {
		s->strs->next = c->graveyard;
		c->graveyard = s->strs;
	}
	s->strs = n;
}

/* S ended both ways, or was reset: its exchange, then it is gone. */
void h2_exchange(struct h2_feed *x, struct h2_stream *s, bool reset)
{
	struct http2_conn *c = x->c;
	enum http_dir cdir = c->client_dir < 0 ? HTTP_DIR_SENT : (enum http_dir)c->client_dir;
	struct http_item it;

	h2_item_init(x, &it, HTTP_ITEM_EXCHANGE, s->id, s);
	if (s->strs) {
		it.exchange.method = s->strs->s[H2_S_METHOD];
		it.exchange.path = s->strs->s[H2_S_PATH];
		it.exchange.authority = s->strs->s[H2_S_AUTHORITY];
		it.grpc_message = s->strs->s[H2_S_GMESSAGE];
	}
	it.grpc_status = s->grpc_status;
	it.exchange.status = s->status;
	it.exchange.req_bytes = s->bytes[cdir];
	it.exchange.resp_bytes = s->bytes[h2_other(cdir)];
	it.exchange.start_ns = s->start_ns;
	it.exchange.end_ns = x->ts;
	it.exchange.reset = reset;
	/* Whose item it is: the side whose frame ended it. */
	x->emit(&it, x->arg);
	h2_stream_remove(c, s);
}

void h2_stream_end(struct h2_feed *x, struct h2_stream *s, enum http_dir dir)
{
	s->ended[dir] = true;
	if (s->ended[h2_other(dir)])
		h2_exchange(x, s, false);
}

/* ---- header blocks ---- */

struct h2_fields {
	struct http_str method, path, authority, scheme, status, ctype, clen, gstatus, gmessage;
	bool pseudo;
};

static bool h2_name_is(const struct http_header *h, const char *name)
{
	size_t n = strlen(name);

	return h->name.ptr && h->name.len == n && !memcmp(h->name.ptr, name, n);
}

static void h2_fields_scan(const struct http_header *hs, uint32_t nr, struct h2_fields *f,
			   uint32_t *nr_unknown)
{
	static const struct {
		const char *name;
		size_t off;
	} known[] = {
		{ ":method", offsetof(struct h2_fields, method) },
		{ ":path", offsetof(struct h2_fields, path) },
		{ ":authority", offsetof(struct h2_fields, authority) },
		{ ":scheme", offsetof(struct h2_fields, scheme) },
		{ ":status", offsetof(struct h2_fields, status) },
		{ "content-type", offsetof(struct h2_fields, ctype) },
		{ "content-length", offsetof(struct h2_fields, clen) },
		{ "grpc-status", offsetof(struct h2_fields, gstatus) },
		{ "grpc-message", offsetof(struct h2_fields, gmessage) },
	};

	memset(f, 0, sizeof(*f));
	*nr_unknown = 0;
	for (uint32_t i = 0; i < nr; i++) {
		const struct http_header *h = &hs[i];

		if (h->flags & (HTTP_HDR_NAME_UNKNOWN | HTTP_HDR_VALUE_UNKNOWN))
			(*nr_unknown)++;
		if (h->flags & HTTP_HDR_NAME_UNKNOWN || !h->name.ptr)
			continue;
		if (h->name.len && h->name.ptr[0] == ':')
			f->pseudo = true;
		if (h->flags & HTTP_HDR_VALUE_UNKNOWN)
			continue;
		for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++) {
			struct http_str *dst = (struct http_str *)((char *)f + known[k].off);

			if (!dst->ptr && h2_name_is(h, known[k].name)) {
				*dst = h->value;
				if (!dst->ptr)
					dst->ptr = "";
			}
		}
	}
}

static int64_t h2_number(struct http_str v)
{
	int64_t n = 0;

	if (!v.ptr || !v.len || v.len > 18)
		return -1;
	for (uint32_t i = 0; i < v.len; i++) {
		if (v.ptr[i] < '0' || v.ptr[i] > '9')
			return -1;
		n = n * 10 + (v.ptr[i] - '0');
	}
	return n;
}

/*
 * Request, response or trailers: the pseudo-headers say (RFC 9113 8.3), or
 * a block after the final one or after DATA, or END_STREAM without them
 * (8.1). A block
 * whose pseudo-headers were table entries we never saw goes by its side.
 */
static enum http_head_kind h2_head_kind(struct h2_feed *x, const struct h2_stream *s,
					const struct h2_fields *f, uint32_t nr_unknown,
					bool end_stream)
{
	if (f->method.ptr)
		return HTTP_HEAD_REQUEST;
	if (f->status.ptr)
		return HTTP_HEAD_RESPONSE;
	/* After DATA in its direction, a block can only be trailers. */
	if (s->head[x->dir] || s->data[x->dir] || (end_stream && !nr_unknown && !f->pseudo))
		return HTTP_HEAD_TRAILERS;
	return h2_from_client(x->c, x->dir) ? HTTP_HEAD_REQUEST : HTTP_HEAD_RESPONSE;
}

/* What a head tells of its stream: request strings, status, gRPC. */
static void h2_head_apply(struct h2_feed *x, struct h2_stream *s, enum http_head_kind kind,
			  const struct h2_fields *f, int *status, bool push)
{
	struct http2_conn *c = x->c;

	*status = 0;
	if (kind == HTTP_HEAD_REQUEST) {
		struct http_str v[H2_S_NR] = { f->method, f->path, f->authority };

		h2_stream_set(c, s, 1u << H2_S_METHOD | 1u << H2_S_PATH | 1u << H2_S_AUTHORITY, v);
		s->start_ns = x->ts;
		if (push)
			s->ended[h2_other(x->dir)] = true;	/* the client sends nothing on it */
		else
			s->head[x->dir] = true;
	} else if (kind == HTTP_HEAD_RESPONSE) {
		int64_t st = h2_number(f->status);

		*status = st >= 0 && st < 1000 ? (int)st : 0;
		/* 1xx heads are interim (RFC 9113 8.1): the final one follows. */
		if (*status < 100 || *status >= 200) {
			s->status = *status;
			s->head[x->dir] = true;
		}
	}
	if (grpc_is_content_type(f->ctype))
		s->grpc = true;
	if (kind != HTTP_HEAD_REQUEST && f->gstatus.ptr) {
		/* Trailers, or a trailers-only response (gRPC's errors). */
		struct http_str v[H2_S_NR] = { [H2_S_GMESSAGE] = f->gmessage };

		s->grpc_status = grpc_status_parse(f->gstatus);
		h2_stream_set(c, s, 1u << H2_S_GMESSAGE, v);
	}
}

/* The decoded block FIELDS of stream ID as a head item; PUSH: a PUSH_PROMISE's request. */
void h2_head(struct h2_feed *x, uint32_t id, struct http_header *fields, uint32_t nr,
		    bool end_stream, bool push)
{
	struct http2_conn *c = x->c;
	enum http_head_kind kind;
	struct h2_fields f;
	struct h2_stream *s;
	struct http_item it;
	uint32_t nr_unknown;
	int status;
	bool fresh;

	h2_fields_scan(fields, nr, &f, &nr_unknown);
	if (push || f.status.ptr)
		h2_client_is(c, h2_other(x->dir));
	else if (f.method.ptr)
		h2_client_is(c, x->dir);
	s = h2_stream_get(c, id, &fresh);
	if (!s)
		return;
	kind = push ? HTTP_HEAD_REQUEST : h2_head_kind(x, s, &f, nr_unknown, end_stream);
	if (fresh && kind != HTTP_HEAD_REQUEST) {
		c->stats.orphans++;	/* its request came before we started */
		s->start_ns = x->ts;
	}
	h2_head_apply(x, s, kind, &f, &status, push);
	h2_item_init(x, &it, HTTP_ITEM_HEAD, id, s);
	if (kind != HTTP_HEAD_REQUEST && f.gstatus.ptr) {
		it.grpc_status = s->grpc_status;
		it.grpc_message = f.gmessage;
	}
	it.head.kind = kind;
	it.head.method = f.method;
	it.head.path = f.path;
	it.head.authority = f.authority;
	it.head.scheme = f.scheme;
	it.head.status = status;
	it.head.headers = fields;
	it.head.nr_headers = nr;
	it.head.nr_unknown = nr_unknown;
	it.head.content_length = h2_number(f.clen);
	it.head.content_type = f.ctype;
	it.head.end_stream = end_stream;
	x->emit(&it, x->arg);
	if (end_stream)
		h2_stream_end(x, s, x->dir);
}
