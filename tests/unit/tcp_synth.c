// SPDX-License-Identifier: GPL-2.0
/*
 * Synthetic TCP/IP packets: every checksum against RFC 1071 summed the
 * plain way, on odd lengths and odd offsets; the handshake, segments of at
 * most TCP_SYNTH_SEG_MAX with PSH on the last, and sequence gaps.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "output/tcp_synth.h"
#include "unit.h"

#define PKT_MAX		8
#define TH_SYN		0x02
#define TH_PSH		0x08
#define TH_ACK		0x10

struct pkt {
	uint8_t *b;
	size_t len;
	uint64_t ts_ns;
	char comment[256];
};

struct seen {
	int n;
	int fail_at;		/* the sink fails on this packet (counting from 1), 0 never */
	struct pkt p[PKT_MAX];
};

static int collect(void *ctx, uint64_t ts_ns, const struct iovec *iov, int iovcnt,
		   const char *comment)
{
	struct seen *s = ctx;
	struct pkt *p;
	size_t len = 0;

	if (s->fail_at && s->n + 1 == s->fail_at)
		return -ENOSPC;
	CHECK(s->n < PKT_MAX);
	if (s->n >= PKT_MAX)
		return -E2BIG;
	p = &s->p[s->n++];
	for (int i = 0; i < iovcnt; i++)
		len += iov[i].iov_len;
	p->b = malloc(len);
	CHECK(p->b != NULL);
	if (!p->b)
		return -ENOMEM;
	p->len = 0;
	/* A handshake's payload is (NULL, 0), which memcpy() may not take. */
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(p->b + p->len, iov[i].iov_base, iov[i].iov_len);
		p->len += iov[i].iov_len;
	}
	p->ts_ns = ts_ns;
	snprintf(p->comment, sizeof(p->comment), "%s", comment ? comment : "");
	return 0;
}

static void seen_reset(struct seen *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->p[i].b);
	s->n = 0;
	s->fail_at = 0;
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

/* RFC 1071 section 4.1, one big-endian word at a time, an odd last byte padded with zero. */
static uint32_t ref_sum(uint32_t sum, const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i += 2) {
		sum += (uint32_t)d[i] << 8 | (i + 1 < n ? d[i + 1] : 0);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
	}
	return sum;
}

/* The checksum at OFF of the N bytes at D, as RFC 1071 computes it: the field zero. */
static uint16_t ref_csum(uint32_t sum, const uint8_t *d, size_t n, size_t off)
{
	uint8_t zero[2] = { 0, 0 };

	sum = ref_sum(sum, d, off);
	sum = ref_sum(sum, zero, 2);
	sum = ref_sum(sum, d + off + 2, n - off - 2);
	return ~sum & 0xffff;
}

struct tcp_view {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	const uint8_t *data;
	size_t len;
};

/*
 * Checks the IP header and both checksums of P from the end FROM_LOCAL
 * of T; returns its TCP fields.
 */
