// SPDX-License-Identifier: GPL-2.0
/* TCP reassembly of captured segments: each end's stream in order, once (tcp_reasm.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hashset.h"
#include "lib/lru.h"
#include "source/tcp_reasm.h"

/* A piece held out of order: the held pieces of a direction are sorted and
 * disjoint, and lie after its next byte and before its FIN. */
struct reasm_seg {
	struct reasm_seg *next;
	uint32_t seq, len;
	uint64_t ts_ns;
	uint8_t data[];
};

struct reasm_dir {
	uint32_t next;		/* the stream's next byte to deliver */
	uint32_t isn;		/* with syn */
	uint32_t fin_seq;	/* with fin: the FIN's own sequence number */
	uint32_t hi;		/* the end of the highest byte seen (held, cut or delivered) */
	bool started, syn, fin, done;	/* done: the FIN is consumed too */
	struct reasm_seg *held, *tail;
	uint32_t held_bytes, held_segs;
};

enum { FLOW_LIVE, FLOW_IGNORED, FLOW_ENDED };

struct reasm_flow {
	struct reasm_flow *hnext;	/* the same hash key */
	uint64_t key;
	struct lru_node lru;
	struct packet_tuple tuple;
	uint64_t last_ns;
	void *user;
	int state;
	struct reasm_dir dir[2];
};

struct tcp_reasm {
	struct tcp_reasm_ops ops;
	void *ctx;
	struct hashmap map;	/* key -> chain of flows */
	struct lru lru;
	size_t nr_flows;
	struct tcp_reasm_stats st;
};

/* RFC 1982 serial-number order of 32-bit sequence numbers. */
static inline int32_t seq_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) < 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return seq_diff(a, b) <= 0;
}

static void reasm_deliver(struct tcp_reasm *r, struct reasm_flow *f, int end, const uint8_t *data,
			  uint32_t len, uint64_t ts_ns)
{
	f->dir[end].next += len;
	r->st.bytes_delivered += len;
	r->ops.data(r->ctx, f->user, end, data, len, ts_ns);
}

static void reasm_gap(struct tcp_reasm *r, struct reasm_flow *f, int end, uint32_t len)
{
	f->dir[end].next += len;
	r->st.bytes_gap += len;
	r->st.gaps++;
	r->ops.gap(r->ctx, f->user, end, len);
}

static void seg_free(struct tcp_reasm *r, struct reasm_dir *d, struct reasm_seg *s)
{
	d->held_bytes -= s->len;
	d->held_segs--;
	r->st.held_bytes -= s->len;
	free(s);
}

/* The FIN consumed once every byte before it is delivered or gapped. */
static void dir_check_fin(struct reasm_dir *d)
{
	if (d->fin && !d->done && d->next == d->fin_seq) {
		d->next++;
		d->done = true;
	}
}

/* Delivers the held pieces the next byte has reached, trimming what an
 * in-order segment already delivered. */
static void dir_drain(struct tcp_reasm *r, struct reasm_flow *f, int end)
{
	struct reasm_dir *d = &f->dir[end];
	struct reasm_seg *s;

	while ((s = d->held) && seq_le(s->seq, d->next)) {
		uint32_t skip = d->next - s->seq;

		if (skip < s->len) {
			r->st.bytes_duplicate += skip;
			reasm_deliver(r, f, end, s->data + skip, s->len - skip, s->ts_ns);
		} else {
			r->st.bytes_duplicate += s->len;
		}
		d->held = s->next;
		if (!d->held)
			d->tail = NULL;
		seg_free(r, d, s);
	}
	dir_check_fin(d);
}

/* Gives up on the bytes before TO that were not captured: the holes up to
 * TO (not past the FIN) become gaps, the held bytes among them are delivered. */
static void dir_gap_to(struct tcp_reasm *r, struct reasm_flow *f, int end, uint32_t to)
{
	struct reasm_dir *d = &f->dir[end];

	if (d->fin && seq_lt(d->fin_seq, to))
		to = d->fin_seq;
	dir_drain(r, f, end);
	while (!d->done && seq_lt(d->next, to)) {
		uint32_t stop = d->held && seq_lt(d->held->seq, to) ? d->held->seq : to;

		reasm_gap(r, f, end, stop - d->next);
		dir_drain(r, f, end);
	}
}

