// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/base64.h"
#include "lib/json_writer.h"

void jsonw_reset(struct jsonw *w)
{
	strbuf_reset(&w->sb);
	w->depth = 0;
	w->need_comma = 0;
}

void jsonw_free(struct jsonw *w)
{
	strbuf_free(&w->sb);
	memset(w, 0, sizeof(*w));
}

int jsonw_error(const struct jsonw *w)
{
	return w->sb.err;
}

static void jsonw_put(struct jsonw *w, const char *s, size_t n)
{
	strbuf_put(&w->sb, s, n);
}

static void jsonw_sep(struct jsonw *w)
{
	unsigned char bit = 1U << (w->depth & 7);

	if (w->need_comma & bit)
		jsonw_put(w, ",", 1);
	w->need_comma |= bit;
}

void jsonw_start_object(struct jsonw *w)
{
	/* After jsonw_name() (the only writer of a trailing ':') the object is
	 * the member's value, already separated. */
	if (w->depth && !(w->sb.len && w->sb.buf[w->sb.len - 1] == ':'))
		jsonw_sep(w);
	jsonw_put(w, "{", 1);
	w->depth++;
	w->need_comma &= ~(1U << (w->depth & 7));
}

void jsonw_end_object(struct jsonw *w)
{
	w->depth--;
	jsonw_put(w, "}", 1);
	if (!w->depth)
		jsonw_put(w, "\n", 1);
}

void jsonw_start_array(struct jsonw *w)
{
	if (w->depth && !(w->sb.len && w->sb.buf[w->sb.len - 1] == ':'))
		jsonw_sep(w);
	jsonw_put(w, "[", 1);
	w->depth++;
	w->need_comma &= ~(1U << (w->depth & 7));
}

void jsonw_end_array(struct jsonw *w)
{
	w->depth--;
	jsonw_put(w, "]", 1);
}

void jsonw_elem(struct jsonw *w)
{
	jsonw_sep(w);
}

void jsonw_bool(struct jsonw *w, bool v)
{
	jsonw_put(w, v ? "true" : "false", v ? 4 : 5);
}

void jsonw_null(struct jsonw *w)
{
	jsonw_put(w, "null", 4);
}

/* Length of the valid UTF-8 sequence at S (at most N bytes), 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, cp = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, cp = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF are not UTF-8. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Printable ASCII other than '"' and '\\': copied as it is. */
static bool plain_ascii(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/*
 * Most strings (header names and values, comms) are plain ASCII: copied in
 * one pass into room reserved once, the escaping loop below taking over
 * at the first byte that needs it.
 */
#define ONES	0x0101010101010101ULL
#define HIGHS	0x8080808080808080ULL

/*
 * Whether any of the 8 bytes in X may need escaping: < 0x20, >= 0x80, '"',
 * '\\' (a borrow out of such a byte may flag its neighbour too: that only
 * sends it the slow way).
 */
static inline bool swar_needs_escape(uint64_t x)
{
	uint64_t quote = x ^ (ONES * '"'), bslash = x ^ (ONES * '\\');

	return ((x - ONES * 0x20) | (quote - ONES) | (bslash - ONES) | x) & HIGHS;
}

static inline uint64_t load8(const unsigned char *s)
{
	uint64_t x;

	memcpy(&x, s, 8);
	return x;
}

/* S[0..N), 0 < N < 8, as a word of its bytes (some twice) and plain ones. */
static inline uint64_t load_short(const unsigned char *s, size_t n)
{
	uint32_t a, b;
	uint16_t c, d;

	if (n >= 4) {
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		return a | (uint64_t)b << 32;
	}
	if (n >= 2) {
		memcpy(&c, s, 2);
		memcpy(&d, s + n - 2, 2);
		return (ONES * 'a' & ~0xffffffffULL) | c | (uint32_t)d << 16;
	}
	return (ONES * 'a' & ~0xffULL) | s[0];
}

/* How many of S[0..N)'s first bytes are plain (plain_ascii()), eight a step. */
static size_t plain_run(const unsigned char *s, size_t n)
{
	size_t i = 0;
	uint64_t x;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		if (swar_needs_escape(x))
			break;
	}
	/* The last few bytes as one word too: the string's last eight when it
	 * has them, else its bytes in overlapping loads. (Not a short memcpy
	 * into a word: reading it back stalled on the store, a third of the
	 * cost of every short string.) */
	if (i < n && n - i < 8) {
		x = n >= 8 ? load8(s + n - 8) : load_short(s, n);
		if (!swar_needs_escape(x))
			return n;
	}
	while (i < n && plain_ascii(s[i]))
		i++;
	return i;
}

