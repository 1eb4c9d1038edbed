// SPDX-License-Identifier: GPL-2.0
/*
 * Text in the layout of bcc's sslsniff: a header line, a row per call, then
 * the data between DATA markers. --hexdump shows the data as hexdump -C.
 * Records collect in one buffer, written out when it holds a batch and
 * every poll round, as JSON's: each write(2) carries whole records, so a
 * kill leaves none cut short (unless it lands inside that write).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "output/output.h"
#include "lib/strbuf.h"
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

static void text_printf(struct out_text *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void text_printf(struct out_text *o, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		text_put(o, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

static void text_header(struct out_text *o)
{
	text_printf(o, "%-12s %-18s %-16s %-7s %-6s", "FUNC", "TIME(s)", "COMM", "PID", "LEN");
	if (o->opts.extra)
		text_printf(o, " %-7s %-7s", "UID", "TID");
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

static void text_row(struct out_text *o, const struct event *ev)
{
	char comm[SSLSNIFF_COMM_LEN + 1] = {};

	memcpy(comm, ev->comm, sizeof(ev->comm));
	if (!o->first_ts)
		o->first_ts = ev->ts_ns;
	text_printf(o, "%-12s %-18.9f %-16s %-7u %-6d", row_label(ev),
		    (double)(ev->ts_ns - o->first_ts) / 1e9, comm, ev->pid,
		    ev->kind == EV_HANDSHAKE ? ev->ret : (int)ev->len);
	if (o->opts.extra)
		text_printf(o, " %-7u %-7u", ev->uid, ev->tid);
	/* A handshake row is about its latency: always show it. */
	if (o->opts.latency || ev->kind == EV_HANDSHAKE)
		text_printf(o, " %-7.3f", (double)ev->latency_ns / 1e6);
	if (o->opts.extra)
		text_conn(o, ev);
	text_put(o, "\n", 1);
}

static void text_hexdump(struct out_text *o, const uint8_t *d, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		char ascii[17] = {};

		text_printf(o, "%08zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				text_put(o, " ", 1);
			if (off + i < n) {
				text_printf(o, " %02x", d[off + i]);
				ascii[i] = d[off + i] >= 0x20 && d[off + i] < 0x7f ? d[off + i] : '.';
			} else {
				text_put(o, "   ", 3);
			}
		}
		text_printf(o, "  |%s|\n", ascii);
	}
	text_printf(o, "%08zx\n", n);
}

/* On a terminal, control bytes other than tab and newline would drive it. */
static void text_data(struct out_text *o, const uint8_t *d, size_t n)
{
	size_t start = o->sb.len;

	text_put(o, (const char *)d, n);
	if (!o->opts.escape || o->sb.err)
		return;
	for (size_t i = start; i < o->sb.len; i++) {
		unsigned char c = o->sb.buf[i];

		if ((c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f)
			o->sb.buf[i] = '.';
	}
}

static int out_text_flush(void *p)
{
	struct out_text *o = p;
	int err = output_write(o->opts.out, o->sb.buf, o->sb.len);

	strbuf_reset(&o->sb);
	return err;
}

static int out_text_record(void *p, const struct record *r)
{
	struct out_text *o = p;

	if (r->kind != REC_DATA && r->kind != REC_HANDSHAKE)
		return 0;
	if (!o->header_done) {
		text_header(o);
		o->header_done = true;
	}
	text_row(o, r->ev);
	if (r->kind == REC_DATA) {
		text_put(o, "----- DATA -----\n", 17);
		if (o->opts.hexdump)
			text_hexdump(o, r->data, r->data_len);
		else
			text_data(o, r->data, r->data_len);
		if (!o->opts.hexdump && r->data_len)
			text_put(o, "\n", 1);
		if (r->truncated || r->lost)
			text_printf(o, "----- END DATA (TRUNCATED, %u bytes lost) -----\n\n",
				    r->truncated + r->lost);
		else
			text_put(o, "----- END DATA -----\n\n", 22);
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
