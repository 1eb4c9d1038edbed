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
 * The packets themselves are tcp_synth.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "output/output.h"
#include "output/pcapng.h"
#include "output/tcp_synth.h"
#include "tls_funcs.h"
#include "source/packets.h"

#define STREAM_BUCKETS	4096
/* A long capture meets endless connections: the least recently used go. */
#define STREAM_MAX	65536
#define SYNTH_PORT_BASE	49152
#define COMMENT_LEN	TCP_SYNTH_COMMENT_LEN

struct stream {
	struct stream *next;	/* chain of buckets[] */
	struct stream *tnext;	/* chain of tuples[]: streams with real addresses */
	uint64_t id;		/* fd, or the TLS handle */
	uint64_t last_use;
	uint32_t pid;
	bool by_handle;
	bool real;		/* the socket's addresses, not made up */
	bool mirror;		/* the other end of a stream already written */
	struct tcp_stream tcp;	/* its addresses and sequence numbers */
};

struct out_pcapng {
	struct pcapng *pcap;
	struct tcp_sink sink;	/* the synthetic packets: into PCAP */
	int64_t realtime_offset_ns;
	uint64_t tick;		/* the streams' LRU clock */
	uint64_t created;	/* streams ever started: varies the ISNs */
	size_t nr_streams;
	struct stream *buckets[STREAM_BUCKETS];	/* by (pid, fd or handle) */
	struct stream *tuples[STREAM_BUCKETS];	/* by local and remote address */
	bool keylog_embed;			/* secrets as Decryption Secrets Blocks */
	int wire_if;				/* --capture-packets: their interface, or 0 */
};

static void out_pcapng_close(void *p);

/* The synthetic packets, on interface 0. */
static int out_pcapng_synth(void *ctx, uint64_t ts_ns, const struct iovec *iov, int iovcnt,
			    const char *comment)
{
	return pcapng__packet(ctx, ts_ns, iov, iovcnt, comment);
}

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
	o->sink = (struct tcp_sink){ .packet = out_pcapng_synth, .ctx = o->pcap };
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
	const struct tcp_stream *t = &s->tcp;

	if (!event_has_addrs(ev))
		return true;

	return s->real && t->family == ev->family && t->lport == ev->sport &&
	       t->rport == ev->dport && !memcmp(t->laddr, ev->saddr, addr_len(ev->family)) &&
	       !memcmp(t->raddr, ev->daddr, addr_len(ev->family));
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
	const struct tcp_stream *t = &s->tcp;
	uint64_t h = reverse ? tuple_hash(t->family, t->raddr, t->rport, t->laddr, t->lport)
			     : tuple_hash(t->family, t->laddr, t->lport, t->raddr, t->rport);

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
	size_t alen = addr_len(s->tcp.family);

	for (struct stream *m = *tuple_bucket(o, s, true); m; m = m->tnext) {
		if (!m->mirror && m->tcp.family == s->tcp.family && m->tcp.lport == s->tcp.rport &&
		    m->tcp.rport == s->tcp.lport && !memcmp(m->tcp.laddr, s->tcp.raddr, alen) &&
		    !memcmp(m->tcp.raddr, s->tcp.laddr, alen))
			return true;
	}
	return false;
}

/* The socket's addresses, or the made-up pair of the file comment. */
static void stream_set_addrs(struct stream *s, const struct event *ev, uint64_t h)
{
	memset(s->tcp.laddr, 0, sizeof(s->tcp.laddr));
	memset(s->tcp.raddr, 0, sizeof(s->tcp.raddr));
	s->real = event_has_addrs(ev);
	if (s->real) {
		s->tcp.family = ev->family;
		memcpy(s->tcp.laddr, ev->saddr, addr_len(s->tcp.family));
		memcpy(s->tcp.raddr, ev->daddr, addr_len(s->tcp.family));
		s->tcp.lport = ev->sport;
		s->tcp.rport = ev->dport;
		return;
	}
	s->tcp.family = AF_INET;
	s->tcp.laddr[0] = 127;
	s->tcp.laddr[1] = s->pid >> 16;
	s->tcp.laddr[2] = s->pid >> 8;
	s->tcp.laddr[3] = s->pid;
	memcpy(s->tcp.raddr, s->tcp.laddr, 4);
	s->tcp.lport = SYNTH_PORT_BASE + (h & 0x3fff);
	s->tcp.rport = SYNTH_PORT_BASE + ((h >> 14) & 0x3fff);
	if (s->tcp.rport == s->tcp.lport)
		s->tcp.rport ^= 1;
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
	s->tcp.lseq = isn;
	s->tcp.rseq = isn >> 32;
	s->tcp.ip_id = 0;
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

static void appendf(char *buf, size_t sz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

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
		err = tcp_synth_handshake(&s->tcp, &o->sink, ts, comment);
		if (err)
			return err;
	}
	return tcp_synth_data(&s->tcp, &o->sink, fi->dir == DIR_WRITE, r->data, r->data_len,
			      r->lost + r->truncated, ts, comment);
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
