// SPDX-License-Identifier: GPL-2.0
/*
 * The TLS records of one TCP connection, decrypted (tls_wire.h says what and
 * its bounds). Each direction frames its records; plaintext handshake records
 * give the hellos; encrypted ones are opened by source/tls_crypto.c (EVP
 * ciphers, the KDFs on lib/hmac_sha2).
 *
 * A record that needs what is not known yet (the ServerHello in the other
 * stream, or secrets) waits in its direction's hold, and so does every later
 * record of that direction, to keep their order; the hold is replayed when
 * that changes. TLS 1.3 records are tried against the direction's key epochs
 * in order (early, handshake, application): the current one first, then the
 * later ones, so that a lost Finished, absent handshake secrets or rejected
 * 0-RTT data do not stop the direction.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include "source/tls_crypto.h"
#include "source/tls_wire.h"

#define REC_HDR		5
#define REC_BODY_MAX	(16384 + 2048)
#define HOLD_ENTRY	12	/* ts (8) + record length (4); length 0: dropped records */

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APPDATA = 23, CT_HEARTBEAT = 24 };
enum { HS_CLIENT_HELLO = 1, HS_SERVER_HELLO = 2, HS_NEW_SESSION_TICKET = 4,
       HS_END_OF_EARLY_DATA = 5, HS_FINISHED = 20, HS_KEY_UPDATE = 24 };
enum { EXT_ETM = 22, EXT_EARLY_DATA = 42, EXT_SUPPORTED_VERSIONS = 43 };

/* TLS 1.3's key epochs of a direction, in the order they follow each other. */
enum epoch { EP_EARLY, EP_HS, EP_APP, EP__MAX };

/* SHA-256("HelloRetryRequest"): a ServerHello with this random is an HRR. */
static const uint8_t hrr_random[TLS_RANDOM_LEN] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
	0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
	0x33, 0x9c,
};

struct dir {
	int end;
	bool dead;		/* stopped: the rest is counted, not decoded */
	bool dead_lost;		/* ... as bytes_lost (after a gap), else as bytes_ignored */
	bool ccs;		/* TLS 1.2: after this direction's ChangeCipherSpec */
	bool early_offered;	/* the client's ClientHello offered 0-RTT */
	uint8_t epoch;		/* TLS 1.3: enum epoch */
	bool epoch_set;
	bool switch_after;	/* the record just opened ends the epoch (Finished, EOED) */
	bool update_after;	/* ... or held a KeyUpdate */
	bool resync;		/* after a gap: looking for a record again */
	uint32_t resync_span;	/* sequence numbers to try per candidate */
	uint32_t resync_tries;	/* decryptions left for this gap */

	uint8_t *part;		/* a record being assembled (TLS_WIRE_REC_MAX) */
	size_t part_have;

	uint8_t *hold;		/* entries: ts, length, record */
	size_t hold_off, hold_len, hold_cap;

	uint8_t hs_hdr[4];	/* the handshake message being read */
	uint8_t hs_hdr_have;
	uint32_t hs_len, hs_have;
	uint8_t *hs_buf;	/* its body when kept (the hellos), for the message only */
	bool hs_keep;

	uint8_t app_secret[TLS_SECRET_MAX];	/* TLS 1.3: after KeyUpdates */
	bool app_secret_set;
	struct tls_key k[EP__MAX];	/* TLS 1.2 uses k[EP_APP] */
};

struct tls_wire {
	const struct tls_wire_ops *ops;
	void *ctx;
	struct dir d[2];
	int client_end;
	bool have_cr, have_sh, etm, unsupported, not_tls;
	uint16_t version, cipher;
	const struct tls_suite *suite;
	uint8_t client_random[TLS_RANDOM_LEN], server_random[TLS_RANDOM_LEN];
	struct tls_keys keys;
	uint8_t *plain;		/* one record's plaintext (TLS_WIRE_REC_MAX) */
	int depth;		/* inside a feed or a drain: set_keys only marks dirty */
	bool dirty;		/* keys or the ServerHello came: the holds may move */
	struct tls_wire_stats st;
};

enum rec_result { R_DONE, R_HOLD };

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* ---- key log lines ---- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return !(n & 1);
}

