// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: TCP reassembly (source/tcp_reasm.c) on any sequence of
 * segments of one connection. The input is a byte (the ISNs' high bits),
 * then records of 8 bytes: control (bit 0 the sending end, bits 1-4 SYN,
 * FIN, RST, ACK, bit 5 bytes cut by the snaplen, bits 6-7 both set: the
 * idle timeout passes first, bit 6 alone: the offset is far, times 2^15),
 * a u16 offset of the sequence number from the end's base (minus 256, so
 * some lie before it), a u16 length (12 bits), a
 * u16 ACK offset from the other end's base, the cut length. Every segment
 * carries the bytes f(seq) of one stream per end, from a copy of its own.
 *
 * Checked: each delivered byte is f() of its place in the stream (so none
 * is delivered twice or out of place), a place found from the segment the
 * bytes came from (their timestamp names it); bytes straight from a packet
 * lie in it; at close an end's stream (delivered + gaps) reaches every
 * byte it sent before its FIN; each flow gets its callbacks between open
 * and close (the state is freed at close: ASan sees a late call); the
 * stats add up; nothing is held at the end.
 */
#include "fuzz.h"
#include "source/tcp_reasm.h"
#include <sys/socket.h>

#define MAX_SEGS 4096

struct seginfo {
	uint32_t seq, len;
	const uint8_t *payload;	/* while its call runs */
};

struct end_model {
	bool pos_known, fin;
	uint32_t pos;		/* the stream's next place, when known */
	uint32_t max_end, fin_end;
	bool any;
};

struct harness {
	struct seginfo seg[MAX_SEGS];
	size_t nseg;
	int *live;		/* the open flow's state, or NULL */
	struct end_model m[2];
	/* before this segment: a SYN that reuses the tuple is not the old flow's */
	struct end_model before[2];
	uint64_t delivered, gaps, opens, closes;
};

static uint8_t f(uint32_t seq)
{
	return (seq * 2654435761u) >> 24;
}

static void *h_open(void *ctx, const struct packet_tuple *t, bool syn_seen, uint64_t ts_ns)
{
	struct harness *h = ctx;

	(void)t, (void)syn_seen, (void)ts_ns;
	FUZZ_ASSERT(!h->live);
	h->live = malloc(sizeof(int));
	if (!h->live)
		abort();
	*h->live = 1;
	memset(h->m, 0, sizeof(h->m));
	h->opens++;
	return h->live;
}

static bool matches(const uint8_t *data, size_t len, uint32_t pos)
{
	for (size_t i = 0; i < len; i++)
		if (data[i] != f(pos + i))
			return false;
	return true;
}

static void h_data(void *ctx, void *flow, int end, const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct harness *h = ctx;
	struct end_model *m = &h->m[end];
	const struct seginfo *s;

	FUZZ_ASSERT(flow == h->live && *(int *)flow == 1);
	FUZZ_ASSERT((end == 0 || end == 1) && len > 0);
	FUZZ_ASSERT(ts_ns < h->nseg);
	s = &h->seg[ts_ns];
	FUZZ_ASSERT(len <= s->len);
	if (s->payload && data >= s->payload && data < s->payload + s->len) {
		/* straight from the packet: its place is known exactly */
		uint32_t at = s->seq + (data - s->payload);

		FUZZ_ASSERT(data + len <= s->payload + s->len);
		FUZZ_ASSERT(!m->pos_known || m->pos == at);
		m->pos = at;
		m->pos_known = true;
	} else if (!m->pos_known) {
		/* a copy: its place is somewhere in that segment */
		uint32_t found = 0, n = 0;

		for (uint32_t o = 0; o + len <= s->len && n < 2; o++)
			if (matches(data, len, s->seq + o))
				found = s->seq + o, n++;
		FUZZ_ASSERT(n > 0);
		if (n == 1) {
			m->pos = found;
			m->pos_known = true;
		}
	} else {
		FUZZ_ASSERT((uint32_t)(m->pos - s->seq) <= s->len - len);
	}
	if (m->pos_known) {
		FUZZ_ASSERT(matches(data, len, m->pos));
		m->pos += len;
	}
	h->delivered += len;
}

static void h_gap(void *ctx, void *flow, int end, uint64_t len)
{
	struct harness *h = ctx;

	FUZZ_ASSERT(flow == h->live && *(int *)flow == 1);
	FUZZ_ASSERT(len > 0 && len < (1ULL << 31));
	h->m[end].pos += len;
	h->gaps += len;
}

