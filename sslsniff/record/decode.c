// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "record/decode.h"
#include "record/secrets.h"

/* A call whose chunks are still arriving. */
struct pending {
	uint8_t *buf;
	size_t len, cap;
	uint32_t lost;
	uint32_t next_off;	/* offset the next chunk should have */
	struct event hdr;	/* copy of the first chunk's header */
};

/*
 * A call's buffer is sized from its captured length up front (at most
 * this much: the header's word is not trusted further; past it the buffer
 * doubles), and the last one freed is kept for the next call, up to this
 * size: a 1 MiB call cost as much in realloc() copies and fresh pages as
 * in its one necessary copy out of the ring.
 */
#define DECODER_PRESIZE_MAX	(16u << 20)
#define DECODER_SPARE_MAX	(4u << 20)

struct decoder {
	record_fn fn;
	void *ctx;
	struct pending *pend;
	size_t nr_pend, cap_pend;
	uint8_t *spare;		/* a buffer of spare_cap bytes for the next call, or NULL */
	size_t spare_cap;
	struct decode_stats stats;
};

_Static_assert(sizeof(struct event) % 8 == 0, "event header must keep data 8-aligned");
_Static_assert(sizeof(struct event) == 216, "event header layout changed: check BPF side");
_Static_assert(sizeof(struct keylog_line) == 128, "keylog_line layout changed: check BPF side");

struct decoder *decoder__new(record_fn fn, void *ctx)
{
	struct decoder *d = calloc(1, sizeof(*d));

	if (d) {
		d->fn = fn;
		d->ctx = ctx;
	}
	return d;
}

void decoder__free(struct decoder *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nr_pend; i++)
		free(d->pend[i].buf);
	free(d->pend);
	free(d->spare);
	free(d);
}

const struct decode_stats *decoder__stats(const struct decoder *d)
{
	return &d->stats;
}

static int decoder_deliver(struct decoder *d, const struct event *hdr, const uint8_t *data,
			   uint32_t len, uint32_t lost)
{
	struct record r = {
		.kind = hdr->kind == EV_HANDSHAKE ? REC_HANDSHAKE : REC_DATA,
		.ev = hdr,
		.data = data,
		.data_len = len,
		.lost = lost,
		.truncated = hdr->len > hdr->cap_len ? hdr->len - hdr->cap_len : 0,
	};

	d->stats.records++;
	d->stats.bytes += len;
	d->stats.truncated_bytes += r.truncated;
	if (lost) {
		d->stats.incomplete++;
		d->stats.missing_bytes += lost;
	}
	return d->fn(&r, d->ctx);
}

/* BUF (CAP bytes), done with: kept as the spare when it is the larger. */
static void decoder_keep(struct decoder *d, uint8_t *buf, size_t cap)
{
	if (cap > DECODER_SPARE_MAX || (d->spare && d->spare_cap >= cap)) {
		free(buf);
		return;
	}
	free(d->spare);
	d->spare = buf;
	d->spare_cap = buf ? cap : 0;
}

/* Delivers pending call I, with whatever did not arrive counted as lost. */
static int decoder_finish(struct decoder *d, size_t i)
{
	struct pending p = d->pend[i];
	uint32_t missing = p.hdr.cap_len - p.next_off;
	int err;

	d->pend[i] = d->pend[--d->nr_pend];
	err = decoder_deliver(d, &p.hdr, p.buf, p.len, p.lost + missing);
	decoder_keep(d, p.buf, p.cap);
	return err;
}

/* A call whose last chunk never came is over once its thread makes another. */
static int decoder_finish_stale(struct decoder *d, const struct event *ev)
{
	for (size_t i = 0; i < d->nr_pend; i++) {
		if (d->pend[i].hdr.tid == ev->tid && d->pend[i].hdr.pid == ev->pid &&
		    d->pend[i].hdr.call_id != ev->call_id)
			return decoder_finish(d, i);
	}
	return 0;
}

/*
 * The pending call EV continues. Call ids are unique, but a chunk is only
 * ever appended to a call of the same thread: one process's bytes can never
 * end up in another's record, whatever the ids.
 */
static struct pending *decoder_find(struct decoder *d, const struct event *ev, size_t *idx)
{
	for (size_t i = 0; i < d->nr_pend; i++) {
		const struct event *h = &d->pend[i].hdr;

		if (h->call_id == ev->call_id && h->tid == ev->tid && h->pid == ev->pid) {
			*idx = i;
			return &d->pend[i];
		}
	}
	return NULL;
}

static struct pending *decoder_start(struct decoder *d, const struct event *ev, size_t *idx)
{
	struct pending *p;

	if (d->nr_pend == d->cap_pend) {
		size_t n = d->cap_pend ? d->cap_pend * 2 : 8;

		p = realloc(d->pend, n * sizeof(*p));
		if (!p)
			return NULL;
		d->pend = p;
		d->cap_pend = n;
	}
	*idx = d->nr_pend++;
	p = &d->pend[*idx];
	memset(p, 0, sizeof(*p));
	p->hdr = *ev;
	/* The spare, when it holds the whole call (else a buffer of its size). */
	if (d->spare && d->spare_cap >= ev->cap_len) {
		p->buf = d->spare;
		p->cap = d->spare_cap;
		d->spare = NULL;
		d->spare_cap = 0;
	}
	return p;
}

