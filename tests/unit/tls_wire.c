// SPDX-License-Identifier: GPL-2.0
/*
 * source/tls_wire.c on real transcripts (tests/unit/tls_wire/make-fixtures.py:
 * openssl s_client and s_server through a recording relay): the plaintext
 * each way must be what each side wrote, byte for byte, however the streams
 * are cut and whenever the keys come; a flipped bit, a gap, wrong keys, an
 * HTTP stream and TLS 1.1 are counted. TLS_WIRE_BENCH=DIR also measures on
 * DIR/bench13 and DIR/bench12 (make-fixtures.py DIR --bench).
 */
#include <errno.h>
#include <limits.h>
#include <time.h>
#include "source/tls_wire.h"
#include "unit.h"

struct fixture {
	const char *name;
	uint16_t version, cipher;
	unsigned key_updates;
};

static const struct fixture fixtures[] = {
	{ "t13-aes128gcm", 0x0304, 0x1301, 3 },
	{ "t13-aes256gcm", 0x0304, 0x1302, 3 },
	{ "t13-chacha", 0x0304, 0x1303, 3 },
	{ "t13-aes128ccm", 0x0304, 0x1304, 3 },
	{ "t13-aes128ccm8", 0x0304, 0x1305, 3 },
	{ "t13-hrr", 0x0304, 0x1302, 0 },
	{ "t13-full", 0x0304, 0x1302, 0 },
	{ "t13-resumed", 0x0304, 0x1302, 0 },
	{ "t13-early", 0x0304, 0x1302, 0 },
	{ "t12-ecdhe-rsa-aes128gcm", 0x0303, 0xc02f, 0 },
	{ "t12-ecdhe-ecdsa-aes256gcm", 0x0303, 0xc02c, 0 },
	{ "t12-ecdhe-rsa-chacha", 0x0303, 0xcca8, 0 },
	{ "t12-rsa-aes128gcm", 0x0303, 0x009c, 0 },
	{ "t12-ecdhe-rsa-aes128cbc-sha", 0x0303, 0xc013, 0 },
	{ "t12-ecdhe-rsa-aes128cbc-sha-mte", 0x0303, 0xc013, 0 },
	{ "t12-ecdhe-ecdsa-aes256cbc-sha384", 0x0303, 0xc024, 0 },
	{ "t12-ecdhe-rsa-aes128cbc-sha256-mte", 0x0303, 0xc027, 0 },
	{ "t12-rsa-aes256cbc-sha256", 0x0303, 0x003d, 0 },
	{ "t12-id-full", 0x0303, 0xc030, 0 },
	{ "t12-id-resumed", 0x0303, 0xc030, 0 },
	{ "t12-ticket-full", 0x0303, 0xc030, 0 },
	{ "t12-ticket-resumed", 0x0303, 0xc030, 0 },
};

struct transcript {
	uint8_t *cli, *srv, *pcli, *psrv;
	size_t cli_len, srv_len, pcli_len, psrv_len;
	struct tls_keys keys;
	/* what an independent framing of the streams counts */
	uint64_t records, encrypted;
};

static char fixture_dir[PATH_MAX + 32];

/* tests/unit/tls_wire/ from the binary's place (OUTPUT/unit/NAME) or the cwd. */
static void find_fixtures(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	snprintf(fixture_dir, sizeof(fixture_dir), "tests/unit/tls_wire");
	if (n > 0) {
		exe[n] = 0;
		for (int i = 0; i < 3; i++) {
			char *s = strrchr(exe, '/');

			if (s)
				*s = 0;
		}
		snprintf(fixture_dir, sizeof(fixture_dir), "%s/tests/unit/tls_wire", exe);
		if (access(fixture_dir, R_OK))
			snprintf(fixture_dir, sizeof(fixture_dir), "tests/unit/tls_wire");
	}
}

static uint8_t *load(const char *dir, const char *name, const char *ext, size_t *len)
{
	char path[PATH_MAX + 256];
	uint8_t *b;

	snprintf(path, sizeof(path), "%s/%s.%s", dir, name, ext);
	b = unit_read_file(path, len);
	if (!b) {
		printf("cannot read %s\n", path);
		exit(1);
	}
	return b;
}