/* Opens the string and copies its plain prefix; closes it too when that
 * is all of it. Returns the bytes copied. */
static size_t jsonw_plain_prefix(struct jsonw *w, const unsigned char *s, size_t n)
{
	char *p = strbuf_reserve(&w->sb, n + 2);
	size_t i;

	if (!p)
		return n + 1;
	i = plain_run(s, n);
	p[0] = '"';
	memcpy(p + 1, s, i);
	if (i == n) {
		p[n + 1] = '"';
		w->sb.len += n + 2;
		return n + 1;
	}
	w->sb.len += i + 1;
	return i;
}

void jsonw_string(struct jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = jsonw_plain_prefix(w, s, n);
	char esc[8];

	if (i > n)
		return;
	while (i < n) {
		size_t run = i, l;

		/* Most text is plain ASCII: one copy per run, not per byte. */
		while (run < n && plain_ascii(s[run]))
			run++;
		if (run > i) {
			jsonw_put(w, str + i, run - i);
			i = run;
			continue;
		}
		l = utf8_seq_len(s + i, n - i);
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\';
			esc[1] = s[i];
			jsonw_put(w, esc, 2);
			i++;
		} else if (s[i] < 0x20 || !l) {
			/* Control bytes, and bytes that are not UTF-8 (read as
			 * Latin-1), become \u00XX. */
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			jsonw_put(w, esc, 6);
			i++;
		} else {
			jsonw_put(w, str + i, l);
			i += l;
		}
	}
	jsonw_put(w, "\"", 1);
}

/* Decimal digits of V, written backwards from END, two at a time (a
 * timestamp has 19); returns the first. */
static char *format_u64(uint64_t v, char *end)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	while (v >= 100) {
		end -= 2;
		memcpy(end, pairs + v % 100 * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		end -= 2;
		memcpy(end, pairs + v * 2, 2);
	} else {
		*--end = '0' + v;
	}
	return end;
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
	char b[24], *p = format_u64(v, b + sizeof(b));

	jsonw_put(w, p, b + sizeof(b) - p);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
	char b[24], *p = format_u64(v < 0 ? -(uint64_t)v : (uint64_t)v, b + sizeof(b));

	if (v < 0)
		*--p = '-';
	jsonw_put(w, p, b + sizeof(b) - p);
}

void jsonw_base64(struct jsonw *w, const uint8_t *d, size_t n)
{
	size_t out = base64_len(n);
	char *p = strbuf_reserve(&w->sb, out + 2);

	if (!p)
		return;
	p[0] = '"';
	base64_encode(p + 1, d, n);
	p[out + 1] = '"';
	w->sb.len += out + 2;
}


bool jsonw_plain_pair(struct jsonw *w, const char *a, size_t an, const char *b, size_t bn)
{
	char *p;

	if (plain_run((const unsigned char *)a, an) != an ||
	    plain_run((const unsigned char *)b, bn) != bn)
		return false;
	jsonw_sep(w);
	p = strbuf_reserve(&w->sb, an + bn + 7);
	if (!p)
		return true;	/* the error is the writer's */
	memcpy(p, "[\"", 2);
	memcpy(p + 2, a, an);
	p += 2 + an;
	memcpy(p, "\",\"", 3);
	memcpy(p + 3, b, bn);
	p += 3 + bn;
	memcpy(p, "\"]", 2);
	w->sb.len += an + bn + 7;
	return true;
}
