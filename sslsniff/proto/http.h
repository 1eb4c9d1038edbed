/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HTTP_H
#define __SSLSNIFF_HTTP_H

#include <stdbool.h>
#include <stdint.h>

/*
 * What the protocol stage finds in a connection's plaintext: HTTP messages,
 * their bodies and HTTP/2's other frames, as items on the record whose bytes
 * completed them. The parsers (http1.c, http2.c with hpack.c) report items
 * through an http_emit_fn; every pointer in an item stays valid until the
 * next feed of the same parser (the parser's arena, or the record's bytes).
 */

enum http_version {
	HTTP_V_UNKNOWN = 0,
	HTTP_V10 = 10,
	HTTP_V11 = 11,
	HTTP_V2 = 20,
};

enum http_item_kind {
	HTTP_ITEM_HEAD = 1,	/* a request, a response or trailers: start line and headers */
	HTTP_ITEM_BODY,		/* a piece of a message's body (HTTP/1 chunking removed) */
	HTTP_ITEM_GRPC,		/* a gRPC message's 5-byte prefix: its bytes follow as BODY */
	HTTP_ITEM_FRAME,	/* an HTTP/2 frame other than HEADERS, CONTINUATION and DATA */
	HTTP_ITEM_RAW,		/* bytes that are not HTTP: after an Upgrade, or skipped to resync */
	HTTP_ITEM_EXCHANGE,	/* a request and its response, both complete */
};

enum http_head_kind {
	HTTP_HEAD_REQUEST = 1,
	HTTP_HEAD_RESPONSE,
	HTTP_HEAD_TRAILERS,
};

/* Bytes, not NUL-terminated (though arena copies are); ptr NULL when absent. */
struct http_str {
	const char *ptr;
	uint32_t len;
};

/* A header refers to an HPACK dynamic table entry decoded before we started. */
#define HTTP_HDR_NAME_UNKNOWN	0x1
#define HTTP_HDR_VALUE_UNKNOWN	0x2

struct http_header {
	struct http_str name;	/* HTTP/2: as sent (lower case), pseudo-headers included */
	struct http_str value;
	uint32_t flags;		/* HTTP_HDR_* */
};

struct http_head {
	enum http_head_kind kind;
	struct http_str method;		/* request */
	struct http_str path;		/* request: the target, or :path */
	struct http_str authority;	/* request: :authority, or Host */
	struct http_str scheme;		/* request, HTTP/2 */
	int status;			/* response: the code, 0 when unknown */
	struct http_str reason;		/* response, HTTP/1 */
	const struct http_header *headers;	/* all of them, in order */
	uint32_t nr_headers;
	uint32_t nr_unknown;		/* headers with HTTP_HDR_*_UNKNOWN */
	int64_t content_length;		/* -1 when not given */
	struct http_str content_type;
	bool end_stream;		/* the message has no body (or, trailers, ends it) */
};

struct http_body {
	const uint8_t *data;
	uint32_t len;
	uint64_t offset;		/* of this piece within the message's body */
	bool end;			/* the message's body ends here */
};

struct http_grpc {
	bool compressed;		/* the prefix's flag */
	uint32_t len;			/* the message's length */
	uint64_t index;			/* of the message within its stream and direction, from 0 */
};

struct http_frame {
	uint8_t type;			/* HTTP/2 frame type */
	uint8_t flags;
	uint32_t len;			/* payload length */
	char summary[120];		/* "SETTINGS ack", "WINDOW_UPDATE +65535", ... */
};

struct http_raw {
	const uint8_t *data;
	uint32_t len;
	const char *why;		/* "upgrade", "resync", "not http" */
};

struct http_exchange {
	struct http_str method, path, authority;
	int status;			/* 0: no response head seen */
	uint64_t req_bytes;		/* body bytes each way */
	uint64_t resp_bytes;
	uint64_t start_ns;		/* the request head's record */
	uint64_t end_ns;		/* the record that ended the response */
	bool reset;			/* HTTP/2: RST_STREAM or GOAWAY ended it */
};

struct http_item {
	enum http_item_kind kind;
	enum http_version version;
	uint32_t stream;		/* HTTP/2 stream id; HTTP/1: 1, 2, ... per message pair */
	bool from_client;		/* sent by the connection's client side */
	/* gRPC (content-type application/grpc...): from the stream's :path */
	bool grpc;
	struct http_str grpc_service, grpc_method;
	int grpc_status;		/* grpc-status of the trailers, -1 when absent */
	struct http_str grpc_message;
	union {
		struct http_head head;
		struct http_body body;
		struct http_grpc grpc_msg;
		struct http_frame frame;
		struct http_raw raw;
		struct http_exchange exchange;
	};
};

typedef void (*http_emit_fn)(const struct http_item *it, void *arg);

/*
 * Which way a parser's bytes go, seen from the traced process: what it sent
 * (its writes) and what it received (its reads). The parsers work out which
 * end is the client from the content.
 */
enum http_dir {
	HTTP_DIR_SENT = 0,
	HTTP_DIR_RECEIVED = 1,
};

#endif