static void keys_from_log(const uint8_t *log, size_t len, struct tls_keys *k)
{
	const char *p = (const char *)log, *end = p + len;

	memset(k, 0, sizeof(*k));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p), slen;
		enum tls_secret_label l;
		uint8_t random[TLS_RANDOM_LEN], secret[TLS_SECRET_MAX];

		if (!tls_keylog_parse(p, n, &l, random, secret, &slen)) {
			memcpy(k->client_random, random, TLS_RANDOM_LEN);
			memcpy(k->secret[l], secret, slen);
			k->secret_len[l] = (uint8_t)slen;
		}
		p += n;
	}
}

/* Records of one stream, and those after the clear ones (TLS 1.3: type 23;
 * TLS 1.2: after the ChangeCipherSpec). */
static void count(const uint8_t *b, size_t len, bool t13, struct transcript *t)
{
	bool ccs = false;

	for (size_t off = 0; off + 5 <= len;) {
		size_t n = 5 + (size_t)(b[off + 3] << 8 | b[off + 4]);

		t->records++;
		if (t13 ? b[off] == 23 : ccs)
			t->encrypted++;
		if (b[off] == 20)
			ccs = true;
		off += n;
	}
}

static void transcript_load(const char *dir, const char *name, struct transcript *t, bool t13)
{
	size_t kl;
	uint8_t *log;

	memset(t, 0, sizeof(*t));
	t->cli = load(dir, name, "cli", &t->cli_len);
	t->srv = load(dir, name, "srv", &t->srv_len);
	t->pcli = load(dir, name, "pcli", &t->pcli_len);
	t->psrv = load(dir, name, "psrv", &t->psrv_len);
	log = load(dir, name, "keylog", &kl);
	keys_from_log(log, kl, &t->keys);
	free(log);
	count(t->cli, t->cli_len, t13, t);
	count(t->srv, t->srv_len, t13, t);
}

static void transcript_free(struct transcript *t)
{
	free(t->cli);
	free(t->srv);
	free(t->pcli);
	free(t->psrv);
}

enum when { KEYS_BEFORE, KEYS_AT_HELLO, KEYS_MIDDLE, KEYS_AFTER, KEYS_NEVER };

struct sink {
	struct tls_wire *w;
	const struct tls_keys *keys;
	enum when when;
	uint8_t *buf[2];
	size_t len[2], cap[2];
	int hellos;
	bool random_ok;
	uint64_t last_ts[2];
	bool ts_ok;
	bool discard;	/* the bench: count, do not keep */
};

static void on_plain(void *ctx, int end, const uint8_t *data, size_t len, uint64_t ts)
{
	struct sink *s = ctx;

	if (end < 0 || end > 1)
		abort();
	if (s->discard) {
		s->len[end] += len;
		return;
	}
	if (s->len[end] + len > s->cap[end]) {
		s->cap[end] = (s->len[end] + len) * 2;
		s->buf[end] = realloc(s->buf[end], s->cap[end]);
	}
	memcpy(s->buf[end] + s->len[end], data, len);
	s->len[end] += len;
	if (ts < s->last_ts[end])
		s->ts_ok = false;
	s->last_ts[end] = ts;
}

static void on_hello(void *ctx, const uint8_t random[TLS_RANDOM_LEN])
{
	struct sink *s = ctx;

	s->hellos++;
	s->random_ok = !memcmp(random, s->keys->client_random, TLS_RANDOM_LEN);
	if (s->when == KEYS_AT_HELLO)
		CHECK(!tls_wire__set_keys(s->w, s->keys));
}

static const struct tls_wire_ops ops = { .plaintext = on_plain, .client_hello = on_hello };

/* The next piece's size: PIECE bytes, or random (1..5000) for 0. */
static size_t piece_len(size_t piece, size_t left, unsigned *seed)
{
	size_t n = piece ? piece : 1 + (size_t)(rand_r(seed) % 5000);

	return n < left ? n : left;
}