int tls_keylog_parse(const char *line, size_t len, enum tls_secret_label *label,
		     uint8_t random[TLS_RANDOM_LEN], uint8_t secret[TLS_SECRET_MAX],
		     size_t *secret_len)
{
	static const char *const names[TLS_KEY__MAX] = {
		[TLS_KEY_CLIENT_RANDOM] = "CLIENT_RANDOM",
		[TLS_KEY_CLIENT_HS] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
		[TLS_KEY_SERVER_HS] = "SERVER_HANDSHAKE_TRAFFIC_SECRET",
		[TLS_KEY_CLIENT_APP] = "CLIENT_TRAFFIC_SECRET_0",
		[TLS_KEY_SERVER_APP] = "SERVER_TRAFFIC_SECRET_0",
		[TLS_KEY_CLIENT_EARLY] = "CLIENT_EARLY_TRAFFIC_SECRET",
	};
	const char *sp1, *sp2, *sec;
	size_t name_len, sec_len;
	int found = -1;

	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len && line[0] == '#')
		return -ENOENT;	/* the key log format's comments */
	sp1 = memchr(line, ' ', len);
	if (!sp1)
		return -EINVAL;
	name_len = (size_t)(sp1 - line);
	if ((size_t)(line + len - sp1) < 1 + 2 * TLS_RANDOM_LEN + 1 ||
	    sp1[1 + 2 * TLS_RANDOM_LEN] != ' ')
		return -EINVAL;
	sp2 = sp1 + 1 + 2 * TLS_RANDOM_LEN;
	if (!unhex(sp1 + 1, 2 * TLS_RANDOM_LEN, random))
		return -EINVAL;
	for (int i = 0; i < TLS_KEY__MAX; i++)
		if (strlen(names[i]) == name_len && !memcmp(line, names[i], name_len))
			found = i;
	if (found < 0)
		return -ENOENT;
	sec = sp2 + 1;
	sec_len = (size_t)(line + len - sec);
	if (!sec_len || sec_len > 2 * TLS_SECRET_MAX || !unhex(sec, sec_len, secret))
		return -EINVAL;
	*label = (enum tls_secret_label)found;
	*secret_len = sec_len / 2;
	return 0;
}

/* ---- keys ---- */

static bool is_client(const struct tls_wire *w, const struct dir *d)
{
	return w->client_end == d->end;
}

/* The secret of KEYS under LABEL, if it is for this connection and this suite's size. */
static const uint8_t *secret_of(const struct tls_wire *w, enum tls_secret_label l, size_t len)
{
	if (w->keys.secret_len[l] != len)
		return NULL;
	if (w->have_cr && memcmp(w->keys.client_random, w->client_random, TLS_RANDOM_LEN))
		return NULL;
	return w->keys.secret[l];
}

/* D's key for EPOCH (TLS 1.3) or its one key (TLS 1.2), made on first use;
 * NULL when what it needs is not known yet. */
static struct tls_key *key_get(struct tls_wire *w, struct dir *d, enum epoch e)
{
	static const enum tls_secret_label l13[EP__MAX][2] = {
		[EP_EARLY] = { TLS_KEY__MAX, TLS_KEY_CLIENT_EARLY },
		[EP_HS] = { TLS_KEY_SERVER_HS, TLS_KEY_CLIENT_HS },
		[EP_APP] = { TLS_KEY_SERVER_APP, TLS_KEY_CLIENT_APP },
	};
	struct tls_key *k = &d->k[e];
	const struct tls_suite *s = w->suite;
	const uint8_t *secret;

	if (k->ready)
		return k;
	if (!s || w->client_end < 0)
		return NULL;
	if (s->version == 0x0304) {
		enum tls_secret_label l = l13[e][is_client(w, d)];

		if (e == EP_APP && d->app_secret_set)
			secret = d->app_secret;
		else if (l == TLS_KEY__MAX || !(secret = secret_of(w, l, s->hash)))
			return NULL;
		if (e == EP_APP && !d->app_secret_set) {
			memcpy(d->app_secret, secret, s->hash);
			d->app_secret_set = true;
		}
		return tls_key__set13(k, s, secret) ? k : NULL;
	}
	if (!w->have_sh || !w->have_cr ||
	    !(secret = secret_of(w, TLS_KEY_CLIENT_RANDOM, 48)))
		return NULL;
	return tls_key__set12(k, s, secret, w->server_random, w->client_random,
			      is_client(w, d)) ? k : NULL;
}

