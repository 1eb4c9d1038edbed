/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_SUMMARY_H
#define __SSLSNIFF_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "record/conn_match.h"
#include "record/decode.h"
#include "record/wire_conn.h"
#include "record/record.h"
#include "proto/proto.h"
#include "tls_funcs.h"

/*
 * Every count sslsniff keeps, in one place: the session gathers them from
 * each part (the BPF side's per-CPU counters, the decoder, the packet
 * source and its match) and this file reports them, as the summary line on
 * stderr (at exit, and every second with --stats) and as --summary-json.
 */
struct counters {
	uint64_t bpf[STAT__MAX];	/* enum stat_id, summed over the CPUs */
	struct decode_stats dec;
	bool packets_on;		/* --capture-packets */
	struct conn_match_stats match;
	bool proto_on;			/* the protocol stage ran (not --raw) */
	struct proto_stats proto;
	uint64_t packets_dropped;	/* by the kernel or libpcap, before capture */
	bool wire_on;			/* -i: the plaintext from the packets */
	struct wire_stats wire;
	struct {
		uint64_t records, bytes;
	} lib[LIB_GO + 1];		/* data records by the library of the hooked function */
};

/* One record on its way to the writers. */
void counters_count(struct counters *c, const struct record *r);

/* Bytes and calls lost, from the decoder's and the BPF side's counts. */
void counters_losses(const struct counters *c, uint64_t *bytes, uint64_t *records);

/* "sslsniff: N records, N bytes captured; lost: ...", on F. */
void summary_print(FILE *f, const struct counters *c);

/*
 * --summary-json FILE: the final summary as one JSON object, for scripts
 * (the benchmark's loss figures). The file is opened at start-up,
 * so that a bad path fails at once, and written when it ends:
 *
 *   {"records":N,"bytes":N,"lost_records":N,"lost_bytes":N,"truncated_bytes":N,
 *    "ring_full_calls":N,"unreadable_bytes":N,"untracked_calls":N,
 *    "by_library":{"openssl":{"records":N,"bytes":N},...}}
 *
 * with the protocol stage on (not --raw) "http":{"http1_connections":N,
 * "http2_connections":N,"messages":N,"unknown_headers":N,"resync_bytes":N,
 * "gaps":N,"evicted_connections":N}, and with --capture-packets
 * "packets":{"written":N,"dropped":N,"unmatched":N}; with -i "wire":{...}, every
 * member of struct wire_stats under its name there, and "packets_dropped".
 * The figures are those of the summary line, except that lost bytes and
 * records include calls of which nothing reached user space (ring buffer
 * full); by_library splits the records and captured bytes by the library of
 * the hooked function.
 */
struct summary;
struct out_file;

/* Takes FILE, opened by out_file__open() (its fd is the summary's to
 * close); NULL with errno set (reported). */
struct summary *summary__new(struct out_file *file);
/* Closes the file; an unwritten summary's file is removed if this run made it. */
void summary__free(struct summary *s);

/* Writes the object. 0, or -errno (reported, the file removed if this run made it). */
int summary__write(struct summary *s, const struct counters *c);

#endif