static int pending_append(struct pending *p, const struct event *ev)
{
	size_t need = p->len + ev->chunk_len;

	if (need > p->cap) {
		size_t n = p->cap ? p->cap * 2 : 4 * CHUNK_MAX;
		uint8_t *b;

		/* The first chunk's header says how much the call has. */
		if (!p->cap && p->hdr.cap_len > n)
			n = p->hdr.cap_len < DECODER_PRESIZE_MAX ? p->hdr.cap_len
								  : DECODER_PRESIZE_MAX;
		while (n < need)
			n *= 2;
		b = realloc(p->buf, n);
		if (!b)
			return -ENOMEM;
		p->buf = b;
		p->cap = n;
	}
	/* A chunk that only reports lost bytes may come first: no buffer yet. */
	if (ev->chunk_len)
		memcpy(p->buf + p->len, ev->data, ev->chunk_len);
	p->len = need;
	/* A gap means chunks went missing without notice. */
	if (ev->offset > p->next_off)
		p->lost += ev->offset - p->next_off;
	p->lost += ev->lost;
	p->next_off = ev->offset + ev->chunk_len + ev->lost;
	return 0;
}

static int decoder_data(struct decoder *d, const struct event *ev)
{
	struct pending *p;
	size_t i;
	int err;

	err = decoder_finish_stale(d, ev);
	if (err)
		return err;
	p = decoder_find(d, ev, &i);
	/* Chunks come in order: one behind what the call has accounted for
	 * would count its bytes twice (received and lost). They all carry
	 * the call's captured length, which the first one's header keeps. */
	if (p && (ev->offset < p->next_off || ev->cap_len != p->hdr.cap_len)) {
		d->stats.malformed++;
		return 0;
	}
	/* Most calls fit one chunk: deliver straight from the ring. */
	if (!p && ev->offset == 0 && (ev->flags & CHUNK_LAST))
		return decoder_deliver(d, ev, ev->data, ev->chunk_len,
				       ev->cap_len - ev->chunk_len);
	if (!p) {
		p = decoder_start(d, ev, &i);
		if (!p)
			return -ENOMEM;
	}
	err = pending_append(p, ev);
	if (err)
		return err;
	if (ev->flags & CHUNK_LAST)
		return decoder_finish(d, i);
	return 0;
}

/* A connection's secrets, as the key log lines they give (none: nothing usable yet). */
static int decoder_secrets(struct decoder *d, const struct event *ev)
{
	char lines[SECRETS_LINES_MAX];
	struct record r = { .kind = REC_SECRETS, .ev = ev, .data = (const uint8_t *)lines };

	r.data_len = secrets_format(ev, (const struct tls_secrets *)ev->data, lines, sizeof(lines));
	if (!r.data_len)
		return 0;
	d->stats.secrets++;
	return d->fn(&r, d->ctx);
}

/* One key log line as the library logs it (Go's writeKeyLog); refused ones counted. */
static int decoder_keylog_line(struct decoder *d, const struct event *ev)
{
	char line[SECRETS_LINES_MAX];
	struct record r = { .kind = REC_SECRETS, .ev = ev, .data = (const uint8_t *)line };

	r.data_len = secrets_format_line((const struct keylog_line *)ev->data, line, sizeof(line));
	if (!r.data_len) {
		d->stats.keylog_refused++;
		return 0;
	}
	d->stats.secrets++;
	return d->fn(&r, d->ctx);
}

int decoder__event(struct decoder *d, const void *data, size_t size)
{
	const struct event *ev = data;

	if (size < sizeof(*ev)) {
		d->stats.malformed++;
		return 0;
	}
	switch (ev->kind) {
	case EV_DATA:
		if (ev->chunk_len > size - sizeof(*ev) || ev->cap_len > ev->len ||
		    ev->offset > ev->cap_len ||
		    (uint64_t)ev->chunk_len + ev->lost > ev->cap_len - ev->offset) {
			d->stats.malformed++;
			return 0;
		}
		return decoder_data(d, ev);
	case EV_HANDSHAKE:
		return decoder_deliver(d, ev, NULL, 0, 0);
	case EV_SECRETS:
		if (size < sizeof(*ev) + sizeof(struct tls_secrets)) {
			d->stats.malformed++;
			return 0;
		}
		return decoder_secrets(d, ev);
	case EV_KEYLOG_LINE:
		if (size < sizeof(*ev) + sizeof(struct keylog_line)) {
			d->stats.malformed++;
			return 0;
		}
		return decoder_keylog_line(d, ev);
	default:
		d->stats.malformed++;
		return 0;
	}
}

int decoder__flush(struct decoder *d)
{
	int err = 0;

	while (d->nr_pend && !err)
		err = decoder_finish(d, d->nr_pend - 1);
	return err;
}