/* ---- handshake messages ---- */

static void unsupported(struct tls_wire *w, bool version)
{
	if (w->unsupported)
		return;
	w->unsupported = true;
	if (version)
		w->st.unsupported_version++;
	else
		w->st.unsupported_cipher++;
}

/* The extensions block at P (END its end): what D's peer or D said. */
static void hello_exts(struct tls_wire *w, struct dir *d, const uint8_t *p, const uint8_t *end,
		       bool server)
{
	if (end - p < 2)
		return;
	size_t total = be16(p);

	p += 2;
	if (total < (size_t)(end - p))
		end = p + total;
	while (end - p >= 4) {
		uint16_t type = be16(p), len = be16(p + 2);

		p += 4;
		if (len > end - p)
			return;
		if (server && type == EXT_SUPPORTED_VERSIONS && len == 2)
			w->version = be16(p);
		else if (server && type == EXT_ETM)
			w->etm = true;
		else if (!server && type == EXT_EARLY_DATA)
			d->early_offered = true;
		p += len;
	}
}

static void client_hello(struct tls_wire *w, struct dir *d, const uint8_t *b, uint32_t len)
{
	size_t off = 2 + TLS_RANDOM_LEN;

	if (w->client_end >= 0 && !is_client(w, d))
		return;
	/* session id, cipher suites, compression methods, then extensions */
	if (len < off + 1 || (off += 1 + b[off]) + 2 > len ||
	    (off += 2 + be16(b + off)) + 1 > len || (off += 1 + b[off]) > len)
		return;
	w->client_end = d->end;
	hello_exts(w, d, b + off, b + len, false);
	if (w->have_cr)
		return;		/* the second ClientHello, after an HRR */
	memcpy(w->client_random, b + 2, TLS_RANDOM_LEN);
	w->have_cr = true;
	w->dirty = true;
	if (w->ops->client_hello)
		w->ops->client_hello(w->ctx, w->client_random);
}

static void server_hello(struct tls_wire *w, struct dir *d, const uint8_t *b, uint32_t len)
{
	size_t off = 2 + TLS_RANDOM_LEN;
	uint16_t cipher;

	if (w->have_sh || (w->client_end >= 0 && is_client(w, d)) || len < off + 1 ||
	    (off += 1 + b[off]) + 3 > len)
		return;
	cipher = be16(b + off);
	off += 3;	/* the suite and the compression method */
	w->client_end = !d->end;
	w->version = be16(b);
	hello_exts(w, d, b + off, b + len, true);
	w->cipher = cipher;
	if (w->version < 0x0303 || w->version > 0x0304) {
		unsupported(w, true);
		return;
	}
	w->suite = tls_suite_find(cipher, w->version);
	if (!w->suite) {
		unsupported(w, false);
		return;
	}
	if (!memcmp(b + 2, hrr_random, TLS_RANDOM_LEN))
		return;		/* a HelloRetryRequest: the ServerHello comes after */
	memcpy(w->server_random, b + 2, TLS_RANDOM_LEN);
	w->have_sh = true;
	w->dirty = true;
}

/* A whole handshake message of D: the hellos give the connection's
 * parameters; Finished, EndOfEarlyData and KeyUpdate end a TLS 1.3 epoch. */
static void hs_message(struct tls_wire *w, struct dir *d, uint8_t type, const uint8_t *b,
		       uint32_t len)
{
	bool t13 = w->version == 0x0304 && w->have_sh;

	switch (type) {
	case HS_CLIENT_HELLO:
		if (b)
			client_hello(w, d, b, len);
		break;
	case HS_SERVER_HELLO:
		if (b)
			server_hello(w, d, b, len);
		break;
	case HS_FINISHED:
		if (t13 && d->epoch == EP_HS)
			d->switch_after = true;
		break;
	case HS_END_OF_EARLY_DATA:
		if (t13 && d->epoch == EP_EARLY)
			d->switch_after = true;
		break;
	case HS_KEY_UPDATE:
		if (t13 && d->epoch == EP_APP)
			d->update_after = true;
		break;
	}
}

