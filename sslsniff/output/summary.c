// SPDX-License-Identifier: GPL-2.0
/* The counters of every part, reported: the summary line and --summary-json. */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/json_writer.h"
#include "lib/log.h"
#include "lib/out_file.h"
#include "output/summary.h"
#include "tls_funcs.h"

struct summary {
	struct out_file *file;
	int fd;
};

struct summary *summary__new(struct out_file *file)
{
	struct summary *s = calloc(1, sizeof(*s));

	if (!s) {
		p_err("--summary-json: %s", strerror(ENOMEM));
		errno = ENOMEM;
		return NULL;
	}
	s->file = file;
	s->fd = file->fd;
	return s;
}

void summary__free(struct summary *s)
{
	if (!s)
		return;
	if (s->fd >= 0) {
		close(s->fd);
		out_file__discard(s->file);
	}
	free(s);
}

void counters_count(struct counters *c, const struct record *r)
{
	const struct tls_func_info *fi;

	if (r->kind != REC_DATA)
		return;
	fi = tls_func_info(r->ev->func);
	if (!fi || fi->lib >= sizeof(c->lib) / sizeof(c->lib[0]))
		return;
	c->lib[fi->lib].records++;
	c->lib[fi->lib].bytes += r->data_len;
}

void counters_losses(const struct counters *c, uint64_t *bytes, uint64_t *records)
{
	const uint64_t *st = c->bpf;

	/*
	 * A call of which not even the ring-full notice fitted never reaches
	 * the decoder: the BPF counters know every lost byte. Calls: those the
	 * ring cut short, or those that arrived short if more (unreadable
	 * bytes are counted by byte, not by call, in BPF).
	 */
	*bytes = st[STAT_LOST_BYTES_RINGBUF] + st[STAT_LOST_BYTES_FAULT];
	if (c->dec.missing_bytes > *bytes)
		*bytes = c->dec.missing_bytes;
	*records = st[STAT_LOST_CALLS_RINGBUF];
	if (c->dec.incomplete > *records)
		*records = c->dec.incomplete;
	/* -i: what the packets carried and could not be delivered. */
	if (c->wire_on) {
		*bytes += c->wire.bytes_lost + c->wire.unkeyed_bytes;
		*records += c->wire.records_failed + c->wire.records_unkeyed;
	}
}

/* -i: the wire's counts, each under its JSON name and, when not zero and
 * texted, said in the summary line. */
#define WIRE_STAT(field, text)	{ offsetof(struct wire_stats, field), #field, text }

static const struct {
	size_t off;
	const char *json, *text;
} wire_stat_names[] = {
	WIRE_STAT(flows, NULL),
	WIRE_STAT(tls_conns, NULL),
	WIRE_STAT(keyed_conns, NULL),
	WIRE_STAT(unkeyed_conns, "TLS connections without keys (no traced handshake)"),
	WIRE_STAT(unkeyed_bytes, "bytes of them"),
	WIRE_STAT(fallback_conns, "connections whose handshake was not seen (their processes' calls probed)"),
	WIRE_STAT(midstream_conns, NULL),
	WIRE_STAT(keys_unmatched, "handshakes' keys no packets matched"),
	WIRE_STAT(unplaced_ends, "handshakes of unknown socket"),
	WIRE_STAT(late_ends, "ends traced late"),
	WIRE_STAT(records, NULL),
	WIRE_STAT(records_decrypted, NULL),
	WIRE_STAT(records_failed, "records failed to decrypt"),
	WIRE_STAT(records_unkeyed, "records never decrypted"),
	WIRE_STAT(bytes_tls, NULL),
	WIRE_STAT(bytes_plain, NULL),
	WIRE_STAT(bytes_lost, "TLS bytes lost to gaps"),
	WIRE_STAT(tcp_gap_bytes, "TCP bytes never captured"),
	WIRE_STAT(tcp_duplicate_bytes, NULL),
	WIRE_STAT(flows_evicted, "flows forgotten"),
};

static uint64_t wire_stat(const struct wire_stats *p, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)p + wire_stat_names[i].off, sizeof(v));
	return v;
}

static void summary_print_wire(FILE *f, const struct counters *c)
{
	const struct wire_stats *w = &c->wire;

	fprintf(f, "; wire: %" PRIu64 " TLS records decrypted of %" PRIu64 " on %" PRIu64
		" connections, %" PRIu64 " packets dropped before capture",
		w->records_decrypted, w->records, w->keyed_conns, c->packets_dropped);
	for (size_t i = 0; i < sizeof(wire_stat_names) / sizeof(wire_stat_names[0]); i++) {
		uint64_t v = wire_stat(w, i);

		if (v && wire_stat_names[i].text)
			fprintf(f, ", %" PRIu64 " %s", v, wire_stat_names[i].text);
	}
}

