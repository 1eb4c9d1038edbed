// SPDX-License-Identifier: GPL-2.0
#include "output/text_bytes.h"

void text_hexdump(struct strbuf *sb, const uint8_t *d, size_t n)
{
	for (size_t off = 0; off < n; off += 16) {
		char ascii[17] = {};

		strbuf_printf(sb, "%08zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				strbuf_put(sb, " ", 1);
			if (off + i < n) {
				strbuf_printf(sb, " %02x", d[off + i]);
				ascii[i] = d[off + i] >= 0x20 && d[off + i] < 0x7f ? d[off + i] : '.';
			} else {
				strbuf_put(sb, "   ", 3);
			}
		}
		strbuf_printf(sb, "  |%s|\n", ascii);
	}
	strbuf_printf(sb, "%08zx\n", n);
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
