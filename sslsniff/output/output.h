/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_OUTPUT_H
#define __SSLSNIFF_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <linux/types.h>
#include "sslsniff.h"
#include "record/record.h"

struct counters;

struct output_opts {
	FILE *out;
	bool hexdump;		/* text: hexdump -C instead of raw bytes */
	bool extra;		/* text: UID and TID columns */
	bool latency;		/* text: LAT(ms) column */
	bool escape;		/* text: show control bytes as '.' (a terminal) */
	bool http_summary;	/* text, json: one line per HTTP exchange, nothing else */
	int64_t realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	bool keylog_embed;		/* pcapng: secrets records as Decryption Secrets Blocks */
	const char *capture_iface;	/* pcapng: real packets of this interface, or NULL */
	int capture_linktype;		/* ... and their pcap link type */
};

/* A writer: every record kind comes through record(); the session drives
 * writers through this table only. */
struct output_ops {
	const char *name;
	/* NULL, with errno set, when the writer cannot start. */
	void *(*open)(const struct output_opts *opts);
	/* 0, or -errno when the output can take no more (reported once). */
	int (*record)(void *w, const struct record *r);
	/* Writes out what the writer holds back (every poll round, and at
	 * the end); may be NULL. 0 or -errno. */
	int (*flush)(void *w);
	/* The capture's final counts, once it stops (SIGINT, SIGTERM, the end
	 * of an output): a writer that has room for them writes them out;
	 * may be NULL. 0 or -errno. */
	int (*stats)(void *w, const struct counters *c);
	void (*close)(void *w);
	/* The writer batches whole records itself (flush required): its FILE
	 * is left unbuffered, so that nothing is copied twice. */
	bool batches;
};

extern const struct output_ops out_text_ops;
extern const struct output_ops out_json_ops;
/* Not --formats: -w and --keylog write them beside the text or JSON. */
extern const struct output_ops out_pcapng_ops;
extern const struct output_ops out_keylog_ops;

#define CONN_ADDR_LEN	64	/* "[ipv6]:port" */

/*
 * The record's local and remote "addr:port" ("[addr]:port" for IPv6).
 * Returns false, with both empty, when the connection is not known.
 */
bool output_conn(const struct event *ev, char src[CONN_ADDR_LEN], char dst[CONN_ADDR_LEN]);

/* "struct" or "syscall", or NULL when the record has no fd. */
const char *output_fd_source(const struct event *ev);

/* "TLSv1.3" and the like, NULL when unknown. */
const char *output_tls_version(const struct event *ev);

/* The writer called NAME ("text", "json"), or NULL. */
const struct output_ops *output_find(const char *name);

/*
 * Writes all of BUF, whole records, to F (which holds nothing back); 0 or
 * -errno. A file that took only part of it is cut back to where it was.
 */
int output_write(FILE *f, const void *buf, size_t len);

#endif