static void hs_reset(struct dir *d)
{
	free(d->hs_buf);
	d->hs_buf = NULL;
	d->hs_keep = false;
	d->hs_hdr_have = 0;
	d->hs_len = d->hs_have = 0;
}

/* The handshake bytes of one record: messages may span records. */
static void hs_feed(struct tls_wire *w, struct dir *d, const uint8_t *p, size_t len)
{
	while (len) {
		if (d->hs_hdr_have < 4) {
			d->hs_hdr[d->hs_hdr_have++] = *p++;
			len--;
			if (d->hs_hdr_have < 4)
				continue;
			d->hs_len = (uint32_t)d->hs_hdr[1] << 16 | be16(d->hs_hdr + 2);
			d->hs_have = 0;
			/* only the hellos' bodies are read: kept for the
			 * message only, not for the connection's life */
			d->hs_keep = d->hs_len <= TLS_WIRE_HS_MAX &&
				     (d->hs_hdr[0] == HS_CLIENT_HELLO ||
				      d->hs_hdr[0] == HS_SERVER_HELLO);
			if (d->hs_keep && !(d->hs_buf = malloc(d->hs_len ? d->hs_len : 1)))
				d->hs_keep = false;
		}
		size_t n = d->hs_len - d->hs_have < len ? d->hs_len - d->hs_have : len;

		if (d->hs_keep)
			memcpy(d->hs_buf + d->hs_have, p, n);
		d->hs_have += (uint32_t)n;
		p += n;
		len -= n;
		if (d->hs_have == d->hs_len) {
			hs_message(w, d, d->hs_hdr[0], d->hs_keep ? d->hs_buf : NULL, d->hs_len);
			hs_reset(d);
		}
	}
}

/* ---- records ---- */

/* The plaintext of one of D's records, of content TYPE. */
static void content(struct tls_wire *w, struct dir *d, uint8_t type, const uint8_t *p,
		    size_t len, uint64_t ts)
{
	switch (type) {
	case CT_HANDSHAKE:
		hs_feed(w, d, p, len);
		break;
	case CT_APPDATA:
		w->st.bytes_plain += len;
		if (len && w->ops->plaintext)
			w->ops->plaintext(w->ctx, d->end, p, len, ts);
		break;
	case CT_ALERT:
		w->st.alerts++;
		break;
	}
}

/* After a TLS 1.3 record: the epoch its Finished or KeyUpdate ended. */
static void epoch_after(struct tls_wire *w, struct dir *d)
{
	if (d->switch_after && d->epoch < EP_APP)
		d->epoch++;
	if (d->update_after) {
		uint8_t next[TLS_SECRET_MAX];

		if (tls_expand_label(w->suite->hash, d->app_secret, "traffic upd", w->suite->hash,
				 next)) {
			memcpy(d->app_secret, next, w->suite->hash);
			d->k[EP_APP].ready = false;
			if (tls_key__set13(&d->k[EP_APP], w->suite, d->app_secret))
				w->st.key_updates++;
		}
	}
	d->switch_after = d->update_after = false;
}

static void epoch_init(struct tls_wire *w, struct dir *d)
{
	if (d->epoch_set)
		return;
	d->epoch = is_client(w, d) && d->early_offered ? EP_EARLY : EP_HS;
	d->epoch_set = true;
}

/* A TLS 1.3 encrypted record: the current epoch's key first, then the later
 * ones (a success there moves the direction on). */
static enum rec_result rec13(struct tls_wire *w, struct dir *d, const uint8_t *rec, size_t blen,
			     uint64_t ts)
{
	bool tried = false;
	uint8_t type;

	epoch_init(w, d);
	for (int e = d->epoch; e < EP__MAX; e++) {
		struct tls_key *k = key_get(w, d, e);
		long n;

		if (!k)
			continue;
		tried = true;
		n = tls_key__open13(w->suite, k, k->seq, rec, blen, w->plain, &type);
		if (n < 0)
			continue;
		d->epoch = (uint8_t)e;
		k->seq++;
		w->st.records_decrypted++;
		content(w, d, type, w->plain, (size_t)n, ts);
		epoch_after(w, d);
		return R_DONE;
	}
	if (!tried)
		return R_HOLD;
	if (d->k[d->epoch].ready) {
		w->st.records_failed++;
		d->k[d->epoch].seq++;	/* later records keep their numbers */
	} else if (d->epoch == EP_EARLY) {
		w->st.records_early++;
	} else {
		w->st.records_unkeyed++;
	}
	return R_DONE;
}

