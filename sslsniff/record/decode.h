/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_DECODE_H
#define __SSLSNIFF_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "record/record.h"

/*
 * The ring buffer's records into struct records: the chunks of each call
 * reassembled into one REC_DATA (chunks of a call arrive in order, those of
 * calls on other CPUs may come between), handshakes, and secrets as their
 * key log lines.
 */
struct decoder;

/* Receives each record (a call complete or given up); a non-zero return stops. */
typedef int (*record_fn)(const struct record *r, void *ctx);

struct decode_stats {
	uint64_t records;
	uint64_t bytes;			/* captured bytes delivered */
	uint64_t incomplete;		/* records missing bytes */
	uint64_t missing_bytes;		/* bytes those records lack */
	uint64_t truncated_bytes;	/* cut by --max-bytes */
	uint64_t secrets;		/* secrets records that gave key log lines */
	uint64_t keylog_refused;	/* key log lines not written (secrets_format_line) */
	uint64_t malformed;		/* ring records that made no sense */
};

struct decoder *decoder__new(record_fn fn, void *ctx);
void decoder__free(struct decoder *d);

/* One ring-buffer record. Returns 0 or the callback's non-zero value. */
int decoder__event(struct decoder *d, const void *data, size_t size);

/* Delivers the calls still waiting for chunks, as incomplete. */
int decoder__flush(struct decoder *d);

const struct decode_stats *decoder__stats(const struct decoder *d);

#endif
