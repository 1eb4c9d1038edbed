// SPDX-License-Identifier: GPL-2.0
/*
 * Text in the layout of bcc's sslsniff: a header line, a row per call, then
 * the data between DATA markers. --hexdump shows the data as hexdump -C.
 * Records collect in one buffer, written out when it holds a batch and
 * every poll round, as JSON's: each write(2) carries whole records, so a
 * kill leaves none cut short (unless it lands inside that write).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "output/output.h"
#include "cgroup/identity.h"
#include "lib/strbuf.h"
#include "output/text_bytes.h"
#include "output/text_http.h"
#include "proto/http.h"
#include "proto/http_names.h"
#include "record/alpn.h"
#include "tls_funcs.h"

#define OUT_TEXT_BATCH	(256 << 10)

struct out_text {
	struct output_opts opts;
	uint64_t first_ts;
	bool header_done;
	struct strbuf sb;	/* the records not written yet */
};

static void *out_text_open(const struct output_opts *opts)
{
	struct out_text *o = calloc(1, sizeof(*o));

	if (o)
		o->opts = *opts;
	return o;
}

static void text_put(struct out_text *o, const char *s, size_t n)
{
	strbuf_put(&o->sb, s, n);
}

#define text_printf(o, ...)	strbuf_printf(&(o)->sb, __VA_ARGS__)

static void text_header(struct out_text *o)
{
	text_printf(o, "%-12s %-18s %-16s %-7s %-6s", "FUNC", "TIME(s)", "COMM", "PID", "LEN");
	if (o->opts.extra)
		text_printf(o, " %-7s %-7s %-12s", "UID", "TID", "CONTAINER");
	if (o->opts.latency)
		text_printf(o, " %-7s", "LAT(ms)");
	if (o->opts.extra)
		text_printf(o, " %s", "CONNECTION");
	text_put(o, "\n", 1);
}

static const char *row_label(const struct event *ev)
{
	const struct tls_func_info *fi = tls_func_info(ev->func);

	if (ev->kind == EV_HANDSHAKE)
		return "HANDSHAKE";
	return fi && fi->dir == DIR_WRITE ? "WRITE/SEND" : "READ/RECV";
}

/*
 * -x: " alpn NAME" after the connection. The name is the peers' choice of
 * bytes: anything but printable ASCII is shown as \xHH, and a cut one
 * ends in "...".
 */
static void text_alpn(struct out_text *o, const struct event *ev)
{
	size_t n;
	const char *p = record_alpn(ev, &n);

	if (!p)
		return;
	text_put(o, " alpn ", 6);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c > 0x20 && c < 0x7f && c != '\\')
			text_put(o, (const char *)&c, 1);
		else
			text_printf(o, "\\x%02x", c);
	}
	if (record_alpn_truncated(ev))
		text_put(o, "...", 3);
}

/* -x: "src -> dst", or the bare fd, or "-" when nothing is known; then the ALPN protocol. */
static void text_conn(struct out_text *o, const struct event *ev)
{
	char src[CONN_ADDR_LEN], dst[CONN_ADDR_LEN];

	if (output_conn(ev, src, dst))
		text_printf(o, " %s -> %s", src, dst);
	else if (output_fd_source(ev))
		text_printf(o, " fd %d", ev->fd);
	else
		text_put(o, " -", 2);
	text_alpn(o, ev);
}

/* -x: the first 12 characters of the container's id, as docker ps shows it; "-" on the host. */
static const char *text_container(const struct identity *who)
{
	return who && who->ref.runtime != RUNTIME_NONE ? who->ref.id : "-";
}

static void text_row(struct out_text *o, const struct event *ev, const struct identity *who)
{
	char comm[SSLSNIFF_COMM_LEN + 1] = {};

	memcpy(comm, ev->comm, sizeof(ev->comm));
	if (!o->first_ts)
		o->first_ts = ev->ts_ns;
	text_printf(o, "%-12s %-18.9f %-16s %-7u %-6d", row_label(ev),
		    (double)(ev->ts_ns - o->first_ts) / 1e9, comm, ev->pid,
		    ev->kind == EV_HANDSHAKE ? ev->ret : (int)ev->len);
	if (o->opts.extra)
		text_printf(o, " %-7u %-7u %-12.12s", ev->uid, ev->tid, text_container(who));
	/* A handshake row is about its latency: always show it. */
	if (o->opts.latency || ev->kind == EV_HANDSHAKE)
		text_printf(o, " %-7.3f", (double)ev->latency_ns / 1e6);
	if (o->opts.extra)
		text_conn(o, ev);
	text_put(o, "\n", 1);
}

static int out_text_flush(void *p)
{
	struct out_text *o = p;
	int err = output_write(o->opts.out, o->sb.buf, o->sb.len);

	strbuf_reset(&o->sb);
	return err;
}

