// SPDX-License-Identifier: GPL-2.0
/*
 * JSON lines: one object per call. Objects are made one after the other in
 * one buffer, written out once it holds a batch and every poll round: the
 * base64 of a call's bytes is made where write(2) reads it, not copied
 * again into a stdio buffer (that copy was 15 % of sslsniff's CPU at 1 MiB).
 */
#include <stdlib.h>
#include <string.h>
#include "cgroup/identity.h"
#include "lib/json_writer.h"
#include "output/json_http.h"
#include "output/output.h"
#include "record/alpn.h"
#include "tls_funcs.h"
#include "tls_names.h"

#define OUT_JSON_BATCH	(256 << 10)

struct out_json {
	struct output_opts opts;
	struct jsonw w;
};

static void *out_json_open(const struct output_opts *opts)
{
	struct out_json *o = calloc(1, sizeof(*o));

	if (o)
		o->opts = *opts;
	return o;
}

static const char *direction_name(enum direction dir)
{
	return dir == DIR_READ ? "read" : dir == DIR_WRITE ? "write" : "none";
}

/* fd, fd_source, src, dst, tls_version, cipher and alpn, each only when known. */
static void out_json_conn(struct jsonw *w, const struct event *ev)
{
	char src[CONN_ADDR_LEN], dst[CONN_ADDR_LEN];
	const char *fd_source = output_fd_source(ev);
	const char *tls_version = output_tls_version(ev);
	const char *cipher = tls_event_cipher(ev);
	size_t alpn_n;
	const char *alpn = record_alpn(ev, &alpn_n);

	if (fd_source) {
		jsonw_int_field(w, "fd", ev->fd);
		jsonw_string_field(w, "fd_source", fd_source);
	}
	if (output_conn(ev, src, dst)) {
		jsonw_string_field(w, "src", src);
		jsonw_string_field(w, "dst", dst);
	}
	if (tls_version)
		jsonw_string_field(w, "tls_version", tls_version);
	if (cipher) {
		jsonw_name(w, "cipher");
		jsonw_string(w, cipher, strnlen(cipher, SSLSNIFF_CIPHER_LEN));
	}
	if (alpn) {
		jsonw_name(w, "alpn");
		jsonw_string(w, alpn, alpn_n);
		/* Only the first bytes of a longer name are carried. */
		if (record_alpn_truncated(ev))
			jsonw_uint_field(w, "alpn_len", ev->alpn_len);
	}
}

static int out_json_flush(void *p)
{
	struct out_json *o = p;
	int err = output_write(o->opts.out, o->w.sb.buf, o->w.sb.len);

	jsonw_reset(&o->w);
	return err;
}

static void out_json_name_field(struct jsonw *w, const char *name, const char *val)
{
	if (*val)
		jsonw_string_field(w, name, val);
}

/* The caller's cgroup, and its container and pod when it is in one. */
static void out_json_identity(struct jsonw *w, const struct identity *who)
{
	if (!who)
		return;
	if (!who->cgroup) {
		jsonw_uint_field(w, "cgroup_id", who->cgroup_id);
		return;
	}
	jsonw_name(w, "cgroup");
	jsonw_string(w, who->cgroup, strlen(who->cgroup));
	if (who->ref.runtime == RUNTIME_NONE)
		return;
	jsonw_string_field(w, "container_id", who->ref.id);
	jsonw_string_field(w, "container_runtime", container_runtime__name(who->ref.runtime));
	out_json_name_field(w, "container_name", who->meta.container_name);
	out_json_name_field(w, "pod_uid", who->ref.pod_uid);
	out_json_name_field(w, "pod_name", who->meta.pod_name);
	out_json_name_field(w, "pod_namespace", who->meta.pod_namespace);
}

/* What every object starts with: the process, the call, the connection. */
static void out_json_common(struct out_json *o, const char *type, const struct record *r)
{
	const struct event *ev = r->ev;
	const struct tls_func_info *fi = tls_func_info(ev->func);
	struct jsonw *w = &o->w;

	jsonw_string_field(w, "type", type);
	jsonw_uint_field(w, "timestamp_ns", ev->ts_ns + o->opts.realtime_offset_ns);
	jsonw_uint_field(w, "pid", ev->pid);
	jsonw_uint_field(w, "tid", ev->tid);
	jsonw_uint_field(w, "uid", ev->uid);
	jsonw_name(w, "comm");
	jsonw_string(w, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
	out_json_identity(w, r->who);
	jsonw_string_field(w, "library", fi ? tls_library_name(fi->lib) : "unknown");
	jsonw_string_field(w, "function", fi ? fi->symbol : "unknown");
	jsonw_uint_field(w, "latency_ns", ev->latency_ns);
	out_json_conn(w, ev);
}

static void out_json_call(struct out_json *o, const struct record *r)
{
	const struct event *ev = r->ev;
	const struct tls_func_info *fi = tls_func_info(ev->func);
	struct jsonw *w = &o->w;

	jsonw_start_object(w);
	out_json_common(o, r->kind == REC_HANDSHAKE ? "handshake" : "data", r);
	if (r->kind == REC_HANDSHAKE) {
		jsonw_int_field(w, "ret", ev->ret);
	} else {
		jsonw_string_field(w, "direction", fi ? direction_name(fi->dir) : "none");
		jsonw_uint_field(w, "length", ev->len);
		jsonw_name(w, "data");
		jsonw_base64(w, r->data, r->data_len);
		jsonw_uint_field(w, "truncated", r->truncated);
		jsonw_uint_field(w, "lost", r->lost);
		if (r->nr_http)
			json_http_items(w, r->http, r->nr_http);
	}
	jsonw_end_object(w);
}

/* --http-summary: an object per exchange, with the process that saw it end. */
static void out_json_exchanges(struct out_json *o, const struct record *r)
{
	for (uint32_t i = 0; i < r->nr_http; i++) {
		if (r->http[i].kind != HTTP_ITEM_EXCHANGE)
			continue;
		jsonw_start_object(&o->w);
		out_json_common(o, "exchange", r);
		json_http_exchange(&o->w, &r->http[i]);
		jsonw_end_object(&o->w);
	}
}

static int out_json_record(void *p, const struct record *r)
{
	struct out_json *o = p;
	struct jsonw *w = &o->w;

	if (r->kind != REC_DATA && r->kind != REC_HANDSHAKE)
		return 0;
	if (!o->opts.http_summary)
		out_json_call(o, r);
	else if (r->kind == REC_DATA)
		out_json_exchanges(o, r);
	if (jsonw_error(w))
		return jsonw_error(w);
	return w->sb.len >= OUT_JSON_BATCH ? out_json_flush(o) : 0;
}

static void out_json_close(void *p)
{
	struct out_json *o = p;

	if (!o)
		return;
	jsonw_free(&o->w);
	free(o);
}

const struct output_ops out_json_ops = {
	.name = "json",
	.open = out_json_open,
	.record = out_json_record,
	.flush = out_json_flush,
	.close = out_json_close,
	.batches = true,
};
