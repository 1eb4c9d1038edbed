/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_STRBUF_H
#define __SSLSNIFF_STRBUF_H

#include <stddef.h>

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

/* Room for N more bytes at buf + len, or NULL. */
char *strbuf_reserve(struct strbuf *sb, size_t n);
void strbuf_put(struct strbuf *sb, const void *s, size_t n);
/* Empties it for the next record, keeping the memory. */
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

#endif
