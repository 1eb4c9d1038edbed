// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/strbuf.h"

char *strbuf_grow(struct strbuf *sb, size_t n)
{
	size_t cap = sb->cap ? sb->cap : 1024;
	char *b;

	if (sb->err)
		return NULL;
	while (cap < sb->len + n)
		cap *= 2;
	b = realloc(sb->buf, cap);
	if (!b) {
		sb->err = -ENOMEM;
		return NULL;
	}
	sb->buf = b;
	sb->cap = cap;
	return sb->buf + sb->len;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->err = 0;
}

void strbuf_free(struct strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

void strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		strbuf_put(sb, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
