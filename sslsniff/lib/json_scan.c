// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded JSON reader for the container runtimes' state files: written
 * by root daemons, but a bug or a hostile container's name there must
 * not crash sslsniff. An explicit stack of JSON_SCAN_DEPTH levels, every
 * read checked against the end, UTF-8 validated (Unicode's Table 3-7:
 * no overlong forms, surrogates or code points past U+10FFFF).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "lib/json_scan.h"

struct scan {
	const char *p, *end;
	/* Unescaped keys of the open objects, then the current value: they
	 * are disjoint pieces of the input and never longer unescaped, so
	 * LEN bytes hold them all. */
	char *scratch;
	size_t top;
	size_t key_mark[JSON_SCAN_DEPTH];	/* top before level I's key */
	char kind[JSON_SCAN_DEPTH];		/* '{' or '[' */
	struct json_scan_path path;
};

static void scan_ws(struct scan *s)
{
	while (s->p < s->end &&
	       (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* The length of the UTF-8 sequence at P (before END), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;	/* no surrogates */
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;	/* nothing past U+10FFFF */
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

static int hex4(const char *p, const char *end)
{
	int v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The escapes of the raw string [P, END) (already checked for its quote,
 * control bytes and UTF-8) decoded into OUT; its length, or -EINVAL. An
 * escaped code point takes at most as many bytes as its escape: "\uXXXX"
 * at most 3, a surrogate pair's twelve 4. */
static ssize_t unescape(const char *p, const char *end, char *out)
{
	size_t n = 0;

	while (p < end) {
		int cp, lo;

		if (*p != '\\') {
			out[n++] = *p++;
			continue;
		}
		p++;	/* the raw check saw a byte after every backslash */
		switch (*p++) {
		case '"': out[n++] = '"'; continue;
		case '\\': out[n++] = '\\'; continue;
		case '/': out[n++] = '/'; continue;
		case 'b': out[n++] = '\b'; continue;
		case 'f': out[n++] = '\f'; continue;
		case 'n': out[n++] = '\n'; continue;
		case 'r': out[n++] = '\r'; continue;
		case 't': out[n++] = '\t'; continue;
		case 'u': break;
		default: return -EINVAL;
		}
		cp = hex4(p, end);
		if (cp < 0 || (cp >= 0xdc00 && cp <= 0xdfff))
			return -EINVAL;
		p += 4;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
				return -EINVAL;
			lo = hex4(p + 2, end);
			if (lo < 0xdc00 || lo > 0xdfff)
				return -EINVAL;
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			p += 6;
		}
		n += utf8_put(out + n, (uint32_t)cp);
	}
	return (ssize_t)n;
}

/* The string at s->p (its opening quote): unescaped to *OUT, the input
 * itself when it has no escape, else the scratch at s->top (*IN_SCRATCH). */
static int scan_string(struct scan *s, const char **out, size_t *len, bool *in_scratch)
{
	const char *start = s->p + 1, *q = start;
	bool escaped = false;
	ssize_t n;

	for (;;) {
		size_t seq;

		if (q >= s->end)
			return -EINVAL;
		if (*q == '"')
			break;
		if ((unsigned char)*q < 0x20)
			return -EINVAL;
		if (*q == '\\') {
			if (s->end - q < 2)
				return -EINVAL;
			escaped = true;
			q += 2;	/* "\"" is the escape's, not the end */
			continue;
		}
		seq = utf8_seq((const unsigned char *)q, (const unsigned char *)s->end);
		if (!seq)
			return -EINVAL;
		q += seq;
	}
	s->p = q + 1;
	*in_scratch = escaped;
	if (!escaped) {
		*out = start;
		*len = (size_t)(q - start);
		return 0;
	}
	n = unescape(start, q, s->scratch + s->top);
	if (n < 0)
		return (int)n;
	*out = s->scratch + s->top;
	*len = (size_t)n;
	return 0;
}

static bool is_digit(const struct scan *s)
{
	return s->p < s->end && *s->p >= '0' && *s->p <= '9';
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(struct scan *s)
{
	if (s->p < s->end && *s->p == '-')
		s->p++;
	if (!is_digit(s))
		return -EINVAL;
	if (*s->p++ != '0')
		while (is_digit(s))
			s->p++;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (!is_digit(s))
			return -EINVAL;
		while (is_digit(s))
			s->p++;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!is_digit(s))
			return -EINVAL;
		while (is_digit(s))
			s->p++;
	}
	return 0;
}

static int scan_literal(struct scan *s, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, lit, n))
		return -EINVAL;
	s->p += n;
	return 0;
}

