// SPDX-License-Identifier: GPL-2.0
/*
 * HMAC-SHA256 and HMAC-SHA384 on libcrypto's low-level hashes, for the
 * TLS 1.3 key log's HKDF-Expand-Label. Not HMAC() or EVP: their first use
 * sets up OpenSSL 3's providers, which keeps about 1.8 MB more of libcrypto
 * resident from the first connection on (lib/digest.c says the same).
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>
#include <openssl/sha.h>
#include "lib/hmac_sha2.h"

#define BLOCK_MAX	SHA512_CBLOCK	/* SHA-384's block; SHA-256's is 64 */

union sha2_ctx {
	SHA256_CTX s256;
	SHA512_CTX s384;
};

static bool sha2_init(enum hmac_sha2 hash, union sha2_ctx *c)
{
	return hash == HMAC_SHA256 ? SHA256_Init(&c->s256) : SHA384_Init(&c->s384);
}

static bool sha2_update(enum hmac_sha2 hash, union sha2_ctx *c, const void *p, size_t n)
{
	return hash == HMAC_SHA256 ? SHA256_Update(&c->s256, p, n) : SHA384_Update(&c->s384, p, n);
}

static bool sha2_final(enum hmac_sha2 hash, union sha2_ctx *c, uint8_t *out)
{
	return hash == HMAC_SHA256 ? SHA256_Final(out, &c->s256) : SHA384_Final(out, &c->s384);
}

/* H((KEY ^ PAD) || MSG), KEY a block long. */
static bool hmac_pass(enum hmac_sha2 hash, const uint8_t *key, size_t block, uint8_t pad,
		      const uint8_t *msg, size_t msg_len, uint8_t *out)
{
	uint8_t k[BLOCK_MAX];
	union sha2_ctx c;
	bool ok;

	for (size_t i = 0; i < block; i++)
		k[i] = key[i] ^ pad;
	ok = sha2_init(hash, &c) && sha2_update(hash, &c, k, block) &&
	     sha2_update(hash, &c, msg, msg_len) && sha2_final(hash, &c, out);
	memset(k, 0, sizeof(k));
	memset(&c, 0, sizeof(c));
	return ok;
}

bool hmac_sha2(enum hmac_sha2 hash, const uint8_t *key, size_t key_len, const uint8_t *msg,
	       size_t msg_len, uint8_t *out)
{
	size_t block = hash == HMAC_SHA256 ? SHA256_CBLOCK : SHA512_CBLOCK;
	uint8_t k[BLOCK_MAX] = {}, inner[HMAC_SHA2_MAX_LEN];
	bool ok;

	if (hash != HMAC_SHA256 && hash != HMAC_SHA384)
		return false;
	if (key_len > block) {
		union sha2_ctx c;

		if (!sha2_init(hash, &c) || !sha2_update(hash, &c, key, key_len) ||
		    !sha2_final(hash, &c, k))
			return false;
	} else {
		memcpy(k, key, key_len);
	}
	ok = hmac_pass(hash, k, block, 0x36, msg, msg_len, inner) &&
	     hmac_pass(hash, k, block, 0x5c, inner, hash, out);
	memset(k, 0, sizeof(k));
	memset(inner, 0, sizeof(inner));
	return ok;
}
