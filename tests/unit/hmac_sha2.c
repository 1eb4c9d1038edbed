// SPDX-License-Identifier: GPL-2.0
/*
 * hmac_sha2() against RFC 4231's vectors, and against OpenSSL's HMAC() for
 * every key length around both block sizes and messages of many lengths.
 */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include "lib/hmac_sha2.h"
#include "unit.h"

static void unhex(const char *h, uint8_t *out)
{
	for (size_t i = 0; h[2 * i]; i++)
		sscanf(h + 2 * i, "%2hhx", &out[i]);
}

/* RFC 4231 test cases 1 (a short key) and 6 (a key longer than a block). */
static void rfc4231(void)
{
	static const struct {
		const char *key, *msg, *sha256, *sha384;
	} cases[] = {
		{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
		  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
		  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
		  "faea9ea9076ede7f4af152e8b2fa9cb6" },
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaaaaaaaaaaaaaaaaaaa",
		  "Test Using Larger Than Block-Size Key - Hash Key First",
		  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
		  "0c2ef6ab4030fe8296248df163f44952" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t key[256], want[HMAC_SHA2_MAX_LEN], got[HMAC_SHA2_MAX_LEN];
		size_t klen = strlen(cases[i].key) / 2;
		const uint8_t *msg = (const uint8_t *)cases[i].msg;

		unhex(cases[i].key, key);
		unhex(cases[i].sha256, want);
		CHECK(hmac_sha2(HMAC_SHA256, key, klen, msg, strlen(cases[i].msg), got));
		CHECK(!memcmp(got, want, 32));
		unhex(cases[i].sha384, want);
		CHECK(hmac_sha2(HMAC_SHA384, key, klen, msg, strlen(cases[i].msg), got));
		CHECK(!memcmp(got, want, 48));
	}
}

static void against_openssl(void)
{
	uint8_t key[300], msg[300], got[HMAC_SHA2_MAX_LEN], want[EVP_MAX_MD_SIZE];
	unsigned int want_len;

	for (size_t i = 0; i < sizeof(key); i++) {
		key[i] = (uint8_t)(i * 31 + 7);
		msg[i] = (uint8_t)(i * 17 + 3);
	}
	for (size_t klen = 0; klen <= 260; klen += klen < 140 ? 1 : 7) {
		for (size_t mlen = 0; mlen <= 300; mlen += 37) {
			CHECK(hmac_sha2(HMAC_SHA256, key, klen, msg, mlen, got));
			CHECK(HMAC(EVP_sha256(), key, (int)klen, msg, mlen, want, &want_len));
			CHECK(want_len == 32 && !memcmp(got, want, 32));
			CHECK(hmac_sha2(HMAC_SHA384, key, klen, msg, mlen, got));
			CHECK(HMAC(EVP_sha384(), key, (int)klen, msg, mlen, want, &want_len));
			CHECK(want_len == 48 && !memcmp(got, want, 48));
			if (unit_failures) {
				printf("key %zu bytes, message %zu\n", klen, mlen);
				return;
			}
		}
	}
	CHECK(!hmac_sha2((enum hmac_sha2)64, key, 1, msg, 1, got));
}

int main(void)
{
	rfc4231();
	against_openssl();
	UNIT_DONE("hmac_sha2");
}