/* The stream up to the highest byte seen: held bytes delivered, the holes
 * between them and the snaplen's cuts gaps. */
static void dir_flush(struct tcp_reasm *r, struct reasm_flow *f, int end)
{
	struct reasm_dir *d = &f->dir[end];
	struct reasm_seg *s;

	if (d->started)
		dir_gap_to(r, f, end, d->hi);
	while ((s = d->held)) {
		/* not reached: nothing is held past a FIN */
		d->held = s->next;
		r->st.bytes_beyond_fin += s->len;
		seg_free(r, d, s);
	}
	d->tail = NULL;
}

static struct reasm_seg *seg_new(uint32_t seq, const uint8_t *data, uint32_t len, uint64_t ts_ns)
{
	struct reasm_seg *s = malloc(sizeof(*s) + len);

	if (!s)
		return NULL;
	s->next = NULL;
	s->seq = seq;
	s->len = len;
	s->ts_ns = ts_ns;
	memcpy(s->data, data, len);
	return s;
}

/* Links a copy of [SEQ, SEQ + LEN) in at *LINK. 0 or -ENOMEM. */
static int dir_link(struct tcp_reasm *r, struct reasm_dir *d, struct reasm_seg **link, uint32_t seq,
		    const uint8_t *data, uint32_t len, uint64_t ts_ns)
{
	struct reasm_seg *s = seg_new(seq, data, len, ts_ns);

	if (!s)
		return -ENOMEM;
	s->next = *link;
	*link = s;
	if (!s->next)
		d->tail = s;
	d->held_bytes += len;
	d->held_segs++;
	r->st.held_bytes += len;
	return 0;
}

/*
 * Holds [SEQ, SEQ + LEN), all after the next byte, without the parts
 * already held (duplicates): up to one piece per hole it spans. Appending
 * after the last piece, the usual case, is O(1).
 */
static int dir_hold(struct tcp_reasm *r, struct reasm_dir *d, uint32_t seq, const uint8_t *data,
		    uint32_t len, uint64_t ts_ns)
{
	struct reasm_seg **link = &d->held, *h;
	uint32_t end = seq + len;
	int err;

	r->st.segments_ooo++;
	if (d->tail && seq_le(d->tail->seq + d->tail->len, seq))
		return dir_link(r, d, &d->tail->next, seq, data, len, ts_ns);
	while ((h = *link) && seq_lt(seq, end)) {
		uint32_t h_end = h->seq + h->len;

		if (seq_le(h_end, seq)) {
			link = &h->next;
			continue;
		}
		if (seq_le(end, h->seq))
			break;
		if (seq_lt(seq, h->seq)) {
			err = dir_link(r, d, link, seq, data, h->seq - seq, ts_ns);
			if (err)
				return err;
			link = &(*link)->next;
		}
		/* [seq, end) overlaps h: what h holds is a duplicate */
		{
			uint32_t from = seq_lt(seq, h->seq) ? h->seq : seq;
			uint32_t to = seq_lt(end, h_end) ? end : h_end;

			r->st.bytes_duplicate += to - from;
		}
		if (seq_le(end, h_end))
			return 0;
		data += h_end - seq;
		seq = h_end;
		link = &h->next;
	}
	if (seq_lt(seq, end))
		return dir_link(r, d, link, seq, data, end - seq, ts_ns);
	return 0;
}

static bool dir_has_room(const struct tcp_reasm *r, const struct reasm_dir *d, uint32_t len)
{
	return d->held_bytes + (uint64_t)len <= TCP_REASM_HOLD_DIR &&
	       d->held_segs < TCP_REASM_HOLD_SEGS &&
	       r->st.held_bytes + len <= TCP_REASM_HOLD_ALL;
}

/*
 * The bytes [SEQ, SEQ + LEN) of END's stream, then CUT more the capture
 * did not keep. Bytes before the next one are trimmed; in-order ones go
 * straight from DATA; later ones are held, or, when that passes a bound or
 * memory fails, the hole before them is given up.
 */
