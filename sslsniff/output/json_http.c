// SPDX-License-Identifier: GPL-2.0
/*
 * What the protocol stage found, as JSON: one object per item, its "kind"
 * first, so that a pipeline can select requests with one comparison.
 */
#include <string.h>
#include "output/json_http.h"
#include "proto/http_names.h"

static void json_str_field(struct jsonw *w, const char *name, struct http_str s)
{
	if (!s.ptr)
		return;
	jsonw_name(w, name);
	jsonw_string(w, s.ptr, s.len);
}

static void json_str_or_null(struct jsonw *w, struct http_str s, bool unknown)
{
	jsonw_elem(w);
	if (unknown || !s.ptr)
		jsonw_null(w);
	else
		jsonw_string(w, s.ptr, s.len);
}

static void json_headers(struct jsonw *w, const struct http_head *h)
{
	jsonw_name(w, "headers");
	jsonw_start_array(w);
	for (uint32_t i = 0; i < h->nr_headers; i++) {
		const struct http_header *f = &h->headers[i];

		if (!(f->flags & (HTTP_HDR_NAME_UNKNOWN | HTTP_HDR_VALUE_UNKNOWN)) && f->name.ptr &&
		    f->value.ptr && jsonw_plain_pair(w, f->name.ptr, f->name.len, f->value.ptr,
						     f->value.len))
			continue;
		jsonw_start_array(w);
		json_str_or_null(w, f->name, f->flags & HTTP_HDR_NAME_UNKNOWN);
		json_str_or_null(w, f->value, f->flags & HTTP_HDR_VALUE_UNKNOWN);
		jsonw_end_array(w);
	}
	jsonw_end_array(w);
	jsonw_uint_field(w, "unknown_headers", h->nr_unknown);
}

static const char *head_kind_name(enum http_head_kind k)
{
	return k == HTTP_HEAD_REQUEST ? "request" : k == HTTP_HEAD_RESPONSE ? "response" :
	       "trailers";
}

static void json_head(struct jsonw *w, const struct http_head *h)
{
	if (h->kind == HTTP_HEAD_REQUEST) {
		json_str_field(w, "method", h->method);
		json_str_field(w, "path", h->path);
		json_str_field(w, "authority", h->authority);
		json_str_field(w, "scheme", h->scheme);
	} else if (h->kind == HTTP_HEAD_RESPONSE) {
		if (h->status)
			jsonw_uint_field(w, "status", h->status);
		json_str_field(w, "reason", h->reason);
	}
	json_headers(w, h);
	if (h->content_length >= 0)
		jsonw_int_field(w, "content_length", h->content_length);
	jsonw_bool_field(w, "end_stream", h->end_stream);
}

static void json_grpc(struct jsonw *w, const struct http_item *it)
{
	jsonw_name(w, "grpc");
	jsonw_start_object(w);
	json_str_field(w, "service", it->grpc_service);
	json_str_field(w, "method", it->grpc_method);
	if (it->grpc_status >= 0)
		jsonw_int_field(w, "status", it->grpc_status);
	json_str_field(w, "message", it->grpc_message);
	jsonw_end_object(w);
}

static const char *item_kind_name(const struct http_item *it)
{
	switch (it->kind) {
	case HTTP_ITEM_HEAD:
		return head_kind_name(it->head.kind);
	case HTTP_ITEM_BODY:
		return "body";
	case HTTP_ITEM_GRPC:
		return "grpc_message";
	case HTTP_ITEM_FRAME:
		return "frame";
	case HTTP_ITEM_RAW:
		return "raw";
	default:
		return "exchange";
	}
}

static void json_item_body(struct jsonw *w, const struct http_item *it)
{
	switch (it->kind) {
	case HTTP_ITEM_HEAD:
		json_head(w, &it->head);
		break;
	case HTTP_ITEM_BODY:
		jsonw_uint_field(w, "length", it->body.len);
		jsonw_uint_field(w, "offset", it->body.offset);
		jsonw_bool_field(w, "end", it->body.end);
		break;
	case HTTP_ITEM_GRPC:
		jsonw_bool_field(w, "compressed", it->grpc_msg.compressed);
		jsonw_uint_field(w, "length", it->grpc_msg.len);
		jsonw_uint_field(w, "index", it->grpc_msg.index);
		break;
	case HTTP_ITEM_FRAME:
		jsonw_string_field(w, "type", http2_frame_type_name(it->frame.type));
		jsonw_uint_field(w, "flags", it->frame.flags);
		jsonw_uint_field(w, "length", it->frame.len);
		jsonw_name(w, "summary");
		jsonw_string(w, it->frame.summary, strnlen(it->frame.summary,
							   sizeof(it->frame.summary)));
		break;
	case HTTP_ITEM_RAW:
		jsonw_uint_field(w, "length", it->raw.len);
		jsonw_string_field(w, "why", it->raw.why ? it->raw.why : "unknown");
		break;
	default:
		break;
	}
}

void json_http_items(struct jsonw *w, const struct http_item *items, uint32_t nr)
{
	bool open = false;

	for (uint32_t i = 0; i < nr; i++) {
		const struct http_item *it = &items[i];

		if (it->kind == HTTP_ITEM_EXCHANGE)
			continue;
		if (!open) {
			jsonw_name(w, "http");
			jsonw_start_array(w);
			open = true;
		}
		jsonw_start_object(w);
		jsonw_word_field(w, "kind", item_kind_name(it));
		jsonw_word_field(w, "version", http_version_name(it->version));
		jsonw_uint_field(w, "stream", it->stream);
		jsonw_word_field(w, "from", it->from_client ? "client" : "server");
		json_item_body(w, it);
		if (it->grpc)
			json_grpc(w, it);
		jsonw_end_object(w);
	}
	if (open)
		jsonw_end_array(w);
}

void json_http_exchange(struct jsonw *w, const struct http_item *it)
{
	const struct http_exchange *x = &it->exchange;

	jsonw_string_field(w, "version", http_version_name(it->version));
	jsonw_uint_field(w, "stream", it->stream);
	json_str_field(w, "method", x->method);
	json_str_field(w, "path", x->path);
	json_str_field(w, "authority", x->authority);
	if (x->status)
		jsonw_uint_field(w, "status", x->status);
	jsonw_uint_field(w, "request_bytes", x->req_bytes);
	jsonw_uint_field(w, "response_bytes", x->resp_bytes);
	jsonw_uint_field(w, "latency_ns", x->end_ns > x->start_ns ? x->end_ns - x->start_ns : 0);
	jsonw_bool_field(w, "reset", x->reset);
	if (it->grpc)
		json_grpc(w, it);
}