static enum rec_result rec12(struct tls_wire *w, struct dir *d, const uint8_t *rec, size_t blen,
			     uint64_t ts)
{
	struct tls_key *k = key_get(w, d, EP_APP);
	long n;

	if (!k)
		return R_HOLD;
	n = tls_key__open12(w->suite, w->etm, k, k->seq, rec, blen, w->plain);
	k->seq++;
	if (n < 0) {
		w->st.records_failed++;
		return R_DONE;
	}
	w->st.records_decrypted++;
	content(w, d, rec[0], w->plain, (size_t)n, ts);
	return R_DONE;
}

/* One whole record of D (REC: header and body). R_HOLD: it needs what is not
 * known yet, keep it for later. */
static enum rec_result rec_process(struct tls_wire *w, struct dir *d, const uint8_t *rec,
				   uint64_t ts)
{
	uint8_t type = rec[0];
	size_t blen = be16(rec + 3);

	if (w->unsupported) {	/* (a stopped direction's held records came before) */
		w->st.records_unsupported++;
		return R_DONE;
	}
	if (d->ccs)
		return rec12(w, d, rec, blen, ts);
	if (type == CT_APPDATA || type == CT_CCS) {
		/* which version decides what these are: the ServerHello
		 * (maybe in the other stream, not read yet) says */
		if (!w->have_sh && !(type == CT_CCS && w->version == 0x0304))
			return R_HOLD;	/* (after an HRR: TLS 1.3's CCS) */
		if (w->version == 0x0304) {
			if (type == CT_APPDATA)
				return rec13(w, d, rec, blen, ts);
			return R_DONE;	/* middlebox compatibility */
		}
		if (type == CT_CCS) {
			d->ccs = true;
			return R_DONE;
		}
		w->st.records_failed++;	/* application data in the clear */
		return R_DONE;
	}
	content(w, d, type, rec + REC_HDR, blen, ts);
	return R_DONE;
}

/* A TLS 1.2 ChangeCipherSpec again after this direction's first: a
 * renegotiation, whose keys it cannot know. */
static bool renegotiation(struct tls_wire *w, struct dir *d, const uint8_t *rec)
{
	if (!d->ccs || rec[0] != CT_CCS)
		return false;
	unsupported(w, true);
	return true;
}

/* ---- the hold ---- */

static int hold_push(struct tls_wire *w, struct dir *d, const uint8_t *rec, size_t n, uint64_t ts)
{
	uint8_t *e;

	if (d->hold_len + HOLD_ENTRY + n > TLS_WIRE_HOLD_MAX) {
		/* full: drop this record but keep its place, so that the
		 * sequence numbers after it stay right */
		w->st.records_unkeyed++;
		e = d->hold_len ? d->hold + d->hold_off + d->hold_len - HOLD_ENTRY : NULL;
		if (e && !memcmp(e + 8, "\0\0\0\0", 4)) {
			uint64_t count;

			memcpy(&count, e, 8);
			count++;
			memcpy(e, &count, 8);
			return 0;
		}
		n = 0;
		ts = 1;		/* a marker: TS is the count of records dropped */
	}
	if (d->hold_off + d->hold_len + HOLD_ENTRY + n > d->hold_cap) {
		if (d->hold_off) {
			memmove(d->hold, d->hold + d->hold_off, d->hold_len);
			d->hold_off = 0;
		}
		if (d->hold_len + HOLD_ENTRY + n > d->hold_cap) {
			size_t cap = d->hold_cap ? d->hold_cap : 65536;

			while (cap < d->hold_len + HOLD_ENTRY + n)
				cap *= 2;
			if (cap > TLS_WIRE_HOLD_MAX + HOLD_ENTRY)
				cap = TLS_WIRE_HOLD_MAX + HOLD_ENTRY;
			e = realloc(d->hold, cap);
			if (!e)
				return -ENOMEM;
			d->hold = e;
			d->hold_cap = cap;
		}
	}
	e = d->hold + d->hold_off + d->hold_len;
	memcpy(e, &ts, 8);
	uint32_t len32 = (uint32_t)n;

	memcpy(e + 8, &len32, 4);
	memcpy(e + HOLD_ENTRY, rec, n);
	d->hold_len += HOLD_ENTRY + n;
	w->st.held_bytes += n;
	return 0;
}

