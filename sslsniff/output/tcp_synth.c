// SPDX-License-Identifier: GPL-2.0
/*
 * The made-up TCP/IP packets of a stream of plaintext.
 *
 * A stream opens with a made-up handshake (SYN, SYN-ACK, ACK) in which the
 * local end is always the client: which end connected is not known, and
 * one fixed rule keeps streams comparable. Each end's sequence numbers
 * count every byte its calls returned (the writer sends writes from the
 * local end, reads from the remote one). Bytes a call returned that were
 * not captured (lost to a full ring, cut by --max-bytes) still advance the
 * sequence after the record's captured bytes, so Wireshark shows the gap
 * ("previous segment not captured") where it is, and the packet comment
 * counts them. There is no FIN: the end of a connection is not seen.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "output/tcp_synth.h"

#define IPV4_HDR_LEN	20
#define IPV6_HDR_LEN	40
#define TCP_HDR_LEN	20
#define TCP_SYN_OPT_LEN	4	/* NOP, window scale */
#define SEG_MAX		TCP_SYNTH_SEG_MAX
_Static_assert(SEG_MAX == 65535 - IPV4_HDR_LEN - TCP_HDR_LEN, "IPv4 total length");
/*
 * Nothing acknowledges a large call while it is sent, so a 64 KiB window
 * would look full: scale it to 1 GiB (RFC 7323 section 2.3 allows 14).
 */
#define TCP_WSCALE	14
#define TCP_WINDOW	0xffff
#define TH_SYN		0x02
#define TH_PSH		0x08
#define TH_ACK		0x10
#define TTL_DEFAULT	64
#define COMMENT_LEN	TCP_SYNTH_COMMENT_LEN

/* One TCP segment to write. */
struct segment {
	bool from_local;
	uint8_t flags;
	uint32_t seq, ack;
	const uint8_t *data;
	uint32_t len;
	uint64_t ts_ns;
	const char *comment;
};

