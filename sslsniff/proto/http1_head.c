// SPDX-License-Identifier: GPL-2.0
/*
 * HTTP/1 heads (RFC 9112 2-5, RFC 9110 5.6 and 8.6): whether bytes start a
 * request or status line, and a complete head (start line, header fields
 * with obs-fold, or a trailer section) into a struct http_head. The
 * connection's state machine is http1.c.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "lib/arena.h"
#include "proto/http1.h"
#include "proto/http1_head.h"

/* ---- start lines ---- */

static bool h1_digit(uint8_t ch)
{
	return ch >= '0' && ch <= '9';
}

/* RFC 9110 5.6.2 tchar: a byte per byte value (every header name's every byte). */
static const bool h1_tchars[256] = {
	['0' ... '9'] = true, ['A' ... 'Z'] = true, ['a' ... 'z'] = true,
	['!'] = true, ['#'] = true, ['$'] = true, ['%'] = true, ['&'] = true, ['\''] = true,
	['*'] = true, ['+'] = true, ['-'] = true, ['.'] = true, ['^'] = true, ['_'] = true,
	['`'] = true, ['|'] = true, ['~'] = true,
};

static bool h1_tchar(uint8_t ch)
{
	return h1_tchars[ch];
}

/* A request-target byte: anything visible (obs-text included, as servers take). */
static bool h1_target_char(uint8_t ch)
{
	return ch > 0x20 && ch != 0x7f;
}

static bool h1_reason_char(uint8_t ch)
{
	return ch == '\t' || (ch >= 0x20 && ch != 0x7f);
}

/* "HTTP/1.d SP ddd [SP reason]" in P[0..LEN): 1 a whole line, 0 a consistent
 * prefix (WHOLE false), -1 neither. */
static int h1_status_check(const uint8_t *p, size_t len, bool whole)
{
	static const char tmpl[] = "HTTP/1.d ddd";
	size_t i;

	for (i = 0; i < len && i < 12; i++)
		if (tmpl[i] == 'd' ? !h1_digit(p[i]) : p[i] != (uint8_t)tmpl[i])
			return -1;
	if (len < 12)
		return whole ? -1 : 0;
	if (len > 12 && p[12] != ' ')
		return -1;
	for (i = 13; i < len; i++)
		if (!h1_reason_char(p[i]))
			return -1;
	return whole;
}

/* "method SP target SP HTTP/1.d", as h1_status_check(). */
static int h1_request_check(const uint8_t *p, size_t len, bool whole)
{
	static const char ver[] = "HTTP/1.d";
	size_t i = 0, t, v;

	while (i < len && h1_tchar(p[i]))
		i++;
	if (i == len)
		return whole ? -1 : 0;
	if (!i || p[i] != ' ')
		return -1;
	t = ++i;
	while (i < len && h1_target_char(p[i]))
		i++;
	if (i == len)
		return whole ? -1 : 0;
	if (i == t || p[i] != ' ')
		return -1;
	i++;
	for (v = 0; i + v < len && v < 8; v++)
		if (ver[v] == 'd' ? !h1_digit(p[i + v]) : p[i + v] != (uint8_t)ver[v])
			return -1;
	if (i + v < len)
		return -1;
	if (v < 8)
		return whole ? -1 : 0;
	return whole;
}

/* What P[0..N) starts with: a whole start line (up to its LF), the prefix of
 * one (no LF yet) or neither. A CR at the end waits for its LF. */
enum h1_line http1_line_kind(const uint8_t *p, size_t n, unsigned want)
{
	const uint8_t *nl = memchr(p, '\n', n);
	size_t len = nl ? (size_t)(nl - p) : n;
	bool whole = nl, cr_only = false;
	int r;

	if (len && p[len - 1] == '\r') {
		len--;
		cr_only = !whole;
		whole = true;
	}
	if ((want & H1_WANT_RESP) && (r = h1_status_check(p, len, whole)) >= 0)
		return r && !cr_only ? H1_LINE_RESP : H1_LINE_MAYBE;
	if ((want & H1_WANT_REQ) && (r = h1_request_check(p, len, whole)) >= 0)
		return r && !cr_only ? H1_LINE_REQ : H1_LINE_MAYBE;
	return H1_LINE_NO;
}

