// SPDX-License-Identifier: GPL-2.0
/*
 * pcapng output: every TLS connection becomes one TCP stream of its
 * plaintext, so that Wireshark's dissectors (HTTP and the rest) and
 * "Follow TCP Stream" work on what the library calls returned.
 *
 * A connection is (pid, fd), or (pid, TLS handle) when the fd is unknown.
 * Its addresses are the socket's: local = saddr:sport, remote =
 * daddr:dport. A record whose known addresses differ from its stream's
 * (the fd was closed and reused) starts a new stream. When the addresses
 * are not known, a stable made-up pair stands in (docs/sslsniff.8): IPv4
 * 127.X.Y.Z at both ends, X.Y.Z being the low 24 bits of the PID, and
 * ports 49152 + 14 bits each of a hash of the fd or handle, in the
 * dynamic range that no dissector claims.
 *
 * When both ends of a connection are traced (client and server on this
 * host), their streams would share one address pair and Wireshark would
 * mix them up. The connection is one TCP stream, as on the wire: written
 * from the end first seen, while the other end's calls, the same bytes
 * the other way round, are left out.
 *
 * A stream opens with a made-up handshake (SYN, SYN-ACK, ACK) in which the
 * local end is always the client: which end connected is not known, and
 * one fixed rule keeps streams comparable. Writes go local->remote, reads
 * remote->local; each end's sequence numbers count every byte its calls
 * returned. Bytes a call returned that were not captured (lost to a full
 * ring, cut by --max-bytes) still advance the sequence after the record's
 * captured bytes, so Wireshark shows the gap ("previous segment not
 * captured") where it is, and the packet comment counts them. There is no
 * FIN: the end of a connection is not seen.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "output/output.h"
#include "lib/log.h"
#include "output/pcapng.h"
#include "tls_funcs.h"
#include "source/packets.h"

#define IPV4_HDR_LEN	20
#define IPV6_HDR_LEN	40
#define TCP_HDR_LEN	20
#define TCP_SYN_OPT_LEN	4	/* NOP, window scale */
/* IPv4's total length is 16 bits (IPv6 would allow 20 bytes more): one limit. */
#define SEG_MAX		(65535 - IPV4_HDR_LEN - TCP_HDR_LEN)
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

#define STREAM_BUCKETS	4096
/* A long capture meets endless connections: the least recently used go. */
#define STREAM_MAX	65536
#define SYNTH_PORT_BASE	49152
#define COMMENT_LEN	160

struct stream {
	struct stream *next;	/* chain of buckets[] */
	struct stream *tnext;	/* chain of tuples[]: streams with real addresses */
	uint64_t id;		/* fd, or the TLS handle */
	uint64_t last_use;
	uint32_t pid;
	bool by_handle;
	bool real;		/* the socket's addresses, not made up */
	bool mirror;		/* the other end of a stream already written */
	uint16_t family;	/* of the addresses written */
	uint16_t lport, rport;
	uint16_t ip_id;
	uint32_t lseq, rseq;	/* next sequence number of each end */
	uint8_t laddr[16], raddr[16];
};

struct out_pcapng {
	struct pcapng *pcap;
	int64_t realtime_offset_ns;
	uint64_t tick;		/* the streams' LRU clock */
	uint64_t created;	/* streams ever started: varies the ISNs */
	size_t nr_streams;
	struct stream *buckets[STREAM_BUCKETS];	/* by (pid, fd or handle) */
	struct stream *tuples[STREAM_BUCKETS];	/* by local and remote address */
	bool keylog_embed;			/* secrets as Decryption Secrets Blocks */
	int wire_if;				/* --capture-packets: their interface, or 0 */
};

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

static void out_pcapng_close(void *p);


static void *out_pcapng_open(const struct output_opts *opts)
{
	struct out_pcapng *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return NULL;
	o->realtime_offset_ns = opts->realtime_offset_ns;
	o->pcap = pcapng__new(fileno(opts->out), "sslsniff " SSLSNIFF_VERSION);
	if (!o->pcap) {
		err = errno;
		free(o);
		errno = err;
		return NULL;
	}
	o->keylog_embed = opts->keylog_embed;
	/* --capture-packets: the traced connections' real packets, as a second interface. */
	if (opts->capture_iface) {
		o->wire_if = pcapng__add_interface(o->pcap, opts->capture_linktype,
						   opts->capture_iface,
						   "the traced connections' packets, as captured");
		if (o->wire_if <= 0) {
			err = o->wire_if ? -o->wire_if : EINVAL;
			out_pcapng_close(o);
			errno = err;
			return NULL;
		}
	}
	return o;
}