/* Feeds both streams, alternating pieces, the client as end CEND; the keys WHEN. */
static struct tls_wire *run(const struct transcript *t, const struct tls_keys *keys, int cend,
			    size_t piece, enum when when, struct sink *s)
{
	const uint8_t *src[2] = { t->cli, t->srv };
	size_t len[2] = { t->cli_len, t->srv_len }, off[2] = { 0, 0 };
	size_t total = len[0] + len[1], done = 0;
	unsigned seed = 1234;
	uint64_t ts = 1;
	bool middle_done = false;

	bool discard = s->discard;

	memset(s, 0, sizeof(*s));
	s->discard = discard;
	s->keys = keys;
	s->when = when;
	s->ts_ok = true;
	s->w = tls_wire__new(&ops, s);
	if (!s->w)
		abort();
	if (when == KEYS_BEFORE)
		CHECK(!tls_wire__set_keys(s->w, keys));
	while (off[0] < len[0] || off[1] < len[1]) {
		for (int i = 0; i < 2; i++) {
			size_t n = piece_len(piece, len[i] - off[i], &seed);

			if (!n)
				continue;
			CHECK(!tls_wire__feed(s->w, i ? !cend : cend, src[i] + off[i], n, ts++));
			off[i] += n;
			done += n;
		}
		if (when == KEYS_MIDDLE && !middle_done && done >= total / 2) {
			CHECK(!tls_wire__set_keys(s->w, keys));
			middle_done = true;
		}
	}
	if (when == KEYS_AFTER)
		CHECK(!tls_wire__set_keys(s->w, keys));
	return s->w;
}

static void sink_free(struct sink *s)
{
	tls_wire__free(s->w);
	free(s->buf[0]);
	free(s->buf[1]);
}

static bool same(const uint8_t *got, size_t got_len, const uint8_t *want, size_t want_len)
{
	return got_len == want_len && (!want_len || !memcmp(got, want, want_len));
}

static void check_clean(const struct fixture *f, const struct transcript *t, int cend,
			size_t piece, enum when when)
{
	struct sink s = { 0 };
	struct tls_wire *w = run(t, &t->keys, cend, piece, when, &s);
	const struct tls_wire_stats *st = tls_wire__stats(w);
	int failures = unit_failures;

	CHECK(tls_wire__client_end(w) == cend);
	CHECK(tls_wire__version(w) == f->version);
	CHECK(tls_wire__cipher(w) == f->cipher);
	CHECK(tls_wire__is_tls(w));
	CHECK(tls_wire__client_random(w) &&
	      !memcmp(tls_wire__client_random(w), t->keys.client_random, TLS_RANDOM_LEN));
	CHECK(s.hellos == 1 && s.random_ok);
	CHECK(same(s.buf[cend], s.len[cend], t->pcli, t->pcli_len));
	CHECK(same(s.buf[!cend], s.len[!cend], t->psrv, t->psrv_len));
	CHECK(st->records == t->records);
	CHECK(st->records_decrypted == t->encrypted);
	CHECK(st->records_failed == 0);
	CHECK(st->records_unkeyed == 0);
	CHECK(st->records_early == 0);
	CHECK(st->bytes_plain == t->pcli_len + t->psrv_len);
	CHECK(st->bytes_tls == t->cli_len + t->srv_len);
	CHECK(st->bytes_lost == 0 && st->bytes_ignored == 0);
	CHECK(st->held_bytes == 0);
	CHECK(st->key_updates == f->key_updates);
	CHECK(st->alerts == 2);	/* each side's close_notify */
	CHECK(s.ts_ok);
	if (unit_failures != failures)
		printf("  in %s, client end %d, pieces %zu, keys %d: records %lu/%lu decrypted "
		       "%lu/%lu failed %lu unkeyed %lu plain %zu/%zu %zu/%zu\n", f->name, cend,
		       piece, when, (unsigned long)st->records, (unsigned long)t->records,
		       (unsigned long)st->records_decrypted, (unsigned long)t->encrypted,
		       (unsigned long)st->records_failed, (unsigned long)st->records_unkeyed,
		       s.len[cend], t->pcli_len, s.len[!cend], t->psrv_len);
	sink_free(&s);
}

/* The offset in the client stream of its largest record (of application data). */
static size_t big_record(const struct transcript *t, size_t *len)
{
	size_t best = 0;

	*len = 0;
	for (size_t off = 0; off + 5 <= t->cli_len;) {
		size_t n = 5 + (size_t)(t->cli[off + 3] << 8 | t->cli[off + 4]);

		if (t->cli[off] == 23 && n > *len) {
			*len = n;
			best = off;
		}
		off += n;
	}
	if (*len < 1000)
		abort();
	return best;
}