/* Records dropped from a full hold: their sequence numbers pass. */
static void skip_dropped(struct dir *d, uint64_t count)
{
	struct tls_key *k = &d->k[d->ccs ? EP_APP : d->epoch];

	if (k->ready)
		k->seq += count;
}

/* D's oldest held record decoded: false when there is none or it must wait. */
static bool hold_step(struct tls_wire *w, struct dir *d)
{
	uint8_t *e = d->hold + d->hold_off;
	uint64_t ts;
	uint32_t n;

	if (!d->hold_len)
		return false;
	memcpy(&ts, e, 8);
	memcpy(&n, e + 8, 4);
	if (!n) {
		skip_dropped(d, ts);
	} else if (renegotiation(w, d, e + HOLD_ENTRY)) {
	} else if (rec_process(w, d, e + HOLD_ENTRY, ts) == R_HOLD) {
		return false;
	}
	d->hold_off += HOLD_ENTRY + n;
	d->hold_len -= HOLD_ENTRY + n;
	w->st.held_bytes -= n;
	if (!d->hold_len)
		d->hold_off = 0;
	return true;
}

/* When D's oldest held record arrived (a mark of dropped records: at once). */
static uint64_t hold_head_ts(const struct dir *d)
{
	const uint8_t *e = d->hold + d->hold_off;
	uint64_t ts;
	uint32_t n;

	memcpy(&ts, e, 8);
	memcpy(&n, e + 8, 4);
	return n ? ts : 0;
}

/*
 * Both holds, until what they wait for stops coming, the older head first:
 * a request held with its response comes out before it, as it came. Never
 * from inside hold_step(): callbacks only mark the connection dirty
 * (depth > 0).
 */
static void drain_holds(struct tls_wire *w)
{
	while (w->dirty) {
		bool open[2] = { true, true };

		w->dirty = false;
		for (;;) {
			int i;

			for (i = 0; i < 2; i++)
				open[i] = open[i] && w->d[i].hold_len;
			if (!open[0] && !open[1])
				break;
			i = !open[0] || (open[1] && hold_head_ts(&w->d[1]) < hold_head_ts(&w->d[0]));
			open[i] = hold_step(w, &w->d[i]);
		}
	}
}

static void drain(struct tls_wire *w)
{
	if (w->depth)
		return;
	w->depth++;
	drain_holds(w);
	w->depth--;
}

/* ---- framing ---- */

static bool header_ok(const uint8_t *h)
{
	return h[0] >= CT_CCS && h[0] <= CT_HEARTBEAT && h[1] == 3 && h[2] <= 4 &&
	       be16(h + 3) <= REC_BODY_MAX;
}

static void stop(struct dir *d, bool lost)
{
	d->dead = true;
	d->dead_lost = lost;
	d->part_have = 0;
	d->resync = false;
}

/* One whole record of D from the stream. */
static int record(struct tls_wire *w, struct dir *d, const uint8_t *rec, uint64_t ts)
{
	size_t n = REC_HDR + be16(rec + 3);

	w->st.records++;
	w->st.bytes_tls += n;
	if (d->hold_len && w->dirty)
		drain_holds(w);	/* keys came from a callback: the hold first */
	if (!d->hold_len) {
		if (renegotiation(w, d, rec) || rec_process(w, d, rec, ts) == R_DONE)
			return 0;
	}
	return hold_push(w, d, rec, n, ts);
}

static int part_alloc(struct dir *d)
{
	if (!d->part && !(d->part = malloc(TLS_WIRE_REC_MAX)))
		return -ENOMEM;
	return 0;
}

