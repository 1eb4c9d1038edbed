// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: source/tls_wire.c on one connection's two streams, cut where
 * the input says, with the keys of one of three real transcripts (their seeds
 * in corpus/tls_wire, made with tests/unit/tls_wire/make-fixtures.py --fuzz).
 * The input: a flags byte (bits 0-1: which key log, 0 none; bits 2-3: keys
 * set before the feeds, from the ClientHello callback, half way, or after;
 * bit 4: a secret's byte flipped), then pieces, each a byte (bit 0: the end,
 * bit 1: a gap of that length instead of bytes, bits 2-7: the length, 63: a
 * 16-bit little-endian length follows) then its bytes. Each piece is fed from
 * a copy of its own size (ASan sees a read past it). Checked: every
 * plaintext piece is readable, from end 0 or 1, at most a record's size, and
 * adds up to bytes_plain; the counters agree with each other and the holds
 * stay within their bound and empty after tls_wire__close().
 */
#include <errno.h>
#include "fuzz.h"
#include "source/tls_wire.h"
#include "tls_wire_keys.h"

struct ctx {
	struct tls_wire *w;
	struct tls_keys keys;
	bool at_hello;
	uint64_t plain, sum;
};

static void on_plain(void *arg, int end, const uint8_t *data, size_t len, uint64_t ts)
{
	struct ctx *x = arg;

	FUZZ_ASSERT(end == 0 || end == 1);
	FUZZ_ASSERT(data && len && len <= TLS_WIRE_REC_MAX);
	FUZZ_ASSERT(ts);
	for (size_t i = 0; i < len; i++)
		x->sum += data[i];
	x->plain += len;
}

static void on_hello(void *arg, const uint8_t random[TLS_RANDOM_LEN])
{
	struct ctx *x = arg;

	FUZZ_ASSERT(random);
	if (x->at_hello)
		FUZZ_ASSERT(!tls_wire__set_keys(x->w, &x->keys));
}

static const struct tls_wire_ops ops = { .plaintext = on_plain, .client_hello = on_hello };

static void keys_load(const char *log, struct tls_keys *k)
{
	memset(k, 0, sizeof(*k));
	while (*log) {
		const char *nl = strchr(log, '\n');
		size_t n = nl ? (size_t)(nl - log) + 1 : strlen(log), slen;
		enum tls_secret_label l;
		uint8_t random[TLS_RANDOM_LEN], secret[TLS_SECRET_MAX];

		if (!tls_keylog_parse(log, n, &l, random, secret, &slen)) {
			memcpy(k->client_random, random, TLS_RANDOM_LEN);
			memcpy(k->secret[l], secret, slen);
			k->secret_len[l] = (uint8_t)slen;
		}
		log += n;
	}
}

static void check_stats(const struct tls_wire *w, const struct ctx *x, uint64_t fed)
{
	const struct tls_wire_stats *st = tls_wire__stats(w);

	FUZZ_ASSERT(st->bytes_plain == x->plain);
	FUZZ_ASSERT(st->records_decrypted + st->records_failed <= st->records);
	FUZZ_ASSERT(st->bytes_tls <= fed && st->bytes_tls >= 5 * st->records);
	FUZZ_ASSERT(st->held_bytes <= 2 * (uint64_t)TLS_WIRE_HOLD_MAX);
	FUZZ_ASSERT(tls_wire__client_end(w) >= -1 && tls_wire__client_end(w) <= 1);
	FUZZ_ASSERT(!tls_wire__client_random(w) || tls_wire__client_end(w) >= 0);
	FUZZ_ASSERT(!tls_wire__version(w) || tls_wire__version(w) == 0x0303 ||
		    tls_wire__version(w) == 0x0304);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx x;
	size_t off = 1;
	uint64_t fed = 0;
	uint8_t flags;
	int when;

	if (!size)
		return 0;
	flags = data[0];
	when = flags >> 2 & 3;
	memset(&x, 0, sizeof(x));
	if (flags & 3)
		keys_load(tls_wire_fuzz_keylogs[(flags & 3) - 1], &x.keys);
	if (flags & 16)
		x.keys.secret[TLS_KEY_CLIENT_APP][0] ^= 1;
	x.at_hello = when == 1;
	x.w = tls_wire__new(&ops, &x);
	FUZZ_ASSERT(x.w);
	if (when == 0)
		FUZZ_ASSERT(!tls_wire__set_keys(x.w, &x.keys));
	while (off < size) {
		uint8_t b = data[off++];
		size_t n = b >> 2;

		if (n == 63 && size - off >= 2) {
			n = data[off] | (size_t)data[off + 1] << 8;
			off += 2;
		}
		if (b & 2) {
			tls_wire__gap(x.w, b & 1, n);
			continue;
		}
		if (n > size - off)
			n = size - off;
		uint8_t *copy = malloc(n ? n : 1);

		FUZZ_ASSERT(copy);
		memcpy(copy, data + off, n);
		FUZZ_ASSERT(!tls_wire__feed(x.w, b & 1, copy, n, off));
		free(copy);
		off += n;
		fed += n;
		if (when == 2 && off >= size / 2) {
			FUZZ_ASSERT(!tls_wire__set_keys(x.w, &x.keys));
			when = -1;
		}
		check_stats(x.w, &x, fed);
	}
	if (when == 3 || when == 2)
		FUZZ_ASSERT(!tls_wire__set_keys(x.w, &x.keys));
	check_stats(x.w, &x, fed);
	if (getenv("TLS_WIRE_FUZZ_DEBUG")) {
		const struct tls_wire_stats *st = tls_wire__stats(x.w);

		fprintf(stderr, "records %lu decrypted %lu failed %lu unkeyed %lu plain %lu\n",
			(unsigned long)st->records, (unsigned long)st->records_decrypted,
			(unsigned long)st->records_failed, (unsigned long)st->records_unkeyed,
			(unsigned long)st->bytes_plain);
	}
	tls_wire__close(x.w);
	FUZZ_ASSERT(tls_wire__stats(x.w)->held_bytes == 0);
	tls_wire__free(x.w);
	return 0;
}
