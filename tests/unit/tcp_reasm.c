// SPDX-License-Identifier: GPL-2.0
/*
 * TCP reassembly (source/tcp_reasm.c) on segments built by hand: in order,
 * every order of a few segments, duplicates and overlaps of each kind,
 * sequence wrap, the holes that become gaps (ACK, bound, FIN, RST, snaplen),
 * mid-stream starts, keep-alives, port reuse, idle expiry, eviction, and a
 * long random stream; a real capture of a connection on lo
 * (tests/unit/tcp_reasm_pcap.py made tcp_reasm.pcap) whole, cut by a
 * snaplen, with frames lost and with frames swapped; then the speed on
 * one core (printed, not asserted).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <openssl/sha.h>
#include <pcap/pcap.h>
#include "source/tcp_reasm.h"
#include "unit.h"

/* What the callbacks saw, for one flow at a time. */
struct rec {
	uint8_t *buf[2];
	size_t len[2], cap[2];
	uint64_t gap[2];
	char log[8192];
	int opens, closes;
	bool syn_seen, ignore, count_only;
	enum tcp_close_reason why;
	int token;
};

static void logf_(struct rec *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(struct rec *c, const char *fmt, ...)
{
	size_t n = strlen(c->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->log + n, sizeof(c->log) - n, fmt, ap);
	va_end(ap);
}

static void *on_open(void *ctx, const struct packet_tuple *t, bool syn_seen, uint64_t ts_ns)
{
	struct rec *c = ctx;

	(void)t, (void)ts_ns;
	c->opens++;
	c->syn_seen = syn_seen;
	if (!c->count_only)
		logf_(c, "open%s ", syn_seen ? "" : "(mid)");
	return c->ignore ? NULL : &c->token;
}

static void on_data(void *ctx, void *flow, int end, const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct rec *c = ctx;

	(void)ts_ns;
	CHECK(flow == &c->token);
	CHECK(len > 0);
	if (c->len[end] + len > c->cap[end]) {
		c->cap[end] = (c->len[end] + len) * 2;
		c->buf[end] = realloc(c->buf[end], c->cap[end]);
		if (!c->buf[end])
			abort();
	}
	memcpy(c->buf[end] + c->len[end], data, len);
	c->len[end] += len;
	if (!c->count_only)
		logf_(c, "d%d:%zu ", end, len);
}

static void on_gap(void *ctx, void *flow, int end, uint64_t len)
{
	struct rec *c = ctx;

	CHECK(flow == &c->token);
	CHECK(len > 0);
	c->gap[end] += len;
	if (!c->count_only)
		logf_(c, "g%d:%llu ", end, (unsigned long long)len);
}

static const char *why_names[] = { "fin", "rst", "idle", "evicted", "end", "reused" };

static void on_close(void *ctx, void *flow, enum tcp_close_reason why)
{
	struct rec *c = ctx;

	CHECK(flow == &c->token);
	c->closes++;
	c->why = why;
	if (!c->count_only)
		logf_(c, "close(%s) ", why_names[why]);
}

static const struct tcp_reasm_ops ops = { on_open, on_data, on_gap, on_close };

static void rec_reset(struct rec *c)
{
	free(c->buf[0]);
	free(c->buf[1]);
	memset(c, 0, sizeof(*c));
}

/* Client 10.0.0.1:40000 is the tuple's end 0, server 10.0.0.2:443 end 1. */
static struct packet_tuple tuple_n(uint16_t port)
{
	struct packet_tuple t;
	uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	packet_tuple_make(&t, AF_INET, a, port, b, 443);
	return t;
}

static uint64_t now_ns = 1000000000ULL;

static struct packet seg_on(struct packet_tuple t, int from, uint8_t flags, uint32_t seq,
			    uint32_t ack, const uint8_t *payload, uint32_t len)
{
	struct packet p;

	memset(&p, 0, sizeof(p));
	p.ts_ns = now_ns++;
	p.tuple = t;
	p.tcp = true;
	p.from = from;
	p.tcp_flags = flags;
	p.seq = seq;
	p.ack = ack;
	p.payload = payload;
	p.payload_len = len;
	return p;
}

static struct packet seg(int from, uint8_t flags, uint32_t seq, uint32_t ack,
			 const uint8_t *payload, uint32_t len)
{
	return seg_on(tuple_n(40000), from, flags, seq, ack, payload, len);
}

static void feed(struct tcp_reasm *r, struct packet p)
{
	CHECK(tcp_reasm__packet(r, &p) == 0);
}

static uint8_t S[2][1 << 16];	/* each end's stream */

static void fill_streams(void)
{
	uint32_t x = 12345;

	for (int e = 0; e < 2; e++)
		for (size_t i = 0; i < sizeof(S[e]); i++) {
			x = x * 1103515245 + 12345;
			S[e][i] = x >> 16;
		}
}

#define CISN 1000u
#define SISN 5000u
#define A (TCP_ACK)

/* A handshake: client ISN CISN, server SISN; data then starts at ISN + 1. */
static void handshake(struct tcp_reasm *r)
{
	feed(r, seg(0, TCP_SYN, CISN, 0, NULL, 0));
	feed(r, seg(1, TCP_SYN | A, SISN, CISN + 1, NULL, 0));
	feed(r, seg(0, A, CISN + 1, SISN + 1, NULL, 0));
}

/* Client bytes [OFF, OFF + LEN) of its stream; ACK of the server's start. */
static struct packet cdata(uint32_t off, uint32_t len)
{
	return seg(0, A, CISN + 1 + off, SISN + 1, S[0] + off, len);
}

static struct packet sdata(uint32_t off, uint32_t len)
{
	return seg(1, A, SISN + 1 + off, CISN + 1, S[1] + off, len);
}

static bool got(const struct rec *c, int end, size_t off, size_t len)
{
	return c->len[end] == len && (!len || !memcmp(c->buf[end], S[end] + off, len));
}

static void test_in_order(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);

	handshake(r);
	feed(r, cdata(0, 100));
	feed(r, sdata(0, 300));
	feed(r, cdata(100, 50));
	feed(r, seg(1, A, SISN + 301, CISN + 151, NULL, 0));
	feed(r, seg(0, A | TCP_FIN, CISN + 151, SISN + 301, S[0] + 150, 10));
	feed(r, seg(1, A | TCP_FIN, SISN + 301, CISN + 162, NULL, 0));
	feed(r, seg(0, A, CISN + 162, SISN + 302, NULL, 0));	/* the last ACK: to the tombstone */
	CHECK_STR(c.log, "open d0:100 d1:300 d0:50 d0:10 close(fin) ");
	CHECK(c.syn_seen);
	CHECK(got(&c, 0, 0, 160) && got(&c, 1, 0, 300));
	CHECK(st->segments == 10 && st->flows == 1 && st->bytes_delivered == 460);
	CHECK(st->bytes_duplicate == 0 && st->bytes_gap == 0 && st->gaps == 0);
	CHECK(st->segments_ended == 1 && st->flows_active == 0 && st->held_bytes == 0);
	CHECK(st->flows_midstream == 0);
	tcp_reasm__free(r);
	CHECK(c.closes == 1);
	rec_reset(&c);
}

