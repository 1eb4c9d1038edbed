/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_GRPC_H
#define __SSLSNIFF_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "proto/http.h"

/*
 * gRPC over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md): the stream's :path names
 * the call, its DATA is a sequence of length-prefixed messages.
 */

/* Content-Type "application/grpc", or "application/grpc+proto", ";...". */
bool grpc_is_content_type(struct http_str ct);

/* "/pkg.Service/Method" into "pkg.Service" and "Method" (pointers into PATH);
 * -EINVAL, both left empty, for a path of another shape. */
int grpc_path_split(struct http_str path, struct http_str *service, struct http_str *method);

/* A grpc-status value ("0" to "16", any decimal), or -1. */
int grpc_status_parse(struct http_str v);

/* The messages of one direction of one stream, read as DATA arrives. */
struct grpc_reader {
	uint8_t prefix[5];
	uint8_t prefix_len;	/* bytes of the next prefix seen so far */
	uint32_t left;		/* bytes of the current message still to come */
	uint64_t index;		/* messages whose prefix was seen */
};

enum grpc_step_kind {
	GRPC_STEP_NONE,		/* bytes of a prefix taken, prefix not yet whole */
	GRPC_STEP_PREFIX,	/* a prefix completed: COMPRESSED, LEN, INDEX */
	GRPC_STEP_MESSAGE,	/* message bytes: the N taken from the input */
};

struct grpc_step {
	enum grpc_step_kind kind;
	struct http_grpc msg;	/* GRPC_STEP_PREFIX */
};

/* Takes what it can of P (N > 0 bytes) as one step; returns the bytes taken. */
size_t grpc_reader__step(struct grpc_reader *r, const uint8_t *p, size_t n,
			 struct grpc_step *step);

#endif
