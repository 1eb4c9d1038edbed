/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_JSON_WRITER_H
#define __SSLSNIFF_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "lib/strbuf.h"

/*
 * A small JSON writer into a memory buffer (w->sb), one object at a time,
 * so that a record reaches the output in one write. After an allocation
 * failure every call is a no-op and jsonw_error() says so.
 */
struct jsonw {
	struct strbuf sb;		/* the object so far */
	int depth;
	unsigned char need_comma;	/* bit per depth */
};

void jsonw_reset(struct jsonw *w);
void jsonw_free(struct jsonw *w);
int jsonw_error(const struct jsonw *w);

void jsonw_start_object(struct jsonw *w);
void jsonw_end_object(struct jsonw *w);

/*
 * NAME is written as it is: plain ASCII without quotes or backslashes
 * (the writers' own words: checking each byte was a fifth of a small
 * record's cost). Inline, with its comma stored whether needed or not
 * and kept or overwritten: an object of 1 KiB calls has some sixty.
 */
static inline void jsonw_name_len(struct jsonw *w, const char *name, size_t n)
{
	unsigned char bit = 1U << (w->depth & 7);
	size_t comma = !!(w->need_comma & bit);
	char *p = strbuf_reserve(&w->sb, n + 4);

	w->need_comma |= bit;
	if (!p)
		return;
	p[0] = ',';
	p += comma;
	p[0] = '"';
	memcpy(p + 1, name, n);
	p[n + 1] = '"';
	p[n + 2] = ':';
	w->sb.len += comma + n + 3;
}

/* Inline, so that a literal name's length is known when compiling. */
static inline void jsonw_name(struct jsonw *w, const char *name)
{
	jsonw_name_len(w, name, strlen(name));
}
/*
 * Members formatted before by a jsonw inside an object that had members
 * (each with its leading comma), after at least one member of this one.
 */
static inline void jsonw_members(struct jsonw *w, const char *s, size_t n)
{
	strbuf_put(&w->sb, s, n);
}

/* Arrays: each scalar element after jsonw_elem(); objects and arrays
 * separate themselves. */
void jsonw_start_array(struct jsonw *w);
void jsonw_end_array(struct jsonw *w);
void jsonw_elem(struct jsonw *w);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Escapes quotes, backslashes, every byte < 0x20 and bytes that are not UTF-8. */
void jsonw_string(struct jsonw *w, const char *s, size_t len);
/*
 * ["A","B"] as the next element of an array, in one step, when neither
 * string needs escaping (the header fields of nearly every message);
 * false, nothing written, else.
 */
bool jsonw_plain_pair(struct jsonw *w, const char *a, size_t an, const char *b, size_t bn);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_base64(struct jsonw *w, const uint8_t *data, size_t len);

static inline void jsonw_string_field(struct jsonw *w, const char *name, const char *s)
{
	jsonw_name(w, name);
	jsonw_string(w, s, strlen(s));
}

/*
 * A member whose value is one of the writers' own words (a kind, a
 * version, a direction): nothing to escape, so not checked.
 */
static inline void jsonw_word_field(struct jsonw *w, const char *name, const char *word)
{
	size_t n = strlen(word);
	char *p;

	jsonw_name(w, name);
	p = strbuf_reserve(&w->sb, n + 2);
	if (!p)
		return;
	p[0] = '"';
	memcpy(p + 1, word, n);
	p[n + 1] = '"';
	w->sb.len += n + 2;
}

static inline void jsonw_uint_field(struct jsonw *w, const char *name, uint64_t v)
{
	jsonw_name(w, name);
	jsonw_uint(w, v);
}

static inline void jsonw_int_field(struct jsonw *w, const char *name, int64_t v)
{
	jsonw_name(w, name);
	jsonw_int(w, v);
}

static inline void jsonw_bool_field(struct jsonw *w, const char *name, bool v)
{
	jsonw_name(w, name);
	jsonw_bool(w, v);
}

#endif