static void h_close(void *ctx, void *flow, enum tcp_close_reason why)
{
	struct harness *h = ctx;

	FUZZ_ASSERT(flow == h->live && *(int *)flow == 1);
	FUZZ_ASSERT(why <= TCP_CLOSE_REUSED);
	/* Every byte an end sent before its FIN is delivered or a gap. */
	for (int e = 0; e < 2; e++) {
		const struct end_model *m = why == TCP_CLOSE_REUSED ? &h->before[e] : &h->m[e];
		uint32_t reach = m->max_end;

		if (m->fin && (int32_t)(m->fin_end - m->max_end) < 0)
			reach = m->fin_end;
		if (h->m[e].pos_known && m->any)
			FUZZ_ASSERT((int32_t)(h->m[e].pos - reach) >= 0);
	}
	*h->live = 0;
	free(h->live);
	h->live = NULL;
	h->closes++;
}

static const struct tcp_reasm_ops h_ops = { h_open, h_data, h_gap, h_close };

/* What the model learns of P, for the flow open when it is called. */
static void model_seg(struct harness *h, const struct packet *p)
{
	struct end_model *m = &h->m[p->from];
	uint32_t seq = p->seq + !!(p->tcp_flags & TCP_SYN);
	uint32_t end = seq + p->payload_len + p->payload_cut;

	if (!h->live || (p->tcp_flags & TCP_RST))	/* a RST's bytes are no stream's */
		return;
	if (p->payload_len + p->payload_cut) {
		if (!m->any || (int32_t)(end - m->max_end) > 0)
			m->max_end = end;
		m->any = true;
	}
	if ((p->tcp_flags & TCP_FIN) && !m->fin) {
		m->fin = true;
		m->fin_end = end;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness h;
	struct tcp_reasm *r;
	const struct tcp_reasm_stats *st;
	struct packet_tuple t;
	uint8_t a[4] = { 192, 168, 0, 1 }, b[4] = { 192, 168, 0, 2 };
	uint32_t base[2];
	uint64_t now = 0, opens;
	size_t off = 1;

	if (!size)
		return 0;
	memset(&h, 0, sizeof(h));
	/* ISNs near 2^32 or 2^31 as the first byte says: wrap and the sign */
	base[0] = (uint32_t)data[0] << 24 | 0xff0000;
	base[1] = (uint32_t)(data[0] & 0x0f) << 28 | 0xfff000;
	packet_tuple_make(&t, AF_INET, a, 50000, b, 443);
	r = tcp_reasm__new(&h_ops, &h);
	if (!r)
		abort();
	st = tcp_reasm__stats(r);
	for (; size - off >= 8 && h.nseg < MAX_SEGS; off += 8) {
		const uint8_t *d = data + off;
		int e = d[0] & 1;
		uint32_t len = (d[3] | d[4] << 8) & 0xfff;
		uint32_t seq_off = d[1] | d[2] << 8;
		struct packet p = {
			.ts_ns = h.nseg,
			.tuple = t,
			.tcp = true,
			.from = e,
			.tcp_flags = (d[0] & 2 ? TCP_SYN : 0) | (d[0] & 4 ? TCP_FIN : 0) |
				     (d[0] & 8 ? TCP_RST : 0) | (d[0] & 16 ? TCP_ACK : 0),
			.seq = base[e] + (seq_off << ((d[0] & 0xc0) == 0x40 ? 15 : 0)) - 256,
			.ack = base[!e] + (d[5] | d[6] << 8) - 256,
			.payload_len = len,
			.payload_cut = d[0] & 32 ? d[7] : 0,
		};
		uint32_t seq = p.seq + !!(p.tcp_flags & TCP_SYN);
		uint8_t *payload = malloc(len ? len : 1);

		if (!payload)
			abort();
		for (uint32_t i = 0; i < len; i++)
			payload[i] = f(seq + i);
		p.payload = payload;
		h.seg[h.nseg++] = (struct seginfo){ seq, len, payload };
		if ((d[0] & 0xc0) == 0xc0) {
			now += TCP_REASM_IDLE_NS + MAX_SEGS;
			tcp_reasm__expire(r, now);
		}
		p.ts_ns = h.nseg - 1;
		/* the segment counts for the flow open before it, and for one it opens */
		memcpy(h.before, h.m, sizeof(h.m));
		model_seg(&h, &p);
		opens = h.opens;
		FUZZ_ASSERT(tcp_reasm__packet(r, &p) == 0);
		if (h.opens != opens)
			model_seg(&h, &p);
		h.seg[h.nseg - 1].payload = NULL;
		free(payload);
		FUZZ_ASSERT(st->bytes_delivered == h.delivered && st->bytes_gap == h.gaps);
		FUZZ_ASSERT(st->held_bytes <= 2ULL * TCP_REASM_HOLD_DIR);
	}
	/* The timestamps here count segments, not time: expiry goes by NOW. */
	tcp_reasm__free(r);
	FUZZ_ASSERT(!h.live && h.opens == h.closes);
	return 0;
}