/* splitmix64's finalizer: every input bit moves every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t stream_hash(uint32_t pid, bool by_handle, uint64_t id)
{
	return mix64(id ^ mix64((uint64_t)pid << 1 | by_handle));
}

static size_t addr_len(uint16_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static bool event_has_addrs(const struct event *ev)
{
	return ev->family == AF_INET || ev->family == AF_INET6;
}

/* False when EV's known addresses say it is another connection than S. */
static bool stream_same_conn(const struct stream *s, const struct event *ev)
{
	if (!event_has_addrs(ev))
		return true;
	return s->real && s->family == ev->family && s->lport == ev->sport &&
	       s->rport == ev->dport && !memcmp(s->laddr, ev->saddr, addr_len(ev->family)) &&
	       !memcmp(s->raddr, ev->daddr, addr_len(ev->family));
}

static uint64_t tuple_hash(uint16_t family, const uint8_t *laddr, uint16_t lport,
			   const uint8_t *raddr, uint16_t rport)
{
	uint64_t h = mix64((uint64_t)family << 32 | (uint32_t)lport << 16 | rport);

	for (size_t i = 0; i < addr_len(family); i += 4) {
		uint32_t a, b;

		memcpy(&a, laddr + i, 4);
		memcpy(&b, raddr + i, 4);
		h = mix64(h ^ ((uint64_t)a << 32 | b));
	}
	return h;
}

static struct stream **tuple_bucket(struct out_pcapng *o, const struct stream *s, bool reverse)
{
	uint64_t h = reverse ? tuple_hash(s->family, s->raddr, s->rport, s->laddr, s->lport)
			     : tuple_hash(s->family, s->laddr, s->lport, s->raddr, s->rport);

	return &o->tuples[h % STREAM_BUCKETS];
}

static void tuple_unlink(struct out_pcapng *o, struct stream *s)
{
	if (!s->real)
		return;
	for (struct stream **pp = tuple_bucket(o, s, false); *pp; pp = &(*pp)->tnext) {
		if (*pp == s) {
			*pp = s->tnext;
			return;
		}
	}
}

/* A written stream of the same connection seen from its other end. */
static bool tuple_has_mirror(struct out_pcapng *o, const struct stream *s)
{
	size_t alen = addr_len(s->family);

	for (struct stream *m = *tuple_bucket(o, s, true); m; m = m->tnext) {
		if (!m->mirror && m->family == s->family && m->lport == s->rport &&
		    m->rport == s->lport && !memcmp(m->laddr, s->raddr, alen) &&
		    !memcmp(m->raddr, s->laddr, alen))
			return true;
	}
	return false;
}

/* The socket's addresses, or the made-up pair of the file comment. */
static void stream_set_addrs(struct stream *s, const struct event *ev, uint64_t h)
{
	memset(s->laddr, 0, sizeof(s->laddr));
	memset(s->raddr, 0, sizeof(s->raddr));
	s->real = event_has_addrs(ev);
	if (s->real) {
		s->family = ev->family;
		memcpy(s->laddr, ev->saddr, addr_len(s->family));
		memcpy(s->raddr, ev->daddr, addr_len(s->family));
		s->lport = ev->sport;
		s->rport = ev->dport;
		return;
	}
	s->family = AF_INET;
	s->laddr[0] = 127;
	s->laddr[1] = s->pid >> 16;
	s->laddr[2] = s->pid >> 8;
	s->laddr[3] = s->pid;
	memcpy(s->raddr, s->laddr, 4);
	s->lport = SYNTH_PORT_BASE + (h & 0x3fff);
	s->rport = SYNTH_PORT_BASE + ((h >> 14) & 0x3fff);
	if (s->rport == s->lport)
		s->rport ^= 1;
}

static void stream_start(struct out_pcapng *o, struct stream *s, const struct event *ev)
{
	uint64_t h = stream_hash(s->pid, s->by_handle, s->id);
	/* Distinct ISNs keep a reused address pair apart in Wireshark. */
	uint64_t isn = mix64(h ^ ++o->created);

	tuple_unlink(o, s);
	stream_set_addrs(s, ev, h);
	s->mirror = s->real && tuple_has_mirror(o, s);
	if (s->real) {
		struct stream **b = tuple_bucket(o, s, false);

		s->tnext = *b;
		*b = s;
	}
	s->lseq = isn;
	s->rseq = isn >> 32;
	s->ip_id = 0;
}

static void stream_evict_lru(struct out_pcapng *o)
{
	struct stream **victim = NULL;

	for (size_t i = 0; i < STREAM_BUCKETS; i++) {
		for (struct stream **pp = &o->buckets[i]; *pp; pp = &(*pp)->next) {
			if (!victim || (*pp)->last_use < (*victim)->last_use)
				victim = pp;
		}
	}
	if (victim) {
		struct stream *s = *victim;

		*victim = s->next;
		tuple_unlink(o, s);
		free(s);
		o->nr_streams--;
	}
}

