// SPDX-License-Identifier: GPL-2.0
/*
 * TLS record protection for source/tls_wire.c: the suites it decrypts, their
 * keys (HKDF-Expand-Label, the TLS 1.2 PRF, on lib/hmac_sha2 so that no EVP
 * MAC or KDF is set up) and the opening of one record with libcrypto's EVP
 * ciphers, one EVP_CIPHER_CTX per key given only the new nonce per record.
 */
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include "lib/hmac_sha2.h"
#include "source/tls_crypto.h"

#define REC_HDR		5

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static const struct tls_suite suites[] = {
	{ 0x1301, 0x0304, TLS_K_GCM, 16, 16, 0, 32, EVP_aes_128_gcm },
	{ 0x1302, 0x0304, TLS_K_GCM, 32, 16, 0, 48, EVP_aes_256_gcm },
	{ 0x1303, 0x0304, TLS_K_CHACHA, 32, 16, 0, 32, EVP_chacha20_poly1305 },
	{ 0x1304, 0x0304, TLS_K_CCM, 16, 16, 0, 32, EVP_aes_128_ccm },
	{ 0x1305, 0x0304, TLS_K_CCM, 16, 8, 0, 32, EVP_aes_128_ccm },
	/* TLS 1.2 AEAD: (EC)DHE-RSA/ECDSA and RSA key exchange */
	{ 0xc02b, 0x0303, TLS_K_GCM, 16, 16, 0, 32, EVP_aes_128_gcm },
	{ 0xc02f, 0x0303, TLS_K_GCM, 16, 16, 0, 32, EVP_aes_128_gcm },
	{ 0x009c, 0x0303, TLS_K_GCM, 16, 16, 0, 32, EVP_aes_128_gcm },
	{ 0x009e, 0x0303, TLS_K_GCM, 16, 16, 0, 32, EVP_aes_128_gcm },
	{ 0xc02c, 0x0303, TLS_K_GCM, 32, 16, 0, 48, EVP_aes_256_gcm },
	{ 0xc030, 0x0303, TLS_K_GCM, 32, 16, 0, 48, EVP_aes_256_gcm },
	{ 0x009d, 0x0303, TLS_K_GCM, 32, 16, 0, 48, EVP_aes_256_gcm },
	{ 0x009f, 0x0303, TLS_K_GCM, 32, 16, 0, 48, EVP_aes_256_gcm },
	{ 0xcca8, 0x0303, TLS_K_CHACHA, 32, 16, 0, 32, EVP_chacha20_poly1305 },
	{ 0xcca9, 0x0303, TLS_K_CHACHA, 32, 16, 0, 32, EVP_chacha20_poly1305 },
	{ 0xccaa, 0x0303, TLS_K_CHACHA, 32, 16, 0, 32, EVP_chacha20_poly1305 },
	/* TLS 1.2 CBC */
	{ 0xc009, 0x0303, TLS_K_CBC, 16, 0, 20, 32, EVP_aes_128_cbc },
	{ 0xc013, 0x0303, TLS_K_CBC, 16, 0, 20, 32, EVP_aes_128_cbc },
	{ 0x002f, 0x0303, TLS_K_CBC, 16, 0, 20, 32, EVP_aes_128_cbc },
	{ 0x0033, 0x0303, TLS_K_CBC, 16, 0, 20, 32, EVP_aes_128_cbc },
	{ 0xc00a, 0x0303, TLS_K_CBC, 32, 0, 20, 32, EVP_aes_256_cbc },
	{ 0xc014, 0x0303, TLS_K_CBC, 32, 0, 20, 32, EVP_aes_256_cbc },
	{ 0x0035, 0x0303, TLS_K_CBC, 32, 0, 20, 32, EVP_aes_256_cbc },
	{ 0x0039, 0x0303, TLS_K_CBC, 32, 0, 20, 32, EVP_aes_256_cbc },
	{ 0xc023, 0x0303, TLS_K_CBC, 16, 0, 32, 32, EVP_aes_128_cbc },
	{ 0xc027, 0x0303, TLS_K_CBC, 16, 0, 32, 32, EVP_aes_128_cbc },
	{ 0x003c, 0x0303, TLS_K_CBC, 16, 0, 32, 32, EVP_aes_128_cbc },
	{ 0x0067, 0x0303, TLS_K_CBC, 16, 0, 32, 32, EVP_aes_128_cbc },
	{ 0x003d, 0x0303, TLS_K_CBC, 32, 0, 32, 32, EVP_aes_256_cbc },
	{ 0x006b, 0x0303, TLS_K_CBC, 32, 0, 32, 32, EVP_aes_256_cbc },
	{ 0xc024, 0x0303, TLS_K_CBC, 32, 0, 48, 48, EVP_aes_256_cbc },
	{ 0xc028, 0x0303, TLS_K_CBC, 32, 0, 48, 48, EVP_aes_256_cbc },
};

