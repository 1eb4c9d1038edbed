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
 * cut at H2_STR_MAX (2 KiB); the HPACK tables (hpack.c's bound: 64 KiB
 * each); and the items' arena, emptied at each feed, whose heads stop at
 * H2_ARENA_MAX (8 MiB). So at most about 0.5 MiB of blocks, 2 MiB of
 * streams (120 bytes each and their strings) and 128 KiB of tables, the
 * struct itself 1 KiB. Nothing recurses on the input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proto/http2_conn.h"

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
#define H2_PREFACE_LEN	(sizeof(h2_preface) - 1)

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

/* ---- header blocks: HEADERS or PUSH_PROMISE, then CONTINUATION until END_HEADERS ---- */

/* WHAT became of the block; RESET: the direction's HPACK context too. */
static void h2_block_report(struct h2_feed *x, const char *what, bool reset)
{
	struct h2_dir *d = x->d;
	struct h2_hdr h = { .type = d->block_type, .flags = d->block_flags, .len = d->block_total };
	char sum[sizeof(d->sum)];

	snprintf(sum, sizeof(sum), "%s header block of %u bytes %s%s",
		 h2_type_name(d->block_type), d->block_total, what,
		 reset ? ", HPACK context reset" : "");
	h2_emit_frame(x, &h, d->block_stream, sum);
}

/* The block cannot be decoded: the table may have changed in it. */
static void h2_block_lost(struct h2_feed *x, const char *what)
{
	struct h2_dir *d = x->d;
	struct h2_stream *s;

	d->in_block = false;
	x->c->stats.blocks_dropped++;
	h2_block_report(x, what, true);
	h2_hpack_reset(x->c, d);
	if (d->block_type == H2_HEADERS && d->block_flags & H2_F_END_STREAM &&
	    (s = h2_stream_find(x->c, d->block_stream)))
		h2_stream_end(x, s, x->dir);
}

/*
 * A feed whose items hold H2_ARENA_MAX already (small blocks naming large
 * table entries): the block is decoded only to keep the table in step, its
 * head reported, not kept.
 */
static void h2_block_unkept(struct h2_feed *x)
{
	struct h2_dir *d = x->d;
	struct http_header *fields;
	struct h2_stream *s;
	uint32_t nr;

	bool bad = hpack__decode(d->hpack, d->block ? d->block : (const uint8_t *)"",
				 d->block_len, &x->c->scratch, &fields, &nr);

	arena_reset(&x->c->scratch);
	x->c->stats.heads_dropped++;
	h2_block_report(x, "decoded, not kept (a record's items over 8 MiB)", bad);
	if (bad)
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
	if (x->c->arena.total > H2_ARENA_MAX) {
		h2_block_unkept(x);
		goto out;
	}
	/* An empty block may have no buffer: not NULL + 0 to the decoder. */
	err = hpack__decode(d->hpack, d->block ? d->block : (const uint8_t *)"", d->block_len,
			    &x->c->arena, &fields, &nr);
	if (err) {
		char what[64];

		x->c->stats.hpack_errors++;
		snprintf(what, sizeof(what), "malformed after %u fields (%s)", nr,
			 err == -ENOMEM ? "no memory" : "HPACK");
		h2_block_report(x, what, true);
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
	/* An empty CONTINUATION may come before the block has any buffer. */
	if (!d->block_dropped && d->f.len) {
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
		s->data[x->dir] = true;
		return s;
	}
	s = h2_stream_get(c, d->f.stream, &fresh);
	if (!s)
		return NULL;
	c->stats.orphans++;
	s->start_ns = x->ts;
	s->data[x->dir] = true;
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

/*
 * A server may write its SETTINGS before it reads the preface (Go's does),
 * so a direction that opens with SETTINGS while the other has shown
 * nothing is taken for the server's, until a message says otherwise.
 */
static void h2_role_guess(struct h2_feed *x)
{
	struct http2_conn *c = x->c;
	const struct h2_dir *o = &c->d[h2_other(x->dir)];
	const struct h2_hdr *f = &x->d->f;

	if (c->client_dir >= 0 || x->d->synced || o->synced || o->preface_len)
		return;
	if (f->type == H2_SETTINGS && !(f->flags & H2_F_ACK) && !f->stream) {
		c->client_dir = h2_other(x->dir);
		c->client_guessed = true;
	}
}

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
		c->client_guessed = false;
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
	h2_role_guess(x);
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
	arena_free(&c->scratch);
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