/* The stream of EV's connection; *fresh when it starts with this record. */
static struct stream *stream_get(struct out_pcapng *o, const struct event *ev, bool *fresh)
{
	bool by_handle = ev->fd < 0;
	uint64_t id = by_handle ? ev->handle : (uint64_t)ev->fd;
	struct stream **b = &o->buckets[stream_hash(ev->pid, by_handle, id) % STREAM_BUCKETS];
	struct stream *s;

	for (s = *b; s; s = s->next) {
		if (s->pid == ev->pid && s->by_handle == by_handle && s->id == id)
			break;
	}
	*fresh = !s || !stream_same_conn(s, ev);
	if (!s) {
		if (o->nr_streams >= STREAM_MAX)
			stream_evict_lru(o);
		s = calloc(1, sizeof(*s));
		if (!s)
			return NULL;
		s->pid = ev->pid;
		s->by_handle = by_handle;
		s->id = id;
		s->next = *b;
		*b = s;
		o->nr_streams++;
	}
	if (*fresh)
		stream_start(o, s, ev);
	s->last_use = ++o->tick;
	return s;
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
static size_t ip_header(struct stream *s, const struct segment *g, size_t tcp_len, uint8_t *h,
			uint64_t *pseudo)
{
	const uint8_t *src = g->from_local ? s->laddr : s->raddr;
	const uint8_t *dst = g->from_local ? s->raddr : s->laddr;
	size_t alen = addr_len(s->family), hlen;

	if (s->family == AF_INET6) {
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
		put16(h + 4, s->ip_id++);
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
static void tcp_header(const struct stream *s, const struct segment *g, uint8_t *h)
{
	size_t len = tcp_header_len(g->flags);

	memset(h, 0, len);
	put16(h, g->from_local ? s->lport : s->rport);
	put16(h + 2, g->from_local ? s->rport : s->lport);
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

static int segment_write(struct out_pcapng *o, struct stream *s, const struct segment *g)
{
	uint8_t hdr[IPV6_HDR_LEN + TCP_HDR_LEN + TCP_SYN_OPT_LEN];
	size_t tlen = tcp_header_len(g->flags), ilen;
	struct iovec iov[2];
	uint64_t sum;
	uint8_t *tcp;

	ilen = ip_header(s, g, tlen + g->len, hdr, &sum);
	tcp = hdr + ilen;
	tcp_header(s, g, tcp);
	sum = csum_add(sum, tcp, tlen);
	put16(tcp + 16, csum_fold(csum_add(sum, g->data, g->len)));
	iov[0] = (struct iovec){ .iov_base = hdr, .iov_len = ilen + tlen };
	iov[1] = (struct iovec){ .iov_base = (void *)g->data, .iov_len = g->len };
	return pcapng__packet(o->pcap, g->ts_ns, iov, 2, g->comment);
}

/* SYN, SYN-ACK, ACK, with the local end as the client. */
static int stream_handshake(struct out_pcapng *o, struct stream *s, uint64_t ts,
			    const char *comment)
{
	struct segment g[3] = {
		{ .from_local = true, .flags = TH_SYN, .seq = s->lseq },
		{ .from_local = false, .flags = TH_SYN | TH_ACK, .seq = s->rseq,
		  .ack = s->lseq + 1 },
		{ .from_local = true, .flags = TH_ACK, .seq = s->lseq + 1, .ack = s->rseq + 1 },
	};
	char c[COMMENT_LEN + 48];
	int err = 0;

	snprintf(c, sizeof(c), "made-up TCP handshake, before %s", comment);
	for (int i = 0; i < 3 && !err; i++) {
		g[i].ts_ns = ts;
		g[i].comment = c;
		err = segment_write(o, s, &g[i]);
	}
	s->lseq++;
	s->rseq++;
	return err;
}

static void appendf(char *buf, size_t sz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void appendf(char *buf, size_t sz, const char *fmt, ...)
{
	size_t len = strnlen(buf, sz);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + len, sz - len, fmt, ap);
	va_end(ap);
}

/* "pid 123 tid 124 comm curl lib openssl func SSL_write fd 5", and what is missing. */
static void record_comment(const struct record *r, const struct tls_func_info *fi, char *buf,
			   size_t sz)
{
	const struct event *ev = r->ev;
	char comm[SSLSNIFF_COMM_LEN + 1];
	size_t i;

	/* A comment is UTF-8, and a comm any bytes the process chose. */
	for (i = 0; i < SSLSNIFF_COMM_LEN && ev->comm[i]; i++) {
		unsigned char ch = ev->comm[i];

		comm[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
	}
	comm[i] = '\0';
	buf[0] = '\0';
	appendf(buf, sz, "pid %u tid %u comm %s lib %s func %s", ev->pid, ev->tid, comm,
		tls_library_name(fi->lib), fi->symbol);
	if (ev->fd >= 0)
		appendf(buf, sz, " fd %d", ev->fd);
	if (r->lost)
		appendf(buf, sz, " lost %u bytes", r->lost);
	if (r->truncated)
		appendf(buf, sz, " truncated %u bytes", r->truncated);
}

/*
 * The record's bytes as segments of at most SEG_MAX, PSH on the last one
 * (the call's end), then the sequence gap of the bytes not captured.
 */
static int stream_data(struct out_pcapng *o, struct stream *s, bool from_local,
		       const struct record *r, uint64_t ts, const char *base)
{
	uint32_t *seq = from_local ? &s->lseq : &s->rseq;
	uint32_t nseg = r->data_len / SEG_MAX + !!(r->data_len % SEG_MAX);
	char comment[COMMENT_LEN + 32];
	struct segment g = {
		.from_local = from_local,
		.ack = from_local ? s->rseq : s->lseq,
		.ts_ns = ts,
		.comment = nseg > 1 ? comment : base,
	};
	int err;

	for (uint32_t i = 0, off = 0; off < r->data_len; i++, off += g.len) {
		g.len = r->data_len - off < SEG_MAX ? r->data_len - off : SEG_MAX;
		g.data = r->data + off;
		g.seq = *seq;
		g.flags = TH_ACK | (off + g.len == r->data_len ? TH_PSH : 0);
		if (nseg > 1)
			snprintf(comment, sizeof(comment), "%s segment %u/%u", base, i + 1, nseg);
		err = segment_write(o, s, &g);
		if (err)
			return err;
		*seq += g.len;
	}
	*seq += r->lost + r->truncated;
	return 0;
}

/* A real packet (--capture-packets), on its interface. */
static int out_pcapng_packet(struct out_pcapng *o, const struct packet *p)
{
	struct iovec iov = { (void *)p->data, p->len };

	return pcapng__packet_on(o->pcap, o->wire_if, p->ts_ns, &iov, 1, NULL);
}

static int out_pcapng_record(void *p, const struct record *r)
{
	struct out_pcapng *o = p;
	const struct tls_func_info *fi;
	char comment[COMMENT_LEN];
	struct stream *s;
	uint64_t ts;
	bool fresh;
	int err;

	/* The session hands a connection's secrets on before its packets:
	 * Wireshark needs them first. */
	if (r->kind == REC_SECRETS)
		return o->keylog_embed ? pcapng__tls_secrets(o->pcap, (const char *)r->data,
							     r->data_len) : 0;
	if (r->kind == REC_PACKET)
		return o->wire_if ? out_pcapng_packet(o, r->packet) : 0;
	/* With the real packets, those are the streams (decrypted with the
	 * secrets); synthetic ones on the same addresses would clash. Handshake
	 * rows carry no bytes; a call without any has nothing to show. */
	fi = tls_func_info(r->ev->func);
	if (o->wire_if || r->kind != REC_DATA || !fi || fi->dir == DIR_NONE ||
	    (!r->data_len && !r->lost && !r->truncated))
		return 0;
	s = stream_get(o, r->ev, &fresh);
	if (!s)
		return -ENOMEM;
	if (s->mirror)
		return 0;
	ts = r->ev->ts_ns + o->realtime_offset_ns;
	record_comment(r, fi, comment, sizeof(comment));
	if (fresh) {
		err = stream_handshake(o, s, ts, comment);
		if (err)
			return err;
	}
	return stream_data(o, s, fi->dir == DIR_WRITE, r, ts, comment);
}

static void out_pcapng_close(void *p)
{
	struct out_pcapng *o = p;

	if (!o)
		return;
	for (size_t i = 0; i < STREAM_BUCKETS; i++) {
		while (o->buckets[i]) {
			struct stream *s = o->buckets[i];

			o->buckets[i] = s->next;
			free(s);
		}
	}
	pcapng__close(o->pcap);
	free(o);
}

static int out_pcapng_flush(void *p)
{
	struct out_pcapng *o = p;

	return pcapng__flush(o->pcap);
}

const struct output_ops out_pcapng_ops = {
	.name = "pcapng",
	.open = out_pcapng_open,
	.record = out_pcapng_record,
	.flush = out_pcapng_flush,
	.close = out_pcapng_close,
};