/* HKDF-Expand-Label(SECRET, LABEL, "", LEN) for LEN up to the hash's length. */
bool tls_expand_label(uint8_t hash, const uint8_t *secret, const char *label, size_t len,
			 uint8_t *out)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + 1], t[HMAC_SHA2_MAX_LEN];
	size_t ll = strlen(label), n = 0;

	info[n++] = 0;
	info[n++] = (uint8_t)len;
	info[n++] = (uint8_t)(6 + ll);
	memcpy(info + n, "tls13 ", 6);
	memcpy(info + n + 6, label, ll);
	n += 6 + ll;
	info[n++] = 0;		/* empty context */
	info[n++] = 1;		/* HKDF-Expand's counter: one block */
	if (!hmac_sha2(hash, secret, hash, info, n, t))
		return false;
	memcpy(out, t, len);
	return true;
}

/* TLS 1.2's PRF (RFC 5246 5): P_hash(SECRET, LABEL + SEED) into OUT. */
static bool prf12(uint8_t hash, const uint8_t *secret, size_t secret_len, const char *label,
		  const uint8_t *seed, size_t seed_len, uint8_t *out, size_t len)
{
	uint8_t a[HMAC_SHA2_MAX_LEN + 32 + 2 * 32], t[HMAC_SHA2_MAX_LEN];
	size_t ll = strlen(label), ls = ll + seed_len;

	if (ls > sizeof(a) - HMAC_SHA2_MAX_LEN)
		return false;
	/* a = A(i) || label || seed, A(0) = label || seed */
	memcpy(a + hash, label, ll);
	memcpy(a + hash + ll, seed, seed_len);
	if (!hmac_sha2(hash, secret, secret_len, a + hash, ls, a))
		return false;
	for (size_t off = 0; off < len; off += hash) {
		size_t n = len - off < hash ? len - off : hash;

		if (!hmac_sha2(hash, secret, secret_len, a, hash + ls, t))
			return false;
		memcpy(out + off, t, n);
		if (!hmac_sha2(hash, secret, secret_len, a, hash, a))
			return false;
	}
	return true;
}

void tls_key__free(struct tls_key *k)
{
	EVP_CIPHER_CTX_free(k->ctx);
	EVP_MD_CTX_free(k->mac_in);
	EVP_MD_CTX_free(k->mac_out);
	EVP_MD_CTX_free(k->mac_tmp);
	memset(k, 0, sizeof(*k));
}

/* HMAC's key schedule once per key: the states after key^ipad and key^opad. */
static bool key_mac_init(struct tls_key *k, const struct tls_suite *s, const uint8_t *mac_key)
{
	const EVP_MD *md = s->mac_len == 20 ? EVP_sha1() : s->mac_len == 32 ? EVP_sha256()
					    : EVP_sha384();
	size_t block = s->mac_len == 48 ? 128 : 64;
	uint8_t pad[128];

	k->mac_in = EVP_MD_CTX_new();
	k->mac_out = EVP_MD_CTX_new();
	k->mac_tmp = EVP_MD_CTX_new();
	if (!k->mac_in || !k->mac_out || !k->mac_tmp)
		return false;
	memset(pad, 0x36, block);
	for (size_t i = 0; i < s->mac_len; i++)
		pad[i] ^= mac_key[i];
	if (!EVP_DigestInit_ex(k->mac_in, md, NULL) || !EVP_DigestUpdate(k->mac_in, pad, block))
		return false;
	memset(pad, 0x5c, block);
	for (size_t i = 0; i < s->mac_len; i++)
		pad[i] ^= mac_key[i];
	return EVP_DigestInit_ex(k->mac_out, md, NULL) && EVP_DigestUpdate(k->mac_out, pad, block);
}