static struct tcp_view check_packet(const struct tcp_stream *t, bool from_local,
				    const struct pkt *p)
{
	const uint8_t *src = from_local ? t->laddr : t->raddr;
	const uint8_t *dst = from_local ? t->raddr : t->laddr;
	struct tcp_view v = { 0 };
	size_t ilen, tlen;
	uint8_t pseudo[40];
	const uint8_t *tcp;
	uint32_t psum;

	if (t->family == AF_INET6) {
		ilen = 40;
		CHECK(p->len >= ilen + 20);
		CHECK(p->b[0] == 0x60 && p->b[6] == IPPROTO_TCP && p->b[7] == 64);
		CHECK(get16(p->b + 4) == p->len - ilen);
		CHECK(!memcmp(p->b + 8, src, 16) && !memcmp(p->b + 24, dst, 16));
		/* RFC 8200 section 8.1: addresses, 32-bit length, 3 zero bytes, next header. */
		memcpy(pseudo, src, 16);
		memcpy(pseudo + 16, dst, 16);
		memset(pseudo + 32, 0, 8);
		pseudo[34] = (p->len - ilen) >> 8;
		pseudo[35] = p->len - ilen;
		pseudo[39] = IPPROTO_TCP;
		psum = ref_sum(0, pseudo, 40);
	} else {
		ilen = 20;
		CHECK(p->len >= ilen + 20);
		CHECK(p->b[0] == 0x45 && p->b[8] == 64 && p->b[9] == IPPROTO_TCP);
		CHECK(get16(p->b + 2) == p->len);
		CHECK(get16(p->b + 6) == 0x4000);
		CHECK(!memcmp(p->b + 12, src, 4) && !memcmp(p->b + 16, dst, 4));
		CHECK(get16(p->b + 10) == ref_csum(0, p->b, ilen, 10));
		CHECK(ref_sum(0, p->b, ilen) == 0xffff);
		/* RFC 793 section 3.1: addresses, zero, protocol, TCP length. */
		memcpy(pseudo, src, 4);
		memcpy(pseudo + 4, dst, 4);
		pseudo[8] = 0;
		pseudo[9] = IPPROTO_TCP;
		pseudo[10] = (p->len - ilen) >> 8;
		pseudo[11] = p->len - ilen;
		psum = ref_sum(0, pseudo, 12);
	}
	tcp = p->b + ilen;
	tlen = (tcp[12] >> 4) * 4;
	CHECK(tlen >= 20 && ilen + tlen <= p->len);
	CHECK(get16(tcp + 16) == ref_csum(psum, tcp, p->len - ilen, 16));
	v.sport = get16(tcp);
	v.dport = get16(tcp + 2);
	v.seq = get32(tcp + 4);
	v.ack = get32(tcp + 8);
	v.flags = tcp[13];
	v.data = tcp + tlen;
	v.len = p->len - ilen - tlen;
	CHECK(v.sport == (from_local ? t->lport : t->rport));
	CHECK(v.dport == (from_local ? t->rport : t->lport));
	CHECK(get16(tcp + 14) == 0xffff);
	return v;
}

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void stream_init(struct tcp_stream *t, uint16_t family)
{
	memset(t, 0, sizeof(*t));
	t->family = family;
	for (int i = 0; i < 16; i++) {
		/* 0xff bytes make the most carries. */
		t->laddr[i] = family == AF_INET6 ? 0xff - i : (i < 4 ? 0xff : 0);
		t->raddr[i] = family == AF_INET6 ? 0xf0 + i : (i < 4 ? 0xfe - i : 0);
	}
	t->lport = 0xfffe;
	t->rport = 443;
	t->lseq = 0xfffffff0;
	t->rseq = 0x12345678;
}

static void check_handshake(uint16_t family)
{
	struct seen seen = { 0 };
	struct tcp_sink sink = { collect, &seen };
	struct tcp_stream t;
	struct tcp_view v[3];
	uint32_t lisn, risn;

	stream_init(&t, family);
	lisn = t.lseq;
	risn = t.rseq;
	CHECK(tcp_synth_handshake(&t, &sink, 77, "pid 1") == 0);
	CHECK(seen.n == 3);
	if (seen.n != 3)
		goto out;
	v[0] = check_packet(&t, true, &seen.p[0]);
	v[1] = check_packet(&t, false, &seen.p[1]);
	v[2] = check_packet(&t, true, &seen.p[2]);
	CHECK(v[0].flags == TH_SYN && v[0].seq == lisn && v[0].len == 0);
	CHECK(v[1].flags == (TH_SYN | TH_ACK) && v[1].seq == risn && v[1].ack == lisn + 1);
	CHECK(v[2].flags == TH_ACK && v[2].seq == lisn + 1 && v[2].ack == risn + 1);
	/* NOP, window scale 14, on the SYNs only. */
	CHECK(v[0].data - seen.p[0].b == (family == AF_INET6 ? 40 : 20) + 24);
	CHECK(!memcmp(v[0].data - 4, "\x01\x03\x03\x0e", 4));
	CHECK(!memcmp(v[1].data - 4, "\x01\x03\x03\x0e", 4));
	CHECK(v[2].data - seen.p[2].b == (family == AF_INET6 ? 40 : 20) + 20);
	for (int i = 0; i < 3; i++) {
		CHECK_STR(seen.p[i].comment, "made-up TCP handshake, before pid 1");
		CHECK(seen.p[i].ts_ns == 77);
		if (family == AF_INET)
			CHECK(get16(seen.p[i].b + 4) == i);
	}
	CHECK(t.lseq == lisn + 1 && t.rseq == risn + 1);
out:
	seen_reset(&seen);
}