/* Data records and their bytes: the decoder's, or with -i the wire's (the
 * decoder's are then the handshakes' secrets). */
static void counters_records(const struct counters *c, uint64_t *records, uint64_t *bytes)
{
	*records = c->dec.records;
	*bytes = c->dec.bytes;
	if (!c->wire_on)
		return;
	*records = *bytes = 0;
	for (unsigned int lib = LIB_OPENSSL; lib <= LIB_GO; lib++) {
		*records += c->lib[lib].records;
		*bytes += c->lib[lib].bytes;
	}
}

static uint64_t counters_untracked(const struct counters *c)
{
	return c->bpf[STAT_LOST_CALLS_STATE] + c->bpf[STAT_LOST_CALLS_BAD_LEN] +
	       c->bpf[STAT_LOST_EVENTS_OTHER];
}

/*
 * The protocol stage's counts, each under its JSON name and, when not zero,
 * said in the summary line: what it could not follow is said, not hidden.
 */
#define PROTO_STAT(field, json, text)	{ offsetof(struct proto_stats, field), json, text }

static const struct {
	size_t off;
	const char *json, *text;
} proto_stat_names[] = {
	PROTO_STAT(http1_conns, "http1_connections", NULL),
	PROTO_STAT(http2_conns, "http2_connections", NULL),
	PROTO_STAT(messages, "messages", NULL),
	PROTO_STAT(unknown_headers, "unknown_headers",
		   "headers unknown (table entries from before the start)"),
	PROTO_STAT(resync_bytes, "resync_bytes", "bytes skipped to resynchronise"),
	PROTO_STAT(gaps, "gaps", "restarts after missing bytes"),
	PROTO_STAT(conns_evicted, "evicted_connections", "connections' state forgotten"),
	PROTO_STAT(http1.bad_heads, "http1_bad_heads", "HTTP/1 heads shown raw"),
	PROTO_STAT(http1.bad_framing, "http1_bad_framing", "HTTP/1 bodies of unknown framing"),
	PROTO_STAT(http1.dropped_requests, "http1_dropped_requests",
		   "HTTP/1 requests past the pipelining queue"),
	PROTO_STAT(http1.unpaired_responses, "http1_unpaired_responses",
		   "HTTP/1 responses without their request"),
	PROTO_STAT(http2.blocks_dropped, "http2_blocks_dropped",
		   "HTTP/2 header blocks undecoded (too large or cut)"),
	PROTO_STAT(http2.hpack_errors, "http2_hpack_errors", "HTTP/2 header blocks malformed"),
	PROTO_STAT(http2.hpack_resets, "http2_hpack_resets", "HPACK tables restarted"),
	PROTO_STAT(http2.streams_evicted, "http2_streams_evicted", "HTTP/2 streams forgotten"),
	PROTO_STAT(http2.orphans, "http2_orphan_streams", "HTTP/2 streams begun before the start"),
	PROTO_STAT(http2.heads_dropped, "http2_heads_dropped",
		   "HTTP/2 heads not shown (8 MiB a record)"),
	PROTO_STAT(http2.nomem, "nomem", "HTTP items lost to memory"),
};

static uint64_t proto_stat(const struct proto_stats *p, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)p + proto_stat_names[i].off, sizeof(v));
	return v;
}

static void summary_print_http(FILE *f, const struct proto_stats *p)
{
	fprintf(f, "; http: %" PRIu64 " messages on %" PRIu64 " connections", p->messages,
		p->http1_conns + p->http2_conns);
	for (size_t i = 0; i < sizeof(proto_stat_names) / sizeof(proto_stat_names[0]); i++) {
		uint64_t v = proto_stat(p, i);

		if (v && proto_stat_names[i].text)
			fprintf(f, ", %" PRIu64 " %s", v, proto_stat_names[i].text);
	}
}

