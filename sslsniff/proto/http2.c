// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/2 (RFC 9113) of one connection as a passive reader sees it: both
 * directions' bytes in any pieces, read frame by frame with a small state
 * machine per direction (no frame is buffered whole but header blocks and
 * the first bytes of control frames), streams paired into exchanges.
 *
 * Bounds per connection: a header block with its CONTINUATIONs up to
 * H2_BLOCK_MAX (256 KiB) per direction, beyond it the block is dropped and
 * that direction's HPACK context started afresh; the first H2_SMALL (64)
 * bytes of each frame and a partial frame header (9 bytes) per direction;
 * H2_STREAMS_MAX (256) open streams, the least recently active evicted
 * beyond; per stream its method, path, authority and grpc-message, each
 * cut at H2_STR_MAX (2 KiB); the HPACK tables (hpack.c's bound); and the
 * items' arena, emptied at each feed. Nothing recurses on the input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/arena.h"
#include "proto/grpc.h"
#include "proto/hpack.h"
#include "proto/http2.h"
#include "proto/http2_frame.h"

#define H2_BLOCK_MAX	(256u << 10)
#define H2_BLOCK_KEEP	(16u << 10)	/* block buffer kept between blocks */
#define H2_STREAMS_MAX	256u
#define H2_SMALL	64u
#define H2_STR_MAX	2048u
#define H2_PENDING	8u		/* SETTINGS awaiting their ACK, per direction */
#define H2_CHAIN	4u		/* frame headers that must chain to resync */
#define H2_TABLE_DEFAULT 4096u		/* RFC 9113 6.5.2 */
/* Midstream, the limit the SETTINGS before our start set is not known: any. */
#define H2_TABLE_UNKNOWN UINT32_MAX

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define H2_PREFACE_LEN	(sizeof(h2_preface) - 1)

enum h2_state {
	H2_ST_PREFACE,		/* the direction's first bytes: the preface or not */
	H2_ST_RESYNC,		/* looking for a frame boundary */
	H2_ST_HEADER,		/* a frame header, HDR_LEN bytes of it so far */
	H2_ST_PAYLOAD,		/* the payload of F, DONE bytes of it so far */
};

/* What a SETTINGS frame changes once acknowledged (RFC 9113 6.5.3). */
struct h2_pending {
	uint32_t table_size, max_frame;
	bool has_table, has_frame;
};

/* One direction: what the side that sends it sent. */
struct h2_dir {
	enum h2_state state;
	uint32_t preface_len;
	uint8_t hdr[H2_HDR_LEN];
	uint32_t hdr_len;
	uint8_t carry[H2_HDR_LEN];	/* resync: the last bytes of a feed, too few to test */
	uint32_t carry_len;
	uint32_t scan_skip;		/* resync: offsets of carry then data already tried */
	bool probation;			/* the next header is a lone candidate: skip its frame */
	bool skipping;			/* skipping that frame */
	bool confirm;			/* the next header must pass the strict check */
	uint32_t strict_left;		/* headers after a resync that must pass it too */
	bool synced;			/* a frame was read: a resync loses state */

	struct h2_hdr f;		/* the frame being read */
	uint32_t done;			/* of its payload */
	uint8_t small[H2_SMALL];	/* its first bytes */
	uint8_t unit[6];		/* SETTINGS: the entry being read */
	uint8_t unit_len;
	char sum[sizeof(((struct http_frame *)0)->summary)];
	struct h2_pending settings;	/* what the SETTINGS being read changes */
	uint32_t pad;			/* DATA: padding length */
	bool data_bad, data_end_sent;

	/* The header block: HEADERS or PUSH_PROMISE, then CONTINUATIONs. */
	uint8_t *block;
	uint32_t block_len, block_cap, block_total, frag_start;
	uint32_t block_stream;		/* of the frames */
	uint32_t promised;		/* PUSH_PROMISE: the stream the request is for */
	uint8_t block_type, block_flags;
	bool in_block, block_dropped;
	const char *drop_why;

	struct hpack *hpack;		/* decodes the header blocks this side sends */
	uint32_t table_limit;		/* the limit the other side's SETTINGS allows it */
	uint32_t max_frame;		/* the frame size the other side allows; 0: not known */
	struct h2_pending pending[H2_PENDING];	/* SETTINGS this side sent, not yet acked */
	uint32_t nr_pending;
};

/* A stream's strings, kept until the feed after they are replaced (items point at them). */
enum { H2_S_METHOD, H2_S_PATH, H2_S_AUTHORITY, H2_S_GMESSAGE, H2_S_NR };

struct h2_strs {
	struct h2_strs *next;		/* in the graveyard */
	struct http_str s[H2_S_NR];
	struct http_str service, gmethod;	/* in s[H2_S_PATH] */
	char mem[];
};

struct h2_stream {
	uint32_t id;
	uint64_t seq;			/* last activity, for eviction */
	uint64_t start_ns;
	uint64_t bytes[2];		/* body bytes per direction (HTTP_DIR_*) */
	int status;			/* the final response's */
	int grpc_status;
	bool head[2];			/* a final head seen per direction */
	bool ended[2];			/* END_STREAM per direction */
	bool grpc, grpc_lost[2];
	struct grpc_reader rd[2];
	struct h2_strs *strs;
};

struct http2_conn {
	bool midstream;
	int client_dir;			/* HTTP_DIR_* of the client, -1 not yet known */
	struct h2_dir d[2];
	struct h2_stream *streams;
	uint32_t nr_streams, cap_streams;
	uint64_t seq;
	struct arena arena;
	struct h2_strs *graveyard;	/* strings of streams ended during this feed */
	struct http2_stats stats;
};

/* One call of http2_conn__feed(). */
struct h2_feed {
	struct http2_conn *c;
	struct h2_dir *d;
	enum http_dir dir;
	uint64_t ts;
	http_emit_fn emit;
	void *arg;
};

static inline enum http_dir h2_other(enum http_dir dir)
{
	return dir == HTTP_DIR_SENT ? HTTP_DIR_RECEIVED : HTTP_DIR_SENT;
}

/* Until a preface or a message says, the traced process is taken for the client. */
static bool h2_from_client(const struct http2_conn *c, enum http_dir dir)
{
	return c->client_dir < 0 ? dir == HTTP_DIR_SENT : (int)dir == c->client_dir;
}

static void h2_client_is(struct http2_conn *c, enum http_dir dir)
{
	if (c->client_dir < 0)
		c->client_dir = dir;
}

static struct h2_stream *h2_stream_find(struct http2_conn *c, uint32_t id);

/* ---- items ---- */

static void h2_item_init(struct h2_feed *x, struct http_item *it, enum http_item_kind kind,
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

static void h2_emit_frame(struct h2_feed *x, const struct h2_hdr *h, uint32_t stream,
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

/* Skipped bytes, reported raw; COPY when they are not the feed's (they go before the next). */
static void h2_emit_skipped(struct h2_feed *x, const uint8_t *p, size_t n, bool copy)
{
	struct http_item it;

	if (!n)
		return;
	x->c->stats.resync_bytes += n;
	if (copy && !(p = (const uint8_t *)arena_strndup(&x->c->arena, p, n))) {
		x->c->stats.nomem++;
		return;
	}
	h2_item_init(x, &it, HTTP_ITEM_RAW, 0, NULL);
	it.raw.data = p;
	it.raw.len = n;
	it.raw.why = "resync";
	x->emit(&it, x->arg);
}

/* ---- streams ---- */

static struct h2_stream *h2_stream_find(struct http2_conn *c, uint32_t id)
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
static struct h2_stream *h2_stream_get(struct http2_conn *c, uint32_t id, bool *fresh)
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
static void h2_exchange(struct h2_feed *x, struct h2_stream *s, bool reset)
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

static void h2_stream_end(struct h2_feed *x, struct h2_stream *s, enum http_dir dir)
{
	s->ended[dir] = true;
	if (s->ended[h2_other(dir)])
		h2_exchange(x, s, false);
}

/*
 * The direction's HPACK context lost step with its encoder (a block not
 * decoded, bytes skipped): a fresh one knows the entries added from now on
 * and reports older ones unknown, as at a midstream start.
 */
static void h2_hpack_reset(struct http2_conn *c, struct h2_dir *d)
{
	hpack__free(d->hpack);
	d->hpack = hpack__new(d->table_limit);
	c->stats.hpack_resets++;
	if (!d->hpack)
		c->stats.nomem++;
}

/* ---- SETTINGS (RFC 9113 6.5): a side's settings govern what the OTHER side sends ---- */

static void h2_apply(struct h2_dir *peer, const struct h2_pending *p, bool raise_only)
{
	if (p->has_table && (!raise_only || p->table_size > peer->table_limit)) {
		peer->table_limit = p->table_size;
		if (peer->hpack)
			hpack__set_limit(peer->hpack, p->table_size);
	}
	/* RFC 9113 6.5.2: values outside 2^14..2^24-1 are errors, not settings. */
	if (p->has_frame && p->max_frame >= H2_DEFAULT_MAX_FRAME && p->max_frame <= H2_MAX_LEN &&
	    (!raise_only || (peer->max_frame && p->max_frame > peer->max_frame)))
		peer->max_frame = p->max_frame;
}

static void h2_settings_entry(struct h2_feed *x, const uint8_t *p)
{
	struct h2_dir *d = x->d;
	uint16_t id = (uint16_t)(p[0] << 8 | p[1]);
	uint32_t v = h2_be32(p + 2);

	h2_sum_setting(d->sum, sizeof(d->sum), p);
	if (id == H2_SET_HEADER_TABLE_SIZE) {
		d->settings.has_table = true;
		d->settings.table_size = v;
	} else if (id == H2_SET_MAX_FRAME_SIZE) {
		d->settings.has_frame = true;
		d->settings.max_frame = v;
	}
}

/*
 * A larger limit may be used as soon as the other side reads the frame, a
 * smaller one binds it only after its ACK (blocks already on their way were
 * encoded under the old one), so raises apply now and the rest at the ACK.
 */
static void h2_settings_end(struct h2_feed *x)
{
	struct h2_dir *d = x->d, *peer = &x->c->d[h2_other(x->dir)];

	if (d->f.flags & H2_F_ACK) {
		/* Ours acknowledges what the other side sent first. */
		if (peer->nr_pending) {
			h2_apply(d, &peer->pending[0], false);
			memmove(peer->pending, peer->pending + 1,
				--peer->nr_pending * sizeof(peer->pending[0]));
		}
		return;
	}
	h2_apply(peer, &d->settings, true);
	if (d->nr_pending == H2_PENDING) {
		h2_apply(peer, &d->pending[0], false);
		memmove(d->pending, d->pending + 1, --d->nr_pending * sizeof(d->pending[0]));
	}
	d->pending[d->nr_pending++] = d->settings;
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
 * a block after the final one, or END_STREAM without them (8.1). A block
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
	if (s->head[x->dir] || (end_stream && !nr_unknown && !f->pseudo))
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
static void h2_head(struct h2_feed *x, uint32_t id, struct http_header *fields, uint32_t nr,
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

/* ---- header blocks: HEADERS or PUSH_PROMISE, then CONTINUATION until END_HEADERS ---- */

static void h2_block_report(struct h2_feed *x, const char *what)
{
	struct h2_dir *d = x->d;
	struct h2_hdr h = { .type = d->block_type, .flags = d->block_flags, .len = d->block_total };
	char sum[sizeof(d->sum)];

	snprintf(sum, sizeof(sum), "%s header block of %u bytes %s, HPACK context reset",
		 h2_type_name(d->block_type), d->block_total, what);
	h2_emit_frame(x, &h, d->block_stream, sum);
}

/* The block cannot be decoded: the table may have changed in it. */
static void h2_block_lost(struct h2_feed *x, const char *what)
{
	struct h2_dir *d = x->d;
	struct h2_stream *s;

	d->in_block = false;
	x->c->stats.blocks_dropped++;
	h2_block_report(x, what);
	h2_hpack_reset(x->c, d);
	if (d->block_type == H2_HEADERS && d->block_flags & H2_F_END_STREAM &&
	    (s = h2_stream_find(x->c, d->block_stream)))
		h2_stream_end(x, s, x->dir);
}

static void h2_block_done(struct h2_feed *x)
{
	struct h2_dir *d = x->d;
	bool push = d->block_type == H2_PUSH_PROMISE;
	struct http_header *fields = NULL;
	uint32_t nr = 0;
	int err;

	if (d->block_dropped || !d->hpack) {
		h2_block_lost(x, d->block_dropped ? d->drop_why : "not decoded (no memory)");
		goto out;
	}
	d->in_block = false;
	err = hpack__decode(d->hpack, d->block, d->block_len, &x->c->arena, &fields, &nr);
	if (err) {
		char what[64];

		x->c->stats.hpack_errors++;
		snprintf(what, sizeof(what), "malformed after %u fields (%s)", nr,
			 err == -ENOMEM ? "no memory" : "HPACK");
		h2_block_report(x, what);
		h2_hpack_reset(x->c, d);
	}
	h2_head(x, push ? d->promised : d->block_stream, fields, nr,
		!push && d->block_flags & H2_F_END_STREAM, push);
out:
	if (d->block_cap > H2_BLOCK_KEEP) {
		free(d->block);
		d->block = NULL;
		d->block_cap = 0;
	}
	d->block_len = 0;
}

/* Room for the frame being read in the block, or the block marked dropped. */
static void h2_block_frame(struct h2_feed *x)
{
	struct h2_dir *d = x->d;
	uint32_t need;

	d->frag_start = d->block_len;
	d->block_total += d->f.len;
	if (d->block_dropped)
		return;
	if (d->f.len > H2_BLOCK_MAX - d->block_len) {
		d->block_dropped = true;
		d->drop_why = "dropped (over 256 KiB)";
		return;
	}
	need = d->block_len + d->f.len;
	if (need > d->block_cap) {
		uint32_t cap = d->block_cap * 2 > need ? d->block_cap * 2 : need;
		uint8_t *n;

		if (cap > H2_BLOCK_MAX)
			cap = H2_BLOCK_MAX;
		n = realloc(d->block, cap ? cap : 1);
		if (!n) {
			x->c->stats.nomem++;
			d->block_dropped = true;
			d->drop_why = "dropped (no memory)";
			return;
		}
		d->block = n;
		d->block_cap = cap;
	}
}

static void h2_block_begin(struct h2_feed *x)
{
	struct h2_dir *d = x->d;

	d->in_block = true;
	d->block_type = d->f.type;
	d->block_flags = d->f.flags;
	d->block_stream = d->f.stream;
	d->block_len = d->block_total = 0;
	d->block_dropped = false;
	d->promised = 0;
	h2_block_frame(x);
}

/* The fragment of the frame just read, its padding, priority and promised id cut. */
static void h2_block_frame_end(struct h2_feed *x)
{
	struct h2_dir *d = x->d;
	uint32_t off = 0, pad = 0;

	if (d->f.type != H2_CONTINUATION && d->f.flags & H2_F_PADDED) {
		pad = d->small[0];
		off = 1;
	}
	if (d->f.type == H2_HEADERS && d->f.flags & H2_F_PRIORITY)
		off += 5;
	if (d->f.type == H2_PUSH_PROMISE) {
		d->promised = h2_be32(d->small + off) & 0x7fffffff;
		off += 4;
	}
	if (!d->block_dropped) {
		uint8_t *raw = d->block + d->frag_start;

		if (pad > d->f.len - off) {
			d->block_dropped = true;
			d->drop_why = "dropped (padding longer than the frame)";
		} else {
			memmove(raw, raw + off, d->f.len - off - pad);
			d->block_len = d->frag_start + d->f.len - off - pad;
		}
	}
	if (d->f.flags & H2_F_END_HEADERS)
		h2_block_done(x);
}

/* ---- DATA ---- */

/* The DATA frame's stream; one not seen is made, and said to be headless. */
static struct h2_stream *h2_data_stream(struct h2_feed *x)
{
	struct http2_conn *c = x->c;
	struct h2_dir *d = x->d;
	struct h2_stream *s = h2_stream_find(c, d->f.stream);
	char sum[sizeof(d->sum)];
	bool fresh;

	if (s) {
		s->seq = ++c->seq;
		return s;
	}
	s = h2_stream_get(c, d->f.stream, &fresh);
	if (!s)
		return NULL;
	c->stats.orphans++;
	s->start_ns = x->ts;
	snprintf(sum, sizeof(sum), "DATA on stream %u, whose headers were not seen", d->f.stream);
	h2_emit_frame(x, &d->f, d->f.stream, sum);
	return s;
}

static void h2_emit_body(struct h2_feed *x, const struct h2_stream *s, const uint8_t *p,
			 size_t n, bool end)
{
	struct http_item it;

	h2_item_init(x, &it, HTTP_ITEM_BODY, s->id, s);
	it.body.data = p;
	it.body.len = n;
	it.body.offset = s->bytes[x->dir];
	it.body.end = end;
	if (end)
		x->d->data_end_sent = true;
	x->emit(&it, x->arg);
}

/* Body bytes of the DATA frame; REACHES_END: its last ones. */
static void h2_body(struct h2_feed *x, const uint8_t *p, size_t n, bool reaches_end)
{
	bool end = reaches_end && x->d->f.flags & H2_F_END_STREAM;
	struct h2_stream *s = h2_data_stream(x);
	struct grpc_step st;
	struct http_item it;
	size_t k;

	if (!s)
		return;
	if (!s->grpc || s->grpc_lost[x->dir]) {
		h2_emit_body(x, s, p, n, end);
		s->bytes[x->dir] += n;
		return;
	}
	for (; n; p += k, n -= k) {
		k = grpc_reader__step(&s->rd[x->dir], p, n, &st);
		if (st.kind == GRPC_STEP_PREFIX) {
			h2_item_init(x, &it, HTTP_ITEM_GRPC, s->id, s);
			it.grpc_msg = st.msg;
			x->emit(&it, x->arg);
		} else if (st.kind == GRPC_STEP_MESSAGE) {
			h2_emit_body(x, s, p, k, end && k == n);
		}
		s->bytes[x->dir] += k;
	}
}

static void h2_data_chunk(struct h2_feed *x, const uint8_t *p, size_t n)
{
	struct h2_dir *d = x->d;
	uint32_t start = 0, end = d->f.len, lo, hi;

	if (d->f.flags & H2_F_PADDED) {
		if (!d->done) {
			d->pad = p[0];
			if (d->pad > d->f.len - 1) {
				char sum[sizeof(d->sum)];

				d->data_bad = true;
				snprintf(sum, sizeof(sum), "DATA padding %u longer than its frame, "
					 "%u bytes skipped", d->pad, d->f.len);
				h2_emit_frame(x, &d->f, d->f.stream, sum);
			}
		}
		start = 1;
		end = d->f.len - d->pad;
	}
	if (d->data_bad)
		return;
	lo = d->done > start ? d->done : start;
	hi = d->done + n < end ? d->done + n : end;
	if (lo < hi)
		h2_body(x, p + (lo - d->done), hi - lo, hi == end);
}

static void h2_data_end(struct h2_feed *x)
{
	struct h2_stream *s;

	if (!(x->d->f.flags & H2_F_END_STREAM) || !(s = h2_data_stream(x)))
		return;
	if (!x->d->data_end_sent)
		h2_emit_body(x, s, NULL, 0, true);
	h2_stream_end(x, s, x->dir);
}

/* ---- the other frames ---- */

static void h2_rst_stream(struct h2_feed *x)
{
	struct h2_stream *s = h2_stream_find(x->c, x->d->f.stream);

	if (s)
		h2_exchange(x, s, true);
}

/*
 * GOAWAY (RFC 9113 6.8): the streams the receiver opened above LAST were
 * not processed; with an error code the connection ends, every stream too.
 */
static void h2_goaway(struct h2_feed *x)
{
	struct http2_conn *c = x->c;
	uint32_t last = h2_be32(x->d->small) & 0x7fffffff;
	uint32_t code = h2_be32(x->d->small + 4);
	/* Clients open odd streams (RFC 9113 5.1.1). */
	uint32_t receiver_parity = h2_from_client(c, x->dir) ? 0 : 1;

	for (uint32_t i = 0; i < c->nr_streams;) {
		struct h2_stream *s = &c->streams[i];

		if (code || ((s->id & 1) == receiver_parity && s->id > last))
			h2_exchange(x, s, true);	/* S is now another stream, or past the end */
		else
			i++;
	}
}

static void h2_control_end(struct h2_feed *x)
{
	struct h2_dir *d = x->d;
	char sum[sizeof(d->sum)];

	if (d->f.type == H2_SETTINGS) {
		h2_emit_frame(x, &d->f, d->f.stream, d->sum);
		h2_settings_end(x);
		return;
	}
	h2_sum_frame(sum, sizeof(sum), &d->f, d->small, d->f.len < H2_SMALL ? d->f.len : H2_SMALL);
	h2_emit_frame(x, &d->f, d->f.stream, sum);
	if (d->f.type == H2_RST_STREAM)
		h2_rst_stream(x);
	else if (d->f.type == H2_GOAWAY)
		h2_goaway(x);
}

/* ---- the frame state machine ---- */

static void h2_frame_begin(struct h2_feed *x)
{
	struct h2_dir *d = x->d;
	char sum[sizeof(d->sum)];

	d->done = 0;
	d->unit_len = 0;
	d->pad = 0;
	d->data_bad = d->data_end_sent = false;
	memset(&d->settings, 0, sizeof(d->settings));
	if (d->in_block && (d->f.type != H2_CONTINUATION || d->f.stream != d->block_stream))
		h2_block_lost(x, "cut short (no CONTINUATION followed)");
	switch (d->f.type) {
	case H2_DATA:
		h2_data_stream(x);
		break;
	case H2_HEADERS:
	case H2_PUSH_PROMISE:
		h2_block_begin(x);
		break;
	case H2_CONTINUATION:
		if (d->in_block) {
			h2_block_frame(x);
			break;
		}
		x->c->stats.orphans++;
		snprintf(sum, sizeof(sum), "CONTINUATION without its HEADERS, %u bytes skipped",
			 d->f.len);
		h2_emit_frame(x, &d->f, d->f.stream, sum);
		break;
	case H2_SETTINGS:
		snprintf(d->sum, sizeof(d->sum), "SETTINGS%s", d->f.flags & H2_F_ACK ? " ack" : "");
		break;
	default:
		break;
	}
}

static void h2_frame_chunk(struct h2_feed *x, const uint8_t *p, size_t n)
{
	struct h2_dir *d = x->d;

	if (d->done < H2_SMALL)
		memcpy(d->small + d->done, p, n < H2_SMALL - d->done ? n : H2_SMALL - d->done);
	switch (d->f.type) {
	case H2_DATA:
		h2_data_chunk(x, p, n);
		break;
	case H2_HEADERS:
	case H2_PUSH_PROMISE:
	case H2_CONTINUATION:
		if (d->in_block && !d->block_dropped) {
			memcpy(d->block + d->block_len, p, n);
			d->block_len += n;
		}
		break;
	case H2_SETTINGS:
		for (size_t i = 0; i < n; i++) {
			d->unit[d->unit_len++] = p[i];
			if (d->unit_len == sizeof(d->unit)) {
				h2_settings_entry(x, d->unit);
				d->unit_len = 0;
			}
		}
		break;
	default:
		break;
	}
}

static void h2_frame_end(struct h2_feed *x)
{
	struct h2_dir *d = x->d;

	switch (d->f.type) {
	case H2_DATA:
		h2_data_end(x);
		break;
	case H2_PUSH_PROMISE:
		h2_control_end(x);
		if (d->in_block)
			h2_block_frame_end(x);	/* and its header block */
		break;
	case H2_HEADERS:
	case H2_CONTINUATION:
		if (d->in_block)
			h2_block_frame_end(x);
		break;
	default:
		h2_control_end(x);
		break;
	}
}

/* Frame alignment is lost: what was in flight in this direction is too. */
static void h2_lost_sync(struct h2_feed *x)
{
	struct http2_conn *c = x->c;
	struct h2_dir *d = x->d;

	c->stats.resyncs++;
	d->state = H2_ST_RESYNC;
	d->carry_len = 0;
	d->probation = d->skipping = d->confirm = false;
	d->strict_left = 0;
	if (!d->synced)
		return;
	d->synced = false;
	if (d->in_block) {
		d->in_block = false;
		c->stats.blocks_dropped++;
	}
	h2_hpack_reset(c, d);
	for (uint32_t i = 0; i < c->nr_streams; i++)
		c->streams[i].grpc_lost[x->dir] = true;
}

/* The direction's first bytes: the client's preface (RFC 9113 3.4), or frames. */
static size_t h2_st_preface(struct h2_feed *x, const uint8_t *p, size_t n)
{
	struct http2_conn *c = x->c;
	struct h2_dir *d = x->d;
	size_t i = 0;

	while (i < n && d->preface_len < H2_PREFACE_LEN && p[i] == h2_preface[d->preface_len])
		i++, d->preface_len++;
	if (d->preface_len == H2_PREFACE_LEN) {
		/* The connection's start after all: the settings are the defaults. */
		c->client_dir = x->dir;
		for (int k = 0; k < 2; k++) {
			struct h2_dir *o = &c->d[k];

			if (!o->max_frame)
				o->max_frame = H2_DEFAULT_MAX_FRAME;
			if (o->table_limit == H2_TABLE_UNKNOWN && !o->synced && o->hpack) {
				o->table_limit = H2_TABLE_DEFAULT;
				hpack__set_limit(o->hpack, H2_TABLE_DEFAULT);
			}
		}
		d->state = H2_ST_HEADER;
		return i;
	}
	if (i == n)
		return n;
	/* Not the preface: whatever matched of it cannot start a frame. */
	if (d->preface_len || c->midstream) {
		h2_emit_skipped(x, (const uint8_t *)h2_preface, d->preface_len, false);
		h2_lost_sync(x);
	} else {
		d->state = H2_ST_HEADER;
	}
	return i;
}

/* Candidate I of the run CARRY then P: accepted, the bytes before it reported. */
static size_t h2_resync_at(struct h2_feed *x, const uint8_t *p, size_t i, bool confirmed)
{
	struct h2_dir *d = x->d;

	d->probation = !confirmed;
	/* A false boundary soon runs into bytes no sender writes: stay strict a while. */
	d->strict_left = H2_CHAIN;
	d->state = H2_ST_HEADER;
	if (i < d->carry_len) {
		h2_emit_skipped(x, d->carry, i, true);
		memcpy(d->hdr, d->carry + i, d->carry_len - i);
		d->hdr_len = d->carry_len - i;
		d->carry_len = 0;
		return 0;
	}
	h2_emit_skipped(x, d->carry, d->carry_len, true);
	i -= d->carry_len;
	d->carry_len = 0;
	h2_emit_skipped(x, p, i, false);
	return i;
}

/*
 * Looking for a frame boundary in the bytes kept from before (CARRY) then
 * P, from SCAN_SKIP on: the first offset where frame headers chain
 * plausibly; failing that, the first plausible lone header, whose frame is
 * then skipped on probation (reported raw) until the next header confirms
 * it. Skipped bytes are reported; the last few, too few to test, are kept
 * for the next feed.
 */
static size_t h2_st_resync(struct h2_feed *x, const uint8_t *p, size_t n)
{
	struct h2_dir *d = x->d;
	uint32_t max = d->max_frame ? d->max_frame : H2_MAX_LEN;
	uint32_t short_max = d->max_frame ? d->max_frame : H2_DEFAULT_MAX_FRAME;
	size_t i = d->scan_skip, total = d->carry_len + n, alone = SIZE_MAX;

	d->scan_skip = 0;
	for (; i + H2_HDR_LEN <= total; i++) {
		enum h2_chain ch;

		if (i < d->carry_len)
			ch = h2_chain_plausible(d->carry + i, d->carry_len - i, p, n, short_max,
						max, H2_CHAIN);
		else
			ch = h2_chain_plausible(NULL, 0, p + i - d->carry_len,
						total - i, short_max, max, H2_CHAIN);
		if (ch == H2_CHAIN_YES)
			return h2_resync_at(x, p, i, true);
		if (ch == H2_CHAIN_ALONE && alone == SIZE_MAX)
			alone = i;
	}
	if (alone != SIZE_MAX)
		return h2_resync_at(x, p, alone, false);
	/* Nothing here: the last bytes, too few to test, wait for more. */
	if (i < d->carry_len) {
		size_t rest = d->carry_len - i;

		h2_emit_skipped(x, d->carry, i, true);
		memmove(d->carry, d->carry + i, rest);
		memcpy(d->carry + rest, p, n);
		d->carry_len = rest + n;
		return n;
	}
	h2_emit_skipped(x, d->carry, d->carry_len, true);
	i -= d->carry_len;
	d->carry_len = 0;
	h2_emit_skipped(x, p, i, false);
	memcpy(d->carry, p + i, n - i);
	d->carry_len = n - i;
	return n;
}

static size_t h2_st_header(struct h2_feed *x, const uint8_t *p, size_t n)
{
	struct h2_dir *d = x->d;
	size_t take = H2_HDR_LEN - d->hdr_len;
	bool strict = d->confirm || d->strict_left;
	uint32_t max = d->max_frame ? d->max_frame : H2_MAX_LEN;

	if (take > n)
		take = n;
	memcpy(d->hdr + d->hdr_len, p, take);
	d->hdr_len += take;
	if (d->hdr_len < H2_HDR_LEN)
		return take;
	d->hdr_len = 0;
	h2_hdr_parse(d->hdr, &d->f);
	d->confirm = false;
	if (!h2_hdr_valid(&d->f, max, strict)) {
		/* Out of step: look again from the byte after this header's first,
		 * the bytes of it from earlier feeds kept, this feed's read again. */
		size_t before = H2_HDR_LEN - take;

		h2_lost_sync(x);
		memcpy(d->carry, d->hdr, before);
		d->carry_len = before;
		d->scan_skip = 1;
		return 0;
	}
	if (d->probation) {
		/* A lone candidate: skipped whole, the next header must confirm it. */
		d->probation = false;
		d->skipping = d->confirm = true;
		h2_emit_skipped(x, d->hdr, H2_HDR_LEN, true);
		d->done = 0;
		d->state = d->f.len ? H2_ST_PAYLOAD : H2_ST_HEADER;
		return take;
	}
	if (d->strict_left)
		d->strict_left--;
	x->c->stats.frames++;
	d->synced = true;
	h2_frame_begin(x);
	d->state = H2_ST_PAYLOAD;
	if (!d->f.len) {
		h2_frame_end(x);
		d->state = H2_ST_HEADER;
	}
	return take;
}

static size_t h2_st_payload(struct h2_feed *x, const uint8_t *p, size_t n)
{
	struct h2_dir *d = x->d;
	size_t take = d->f.len - d->done;

	if (take > n)
		take = n;
	if (d->skipping)
		h2_emit_skipped(x, p, take, false);
	else
		h2_frame_chunk(x, p, take);
	d->done += take;
	if (d->done == d->f.len) {
		if (!d->skipping)
			h2_frame_end(x);
		d->skipping = false;
		d->state = H2_ST_HEADER;
	}
	return take;
}

int http2_conn__feed(struct http2_conn *c, enum http_dir dir, const uint8_t *data,
		     size_t len, uint64_t ts_ns, http_emit_fn emit, void *arg)
{
	struct h2_feed x = { .c = c, .dir = dir, .ts = ts_ns, .emit = emit, .arg = arg };
	size_t pos = 0;

	if (!c || (dir != HTTP_DIR_SENT && dir != HTTP_DIR_RECEIVED) || (len && !data) || !emit)
		return -EINVAL;
	x.d = &c->d[dir];
	arena_reset(&c->arena);
	while (c->graveyard) {
		struct h2_strs *next = c->graveyard->next;

		free(c->graveyard);
		c->graveyard = next;
	}
	while (pos < len) {
		switch (x.d->state) {
		case H2_ST_PREFACE:
			pos += h2_st_preface(&x, data + pos, len - pos);
			break;
		case H2_ST_RESYNC:
			pos += h2_st_resync(&x, data + pos, len - pos);
			break;
		case H2_ST_HEADER:
			pos += h2_st_header(&x, data + pos, len - pos);
			break;
		case H2_ST_PAYLOAD:
			pos += h2_st_payload(&x, data + pos, len - pos);
			break;
		}
	}
	return 0;
}

struct http2_conn *http2_conn__new(bool midstream)
{
	struct http2_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->midstream = midstream;
	c->client_dir = -1;
	for (int i = 0; i < 2; i++) {
		struct h2_dir *d = &c->d[i];

		d->state = H2_ST_PREFACE;
		d->table_limit = midstream ? H2_TABLE_UNKNOWN : H2_TABLE_DEFAULT;
		d->max_frame = midstream ? 0 : H2_DEFAULT_MAX_FRAME;
		d->hpack = hpack__new(d->table_limit);
		if (!d->hpack) {
			http2_conn__free(c);
			errno = ENOMEM;
			return NULL;
		}
	}
	return c;
}

void http2_conn__free(struct http2_conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < 2; i++) {
		hpack__free(c->d[i].hpack);
		free(c->d[i].block);
	}
	for (uint32_t i = 0; i < c->nr_streams; i++)
		free(c->streams[i].strs);
	free(c->streams);
	while (c->graveyard) {
		struct h2_strs *next = c->graveyard->next;

		free(c->graveyard);
		c->graveyard = next;
	}
	arena_free(&c->arena);
	free(c);
}

void http2_conn__stats(const struct http2_conn *c, struct http2_stats *st)
{
	*st = c->stats;
}

bool http2_is_preface(const uint8_t *data, size_t len)
{
	return len >= H2_PREFACE_LEN && !memcmp(data, h2_preface, H2_PREFACE_LEN);
}

bool http2_looks_like(const uint8_t *data, size_t len)
{
	return len >= H2_HDR_LEN && h2_chain_plausible(NULL, 0, data, len, H2_DEFAULT_MAX_FRAME,
						       H2_MAX_LEN, 8) != H2_CHAIN_NO;
}
