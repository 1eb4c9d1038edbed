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
#include "output/json_conn.h"
#include "output/json_http.h"
#include "output/output.h"
#include "record/alpn.h"
#include "tls_funcs.h"
#include "tls_names.h"

#define OUT_JSON_BATCH	(256 << 10)

struct out_json {
	struct output_opts opts;
	struct jsonw w;
	struct json_conn_cache conns;	/* what a connection's objects repeat */
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

static void out_json_process(struct jsonw *w, const struct event *ev)
{
	jsonw_uint_field(w, "pid", ev->pid);
	jsonw_uint_field(w, "tid", ev->tid);
	jsonw_uint_field(w, "uid", ev->uid);
	jsonw_name(w, "comm");
	jsonw_string(w, ev->comm, strnlen(ev->comm, sizeof(ev->comm)));
}

static void out_json_function(struct jsonw *w, const struct event *ev)
{
	const struct tls_func_info *fi = tls_func_info(ev->func);

	jsonw_string_field(w, "library", fi ? tls_library_name(fi->lib) : "unknown");
	jsonw_string_field(w, "function", fi ? fi->symbol : "unknown");
}

/* The connection, and a data record's direction. */
static void out_json_socket(struct jsonw *w, const struct event *ev, bool with_direction)
{
	const struct tls_func_info *fi = tls_func_info(ev->func);

	out_json_conn(w, ev);
	if (with_direction)
		jsonw_string_field(w, "direction", fi ? direction_name(fi->dir) : "none");
}

/*
 * E's members made from EV's header, as a jsonw inside an object that
 * already has members makes them: each with its leading comma. False
 * when memory ran out.
 */
static bool out_json_conn_fill(struct json_conn_entry *e, const struct event *ev,
			       bool with_direction)
{
	struct jsonw s = { .sb = e->text, .depth = 1, .need_comma = 1U << 1 };

	out_json_process(&s, ev);
	e->end[JSON_CONN_PROCESS] = s.sb.len;
	out_json_function(&s, ev);
	e->end[JSON_CONN_FUNCTION] = s.sb.len;
	out_json_socket(&s, ev, with_direction);
	e->end[JSON_CONN_SOCKET] = s.sb.len;
	e->text = s.sb;
	e->valid = !s.sb.err;
	return e->valid;
}

static void out_json_part(struct jsonw *w, const struct json_conn_entry *e,
			  enum json_conn_part p)
{
	uint32_t n;
	const char *s = json_conn_part(e, p, &n);

	jsonw_members(w, s, n);
}

/*
 * What every object starts with: the process, the call, the connection
 * (and a data record's direction), the repeated parts from the cache.
 */
static void out_json_common(struct out_json *o, const char *type, const struct record *r,
			    bool with_direction)
{
	const struct event *ev = r->ev;
	struct jsonw *w = &o->w;
	struct json_conn_entry *e = json_conn_cache__get(&o->conns, ev, with_direction);
	bool cached = e && (e->valid || out_json_conn_fill(e, ev, with_direction));

	jsonw_word_field(w, "type", type);
	jsonw_uint_field(w, "timestamp_ns", ev->ts_ns + o->opts.realtime_offset_ns);
	if (cached)
		out_json_part(w, e, JSON_CONN_PROCESS);
	else
		out_json_process(w, ev);
	out_json_identity(w, r->who);
	if (cached)
		out_json_part(w, e, JSON_CONN_FUNCTION);
	else
		out_json_function(w, ev);
	jsonw_uint_field(w, "latency_ns", ev->latency_ns);
	if (cached)
		out_json_part(w, e, JSON_CONN_SOCKET);
	else
		out_json_socket(w, ev, with_direction);
}

static void out_json_call(struct out_json *o, const struct record *r)
{
	const struct event *ev = r->ev;
	struct jsonw *w = &o->w;

	jsonw_start_object(w);
	if (r->kind == REC_HANDSHAKE) {
		out_json_common(o, "handshake", r, false);
		jsonw_int_field(w, "ret", ev->ret);
	} else {
		out_json_common(o, "data", r, true);
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
		out_json_common(o, "exchange", r, false);
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
	json_conn_cache__free(&o->conns);
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
