// SPDX-License-Identifier: GPL-2.0
/*
 * proto/http2.c against libnghttp2: a client session and a server session
 * wired back to back in memory hold a real conversation (GET with
 * headers and priority, a POST in padded DATA frames, many concurrent
 * streams, a header block spread over CONTINUATIONs, gRPC with messages
 * across frames, trailers and a trailers-only error, an interim 1xx, a
 * push, RST_STREAM, PING, PRIORITY, WINDOW_UPDATE, SETTINGS that change
 * both HPACK tables, GOAWAY). The bytes each side sent are fed to
 * http2_conn in seeded random pieces, as the traced client sees them and
 * as the traced server does, and every item must be what nghttp2 itself
 * decoded (the receiver's header and data callbacks) or sent (the
 * sender's frame callback). Then from arbitrary byte offsets
 * mid-connection: no wrong field ever, later literals and new entries
 * exact, skipped bytes reported. Also: a header block over the bound.
 * H2_DEBUG=1 lists the items of each mid-connection start; H2_SEED=N
 * cuts the pieces and picks the starts differently.
 */
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>
#include "proto/http2.h"
#include "unit.h"

#define MAX_STREAMS	1024
/* A lone frame skipped after a resync, at most (http2.c): a header, 16 KiB, a header. */
#define H2_PROBATION_MAX (16384 + 18)

/* ---- growable bytes ---- */

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 64;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static char *xstrndup(const void *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* ---- what went over the wire, in order ---- */

struct chunk {
	bool from_client;
	struct buf b;
};

struct wire {
	struct chunk *c;
	size_t nr;
};

static void wire_add(struct wire *w, bool from_client, const uint8_t *p, size_t n)
{
	struct chunk *c;

	w->c = realloc(w->c, (w->nr + 1) * sizeof(*w->c));
	if (!w->c)
		abort();
	c = &w->c[w->nr++];
	memset(c, 0, sizeof(*c));
	c->from_client = from_client;
	buf_add(&c->b, p, n);
}

/* ---- the two nghttp2 endpoints and what they saw ---- */

struct block {		/* a header block as the receiver's inflater gave it */
	int32_t stream;
	size_t nr;
	char *name[64], *value[64];
};

struct peer {
	nghttp2_session *s;
	bool client;
	struct wire *w;
	struct buf out;			/* sent, not yet delivered */
	/* What this side received (so: the truth of what the other sent). */
	struct block blocks[512];
	size_t nr_blocks;
	struct buf data[MAX_STREAMS];
	/* What this side sent: the summaries of frames that are not messages. */
	char frames[256][120];
	uint32_t frame_stream[256];
	size_t nr_frames;
	char *path[MAX_STREAMS];	/* server: the requests' paths */
	bool hold;			/* server: do not answer yet */
};

static ssize_t cb_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct peer *p = ud;

	(void)s, (void)flags;
	buf_add(&p->out, data, len);
	wire_add(p->w, p->client, data, len);
	return (ssize_t)len;
}

static int cb_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct peer *p = ud;
	struct block *b = &p->blocks[p->nr_blocks++];

	(void)s;
	if (p->nr_blocks > sizeof(p->blocks) / sizeof(p->blocks[0]))
		abort();
	b->stream = f->hd.type == NGHTTP2_PUSH_PROMISE ? f->push_promise.promised_stream_id
						       : f->hd.stream_id;
	b->nr = 0;
	return 0;
}

static int cb_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
		     void *ud)
{
	struct peer *p = ud;
	struct block *b = &p->blocks[p->nr_blocks - 1];

	(void)s, (void)flags;
	if (b->nr == 64)
		abort();
	b->name[b->nr] = xstrndup(name, namelen);
	b->value[b->nr++] = xstrndup(value, valuelen);
	if (!p->client && f->hd.type == NGHTTP2_HEADERS && !strcmp(b->name[b->nr - 1], ":path") &&
	    f->hd.stream_id < MAX_STREAMS)
		p->path[f->hd.stream_id] = xstrndup(value, valuelen);
	return 0;
}

static int cb_data(nghttp2_session *s, uint8_t flags, int32_t stream, const uint8_t *data,
		   size_t len, void *ud)
{
	struct peer *p = ud;

	(void)s, (void)flags;
	if (stream >= MAX_STREAMS)
		abort();
	buf_add(&p->data[stream], data, len);
	return 0;
}

static const char *err_name(uint32_t code)
{
	switch (code) {
	case NGHTTP2_NO_ERROR: return "NO_ERROR";
	case NGHTTP2_CANCEL: return "CANCEL";
	case NGHTTP2_PROTOCOL_ERROR: return "PROTOCOL_ERROR";
	case NGHTTP2_REFUSED_STREAM: return "REFUSED_STREAM";
	default: return "?";
	}
}

static const char *setting_name(int32_t id)
{
	switch (id) {
	case NGHTTP2_SETTINGS_HEADER_TABLE_SIZE: return "header_table_size";
	case NGHTTP2_SETTINGS_ENABLE_PUSH: return "enable_push";
	case NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS: return "max_concurrent_streams";
	case NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE: return "initial_window_size";
	case NGHTTP2_SETTINGS_MAX_FRAME_SIZE: return "max_frame_size";
	case NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE: return "max_header_list_size";
	default: return "?";
	}
}

/* The summary RFC 9113's fields of F give, built from nghttp2's view of the frame. */
static void frame_summary(const nghttp2_frame *f, char *s, size_t size)
{
	size_t n = 0;

	switch (f->hd.type) {
	case NGHTTP2_SETTINGS:
		n = snprintf(s, size, "SETTINGS%s", f->hd.flags & NGHTTP2_FLAG_ACK ? " ack" : "");
		for (size_t i = 0; i < f->settings.niv; i++)
			n += snprintf(s + n, size - n, " %s=%u",
				      setting_name(f->settings.iv[i].settings_id),
				      f->settings.iv[i].value);
		break;
	case NGHTTP2_PING:
		n = snprintf(s, size, "PING%s ", f->hd.flags & NGHTTP2_FLAG_ACK ? " ack" : "");
		for (int i = 0; i < 8; i++)
			n += snprintf(s + n, size - n, "%02x", f->ping.opaque_data[i]);
		break;
	case NGHTTP2_WINDOW_UPDATE:
		snprintf(s, size, "WINDOW_UPDATE +%d", f->window_update.window_size_increment);
		break;
	case NGHTTP2_RST_STREAM:
		snprintf(s, size, "RST_STREAM %s", err_name(f->rst_stream.error_code));
		break;
	case NGHTTP2_GOAWAY:
		n = snprintf(s, size, "GOAWAY last_stream=%d %s", f->goaway.last_stream_id,
			     err_name(f->goaway.error_code));
		if (f->goaway.opaque_data_len)
			snprintf(s + n, size - n, " \"%.*s\"", (int)f->goaway.opaque_data_len,
				 f->goaway.opaque_data);
		break;
	case NGHTTP2_PRIORITY:
		snprintf(s, size, "PRIORITY depends_on=%d weight=%d%s",
			 f->priority.pri_spec.stream_id, f->priority.pri_spec.weight,
			 f->priority.pri_spec.exclusive ? " exclusive" : "");
		break;
	case NGHTTP2_PUSH_PROMISE:
		snprintf(s, size, "PUSH_PROMISE promised_stream=%d",
			 f->push_promise.promised_stream_id);
		break;
	default:
		snprintf(s, size, "type %u", f->hd.type);
	}
}

static int cb_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct peer *p = ud;

	(void)s;
	if (f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS)
		return 0;
	if (p->nr_frames == 256)
		abort();
	frame_summary(f, p->frames[p->nr_frames], sizeof(p->frames[0]));
	p->frame_stream[p->nr_frames++] = f->hd.stream_id;
	return 0;
}

