/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_WIRE_SYNC_H
#define __SSLSNIFF_WIRE_SYNC_H

#include "source/packets.h"

/*
 * Which captured packets belong to traced connections. A connection is
 * known from its first record (or its secrets), after its handshake
 * packets went by: those are held, up to a bound, and handed on, in order,
 * once it is known; packets of connections never traced are dropped from
 * the hold as it fills or ages.
 */
struct wire_sync;

typedef int (*wire_out_fn)(const struct wire_packet *p, void *ctx);

struct wire_sync *wire_sync__new(void);
void wire_sync__free(struct wire_sync *ws);

/* Connection T is traced: its held packets go to FN now. 0 or FN's error. */
int wire_sync__known(struct wire_sync *ws, const struct wire_tuple *t, wire_out_fn fn, void *ctx);

/* P goes to FN if its connection is known, else it is held. */
int wire_sync__packet(struct wire_sync *ws, const struct wire_packet *p, wire_out_fn fn, void *ctx);

#endif
