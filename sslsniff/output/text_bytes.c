// SPDX-License-Identifier: GPL-2.0
#include "output/text_bytes.h"

static const char hex_digits[] = "0123456789abcdef";

/* "%08zx" of OFF at P (more digits when it needs them); returns the end. */
static char *hex_offset(char *p, size_t off)
{
	int digits = 8;

	while (digits < 16 && off >> (4 * digits))
		digits++;
	for (int i = digits - 1; i >= 0; i--)
		*p++ = hex_digits[off >> (4 * i) & 0xf];
	return p;
}

/*
 * hexdump -C's lines, put together by hand: a printf per byte made the
 * text writer's binary bodies twenty times the JSON writer's cost.
 */
void text_hexdump(struct strbuf *sb, const uint8_t *d, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		/* offset, 2 spaces, 16 x 3, " |", 16, "|\n" */
		char *line = strbuf_reserve(sb, 16 + 2 + 48 + 1 + 2 + 16 + 2), *p;
		size_t i;

		if (!line)
			return;
		p = hex_offset(line, off);
		*p++ = ' ';
		for (i = 0; i < 16; i++) {
			if (i == 8)
				*p++ = ' ';
			*p++ = ' ';
			if (off + i < n) {
				*p++ = hex_digits[d[off + i] >> 4];
				*p++ = hex_digits[d[off + i] & 0xf];
			} else {
				*p++ = ' ';
				*p++ = ' ';
			}
		}
		*p++ = ' ';
		*p++ = ' ';
		*p++ = '|';
		for (i = 0; i < 16 && off + i < n; i++)
			*p++ = d[off + i] >= 0x20 && d[off + i] < 0x7f ? d[off + i] : '.';
		*p++ = '|';
		*p++ = '\n';
		sb->len += p - line;
	}
	{
		char *p = strbuf_reserve(sb, 16 + 1), *end;

		if (!p)
			return;
		end = hex_offset(p, n);
		*end++ = '\n';
		sb->len += end - p;
	}
}

static bool text_control(unsigned char c)
{
	return (c < 0x20 && c != '\n' && c != '\t' && c != '\r') || c == 0x7f;
}

void text_raw(struct strbuf *sb, const uint8_t *d, size_t n, bool escape)
{
	size_t start = sb->len;

	strbuf_put(sb, d, n);
	if (!escape || sb->err)
		return;
	for (size_t i = start; i < sb->len; i++) {
		if (text_control(sb->buf[i]))
			sb->buf[i] = '.';
	}
}

/*
 * Bytes >= 0x80 are taken as text: a body cut between the bytes of one
 * UTF-8 character is still text, and Latin-1 pages are too.
 */
bool text_is_printable(const uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (text_control(d[i]))
			return false;
	}
	return true;
}
