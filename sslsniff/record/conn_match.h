/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_CONN_MATCH_H
#define __SSLSNIFF_CONN_MATCH_H

#include <stdint.h>
#include "record/decode.h"
#include "source/packets.h"

/*
 * Which captured packets belong to traced connections (--capture-packets).
 * A connection is known from its first data or secrets record, after its
 * handshake packets went by: those are held, up to a bound, and handed on
 * as REC_PACKET records, in order, once it is known; packets of
 * connections never traced are dropped from the hold as it fills or ages.
 */
struct conn_match;

struct conn_match_stats {
	uint64_t packets;	/* handed on: packets of traced connections */
	uint64_t unmatched;	/* held and dropped: no traced connection claimed them */
};

struct conn_match *conn_match__new(record_fn fn, void *ctx);
void conn_match__free(struct conn_match *cm);

/* R (data or secrets) names a traced connection: its held packets go out now. */
int conn_match__record(struct conn_match *cm, const struct record *r);

/* P goes out if its connection is known, else it is held. */
int conn_match__packet(struct conn_match *cm, const struct packet *p);

const struct conn_match_stats *conn_match__stats(const struct conn_match *cm);

#endif
