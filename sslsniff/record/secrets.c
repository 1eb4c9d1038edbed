// SPDX-License-Identifier: GPL-2.0
/*
 * A connection's secrets, as the BPF side read them from the library's
 * structs, turned into the lines of a TLS key log (NSS key log format).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hmac_sha2.h"
#include "record/secrets.h"
#include "tls_names.h"

#define RANDOM_HEX	(2 * SSLSNIFF_RANDOM_LEN)

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
static bool hkdf_expand_label(enum hmac_sha2 md, const uint8_t *secret, size_t len,
			      const char *label, const uint8_t *ctx, size_t ctx_len, uint8_t *out)
{
	uint8_t info[2 + 1 + 6 + 32 + 1 + SSLSNIFF_SECRET_LEN + 1], mac[HMAC_SHA2_MAX_LEN];
	size_t llen = strlen(label), n = 0;

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
	if (len > (size_t)md || !hmac_sha2(md, secret, len, info, n, mac))
		return false;
	memcpy(out, mac, len);
	return true;
}

/* TLS 1.3 suites name their hash last: ..._SHA256, ..._SHA384 (0: neither). */
static enum hmac_sha2 suite_hash(const struct event *ev)
{
	const char *cipher = tls_event_cipher(ev);
	size_t n = cipher ? strnlen(cipher, SSLSNIFF_CIPHER_LEN) : 0;

	if (n >= 6 && !memcmp(cipher + n - 6, "SHA384", 6))
		return HMAC_SHA384;
	if (n >= 6 && !memcmp(cipher + n - 6, "SHA256", 6))
		return HMAC_SHA256;
	return 0;
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
	enum hmac_sha2 md = suite_hash(ev);
	size_t at = 0;

	if (!md)
		return 0;
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		at = add_line(buf, size, at, labels[i], random, s->traffic[i], md);
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
	enum hmac_sha2 md = suite_hash(ev);
	uint8_t out[SSLSNIFF_SECRET_LEN];
	size_t len, at = 0;

	if (!md)
		return 0;
	len = md;
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

static bool label_ok(const char *label, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = label[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return n > 0;
}

size_t secrets_format_line(const struct keylog_line *l, char *buf, size_t size)
{
	char random[RANDOM_HEX + 1], label[SSLSNIFF_LABEL_LEN + 1];

	if ((l->flags & KEYLOG_FAULT) || l->label_len > sizeof(l->label) ||
	    !l->random_len || l->random_len > sizeof(l->client_random) ||
	    !l->secret_len || l->secret_len > sizeof(l->secret) ||
	    !label_ok(l->label, l->label_len))
		return 0;
	memcpy(label, l->label, l->label_len);
	label[l->label_len] = '\0';
	hex(l->client_random, l->random_len, random);
	return add_line(buf, size, 0, label, random, l->secret, l->secret_len);
}

size_t secrets_format(const struct event *ev, const struct tls_secrets *s, char *buf, size_t size)
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

