/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS record protection for source/tls_wire.c: the suites, a direction's key
 * and one record's opening. A struct tls_key is the caller's (zeroed before
 * first use, tls_key__free() after); it owns its EVP contexts.
 */
#ifndef __SSLSNIFF_TLS_CRYPTO_H
#define __SSLSNIFF_TLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

enum tls_kind { TLS_K_GCM, TLS_K_CHACHA, TLS_K_CCM, TLS_K_CBC };

struct tls_suite {
	uint16_t id;		/* IANA's */
	uint16_t version;	/* 0x0304 or 0x0303 */
	uint8_t kind;		/* enum tls_kind */
	uint8_t key_len;
	uint8_t tag_len;	/* AEAD tag */
	uint8_t mac_len;	/* CBC: HMAC's length (20, 32, 48) */
	uint8_t hash;		/* the KDF's or PRF's: 32 or 48 */
	const EVP_CIPHER *(*cipher)(void);
};

/* One direction's key: the cipher context made once, the fixed IV, the
 * sequence number; for CBC suites the HMAC's inner and outer states. */
struct tls_key {
	EVP_CIPHER_CTX *ctx;
	EVP_MD_CTX *mac_in, *mac_out, *mac_tmp;
	uint8_t iv[12];
	uint64_t seq;
	bool ready;
};

/* The suite ID of VERSION it decrypts, or NULL. */
const struct tls_suite *tls_suite_find(uint16_t id, uint16_t version);

/* HKDF-Expand-Label(SECRET, LABEL, "", LEN), LEN at most HASH (32 or 48). */
bool tls_expand_label(uint8_t hash, const uint8_t *secret, const char *label, size_t len,
		      uint8_t *out);

/* K (re)keyed, sequence number 0: TLS 1.3 from a traffic SECRET (S->hash
 * bytes); TLS 1.2 from the MASTER secret and the randoms, CLIENT's side or
 * the server's. False on a libcrypto failure. */
bool tls_key__set13(struct tls_key *k, const struct tls_suite *s, const uint8_t *secret);
bool tls_key__set12(struct tls_key *k, const struct tls_suite *s, const uint8_t master[48],
		    const uint8_t server_random[32], const uint8_t client_random[32], bool client);
void tls_key__free(struct tls_key *k);

/* One record REC (its 5-byte header, then BLEN bytes) opened with K at SEQ
 * into OUT (at least BLEN bytes): the plaintext's length, or -1 when it does
 * not authenticate (tag, MAC or padding). TLS 1.3: the inner content type
 * into *TYPE, the padding stripped. ETM: TLS 1.2 CBC with encrypt_then_mac. */
long tls_key__open13(const struct tls_suite *s, struct tls_key *k, uint64_t seq,
		     const uint8_t *rec, size_t blen, uint8_t *out, uint8_t *type);
long tls_key__open12(const struct tls_suite *s, bool etm, struct tls_key *k, uint64_t seq,
		     const uint8_t *rec, size_t blen, uint8_t *out);

#endif /* __SSLSNIFF_TLS_CRYPTO_H */