/* A line cut short that still says enough: a known method, SP and a byte of
 * the target, or "HTTP/1.". Unknown methods need their whole line. */
bool http1_prefix_strong(const uint8_t *p, size_t n)
{
	static const char *const methods[] = {
		"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE",
		"PATCH", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK",
		"UNLOCK", "REPORT", "SEARCH", "MKCALENDAR", "ACL", "BIND", "PURGE",
	};

	if (n >= 7 && !memcmp(p, "HTTP/1.", 7))
		return true;
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		size_t m = strlen(methods[i]);

		if (n >= m + 2 && !memcmp(p, methods[i], m) && p[m] == ' ')
			return true;
	}
	return false;
}

bool http1_looks_like(const uint8_t *data, size_t len)
{
	enum h1_line k;

	if (!data || !len)
		return false;
	if (len > H1_LINE_MAX)
		len = H1_LINE_MAX;
	k = http1_line_kind(data, len, H1_WANT_REQ | H1_WANT_RESP);
	if (k == H1_LINE_REQ || k == H1_LINE_RESP)
		return true;
	return k == H1_LINE_MAYBE && http1_prefix_strong(data, len);
}

/* ---- heads ---- */

static bool h1_name_is(const struct http_str *s, const char *name)
{
	return s->len == strlen(name) && !strncasecmp(s->ptr, name, s->len);
}

/* Content-Length: a list of equal values is one value (RFC 9110 8.6);
 * several that differ, or anything not a number, make the framing unknown. */
static void h1_content_length(struct h1_msg *m, const struct http_str *v)
{
	size_t i = 0;

	do {
		int64_t n = 0;
		size_t digits = 0;

		while (i < v->len && (v->ptr[i] == ' ' || v->ptr[i] == '\t'))
			i++;
		for (; i < v->len && h1_digit(v->ptr[i]); i++, digits++) {
			if (n > (INT64_MAX - 9) / 10) {
				m->cl_bad = true;
				return;
			}
			n = n * 10 + (v->ptr[i] - '0');
		}
		while (i < v->len && (v->ptr[i] == ' ' || v->ptr[i] == '\t'))
			i++;
		if (!digits || (i < v->len && v->ptr[i] != ',') || (m->cl >= 0 && m->cl != n)) {
			m->cl_bad = true;
			return;
		}
		m->cl = n;
	} while (i++ < v->len);
}

/* Transfer-Encoding: what counts is whether chunked is the last coding. */
static void h1_transfer_encoding(struct h1_msg *m, const struct http_str *v)
{
	size_t end = v->len, start;

	m->te = true;
	while (end && (v->ptr[end - 1] == ' ' || v->ptr[end - 1] == '\t' || v->ptr[end - 1] == ','))
		end--;
	start = end;
	while (start && v->ptr[start - 1] != ',' && v->ptr[start - 1] != ' ' &&
	       v->ptr[start - 1] != '\t')
		start--;
	m->te_chunked = end - start == 7 && !strncasecmp(v->ptr + start, "chunked", 7);
}

static void h1_header_seen(struct h1_msg *m, const struct http_header *hd)
{
	if (h1_name_is(&hd->name, "host") && !m->h.authority.ptr)
		m->h.authority = hd->value;
	else if (h1_name_is(&hd->name, "content-type") && !m->h.content_type.ptr)
		m->h.content_type = hd->value;
	else if (h1_name_is(&hd->name, "content-length"))
		h1_content_length(m, &hd->value);
	else if (h1_name_is(&hd->name, "transfer-encoding"))
		h1_transfer_encoding(m, &hd->value);
}

/* The next line of S[0..N) from *POS: its start and length without CR LF. */
static bool h1_next_line(char *s, size_t n, size_t *pos, char **line, size_t *len)
{
	char *nl;

	if (*pos >= n)
		return false;
	*line = s + *pos;
	nl = memchr(*line, '\n', n - *pos);
	*len = nl ? (size_t)(nl - *line) : n - *pos;
	*pos += *len + 1;
	if (*len && (*line)[*len - 1] == '\r')
		(*len)--;
	return true;
}