/* One record of LEN bytes at DATA: one segment, or none when LEN is 0. */
static void check_small(struct tcp_stream *t, bool from_local, const uint8_t *data, uint32_t len,
			uint32_t gap)
{
	struct seen seen = { 0 };
	struct tcp_sink sink = { collect, &seen };
	uint32_t seq = from_local ? t->lseq : t->rseq, ack = from_local ? t->rseq : t->lseq;
	struct tcp_view v;

	CHECK(tcp_synth_data(t, &sink, from_local, data, len, gap, 5, "c") == 0);
	CHECK(seen.n == (len ? 1 : 0));
	if (seen.n == 1) {
		v = check_packet(t, from_local, &seen.p[0]);
		CHECK(v.len == len && !memcmp(v.data, data, len));
		CHECK(v.seq == seq && v.ack == ack && v.flags == (TH_ACK | TH_PSH));
		CHECK_STR(seen.p[0].comment, "c");
	}
	CHECK((from_local ? t->lseq : t->rseq) == seq + len + gap);
	CHECK((from_local ? t->rseq : t->lseq) == ack);
	seen_reset(&seen);
}

/* A record longer than a segment: N full segments and the rest. */
static void check_large(uint16_t family, const uint8_t *data, uint32_t len)
{
	uint32_t nseg = (len + TCP_SYNTH_SEG_MAX - 1) / TCP_SYNTH_SEG_MAX, seq;
	struct seen seen = { 0 };
	struct tcp_sink sink = { collect, &seen };
	struct tcp_stream t;
	char want[64];

	stream_init(&t, family);
	seq = t.rseq;
	CHECK(tcp_synth_data(&t, &sink, false, data, len, 3, 9, "big") == 0);
	CHECK(seen.n == (int)nseg);
	for (uint32_t i = 0, off = 0; i < nseg && (int)i < seen.n; i++) {
		struct tcp_view v = check_packet(&t, false, &seen.p[i]);
		uint32_t want_len = i + 1 < nseg ? TCP_SYNTH_SEG_MAX : len - off;

		CHECK(v.len == want_len && !memcmp(v.data, data + off, want_len));
		CHECK(v.seq == seq + off);
		CHECK(v.flags == (i + 1 < nseg ? TH_ACK : (TH_ACK | TH_PSH)));
		if (family == AF_INET && i + 1 < nseg)
			CHECK(get16(seen.p[i].b + 2) == 65535);
		snprintf(want, sizeof(want), "big segment %u/%u", i + 1, nseg);
		CHECK_STR(seen.p[i].comment, want);
		off += v.len;
	}
	CHECK(t.rseq == seq + len + 3);
	seen_reset(&seen);
}

/* A sink that fails stops the record: the sequence stays after the last segment written. */
static void check_sink_error(void)
{
	static uint8_t data[2 * TCP_SYNTH_SEG_MAX + 1];
	struct seen seen = { .fail_at = 2 };
	struct tcp_sink sink = { collect, &seen };
	struct tcp_stream t;
	uint32_t seq;

	stream_init(&t, AF_INET);
	seq = t.lseq;
	CHECK(tcp_synth_data(&t, &sink, true, data, sizeof(data), 7, 1, "x") == -ENOSPC);
	CHECK(seen.n == 1 && t.lseq == seq + TCP_SYNTH_SEG_MAX);
	seen_reset(&seen);
	seen.fail_at = 1;
	CHECK(tcp_synth_handshake(&t, &sink, 1, "x") == -ENOSPC);
	CHECK(seen.n == 0);
	seen_reset(&seen);
}

int main(void)
{
	static uint8_t ones[3 * TCP_SYNTH_SEG_MAX], noise[3 * TCP_SYNTH_SEG_MAX];
	static const uint16_t families[] = { AF_INET, AF_INET6 };

	memset(ones, 0xff, sizeof(ones));
	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = rnd();
	for (int f = 0; f < 2; f++) {
		struct tcp_stream t;

		check_handshake(families[f]);
		stream_init(&t, families[f]);
		/* Every length around the sum's 32-, 4- and 2-byte steps, at every alignment. */
		for (uint32_t len = 0; len <= 100; len++) {
			for (int off = 0; off < 8; off++) {
				check_small(&t, len & 1, ones + off, len, 0);
				check_small(&t, !(len & 1), noise + off + len, len, len % 3);
			}
		}
		for (int i = 0; i < 200; i++) {
			uint32_t len = rnd() % 9000, off = rnd() % 64;

			check_small(&t, rnd() & 1, (rnd() & 1 ? ones : noise) + off, len,
				    rnd() % 4 ? 0 : rnd());
		}
		check_small(&t, true, noise + 3, TCP_SYNTH_SEG_MAX, 0);
		check_large(families[f], ones + 1, 2 * TCP_SYNTH_SEG_MAX + 1);
		check_large(families[f], noise + 3, TCP_SYNTH_SEG_MAX + 1);
		check_large(families[f], noise, 3 * TCP_SYNTH_SEG_MAX);
	}
	check_sink_error();
	UNIT_DONE("tcp_synth");
}
