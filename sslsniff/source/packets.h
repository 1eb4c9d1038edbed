/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_WIRE_H
#define __SSLSNIFF_WIRE_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The real, encrypted packets of an interface (--capture-packets), read
 * with libpcap without blocking, each with the TCP connection it belongs to.
 */
struct wire;

/* Both ends of a TCP connection, in a fixed order: the same either way. */
struct wire_tuple {
	uint16_t family;	/* AF_INET or AF_INET6 */
	uint16_t port[2];
	uint8_t addr[2][16];
};

struct wire_packet {
	uint64_t ts_ns;		/* since the epoch */
	const uint8_t *data;	/* link-layer frame */
	uint32_t len;
	struct wire_tuple tuple;
	bool tcp;		/* a TCP segment over IPv4 or IPv6: TUPLE holds */
};

/* Opens IFACE for TCP packets. NULL on failure, reported. */
struct wire *wire__open(const char *iface);
void wire__close(struct wire *w);

/* The interface's pcap link type (1: Ethernet, also Linux's loopback). */
int wire__linktype(const struct wire *w);

/* Calls FN for each packet waiting now. Returns 0 or -errno. */
typedef int (*wire_packet_fn)(const struct wire_packet *p, void *ctx);
int wire__drain(struct wire *w, wire_packet_fn fn, void *ctx);

/* Packets the kernel or libpcap dropped (not captured at all). */
uint64_t wire__dropped(struct wire *w);

/* The tuple of a connection from one end's addresses, in wire order. */
void wire_tuple_make(struct wire_tuple *t, uint16_t family, const uint8_t *a, uint16_t port_a,
		     const uint8_t *b, uint16_t port_b);

#endif