/* Every order of five client segments of different sizes. */
static void test_permutations(void)
{
	static const uint32_t off[6] = { 0, 7, 100, 101, 1600, 1700 };
	int idx[5] = { 0, 1, 2, 3, 4 }, n = 0;

	for (;;) {
		struct rec c = { 0 };
		struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
		const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
		int i, j, k;

		handshake(r);
		for (i = 0; i < 5; i++)
			feed(r, cdata(off[idx[i]], off[idx[i] + 1] - off[idx[i]]));
		CHECK(got(&c, 0, 0, 1700));
		CHECK(st->bytes_delivered == 1700 && st->bytes_duplicate == 0 && st->gaps == 0);
		CHECK(st->held_bytes == 0);
		tcp_reasm__free(r);
		CHECK(c.closes == 1 && c.why == TCP_CLOSE_END);
		rec_reset(&c);
		n++;
		/* next permutation (lexicographic) */
		for (i = 3; i >= 0 && idx[i] > idx[i + 1]; i--)
			;
		if (i < 0)
			break;
		for (j = 4; idx[j] < idx[i]; j--)
			;
		k = idx[i], idx[i] = idx[j], idx[j] = k;
		for (j = i + 1, k = 4; j < k; j++, k--) {
			int t = idx[j];

			idx[j] = idx[k], idx[k] = t;
		}
	}
	CHECK(n == 120);
}

/* A held [100, 200) and [300, 400), then one more segment: the bytes out, the duplicates. */
static void overlap_case(uint32_t off, uint32_t len, uint64_t dup, size_t delivered)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);

	handshake(r);
	feed(r, cdata(100, 100));
	feed(r, cdata(300, 100));
	feed(r, cdata(off, len));
	if (st->bytes_duplicate != dup || c.len[0] != delivered)
		printf("overlap [%u, %u): dup %llu delivered %zu\n", off, off + len,
		       (unsigned long long)st->bytes_duplicate, c.len[0]);
	CHECK(st->bytes_duplicate == dup);
	CHECK(got(&c, 0, 0, delivered));
	/* then everything: the stream whole, each byte once */
	feed(r, cdata(0, 500));
	CHECK(got(&c, 0, 0, 500));
	CHECK(st->bytes_delivered == 500 && st->held_bytes == 0 && st->gaps == 0);
	/* all that was fed but the 500 bytes delivered */
	CHECK(st->bytes_duplicate == 200 + len);
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_overlaps(void)
{
	overlap_case(100, 100, 100, 0);		/* the held one again */
	overlap_case(120, 30, 30, 0);		/* inside it */
	overlap_case(50, 100, 50, 0);		/* covers its start */
	overlap_case(150, 100, 50, 0);		/* extends past its end */
	overlap_case(50, 400, 200, 0);		/* spans both */
	overlap_case(0, 150, 50, 200);		/* in order, into the held one */
	overlap_case(0, 350, 150, 400);		/* in order, past both starts */
	overlap_case(200, 100, 0, 0);		/* exactly between */
	overlap_case(400, 50, 0, 0);		/* right after */
}

