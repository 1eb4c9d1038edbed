/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_SUMMARY_H
#define __SSLSNIFF_SUMMARY_H

#include <stdint.h>
#include "record/decode.h"
#include "output/output.h"

/*
 * --summary-json FILE: the final summary as one JSON object, for scripts
 * (the benchmark's loss figures). The file is created when capture starts,
 * so that a bad path fails at once, and written when it ends:
 *
 *   {"records":N,"bytes":N,"lost_records":N,"lost_bytes":N,"truncated_bytes":N,
 *    "ring_full_calls":N,"unreadable_bytes":N,"untracked_calls":N,
 *    "by_library":{"openssl":{"records":N,"bytes":N},...}}
 *
 * The figures are those of the summary line on stderr, except that lost
 * bytes and records include calls of which nothing reached user space (ring
 * buffer full); by_library splits the records and captured bytes by the
 * library of the hooked function.
 */
struct summary;

/* Creates PATH with mode 0600; NULL with errno set (reported). */
struct summary *summary__new(const char *path);
/* Closes the file; an unwritten summary's file is removed. */
void summary__free(struct summary *s);

/* One record delivered by the decoder. S may be NULL. */
void summary__count(struct summary *s, const struct record *r);

/*
 * Writes the object: DS from the decoder, BPF_STATS the summed per-CPU
 * counters (enum stat_id). 0, or -errno (reported, the file removed).
 */
/* Bytes and calls lost, from the decoder's and the BPF side's counts. */
void summary_losses(const struct decode_stats *ds, const uint64_t *bpf_stats, uint64_t *bytes,
		    uint64_t *records);

int summary__write(struct summary *s, const struct decode_stats *ds, const uint64_t *bpf_stats);

#endif
