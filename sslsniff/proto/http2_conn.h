/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HTTP2_CONN_H
#define __SSLSNIFF_HTTP2_CONN_H

/*
 * The state of one HTTP/2 connection, shared by http2.c (frames, header
 * blocks, resync) and http2_stream.c (streams, heads, exchanges); not for
 * other files, which use proto/http2.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include "lib/arena.h"
#include "proto/grpc.h"
#include "proto/hpack.h"
#include "proto/http2.h"
#include "proto/http2_frame.h"

#define H2_BLOCK_MAX	(256u << 10)
#define H2_ARENA_MAX	(8u << 20)	/* what one feed's items may hold */
#define H2_BLOCK_KEEP	(16u << 10)	/* block buffer kept between blocks */
#define H2_STREAMS_MAX	256u
#define H2_SMALL	64u
#define H2_STR_MAX	2048u
#define H2_PENDING	8u		/* SETTINGS awaiting their ACK, per direction */
#define H2_CHAIN	4u		/* frame headers that must chain to resync */
#define H2_TABLE_DEFAULT 4096u		/* RFC 9113 6.5.2 */
/* Midstream, the limit the SETTINGS before our start set is not known: any. */
#define H2_TABLE_UNKNOWN UINT32_MAX

enum h2_state {
	H2_ST_PREFACE,		/* the direction's first bytes: the preface or not */
	H2_ST_RESYNC,		/* looking for a frame boundary */
	H2_ST_HEADER,		/* a frame header, HDR_LEN bytes of it so far */
	H2_ST_PAYLOAD,		/* the payload of F, DONE bytes of it so far */
};

/* What a SETTINGS frame changes once acknowledged (RFC 9113 6.5.3). */
struct h2_pending {
	uint32_t table_size, max_frame;
	bool has_table, has_frame;
};

/* One direction: what the side that sends it sent. */
struct h2_dir {
	enum h2_state state;
	uint32_t preface_len;
	uint8_t hdr[H2_HDR_LEN];
	uint32_t hdr_len;
	uint8_t carry[H2_HDR_LEN];	/* resync: the last bytes of a feed, too few to test */
	uint32_t carry_len;
	uint32_t scan_skip;		/* resync: offsets of carry then data already tried */
	bool probation;			/* the next header is a lone candidate: skip its frame */
	bool skipping;			/* skipping that frame */
	bool confirm;			/* the next header must pass the strict check */
	uint32_t strict_left;		/* headers after a resync that must pass it too */
	bool synced;			/* a frame was read: a resync loses state */

	struct h2_hdr f;		/* the frame being read */
	uint32_t done;			/* of its payload */
	uint8_t small[H2_SMALL];	/* its first bytes */
	uint8_t unit[6];		/* SETTINGS: the entry being read */
	uint8_t unit_len;
	char sum[sizeof(((struct http_frame *)0)->summary)];
	struct h2_pending settings;	/* what the SETTINGS being read changes */
	uint32_t pad;			/* DATA: padding length */
	bool data_bad, data_end_sent;

	/* The header block: HEADERS or PUSH_PROMISE, then CONTINUATIONs. */
	uint8_t *block;
	uint32_t block_len, block_cap, block_total, frag_start;
	uint32_t block_stream;		/* of the frames */
	uint32_t promised;		/* PUSH_PROMISE: the stream the request is for */
	uint8_t block_type, block_flags;
	bool in_block, block_dropped;
	const char *drop_why;

	struct hpack *hpack;		/* decodes the header blocks this side sends */
	uint32_t table_limit;		/* the limit the other side's SETTINGS allows it */
	uint32_t max_frame;		/* the frame size the other side allows; 0: not known */
	struct h2_pending pending[H2_PENDING];	/* SETTINGS this side sent, not yet acked */
	uint32_t nr_pending;
};

/* A stream's strings, kept until the feed after they are replaced (items point at them). */
enum { H2_S_METHOD, H2_S_PATH, H2_S_AUTHORITY, H2_S_GMESSAGE, H2_S_NR };

struct h2_strs {
	struct h2_strs *next;		/* in the graveyard */
	struct http_str s[H2_S_NR];
	struct http_str service, gmethod;	/* in s[H2_S_PATH] */
	char mem[];
};

struct h2_stream {
	uint32_t id;
	uint64_t seq;			/* last activity, for eviction */
	uint64_t start_ns;
	uint64_t bytes[2];		/* body bytes per direction (HTTP_DIR_*) */
	int status;			/* the final response's */
	int grpc_status;
	bool head[2];			/* a final head seen per direction */
	bool ended[2];			/* END_STREAM per direction */
	bool data[2];			/* a DATA frame seen per direction */
	bool grpc, grpc_lost[2];
	struct grpc_reader rd[2];
	struct h2_strs *strs;
};

struct http2_conn {
	bool midstream;
	int client_dir;			/* HTTP_DIR_* of the client, -1 not yet known */
	bool client_guessed;		/* client_dir from a first SETTINGS only */
	struct h2_dir d[2];
	struct h2_stream *streams;
	uint32_t nr_streams, cap_streams;
	uint64_t seq;
	struct arena arena;		/* the items' strings, emptied at each feed */
	struct arena scratch;		/* blocks decoded only to keep HPACK in step */
	struct h2_strs *graveyard;	/* strings of streams ended during this feed */
	struct http2_stats stats;
};

/* One call of http2_conn__feed(). */
struct h2_feed {
	struct http2_conn *c;
	struct h2_dir *d;
	enum http_dir dir;
	uint64_t ts;
	http_emit_fn emit;
	void *arg;
};

static inline enum http_dir h2_other(enum http_dir dir)
{
	return dir == HTTP_DIR_SENT ? HTTP_DIR_RECEIVED : HTTP_DIR_SENT;
}

/* Until a preface or a message says, the traced process is taken for the client. */
static inline bool h2_from_client(const struct http2_conn *c, enum http_dir dir)
{
	return c->client_dir < 0 ? dir == HTTP_DIR_SENT : (int)dir == c->client_dir;
}

/* A message says which side is the client: it overrules a guess. */
static inline void h2_client_is(struct http2_conn *c, enum http_dir dir)
{
	if (c->client_dir < 0 || c->client_guessed) {
		c->client_dir = dir;
		c->client_guessed = false;
	}
}

/* http2_stream.c */
void h2_item_init(struct h2_feed *x, struct http_item *it, enum http_item_kind kind,
		  uint32_t stream, const struct h2_stream *s);
void h2_emit_frame(struct h2_feed *x, const struct h2_hdr *h, uint32_t stream, const char *sum);
struct h2_stream *h2_stream_find(struct http2_conn *c, uint32_t id);
/* Stream ID, made when new (*FRESH), the least recently active evicted from a full table. */
struct h2_stream *h2_stream_get(struct http2_conn *c, uint32_t id, bool *fresh);
/* S ended both ways, or was reset: its exchange item, then S is gone. */
void h2_exchange(struct h2_feed *x, struct h2_stream *s, bool reset);
/* END_STREAM from X's direction on S. */
void h2_stream_end(struct h2_feed *x, struct h2_stream *s, enum http_dir dir);
/* The decoded block FIELDS of stream ID as a head item; PUSH: a PUSH_PROMISE's request. */
void h2_head(struct h2_feed *x, uint32_t id, struct http_header *fields, uint32_t nr,
	     bool end_stream, bool push);

#endif