/* Exact duplicate accounting: everything fed minus what was delivered. */
static void test_duplicates(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);

	handshake(r);
	feed(r, cdata(0, 100));
	feed(r, cdata(0, 100));		/* retransmit */
	feed(r, cdata(50, 100));	/* half old */
	feed(r, cdata(300, 50));	/* held */
	feed(r, cdata(250, 150));	/* covers the held one's start, extends past it */
	feed(r, cdata(100, 200));	/* fills the hole, into held bytes */
	CHECK(got(&c, 0, 0, 400));
	CHECK(st->bytes_delivered == 400);
	CHECK(st->bytes_duplicate == 100 + 50 + 50 + 50 + 50);
	CHECK(st->held_bytes == 0 && st->gaps == 0 && st->segments_ooo == 2);
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_wrap(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	uint32_t isn = 0xffffffc0u;

	feed(r, seg(0, TCP_SYN, isn, 0, NULL, 0));
	feed(r, seg(1, TCP_SYN | A, SISN, isn + 1, NULL, 0));
	feed(r, seg(0, A, isn + 1 + 100, SISN + 1, S[0] + 100, 100));	/* past 2^32, held */
	feed(r, seg(0, A, isn + 1 + 40, SISN + 1, S[0] + 40, 80));	/* across 2^32, held */
	feed(r, seg(0, A, isn + 1, SISN + 1, S[0], 50));
	CHECK(got(&c, 0, 0, 200));
	CHECK(st->bytes_duplicate == 10 + 20 && st->gaps == 0);
	feed(r, seg(0, A, isn + 1, SISN + 1, S[0], 200));	/* all old, across the wrap */
	CHECK(st->bytes_duplicate == 230 && c.len[0] == 200);
	/* an ACK across the wrap beyond the data: a gap */
	feed(r, seg(1, A, SISN + 1, isn + 1 + 250, NULL, 0));
	CHECK(c.gap[0] == 50);
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_hole_retransmit(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);

	handshake(r);
	feed(r, cdata(0, 10));
	feed(r, cdata(20, 10));
	feed(r, seg(1, A, SISN + 1, CISN + 1 + 10, NULL, 0));	/* an ACK up to the hole: no gap */
	feed(r, cdata(10, 10));
	CHECK_STR(c.log, "open d0:10 d0:10 d0:10 ");
	CHECK(got(&c, 0, 0, 30));
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_gap_ack(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);

	handshake(r);
	feed(r, cdata(0, 10));
	feed(r, cdata(20, 10));
	feed(r, cdata(40, 10));
	/* data, and the ACK beyond both holes */
	feed(r, seg(1, A, SISN + 1, CISN + 1 + 50, S[1], 5));
	CHECK_STR(c.log, "open d0:10 d1:5 g0:10 d0:10 g0:10 d0:10 ");
	CHECK(st->bytes_gap == 20 && st->gaps == 2 && st->held_bytes == 0);
	feed(r, cdata(10, 10));		/* a late retransmit into the gap: old */
	CHECK(st->bytes_duplicate == 10 && c.len[0] == 30);
	feed(r, cdata(50, 10));
	CHECK(c.len[0] == 40 && !memcmp(c.buf[0] + 30, S[0] + 50, 10));
	tcp_reasm__free(r);
	rec_reset(&c);
}

/* The per-direction bound: a 1-byte hole and 4 MiB and more held behind it. */
static void test_gap_bound(void)
{
	static uint8_t big[65536];
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	uint32_t n = TCP_REASM_HOLD_DIR / sizeof(big) + 2, i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = i * 7;
	c.count_only = true;
	handshake(r);
	for (i = 0; i < n; i++)
		feed(r, seg(0, A, CISN + 2 + i * sizeof(big), SISN + 1, big, sizeof(big)));
	/* the segment that would pass 4 MiB made the hole a gap: all delivered */
	CHECK(st->hold_overflows == 1 && st->bytes_gap == 1 && c.gap[0] == 1);
	CHECK(c.len[0] == n * sizeof(big) && st->held_bytes == 0);
	CHECK(st->segments_ooo == n - 2);
	for (i = 0; i < n; i++)
		CHECK(!memcmp(c.buf[0] + i * sizeof(big), big, sizeof(big)));
	tcp_reasm__free(r);
	rec_reset(&c);
}