static int dir_data(struct tcp_reasm *r, struct reasm_flow *f, int end, uint32_t seq,
		    const uint8_t *data, uint32_t len, uint32_t cut, uint64_t ts_ns)
{
	struct reasm_dir *d = &f->dir[end];
	uint32_t cut_at, span = len + cut;
	int err = 0;

	/* Past the FIN: never part of the stream. */
	if (d->fin && seq_lt(d->fin_seq, seq + span)) {
		uint32_t over = seq + span - d->fin_seq > span ? span : seq + span - d->fin_seq;
		uint32_t from_cut = over < cut ? over : cut;

		cut -= from_cut;
		len -= over - from_cut;
		r->st.bytes_beyond_fin += over - from_cut;
	}
	cut_at = seq + len;
	if (seq_lt(d->hi, cut_at + cut))
		d->hi = cut_at + cut;
	for (;;) {
		if (seq_lt(seq, d->next)) {
			/* unsigned: 2^31 behind has no negation in int32_t */
			uint32_t back = d->next - seq, trim = back < len ? back : len;

			r->st.bytes_duplicate += trim;
			seq += trim;
			data += trim;
			len -= trim;
		}
		if (!len)
			break;
		if (seq == d->next) {
			reasm_deliver(r, f, end, data, len, ts_ns);
			dir_drain(r, f, end);
			break;
		}
		if (dir_has_room(r, d, len)) {
			err = dir_hold(r, d, seq, data, len, ts_ns);
			if (!err)
				break;
			r->st.nomem++;
		} else {
			r->st.hold_overflows++;
		}
		dir_gap_to(r, f, end, seq);
	}
	/* The snaplen's cut is lost for good once the stream reaches it. */
	if (cut && seq_le(cut_at, d->next) && seq_lt(d->next, cut_at + cut))
		dir_gap_to(r, f, end, cut_at + cut);
	return err;
}

/* END's FIN at FIN_SEQ: what is held past it was never sent (or is
 * hostile) and is dropped, counted. */
static void dir_fin(struct tcp_reasm *r, struct reasm_dir *d, uint32_t fin_seq)
{
	struct reasm_seg *prev = NULL, *s = d->held, *n;

	if (d->fin)
		return;
	d->fin = true;
	d->fin_seq = fin_seq;
	if (seq_lt(fin_seq, d->next)) {
		/* the stream went past it (a gap an ACK declared): consumed */
		d->done = true;
		fin_seq = d->next;
	}
	for (; s && seq_lt(s->seq, fin_seq); s = s->next)
		prev = s;
	if (prev)
		prev->next = NULL;
	else
		d->held = NULL;
	d->tail = prev;
	for (; s; s = n) {
		n = s->next;
		r->st.bytes_beyond_fin += s->len;
		seg_free(r, d, s);
	}
	if (prev && seq_lt(fin_seq, prev->seq + prev->len)) {
		uint32_t over = prev->seq + prev->len - fin_seq;

		prev->len -= over;
		d->held_bytes -= over;
		r->st.held_bytes -= over;
		r->st.bytes_beyond_fin += over;
	}
	dir_check_fin(d);
}

/* ---- the flow table ---- */

static struct reasm_flow *flow_find(const struct tcp_reasm *r, const struct packet_tuple *t,
				    uint64_t key)
{
	struct reasm_flow *f = hashmap_get(&r->map, key);

	while (f && memcmp(&f->tuple, t, sizeof(*t)))
		f = f->hnext;
	return f;
}

/* The flow's callbacks end: held bytes out, close() (a live flow's last call). */
static void flow_end(struct tcp_reasm *r, struct reasm_flow *f, enum tcp_close_reason why)
{
	if (f->state == FLOW_LIVE) {
		dir_flush(r, f, 0);
		dir_flush(r, f, 1);
		r->ops.close(r->ctx, f->user, why);
		r->st.flows_active--;
	}
	f->state = FLOW_ENDED;
	f->user = NULL;
}