/* GOT is WANT without LOST bytes somewhere in the middle. */
static bool same_but_hole(const uint8_t *got, size_t got_len, const uint8_t *want,
			  size_t want_len, size_t lost)
{
	size_t a = 0;

	if (got_len + lost != want_len)
		return false;
	while (a < got_len && got[a] == want[a])
		a++;
	return !memcmp(got + a, want + a + lost, got_len - a);
}

/* A flipped bit in the largest record: that record fails, the rest is read
 * (the sequence numbers go on). OVERHEAD: its bytes that are not plaintext. */
static void check_flipped(const char *name, bool t13, size_t overhead)
{
	struct transcript t;
	struct sink s = { 0 };
	size_t len, off;

	transcript_load(fixture_dir, name, &t, t13);
	off = big_record(&t, &len);
	t.cli[off + 5 + 100] ^= 0x10;
	run(&t, &t.keys, 0, 0, KEYS_BEFORE, &s);
	const struct tls_wire_stats *st = tls_wire__stats(s.w);

	CHECK(st->records_failed == 1);
	CHECK(st->records_decrypted == t.encrypted - 1);
	CHECK(same_but_hole(s.buf[0], s.len[0], t.pcli, t.pcli_len, len - overhead));
	CHECK(same(s.buf[1], s.len[1], t.psrv, t.psrv_len));
	sink_free(&s);
	transcript_free(&t);
}

/* A gap over the largest record and into the next: found again after it. */
static void check_gap(const char *name, bool t13, size_t overhead)
{
	struct transcript t;
	struct sink s = { 0 };
	size_t len, off, next_len, skip;

	transcript_load(fixture_dir, name, &t, t13);
	off = big_record(&t, &len);
	next_len = 5 + (size_t)(t.cli[off + len + 3] << 8 | t.cli[off + len + 4]);
	skip = len + 100;	/* into the next record */
	memset(&s, 0, sizeof(s));
	s.keys = &t.keys;
	s.ts_ok = true;
	s.w = tls_wire__new(&ops, &s);
	CHECK(!tls_wire__set_keys(s.w, &t.keys));
	CHECK(!tls_wire__feed(s.w, 1, t.srv, t.srv_len, 1));
	CHECK(!tls_wire__feed(s.w, 0, t.cli, off, 2));
	tls_wire__gap(s.w, 0, skip);
	for (size_t p = off + skip; p < t.cli_len; p += 333)
		CHECK(!tls_wire__feed(s.w, 0, t.cli + p, p + 333 < t.cli_len ? 333 : t.cli_len - p,
				      3));
	const struct tls_wire_stats *st = tls_wire__stats(s.w);

	CHECK(st->resyncs == 1);
	CHECK(st->bytes_lost == len + next_len);
	CHECK(st->records_failed == 0);
	CHECK(st->records_decrypted == t.encrypted - 2);
	CHECK(same_but_hole(s.buf[0], s.len[0], t.pcli, t.pcli_len,
			    len + next_len - 2 * overhead));
	CHECK(same(s.buf[1], s.len[1], t.psrv, t.psrv_len));
	if (st->resyncs != 1 || st->bytes_lost != len + next_len)
		printf("  gap in %s: resyncs %lu lost %lu want %zu\n", name,
		       (unsigned long)st->resyncs, (unsigned long)st->bytes_lost, len + next_len);
	sink_free(&s);
	transcript_free(&t);
}

static void check_wrong_keys(const char *name, bool t13)
{
	struct transcript t;
	struct tls_keys bad;
	struct sink s = { 0 };

	transcript_load(fixture_dir, name, &t, t13);
	bad = t.keys;
	for (int i = 0; i < TLS_KEY__MAX; i++)
		bad.secret[i][3] ^= 1;
	run(&t, &bad, 1, 4096, KEYS_MIDDLE, &s);
	const struct tls_wire_stats *st = tls_wire__stats(s.w);

	CHECK(st->records_failed > 0);
	CHECK(st->records_decrypted == 0);
	CHECK(st->bytes_plain == 0 && !s.len[0] && !s.len[1]);
	sink_free(&s);
	transcript_free(&t);
}