/* The segment-count bound: 4096 pieces held, the next one gives up the hole. */
static void test_gap_bound_segs(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	uint32_t i;

	c.count_only = true;
	handshake(r);
	/* one byte of every other: 4097 holes */
	for (i = 0; i <= TCP_REASM_HOLD_SEGS; i++)
		feed(r, cdata(2 * i + 1, 1));
	CHECK(st->hold_overflows == 1);
	/* every hole up to the last segment a gap, the last one in order */
	CHECK(st->held_bytes == 0 && st->segments_ooo == TCP_REASM_HOLD_SEGS);
	CHECK(c.len[0] == TCP_REASM_HOLD_SEGS + 1 && c.gap[0] == TCP_REASM_HOLD_SEGS + 1);
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_gap_fin(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);

	handshake(r);
	feed(r, cdata(0, 10));
	feed(r, cdata(20, 10));
	feed(r, seg(0, A | TCP_FIN, CISN + 1 + 30, SISN + 1, NULL, 0));
	/* the ACK reaches the hole only */
	feed(r, seg(1, A | TCP_FIN, SISN + 1, CISN + 1 + 10, NULL, 0));
	CHECK_STR(c.log, "open d0:10 g0:10 d0:10 close(fin) ");
	/* data after the end: the tombstone takes it */
	feed(r, cdata(10, 10));
	CHECK(tcp_reasm__stats(r)->segments_ended == 1);
	tcp_reasm__free(r);
	CHECK(c.closes == 1);
	rec_reset(&c);
}

static void test_gap_rst(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);

	handshake(r);
	feed(r, cdata(0, 10));
	feed(r, cdata(20, 10));
	feed(r, sdata(5, 5));
	feed(r, seg(1, TCP_RST, SISN + 11, 0, NULL, 0));
	CHECK_STR(c.log, "open d0:10 g0:10 d0:10 g1:5 d1:5 close(rst) ");
	feed(r, cdata(30, 10));
	CHECK(c.closes == 1 && c.len[0] == 20);
	tcp_reasm__free(r);
	CHECK(c.closes == 1);
	rec_reset(&c);
}

static void test_payload_cut(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	struct packet p;

	handshake(r);
	p = cdata(0, 100);
	p.payload_cut = 50;
	feed(r, p);
	feed(r, cdata(150, 20));
	/* a held segment cut short: its cut part stays a hole until the next one */
	p = cdata(200, 10);
	p.payload_cut = 20;
	feed(r, p);
	feed(r, cdata(230, 10));
	feed(r, cdata(170, 30));
	CHECK_STR(c.log, "open d0:100 g0:50 d0:20 d0:30 d0:10 ");
	feed(r, seg(1, A, SISN + 1, CISN + 1 + 240, NULL, 0));
	CHECK_STR(c.log, "open d0:100 g0:50 d0:20 d0:30 d0:10 g0:20 d0:10 ");
	CHECK(st->bytes_gap == 70 && st->bytes_delivered == 170);
	/* a held segment cut short, then RST: its cut part is a gap too */
	p = cdata(250, 10);
	p.payload_cut = 40;
	feed(r, p);
	feed(r, seg(0, TCP_RST, CISN + 1 + 300, 0, NULL, 0));
	CHECK_STR(c.log, "open d0:100 g0:50 d0:20 d0:30 d0:10 g0:20 d0:10 g0:10 d0:10 g0:40 "
			 "close(rst) ");
	CHECK(st->bytes_gap == 120 && st->held_bytes == 0);
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_midstream(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	uint32_t cs = 777777, ss = 0x7ffffff0;
	uint8_t junk = 0xee;

	/* a bare ACK opens nothing */
	feed(r, seg(1, A, ss, cs, NULL, 0));
	CHECK(st->segments_untracked == 1 && c.opens == 0);
	feed(r, seg(0, A, cs, ss, S[0], 100));
	CHECK(c.opens == 1 && !c.syn_seen && st->flows_midstream == 1);
	/* the server's zero-length keep-alive (1 below) does not start its stream */
	feed(r, seg(1, A, ss - 1, cs + 100, NULL, 0));
	feed(r, seg(1, A, ss, cs + 100, S[1], 50));
	/* keep-alives: zero-length and with one byte of junk, below the next byte */
	feed(r, seg(0, A, cs + 99, ss + 50, NULL, 0));
	feed(r, seg(0, A, cs + 99, ss + 50, &junk, 1));
	/* a zero-window probe of one new byte, then the segment it starts */
	feed(r, seg(0, A, cs + 100, ss + 50, S[0] + 100, 1));
	feed(r, seg(0, A, cs + 100, ss + 50, S[0] + 100, 60));
	feed(r, seg(1, A, ss + 50, cs + 160, NULL, 0));
	CHECK_STR(c.log, "open(mid) d0:100 d1:50 d0:1 d0:59 ");
	CHECK(got(&c, 0, 0, 160) && got(&c, 1, 0, 50));
	CHECK(st->bytes_duplicate == 2 && st->gaps == 0);
	tcp_reasm__free(r);
	rec_reset(&c);
}

/* A SYN-ACK without its SYN: the client's stream starts at its ACK. */
static void test_synack_only(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);

	feed(r, seg(1, TCP_SYN | A, SISN, CISN + 1, NULL, 0));
	feed(r, cdata(10, 10));
	feed(r, cdata(0, 10));
	CHECK(c.syn_seen && got(&c, 0, 0, 20));
	tcp_reasm__free(r);
	rec_reset(&c);
}