/* Padding on every frame that may have it, its length from the frame's. */
static ssize_t cb_padding(nghttp2_session *s, const nghttp2_frame *f, size_t max, void *ud)
{
	size_t want = f->hd.length + (f->hd.length * 7 + f->hd.stream_id) % 23;

	(void)s, (void)ud;
	return (ssize_t)(want < max ? want : max);
}

/* ---- bodies the data providers read ---- */

struct source {
	struct buf b;
	size_t off, piece;
	const nghttp2_nv *trailers;
	size_t nr_trailers;
};

static struct source *sources[256];
static size_t nr_sources;

static ssize_t cb_read(nghttp2_session *s, int32_t stream, uint8_t *out, size_t len,
		       uint32_t *flags, nghttp2_data_source *ds, void *ud)
{
	struct source *src = ds->ptr;
	size_t n = src->b.n - src->off;

	(void)ud;
	if (n > len)
		n = len;
	if (n > src->piece)
		n = src->piece;
	memcpy(out, src->b.p + src->off, n);
	src->off += n;
	if (src->off == src->b.n) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		if (src->trailers) {
			*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			if (nghttp2_submit_trailer(s, stream, src->trailers, src->nr_trailers))
				abort();
		}
	}
	return (ssize_t)n;
}

static nghttp2_data_provider provider(const void *p, size_t n, size_t piece,
				      const nghttp2_nv *trailers, size_t nr_trailers)
{
	struct source *src = calloc(1, sizeof(*src));
	nghttp2_data_provider dp;

	if (!src || nr_sources == 256)
		abort();
	buf_add(&src->b, p, n);
	src->piece = piece;
	src->trailers = trailers;
	src->nr_trailers = nr_trailers;
	sources[nr_sources++] = src;
	dp.source.ptr = src;
	dp.read_callback = cb_read;
	return dp;
}

#define NV(n, v) { (uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, \
		   NGHTTP2_NV_FLAG_NONE }

/* gRPC: messages as length-prefixed frames (COMPRESSED flags, LENS bytes each). */
static void grpc_messages(struct buf *b, const uint32_t *lens, const bool *compressed, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t pfx[5] = { compressed[i], lens[i] >> 24, lens[i] >> 16, lens[i] >> 8, lens[i] };

		buf_add(b, pfx, 5);
		for (uint32_t k = 0; k < lens[i]; k++) {
			uint8_t c = (uint8_t)(k * 31 + i);

			buf_add(b, &c, 1);
		}
	}
}

static const uint32_t req_msgs[] = { 0, 10, 40000, 7, 3 };
static const bool req_comp[] = { false, false, false, true, false };
static const uint32_t resp_msgs[] = { 20000, 1 };
static const bool resp_comp[] = { false, true };
static const nghttp2_nv grpc_trailers[] = { NV("grpc-status", "0"), NV("grpc-message", "OK") };

static void server_answer(struct peer *p, int32_t stream)
{
	const char *path = stream < MAX_STREAMS ? p->path[stream] : NULL;
	static char body[8192];
	nghttp2_data_provider dp;
	int rv = 0;

	if (!path || !strcmp(path, "/hang") || !strcmp(path, "/hang2"))
		return;
	if (!strcmp(path, "/pkg.Greeter/SayHello")) {
		static const nghttp2_nv h[] = { NV(":status", "200"),
						NV("content-type", "application/grpc+proto") };
		struct buf b = { 0 };

		grpc_messages(&b, resp_msgs, resp_comp, 2);
		dp = provider(b.p, b.n, 7001, grpc_trailers, 2);
		free(b.p);
		rv = nghttp2_submit_response(p->s, stream, h, 2, &dp);
	} else if (!strcmp(path, "/pkg.Greeter/Missing")) {
		static const nghttp2_nv h[] = { NV(":status", "200"),
						NV("content-type", "application/grpc"),
						NV("grpc-status", "12"),
						NV("grpc-message", "unknown%20method") };

		rv = nghttp2_submit_response(p->s, stream, h, 4, NULL);
	} else if (!strcmp(path, "/pushme")) {
		static const nghttp2_nv push[] = { NV(":method", "GET"), NV(":path", "/pushed.css"),
						   NV(":scheme", "https"),
						   NV(":authority", "localhost") };
		static const nghttp2_nv h[] = { NV(":status", "200"), NV("content-type", "text/css") };
		int32_t promised = nghttp2_submit_push_promise(p->s, 0, stream, push, 4, NULL);

		if (promised < 0)
			abort();
		dp = provider("b{}", 3, 100, NULL, 0);
		nghttp2_submit_response(p->s, promised, h, 2, &dp);
		dp = provider("pushed", 6, 100, NULL, 0);
		rv = nghttp2_submit_response(p->s, stream, h, 2, &dp);
	} else {
		static const nghttp2_nv interim[] = { NV(":status", "103"), NV("link", "</a.css>") };
		nghttp2_nv h[] = { NV(":status", "200"), NV("content-type", "text/plain"),
				   NV("server", "unit-nghttp2"), NV("x-path", "") };
		size_t n = (size_t)snprintf(body, sizeof(body), "response to %s\n", path);

		h[3].value = (uint8_t *)path;
		h[3].valuelen = strlen(path);
		if (!strcmp(path, "/big"))
			for (; n < sizeof(body) - 1; n++)
				body[n] = (char)('a' + n % 26);
		if (!strcmp(path, "/interim"))
			nghttp2_submit_headers(p->s, NGHTTP2_FLAG_NONE, stream, NULL, interim, 2, NULL);
		dp = provider(body, n, 1500, NULL, 0);
		rv = nghttp2_submit_response(p->s, stream, h, 4, &dp);
	}
	if (rv)
		abort();
}

static int cb_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct peer *p = ud;

	(void)s;
	if (!p->client && !p->hold && f->hd.flags & NGHTTP2_FLAG_END_STREAM &&
	    (f->hd.type == NGHTTP2_HEADERS || f->hd.type == NGHTTP2_DATA))
		server_answer(p, f->hd.stream_id);
	return 0;
}

static void peer_init(struct peer *p, bool client, struct wire *w, nghttp2_option *opt)
{
	nghttp2_session_callbacks *cb;

	memset(p, 0, sizeof(*p));
	p->client = client;
	p->w = w;
	if (nghttp2_session_callbacks_new(&cb))
		abort();
	nghttp2_session_callbacks_set_send_callback(cb, cb_send);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, cb_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, cb_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, cb_data);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, cb_frame_send);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, cb_frame_recv);
	nghttp2_session_callbacks_set_select_padding_callback(cb, cb_padding);
	if ((client ? nghttp2_session_client_new2 : nghttp2_session_server_new2)(&p->s, cb, p, opt))
		abort();
	nghttp2_session_callbacks_del(cb);
}

static void peer_free(struct peer *p)
{
	nghttp2_session_del(p->s);
	free(p->out.p);
	for (size_t i = 0; i < p->nr_blocks; i++)
		for (size_t k = 0; k < p->blocks[i].nr; k++) {
			free(p->blocks[i].name[k]);
			free(p->blocks[i].value[k]);
		}
	for (int i = 0; i < MAX_STREAMS; i++) {
		free(p->data[i].p);
		free(p->path[i]);
	}
}

/* Sends and delivers until both are quiet. */
static void pump(struct peer *a, struct peer *b)
{
	for (int round = 0; round < 10000; round++) {
		bool moved = false;
		struct peer *ps[2] = { a, b };

		for (int i = 0; i < 2; i++) {
			struct peer *from = ps[i], *to = ps[!i];

			if (nghttp2_session_send(from->s))
				abort();
			if (from->out.n) {
				ssize_t n = nghttp2_session_mem_recv(to->s, from->out.p, from->out.n);

				if (n != (ssize_t)from->out.n)
					abort();
				from->out.n = 0;
				moved = true;
			}
		}
		if (!moved)
			return;
	}
	abort();
}