/* D's stream bytes while it frames records. */
static int frame(struct tls_wire *w, struct dir *d, const uint8_t *p, size_t len, uint64_t ts)
{
	int err = 0;

	while (len && !d->dead && !d->resync && !err) {
		if (!d->part_have && len >= REC_HDR && header_ok(p) &&
		    len >= REC_HDR + (size_t)be16(p + 3)) {
			/* the fast path: the whole record in the feed, not copied */
			size_t n = REC_HDR + be16(p + 3);

			err = record(w, d, p, ts);
			p += n;
			len -= n;
			continue;
		}
		if ((err = part_alloc(d)))
			break;
		if (d->part_have < REC_HDR) {
			size_t n = REC_HDR - d->part_have < len ? REC_HDR - d->part_have : len;

			memcpy(d->part + d->part_have, p, n);
			d->part_have += n;
			p += n;
			len -= n;
			if (d->part_have < REC_HDR)
				break;
			if (!header_ok(d->part)) {
				w->st.not_tls++;
				w->not_tls = true;
				w->st.bytes_ignored += d->part_have;
				stop(d, false);
				break;
			}
		}
		size_t want = REC_HDR + be16(d->part + 3) - d->part_have;
		size_t n = want < len ? want : len;

		memcpy(d->part + d->part_have, p, n);
		d->part_have += n;
		p += n;
		len -= n;
		if (n == want) {
			err = record(w, d, d->part, ts);
			d->part_have = 0;
		}
	}
	if (d->dead)
		*(d->dead_lost ? &w->st.bytes_lost : &w->st.bytes_ignored) += len;
	return err;
}

/* ---- after a gap ---- */

/* A candidate record at REC after a gap: is it the next one, at one of the
 * sequence numbers the gap may have skipped? Opened on success. */
static bool resync_try(struct tls_wire *w, struct dir *d, const uint8_t *rec, uint64_t ts)
{
	size_t blen = be16(rec + 3);
	struct tls_key *k = &d->k[d->ccs ? EP_APP : d->epoch];
	uint8_t type = rec[0];

	for (uint32_t i = 0; i < d->resync_span && d->resync_tries; i++) {
		long n;

		d->resync_tries--;
		if (d->ccs)
			n = tls_key__open12(w->suite, w->etm, k, k->seq + i, rec, blen, w->plain);
		else
			n = tls_key__open13(w->suite, k, k->seq + i, rec, blen, w->plain, &type);
		if (n < 0)
			continue;
		k->seq += i + 1;
		d->resync = false;
		w->st.resyncs++;
		w->st.records++;
		w->st.bytes_tls += REC_HDR + blen;
		w->st.records_decrypted++;
		content(w, d, type, w->plain, (size_t)n, ts);
		if (!d->ccs)
			epoch_after(w, d);
		return true;
	}
	return false;
}

/* D's bytes after a gap, scanned (in D's part buffer) for the next record. */
static int resync(struct tls_wire *w, struct dir *d, const uint8_t *p, size_t len, uint64_t ts)
{
	int err = part_alloc(d);

	while (!err && len && d->resync) {
		size_t n = TLS_WIRE_REC_MAX - d->part_have < len ? TLS_WIRE_REC_MAX - d->part_have
								 : len, i = 0;

		memcpy(d->part + d->part_have, p, n);
		d->part_have += n;
		p += n;
		len -= n;
		for (; i + REC_HDR <= d->part_have && d->resync; i++) {
			const uint8_t *h = d->part + i;

			if (h[0] != CT_APPDATA || h[1] != 3 || h[2] != 3 ||
			    be16(h + 3) > REC_BODY_MAX)
				continue;
			if (i + REC_HDR + be16(h + 3) > d->part_have)
				break;	/* more bytes first */
			if (resync_try(w, d, h, ts)) {
				size_t used = i + REC_HDR + be16(h + 3);
				size_t rest_len = d->part_have - used;
				uint8_t *rest = malloc(rest_len + 1);

				/* what follows it is framed afresh */
				w->st.bytes_lost += i;
				if (!rest)
					return -ENOMEM;
				memcpy(rest, d->part + used, rest_len);
				d->part_have = 0;
				err = frame(w, d, rest, rest_len, ts);
				free(rest);
				goto out;
			}
			if (!d->resync_tries) {
				w->st.bytes_lost += d->part_have;
				stop(d, true);
				break;
			}
		}
		if (d->resync) {
			w->st.bytes_lost += i;
			memmove(d->part, d->part + i, d->part_have - i);
			d->part_have -= i;
		}
	}
out:
	if (d->dead)
		w->st.bytes_lost += len;
	else if (!d->resync && len && !err)
		err = frame(w, d, p, len, ts);
	return err;
}