static void flow_free(struct tcp_reasm *r, struct reasm_flow *f)
{
	struct reasm_flow **link, *head;

	for (int e = 0; e < 2; e++) {
		struct reasm_seg *s;

		while ((s = f->dir[e].held)) {
			f->dir[e].held = s->next;
			seg_free(r, &f->dir[e], s);
		}
	}
	head = hashmap_get(&r->map, f->key);
	if (head == f) {
		/* the key is there: the put allocates nothing */
		if (f->hnext)
			hashmap_put(&r->map, f->key, f->hnext);
		else
			hashmap_del(&r->map, f->key);
	} else {
		for (link = &head->hnext; *link != f; link = &(*link)->hnext)
			;
		*link = f->hnext;
	}
	lru_unlink(&r->lru, &f->lru);
	r->nr_flows--;
	free(f);
}

/* Ends and frees F. */
static void flow_drop(struct tcp_reasm *r, struct reasm_flow *f, enum tcp_close_reason why)
{
	flow_end(r, f, why);
	flow_free(r, f);
}

static void flow_touch(struct tcp_reasm *r, struct reasm_flow *f, uint64_t ts_ns)
{
	f->last_ns = ts_ns;
	lru_unlink(&r->lru, &f->lru);
	lru_push_newest(&r->lru, &f->lru);
}

/* A flow for P's tuple, room made by evicting the least recently used. */
static struct reasm_flow *flow_new(struct tcp_reasm *r, const struct packet *p, uint64_t key)
{
	struct reasm_flow *f, *old;

