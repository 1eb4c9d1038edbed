/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The TLS of one TCP connection, decrypted: the two in-order byte streams
 * (which end is the client is learnt from the ClientHello) go in, with the
 * connection's secrets (NSS key log) whenever they are known; each
 * direction's application data comes out, in order, through a callback.
 *
 * TLS 1.3 (AES-128/256-GCM, ChaCha20-Poly1305, AES-128-CCM, AES-128-CCM-8:
 * handshake and application epochs, KeyUpdate; 0-RTT data decrypted with
 * CLIENT_EARLY_TRAFFIC_SECRET, counted in records_early without it)
 * and TLS 1.2 (AES-GCM, ChaCha20-Poly1305, AES-CBC with HMAC-SHA1/256/384,
 * MAC-then-encrypt or encrypt_then_mac; full and abbreviated handshakes).
 * Older versions are counted as unsupported_version and not decoded.
 *
 * Bounds, per connection: a partial record TLS_WIRE_REC_MAX bytes per
 * direction; a handshake message being read (only the hellos and KeyUpdate
 * are kept) TLS_WIRE_HS_MAX; records waiting for keys TLS_WIRE_HOLD_MAX bytes
 * per direction (beyond it the newest record is dropped, counted in
 * records_unkeyed, its place kept so that later records keep their sequence
 * numbers); one plaintext buffer of TLS_WIRE_REC_MAX. A record whose length
 * field exceeds TLS 1.2/1.3's largest ciphertext is not TLS: that direction
 * stops (not_tls).
 *
 * Gaps (tls_wire__gap): the record spanning the gap is lost. When that
 * direction is decrypting (keys known), the bytes after the gap are scanned
 * for a plausible application-data header, and a candidate is confirmed by
 * decrypting it with the sequence numbers seq..seq+N (N = gap/22 + 2, at most
 * TLS_WIRE_RESYNC_TRIES decryptions per gap); everything up to the confirmed
 * record is bytes_lost. A gap before the direction decrypts (in the
 * handshake, or with its records held for keys) stops that direction.
 */
#ifndef __SSLSNIFF_TLS_WIRE_H
#define __SSLSNIFF_TLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TLS_RANDOM_LEN 32
#define TLS_SECRET_MAX 48

#define TLS_WIRE_REC_MAX	(5 + 16384 + 2048)	/* header + TLSCiphertext's largest */
#define TLS_WIRE_HS_MAX		65536			/* a hello's largest kept */
#define TLS_WIRE_HOLD_MAX	(4u << 20)		/* held for keys, per direction */
#define TLS_WIRE_RESYNC_TRIES	4096			/* decryptions per gap, at most */

enum tls_secret_label {          /* the NSS key log labels it uses */
	TLS_KEY_CLIENT_RANDOM,       /* TLS 1.2: the 48-byte master secret */
	TLS_KEY_CLIENT_HS,           /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	TLS_KEY_SERVER_HS,           /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	TLS_KEY_CLIENT_APP,          /* CLIENT_TRAFFIC_SECRET_0 */
	TLS_KEY_SERVER_APP,          /* SERVER_TRAFFIC_SECRET_0 */
	TLS_KEY_CLIENT_EARLY,        /* CLIENT_EARLY_TRAFFIC_SECRET */
	TLS_KEY__MAX
};

/* One connection's secrets, filled from key log lines. */
struct tls_keys {
	uint8_t client_random[TLS_RANDOM_LEN];
	uint8_t secret[TLS_KEY__MAX][TLS_SECRET_MAX];
	uint8_t secret_len[TLS_KEY__MAX];	/* 0: not known */
};

/*
 * One key log line ("LABEL <64 hex random> <hex secret>", with or without the
 * trailing newline) into LABEL, RANDOM and SECRET. Returns 0, -ENOENT for a
 * label it does not use (EXPORTER_SECRET, ...), -EINVAL for a malformed line.
 */
int tls_keylog_parse(const char *line, size_t len, enum tls_secret_label *label,
		     uint8_t random[TLS_RANDOM_LEN], uint8_t secret[TLS_SECRET_MAX],
		     size_t *secret_len);

struct tls_wire;

