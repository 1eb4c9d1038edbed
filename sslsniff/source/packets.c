// SPDX-License-Identifier: GPL-2.0
/* --capture-packets: an interface's TCP packets, through libpcap. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <pcap/pcap.h>
#include "lib/log.h"
#include "source/packets.h"

#define WIRE_SNAPLEN	262144
#define WIRE_BUFFER	(32 << 20)	/* room for 50 ms of loopback traffic */
#define DLT_LINUX_SLL_	113
#define WIRE_BATCH_MS	10	/* the most a batched packet waits for its block */
/*
 * -i reads streams: the segments that carry bytes or open or end a flow.
 * A bare ACK is copied by the kernel in the sender's time for nothing but
 * noticing a capture's hole early (a hole is also declared at the hold's
 * bound and at the flow's end).
 */
#define WIRE_FILTER \
	"tcp and ((tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst)) != 0" \
	" or (ip and ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) != 0)" \
	" or (ip6 and ip6[4:2] - ((tcp[12] & 0xf0) >> 2) != 0))"

struct packets {
	pcap_t *pcap;
	int linktype;
};

/*
 * libpcap is dlopen()ed by the runs that capture through it, not linked:
 * Debian's brings libdbus, libsystemd, libgcrypt and their kin, about
 * 0.9 MB that every run (the default, -i on TC) kept resident for nothing.
 * Loaded once, kept to the end: its handles outlive any one packets.
 */
static struct pcap_api {
	__typeof__(pcap_create) *create;
	__typeof__(pcap_set_snaplen) *set_snaplen;
	__typeof__(pcap_set_immediate_mode) *set_immediate_mode;
	__typeof__(pcap_set_timeout) *set_timeout;
	__typeof__(pcap_set_buffer_size) *set_buffer_size;
	__typeof__(pcap_set_tstamp_precision) *set_tstamp_precision;
	__typeof__(pcap_activate) *activate;
	__typeof__(pcap_setnonblock) *setnonblock;
	__typeof__(pcap_compile) *compile;
	__typeof__(pcap_setfilter) *setfilter;
	__typeof__(pcap_freecode) *freecode;
	__typeof__(pcap_datalink) *datalink;
	__typeof__(pcap_geterr) *geterr;
	__typeof__(pcap_close) *close;
	__typeof__(pcap_get_selectable_fd) *get_selectable_fd;
	__typeof__(pcap_stats) *stats;
	__typeof__(pcap_dispatch) *dispatch;
} pc;

#define PCAP_SYM(dl, f)	(pc.f = (__typeof__(pc.f))dlsym(dl, "pcap_" #f))

/* 0, or -ENOENT with ERRBUF saying why. */
static int pcap_api_load(char *errbuf, size_t len)
{
	static const char *const names[] = { "libpcap.so.0.8", "libpcap.so.1" };
	void *dl = NULL;

	if (pc.dispatch)	/* resolved last: all are */
		return 0;
	for (size_t i = 0; !dl && i < sizeof(names) / sizeof(names[0]); i++)
		dl = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (dl && PCAP_SYM(dl, create) && PCAP_SYM(dl, set_snaplen) &&
	    PCAP_SYM(dl, set_immediate_mode) && PCAP_SYM(dl, set_timeout) &&
	    PCAP_SYM(dl, set_buffer_size) && PCAP_SYM(dl, set_tstamp_precision) &&
	    PCAP_SYM(dl, activate) && PCAP_SYM(dl, setnonblock) && PCAP_SYM(dl, compile) &&
	    PCAP_SYM(dl, setfilter) && PCAP_SYM(dl, freecode) && PCAP_SYM(dl, datalink) &&
	    PCAP_SYM(dl, geterr) && PCAP_SYM(dl, close) && PCAP_SYM(dl, get_selectable_fd) &&
	    PCAP_SYM(dl, stats) && PCAP_SYM(dl, dispatch))
		return 0;
	snprintf(errbuf, len, "no libpcap (%s)", dlerror());
	if (dl)
		dlclose(dl);
	return -ENOENT;
}

struct packets *packets__open(const char *iface, bool batched)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct packets *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	if (pcap_api_load(errbuf, sizeof(errbuf)))
		goto err;
	w->pcap = pc.create(iface, errbuf);
	if (!w->pcap)
		goto err;
	pc.set_snaplen(w->pcap, WIRE_SNAPLEN);
	pc.set_immediate_mode(w->pcap, !batched);
	pc.set_timeout(w->pcap, WIRE_BATCH_MS);
	pc.set_buffer_size(w->pcap, WIRE_BUFFER);
	pc.set_tstamp_precision(w->pcap, PCAP_TSTAMP_PRECISION_NANO);
	if (pc.activate(w->pcap) < 0 || pc.setnonblock(w->pcap, 1, errbuf) ||
	    pc.compile(w->pcap, &prog, batched ? WIRE_FILTER : "tcp", 1, PCAP_NETMASK_UNKNOWN)) {
		snprintf(errbuf, sizeof(errbuf), "%s", pc.geterr(w->pcap));
		goto err;
	}
	if (pc.setfilter(w->pcap, &prog)) {
		snprintf(errbuf, sizeof(errbuf), "%s", pc.geterr(w->pcap));
		pc.freecode(&prog);
		goto err;
	}
	pc.freecode(&prog);
	w->linktype = pc.datalink(w->pcap);
	return w;
err:
	p_err("cannot capture on '%s': %s", iface, errbuf[0] ? errbuf : "unknown error");
	packets__close(w);
	return NULL;
}