/* ---- what http2_conn reported, copied ---- */

struct got {
	struct http_item it;		/* pointers replaced by copies below */
	const struct http_item *orig_ptrs;
	char *method, *path, *authority, *scheme, *ctype, *svc, *gmeth, *gmsg;
	char **name, **value;
	uint32_t *flags;
	uint8_t *data;
	/* the item's own pointers, checked again when the feed ends */
	const void *p_data;
	uint32_t p_len;
	bool fed_client;		/* fed as the client's bytes: its true side */
};

struct got_list {
	struct got *g;
	size_t nr, cap;
	size_t feed_first;		/* items of the current feed start here */
	uint64_t raw_bytes;
	size_t nr_raw;
	bool feeding_client;		/* the bytes being fed are the client's */
};

static char *str_copy(struct http_str s)
{
	return s.ptr ? xstrndup(s.ptr, s.len) : NULL;
}

static void on_item(const struct http_item *it, void *arg)
{
	struct got_list *l = arg;
	struct got *g;

	if (l->nr == l->cap) {
		l->cap = l->cap * 2 + 64;
		l->g = realloc(l->g, l->cap * sizeof(*l->g));
		if (!l->g)
			abort();
	}
	g = &l->g[l->nr++];
	memset(g, 0, sizeof(*g));
	g->it = *it;
	g->fed_client = l->feeding_client;
	CHECK(it->version == HTTP_V2);
	g->svc = str_copy(it->grpc_service);
	g->gmeth = str_copy(it->grpc_method);
	g->gmsg = str_copy(it->grpc_message);
	switch (it->kind) {
	case HTTP_ITEM_HEAD:
		g->method = str_copy(it->head.method);
		g->path = str_copy(it->head.path);
		g->authority = str_copy(it->head.authority);
		g->scheme = str_copy(it->head.scheme);
		g->ctype = str_copy(it->head.content_type);
		g->name = calloc(it->head.nr_headers + 1, sizeof(char *));
		g->value = calloc(it->head.nr_headers + 1, sizeof(char *));
		g->flags = calloc(it->head.nr_headers + 1, sizeof(uint32_t));
		for (uint32_t i = 0; i < it->head.nr_headers; i++) {
			g->name[i] = str_copy(it->head.headers[i].name);
			g->value[i] = str_copy(it->head.headers[i].value);
			g->flags[i] = it->head.headers[i].flags;
		}
		g->p_data = it->head.headers;
		g->p_len = it->head.nr_headers * sizeof(struct http_header);
		break;
	case HTTP_ITEM_BODY:
		g->data = (uint8_t *)xstrndup(it->body.data, it->body.len);
		g->p_data = it->body.data;
		g->p_len = it->body.len;
		break;
	case HTTP_ITEM_RAW:
		g->data = (uint8_t *)xstrndup(it->raw.data, it->raw.len);
		g->p_data = it->raw.data;
		g->p_len = it->raw.len;
		l->raw_bytes += it->raw.len;
		l->nr_raw++;
		CHECK(it->raw.why && !strcmp(it->raw.why, "resync"));
		break;
	case HTTP_ITEM_EXCHANGE:
		g->method = str_copy(it->exchange.method);
		g->path = str_copy(it->exchange.path);
		g->authority = str_copy(it->exchange.authority);
		break;
	default:
		break;
	}
}

/* The items' pointers must hold until the next feed: still the bytes copied. */
static void feed_done(struct got_list *l)
{
	for (size_t i = l->feed_first; i < l->nr; i++) {
		struct got *g = &l->g[i];

		if (g->it.kind == HTTP_ITEM_BODY || g->it.kind == HTTP_ITEM_RAW)
			CHECK(!g->p_len || !memcmp(g->p_data, g->data, g->p_len));
		if (g->it.kind == HTTP_ITEM_HEAD)
			for (uint32_t k = 0; k < g->it.head.nr_headers; k++) {
				const struct http_header *h = &g->it.head.headers[k];

				CHECK(h->name.len == strlen(g->name[k]) &&
				      !memcmp(h->name.ptr, g->name[k], h->name.len));
				CHECK(h->value.len == strlen(g->value[k]) &&
				      !memcmp(h->value.ptr, g->value[k], h->value.len));
			}
		if (g->svc)
			CHECK(!memcmp(g->it.grpc_service.ptr, g->svc, g->it.grpc_service.len));
	}
	l->feed_first = l->nr;
}

static void got_free(struct got_list *l)
{
	for (size_t i = 0; i < l->nr; i++) {
		struct got *g = &l->g[i];

		if (g->name)
			for (uint32_t k = 0; k < g->it.head.nr_headers; k++) {
				free(g->name[k]);
				free(g->value[k]);
			}
		free(g->name);
		free(g->value);
		free(g->flags);
		free(g->method);
		free(g->path);
		free(g->authority);
		free(g->scheme);
		free(g->ctype);
		free(g->svc);
		free(g->gmeth);
		free(g->gmsg);
		free(g->data);
	}
	free(l->g);
	memset(l, 0, sizeof(*l));
}

/* ---- feeding ---- */

static uint64_t rng_state;
static uint64_t seed_base;	/* H2_SEED: other pieces and starts than the default's */

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

/* A piece size: often tiny, sometimes a few frames' worth. */
static size_t piece(void)
{
	switch (rng() % 4) {
	case 0:
		return 1 + rng() % 3;
	case 1:
		return 1 + rng() % 20;
	case 2:
		return 1 + rng() % 300;
	default:
		return 1 + rng() % 20000;
	}
}

/*
 * The wire from chunk FIRST on (byte SKIP[dir] of that direction's first
 * chunk from there on), consecutive chunks of one direction joined, in
 * random pieces. CLIENT_DIR: the direction of the client's bytes.
 */
static void feed_wire(struct http2_conn *c, const struct wire *w, enum http_dir client_dir,
		      size_t first, const size_t skip[2], struct got_list *l)
{
	bool started[2] = { false, false };
	uint64_t ts = 1000;

	for (size_t i = first; i < w->nr;) {
		struct buf run = { 0 };
		bool fc = w->c[i].from_client;
		enum http_dir dir = fc ? client_dir : !client_dir;
		size_t off = 0;

		for (; i < w->nr && w->c[i].from_client == fc; i++)
			buf_add(&run, w->c[i].b.p, w->c[i].b.n);
		if (!started[dir]) {
			started[dir] = true;
			off = skip ? skip[dir] : 0;
			if (off > run.n)
				off = run.n;
		}
		while (off < run.n) {
			size_t n = piece();
			uint8_t *copy;

			if (n > run.n - off)
				n = run.n - off;
			/* Its own allocation: ASan sees a read past its end. */
			copy = malloc(n);
			memcpy(copy, run.p + off, n);
			l->feeding_client = fc;
			CHECK(!http2_conn__feed(c, dir, copy, n, ts++, on_item, l));
			feed_done(l);
			free(copy);
			off += n;
		}
		free(run.p);
	}
}

/* ---- the conversation ---- */

struct convo {
	struct wire w;
	struct peer cl, sv;
	int32_t get, post, large, grpc, grpc_missing, hang, hang2, push, interim, late[2];
	int32_t many[40];
	size_t late_wire;	/* the wire's chunks before the late requests */
};

static int32_t request(struct convo *v, const nghttp2_nv *h, size_t n,
		       const nghttp2_priority_spec *pri, nghttp2_data_provider *dp)
{
	int32_t id = nghttp2_submit_request(v->cl.s, pri, h, n, dp, NULL);

	if (id <= 0 || id >= MAX_STREAMS)
		abort();
	return id;
}