/* No keys ever: everything after the hellos waits, then counts as unkeyed. */
static void check_no_keys(void)
{
	struct transcript t;
	struct sink s = { 0 };

	transcript_load(fixture_dir, "t13-aes128gcm", &t, true);
	run(&t, &t.keys, 0, 0, KEYS_NEVER, &s);
	CHECK(tls_wire__stats(s.w)->held_bytes > 0);
	tls_wire__close(s.w);
	CHECK(tls_wire__stats(s.w)->held_bytes == 0);
	CHECK(tls_wire__stats(s.w)->records_unkeyed == t.encrypted);
	CHECK(!s.len[0] && !s.len[1]);
	sink_free(&s);
	transcript_free(&t);
}

/* Only the application secrets: the handshake records are unkeyed, the
 * application data still comes. */
static void check_app_keys_only(const char *name)
{
	struct transcript t;
	struct sink s = { 0 };

	transcript_load(fixture_dir, name, &t, true);
	t.keys.secret_len[TLS_KEY_CLIENT_HS] = t.keys.secret_len[TLS_KEY_SERVER_HS] = 0;
	run(&t, &t.keys, 0, 7, KEYS_AFTER, &s);
	const struct tls_wire_stats *st = tls_wire__stats(s.w);

	CHECK(same(s.buf[0], s.len[0], t.pcli, t.pcli_len));
	CHECK(same(s.buf[1], s.len[1], t.psrv, t.psrv_len));
	CHECK(st->records_failed == 0);
	CHECK(st->records_unkeyed > 0);
	CHECK(st->records_decrypted + st->records_unkeyed == t.encrypted);
	sink_free(&s);
	transcript_free(&t);
}

/* A gap before a direction decrypts (here: in the server's first bytes)
 * stops it: the rest of it is lost, the client's records wait for the
 * ServerHello that never comes and count as unkeyed at the close. */
static void check_gap_stops(void)
{
	struct transcript t;
	struct sink s = { 0 };

	transcript_load(fixture_dir, "t13-aes128gcm", &t, true);
	s.keys = &t.keys;
	s.w = tls_wire__new(&ops, &s);
	CHECK(!tls_wire__set_keys(s.w, &t.keys));
	CHECK(!tls_wire__feed(s.w, 0, t.cli, t.cli_len, 1));
	tls_wire__gap(s.w, 1, 10);
	CHECK(!tls_wire__feed(s.w, 1, t.srv + 10, t.srv_len - 10, 2));
	const struct tls_wire_stats *st = tls_wire__stats(s.w);
	uint64_t cli_records = 0;

	for (size_t off = 0; off + 5 <= t.cli_len;) {
		cli_records += t.cli[off] == 23 || t.cli[off] == 20;
		off += 5 + (t.cli[off + 3] << 8 | t.cli[off + 4]);
	}
	CHECK(st->bytes_lost == t.srv_len);
	CHECK(!s.len[0] && !s.len[1]);
	tls_wire__close(s.w);
	CHECK(st->records_unkeyed == cli_records);
	sink_free(&s);
	transcript_free(&t);
}

/* Keys late and more than the hold takes: the hold stays within its bound,
 * the records beyond it are counted, the other direction is still read. */
static void check_hold_bound(void)
{
	struct transcript t;
	struct sink s = { 0 };
	size_t len, off, copies, n = 0;
	uint8_t *big;

	transcript_load(fixture_dir, "t13-aes128gcm", &t, true);
	off = big_record(&t, &len);
	copies = TLS_WIRE_HOLD_MAX / len + 10;
	big = malloc(t.cli_len + copies * len);
	memcpy(big, t.cli, off + len);
	for (size_t i = 0; i < copies; i++)
		memcpy(big + off + len + i * len, t.cli + off, len);
	memcpy(big + off + len + copies * len, t.cli + off + len, t.cli_len - off - len);
	memset(&s, 0, sizeof(s));
	s.keys = &t.keys;
	s.ts_ok = true;
	s.w = tls_wire__new(&ops, &s);
	CHECK(!tls_wire__feed(s.w, 1, t.srv, t.srv_len, 1));
	for (size_t p = 0; p < t.cli_len + copies * len; p += n) {
		n = t.cli_len + copies * len - p < 65536 ? t.cli_len + copies * len - p : 65536;
		CHECK(!tls_wire__feed(s.w, 0, big + p, n, 2));
		CHECK(tls_wire__stats(s.w)->held_bytes <= 2 * (uint64_t)TLS_WIRE_HOLD_MAX);
	}
	const struct tls_wire_stats *st = tls_wire__stats(s.w);

	CHECK(st->records_unkeyed > 0);
	CHECK(st->records == t.records + copies);
	CHECK(!tls_wire__set_keys(s.w, &t.keys));
	CHECK(st->held_bytes == 0);
	CHECK(same(s.buf[1], s.len[1], t.psrv, t.psrv_len));
	/* the client's records before the copies are whole */
	CHECK(s.len[0] >= len - 22 && !memcmp(s.buf[0], t.pcli, len - 22));
	CHECK(st->records_decrypted + st->records_failed + st->records_unkeyed ==
	      t.encrypted + copies);
	sink_free(&s);
	free(big);
	transcript_free(&t);
}