/* Both ends' SYNs crossing (RFC 9293 3.5): one connection. */
static void test_simultaneous_open(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);

	feed(r, seg(0, TCP_SYN, CISN, 0, NULL, 0));
	feed(r, seg(1, TCP_SYN, SISN, 0, NULL, 0));
	feed(r, seg(0, TCP_SYN | A, CISN, SISN + 1, NULL, 0));
	feed(r, seg(1, TCP_SYN | A, SISN, CISN + 1, NULL, 0));
	feed(r, cdata(0, 10));
	feed(r, sdata(0, 20));
	CHECK_STR(c.log, "open d0:10 d1:20 ");
	CHECK(got(&c, 0, 0, 10) && got(&c, 1, 0, 20));
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_port_reuse(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);

	handshake(r);
	feed(r, seg(0, TCP_SYN, CISN, 0, NULL, 0));	/* the SYN again: the same flow */
	feed(r, cdata(0, 10));
	feed(r, seg(0, A | TCP_FIN, CISN + 11, SISN + 1, NULL, 0));
	feed(r, seg(1, A | TCP_FIN, SISN + 1, CISN + 12, NULL, 0));
	feed(r, seg(0, A, CISN + 12, SISN + 2, NULL, 0));
	CHECK(c.opens == 1 && c.closes == 1 && c.why == TCP_CLOSE_FIN);
	/* a new connection on the same ports */
	feed(r, seg(0, TCP_SYN, 90000, 0, NULL, 0));
	feed(r, seg(0, TCP_SYN, 90000, 0, NULL, 0));	/* its retransmit */
	feed(r, seg(1, TCP_SYN | A, 70000, 90001, NULL, 0));
	feed(r, seg(0, A, 90001, 70001, S[0] + 10, 10));
	CHECK(c.opens == 2 && c.closes == 1);
	/* and another one while that is open: that one ends */
	feed(r, seg(0, TCP_SYN, 123, 0, NULL, 0));
	feed(r, seg(0, A, 124, 0, S[0] + 20, 10));
	CHECK_STR(c.log, "open d0:10 close(fin) open d0:10 close(reused) open d0:10 ");
	CHECK(got(&c, 0, 0, 30));
	CHECK(st->flows == 3 && st->flows_active == 1);
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_idle(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	uint64_t t0;

	handshake(r);
	feed(r, cdata(0, 10));
	feed(r, cdata(20, 10));
	t0 = now_ns;
	tcp_reasm__expire(r, t0 + TCP_REASM_IDLE_NS - 10);
	CHECK(c.closes == 0);
	tcp_reasm__expire(r, t0 + TCP_REASM_IDLE_NS + 1);
	CHECK_STR(c.log, "open d0:10 g0:10 d0:10 close(idle) ");
	CHECK(tcp_reasm__stats(r)->flows_active == 0);
	/* gone from the table: data opens a new (mid-stream) flow */
	feed(r, cdata(30, 10));
	CHECK(c.opens == 2 && !c.syn_seen);
	tcp_reasm__free(r);
	rec_reset(&c);
}

static void test_evict(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	uint32_t i;

	handshake(r);
	feed(r, cdata(0, 10));
	feed(r, cdata(20, 10));
	c.count_only = true;
	for (i = 1; i < TCP_REASM_MAX_FLOWS; i++) {
		struct packet_tuple t;
		uint8_t a[4] = { 10, 1, i >> 8, i & 255 }, b[4] = { 10, 0, 0, 2 };

		packet_tuple_make(&t, AF_INET, a, 1000, b, 443);
		feed(r, seg_on(t, 0, TCP_SYN, 1, 0, NULL, 0));
	}
	CHECK(c.closes == 0 && st->flows == TCP_REASM_MAX_FLOWS);
	c.count_only = false;
	c.log[0] = 0;
	feed(r, seg_on(tuple_n(1), 0, TCP_SYN, 1, 0, NULL, 0));
	CHECK_STR(c.log, "g0:10 d0:10 close(evicted) open ");
	CHECK(st->flows_evicted == 1 && st->flows_active == TCP_REASM_MAX_FLOWS);
	CHECK(st->held_bytes == 0 && c.len[0] == 20);
	c.count_only = true;
	tcp_reasm__free(r);
	CHECK(c.closes == TCP_REASM_MAX_FLOWS + 1);
	rec_reset(&c);
}

