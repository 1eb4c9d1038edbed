/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_PACKETS_H
#define __SSLSNIFF_PACKETS_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The real, encrypted packets of an interface (--capture-packets), read
 * with libpcap without blocking, each with the TCP connection it belongs to.
 */
struct packets;

/* Both ends of a TCP connection, in a fixed order: the same either way. */
struct packet_tuple {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint16_t port[2];
	uint8_t addr[2][16];
};

#define TCP_FIN	0x01
#define TCP_SYN	0x02
#define TCP_RST	0x04
#define TCP_ACK	0x10

struct packet {
	uint64_t ts_ns;		/* since the epoch */
	const uint8_t *data;	/* link-layer frame */
	uint32_t len;
	struct packet_tuple tuple;
	bool tcp;		/* a TCP segment over IPv4 or IPv6: what follows holds */
	uint8_t from;		/* the tuple's end that sent it: 0 or 1 */
	uint8_t tcp_flags;	/* TCP_* */
	uint32_t seq, ack;
	const uint8_t *payload;	/* the segment's bytes, within DATA */
	uint32_t payload_len;	/* as the IP header says, cut to what was captured */
	uint32_t payload_cut;	/* bytes of the segment beyond the capture (snaplen) */
};

/*
 * Opens IFACE for TCP packets. NULL on failure, reported. BATCHED: the
 * kernel hands packets over a block at a time (or after 10 ms), and the
 * fd of packets__fd() wakes the reader only then, not for every packet:
 * for -i, whose every packet is read; --capture-packets keeps the
 * packets' own timing.
 */
struct packets *packets__open(const char *iface, bool batched);

/* An fd that is readable when packets wait (for epoll), or -1. */
int packets__fd(const struct packets *w);
void packets__close(struct packets *w);

/* The interface's pcap link type (1: Ethernet, also Linux's loopback). */
int packets__linktype(const struct packets *w);

/* Calls FN for each packet waiting now. Returns 0 or -errno. */
typedef int (*packet_fn)(const struct packet *p, void *ctx);
int packets__drain(struct packets *w, packet_fn fn, void *ctx);

/* Fills P's tuple and TCP fields from its frame (data, len: what was
 * captured) of pcap LINKTYPE when it is a TCP segment over IPv4 or IPv6;
 * P zeroed before. packets__drain() does it for each packet; a saved
 * capture's frames (tests) go through it too. */
void packets__parse(int linktype, struct packet *p);

/* Packets the kernel or libpcap dropped (not captured at all). */
uint64_t packets__dropped(struct packets *w);

/* The tuple of a connection from one end's addresses, in wire order. */
void packet_tuple_make(struct packet_tuple *t, uint16_t family, const uint8_t *a, uint16_t port_a,
		       const uint8_t *b, uint16_t port_b);

/* Which end of T (0 or 1) has ADDR and PORT. */
int packet_tuple_end(const struct packet_tuple *t, const uint8_t *addr, uint16_t port);

#endif
