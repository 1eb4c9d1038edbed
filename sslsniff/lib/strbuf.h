/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_STRBUF_H
#define __SSLSNIFF_STRBUF_H

#include <stddef.h>
#include <string.h>

/*
 * A growable byte buffer, in which a writer assembles one record so that it
 * reaches the output in one write. After an allocation failure every call
 * is a no-op and err says so.
 */
struct strbuf {
	char *buf;
	size_t len, cap;
	int err;		/* 0 or -ENOMEM */
};

/* strbuf_reserve()'s slow path: grows the buffer. */
char *strbuf_grow(struct strbuf *sb, size_t n);

/*
 * Room for N more bytes at buf + len, or NULL. Inline, as strbuf_put():
 * a JSON record takes a few dozen of them, and at small records the calls
 * cost more than the copies.
 */
static inline char *strbuf_reserve(struct strbuf *sb, size_t n)
{
	if (!sb->err && n <= sb->cap - sb->len)
		return sb->buf + sb->len;
	return strbuf_grow(sb, n);
}

static inline void strbuf_put(struct strbuf *sb, const void *s, size_t n)
{
	char *p = strbuf_reserve(sb, n);

	if (p) {
		memcpy(p, s, n);
		sb->len += n;
	}
}
/* A short formatted piece (at most 255 bytes: lines, not data). */
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Empties it for the next record, keeping the memory. */
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

#endif