static void test_ignored(void)
{
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);

	c.ignore = true;
	handshake(r);
	feed(r, cdata(0, 10));
	feed(r, seg(0, TCP_RST, CISN + 11, 0, NULL, 0));
	CHECK(c.opens == 1 && c.len[0] == 0 && c.closes == 0);
	CHECK(st->flows == 0 && st->flows_ignored == 1 && st->segments_ended == 5);
	c.ignore = false;
	feed(r, seg(0, TCP_SYN, 4242, 0, NULL, 0));
	feed(r, seg(0, A, 4243, 0, S[0], 10));
	CHECK(c.opens == 2 && got(&c, 0, 0, 10));
	tcp_reasm__free(r);
	CHECK(c.closes == 1);
	rec_reset(&c);
}

static uint32_t rnd_state = 1;

static uint32_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

struct piece {
	int end;
	uint32_t off, len;
};

/* 1 MiB each way, cut into random segments, shuffled within a window, random duplicates. */
static void test_random(void)
{
	enum { N = 1 << 20 };
	uint8_t *stream[2];
	struct piece *pc = calloc(4 * N / 64, sizeof(*pc));
	size_t np = 0, fed = 0;
	struct rec c = { 0 };
	struct tcp_reasm *r = tcp_reasm__new(&ops, &c);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	uint32_t isn[2] = { 0xfff00000u, 0x12345678u };

	for (int e = 0; e < 2; e++) {
		stream[e] = malloc(N);
		for (size_t i = 0; i < N; i++)
			stream[e][i] = rnd();
	}
	for (int e = 0; e < 2; e++)
		for (uint32_t off = 0; off < N;) {
			uint32_t len = 1 + rnd() % 3000;

			if (off + len > N)
				len = N - off;
			pc[np++] = (struct piece){ e, off, len };
			if (rnd() % 20 == 0) {	/* a duplicate of a random older range */
				uint32_t o = rnd() % (off + len), l = 1 + rnd() % 4000;

				pc[np++] = (struct piece){ e, o, o + l > N ? N - o : l };
			}
			off += len;
		}
	/* interleave the ends, then shuffle within a window of 16 */
	for (size_t i = 0; i < np; i++) {
		size_t j = i + rnd() % 16;

		if (j < np) {
			struct piece t = pc[i];

			pc[i] = pc[j], pc[j] = t;
		}
	}
	c.count_only = true;
	feed(r, seg(0, TCP_SYN, isn[0] - 1, 0, NULL, 0));
	feed(r, seg(1, TCP_SYN | A, isn[1] - 1, isn[0], NULL, 0));
	for (size_t i = 0; i < np; i++) {
		int e = pc[i].end;

		feed(r, seg(e, 0, isn[e] + pc[i].off, 0, stream[e] + pc[i].off, pc[i].len));
		fed += pc[i].len;
	}
	CHECK(c.len[0] == N && !memcmp(c.buf[0], stream[0], N));
	CHECK(c.len[1] == N && !memcmp(c.buf[1], stream[1], N));
	CHECK(st->bytes_delivered == 2 * N && st->bytes_gap == 0 && st->gaps == 0);
	CHECK(st->bytes_duplicate == fed - 2 * N && st->held_bytes == 0);
	CHECK(st->segments == np + 2 && st->segments_ooo > 0);
	printf("random: %zu segments, %llu held out of order, %llu duplicate bytes\n", np,
	       (unsigned long long)st->segments_ooo, (unsigned long long)st->bytes_duplicate);
	tcp_reasm__free(r);
	rec_reset(&c);
	free(stream[0]);
	free(stream[1]);
	free(pc);
}

/* ---- a real capture: tests/unit/tcp_reasm.pcap ---- */

#define WIRE_PORT	4433
#define WIRE_LEN	100000

struct frame {
	struct pcap_pkthdr h;
	uint8_t *data;
};

struct wire {
	uint8_t want[2][WIRE_LEN];	/* by tuple end, once the ports are known */
	uint8_t client[WIRE_LEN], server[WIRE_LEN];
	uint64_t pos[2], gap[2];
	int bad, opens, closes, token;
	enum tcp_close_reason why;
};

