// SPDX-License-Identifier: GPL-2.0
/*
 * pcapng output: every TLS connection becomes one TCP stream of its
 * plaintext, so that Wireshark's dissectors (HTTP and the rest) and
 * "Follow TCP Stream" work on what the library calls returned.
 *
 * The table of streams (streams.c) says which stream a record belongs to,
 * with which addresses, and whether it is the other end of a connection
 * already written (then it is left out); tcp_synth.c makes its packets: a
 * handshake when the stream starts, then the record's bytes, writes from
 * the local end and reads from the remote one. Each packet's comment says
 * whose call it was. A connection's secrets become a Decryption Secrets
 * Block (--keylog-embed), and with --capture-packets the real packets of
 * the traced connections go on a second interface instead of the
 * synthetic streams.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cgroup/identity.h"
#include "output/output.h"
#include "output/pcapng.h"
#include "output/streams.h"
#include "output/summary.h"
#include "output/tcp_synth.h"
#include "tls_funcs.h"
#include "source/packets.h"

#define COMMENT_LEN	TCP_SYNTH_COMMENT_LEN

struct out_pcapng {
	struct pcapng *pcap;
	struct streams *streams;
	struct tcp_sink sink;			/* the synthetic packets: into PCAP */
	int64_t realtime_offset_ns;
	bool keylog_embed;			/* secrets as Decryption Secrets Blocks */
	int wire_if;				/* --capture-packets: their interface, or 0 */
	uint64_t start_ns;			/* when the file was started, since the epoch */
};

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

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
	o->start_ns = realtime_ns();
	o->keylog_embed = opts->keylog_embed;
	/* Before the file's first block, which a failure would leave behind. */
	o->streams = streams__new();
	if (!o->streams)
		goto err_close;
	o->pcap = pcapng__new(fileno(opts->out), "sslsniff " SSLSNIFF_VERSION);
	if (!o->pcap)
		goto err_close;
	o->sink = (struct tcp_sink){ .packet = out_pcapng_synth, .ctx = o->pcap };
	/* --capture-packets: the traced connections' real packets, as a second interface. */
	if (opts->capture_iface) {
		o->wire_if = pcapng__add_interface(o->pcap, opts->capture_linktype,
						   opts->capture_iface,
						   "the traced connections' packets, as captured");
		if (o->wire_if <= 0) {
			errno = o->wire_if ? -o->wire_if : EINVAL;
			goto err_close;
		}
	}
	return o;

err_close:
	err = errno;
	out_pcapng_close(o);
	errno = err;
	return NULL;
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

/* A comment is UTF-8, and a comm or a name any bytes its owner chose: ASCII kept. */
static void comment_str(char *dst, size_t size, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size && src[i]; i++) {
		unsigned char ch = src[i];

		dst[i] = ch >= 0x20 && ch < 0x7f ? ch : '?';
	}
	dst[i] = '\0';
}

/* " container 0123456789ab name web pod default/web-7d9f" for a container's call. */
static void identity_comment(const struct identity *who, char *buf, size_t sz)
{
	char a[META_NAME_LEN], b[META_NAME_LEN];

	if (!who || who->ref.runtime == RUNTIME_NONE)
		return;
	appendf(buf, sz, " container %.12s", who->ref.id);
	comment_str(a, sizeof(a), who->meta.container_name, sizeof(who->meta.container_name));
	if (*a)
		appendf(buf, sz, " name %s", a);
	comment_str(a, sizeof(a), who->meta.pod_namespace, sizeof(who->meta.pod_namespace));
	comment_str(b, sizeof(b), who->meta.pod_name, sizeof(who->meta.pod_name));
	if (*b)
		appendf(buf, sz, " pod %s%s%s", a, *a ? "/" : "", b);
	else if (*who->ref.pod_uid)
		appendf(buf, sz, " pod_uid %s", who->ref.pod_uid);
}

/* Appends S[0..N) to the string in BUF, cut as snprintf() would cut it. */
static size_t comment_put(char *buf, size_t sz, size_t len, const char *s, size_t n)
{
	if (len + 1 >= sz)
		return len;
	if (n > sz - 1 - len)
		n = sz - 1 - len;
	memcpy(buf + len, s, n);
	buf[len + n] = '\0';
	return len + n;
}

static size_t comment_str_put(char *buf, size_t sz, size_t len, const char *s)
{
	return comment_put(buf, sz, len, s, strlen(s));
}

static size_t comment_uint(char *buf, size_t sz, size_t len, uint32_t v)
{
	char d[10], *p = d + sizeof(d);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	return comment_put(buf, sz, len, p, d + sizeof(d) - p);
}

/*
 * "pid 123 tid 124 comm curl lib openssl func SSL_write fd 5", the container,
 * and what is missing. Put together without printf: every packet has one,
 * and vsnprintf() was the pcapng writer's largest cost at 1 KiB calls.
 */