struct tls_wire_ops {
	/* LEN bytes of application data that END (0 or 1, as fed) sent, in order;
	 * TS_NS: of the feed that completed the record. DATA lives for the call only. */
	void (*plaintext)(void *ctx, int end, const uint8_t *data, size_t len, uint64_t ts_ns);
	/* The ClientHello was read: its random says which secrets to look up
	 * (the caller may call tls_wire__set_keys() from inside). Optional. */
	void (*client_hello)(void *ctx, const uint8_t random[TLS_RANDOM_LEN]);
};

/* A connection's decoder; OPS (kept, not copied) and CTX are the caller's.
 * NULL with errno on failure. */
struct tls_wire *tls_wire__new(const struct tls_wire_ops *ops, void *ctx);
/* Frees W; what is still held for keys is counted in records_unkeyed first. */
void tls_wire__free(struct tls_wire *w);

/* The connection ended: the records still held for keys are counted in
 * records_unkeyed and dropped (held_bytes 0). Feeding may go on after. */
void tls_wire__close(struct tls_wire *w);

/* The next LEN bytes of END's TCP stream (END: 0 or 1, the reassembler's tuple
 * ends). Returns 0, or -ENOMEM. Never fails on bad input: that is counted.
 * DATA is only read during the call. Not to be called from W's callbacks. */
int tls_wire__feed(struct tls_wire *w, int end, const uint8_t *data, size_t len, uint64_t ts_ns);

/* LEN bytes of END's stream were never captured: the record that spans them is
 * lost; resynchronise if it can (see above), else that direction stops. */
void tls_wire__gap(struct tls_wire *w, int end, uint64_t len);

/* The connection's secrets (copied). Records held for want of keys are
 * decrypted now (or, when called from a callback, at the end of that feed).
 * May be called again with more secrets (e.g. the application secrets after
 * the handshake ones): a secret already known is not replaced. Returns 0 or
 * -errno (-EINVAL: a secret longer than TLS_SECRET_MAX). */
int tls_wire__set_keys(struct tls_wire *w, const struct tls_keys *k);

int tls_wire__client_end(const struct tls_wire *w);   /* 0 or 1; -1 before a ClientHello */
const uint8_t *tls_wire__client_random(const struct tls_wire *w);  /* NULL before it */
uint16_t tls_wire__version(const struct tls_wire *w);   /* 0x0303, 0x0304; 0 unknown */
uint16_t tls_wire__cipher(const struct tls_wire *w);    /* IANA id; 0 unknown */
bool tls_wire__is_tls(const struct tls_wire *w);        /* false once the stream is clearly not TLS */

struct tls_wire_stats {
	uint64_t records;          /* TLS records seen, both directions */
	uint64_t records_decrypted;
	uint64_t records_failed;   /* authentication/MAC/padding failed */
	uint64_t records_unkeyed;  /* could not be decrypted: no keys (dropped from the hold, or at free) */
	uint64_t bytes_plain;      /* application data delivered */
	uint64_t bytes_tls;        /* TLS record bytes seen (headers included) */
	uint64_t bytes_lost;       /* stream bytes not decoded: gaps and what a gap made unreadable */
	uint64_t held_bytes;       /* now held waiting for keys */
	/* additions */
	uint64_t records_early;    /* 0-RTT records not decrypted (no early secret) */
	uint64_t alerts;           /* alert records (plaintext or decrypted) */
	uint64_t key_updates;      /* TLS 1.3 KeyUpdate messages followed */
	uint64_t unsupported_version; /* below TLS 1.2, or a 1.2 renegotiation: not decoded */
	uint64_t unsupported_cipher;  /* connections with a suite it does not decrypt */
	uint64_t not_tls;          /* directions stopped: not TLS or corrupt framing */
	uint64_t resyncs;          /* records found again after a gap */
	uint64_t records_unsupported; /* records not decoded: version or suite unsupported */
	uint64_t bytes_ignored;    /* stream bytes after a direction stopped: not TLS */
};
const struct tls_wire_stats *tls_wire__stats(const struct tls_wire *w);

#endif /* __SSLSNIFF_TLS_WIRE_H */