/* What tcp_reasm_pcap.py sent: SHA-256("tcp_reasm" END counter) blocks. */
static void wire_stream(uint8_t *out, char end)
{
	uint8_t in[14] = "tcp_reasm", md[32];

	for (uint32_t n = 0, off = 0; off < WIRE_LEN; n++, off += 32) {
		in[9] = end;
		in[10] = n >> 24, in[11] = n >> 16, in[12] = n >> 8, in[13] = n;
		SHA256(in, sizeof(in), md);
		memcpy(out + off, md, WIRE_LEN - off < 32 ? WIRE_LEN - off : 32);
	}
}

static void *wire_open(void *ctx, const struct packet_tuple *t, bool syn_seen, uint64_t ts)
{
	struct wire *w = ctx;
	int srv = t->port[0] == WIRE_PORT ? 0 : 1;

	(void)ts;
	CHECK(syn_seen);
	memcpy(w->want[srv], w->server, WIRE_LEN);
	memcpy(w->want[!srv], w->client, WIRE_LEN);
	w->opens++;
	return &w->token;
}

static void wire_data(void *ctx, void *flow, int end, const uint8_t *data, size_t len, uint64_t ts)
{
	struct wire *w = ctx;

	(void)flow, (void)ts;
	if (w->pos[end] + len > WIRE_LEN || memcmp(w->want[end] + w->pos[end], data, len))
		w->bad++;
	w->pos[end] += len;
}

static void wire_gap(void *ctx, void *flow, int end, uint64_t len)
{
	struct wire *w = ctx;

	(void)flow;
	w->pos[end] += len;
	w->gap[end] += len;
}

static void wire_close(void *ctx, void *flow, enum tcp_close_reason why)
{
	struct wire *w = ctx;

	(void)flow;
	w->closes++;
	w->why = why;
}

static const struct tcp_reasm_ops wire_ops = { wire_open, wire_data, wire_gap, wire_close };

static size_t wire_read(const char *path, struct frame *fr, size_t max, int *linktype)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(path, err);
	struct pcap_pkthdr *h;
	const u_char *d;
	size_t n = 0;

	if (!pc) {
		printf("%s: %s\n", path, err);
		return 0;
	}
	*linktype = pcap_datalink(pc);
	while (n < max && pcap_next_ex(pc, &h, &d) == 1) {
		fr[n].h = *h;
		fr[n].data = malloc(h->caplen);
		memcpy(fr[n].data, d, h->caplen);
		n++;
	}
	pcap_close(pc);
	return n;
}

enum { WIRE_WHOLE, WIRE_SNAP, WIRE_LOSE, WIRE_SWAP };

/* The capture's frames through packets__parse() and the reassembler, as MODE says. */
static void wire_run(struct wire *w, const struct frame *fr, size_t n, int linktype, int mode)
{
	struct tcp_reasm *r = tcp_reasm__new(&wire_ops, w);
	const struct tcp_reasm_stats *st = tcp_reasm__stats(r);
	uint64_t fed = 0, cut = 0, lost = 0;
	size_t order[512];

	static struct packet pk[512];

	w->pos[0] = w->pos[1] = w->gap[0] = w->gap[1] = 0;
	w->bad = w->opens = w->closes = 0;
	for (size_t i = 0; i < n; i++) {
		memset(&pk[i], 0, sizeof(pk[i]));
		pk[i].ts_ns = fr[i].h.ts.tv_sec * 1000000000ULL + fr[i].h.ts.tv_usec * 1000ULL;
		pk[i].data = fr[i].data;
		pk[i].len = mode == WIRE_SNAP && fr[i].h.caplen > 200 ? 200 : fr[i].h.caplen;
		packets__parse(linktype, &pk[i]);
		CHECK(pk[i].tcp);
		order[i] = i;
	}
	/* Two data segments in a row from one end, in the other order. (An ACK
	 * before the data it acknowledges would make that data a gap, rightly:
	 * a capture sees the data first.) */
	for (size_t i = 0; mode == WIRE_SWAP && i + 1 < n; i++)
		if (pk[i].payload_len && pk[i + 1].payload_len && pk[i].from == pk[i + 1].from) {
			order[i] = i + 1, order[i + 1] = i;
			i++;
		}
	for (size_t i = 0; i < n; i++) {
		const struct packet *p = &pk[order[i]];

		/* a data segment without FIN in every five: the capture missed it */
		if (mode == WIRE_LOSE && p->payload_len && !(p->tcp_flags & TCP_FIN) &&
		    i % 5 == 2) {
			lost += p->payload_len;
			continue;
		}
		fed += p->payload_len;
		cut += p->payload_cut;
		CHECK(tcp_reasm__packet(r, p) == 0);
	}
	CHECK(w->opens == 1 && w->closes == 1 && w->why == TCP_CLOSE_FIN);
	CHECK(!w->bad && w->pos[0] == WIRE_LEN && w->pos[1] == WIRE_LEN);
	CHECK(st->bytes_delivered + st->bytes_gap == 2 * WIRE_LEN && st->held_bytes == 0);
	CHECK(st->bytes_gap == w->gap[0] + w->gap[1]);
	switch (mode) {
	case WIRE_WHOLE:
	case WIRE_SWAP:
		CHECK(st->bytes_gap == 0 && st->bytes_duplicate == 0 && fed == 2 * WIRE_LEN);
		CHECK(mode == WIRE_WHOLE ? st->segments_ooo == 0 : st->segments_ooo > 0);
		break;
	case WIRE_SNAP:
		CHECK(cut > 0 && st->bytes_gap == cut && st->bytes_delivered == fed);
		break;
	case WIRE_LOSE:
		CHECK(lost > 0 && st->bytes_gap == lost && st->bytes_delivered == fed);
		break;
	}
	printf("wire mode %d: %zu frames, %llu delivered, %llu gap, %llu held out of order\n",
	       mode, n, (unsigned long long)st->bytes_delivered, (unsigned long long)st->bytes_gap,
	       (unsigned long long)st->segments_ooo);
	tcp_reasm__free(r);
	CHECK(w->closes == 1);
}

