// SPDX-License-Identifier: GPL-2.0
/* The counters of every part, reported: the summary line and --summary-json. */
#include <errno.h>
#include <inttypes.h>
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
}

static uint64_t counters_untracked(const struct counters *c)
{
	return c->bpf[STAT_LOST_CALLS_STATE] + c->bpf[STAT_LOST_CALLS_BAD_LEN] +
	       c->bpf[STAT_LOST_EVENTS_OTHER];
}

static void summary_print_nonzero(FILE *f, const char *what, uint64_t n)
{
	if (n)
		fprintf(f, ", %" PRIu64 " %s", n, what);
}

/* What the protocol stage could not follow is said, not hidden. */
static void summary_print_http(FILE *f, const struct proto_stats *p)
{
	fprintf(f, "; http: %" PRIu64 " messages on %" PRIu64 " connections", p->messages,
		p->http1_conns + p->http2_conns);
	if (p->unknown_headers)
		fprintf(f, ", %" PRIu64 " headers unknown (table entries from before the start)",
			p->unknown_headers);
	if (p->resync_bytes)
		fprintf(f, ", %" PRIu64 " bytes skipped to resynchronise", p->resync_bytes);
	if (p->gaps)
		fprintf(f, ", %" PRIu64 " restarts after missing bytes", p->gaps);
	if (p->conns_evicted)
		fprintf(f, ", %" PRIu64 " connections' state forgotten", p->conns_evicted);
	summary_print_nonzero(f, "HTTP/1 heads shown raw", p->http1.bad_heads);
	summary_print_nonzero(f, "HTTP/1 bodies of unknown framing", p->http1.bad_framing);
	summary_print_nonzero(f, "HTTP/1 requests past the pipelining queue",
			      p->http1.dropped_requests);
	summary_print_nonzero(f, "HTTP/1 responses without their request",
			      p->http1.unpaired_responses);
	summary_print_nonzero(f, "HTTP/2 header blocks undecoded (too large or cut)",
			      p->http2.blocks_dropped);
	summary_print_nonzero(f, "HTTP/2 header blocks malformed", p->http2.hpack_errors);
	summary_print_nonzero(f, "HPACK tables restarted", p->http2.hpack_resets);
	summary_print_nonzero(f, "HTTP/2 streams forgotten", p->http2.streams_evicted);
	summary_print_nonzero(f, "HTTP/2 streams begun before the start", p->http2.orphans);
	summary_print_nonzero(f, "HTTP/2 heads not shown (8 MiB a record)", p->http2.heads_dropped);
	summary_print_nonzero(f, "HTTP items lost to memory", p->http2.nomem);
}

void summary_print(FILE *f, const struct counters *c)
{
	const uint64_t *s = c->bpf;
	uint64_t lost_bytes, lost_records;

	counters_losses(c, &lost_bytes, &lost_records);
	fprintf(f,
		"sslsniff: %" PRIu64 " records, %" PRIu64 " bytes captured; lost: %" PRIu64
		" bytes in %" PRIu64 " records (ring buffer full: %" PRIu64 " calls, %" PRIu64
		" bytes; unreadable: %" PRIu64 " bytes), %" PRIu64 " calls untracked; truncated: %"
		PRIu64 " bytes",
		c->dec.records, c->dec.bytes, lost_bytes, lost_records,
		s[STAT_LOST_CALLS_RINGBUF], s[STAT_LOST_BYTES_RINGBUF], s[STAT_LOST_BYTES_FAULT],
		counters_untracked(c), s[STAT_TRUNCATED_BYTES]);
	if (c->packets_on)
		fprintf(f, "; packets: %" PRIu64 " written, %" PRIu64 " dropped before capture",
			c->match.packets, c->packets_dropped);
	if (c->proto_on && c->proto.http1_conns + c->proto.http2_conns)
		summary_print_http(f, &c->proto);
	/* Ring records the decoder refused: none unless the BPF side is broken. */
	if (c->dec.malformed)
		fprintf(f, "; malformed: %" PRIu64 " ring records", c->dec.malformed);
	fputc('\n', f);
}

static void summary_json_http(struct jsonw *w, const struct proto_stats *p)
{
	jsonw_name(w, "http");
	jsonw_start_object(w);
	jsonw_uint_field(w, "http1_connections", p->http1_conns);
	jsonw_uint_field(w, "http2_connections", p->http2_conns);
	jsonw_uint_field(w, "messages", p->messages);
	jsonw_uint_field(w, "unknown_headers", p->unknown_headers);
	jsonw_uint_field(w, "resync_bytes", p->resync_bytes);
	jsonw_uint_field(w, "gaps", p->gaps);
	jsonw_uint_field(w, "evicted_connections", p->conns_evicted);
	jsonw_uint_field(w, "http1_bad_heads", p->http1.bad_heads);
	jsonw_uint_field(w, "http1_bad_framing", p->http1.bad_framing);
	jsonw_uint_field(w, "http1_dropped_requests", p->http1.dropped_requests);
	jsonw_uint_field(w, "http1_unpaired_responses", p->http1.unpaired_responses);
	jsonw_uint_field(w, "http2_blocks_dropped", p->http2.blocks_dropped);
	jsonw_uint_field(w, "http2_hpack_errors", p->http2.hpack_errors);
	jsonw_uint_field(w, "http2_hpack_resets", p->http2.hpack_resets);
	jsonw_uint_field(w, "http2_streams_evicted", p->http2.streams_evicted);
	jsonw_uint_field(w, "http2_orphan_streams", p->http2.orphans);
	jsonw_uint_field(w, "http2_heads_dropped", p->http2.heads_dropped);
	jsonw_uint_field(w, "nomem", p->http2.nomem);
	jsonw_end_object(w);
}

static void summary_json(struct jsonw *w, const struct counters *c)
{
	const struct decode_stats *ds = &c->dec;
	const uint64_t *st = c->bpf;
	uint64_t lost_bytes, lost_records;

	counters_losses(c, &lost_bytes, &lost_records);
	jsonw_start_object(w);
	jsonw_uint_field(w, "records", ds->records);
	jsonw_uint_field(w, "bytes", ds->bytes);
	jsonw_uint_field(w, "lost_records", lost_records);
	jsonw_uint_field(w, "lost_bytes", lost_bytes);
	jsonw_uint_field(w, "truncated_bytes", st[STAT_TRUNCATED_BYTES]);
	jsonw_uint_field(w, "ring_full_calls", st[STAT_LOST_CALLS_RINGBUF]);
	jsonw_uint_field(w, "unreadable_bytes", st[STAT_LOST_BYTES_FAULT]);
	jsonw_uint_field(w, "untracked_calls", counters_untracked(c));
	if (ds->malformed)
		jsonw_uint_field(w, "malformed_records", ds->malformed);
	jsonw_name(w, "by_library");
	jsonw_start_object(w);
	for (unsigned int lib = LIB_OPENSSL; lib <= LIB_NSS; lib++) {
		jsonw_name(w, tls_library_name(lib));
		jsonw_start_object(w);
		jsonw_uint_field(w, "records", c->lib[lib].records);
		jsonw_uint_field(w, "bytes", c->lib[lib].bytes);
		jsonw_end_object(w);
	}
	jsonw_end_object(w);
	if (c->proto_on)
		summary_json_http(w, &c->proto);
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