/* 0-RTT without its secret: counted as early, the rest read. */
static void check_early_unkeyed(void)
{
	struct transcript t;
	struct sink s = { 0 };

	transcript_load(fixture_dir, "t13-early", &t, true);
	t.keys.secret_len[TLS_KEY_CLIENT_EARLY] = 0;
	run(&t, &t.keys, 1, 0, KEYS_MIDDLE, &s);
	const struct tls_wire_stats *st = tls_wire__stats(s.w);

	CHECK(st->records_early >= 1);
	CHECK(st->records_failed == 0 && st->records_unkeyed == 0);
	CHECK(st->records_decrypted + st->records_early == t.encrypted);
	/* what the client wrote after its 300 bytes of early data */
	CHECK(same(s.buf[1], s.len[1], t.pcli + 300, t.pcli_len - 300));
	CHECK(same(s.buf[0], s.len[0], t.psrv, t.psrv_len));
	sink_free(&s);
	transcript_free(&t);
}

static void check_not_tls(void)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";
	struct sink s = { 0 };
	struct tls_wire *w = tls_wire__new(&ops, &s);
	const struct tls_wire_stats *st = tls_wire__stats(w);

	s.w = w;
	CHECK(!tls_wire__feed(w, 0, (const uint8_t *)http, 3, 1));
	CHECK(tls_wire__is_tls(w));	/* three bytes say nothing yet */
	CHECK(!tls_wire__feed(w, 0, (const uint8_t *)http + 3, sizeof(http) - 4, 2));
	CHECK(!tls_wire__is_tls(w));
	CHECK(st->not_tls == 1 && st->records == 0 && st->bytes_plain == 0);
	CHECK(st->bytes_ignored == sizeof(http) - 1);
	CHECK(tls_wire__client_end(w) == -1 && !tls_wire__client_random(w));
	CHECK(!s.len[0] && !s.len[1]);
	tls_wire__free(w);
}

static void check_tls11(void)
{
	struct transcript t;
	struct sink s = { 0 };

	transcript_load(fixture_dir, "t11", &t, false);
	run(&t, &t.keys, 0, 0, KEYS_BEFORE, &s);
	const struct tls_wire_stats *st = tls_wire__stats(s.w);

	CHECK(st->unsupported_version == 1);
	CHECK(tls_wire__version(s.w) == 0);
	CHECK(st->records == t.records && st->records_decrypted == 0);
	CHECK(!s.len[0] && !s.len[1]);
	sink_free(&s);
	transcript_free(&t);
}