static size_t addr_len(uint16_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/*
 * RFC 1071: the ones' complement sum of 16-bit big-endian words; only the
 * last piece may be odd. It is summed in native 32-bit words (every byte
 * of the payload passes here, so this is the writer's hottest loop), which
 * RFC 1071 section 2 allows: the sum of swapped words is the swapped sum.
 * Four accumulators of two words each keep the adds independent; each
 * gains at most 2^33 per 32 bytes, so none overflows below 2^30 bytes.
 */
static uint64_t csum_add(uint64_t sum, const uint8_t *d, size_t n)
{
	uint64_t acc[4] = { 0 }, q[4];
	uint32_t w;
	uint16_t h;
	size_t i = 0;

	for (; i + sizeof(q) <= n; i += sizeof(q)) {
		memcpy(q, d + i, sizeof(q));
		acc[0] += (q[0] & 0xffffffff) + (q[0] >> 32);
		acc[1] += (q[1] & 0xffffffff) + (q[1] >> 32);
		acc[2] += (q[2] & 0xffffffff) + (q[2] >> 32);
		acc[3] += (q[3] & 0xffffffff) + (q[3] >> 32);
	}
	acc[0] += acc[1] + acc[2] + acc[3];
	for (; i + 4 <= n; i += 4) {
		memcpy(&w, d + i, 4);
		acc[0] += w;
	}
	if (i + 2 <= n) {
		memcpy(&h, d + i, 2);
		acc[0] += h;
		i += 2;
	}
	if (i < n) {
		uint8_t last[2] = { d[i], 0 };

		memcpy(&h, last, 2);
		acc[0] += h;
	}
	while (acc[0] >> 16)
		acc[0] = (acc[0] & 0xffff) + (acc[0] >> 16);
	return sum + ntohs((uint16_t)acc[0]);
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/*
 * The IP header of a segment of TCP_LEN bytes, at H; returns its length
 * and, in *PSEUDO, the sum of the TCP pseudo-header (RFC 793 section 3.1,
 * RFC 8200 section 8.1).
 */
static size_t ip_header(struct tcp_stream *t, const struct segment *g, size_t tcp_len, uint8_t *h,
			uint64_t *pseudo)
{
	const uint8_t *src = g->from_local ? t->laddr : t->raddr;
	const uint8_t *dst = g->from_local ? t->raddr : t->laddr;
	size_t alen = addr_len(t->family), hlen;

	if (t->family == AF_INET6) {
		hlen = IPV6_HDR_LEN;
		memset(h, 0, hlen);
		h[0] = 0x60;
		put16(h + 4, tcp_len);
		h[6] = IPPROTO_TCP;
		h[7] = TTL_DEFAULT;
		memcpy(h + 8, src, alen);
		memcpy(h + 24, dst, alen);
	} else {
		hlen = IPV4_HDR_LEN;
		memset(h, 0, hlen);
		h[0] = 0x45;
		put16(h + 2, hlen + tcp_len);
		put16(h + 4, t->ip_id++);
		put16(h + 6, 0x4000);	/* don't fragment */
		h[8] = TTL_DEFAULT;
		h[9] = IPPROTO_TCP;
		memcpy(h + 12, src, alen);
		memcpy(h + 16, dst, alen);
		put16(h + 10, csum_fold(csum_add(0, h, hlen)));
	}
	*pseudo = csum_add(csum_add(0, src, alen), dst, alen) + IPPROTO_TCP + tcp_len;
	return hlen;
}

static size_t tcp_header_len(uint8_t flags)
{
	return TCP_HDR_LEN + (flags & TH_SYN ? TCP_SYN_OPT_LEN : 0);
}

/* The TCP header at H, checksum left zero. */
static void tcp_header(const struct tcp_stream *t, const struct segment *g, uint8_t *h)
{
	size_t len = tcp_header_len(g->flags);

	memset(h, 0, len);
	put16(h, g->from_local ? t->lport : t->rport);
	put16(h + 2, g->from_local ? t->rport : t->lport);
	put32(h + 4, g->seq);
	put32(h + 8, g->ack);
	h[12] = len / 4 << 4;
	h[13] = g->flags;
	put16(h + 14, TCP_WINDOW);
	if (g->flags & TH_SYN) {
		h[20] = 1;		/* NOP, to align */
		h[21] = 3;		/* window scale */
		h[22] = 3;
		h[23] = TCP_WSCALE;
	}
}

static int segment_write(struct tcp_stream *t, const struct tcp_sink *out,
			 const struct segment *g)
{
	uint8_t hdr[IPV6_HDR_LEN + TCP_HDR_LEN + TCP_SYN_OPT_LEN];
	size_t tlen = tcp_header_len(g->flags), ilen;
	struct iovec iov[2];
	uint64_t sum;
	uint8_t *tcp;

	ilen = ip_header(t, g, tlen + g->len, hdr, &sum);
	tcp = hdr + ilen;
	tcp_header(t, g, tcp);
	sum = csum_add(sum, tcp, tlen);
	put16(tcp + 16, csum_fold(csum_add(sum, g->data, g->len)));
	iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = ilen + tlen };
	iov[1] = (struct iovec){ .iov_base = (void *)g->data, .iov_len = g->len };
	return out->packet(out->ctx, g->ts_ns, iov, 2, g->comment);
}

int tcp_synth_handshake(struct tcp_stream *t, const struct tcp_sink *out, uint64_t ts_ns,
			const char *comment)
{
	struct segment g[3] = {
		{ .from_local = true, .flags = TH_SYN, .seq = t->lseq },
		{ .from_local = false, .flags = TH_SYN | TH_ACK, .seq = t->rseq,
		  .ack = t->lseq + 1 },
		{ .from_local = true, .flags = TH_ACK, .seq = t->lseq + 1, .ack = t->rseq + 1 },
	};
	char c[COMMENT_LEN + 48];
	int err = 0;

	snprintf(c, sizeof(c), "made-up TCP handshake, before %s", comment);
	for (int i = 0; i < 3 && !err; i++) {
		g[i].ts_ns = ts_ns;
		g[i].comment = c;
		err = segment_write(t, out, &g[i]);
	}
	t->lseq++;
	t->rseq++;
	return err;
}

int tcp_synth_data(struct tcp_stream *t, const struct tcp_sink *out, bool from_local,
		   const uint8_t *data, uint32_t len, uint32_t gap, uint64_t ts_ns,
		   const char *comment)
{
	uint32_t *seq = from_local ? &t->lseq : &t->rseq;
	uint32_t nseg = len / SEG_MAX + !!(len % SEG_MAX);
	char c[COMMENT_LEN + 32];
	struct segment g = {
		.from_local = from_local,
		.ack = from_local ? t->rseq : t->lseq,
		.ts_ns = ts_ns,
		.comment = nseg > 1 ? c : comment,
	};
	int err = 0;

	for (uint32_t i = 0, off = 0; off < len; i++, off += g.len) {
		g.len = len - off < SEG_MAX ? len - off : SEG_MAX;
		g.data = data + off;
		g.seq = *seq;
		g.flags = TH_ACK | (off + g.len == len ? TH_PSH : 0);
		if (nseg > 1)
			snprintf(c, sizeof(c), "%s segment %u/%u", comment, i + 1, nseg);
		err = segment_write(t, out, &g);
		if (err)
			goto out;
		*seq += g.len;
	}
	*seq += gap;
out:
	return err;
}