static void converse(struct convo *v)
{
	nghttp2_option *opt;
	static char big[3][14000];

	memset(v, 0, sizeof(*v));
	if (nghttp2_option_new(&opt))
		abort();
	/* The server's encoder may use as big a table as the client allows. */
	nghttp2_option_set_max_deflate_dynamic_table_size(opt, 65536);
	peer_init(&v->cl, true, &v->w, NULL);
	peer_init(&v->sv, false, &v->w, opt);
	nghttp2_option_del(opt);

	{
		nghttp2_settings_entry ci[] = {
			{ NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 65536 },
			{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 100 },
			{ NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 65535 },
		};
		nghttp2_settings_entry si[] = {
			{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000 },
			{ NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 1024 },
		};

		nghttp2_submit_settings(v->cl.s, NGHTTP2_FLAG_NONE, ci, 3);
		nghttp2_submit_settings(v->sv.s, NGHTTP2_FLAG_NONE, si, 2);
	}
	{
		static const nghttp2_nv h[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/index.html"), NV("user-agent", "unit/1.0"),
			NV("accept", "*/*"), NV("x-secret-token", "abc123"),
			NV("cookie", "a=1"), NV("cookie", "b=2"),
		};
		nghttp2_priority_spec pri;

		nghttp2_priority_spec_init(&pri, 0, 200, 0);
		v->get = request(v, h, 9, &pri, NULL);
	}
	pump(&v->cl, &v->sv);
	{
		static const nghttp2_nv h[] = {
			NV(":method", "POST"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/upload?x=1"), NV("content-type", "application/octet-stream"),
			NV("content-length", "5000"),
		};
		uint8_t body[5000];
		nghttp2_data_provider dp;

		for (size_t i = 0; i < sizeof(body); i++)
			body[i] = (uint8_t)(i * 7 + 3);
		dp = provider(body, sizeof(body), 1200, NULL, 0);
		v->post = request(v, h, 6, NULL, &dp);
	}
	for (int i = 0; i < 40; i++) {
		char path[32], val[32];
		nghttp2_nv h[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", ""), NV("x-n", ""),
		};

		snprintf(path, sizeof(path), i % 5 ? "/item/%d" : "/big", i);
		snprintf(val, sizeof(val), "n%d", i % 7);
		h[3].value = (uint8_t *)path, h[3].valuelen = strlen(path);
		h[4].value = (uint8_t *)val, h[4].valuelen = strlen(val);
		v->many[i] = request(v, h, 5, NULL, NULL);
	}
	pump(&v->cl, &v->sv);
	{
		nghttp2_nv h[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/large"), NV("x-big-a", ""), NV("x-big-b", ""), NV("x-big-c", ""),
		};

		for (int k = 0; k < 3; k++) {
			for (size_t i = 0; i < sizeof(big[k]) - 1; i++)
				big[k][i] = (char)('!' + (i * 13 + k) % 90);
			h[4 + k].value = (uint8_t *)big[k];
			h[4 + k].valuelen = sizeof(big[k]) - 1;
			h[4 + k].flags = NGHTTP2_NV_FLAG_NO_INDEX;
		}
		v->large = request(v, h, 7, NULL, NULL);
	}
	pump(&v->cl, &v->sv);
	{
		static const nghttp2_nv h[] = {
			NV(":method", "POST"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/pkg.Greeter/SayHello"), NV("content-type", "application/grpc"),
			NV("te", "trailers"), NV("grpc-timeout", "1S"),
		};
		static const nghttp2_nv h2[] = {
			NV(":method", "POST"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/pkg.Greeter/Missing"), NV("content-type", "application/grpc"),
			NV("te", "trailers"),
		};
		struct buf b = { 0 };
		nghttp2_data_provider dp;

		grpc_messages(&b, req_msgs, req_comp, 5);
		dp = provider(b.p, b.n, 1003, NULL, 0);
		free(b.p);
		v->grpc = request(v, h, 7, NULL, &dp);
		b = (struct buf){ 0 };
		grpc_messages(&b, req_msgs + 1, req_comp, 1);
		dp = provider(b.p, b.n, 1003, NULL, 0);
		free(b.p);
		v->grpc_missing = request(v, h2, 6, NULL, &dp);
	}
	pump(&v->cl, &v->sv);
	{
		static const nghttp2_nv hang[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/hang"),
		};
		static const nghttp2_nv push[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/pushme"),
		};
		static const nghttp2_nv interim[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/interim"),
		};
		static const uint8_t ping[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
		nghttp2_priority_spec pri;

		v->hang = request(v, hang, 4, NULL, NULL);
		v->push = request(v, push, 4, NULL, NULL);
		v->interim = request(v, interim, 4, NULL, NULL);
		pump(&v->cl, &v->sv);
		nghttp2_submit_rst_stream(v->cl.s, NGHTTP2_FLAG_NONE, v->hang, NGHTTP2_CANCEL);
		nghttp2_submit_ping(v->cl.s, NGHTTP2_FLAG_NONE, ping);
		nghttp2_priority_spec_init(&pri, v->get, 16, 1);
		nghttp2_submit_priority(v->cl.s, NGHTTP2_FLAG_NONE, v->interim, &pri);
		nghttp2_submit_window_update(v->cl.s, NGHTTP2_FLAG_NONE, 0, 65535);
		pump(&v->cl, &v->sv);
	}
	{
		/* New settings mid-connection: both encoders shrink their tables. */
		nghttp2_settings_entry ci[] = { { NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 512 } };
		nghttp2_settings_entry si[] = { { NGHTTP2_SETTINGS_HEADER_TABLE_SIZE, 256 } };

		nghttp2_submit_settings(v->cl.s, NGHTTP2_FLAG_NONE, ci, 1);
		nghttp2_submit_settings(v->sv.s, NGHTTP2_FLAG_NONE, si, 1);
		pump(&v->cl, &v->sv);
	}
	v->late_wire = v->w.nr;
	for (int i = 0; i < 2; i++) {
		/* The second repeats the first's new fields: table entries added late. */
		static const nghttp2_nv h[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/late/path"), NV("x-late", "added after the start"),
			NV("user-agent", "unit/2.0"),
		};

		v->late[i] = request(v, h, 6, NULL, NULL);
		pump(&v->cl, &v->sv);
	}
	{
		static const nghttp2_nv hang2[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/hang2"),
		};

		v->hang2 = request(v, hang2, 4, NULL, NULL);
		pump(&v->cl, &v->sv);
		nghttp2_submit_goaway(v->sv.s, NGHTTP2_FLAG_NONE, v->hang2 - 2, NGHTTP2_NO_ERROR,
				      (const uint8_t *)"bye", 3);
		pump(&v->cl, &v->sv);
	}
}

static void convo_free(struct convo *v)
{
	peer_free(&v->cl);
	peer_free(&v->sv);
	for (size_t i = 0; i < v->w.nr; i++)
		free(v->w.c[i].b.p);
	free(v->w.c);
	for (size_t i = 0; i < nr_sources; i++) {
		free(sources[i]->b.p);
		free(sources[i]);
	}
	nr_sources = 0;
}

/* ---- checks ---- */

static bool has_header(const struct block *b, const char *name, const char **value)
{
	for (size_t i = 0; i < b->nr; i++)
		if (!strcmp(b->name[i], name)) {
			if (value)
				*value = b->value[i];
			return true;
		}
	return false;
}

static bool str_eq(const char *got, const char *want)
{
	return got && want ? !strcmp(got, want) : got == want;
}

/* HEAD item G against the block B the receiver decoded: fields, kind, derived fields. */
static void check_head(const struct got *g, const struct block *b, bool exact)
{
	const char *v = NULL;

	CHECK(g->it.stream == (uint32_t)b->stream);
	if (g->it.head.nr_headers != b->nr) {
		printf("stream %d: %u fields, want %zu\n", b->stream, g->it.head.nr_headers, b->nr);
		unit_failures++;
		return;
	}
	for (size_t i = 0; i < b->nr; i++) {
		uint32_t f = g->flags[i];

		if (exact)
			CHECK(!f);
		if (!(f & HTTP_HDR_NAME_UNKNOWN) && strcmp(g->name[i], b->name[i]))
			printf("stream %d field %zu: name '%s', want '%s'\n", b->stream, i,
			       g->name[i], b->name[i]), unit_failures++;
		if (!(f & (HTTP_HDR_VALUE_UNKNOWN | HTTP_HDR_NAME_UNKNOWN)) &&
		    strcmp(g->value[i], b->value[i]))
			printf("stream %d field %zu (%s): value '%.40s', want '%.40s'\n", b->stream,
			       i, b->name[i], g->value[i], b->value[i]), unit_failures++;
	}
	if (!exact)
		return;
	if (has_header(b, ":method", &v)) {
		CHECK(g->it.head.kind == HTTP_HEAD_REQUEST);
		CHECK(str_eq(g->method, v));
		has_header(b, ":path", &v);
		CHECK(str_eq(g->path, v));
		has_header(b, ":authority", &v);
		CHECK(str_eq(g->authority, v));
		has_header(b, ":scheme", &v);
		CHECK(str_eq(g->scheme, v));
	} else if (has_header(b, ":status", &v)) {
		CHECK(g->it.head.kind == HTTP_HEAD_RESPONSE);
		CHECK(g->it.head.status == atoi(v));
	} else {
		CHECK(g->it.head.kind == HTTP_HEAD_TRAILERS);
		CHECK(g->it.head.end_stream);
	}
	v = NULL;
	has_header(b, "content-type", &v);
	CHECK(str_eq(g->ctype, v));
	v = NULL;
	CHECK(g->it.head.content_length == (has_header(b, "content-length", &v) ? atoll(v) : -1));
}

static const struct got *exchange_of(const struct got_list *l, uint32_t stream, size_t *count)
{
	const struct got *x = NULL;

	*count = 0;
	for (size_t i = 0; i < l->nr; i++)
		if (l->g[i].it.kind == HTTP_ITEM_EXCHANGE && l->g[i].it.stream == stream)
			x = &l->g[i], (*count)++;
	return x;
}

/* The stream's body from one side, put back together from BODY and GRPC items. */
static void body_of(const struct got_list *l, uint32_t stream, bool fc, struct buf *b,
		    bool *ended)
{
	*ended = false;
	for (size_t i = 0; i < l->nr; i++) {
		const struct got *g = &l->g[i];

		if (g->it.stream != stream || g->it.from_client != fc)
			continue;
		if (g->it.kind == HTTP_ITEM_GRPC) {
			uint32_t n = g->it.grpc_msg.len;
			uint8_t pfx[5] = { g->it.grpc_msg.compressed, n >> 24, n >> 16, n >> 8, n };

			buf_add(b, pfx, 5);
		} else if (g->it.kind == HTTP_ITEM_BODY) {
			CHECK(!*ended);
			CHECK(g->it.body.offset == b->n);
			buf_add(b, g->data, g->it.body.len);
			*ended = g->it.body.end;
		}
	}
}

static void check_grpc(const struct convo *v, const struct got_list *l)
{
	size_t nc = 0, ns = 0, count;
	const struct got *x;

	for (size_t i = 0; i < l->nr; i++) {
		const struct got *g = &l->g[i];

		if (g->it.stream != (uint32_t)v->grpc)
			continue;
		if (!(g->it.grpc && str_eq(g->svc, "pkg.Greeter") && str_eq(g->gmeth, "SayHello")))
			printf("grpc stream item kind %d: grpc %d svc %s method %s\n", g->it.kind,
			       g->it.grpc, g->svc, g->gmeth), unit_failures++;
		if (g->it.kind == HTTP_ITEM_GRPC && g->it.from_client) {
			CHECK(nc < 5 && g->it.grpc_msg.len == req_msgs[nc] &&
			      g->it.grpc_msg.compressed == req_comp[nc] && g->it.grpc_msg.index == nc);
			nc++;
		} else if (g->it.kind == HTTP_ITEM_GRPC) {
			CHECK(ns < 2 && g->it.grpc_msg.len == resp_msgs[ns] &&
			      g->it.grpc_msg.compressed == resp_comp[ns] && g->it.grpc_msg.index == ns);
			ns++;
		} else if (g->it.kind == HTTP_ITEM_HEAD && g->it.head.kind == HTTP_HEAD_TRAILERS) {
			CHECK(g->it.grpc_status == 0 && str_eq(g->gmsg, "OK"));
		} else if (g->it.kind == HTTP_ITEM_HEAD) {
			CHECK(g->it.grpc_status == -1);
		}
	}
	CHECK(nc == 5 && ns == 2);
	x = exchange_of(l, v->grpc, &count);
	CHECK(count == 1 && x && x->it.grpc_status == 0 && str_eq(x->gmsg, "OK") && x->it.grpc);
	x = exchange_of(l, v->grpc_missing, &count);
	CHECK(count == 1 && x && x->it.grpc_status == 12 && str_eq(x->gmsg, "unknown%20method"));
	CHECK(x && str_eq(x->gmeth, "Missing"));
	for (size_t i = 0; i < l->nr; i++) {
		const struct got *g = &l->g[i];

		if (g->it.stream == (uint32_t)v->grpc_missing && g->it.kind == HTTP_ITEM_HEAD &&
		    !g->it.from_client)
			CHECK(g->it.head.kind == HTTP_HEAD_RESPONSE && g->it.grpc_status == 12 &&
			      g->it.head.end_stream && str_eq(g->gmsg, "unknown%20method"));
	}
}

/* A conversation seen whole: every item is what nghttp2 sent or decoded. */
static void check_whole(const struct convo *v, const struct got_list *l)
{
	for (int fc = 0; fc < 2; fc++) {
		const struct peer *recv = fc ? &v->sv : &v->cl, *send = fc ? &v->cl : &v->sv;
		size_t kb = 0, kf = 0;

		for (size_t i = 0; i < l->nr; i++) {
			const struct got *g = &l->g[i];

			if (g->it.from_client != fc)
				continue;
			if (g->it.kind == HTTP_ITEM_HEAD) {
				CHECK(kb < recv->nr_blocks);
				if (kb < recv->nr_blocks)
					check_head(g, &recv->blocks[kb], true);
				kb++;
			} else if (g->it.kind == HTTP_ITEM_FRAME) {
				CHECK(kf < send->nr_frames);
				if (kf < send->nr_frames) {
					CHECK_STR(g->it.frame.summary, send->frames[kf]);
					CHECK(g->it.stream == send->frame_stream[kf]);
				}
				kf++;
			}
		}
		CHECK(kb == recv->nr_blocks);
		CHECK(kf == send->nr_frames);
	}
	CHECK(l->nr_raw == 0);
	for (size_t i = 0; i < l->nr; i++)
		CHECK(l->g[i].it.from_client == l->g[i].fed_client);
	for (uint32_t s = 1; s < MAX_STREAMS; s++) {
		bool opened = v->sv.data[s].n || v->cl.data[s].n, ended[2];
		const struct got *x;
		size_t count;
		struct buf b[2] = { { 0 } };

		for (size_t i = 0; i < v->sv.nr_blocks; i++)
			opened |= v->sv.blocks[i].stream == (int32_t)s;
		for (size_t i = 0; i < v->cl.nr_blocks; i++)
			opened |= v->cl.blocks[i].stream == (int32_t)s;
		if (!opened)
			continue;
		for (int fc = 0; fc < 2; fc++) {
			const struct buf *t = &(fc ? &v->sv : &v->cl)->data[s];

			body_of(l, s, fc, &b[fc], &ended[fc]);
			CHECK(b[fc].n == t->n && (!t->n || !memcmp(b[fc].p, t->p, t->n)));
			free(b[fc].p);
		}
		CHECK(ended[1] == (s == (uint32_t)v->post || s == (uint32_t)v->grpc ||
				   s == (uint32_t)v->grpc_missing));
		x = exchange_of(l, s, &count);
		CHECK(count == 1);
		if (!x)
			continue;
		CHECK(x->it.exchange.reset == (s == (uint32_t)v->hang || s == (uint32_t)v->hang2));
		CHECK(x->it.exchange.req_bytes == v->sv.data[s].n);
		CHECK(x->it.exchange.resp_bytes == v->cl.data[s].n);
		CHECK(x->it.exchange.start_ns && x->it.exchange.start_ns <= x->it.exchange.end_ns);
		if (s & 1)
			CHECK(str_eq(x->path, v->sv.path[s]) && str_eq(x->method, "GET") ==
			      (s != (uint32_t)v->post && s != (uint32_t)v->grpc &&
			       s != (uint32_t)v->grpc_missing));
		else
			CHECK(str_eq(x->path, "/pushed.css") && !x->it.exchange.req_bytes);
		CHECK(x->it.exchange.status == (x->it.exchange.reset ? 0 : 200));
	}
	check_grpc(v, l);
}

static void check_stats_clean(struct http2_conn *c)
{
	struct http2_stats st;

	http2_conn__stats(c, &st);
	CHECK(st.frames > 100);
	CHECK(!st.resyncs && !st.resync_bytes && !st.blocks_dropped && !st.hpack_errors &&
	      !st.hpack_resets && !st.streams_evicted && !st.orphans && !st.nomem);
}

/* ---- mid-connection ---- */

/* The first frame start at or after OFF in FC's joined bytes (after the preface). */
static bool frame_start(const struct convo *v, bool fc, size_t off, size_t *next)
{
	size_t at = fc ? 24 : 0;
	struct buf all = { 0 };
	bool found = false;

	for (size_t i = 0; i < v->w.nr; i++)
		if (v->w.c[i].from_client == fc)
			buf_add(&all, v->w.c[i].b.p, v->w.c[i].b.n);
	while (at + 9 <= all.n) {
		if (at >= off) {
			*next = at;
			found = true;
			break;
		}
		at += 9 + ((size_t)all.p[at] << 16 | all.p[at + 1] << 8 | all.p[at + 2]);
	}
	free(all.p);
	return found;
}

/* Byte offset in FC's joined stream where chunk FIRST (or the next of FC after it) begins. */
static size_t stream_offset(const struct convo *v, bool fc, size_t first)
{
	size_t pos = 0;

	for (size_t i = 0; i < first; i++)
		if (v->w.c[i].from_client == fc)
			pos += v->w.c[i].b.n;
	return pos;
}

static size_t midstream_early;	/* starts where a false boundary came first */

/* Returns whether the late requests began far enough after the start to be checked. */
static bool check_midstream(const struct convo *v, size_t late_wire, uint64_t seed)
{
	bool late_checked = false;
	size_t first, skip[2], late_count = 0, count;
	enum http_dir client_dir = seed & 1 ? HTTP_DIR_RECEIVED : HTTP_DIR_SENT;
	struct got_list l = { 0 };
	struct http2_conn *c;
	struct http2_stats st;
	uint64_t want_skip = 0;
	const struct got *x;

	rng_state = seed_base + seed;
	first = 2 + rng() % (late_wire - 2);
	for (int dir = 0; dir < 2; dir++) {
		bool fc = (enum http_dir)dir == client_dir;
		size_t k = first, at, next;

		while (k < v->w.nr && v->w.c[k].from_client != fc)
			k++;
		skip[dir] = k < v->w.nr ? rng() % (v->w.c[k].b.n + 1) : 0;
		at = stream_offset(v, fc, k) + skip[dir];
		if (k < v->w.nr && frame_start(v, fc, at, &next))
			want_skip += next - at;
		/* Room for a frame skipped on probation before them. */
		if (fc && k < v->w.nr && at + H2_PROBATION_MAX < stream_offset(v, true, late_wire))
			late_checked = true;
		if (getenv("H2_DEBUG") && k < v->w.nr && frame_start(v, fc, at, &next))
			printf("dir %d fc %d chunk %zu at %zu next frame %zu\n", dir, fc, k, at, next);
	}
	c = http2_conn__new(true);
	CHECK(c);
	feed_wire(c, &v->w, client_dir, first, skip, &l);
	if (getenv("H2_DEBUG")) {
		printf("first %zu of %zu skip %zu %zu want %llu\n", first, v->w.nr, skip[0], skip[1],
		       (unsigned long long)want_skip);
		for (size_t i = 0; i < l.nr; i++) {
			const struct got *g = &l.g[i];

			printf("  item %d stream %u fc %d", g->it.kind, g->it.stream, g->it.from_client);
			if (g->it.kind == HTTP_ITEM_HEAD)
				printf(" head %d %s %d nr %u unk %u", g->it.head.kind, g->path,
				       g->it.head.status, g->it.head.nr_headers, g->it.head.nr_unknown);
			if (g->it.kind == HTTP_ITEM_FRAME)
				printf(" %s", g->it.frame.summary);
			if (g->it.kind == HTTP_ITEM_RAW)
				printf(" raw %u", g->it.raw.len);
			if (g->it.kind == HTTP_ITEM_EXCHANGE)
				printf(" exchange %s %d reset %d", g->path, g->it.exchange.status,
				       g->it.exchange.reset);
			printf("\n");
		}
	}
	http2_conn__stats(c, &st);
	CHECK(st.resync_bytes == l.raw_bytes);
	/* Everything up to the first frame skipped and reported, unless a false
	 * boundary came first (counted: the caller wants them rare). */
	CHECK(!want_skip || l.raw_bytes);
	if (l.raw_bytes < want_skip)
		midstream_early++;
	/* The sides: guessed until a head names them, right from then on. */
	for (size_t i = 0, known = 0; i < l.nr; i++) {
		const struct got *g = &l.g[i];

		if (g->it.kind == HTTP_ITEM_HEAD && (g->method || g->it.head.status))
			known = 1;
		if (known && g->it.from_client != g->fed_client) {
			printf("seed %llu: item %zu (kind %d) from_client %d\n",
			       (unsigned long long)seed, i, g->it.kind, g->it.from_client);
			unit_failures++;
			break;
		}
	}
	/* No field wrong: each head is one the receiver decoded, in its stream's order. */
	for (int fc = 0; fc < 2; fc++) {
		const struct peer *recv = fc ? &v->sv : &v->cl;

		for (uint32_t s = 1; s < MAX_STREAMS; s++) {
			size_t nt = 0, ng = 0, t0;

			for (size_t i = 0; i < recv->nr_blocks; i++)
				nt += recv->blocks[i].stream == (int32_t)s;
			for (size_t i = 0; i < l.nr; i++)
				ng += l.g[i].it.kind == HTTP_ITEM_HEAD && l.g[i].it.stream == s &&
				      l.g[i].fed_client == fc;
			CHECK(ng <= nt);
			if (ng > nt)
				continue;
			t0 = nt - ng;	/* the first ones came before we started */
			for (size_t i = 0, kt = 0, kg = 0; i < recv->nr_blocks; i++) {
				if (recv->blocks[i].stream != (int32_t)s || kt++ < t0)
					continue;
				for (; kg < l.nr; kg++) {
					const struct got *g = &l.g[kg];

					if (g->it.kind == HTTP_ITEM_HEAD && g->it.stream == s &&
					    g->fed_client == fc)
						break;
				}
				if (kg < l.nr)
					check_head(&l.g[kg++], &recv->blocks[i], false);
			}
		}
	}
	/* The later requests: their new fields, then those fields from the table, exact. */
	for (size_t i = 0; i < l.nr && late_checked; i++) {
		const struct got *g = &l.g[i];

		if (g->it.kind != HTTP_ITEM_HEAD || g->it.stream != (uint32_t)v->late[1] ||
		    !g->fed_client)
			continue;
		late_count++;
		CHECK(g->it.head.kind == HTTP_HEAD_REQUEST && str_eq(g->method, "GET") &&
		      str_eq(g->path, "/late/path"));
		for (uint32_t k = 0; k < g->it.head.nr_headers; k++)
			if (strcmp(g->name[k], ":authority") && g->flags[k])
				printf("seed %llu: late field %u flagged unknown\n",
				       (unsigned long long)seed, k), unit_failures++;
	}
	if (late_checked) {
		CHECK(late_count == 1);
		x = exchange_of(&l, v->late[1], &count);
		CHECK(count == 1 && x && x->it.exchange.status == 200 &&
		      str_eq(x->path, "/late/path"));
		x = exchange_of(&l, v->hang2, &count);
		CHECK(count == 1 && x && x->it.exchange.reset);
	}
	got_free(&l);
	http2_conn__free(c);
	return late_checked;
}

/* ---- a header block past the bound ---- */

static void check_block_bound(void)
{
	static char big[5][60000];
	struct convo v;
	nghttp2_option *opt;
	nghttp2_nv h[9] = {
		NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
		NV(":path", "/huge"),
	};
	static const nghttp2_nv after[] = {
		NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
		NV(":path", "/after-huge"), NV("x-after", "literal"),
	};
	struct got_list l = { 0 };
	struct http2_conn *c;
	struct http2_stats st;
	size_t reports = 0, heads = 0;

	memset(&v, 0, sizeof(v));
	if (nghttp2_option_new(&opt))
		abort();
	nghttp2_option_set_max_send_header_block_length(opt, 1 << 20);
	peer_init(&v.cl, true, &v.w, opt);
	peer_init(&v.sv, false, &v.w, NULL);
	nghttp2_option_del(opt);
	for (int k = 0; k < 5; k++) {
		/* Bytes Huffman codes would lengthen: sent as they are. */
		for (size_t i = 0; i < sizeof(big[k]) - 1; i++)
			big[k][i] = (char)(0x80 + (i * 7 + k) % 100);
		h[4 + k] = (nghttp2_nv){ (uint8_t *)"x-huge", (uint8_t *)big[k], 6,
					 sizeof(big[k]) - 1, NGHTTP2_NV_FLAG_NO_INDEX };
	}
	request(&v, h, 9, NULL, NULL);
	request(&v, after, 5, NULL, NULL);
	while (!nghttp2_session_send(v.cl.s) && v.cl.out.n)
		v.cl.out.n = 0;		/* the server need not read it: only the bytes matter */
	c = http2_conn__new(false);
	rng_state = 7;
	feed_wire(c, &v.w, HTTP_DIR_SENT, 0, NULL, &l);
	http2_conn__stats(c, &st);
	if (getenv("H2_DEBUG"))
		printf("bound: %zu items, %zu wire chunks, dropped %llu resets %llu resyncs %llu\n",
		       l.nr, v.w.nr, (unsigned long long)st.blocks_dropped,
		       (unsigned long long)st.hpack_resets, (unsigned long long)st.resyncs);
	if (getenv("H2_DEBUG"))
		for (size_t i = 0; i < l.nr; i++)
			printf("  bound item %d stream %u %s\n", l.g[i].it.kind, l.g[i].it.stream,
			       l.g[i].it.kind == HTTP_ITEM_FRAME ? l.g[i].it.frame.summary : "");
	CHECK(st.blocks_dropped == 1 && st.hpack_resets == 1 && !st.resyncs);
	for (size_t i = 0; i < l.nr; i++) {
		const struct got *g = &l.g[i];

		if (g->it.kind == HTTP_ITEM_FRAME && g->it.frame.type == 1) {
			reports++;
			CHECK(strstr(g->it.frame.summary, "dropped (over 256 KiB)") &&
			      g->it.stream == 1 && g->it.frame.len > 256 << 10);
		}
		if (g->it.kind == HTTP_ITEM_HEAD) {
			heads++;
			CHECK(g->it.stream == 3 && str_eq(g->path, "/after-huge") &&
			      g->it.head.nr_headers == 5);
			for (uint32_t k = 0; k < 5 && g->it.head.nr_headers == 5; k++)
				CHECK(g->flags[k] || (str_eq(g->name[k], (char *)after[k].name) &&
						      str_eq(g->value[k], (char *)after[k].value)));
			/* Its literals exact; only :authority refers to the table. */
			CHECK(g->it.head.nr_unknown <= 1);
		}
	}
	CHECK(reports == 1 && heads == 1);
	got_free(&l);
	http2_conn__free(c);
	convo_free(&v);
}

/* ---- more open streams than the table holds ---- */

static void check_eviction(void)
{
	struct convo v;
	struct got_list l = { 0 };
	struct http2_conn *c;
	struct http2_stats st;
	size_t heads = 0;

	memset(&v, 0, sizeof(v));
	peer_init(&v.cl, true, &v.w, NULL);
	peer_init(&v.sv, false, &v.w, NULL);
	v.sv.hold = true;	/* no answers: all stay open */
	{
		nghttp2_settings_entry si[] = { { NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000 } };

		nghttp2_submit_settings(v.cl.s, NGHTTP2_FLAG_NONE, NULL, 0);
		nghttp2_submit_settings(v.sv.s, NGHTTP2_FLAG_NONE, si, 1);
		pump(&v.cl, &v.sv);
	}
	for (int i = 0; i < 300; i++) {
		static const nghttp2_nv h[] = {
			NV(":method", "GET"), NV(":scheme", "https"), NV(":authority", "localhost"),
			NV(":path", "/open"),
		};

		if (nghttp2_submit_request(v.cl.s, NULL, h, 4, NULL, NULL) <= 0)
			abort();
	}
	pump(&v.cl, &v.sv);
	c = http2_conn__new(false);
	rng_state = 11;
	feed_wire(c, &v.w, HTTP_DIR_SENT, 0, NULL, &l);
	http2_conn__stats(c, &st);
	for (size_t i = 0; i < l.nr; i++)
		heads += l.g[i].it.kind == HTTP_ITEM_HEAD && str_eq(l.g[i].path, "/open");
	/* All heard, the oldest 44 dropped from the table (and counted). */
	if (getenv("H2_DEBUG"))
		printf("evict: wire %zu heads %zu evicted %llu resyncs %llu items %zu\n", v.w.nr, heads,
		       (unsigned long long)st.streams_evicted, (unsigned long long)st.resyncs, l.nr);
	CHECK(heads == 300 && st.streams_evicted == 44 && !st.resyncs);
	got_free(&l);
	http2_conn__free(c);
	convo_free(&v);
}

/* ---- frames nghttp2 does not send: built by hand ---- */

static size_t frame(uint8_t *p, uint32_t len, uint8_t type, uint8_t flags, uint32_t stream,
		    const void *payload)
{
	uint8_t h[9] = { len >> 16, len >> 8, len, type, flags, stream >> 24, stream >> 16,
			 stream >> 8, stream };

	memcpy(p, h, 9);
	memcpy(p + 9, payload, len);
	return 9 + len;
}

static void check_handmade(void)
{
	static const uint8_t hdrs[] = { 0x82, 0x84, 0x87, 0x41, 0x03, 'a', '.', 'b' };
	uint8_t b[512], zeros[64] = { 0 };
	size_t n = 0, unknown = 0, orphan_cont = 0, orphan_data = 0, heads = 0;
	struct got_list l = { 0 };
	struct http2_conn *c = http2_conn__new(true);
	struct http2_stats st;

	/* Midstream: a frame's tail, a CONTINUATION whose HEADERS came before,
	 * DATA of a stream never seen, a request, a frame of an unknown type. */
	memcpy(b, "\x11\x22\x33", 3), n = 3;
	n += frame(b + n, 4, 0x9, 0x4, 5, "\x40\x01x\x01");
	n += frame(b + n, 6, 0x0, 0x1, 7, "abcdef");
	n += frame(b + n, sizeof(hdrs), 0x1, 0x5, 9, hdrs);
	n += frame(b + n, 8, 0x6, 0x1, 0, zeros);
	n += frame(b + n, 3, 0xfa, 0x0, 0, "xyz");
	n += frame(b + n, 8, 0x6, 0x0, 0, zeros);
	CHECK(!http2_conn__feed(c, HTTP_DIR_SENT, b, n, 1, on_item, &l));
	http2_conn__stats(c, &st);
	for (size_t i = 0; i < l.nr; i++) {
		const struct got *g = &l.g[i];

		if (g->it.kind == HTTP_ITEM_FRAME && g->it.frame.type == 0xfa)
			unknown += !strcmp(g->it.frame.summary, "type=0xfa flags=0x00, 3 bytes");
		if (g->it.kind == HTTP_ITEM_FRAME && g->it.frame.type == 0x9)
			orphan_cont += !strcmp(g->it.frame.summary,
					       "CONTINUATION without its HEADERS, 4 bytes skipped");
		if (g->it.kind == HTTP_ITEM_FRAME && g->it.frame.type == 0x0)
			orphan_data += g->it.stream == 7;
		if (g->it.kind == HTTP_ITEM_HEAD)
			heads += g->it.stream == 9 && str_eq(g->method, "GET") &&
				 str_eq(g->path, "/") && str_eq(g->authority, "a.b") &&
				 g->it.head.end_stream && g->it.from_client;
	}
	if (getenv("H2_DEBUG"))
		for (size_t i = 0; i < l.nr; i++)
			printf("  hand item %d stream %u %s raw %u\n", l.g[i].it.kind, l.g[i].it.stream,
			       l.g[i].it.kind == HTTP_ITEM_FRAME ? l.g[i].it.frame.summary : "",
			       l.g[i].it.kind == HTTP_ITEM_RAW ? l.g[i].it.raw.len : 0);
	CHECK(l.nr_raw == 1 && l.raw_bytes == 3);
	CHECK(unknown == 1 && orphan_cont == 1 && orphan_data == 1 && heads == 1);
	CHECK(st.orphans == 2 && st.resync_bytes == 3);
	CHECK(l.nr > 6 && l.g[l.nr - 1].it.kind == HTTP_ITEM_FRAME &&
	      !strcmp(l.g[l.nr - 1].it.frame.summary, "PING 0000000000000000"));
	got_free(&l);
	http2_conn__free(c);
}

/* HPACK's amplification: 10-byte frames naming a 4 KiB entry, 3000 in one feed. */
static void check_amplification(void)
{
	size_t n = 0, heads = 0, unkept = 0, size = 9 + 6 + 4000 + 3000 * 10;
	uint8_t *b = malloc(size), lit[6 + 4000];
	struct got_list l = { 0 };
	struct http2_conn *c = http2_conn__new(true);
	struct http2_stats st;

	/* Literal with incremental indexing, new name "x", a 4000-byte value. */
	lit[0] = 0x40, lit[1] = 1, lit[2] = 'x', lit[3] = 0x7f, lit[4] = 0xa1, lit[5] = 0x1e;
	memset(lit + 6, 'v', 4000);
	n += frame(b + n, sizeof(lit), 0x1, 0x5, 1, lit);
	for (uint32_t i = 0; i < 3000; i++)
		n += frame(b + n, 1, 0x1, 0x5, 3 + 2 * i, "\xbe");
	CHECK(n <= size);
	CHECK(!http2_conn__feed(c, HTTP_DIR_SENT, b, n, 1, on_item, &l));
	http2_conn__stats(c, &st);
	for (size_t i = 0; i < l.nr; i++) {
		const struct got *g = &l.g[i];

		if (g->it.kind == HTTP_ITEM_HEAD && g->it.head.nr_headers == 1 &&
		    g->it.head.headers[0].value.len == 4000)
			heads++;
		unkept += g->it.kind == HTTP_ITEM_FRAME && strstr(g->it.frame.summary, "not kept");
	}
	/* What the budget holds, then reported; the table kept in step. */
	CHECK(heads > 1000 && heads < 3001 && unkept == st.heads_dropped && heads + unkept == 3001);
	CHECK(!st.hpack_errors && !st.hpack_resets);
	got_free(&l);
	http2_conn__free(c);
	free(b);
}

static void check_detect(const struct convo *v)
{
	const struct chunk *s = NULL;

	CHECK(http2_is_preface(v->w.c[0].b.p, v->w.c[0].b.n));
	CHECK(!http2_is_preface((const uint8_t *)"PRI * HTTP/2.0\r\n", 16));
	for (size_t i = 0; i < v->w.nr && !s; i++)
		if (!v->w.c[i].from_client)
			s = &v->w.c[i];
	CHECK(s && http2_looks_like(s->b.p, s->b.n));
	CHECK(!http2_looks_like((const uint8_t *)"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27));
	CHECK(!http2_looks_like(v->w.c[0].b.p, 8));
}

/*
 * The fuzz target's seeds (tests/fuzz/http2.c's format) into DIR: windows
 * of the conversation, from its start and from the middle, in the wire's
 * own pieces.
 */
static void write_seeds(const struct convo *v, const char *dir)
{
	static const size_t starts[] = { 0, 9, 40, 80, 120, 160, 200, 240 };

	for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
		struct buf b = { 0 };
		uint8_t mid = starts[k] != 0;
		char path[4096];

		buf_add(&b, &mid, 1);
		for (size_t i = starts[k]; i < v->w.nr && b.n < 12000; i++) {
			size_t n = v->w.c[i].b.n < 4000 ? v->w.c[i].b.n : 4000;
			uint8_t hdr[3] = { !v->w.c[i].from_client, n & 0xff, n >> 8 };

			buf_add(&b, hdr, 3);
			buf_add(&b, v->w.c[i].b.p, n);
		}
		snprintf(path, sizeof(path), "%s/nghttp2-%zu", dir, starts[k]);
		unit_write_file(path, b.p, b.n);
		free(b.p);
	}
}

int main(void)
{
	struct convo v;
	size_t late_checked = 0;

	if (getenv("H2_SEED"))
		seed_base = strtoull(getenv("H2_SEED"), NULL, 0) * 1000003;
	converse(&v);
	if (getenv("H2_SEEDS_DIR"))
		write_seeds(&v, getenv("H2_SEEDS_DIR"));
	check_detect(&v);
	for (uint64_t seed = 1; seed <= 24; seed++) {
		for (int view = 0; view < 2; view++) {
			struct http2_conn *c = http2_conn__new(false);
			struct got_list l = { 0 };

			rng_state = seed_base + seed * 2 + view;
			feed_wire(c, &v.w, view ? HTTP_DIR_RECEIVED : HTTP_DIR_SENT, 0, NULL, &l);
			check_whole(&v, &l);
			check_stats_clean(c);
			got_free(&l);
			http2_conn__free(c);
			if (unit_failures) {
				printf("seed %llu, %s view\n", (unsigned long long)seed,
				       view ? "server" : "client");
				goto out;
			}
		}
	}
	for (uint64_t seed = 1; seed <= 300 && (!unit_failures || getenv("H2_ALL")); seed++)
		late_checked += check_midstream(&v, v.late_wire, seed);
	printf("midstream: 300 starts, %zu of them before the late requests, %zu false "
	       "boundaries before the first frame\n", late_checked, midstream_early);
	CHECK(late_checked >= 10 && midstream_early <= 6);
	check_block_bound();
	check_eviction();
	check_handmade();
	check_amplification();
out:
	convo_free(&v);
	UNIT_DONE("http2");
}
