// SPDX-License-Identifier: GPL-2.0
/* The TLS key log: secrets to NSS key log lines, each written once. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include "output/keylog.h"
#include "output/output.h"

#define RANDOM_HEX	(2 * SSLSNIFF_RANDOM_LEN)

struct keylog {
	FILE *f;
	uint64_t *seen;		/* open addressing; 0 is empty */
	size_t nr, cap;
	int err;
};

struct keylog *keylog__new(FILE *f)
{
	struct keylog *k = calloc(1, sizeof(*k));

	if (k)
		k->f = f;
	return k;
}

void keylog__free(struct keylog *k)
{
	if (!k)
		return;
	if (k->f)
		fclose(k->f);
	free(k->seen);
	free(k);
}

static void hex(const uint8_t *b, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * HKDF-Expand-Label (RFC 8446 7.1) for an output no longer than the hash:
 * one HMAC block, T(1) = HMAC(secret, HkdfLabel || 0x01).
 */
static bool hkdf_expand_label(const EVP_MD *md, const uint8_t *secret, size_t len,
			      const char *label, const uint8_t *ctx, size_t ctx_len, uint8_t *out)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + SSLSNIFF_SECRET_LEN + 1], mac[EVP_MAX_MD_SIZE];
	size_t llen = strlen(label), n = 0;
	unsigned int mac_len = 0;

	if (llen > 32 || ctx_len > SSLSNIFF_SECRET_LEN)
		return false;
	info[n++] = len >> 8;
	info[n++] = len & 0xff;
	info[n++] = 6 + llen;
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = ctx_len;
	memcpy(info + n, ctx, ctx_len);
	n += ctx_len;
	info[n++] = 1;
	if (!HMAC(md, secret, len, info, n, mac, &mac_len) || mac_len < len)
		return false;
	memcpy(out, mac, len);
	return true;
}

/* TLS 1.3 suites name their hash last: ..._SHA256, ..._SHA384. */
static const EVP_MD *suite_hash(const char *cipher)
{
	size_t n = strnlen(cipher, SSLSNIFF_CIPHER_LEN);

	if (n >= 6 && !memcmp(cipher + n - 6, "SHA384", 6))
		return EVP_sha384();
	if (n >= 6 && !memcmp(cipher + n - 6, "SHA256", 6))
		return EVP_sha256();
	return NULL;
}

static size_t add_line(char *buf, size_t size, size_t at, const char *label, const char *random,
		       const uint8_t *secret, size_t len)
{
	char s[2 * SSLSNIFF_SECRET_LEN + 1];
	int n;

	hex(secret, len, s);
	n = snprintf(buf + at, size - at, "%s %s %s\n", label, random, s);
	return n > 0 && (size_t)n < size - at ? at + n : at;
}

/* GnuTLS keeps the TLS 1.3 traffic secrets themselves: written as they are. */
static size_t format_tls13_kept(const struct event *ev, const struct tls_secrets *s,
				const char *random, char *buf, size_t size)
{
	static const char *const labels[] = {
		"CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		"CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
	};
	const EVP_MD *md = suite_hash(ev->cipher);
	size_t at = 0;

	if (!md)
		return 0;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		at = add_line(buf, size, at, labels[i], random, s->traffic[i], EVP_MD_get_size(md));
	return at;
}

/* The five secrets a TLS 1.3 key log has, derived as OpenSSL derives them. */
static size_t format_tls13(const struct event *ev, const struct tls_secrets *s,
			   const char *random, char *buf, size_t size)
{
	static const struct {
		const char *label, *hkdf;
		bool app;	/* from the master secret and the server Finished hash */
	} lines[] = {
		{ "SERVER_HANDSHAKE_TRAFFIC_SECRET", "s hs traffic", false },
		{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "c hs traffic", false },
		{ "SERVER_TRAFFIC_SECRET_0", "s ap traffic", true },
		{ "CLIENT_TRAFFIC_SECRET_0", "c ap traffic", true },
	};
	const EVP_MD *md = suite_hash(ev->cipher);
	uint8_t out[SSLSNIFF_SECRET_LEN];
	size_t len, at = 0;

	if (!md)
		return 0;
	len = EVP_MD_get_size(md);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		const uint8_t *secret = lines[i].app ? s->master_secret : s->handshake_secret;
		const uint8_t *hash = lines[i].app ? s->server_finished_hash
						   : s->handshake_traffic_hash;

		if (!hkdf_expand_label(md, secret, len, lines[i].hkdf, hash, len, out))
			return 0;
		at = add_line(buf, size, at, lines[i].label, random, out, len);
	}
	return add_line(buf, size, at, "EXPORTER_SECRET", random, s->exporter_master_secret, len);
}

static bool all_zero(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (b[i])
			return false;
	}
	return true;
}

size_t keylog_format(const struct event *ev, const struct tls_secrets *s, char *buf, size_t size)
{
	char random[RANDOM_HEX + 1];

	if (all_zero(s->client_random, sizeof(s->client_random)))
		return 0;
	hex(s->client_random, sizeof(s->client_random), random);
	if (ev->tls_version == 0x0304 && (s->flags & SECRETS_TRAFFIC)) {
		if (all_zero(s->traffic[2], sizeof(s->traffic[2])))
			return 0;
		return format_tls13_kept(ev, s, random, buf, size);
	}
	if (ev->tls_version == 0x0304) {
		if (all_zero(s->master_secret, sizeof(s->master_secret)))
			return 0;
		return format_tls13(ev, s, random, buf, size);
	}
	if (s->master_key_len != sizeof(s->master_key))
		return 0;
	return add_line(buf, size, 0, "CLIENT_RANDOM", random, s->master_key, s->master_key_len);
}

static uint64_t line_hash(const char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

static int seen_grow(struct keylog *k)
{
	size_t cap = k->cap ? k->cap * 2 : 256;
	uint64_t *old = k->seen, *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < k->cap; i++) {
		size_t j = old[i] & (cap - 1);

		if (!old[i])
			continue;
		while (t[j])
			j = (j + 1) & (cap - 1);
		t[j] = old[i];
	}
	free(old);
	k->seen = t;
	k->cap = cap;
	return 0;
}

/* True the first time the line with hash H is offered. */
static bool seen_first(struct keylog *k, uint64_t h)
{
	size_t j;

	if (2 * (k->nr + 1) > k->cap && seen_grow(k))
		return true;	/* no memory to remember: a duplicate beats a gap */
	for (j = h & (k->cap - 1); k->seen[j]; j = (j + 1) & (k->cap - 1)) {
		if (k->seen[j] == h)
			return false;
	}
	k->seen[j] = h;
	k->nr++;
	return true;
}

int keylog__write(struct keylog *k, const char *lines, size_t len)
{
	const char *p = lines, *end = lines + len;

	while (!k->err && p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		if (seen_first(k, line_hash(p, n)))
			k->err = output_write(k->f, p, n);
		p += n;
	}
	if (!k->err && fflush(k->f))
		k->err = -errno;
	return k->err;
}
