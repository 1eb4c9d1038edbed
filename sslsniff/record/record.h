/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_RECORD_H
#define __SSLSNIFF_RECORD_H

#include <stdint.h>
#include <linux/types.h>
#include "sslsniff.h"

struct packet;
struct http_item;
struct identity;

/*
 * What every writer receives, whatever its source: the ring buffer's calls
 * (through the decoder) and the packet source's packets (through the
 * connection match). A writer takes the kinds it shows and ignores the rest.
 */
enum record_kind {
	REC_DATA = 1,		/* the plaintext of one call */
	REC_HANDSHAKE,		/* SSL_do_handshake returned (only with --handshake) */
	REC_SECRETS,		/* a connection's TLS secrets, as key log lines */
	REC_PACKET,		/* a real packet of a traced connection (--capture-packets) */
};

struct record {
	enum record_kind kind;
	const struct event *ev;	/* the call's header (first chunk); NULL for REC_PACKET */
	const uint8_t *data;	/* DATA: the captured bytes, in order; SECRETS: the lines */
	uint32_t data_len;
	uint32_t lost;		/* DATA: bytes of the captured range that are missing */
	uint32_t truncated;	/* DATA: bytes not captured (--max-bytes) */
	const struct packet *packet;	/* REC_PACKET */
	/*
	 * DATA: what the protocol stage found in these bytes; NULL when it did
	 * not parse them (--raw, a protocol it does not know), and an empty
	 * array when they are part of a message that a later record completes.
	 */
	const struct http_item *http;
	uint32_t nr_http;
	/* The caller's cgroup, container and pod (cgroup/identity.h); NULL
	 * when not known (REC_PACKET, no memory). */
	const struct identity *who;
};

#endif