void tls_wire__gap(struct tls_wire *w, int end, uint64_t len)
{
	struct dir *d = &w->d[end & 1];
	bool keyed = d->ccs ? d->k[EP_APP].ready
			    : w->version == 0x0304 && d->epoch_set && d->k[d->epoch].ready;

	w->st.bytes_lost += len + d->part_have;
	d->part_have = 0;
	hs_reset(d);
	if (d->dead)
		return;
	if (!keyed || d->hold_len || w->unsupported) {
		stop(d, true);
		return;
	}
	uint64_t span = len / 22 + 2;

	d->resync = true;
	d->resync_span = span > TLS_WIRE_RESYNC_TRIES ? TLS_WIRE_RESYNC_TRIES : (uint32_t)span;
	d->resync_tries = TLS_WIRE_RESYNC_TRIES;
}

/* ---- the object ---- */

struct tls_wire *tls_wire__new(const struct tls_wire_ops *ops, void *ctx)
{
	struct tls_wire *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->plain = malloc(TLS_WIRE_REC_MAX);
	if (!w->plain) {
		free(w);
		errno = ENOMEM;
		return NULL;
	}
	w->ops = ops;
	w->ctx = ctx;
	w->client_end = -1;
	w->d[1].end = 1;
	return w;
}

void tls_wire__close(struct tls_wire *w)
{
	for (int i = 0; i < 2; i++) {
		struct dir *d = &w->d[i];

		for (size_t off = d->hold_off; off < d->hold_off + d->hold_len;) {
			uint32_t n;

			memcpy(&n, d->hold + off + 8, 4);
			if (n)
				w->st.records_unkeyed++;
			off += HOLD_ENTRY + n;
		}
		w->st.held_bytes = 0;
		d->hold_off = d->hold_len = 0;
	}
}

void tls_wire__free(struct tls_wire *w)
{
	if (!w)
		return;
	tls_wire__close(w);
	for (int i = 0; i < 2; i++) {
		struct dir *d = &w->d[i];

		for (int e = 0; e < EP__MAX; e++)
			tls_key__free(&d->k[e]);
		free(d->part);
		free(d->hold);
		free(d->hs_buf);
	}
	free(w->plain);
	OPENSSL_cleanse(&w->keys, sizeof(w->keys));
	free(w);
}

int tls_wire__feed(struct tls_wire *w, int end, const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct dir *d = &w->d[end & 1];
	int err;

	if (d->dead) {
		*(d->dead_lost ? &w->st.bytes_lost : &w->st.bytes_ignored) += len;
		return 0;
	}
	w->depth++;
	if (d->resync)
		err = resync(w, d, data, len, ts_ns);
	else
		err = frame(w, d, data, len, ts_ns);
	w->depth--;
	drain(w);
	return err;
}

int tls_wire__set_keys(struct tls_wire *w, const struct tls_keys *k)
{
	for (int i = 0; i < TLS_KEY__MAX; i++)
		if (k->secret_len[i] > TLS_SECRET_MAX)
			return -EINVAL;
	memcpy(w->keys.client_random, k->client_random, TLS_RANDOM_LEN);
	for (int i = 0; i < TLS_KEY__MAX; i++) {
		if (!k->secret_len[i] || w->keys.secret_len[i])
			continue;
		memcpy(w->keys.secret[i], k->secret[i], k->secret_len[i]);
		w->keys.secret_len[i] = k->secret_len[i];
	}
	w->dirty = true;
	drain(w);
	return 0;
}

int tls_wire__client_end(const struct tls_wire *w)
{
	return w->client_end;
}

const uint8_t *tls_wire__client_random(const struct tls_wire *w)
{
	return w->have_cr ? w->client_random : NULL;
}

uint16_t tls_wire__version(const struct tls_wire *w)
{
	return w->version == 0x0303 || w->version == 0x0304 ? w->version : 0;
}

uint16_t tls_wire__cipher(const struct tls_wire *w)
{
	return w->cipher;
}

bool tls_wire__is_tls(const struct tls_wire *w)
{
	return !w->not_tls;
}

const struct tls_wire_stats *tls_wire__stats(const struct tls_wire *w)
{
	return &w->st;
}
