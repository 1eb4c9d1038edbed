/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_STREAMS_H
#define __SSLSNIFF_STREAMS_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "sslsniff.h"
#include "lib/lru.h"
#include "output/tcp_synth.h"

/*
 * The pcapng writer's table of streams: the synthetic TCP stream of each
 * traced connection, found by the connection's calls.
 */
struct streams;

/* A long capture meets endless connections: past this many, the least recently used goes. */
#define STREAM_MAX	65536

struct stream {
	struct tcp_stream tcp;	/* addresses, ports and sequence numbers, to write from */
	bool mirror;		/* the other end of a connection already written: leave out */
	/* The table's own. */
	bool by_handle;		/* ID is the TLS handle, not the fd */
	bool real;		/* the socket's addresses, not made up */
	uint32_t pid;
	uint64_t id;		/* fd, or the TLS handle */
	struct stream *next, **pprev;	/* chain of a bucket: by (pid, fd or handle) */
	struct stream *tnext, **tpprev;	/* chain of a tuple bucket; NULL pprev: in none */
	struct lru_node lru;		/* in struct streams' LRU order */
};

/* An empty table; NULL with errno set. */
struct streams *streams__new(void);
void streams__free(struct streams *t);

/*
 * The stream of EV's connection, now the most recently used. *FRESH when
 * it starts with this record (a connection not seen, or its addresses
 * changed): its addresses and ISNs are then new, and its handshake is
 * due. NULL with errno set when out of memory.
 */
struct stream *streams__get(struct streams *t, const struct event *ev, bool *fresh);

#endif