static int h1_start_line(struct h1_msg *m, char *s, size_t len)
{
	char *sp1, *sp2;

	if (len >= 12 && !memcmp(s, "HTTP/1.", 7)) {
		m->response = true;
		m->version = s[7] == '0' ? HTTP_V10 : HTTP_V11;
		m->h.kind = HTTP_HEAD_RESPONSE;
		m->h.status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
		m->h.reason.ptr = s + (len > 13 ? 13 : len);
		m->h.reason.len = len > 13 ? (uint32_t)(len - 13) : 0;
		s[len] = '\0';
		return 0;
	}
	sp1 = memchr(s, ' ', len);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', len - (size_t)(sp1 + 1 - s)) : NULL;
	if (!sp2 || len - (size_t)(sp2 - s) != 9)
		return -EINVAL;
	m->h.kind = HTTP_HEAD_REQUEST;
	m->version = sp2[8] == '0' ? HTTP_V10 : HTTP_V11;
	m->h.method = (struct http_str){ s, (uint32_t)(sp1 - s) };
	m->h.path = (struct http_str){ sp1 + 1, (uint32_t)(sp2 - sp1 - 1) };
	*sp1 = *sp2 = '\0';
	return 0;
}

/* An obs-fold line (RFC 9112 5.2) joins the previous value with one space;
 * done in place: the line lies after that value. */
static void h1_unfold(struct http_header *prev, char *line, size_t len)
{
	char *dst = (char *)prev->value.ptr + prev->value.len;

	while (len && (*line == ' ' || *line == '\t'))
		line++, len--;
	while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	if (!len)
		return;
	if (prev->value.len)
		*dst++ = ' ';
	memmove(dst, line, len);
	dst[len] = '\0';
	prev->value.len = (uint32_t)(dst + len - prev->value.ptr);
}

/* The head SRC[0..N) (with its empty line) into M, its strings in the arena. */
int http1_head_parse(struct arena *a, const uint8_t *src, size_t n, bool trailers,
		     struct h1_msg *m)
{
	struct http_header *hdrs;
	size_t pos = 0, nlines = 0, len;
	char *s, *line;

	memset(m, 0, sizeof(*m));
	m->cl = -1;
	m->h.content_length = -1;
	for (const uint8_t *p = src; (p = memchr(p, '\n', n - (size_t)(p - src))); p++)
		nlines++;
	if (nlines > H1_HEADERS_MAX + 2)
		return -E2BIG;
	s = arena_strndup(a, src, n);
	hdrs = arena_alloc(a, (nlines ? nlines : 1) * sizeof(*hdrs));
	if (!s || !hdrs)
		return -ENOMEM;
	if (trailers) {
		m->h.kind = HTTP_HEAD_TRAILERS;
	} else if (!h1_next_line(s, n, &pos, &line, &len) || h1_start_line(m, line, len)) {
		return -EINVAL;
	}
	while (h1_next_line(s, n, &pos, &line, &len) && len) {
		struct http_header *hd = &hdrs[m->h.nr_headers];
		char *colon, *v, *end;

		if (*line == ' ' || *line == '\t') {
			if (!m->h.nr_headers)
				return -EINVAL;
			h1_unfold(hd - 1, line, len);
			continue;
		}
		/* The name's bytes are tchars, so its end is the first ':'
		 * (not one): one pass finds and checks it. */
		for (colon = line; colon < line + len && h1_tchar(*colon); colon++)
			;
		if (colon == line || colon == line + len || *colon != ':')
			return -EINVAL;
		for (v = colon + 1, end = line + len; v < end && (*v == ' ' || *v == '\t'); v++)
			;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*colon = '\0';
		*end = '\0';
		hd->name = (struct http_str){ line, (uint32_t)(colon - line) };
		hd->value = (struct http_str){ v, (uint32_t)(end - v) };
		hd->flags = 0;
		m->h.nr_headers++;
	}
	/* Folding done, the values are final. */
	for (uint32_t i = 0; i < m->h.nr_headers; i++)
		h1_header_seen(m, &hdrs[i]);
	m->h.headers = hdrs;
	return 0;
}