static void record_comment(const struct record *r, const struct tls_func_info *fi, char *buf,
			   size_t sz)
{
	const struct event *ev = r->ev;
	char comm[SSLSNIFF_COMM_LEN + 1];
	size_t len;

	comment_str(comm, sizeof(comm), ev->comm, SSLSNIFF_COMM_LEN);
	buf[0] = '\0';
	len = comment_put(buf, sz, 0, "pid ", 4);
	len = comment_uint(buf, sz, len, ev->pid);
	len = comment_put(buf, sz, len, " tid ", 5);
	len = comment_uint(buf, sz, len, ev->tid);
	len = comment_put(buf, sz, len, " comm ", 6);
	len = comment_str_put(buf, sz, len, comm);
	len = comment_put(buf, sz, len, " lib ", 5);
	len = comment_str_put(buf, sz, len, tls_library_name(fi->lib));
	len = comment_put(buf, sz, len, " func ", 6);
	comment_str_put(buf, sz, len, fi->symbol);
	identity_comment(r->who, buf, sz);
	if (ev->fd >= 0) {
		len = comment_put(buf, sz, strnlen(buf, sz), " fd ", 4);
		comment_uint(buf, sz, len, ev->fd);
	}
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

/* A call's plaintext, on its connection's synthetic stream. */
static int out_pcapng_data(struct out_pcapng *o, const struct record *r)
{
	const struct tls_func_info *fi = tls_func_info(r->ev->func);
	char comment[COMMENT_LEN];
	struct stream *s;
	uint64_t ts;
	bool fresh;
	int err = 0;

	/* Handshake rows carry no bytes; a call without any has nothing to show. */
	if (!fi || fi->dir == DIR_NONE || (!r->data_len && !r->lost && !r->truncated))
		goto out;
	s = streams__get(o->streams, r->ev, &fresh);
	if (!s) {
		err = -ENOMEM;
		goto out;
	}
	if (s->mirror)
		goto out;
	ts = r->ev->ts_ns + o->realtime_offset_ns;
	record_comment(r, fi, comment, sizeof(comment));
	if (fresh)
		err = tcp_synth_handshake(&s->tcp, &o->sink, ts, comment);
	if (!err)
		err = tcp_synth_data(&s->tcp, &o->sink, fi->dir == DIR_WRITE, r->data,
				     r->data_len, r->lost + r->truncated, ts, comment);
out:
	return err;
}

static int out_pcapng_record(void *p, const struct record *r)
{
	struct out_pcapng *o = p;
	int err = 0;

	switch (r->kind) {
	case REC_SECRETS:
		/* The session hands a connection's secrets on before its
		 * packets: Wireshark needs them first. */
		if (o->keylog_embed)
			err = pcapng__tls_secrets(o->pcap, (const char *)r->data, r->data_len);
		break;
	case REC_PACKET:
		if (o->wire_if)
			err = out_pcapng_packet(o, r->packet);
		break;
	case REC_DATA:
		/* With the real packets, those are the streams (decrypted with
		 * the secrets); synthetic ones on the same addresses would clash. */
		if (!o->wire_if)
			err = out_pcapng_data(o, r);
		break;
	default:
		break;
	}
	return err;
}

static void out_pcapng_close(void *p)
{
	struct out_pcapng *o = p;

	if (!o)
		return;
	streams__free(o->streams);
	pcapng__close(o->pcap);
	free(o);
}

static uint64_t sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/*
 * The synthetic interface's packets are TLS calls: taken (isb_filteraccept)
 * are those that became records; lost to a full ring buffer or arriving
 * short (isb_ifdrop) and untracked by the BPF side (isb_osdrop: too many
 * calls in flight, an unreadable count, a lost handshake or exec event) are
 * the summary line's calls. Bytes have no option: the comment says them.
 */
static int out_pcapng_synth_stats(struct out_pcapng *o, const struct counters *c,
				  struct pcapng_if_stats *s)
{
	const uint64_t *st = c->bpf;
	uint64_t lost_bytes, lost_calls, untracked;
	char comment[256];

	counters_losses(c, &lost_bytes, &lost_calls);
	untracked = st[STAT_LOST_CALLS_STATE] + st[STAT_LOST_CALLS_BAD_LEN] +
		    st[STAT_LOST_EVENTS_OTHER];
	s->filteraccept = c->dec.records;
	s->ifdrop = lost_calls;
	s->osdrop = untracked;
	/* Calls lost whole to the ring buffer reached no record. */
	s->ifrecv = c->dec.records + untracked +
		    sat_sub(st[STAT_LOST_CALLS_RINGBUF], c->dec.incomplete);
	snprintf(comment, sizeof(comment),
		 "sslsniff: %" PRIu64 " bytes captured; lost: %" PRIu64 " bytes in %" PRIu64
		 " calls (ring buffer full: %" PRIu64 " calls, %" PRIu64 " bytes; unreadable: %"
		 PRIu64 " bytes), %" PRIu64 " calls untracked; truncated: %" PRIu64 " bytes",
		 c->dec.bytes, lost_bytes, lost_calls, st[STAT_LOST_CALLS_RINGBUF],
		 st[STAT_LOST_BYTES_RINGBUF], st[STAT_LOST_BYTES_FAULT], untracked,
		 st[STAT_TRUNCATED_BYTES]);
	return pcapng__interface_stats(o->pcap, 0, s, comment);
}

/* --capture-packets: what libpcap dropped, and the packets no traced connection claimed. */
static int out_pcapng_wire_stats(struct out_pcapng *o, const struct counters *c,
				 struct pcapng_if_stats *s)
{
	char comment[128];

	s->filteraccept = c->match.packets;
	s->ifdrop = 0;
	s->osdrop = c->packets_dropped;
	s->ifrecv = c->match.packets + c->match.unmatched + c->packets_dropped;
	snprintf(comment, sizeof(comment),
		 "sslsniff: %" PRIu64 " packets of no traced connection left out",
		 c->match.unmatched);
	return pcapng__interface_stats(o->pcap, o->wire_if, s, comment);
}

/* An Interface Statistics Block for each interface, the file's last blocks. */
static int out_pcapng_stats(void *p, const struct counters *c)
{
	struct out_pcapng *o = p;
	struct pcapng_if_stats s = { .start_ns = o->start_ns, .end_ns = realtime_ns() };
	int err;

	err = out_pcapng_synth_stats(o, c, &s);
	if (!err && o->wire_if)
		err = out_pcapng_wire_stats(o, c, &s);
	return err;
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
	.stats = out_pcapng_stats,
	.close = out_pcapng_close,
};