static void check_keylog_parse(void)
{
	static const char r[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char line[512];
	enum tls_secret_label l;
	uint8_t random[TLS_RANDOM_LEN], secret[TLS_SECRET_MAX];
	size_t n;

	snprintf(line, sizeof(line), "CLIENT_RANDOM %s %s\n", r,
		 "0102030405060708091011121314151617181920212223242526272829303132"
		 "33343536373839404142434445464748");
	CHECK(!tls_keylog_parse(line, strlen(line), &l, random, secret, &n));
	CHECK(l == TLS_KEY_CLIENT_RANDOM && n == 48 && random[1] == 0x11 && random[31] == 0xff &&
	      secret[0] == 1 && secret[47] == 0x48);
	snprintf(line, sizeof(line), "SERVER_TRAFFIC_SECRET_0 %s %s", r,
		 "AABBccdd00000000000000000000000000000000000000000000000000000001");
	CHECK(!tls_keylog_parse(line, strlen(line), &l, random, secret, &n));
	CHECK(l == TLS_KEY_SERVER_APP && n == 32 && secret[0] == 0xaa && secret[3] == 0xdd &&
	      secret[31] == 1);
	snprintf(line, sizeof(line), "CLIENT_EARLY_TRAFFIC_SECRET %s 00ff\r\n", r);
	CHECK(!tls_keylog_parse(line, strlen(line), &l, random, secret, &n));
	CHECK(l == TLS_KEY_CLIENT_EARLY && n == 2);
	snprintf(line, sizeof(line), "EXPORTER_SECRET %s 00ff", r);
	CHECK(tls_keylog_parse(line, strlen(line), &l, random, secret, &n) == -ENOENT);
	CHECK(tls_keylog_parse("# a comment", 11, &l, random, secret, &n) == -ENOENT);
	static const char *const bad[] = {
		"", "CLIENT_RANDOM", "CLIENT_RANDOM 0011 2233",
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeZZ 00",
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff ",
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 0",
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff 0g",
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff  00",
		"CLIENT_RANDOM 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff00 00",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(tls_keylog_parse(bad[i], strlen(bad[i]), &l, random, secret, &n) == -EINVAL);
	/* a secret of 49 bytes */
	snprintf(line, sizeof(line), "CLIENT_RANDOM %s %098d", r, 0);
	CHECK(tls_keylog_parse(line, strlen(line), &l, random, secret, &n) == -EINVAL);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* MB/s of plaintext, both streams in feeds of 64 KiB as from the reassembler,
 * the plaintext counted, not kept (the plaintext itself is checked above). */
static void bench(const char *dir, const char *name, bool t13, int loops)
{
	struct transcript t;
	double t0, secs;
	uint64_t plain = 0;

	transcript_load(dir, name, &t, t13);
	t0 = now();
	for (int i = 0; i < loops; i++) {
		struct sink s = { .discard = true };

		run(&t, &t.keys, 0, 65536, KEYS_BEFORE, &s);
		plain += tls_wire__stats(s.w)->bytes_plain;
		CHECK(s.len[0] == t.pcli_len && s.len[1] == t.psrv_len);
		sink_free(&s);
	}
	secs = now() - t0;
	printf("bench %s: %.1f MB/s of plaintext (%d connections, %.1f MB)\n", name,
	       plain / secs / 1e6, loops, plain / 1e6);
	transcript_free(&t);
}

int main(void)
{
	static const size_t pieces[] = { 0, 1, 7, 4096, 1 << 20 };
	static const enum when whens[] = { KEYS_BEFORE, KEYS_AT_HELLO, KEYS_MIDDLE, KEYS_AFTER };

	find_fixtures();
	check_keylog_parse();
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		const struct fixture *f = &fixtures[i];
		struct transcript t;

		transcript_load(fixture_dir, f->name, &t, f->version == 0x0304);
		for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++)
			for (size_t k = 0; k < sizeof(whens) / sizeof(whens[0]); k++)
				check_clean(f, &t, (int)((p + k) & 1), pieces[p], whens[k]);
		transcript_free(&t);
	}
	/* overheads: TLS 1.3 type and tag; TLS 1.2 GCM nonce and tag; header */
	check_flipped("t13-aes128gcm", true, 5 + 1 + 16);
	check_flipped("t13-chacha", true, 5 + 1 + 16);
	check_flipped("t12-ecdhe-rsa-aes128gcm", false, 5 + 8 + 16);
	check_gap("t13-aes128gcm", true, 5 + 1 + 16);
	check_gap("t12-ecdhe-rsa-aes128gcm", false, 5 + 8 + 16);
	check_gap("t12-ecdhe-rsa-chacha", false, 5 + 16);
	check_wrong_keys("t13-aes128gcm", true);
	check_wrong_keys("t12-ecdhe-rsa-aes128cbc-sha", false);
	check_no_keys();
	check_app_keys_only("t13-aes256gcm");
	check_hold_bound();
	check_gap_stops();
	check_early_unkeyed();
	check_not_tls();
	check_tls11();
	bench(fixture_dir, "t13-aes128gcm", true, 200);
	bench(fixture_dir, "t12-ecdhe-rsa-aes128gcm", false, 200);
	if (getenv("TLS_WIRE_BENCH")) {
		bench(getenv("TLS_WIRE_BENCH"), "bench13", true, 20);
		bench(getenv("TLS_WIRE_BENCH"), "bench12", false, 20);
	}
	if (unit_failures)
		printf("%d failures\n", unit_failures);
	return unit_failures ? 1 : 0;
}
