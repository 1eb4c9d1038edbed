/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HMAC_SHA2_H
#define __SSLSNIFF_HMAC_SHA2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HMAC_SHA2_MAX_LEN	48	/* SHA-384's */

/* The hashes TLS 1.3's suites name: their output lengths. */
enum hmac_sha2 {
	HMAC_SHA256 = 32,
	HMAC_SHA384 = 48,
};

/* HMAC (RFC 2104) of MSG under KEY with HASH, into OUT (HASH bytes). */
bool hmac_sha2(enum hmac_sha2 hash, const uint8_t *key, size_t key_len, const uint8_t *msg,
	       size_t msg_len, uint8_t *out);

#endif /* __SSLSNIFF_HMAC_SHA2_H */
