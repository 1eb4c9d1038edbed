/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_BASE64_H
#define __SSLSNIFF_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Length of the base64 of N bytes (padded, no line breaks). */
static inline size_t base64_len(size_t n)
{
	return (n + 2) / 3 * 4;
}

/* Writes base64_len(N) characters to OUT (no terminating NUL). */
void base64_encode(char *out, const uint8_t *in, size_t n);

/* The portable encoder alone, for tests that check the vector one against it. */
void base64_encode_scalar(char *out, const uint8_t *in, size_t n);

#endif