/* K's cipher context for S under KEY (the nonce comes per record). */
static bool key_init(struct tls_key *k, const struct tls_suite *s, const uint8_t *key)
{
	if (!k->ctx) {
		k->ctx = EVP_CIPHER_CTX_new();
		if (!k->ctx || !EVP_DecryptInit_ex(k->ctx, s->cipher(), NULL, NULL, NULL))
			return false;
		if (s->kind == TLS_K_CCM &&
		    (EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) <= 0 ||
		     EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_TAG, s->tag_len, NULL) <= 0))
			return false;
		if (s->kind == TLS_K_CBC)
			EVP_CIPHER_CTX_set_padding(k->ctx, 0);
	}
	if (!EVP_DecryptInit_ex(k->ctx, NULL, NULL, key, NULL))
		return false;
	k->seq = 0;
	k->ready = true;
	return true;
}

/* An AEAD's open of IN (LEN bytes, then the tag) with NONCE and AAD into OUT. */
static bool aead_open(const struct tls_suite *s, struct tls_key *k, const uint8_t *nonce,
		      const uint8_t *aad, size_t aad_len, const uint8_t *in, size_t len,
		      uint8_t *out)
{
	EVP_CIPHER_CTX *c = k->ctx;
	const uint8_t *tag = in + len;
	int n, m;

	if (s->kind == TLS_K_CCM) {
		/* CCM wants the tag and the length before the data, and
		 * authenticates in the one update */
		return EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, s->tag_len, (void *)tag) > 0 &&
		       EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) &&
		       EVP_DecryptUpdate(c, NULL, &n, NULL, (int)len) &&
		       EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len) &&
		       EVP_DecryptUpdate(c, out, &n, in, (int)len) > 0;
	}
	return EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) &&
	       EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len) &&
	       EVP_DecryptUpdate(c, out, &n, in, (int)len) &&
	       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, s->tag_len, (void *)tag) > 0 &&
	       EVP_DecryptFinal_ex(c, out + n, &m) > 0;
}

static void nonce_xor(uint8_t nonce[12], const uint8_t iv[12], uint64_t seq)
{
	memcpy(nonce, iv, 12);
	for (int i = 11; i >= 4; i--, seq >>= 8)
		nonce[i] ^= (uint8_t)seq;
}

/* TLS 1.3: REC (header and body) with K at SEQ: the inner plaintext into
 * OUT, its content type into *TYPE. Returns its length, or -1. */
long tls_key__open13(const struct tls_suite *s, struct tls_key *k, uint64_t seq,
		     const uint8_t *rec, size_t blen, uint8_t *out, uint8_t *type)
{
	uint8_t nonce[12];
	size_t n;

	if (blen < (size_t)s->tag_len + 1)
		return -1;
	nonce_xor(nonce, k->iv, seq);
	n = blen - s->tag_len;
	if (!aead_open(s, k, nonce, rec, REC_HDR, rec + REC_HDR, n, out))
		return -1;
	while (n && !out[n - 1])	/* the padding: zeros after the type */
		n--;
	if (!n)
		return -1;
	*type = out[--n];
	return (long)n;
}

static void aad12(uint8_t aad[13], uint64_t seq, const uint8_t *rec, size_t len)
{
	put_be64(aad, seq);
	memcpy(aad + 8, rec, 3);
	aad[11] = (uint8_t)(len >> 8);
	aad[12] = (uint8_t)len;
}

/* HMAC of SEQ || type || version || LEN || DATA, compared with WANT. */
static bool cbc_mac_ok(const struct tls_suite *s, struct tls_key *k, uint64_t seq,
		       const uint8_t *rec, const uint8_t *data, size_t len, const uint8_t *want)
{
	uint8_t hdr[13], inner[EVP_MAX_MD_SIZE], got[EVP_MAX_MD_SIZE];
	unsigned int n;

	aad12(hdr, seq, rec, len);
	return EVP_MD_CTX_copy_ex(k->mac_tmp, k->mac_in) &&
	       EVP_DigestUpdate(k->mac_tmp, hdr, sizeof(hdr)) &&
	       EVP_DigestUpdate(k->mac_tmp, data, len) &&
	       EVP_DigestFinal_ex(k->mac_tmp, inner, &n) &&
	       EVP_MD_CTX_copy_ex(k->mac_tmp, k->mac_out) &&
	       EVP_DigestUpdate(k->mac_tmp, inner, n) &&
	       EVP_DigestFinal_ex(k->mac_tmp, got, &n) && n == s->mac_len &&
	       !CRYPTO_memcmp(got, want, n);
}