	if (r->nr_flows >= TCP_REASM_MAX_FLOWS) {
		old = lru_entry(r->lru.oldest, struct reasm_flow, lru);
		if (old->state == FLOW_LIVE)
			r->st.flows_evicted++;
		flow_drop(r, old, TCP_CLOSE_EVICTED);
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->key = key;
	f->tuple = p->tuple;
	f->hnext = hashmap_get(&r->map, key);
	if (hashmap_put(&r->map, key, f)) {
		free(f);
		return NULL;
	}
	lru_push_newest(&r->lru, &f->lru);
	r->nr_flows++;
	f->user = r->ops.open(r->ctx, &p->tuple, p->tcp_flags & TCP_SYN, p->ts_ns);
	if (f->user) {
		f->state = FLOW_LIVE;
		r->st.flows++;
		r->st.flows_active++;
		if (!(p->tcp_flags & TCP_SYN))
			r->st.flows_midstream++;
	} else {
		f->state = FLOW_IGNORED;
		r->st.flows_ignored++;
	}
	return f;
}

/*
 * A SYN that starts a new connection on F's tuple rather than repeating
 * F's: F ended, its end sent another ISN, or F started mid-stream. A first
 * SYN from the other end of a flow that began at a SYN is a simultaneous
 * open (RFC 9293 3.5), the same connection.
 */
static bool flow_reused(const struct reasm_flow *f, const struct packet *p)
{
	const struct reasm_dir *d = &f->dir[p->from & 1], *o = &f->dir[!(p->from & 1)];

	if ((p->tcp_flags & (TCP_SYN | TCP_ACK)) != TCP_SYN)
		return false;
	if (f->state == FLOW_ENDED)
		return true;
	return d->syn ? d->isn != p->seq : !o->syn;
}

/* Where each end's stream starts, from the SYNs and the first segments. */
static void flow_start(struct reasm_flow *f, const struct packet *p)
{
	struct reasm_dir *d = &f->dir[p->from & 1], *o = &f->dir[!(p->from & 1)];

	if (p->tcp_flags & TCP_SYN) {
		if (!d->started) {
			d->started = d->syn = true;
			d->isn = p->seq;
			d->next = d->hi = p->seq + 1;
		}
		/* the SYN-ACK acknowledges the SYN the capture may have missed */
		if ((p->tcp_flags & TCP_ACK) && !o->started) {
			o->started = o->syn = true;
			o->isn = p->ack - 1;
			o->next = o->hi = p->ack;
		}
	} else if (!d->started && (p->payload_len || p->payload_cut || (p->tcp_flags & TCP_FIN))) {
		d->started = true;
		d->next = d->hi = p->seq;
	}
}

/* An ignored flow follows only its ends: RST, both FINs. */
static void flow_ignored(struct reasm_flow *f, const struct packet *p)
{
	if (p->tcp_flags & TCP_RST)
		f->state = FLOW_ENDED;
	if (p->tcp_flags & TCP_FIN)
		f->dir[p->from & 1].fin = true;
	if (f->dir[0].fin && f->dir[1].fin)
		f->state = FLOW_ENDED;
}

static int flow_segment(struct tcp_reasm *r, struct reasm_flow *f, const struct packet *p)
{
	int end = p->from & 1, err = 0;
	struct reasm_dir *d = &f->dir[end], *o = &f->dir[!end];
	uint32_t seq = p->seq + !!(p->tcp_flags & TCP_SYN);

	if (p->tcp_flags & TCP_RST) {
		flow_end(r, f, TCP_CLOSE_RST);
		return 0;
	}
	if (d->started && (p->payload_len || p->payload_cut))
		err = dir_data(r, f, end, seq, p->payload, p->payload_len, p->payload_cut,
			       p->ts_ns);
	if ((p->tcp_flags & TCP_FIN) && d->started)
		dir_fin(r, d, seq + p->payload_len + p->payload_cut);
	/* The other end got bytes of ours up to the ACK: those not captured are gaps. */
	if ((p->tcp_flags & TCP_ACK) && o->started && !o->done && seq_lt(o->next, p->ack))
		dir_gap_to(r, f, !end, p->ack);
	if (d->fin && o->fin) {
		dir_gap_to(r, f, 0, f->dir[0].fin_seq + 1);
		dir_gap_to(r, f, 1, f->dir[1].fin_seq + 1);
		flow_end(r, f, TCP_CLOSE_FIN);
	}
	return err;
}

int tcp_reasm__packet(struct tcp_reasm *r, const struct packet *p)
{
	uint64_t key;
	struct reasm_flow *f;

	if (!p->tcp) {
		r->st.not_tcp++;
		return 0;
	}
	r->st.segments++;
	key = hashset_key(&p->tuple, sizeof(p->tuple));
	f = flow_find(r, &p->tuple, key);
	if (f && flow_reused(f, p)) {
		flow_drop(r, f, TCP_CLOSE_REUSED);
		f = NULL;
	}
	if (!f) {
		if ((p->tcp_flags & TCP_RST) ||
		    (!(p->tcp_flags & TCP_SYN) && !p->payload_len && !p->payload_cut)) {
			r->st.segments_untracked++;
			return 0;
		}
		f = flow_new(r, p, key);
		if (!f) {
			r->st.nomem++;
			return -ENOMEM;
		}
	}
	flow_touch(r, f, p->ts_ns);
	if (f->state == FLOW_ENDED) {
		r->st.segments_ended++;
		return 0;
	}
	flow_start(f, p);
	if (f->state == FLOW_IGNORED) {
		r->st.segments_ended++;
		flow_ignored(f, p);
		return 0;
	}
	return flow_segment(r, f, p);
}

void tcp_reasm__expire(struct tcp_reasm *r, uint64_t now_ns)
{
	struct reasm_flow *f;

	while ((f = lru_entry(r->lru.oldest, struct reasm_flow, lru)) &&
	       f->last_ns + TCP_REASM_IDLE_NS < now_ns)
		flow_drop(r, f, TCP_CLOSE_IDLE);
}

struct tcp_reasm *tcp_reasm__new(const struct tcp_reasm_ops *ops, void *ctx)
{
	struct tcp_reasm *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->ops = *ops;
	r->ctx = ctx;
	return r;
}

void tcp_reasm__free(struct tcp_reasm *r)
{
	struct reasm_flow *f;

	if (!r)
		return;
	while ((f = lru_entry(r->lru.oldest, struct reasm_flow, lru)))
		flow_drop(r, f, TCP_CLOSE_END);
	hashmap_free(&r->map);
	free(r);
}

const struct tcp_reasm_stats *tcp_reasm__stats(const struct tcp_reasm *r)
{
	return &r->st;
}