void packets__close(struct packets *w)
{
	if (!w)
		return;
	if (w->pcap)
		pc.close(w->pcap);
	free(w);
}

int packets__fd(const struct packets *w)
{
	return pc.get_selectable_fd(w->pcap);
}

int packets__linktype(const struct packets *w)
{
	return w->linktype;
}

uint64_t packets__dropped(struct packets *w)
{
	struct pcap_stat st;

	if (pc.stats(w->pcap, &st))
		return 0;
	return (uint64_t)st.ps_drop + st.ps_ifdrop;
}

void packet_tuple_make(struct packet_tuple *t, uint16_t family, const uint8_t *a, uint16_t port_a,
		       const uint8_t *b, uint16_t port_b)
{
	size_t alen = family == AF_INET ? 4 : 16;
	int c = memcmp(a, b, alen);
	bool swap = c > 0 || (c == 0 && port_a > port_b);

	memset(t, 0, sizeof(*t));
	t->family = family;
	memcpy(t->addr[swap], a, alen);
	memcpy(t->addr[!swap], b, alen);
	t->port[swap] = port_a;
	t->port[!swap] = port_b;
}

int packet_tuple_end(const struct packet_tuple *t, const uint8_t *addr, uint16_t port)
{
	size_t alen = t->family == AF_INET ? 4 : 16;

	return !(memcmp(t->addr[0], addr, alen) == 0 && t->port[0] == port);
}

/* Where the IP header starts in a frame of LINKTYPE, and its ethertype. */
static int l3_offset(int linktype, const uint8_t *d, uint32_t len, uint16_t *ethertype)
{
	switch (linktype) {
	case DLT_EN10MB:
		if (len < 14)
			return -1;
		*ethertype = d[12] << 8 | d[13];
		return 14;
	case DLT_LINUX_SLL_:
		if (len < 16)
			return -1;
		*ethertype = d[14] << 8 | d[15];
		return 16;
	case DLT_RAW:
		if (len < 1)
			return -1;
		*ethertype = (d[0] >> 4) == 6 ? 0x86dd : 0x0800;
		return 0;
	default:
		return -1;
	}
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
}

/*
 * The TCP header at TCP, LEN bytes captured from it, SEG_LEN the segment's
 * length as the IP header gives it (0: not given, a GSO frame of IPv4's
 * big TCP). Which end sent it: the one whose address and port are the
 * source's (the tuple's order is fixed, not the packet's).
 */
static void parse_tcp_header(struct packet *p, const uint8_t *src, const uint8_t *tcp, uint32_t len,
			     uint32_t seg_len)
{
	uint32_t doff = (tcp[12] >> 4) * 4;

	if (len < 20 || doff < 20 || len < doff)
		return;
	if (!seg_len || seg_len > len) {
		p->payload_cut = seg_len > len ? seg_len - len : 0;
		seg_len = len;
	}
	if (seg_len < doff)
		return;
	p->from = packet_tuple_end(&p->tuple, src, tcp[0] << 8 | tcp[1]);
	p->tcp_flags = tcp[13];
	p->seq = be32(tcp + 4);
	p->ack = be32(tcp + 8);
	p->payload = tcp + doff;
	p->payload_len = seg_len - doff;
	p->tcp = true;
}

void packets__parse(int linktype, struct packet *p)
{
	const uint8_t *d = p->data, *ip, *tcp;
	uint32_t len = p->len, l4, tot;
	uint16_t ethertype = 0;
	int off = l3_offset(linktype, d, len, &ethertype);

	if (off < 0)
		return;
	ip = d + off;
	len -= off;
	if (ethertype == 0x0800 && len >= 20 && (ip[0] >> 4) == 4 && ip[9] == 6) {
		l4 = (ip[0] & 15) * 4;
		if (l4 < 20 || len < l4 + 20)
			return;
		tcp = ip + l4;
		tot = ip[2] << 8 | ip[3];
		packet_tuple_make(&p->tuple, AF_INET, ip + 12, tcp[0] << 8 | tcp[1], ip + 16,
				  tcp[2] << 8 | tcp[3]);
		parse_tcp_header(p, ip + 12, tcp, len - l4, tot > l4 ? tot - l4 : 0);
	} else if (ethertype == 0x86dd && len >= 60 && (ip[0] >> 4) == 6 && ip[6] == 6) {
		tcp = ip + 40;
		tot = ip[4] << 8 | ip[5];
		packet_tuple_make(&p->tuple, AF_INET6, ip + 8, tcp[0] << 8 | tcp[1], ip + 24,
				  tcp[2] << 8 | tcp[3]);
		parse_tcp_header(p, ip + 8, tcp, len - 40, tot);
	}
}

struct drain_ctx {
	struct packets *w;
	packet_fn fn;
	void *ctx;
	int err;
};

static void on_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct drain_ctx *dc = (struct drain_ctx *)arg;
	struct packet p = {
		/* nanosecond precision was asked for: tv_usec holds ns */
		.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000ULL + h->ts.tv_usec,
		.data = bytes,
		.len = h->caplen,
	};

	if (dc->err)
		return;
	packets__parse(dc->w->linktype, &p);
	dc->err = dc->fn(&p, dc->ctx);
}

int packets__drain(struct packets *w, packet_fn fn, void *ctx)
{
	struct drain_ctx dc = { w, fn, ctx, 0 };
	int n;

	do {
		n = pc.dispatch(w->pcap, 256, on_packet, (u_char *)&dc);
	} while (n > 0 && !dc.err);
	if (n == PCAP_ERROR) {
		p_err("packet capture: %s", pc.geterr(w->pcap));
		return -EIO;
	}
	return dc.err;
}