static void test_pcap(void)
{
	static struct frame fr[512];
	struct wire *w = calloc(1, sizeof(*w));
	const char *dir = getenv("TESTS_DIR");
	char path[4096];
	int linktype = 0;
	size_t n;

	snprintf(path, sizeof(path), "%s/unit/tcp_reasm.pcap", dir ? dir : "tests");
	n = wire_read(path, fr, 512, &linktype);
	CHECK(n > 20 && n < 512);
	wire_stream(w->client, 'c');
	wire_stream(w->server, 's');
	for (int mode = WIRE_WHOLE; n && mode <= WIRE_SWAP; mode++)
		wire_run(w, fr, n, linktype, mode);
	for (size_t i = 0; i < n; i++)
		free(fr[i].data);
	free(w);
}

static void count_data(void *ctx, void *flow, int end, const uint8_t *data, size_t len, uint64_t ts)
{
	(void)flow, (void)end, (void)ts;
	*(uint64_t *)ctx += len + data[0] * 0;
}

static void *count_open(void *ctx, const struct packet_tuple *t, bool syn, uint64_t ts)
{
	(void)t, (void)syn, (void)ts;
	return ctx;
}

static void count_gap(void *ctx, void *flow, int end, uint64_t len)
{
	(void)ctx, (void)flow, (void)end, (void)len;
}

static void count_close(void *ctx, void *flow, enum tcp_close_reason why)
{
	(void)ctx, (void)flow, (void)why;
}

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* MB/s on one core: in-order 64 KiB segments; 1448-byte ones with 1 % reordered. */
static void measure(uint32_t seg_len, int reorder_pct, uint64_t total)
{
	static const struct tcp_reasm_ops cops = { count_open, count_data, count_gap, count_close };
	static uint8_t buf[65536];
	uint64_t got_bytes = 0, n = total / seg_len;
	struct tcp_reasm *r = tcp_reasm__new(&cops, &got_bytes);
	struct packet p = seg(0, TCP_SYN, 0, 0, NULL, 0);
	double t0;
	uint64_t i;

	feed(r, p);
	p.tcp_flags = A;
	t0 = secs();
	for (i = 0; i < n; i++) {
		uint64_t k = i;

		/* swap segment k with k + 1 for 1 in 100 pairs */
		if (reorder_pct && i % 200 < 2 * (unsigned)reorder_pct)
			k = i % 2 ? i - 1 : i + 1 < n ? i + 1 : i;
		p.seq = 1 + k * seg_len;
		p.payload = buf;
		p.payload_len = seg_len;
		tcp_reasm__packet(r, &p);
	}
	t0 = secs() - t0;
	CHECK(got_bytes == n * seg_len);
	/* the reassembly alone: the callback reads nothing */
	printf("speed: %u-byte segments, %d%% reordered: %.0f MB/s, %.1f ns a segment\n", seg_len,
	       reorder_pct, got_bytes / t0 / 1e6, t0 * 1e9 / n);
	tcp_reasm__free(r);
}

int main(void)
{
	fill_streams();
	test_in_order();
	test_permutations();
	test_overlaps();
	test_duplicates();
	test_wrap();
	test_hole_retransmit();
	test_gap_ack();
	test_gap_bound();
	test_gap_bound_segs();
	test_gap_fin();
	test_gap_rst();
	test_payload_cut();
	test_midstream();
	test_synack_only();
	test_simultaneous_open();
	test_port_reuse();
	test_idle();
	test_evict();
	test_ignored();
	test_random();
	test_pcap();
	measure(65536, 0, 1ULL << 30);
	measure(1448, 1, 1ULL << 30);
	UNIT_DONE("tcp_reasm");
}