void summary_print(FILE *f, const struct counters *c)
{
	const uint64_t *s = c->bpf;
	uint64_t lost_bytes, lost_records, records, bytes;

	counters_losses(c, &lost_bytes, &lost_records);
	counters_records(c, &records, &bytes);
	fprintf(f,
		"sslsniff: %" PRIu64 " records, %" PRIu64 " bytes captured; lost: %" PRIu64
		" bytes in %" PRIu64 " records (ring buffer full: %" PRIu64 " calls, %" PRIu64
		" bytes; unreadable: %" PRIu64 " bytes), %" PRIu64 " calls untracked; truncated: %"
		PRIu64 " bytes",
		records, bytes, lost_bytes, lost_records,
		s[STAT_LOST_CALLS_RINGBUF], s[STAT_LOST_BYTES_RINGBUF], s[STAT_LOST_BYTES_FAULT],
		counters_untracked(c), s[STAT_TRUNCATED_BYTES]);
	if (c->packets_on)
		fprintf(f, "; packets: %" PRIu64 " written, %" PRIu64 " dropped before capture",
			c->match.packets, c->packets_dropped);
	if (c->wire_on)
		summary_print_wire(f, c);
	if (c->proto_on && c->proto.http1_conns + c->proto.http2_conns)
		summary_print_http(f, &c->proto);
	if (c->dec.keylog_refused)
		fprintf(f, "; key log: %" PRIu64 " lines refused (a part too long or unreadable)",
			c->dec.keylog_refused);
	/* Ring records the decoder refused: none unless the BPF side is broken. */
	if (c->dec.malformed)
		fprintf(f, "; malformed: %" PRIu64 " ring records", c->dec.malformed);
	fputc('\n', f);
}

static void summary_json_http(struct jsonw *w, const struct proto_stats *p)
{
	jsonw_name(w, "http");
	jsonw_start_object(w);
	for (size_t i = 0; i < sizeof(proto_stat_names) / sizeof(proto_stat_names[0]); i++)
		jsonw_uint_field(w, proto_stat_names[i].json, proto_stat(p, i));
	jsonw_end_object(w);
}

static void summary_json_wire(struct jsonw *w, const struct counters *c)
{
	jsonw_name(w, "wire");
	jsonw_start_object(w);
	for (size_t i = 0; i < sizeof(wire_stat_names) / sizeof(wire_stat_names[0]); i++)
		jsonw_uint_field(w, wire_stat_names[i].json, wire_stat(&c->wire, i));
	jsonw_uint_field(w, "packets_dropped", c->packets_dropped);
	jsonw_end_object(w);
}

static void summary_json(struct jsonw *w, const struct counters *c)
{
	const struct decode_stats *ds = &c->dec;
	const uint64_t *st = c->bpf;
	uint64_t lost_bytes, lost_records, records, bytes;

	counters_losses(c, &lost_bytes, &lost_records);
	counters_records(c, &records, &bytes);
	jsonw_start_object(w);
	jsonw_uint_field(w, "records", records);
	jsonw_uint_field(w, "bytes", bytes);
	jsonw_uint_field(w, "lost_records", lost_records);
	jsonw_uint_field(w, "lost_bytes", lost_bytes);
	jsonw_uint_field(w, "truncated_bytes", st[STAT_TRUNCATED_BYTES]);
	jsonw_uint_field(w, "ring_full_calls", st[STAT_LOST_CALLS_RINGBUF]);
	jsonw_uint_field(w, "unreadable_bytes", st[STAT_LOST_BYTES_FAULT]);
	jsonw_uint_field(w, "untracked_calls", counters_untracked(c));
	if (ds->malformed)
		jsonw_uint_field(w, "malformed_records", ds->malformed);
	if (ds->keylog_refused)
		jsonw_uint_field(w, "keylog_refused_lines", ds->keylog_refused);
	jsonw_name(w, "by_library");
	jsonw_start_object(w);
	for (unsigned int lib = LIB_OPENSSL; lib <= LIB_GO; lib++) {
		jsonw_name(w, tls_library_name(lib));
		jsonw_start_object(w);
		jsonw_uint_field(w, "records", c->lib[lib].records);
		jsonw_uint_field(w, "bytes", c->lib[lib].bytes);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
	if (c->proto_on)
		summary_json_http(w, &c->proto);
	if (c->wire_on)
		summary_json_wire(w, c);
	if (c->packets_on) {
		jsonw_name(w, "packets");
		jsonw_start_object(w);
		jsonw_uint_field(w, "written", c->match.packets);
		jsonw_uint_field(w, "dropped", c->packets_dropped);
		jsonw_uint_field(w, "unmatched", c->match.unmatched);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
}

int summary__write(struct summary *s, const struct counters *c)
{
	struct jsonw w = {};
	size_t off = 0;
	int err = 0;

	summary_json(&w, c);
	err = jsonw_error(&w);
	while (!err && off < w.sb.len) {
		ssize_t n = write(s->fd, w.sb.buf + off, w.sb.len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err = -errno;
		else
			off += n;
	}
	if (close(s->fd) && !err)
		err = -errno;
	s->fd = -1;
	jsonw_free(&w);
	if (err) {
		p_err("--summary-json: '%s': write failed: %s", s->file->path, strerror(-err));
		out_file__discard(s->file);
	}
	return err;
}