/* CBC's padding at the end of OUT (LEN bytes): the length before it, or -1. */
static long cbc_unpad(const uint8_t *out, size_t len, size_t mac)
{
	size_t pad = out[len - 1];

	if (pad + 1 + mac > len)
		return -1;
	for (size_t i = len - 1 - pad; i < len - 1; i++)
		if (out[i] != pad)
			return -1;
	return (long)(len - 1 - pad);
}

/* TLS 1.2: REC's body with K at SEQ into OUT. Returns its length, or -1. */
long tls_key__open12(const struct tls_suite *s, bool etm, struct tls_key *k, uint64_t seq,
		     const uint8_t *rec, size_t blen, uint8_t *out)
{
	const uint8_t *body = rec + REC_HDR;
	uint8_t nonce[12], aad[13];
	long n;
	int outl;

	switch (s->kind) {
	case TLS_K_GCM:
		if (blen < 8 + 16)
			return -1;
		memcpy(nonce, k->iv, 4);
		memcpy(nonce + 4, body, 8);	/* the explicit part */
		aad12(aad, seq, rec, blen - 24);
		return aead_open(s, k, nonce, aad, 13, body + 8, blen - 24, out) ?
		       (long)(blen - 24) : -1;
	case TLS_K_CHACHA:
		if (blen < 16)
			return -1;
		nonce_xor(nonce, k->iv, seq);	/* RFC 7905 */
		aad12(aad, seq, rec, blen - 16);
		return aead_open(s, k, nonce, aad, 13, body, blen - 16, out) ?
		       (long)(blen - 16) : -1;
	case TLS_K_CBC:
		break;
	default:
		return -1;
	}
	/* the explicit IV, then the blocks; with encrypt_then_mac the MAC
	 * covers IV and blocks and follows them (RFC 7366) */
	size_t mac = s->mac_len, clen = blen - 16 - (etm ? mac : 0);

	if (blen < 16 + (etm ? mac : 0) + 16 || clen % 16)
		return -1;
	if (etm && !cbc_mac_ok(s, k, seq, rec, body, blen - mac, body + blen - mac))
		return -1;
	if (!EVP_DecryptInit_ex(k->ctx, NULL, NULL, NULL, body) ||
	    !EVP_DecryptUpdate(k->ctx, out, &outl, body + 16, (int)clen) || (size_t)outl != clen)
		return -1;
	n = cbc_unpad(out, clen, etm ? 0 : mac);
	if (n < 0 || etm)
		return n;
	n -= (long)mac;		/* MAC-then-encrypt: the MAC ends the plaintext */
	return cbc_mac_ok(s, k, seq, rec, out, (size_t)n, out + n) ? n : -1;
}

/* TLS 1.3: K's key and IV from a traffic SECRET (RFC 8446 7.3). */
bool tls_key__set13(struct tls_key *k, const struct tls_suite *s, const uint8_t *secret)
{
	uint8_t key[32];

	return tls_expand_label(s->hash, secret, "key", s->key_len, key) &&
	       tls_expand_label(s->hash, secret, "iv", 12, k->iv) && key_init(k, s, key);
}

bool tls_key__set12(struct tls_key *k, const struct tls_suite *s, const uint8_t master[48],
		    const uint8_t server_random[32], const uint8_t client_random[32], bool client)
{
	/* the key block, client's parts first (RFC 5246 6.3) */
	uint8_t seed[64], block[2 * (48 + 32 + 12)];
	size_t mac = s->mac_len, kl = s->key_len, ivl = s->kind == TLS_K_GCM ? 4
						    : s->kind == TLS_K_CHACHA ? 12 : 0;

	memcpy(seed, server_random, 32);
	memcpy(seed + 32, client_random, 32);
	if (!prf12(s->hash, master, 48, "key expansion", seed, sizeof(seed), block,
		   2 * (mac + kl + ivl)))
		return false;
	memcpy(k->iv, block + 2 * (mac + kl) + (client ? 0 : ivl), ivl);
	if (s->kind == TLS_K_CBC && !key_mac_init(k, s, block + (client ? 0 : mac)))
		return false;
	return key_init(k, s, block + 2 * mac + (client ? 0 : kl));
}

const struct tls_suite *tls_suite_find(uint16_t id, uint16_t version)
{
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].id == id && suites[i].version == version)
			return &suites[i];
	return NULL;
}