/* An object member's key and its colon, at level D: the scratch of the
 * previous key at this level is reused. */
static int scan_key(struct scan *s, int d)
{
	const char *key;
	size_t len;
	bool in_scratch;
	int err;

	scan_ws(s);
	if (s->p >= s->end || *s->p != '"')
		return -EINVAL;
	s->top = s->key_mark[d];
	err = scan_string(s, &key, &len, &in_scratch);
	if (err)
		return err;
	if (in_scratch)
		s->top += len;
	s->path.keys[d] = key;
	s->path.key_lens[d] = len;
	scan_ws(s);
	if (s->p >= s->end || *s->p != ':')
		return -EINVAL;
	s->p++;
	return 0;
}

/* Opens an object or array at s->p; *CLOSED when it is empty. */
static int scan_open(struct scan *s, bool *closed)
{
	int d = s->path.depth;
	char k = *s->p++;

	if (d == JSON_SCAN_DEPTH)
		return -E2BIG;
	s->kind[d] = k;
	s->key_mark[d] = s->top;
	s->path.keys[d] = NULL;
	s->path.key_lens[d] = 0;
	s->path.depth++;
	scan_ws(s);
	*closed = s->p < s->end && *s->p == (k == '{' ? '}' : ']');
	if (*closed) {
		s->p++;
		s->path.depth--;
		return 0;
	}
	return k == '{' ? scan_key(s, d) : 0;
}

/* One value at s->p (after white space): a string goes to FN. */
static int scan_value(struct scan *s, json_scan_fn fn, void *arg, bool *opened)
{
	const char *val;
	size_t len;
	bool closed, in_scratch;
	int err;

	*opened = false;
	if (s->p >= s->end)
		return -EINVAL;
	switch (*s->p) {
	case '{':
	case '[':
		err = scan_open(s, &closed);
		*opened = !err && !closed;
		return err;
	case '"':
		err = scan_string(s, &val, &len, &in_scratch);
		return err ? err : fn(&s->path, val, len, arg);
	case 't':
		return scan_literal(s, "true");
	case 'f':
		return scan_literal(s, "false");
	case 'n':
		return scan_literal(s, "null");
	default:
		return scan_number(s);
	}
}

/* After a value inside level d: a comma and the next member or element
 * (*MORE), or the level's end. */
static int scan_after(struct scan *s, bool *more)
{
	int d = s->path.depth - 1;
	char k = s->kind[d];

	scan_ws(s);
	if (s->p >= s->end)
		return -EINVAL;
	*more = *s->p == ',';
	if (*more) {
		s->p++;
		if (k == '[') {
			s->path.key_lens[d]++;
			return 0;
		}
		return scan_key(s, d);
	}
	if (*s->p != (k == '{' ? '}' : ']'))
		return -EINVAL;
	s->p++;
	s->top = s->key_mark[d];
	s->path.depth--;
	return 0;
}

int json_scan(const char *buf, size_t len, json_scan_fn fn, void *arg)
{
	struct scan s;
	bool want_value = true;
	int err = 0;

	if (!buf)	/* (NULL, 0): no text, and no NULL + 0 */
		buf = "";
	s = (struct scan){ .p = buf, .end = buf + len };
	if (len && memchr(buf, '\\', len) && !(s.scratch = malloc(len)))
		return -ENOMEM;
	while (!err) {
		bool step;

		if (want_value) {
			scan_ws(&s);
			err = scan_value(&s, fn, arg, &step);
			want_value = step;	/* a container opened: its first value */
			continue;
		}
		if (!s.path.depth) {
			scan_ws(&s);
			if (s.p != s.end)
				err = -EINVAL;
			break;
		}
		err = scan_after(&s, &step);
		want_value = step;
	}
	free(s.scratch);
	return err;
}

bool json_scan_path_is(const struct json_scan_path *p, ...)
{
	const char *key;
	va_list ap;
	int d = 0;
	bool is = true;

	va_start(ap, p);
	while (is && (key = va_arg(ap, const char *))) {
		size_t n = strlen(key);

		is = d < p->depth && p->keys[d] && p->key_lens[d] == n &&
		     !memcmp(p->keys[d], key, n);
		d++;
	}
	va_end(ap);
	return is && d == p->depth;
}
