/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TC_PACKETS_H
#define __SSLSNIFF_TC_PACKETS_H

#include <stddef.h>
#include <stdint.h>
#include "source/packets.h"

/*
 * -i's packets from TC (bpf/wire_tap.bpf.c): a program on the interface's
 * ingress and egress hooks (ingress alone on loopback, where every packet
 * passes both) copies each TCP segment that carries bytes into a ring
 * buffer, which the session's ring reader reads beside the probes' ring.
 * The links are the process's: they go with it, however it ends.
 */
struct tc_packets;

/* NULL and errno when the kernel refuses (no TCX, an interface that is not
 * Ethernet, loopback or IP), and why in WHY: the caller says it, as an
 * error or before it falls back to libpcap. */
struct tc_packets *tc_packets__open(const char *iface, size_t ring_size, char *why, size_t why_len);
void tc_packets__close(struct tc_packets *t);

int tc_packets__ring_fd(const struct tc_packets *t);

/* Set just before the reader sleeps: the next batch then wakes it. */
void tc_packets__reader_asleep(struct tc_packets *t, int asleep);

/* P from the ring record DATA, SIZE; false when it is malformed. */
bool tc_packets__packet(const struct tc_packets *t, const void *data, size_t size, struct packet *p);

/* Segments lost to a full ring (never read at all). */
uint64_t tc_packets__dropped(const struct tc_packets *t);

#endif
