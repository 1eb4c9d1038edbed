// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "output/text_bytes.h"
#include "output/text_http.h"

struct text_http {
	struct strbuf *sb;
	bool hexdump, escape;
};

static void th_str(struct text_http *t, struct http_str s)
{
	text_raw(t->sb, (const uint8_t *)s.ptr, s.ptr ? s.len : 0, t->escape);
}

static const char *version_tag(enum http_version v)
{
	return v == HTTP_V2 ? "HTTP/2" : v == HTTP_V10 ? "HTTP/1.0" : v == HTTP_V11 ? "HTTP/1.1" :
	       "HTTP/?";
}

/* " [stream N]" for HTTP/2, where streams are the protocol's. */
static void th_stream(struct text_http *t, const struct http_item *it)
{
	if (it->version == HTTP_V2 && it->stream)
		strbuf_printf(t->sb, " [stream %u]", it->stream);
}

static void th_grpc(struct text_http *t, const struct http_item *it)
{
	if (!it->grpc)
		return;
	strbuf_put(t->sb, " grpc ", 6);
	th_str(t, it->grpc_service);
	strbuf_put(t->sb, "/", 1);
	th_str(t, it->grpc_method);
	if (it->kind == HTTP_ITEM_HEAD && it->head.kind == HTTP_HEAD_TRAILERS &&
	    it->grpc_status >= 0)
		strbuf_printf(t->sb, " status %d", it->grpc_status);
}

static bool str_is(struct http_str s, const char *lit)
{
	size_t n = strlen(lit);

	return s.ptr && s.len == n && !memcmp(s.ptr, lit, n);
}

/* The pseudo-headers the start line already shows. */
static bool th_in_start_line(const struct http_head *h, const struct http_header *f)
{
	if (f->flags & HTTP_HDR_NAME_UNKNOWN)
		return false;
	if (h->kind == HTTP_HEAD_REQUEST)
		return str_is(f->name, ":method") || str_is(f->name, ":path");
	return h->kind == HTTP_HEAD_RESPONSE && str_is(f->name, ":status");
}

static void th_header(struct text_http *t, char dir, const struct http_header *f)
{
	bool name_unknown = f->flags & HTTP_HDR_NAME_UNKNOWN;
	bool value_unknown = f->flags & HTTP_HDR_VALUE_UNKNOWN;

	strbuf_printf(t->sb, "%c ", dir);
	if (name_unknown && value_unknown) {
		strbuf_put(t->sb, "(unknown header)\n", 17);
		return;
	}
	if (name_unknown)
		strbuf_put(t->sb, "(unknown name)", 14);
	else
		th_str(t, f->name);
	strbuf_put(t->sb, ": ", 2);
	if (value_unknown)
		strbuf_put(t->sb, "(unknown value)", 15);
	else
		th_str(t, f->value);
	strbuf_put(t->sb, "\n", 1);
}

static void th_start_line(struct text_http *t, char dir, const struct http_item *it)
{
	const struct http_head *h = &it->head;

	strbuf_printf(t->sb, "%c ", dir);
	if (h->kind == HTTP_HEAD_REQUEST) {
		th_str(t, h->method.ptr ? h->method : (struct http_str){ "?", 1 });
		strbuf_put(t->sb, " ", 1);
		th_str(t, h->path.ptr ? h->path : (struct http_str){ "?", 1 });
		strbuf_printf(t->sb, " %s", version_tag(it->version));
	} else if (h->kind == HTTP_HEAD_RESPONSE) {
		strbuf_printf(t->sb, "%s ", version_tag(it->version));
		if (h->status)
			strbuf_printf(t->sb, "%d", h->status);
		else
			strbuf_put(t->sb, "?", 1);
		if (h->reason.ptr && h->reason.len) {
			strbuf_put(t->sb, " ", 1);
			th_str(t, h->reason);
		}
	} else {
		strbuf_put(t->sb, "trailers", 8);
	}
	th_stream(t, it);
	th_grpc(t, it);
	strbuf_put(t->sb, "\n", 1);
}

static void th_head(struct text_http *t, char dir, const struct http_item *it)
{
	const struct http_head *h = &it->head;

	th_start_line(t, dir, it);
	for (uint32_t i = 0; i < h->nr_headers; i++) {
		if (!th_in_start_line(h, &h->headers[i]))
			th_header(t, dir, &h->headers[i]);
	}
	strbuf_put(t->sb, "\n", 1);
}

static void th_body(struct text_http *t, const struct http_item *it)
{
	const struct http_body *b = &it->body;

	if (!b->len)
		return;
	if (t->hexdump || !text_is_printable(b->data, b->len)) {
		text_hexdump(t->sb, b->data, b->len);
		return;
	}
	text_raw(t->sb, b->data, b->len, t->escape);
	if (b->data[b->len - 1] != '\n')
		strbuf_put(t->sb, "\n", 1);
	/* The end of a message's body parts it from the next row. */
	if (b->end)
		strbuf_put(t->sb, "\n", 1);
}

static void th_raw(struct text_http *t, const struct http_item *it)
{
	const struct http_raw *r = &it->raw;

	strbuf_printf(t->sb, "----- DATA (%s, %u bytes) -----\n", r->why ? r->why : "raw", r->len);
	if (t->hexdump) {
		text_hexdump(t->sb, r->data, r->len);
	} else {
		text_raw(t->sb, r->data, r->len, t->escape);
		if (r->len)
			strbuf_put(t->sb, "\n", 1);
	}
	strbuf_put(t->sb, "----- END DATA -----\n", 21);
}

static void th_item(struct text_http *t, const struct http_item *it)
{
	char dir = it->from_client ? '>' : '<';

	switch (it->kind) {
	case HTTP_ITEM_HEAD:
		th_head(t, dir, it);
		break;
	case HTTP_ITEM_BODY:
		th_body(t, it);
		break;
	case HTTP_ITEM_GRPC:
		strbuf_printf(t->sb, "%c grpc message %llu: %u bytes%s", dir,
			      (unsigned long long)it->grpc_msg.index, it->grpc_msg.len,
			      it->grpc_msg.compressed ? " compressed" : "");
		th_stream(t, it);
		strbuf_put(t->sb, "\n", 1);
		break;
	case HTTP_ITEM_FRAME:
		strbuf_printf(t->sb, "%c * %.*s", dir, (int)strnlen(it->frame.summary,
			      sizeof(it->frame.summary)), it->frame.summary);
		th_stream(t, it);
		strbuf_put(t->sb, "\n", 1);
		break;
	case HTTP_ITEM_RAW:
		th_raw(t, it);
		break;
	default:
		break;
	}
}

void text_http_items(struct strbuf *sb, const struct http_item *items, uint32_t nr,
		     bool hexdump, bool escape)
{
	struct text_http t = { .sb = sb, .hexdump = hexdump, .escape = escape };

	for (uint32_t i = 0; i < nr; i++)
		th_item(&t, &items[i]);
}