static void text_data_block(struct out_text *o, const struct record *r)
{
	text_put(o, "----- DATA -----\n", 17);
	if (o->opts.hexdump)
		text_hexdump(&o->sb, r->data, r->data_len);
	else
		text_raw(&o->sb, r->data, r->data_len, o->opts.escape);
	if (!o->opts.hexdump && r->data_len)
		text_put(o, "\n", 1);
	if (r->truncated || r->lost)
		text_printf(o, "----- END DATA (TRUNCATED, %u bytes lost) -----\n\n",
			    r->truncated + r->lost);
	else
		text_put(o, "----- END DATA -----\n\n", 22);
}

/* What the protocol stage made of the bytes, or the bytes when it made nothing. */
static void text_record_data(struct out_text *o, const struct record *r)
{
	if (!r->http) {
		text_data_block(o, r);
		return;
	}
	if (!r->nr_http)
		text_printf(o, "(%u bytes of an HTTP message that a later record completes)\n\n",
			    r->data_len);
	text_http_items(&o->sb, r->http, r->nr_http, o->opts.hexdump, o->opts.escape);
	if (r->truncated || r->lost)
		text_printf(o, "----- (TRUNCATED, %u bytes lost) -----\n\n", r->truncated + r->lost);
}

static void text_exchange_header(struct out_text *o)
{
	text_printf(o, "%-18s %-16s %-7s %-7s %-7s %-30s %-6s %-10s %-10s %s\n", "TIME(s)",
		    "COMM", "PID", "VERSION", "METHOD", "PATH", "STATUS", "REQ_BYTES",
		    "RESP_BYTES", "LAT(ms)");
}

static void text_str_col(struct out_text *o, struct http_str s, int width)
{
	size_t n = s.ptr ? s.len : 1;

	text_raw(&o->sb, (const uint8_t *)(s.ptr ? s.ptr : "-"), n, o->opts.escape);
	/* Never cut: a long path pushes the columns after it. */
	for (size_t i = n; i < (size_t)width; i++)
		text_put(o, " ", 1);
	text_put(o, " ", 1);
}

/* --http-summary: one line per request and its response. */
static void text_exchange(struct out_text *o, const struct event *ev, const struct http_item *it)
{
	const struct http_exchange *x = &it->exchange;
	char comm[SSLSNIFF_COMM_LEN + 1] = {};
	uint64_t end = ev->ts_ns;	/* the record that ended it */

	memcpy(comm, ev->comm, sizeof(ev->comm));
	if (!o->first_ts)
		o->first_ts = end;
	text_printf(o, "%-18.9f %-16s %-7u %-7s ", (double)(end - o->first_ts) / 1e9, comm,
		    ev->pid, http_version_name(it->version));
	text_str_col(o, x->method, 7);
	if (it->grpc) {
		char path[240];

		snprintf(path, sizeof(path), "/%.*s/%.*s", (int)it->grpc_service.len,
			 it->grpc_service.ptr ? it->grpc_service.ptr : "",
			 (int)it->grpc_method.len, it->grpc_method.ptr ? it->grpc_method.ptr : "");
		text_str_col(o, (struct http_str){ path, strlen(path) }, 30);
	} else {
		text_str_col(o, x->path, 30);
	}
	if (x->status)
		text_printf(o, "%-6d ", x->status);
	else
		text_printf(o, "%-6s ", x->reset ? "reset" : "-");
	if (it->grpc && it->grpc_status >= 0)
		text_printf(o, "grpc=%d ", it->grpc_status);
	text_printf(o, "%-10llu %-10llu %.3f\n", (unsigned long long)x->req_bytes,
		    (unsigned long long)x->resp_bytes,
		    (double)(x->end_ns > x->start_ns ? x->end_ns - x->start_ns : 0) / 1e6);
}

static void text_exchanges(struct out_text *o, const struct record *r)
{
	for (uint32_t i = 0; i < r->nr_http; i++) {
		if (r->http[i].kind != HTTP_ITEM_EXCHANGE)
			continue;
		if (!o->header_done) {
			text_exchange_header(o);
			o->header_done = true;
		}
		text_exchange(o, r->ev, &r->http[i]);
	}
}

static int out_text_record(void *p, const struct record *r)
{
	struct out_text *o = p;

	if (r->kind != REC_DATA && r->kind != REC_HANDSHAKE)
		return 0;
	if (o->opts.http_summary) {
		if (r->kind == REC_DATA)
			text_exchanges(o, r);
	} else {
		if (!o->header_done) {
			text_header(o);
			o->header_done = true;
		}
		text_row(o, r->ev, r->who);
		if (r->kind == REC_DATA)
			text_record_data(o, r);
	}
	if (o->sb.err)
		return o->sb.err;
	return o->sb.len >= OUT_TEXT_BATCH ? out_text_flush(o) : 0;
}

static void out_text_close(void *p)
{
	struct out_text *o = p;

	if (!o)
		return;
	strbuf_free(&o->sb);
	free(o);
}

const struct output_ops out_text_ops = {
	.name = "text",
	.open = out_text_open,
	.record = out_text_record,
	.flush = out_text_flush,
	.close = out_text_close,
	.batches = true,
};
