/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_TEXT_BYTES_H
#define __SSLSNIFF_TEXT_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/strbuf.h"

/* As hexdump -C: offsets, 16 bytes a line, their ASCII, the length last. */
void text_hexdump(struct strbuf *sb, const uint8_t *d, size_t n);

/*
 * The bytes as they are; with ESCAPE (a terminal) control bytes other than
 * tab, CR and newline become '.', so that captured data cannot drive it.
 */
void text_raw(struct strbuf *sb, const uint8_t *d, size_t n, bool escape);

/* True when D reads as text: UTF-8 or ASCII without control bytes but whitespace. */
bool text_is_printable(const uint8_t *d, size_t n);

#endif
