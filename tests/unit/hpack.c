// SPDX-License-Identifier: GPL-2.0
/*
 * proto/hpack.c: every example of RFC 7541 Appendix C (bytes typed in from
 * the RFC, the fields and the dynamic table after each block as it lists
 * them), the bounds, then libnghttp2's encoder as the peer: thousands of
 * random blocks (a dynamic table in use, never-indexed fields, table size
 * changes) must decode to exactly what nghttp2's own inflater gives, and,
 * decoded from block k on by a fresh context (a capture begun
 * mid-connection), every field must be exact except those naming entries
 * from before k, which must be flagged unknown, as an independent walk of
 * the blocks works out. HPACK_BENCH=1 also prints the decode speed.
 */
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "proto/hpack.h"
#include "unit.h"

/* Hex digits, spaces ignored, into BUF; the length. */
static size_t unhex(const char *hex, uint8_t *buf)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex; hex++) {
		int d = *hex >= 'a' ? *hex - 'a' + 10 : *hex - '0';

		if (*hex == ' ' || *hex == '\n')
			continue;
		if (hi < 0) {
			hi = d;
		} else {
			buf[n++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	return n;
}

/* The fields as "name: value\n" lines, '?' for an unknown name or value. */
static void fields_text(const struct http_header *f, uint32_t n, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < n && used < size; i++)
		used += snprintf(out + used, size - used, "%.*s%s: %.*s%s\n",
				 (int)f[i].name.len, f[i].name.ptr,
				 f[i].flags & HTTP_HDR_NAME_UNKNOWN ? "?" : "",
				 (int)f[i].value.len, f[i].value.ptr,
				 f[i].flags & HTTP_HDR_VALUE_UNKNOWN ? "?" : "");
}

static int decode_hex(struct hpack *t, const char *hex, char *text, size_t size, uint32_t *nr)
{
	static uint8_t buf[8192];
	struct arena arena = { 0 };
	struct http_header *f;
	uint32_t n;
	size_t len = unhex(hex, buf);
	int rc = hpack__decode(t, buf, len, &arena, &f, &n);

	fields_text(f, n, text, size);
	for (uint32_t i = 0; i < n; i++) {
		CHECK(f[i].name.ptr && f[i].value.ptr);
		CHECK(!f[i].name.ptr[f[i].name.len] && !f[i].value.ptr[f[i].value.len]);
	}
	if (nr)
		*nr = n;
	arena_free(&arena);
	return rc;
}

/* An HPACK integer with PREFIX bits, FIRST the bits above them. */
static size_t put_int(uint8_t *p, uint8_t first, unsigned int prefix, uint64_t v)
{
	uint32_t mask = (1u << prefix) - 1;
	size_t n = 0;

	if (v < mask) {
		p[n++] = first | v;
		return n;
	}
	p[n++] = first | mask;
	for (v -= mask; v >= 128; v >>= 7)
		p[n++] = 0x80 | (v & 0x7f);
	p[n++] = v;
	return n;
}

/*
 * The dynamic table as the RFC prints it, read back with indexed fields
 * (which change nothing), and the entry after the last one must be unknown.
 */
static void check_table(struct hpack *t, const char *want, uint32_t size)
{
	uint8_t probe[64];
	char got[4096], text[4096];
	size_t len = 0, used = 0;
	struct arena arena = { 0 };
	struct http_header *f;
	uint32_t n, entries = hpack__table_entries(t);

	for (uint32_t i = 0; i <= entries; i++)
		len += put_int(probe + len, 0x80, 7, 62 + i);
	CHECK(!hpack__decode(t, probe, len, &arena, &f, &n));
	CHECK(n == entries + 1);
	got[0] = '\0';
	for (uint32_t i = 0; i < entries && i < n; i++)
		used += snprintf(got + used, sizeof(got) - used, "[%u] (s = %u) %.*s: %.*s\n",
				 i + 1, f[i].name.len + f[i].value.len + 32,
				 (int)f[i].name.len, f[i].name.ptr,
				 (int)f[i].value.len, f[i].value.ptr);
	snprintf(got + used, sizeof(got) - used, "Table size: %u\n", hpack__table_size(t));
	snprintf(text, sizeof(text), "%sTable size: %u\n", want, size);
	CHECK_STR(got, text);
	if (n == entries + 1)
		CHECK(f[entries].flags == (HTTP_HDR_NAME_UNKNOWN | HTTP_HDR_VALUE_UNKNOWN));
	arena_free(&arena);
}

/* A block, the fields it must give and the table after it. */
struct example {
	const char *hex, *fields, *table;
	uint32_t size;
};

static void check_examples(const char *name, uint32_t max, const struct example *ex, int n)
{
	struct hpack *t = hpack__new(max);
	char text[4096];

	for (int i = 0; i < n; i++) {
		CHECK(!decode_hex(t, ex[i].hex, text, sizeof(text), NULL));
		CHECK_STR(text, ex[i].fields);
		check_table(t, ex[i].table, ex[i].size);
		if (unit_failures) {
			printf("in %s, block %d\n", name, i + 1);
			break;
		}
	}
	hpack__free(t);
}

/* C.1: integers (through the representations that carry them). */
static void test_integers(void)
{
	struct hpack *t = hpack__new(4096);
	char text[256];

	/* C.1.1: 10 on a 5-bit prefix, as a table size update. */
	hpack__set_limit(t, 9);
	CHECK(decode_hex(t, "2a", text, sizeof(text), NULL) == -EBADMSG);
	hpack__set_limit(t, 10);
	CHECK(!decode_hex(t, "2a", text, sizeof(text), NULL));
	/* C.1.2: 1337 on a 5-bit prefix. */
	hpack__set_limit(t, 1336);
	CHECK(decode_hex(t, "3f9a0a", text, sizeof(text), NULL) == -EBADMSG);
	hpack__set_limit(t, 1337);
	CHECK(!decode_hex(t, "3f9a0a", text, sizeof(text), NULL));
	/* C.1.3: 42 from an octet boundary; HPACK has no 8-bit prefix, so 42
	 * on 7 bits: the indexed field 42 and a string of 42 bytes. */
	CHECK(!decode_hex(t, "aa", text, sizeof(text), NULL));
	CHECK_STR(text, "if-range: \n");
	CHECK(!decode_hex(t, "042a 616161616161616161616161616161616161616161"
			  "616161616161616161616161616161616161616161", text, sizeof(text), NULL));
	CHECK_STR(text, ":path: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n");
	/* 2^32 - 1 is the largest; 2^32 and more than 5 continuation bytes are not. */
	hpack__set_limit(t, UINT32_MAX);
	CHECK(!decode_hex(t, "3fe0ffffff0f", text, sizeof(text), NULL));
	CHECK(decode_hex(t, "3fe1ffffff0f", text, sizeof(text), NULL) == -EBADMSG);
	CHECK(!decode_hex(t, "3f8080808000", text, sizeof(text), NULL));
	CHECK(decode_hex(t, "3f808080808000", text, sizeof(text), NULL) == -EBADMSG);
	CHECK(decode_hex(t, "3f80", text, sizeof(text), NULL) == -EBADMSG);
	hpack__free(t);
}

/* C.2: single fields, each with a new context. */
static void test_fields(void)
{
	static const struct example c21[] = {
		{ "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
		  "custom-key: custom-header\n",
		  "[1] (s = 55) custom-key: custom-header\n", 55 },
	};
	static const struct example c22[] = {
		{ "040c 2f73 616d 706c 652f 7061 7468", ":path: /sample/path\n", "", 0 },
	};
	static const struct example c23[] = {
		{ "1008 7061 7373 776f 7264 0673 6563 7265 74", "password: secret\n", "", 0 },
	};
	static const struct example c24[] = {
		{ "82", ":method: GET\n", "", 0 },
	};

	check_examples("C.2.1", 4096, c21, 1);
	check_examples("C.2.2", 4096, c22, 1);
	check_examples("C.2.3", 4096, c23, 1);
	check_examples("C.2.4", 4096, c24, 1);
}

#define REQ1 ":method: GET\n:scheme: http\n:path: /\n:authority: www.example.com\n"
#define REQ2 REQ1 "cache-control: no-cache\n"
#define REQ3 ":method: GET\n:scheme: https\n:path: /index.html\n" \
	     ":authority: www.example.com\ncustom-key: custom-value\n"
#define REQ_T1 "[1] (s = 57) :authority: www.example.com\n"
#define REQ_T2 "[1] (s = 53) cache-control: no-cache\n[2] (s = 57) :authority: www.example.com\n"
#define REQ_T3 "[1] (s = 54) custom-key: custom-value\n[2] (s = 53) cache-control: no-cache\n" \
	       "[3] (s = 57) :authority: www.example.com\n"

/* C.3 and C.4: requests on one connection, without Huffman and with. */
static void test_requests(void)
{
	static const struct example c3[] = {
		{ "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d", REQ1, REQ_T1, 57 },
		{ "8286 84be 5808 6e6f 2d63 6163 6865", REQ2, REQ_T2, 110 },
		{ "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
		  REQ3, REQ_T3, 164 },
	};
	static const struct example c4[] = {
		{ "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff", REQ1, REQ_T1, 57 },
		{ "8286 84be 5886 a8eb 1064 9cbf", REQ2, REQ_T2, 110 },
		{ "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf", REQ3, REQ_T3, 164 },
	};

	check_examples("C.3", 4096, c3, 3);
	check_examples("C.4", 4096, c4, 3);
}

#define RESP1 ":status: 302\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n" \
	      "location: https://www.example.com\n"
#define RESP2 ":status: 307\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:21 GMT\n" \
	      "location: https://www.example.com\n"
#define RESP3 ":status: 200\ncache-control: private\ndate: Mon, 21 Oct 2013 20:13:22 GMT\n" \
	      "location: https://www.example.com\ncontent-encoding: gzip\n" \
	      "set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1\n"
#define RESP_T1 "[1] (s = 63) location: https://www.example.com\n" \
		"[2] (s = 65) date: Mon, 21 Oct 2013 20:13:21 GMT\n" \
		"[3] (s = 52) cache-control: private\n[4] (s = 42) :status: 302\n"
#define RESP_T2 "[1] (s = 42) :status: 307\n[2] (s = 63) location: https://www.example.com\n" \
		"[3] (s = 65) date: Mon, 21 Oct 2013 20:13:21 GMT\n" \
		"[4] (s = 52) cache-control: private\n"
#define RESP_T3 "[1] (s = 98) set-cookie: foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; " \
		"version=1\n[2] (s = 52) content-encoding: gzip\n" \
		"[3] (s = 65) date: Mon, 21 Oct 2013 20:13:22 GMT\n"

/* C.5 and C.6: responses with a 256-byte table, which evicts. */
static void test_responses(void)
{
	static const struct example c5[] = {
		{ "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133"
		  "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70"
		  "6c65 2e63 6f6d", RESP1, RESP_T1, 222 },
		{ "4803 3330 37c1 c0bf", RESP2, RESP_T2, 222 },
		{ "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d"
		  "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049"
		  "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e"
		  "3d31", RESP3, RESP_T3, 215 },
	};
	static const struct example c6[] = {
		{ "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6"
		  "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3", RESP1, RESP_T1, 222 },
		{ "4883 640e ffc1 c0bf", RESP2, RESP_T2, 222 },
		{ "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab"
		  "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f"
		  "9587 3160 65c0 03ed 4ee5 b106 3d50 07", RESP3, RESP_T3, 215 },
	};

	check_examples("C.5", 256, c5, 3);
	check_examples("C.6", 256, c6, 3);
}

static int huff_hex(const char *hex, char *out)
{
	uint8_t in[64];
	size_t len = unhex(hex, in);
	int n = hpack_huffman_decode(in, len, (uint8_t *)out);

	if (n >= 0)
		out[n] = '\0';
	return n;
}

/* Padding and EOS (RFC 7541 5.2). */
static void test_huffman_errors(void)
{
	char out[64];

	CHECK(huff_hex("f1e3 c2e5 f23a 6ba0 ab90 f4ff", out) == 15);
	CHECK_STR(out, "www.example.com");
	CHECK(huff_hex("", out) == 0);
	CHECK(huff_hex("1f", out) == 1);	/* 'a' 00011, then 111 */
	CHECK_STR(out, "a");
	CHECK(huff_hex("18", out) == -EBADMSG);	/* padding 000 */
	CHECK(huff_hex("1e", out) == -EBADMSG);	/* padding 110 */
	CHECK(huff_hex("1fff", out) == -EBADMSG);	/* 11 bits of padding */
	CHECK(huff_hex("ff", out) == -EBADMSG);	/* 8 */
	CHECK(huff_hex("ffffffff", out) == -EBADMSG);	/* EOS, then 2 bits */
	CHECK(huff_hex("1fffffffff", out) == -EBADMSG);	/* 'a', EOS, 5 bits */
}

/* References to entries from before the start, and the bounds. */
static void test_unknown_and_bounds(void)
{
	struct hpack *t = hpack__new(4096);
	static uint8_t block[200000];
	struct arena arena = { 0 };
	struct http_header *f;
	char text[4096];
	uint32_t n;
	size_t len;

	CHECK(!decode_hex(t, "be", text, sizeof(text), NULL));
	CHECK_STR(text, "?: ?\n");
	/* Added with an unknown name: its value is known, its name stays unknown. */
	CHECK(!decode_hex(t, "7e03 616263", text, sizeof(text), NULL));
	CHECK_STR(text, "?: abc\n");
	CHECK(hpack__table_entries(t) == 1 && hpack__table_size(t) == 35);
	CHECK(!decode_hex(t, "be bf 7e01 78 0401 78", text, sizeof(text), NULL));
	CHECK_STR(text, "?: abc\n?: ?\n?: x\n:path: x\n");
	CHECK(!decode_hex(t, "bf be", text, sizeof(text), NULL));
	CHECK_STR(text, "?: abc\n?: x\n");
	/* Malformed: index 0, an update after a field, strings past the end,
	 * a bad Huffman string; the fields before are returned. */
	CHECK(decode_hex(t, "82 80", text, sizeof(text), &n) == -EBADMSG && n == 1);
	CHECK(decode_hex(t, "82 20", text, sizeof(text), &n) == -EBADMSG && n == 1);
	CHECK(decode_hex(t, "20 82", text, sizeof(text), &n) == 0 && n == 1);
	CHECK(!hpack__table_entries(t) && !hpack__table_size(t));
	CHECK(decode_hex(t, "82 400a 61", text, sizeof(text), &n) == -EBADMSG && n == 1);
	CHECK(decode_hex(t, "82 4001 61", text, sizeof(text), &n) == -EBADMSG && n == 1);
	CHECK(decode_hex(t, "82 0481 ff", text, sizeof(text), &n) == -EBADMSG && n == 1);
	CHECK(decode_hex(t, "82 7f", text, sizeof(text), &n) == -EBADMSG && n == 1);
	hpack__free(t);

	/* 1024 fields a block. */
	t = hpack__new(4096);
	memset(block, 0x82, 1025);
	CHECK(!hpack__decode(t, block, 1024, &arena, &f, &n) && n == 1024);
	CHECK(hpack__decode(t, block, 1025, &arena, &f, &n) == -EBADMSG && n == 1024);
	arena_reset(&arena);

	/* 256 KiB of names and values: 4000-byte entries fetched 100 times. */
	len = put_int(block, 0x40, 6, 0);
	len += put_int(block + len, 0, 7, 1);
	block[len++] = 'k';
	len += put_int(block + len, 0, 7, 3999);
	memset(block + len, 'v', 3999);
	len += 3999;
	CHECK(!hpack__decode(t, block, len, &arena, &f, &n) && n == 1);
	memset(block, 0xbe, 100);
	CHECK(hpack__decode(t, block, 100, &arena, &f, &n) == -EBADMSG && n == 65);
	arena_reset(&arena);
	hpack__free(t);

	/* Eviction to the byte: three 1024-byte entries, then 1025 bytes. */
	t = hpack__new(4096);
	for (int i = 0; i < 4; i++) {
		len = put_int(block, 0x40, 6, 0);
		len += put_int(block + len, 0, 7, 1);
		block[len++] = 'k';
		len += put_int(block + len, 0, 7, 991 + (i == 3));
		memset(block + len, 'a' + i, 991 + (i == 3));
		len += 991 + (i == 3);
		CHECK(!hpack__decode(t, block, len, &arena, &f, &n) && n == 1);
		arena_reset(&arena);
	}
	CHECK(hpack__table_entries(t) == 3 && hpack__table_size(t) == 3073);
	hpack__free(t);
	/* A new entry named by the one it evicts (RFC 7541 4.4). */
	t = hpack__new(40);
	CHECK(!decode_hex(t, "4003 616263 0178", text, sizeof(text), NULL));
	CHECK(!decode_hex(t, "7e 0179 be", text, sizeof(text), NULL));
	CHECK_STR(text, "abc: y\nabc: y\n");
	CHECK(hpack__table_entries(t) == 1 && hpack__table_size(t) == 36);
	hpack__free(t);

	/* The table keeps 64 KiB whatever SETTINGS allow. */
	t = hpack__new(1 << 20);
	for (int i = 0; i < 3; i++) {
		len = put_int(block, 0x40, 6, 0);
		len += put_int(block + len, 0, 7, 1);
		block[len++] = 'k';
		len += put_int(block + len, 0, 7, 30000);
		memset(block + len, 'a' + i, 30000);
		len += 30000;
		CHECK(!hpack__decode(t, block, len, &arena, &f, &n) && n == 1);
		arena_reset(&arena);
	}
	CHECK(hpack__table_entries(t) == 2 && hpack__table_size(t) == 2 * 30033);
	CHECK(!decode_hex(t, "bf", text, sizeof(text), NULL));
	CHECK(text[3] == 'b');
	/* An entry larger than the table empties it. */
	len = put_int(block, 0x40, 6, 0);
	len += put_int(block + len, 0, 7, 1);
	block[len++] = 'k';
	len += put_int(block + len, 0, 7, 70000);
	memset(block + len, 'z', 70000);
	len += 70000;
	CHECK(!hpack__decode(t, block, len, &arena, &f, &n) && n == 1 && f[0].value.len == 70000);
	CHECK(!hpack__table_entries(t) && !hpack__table_size(t));
	arena_free(&arena);
	hpack__free(t);
}

/* ---- against libnghttp2 ---- */

struct ref_field {
	char *name, *value;
	size_t name_len, value_len;
};

struct ref_block {
	uint8_t *data;
	size_t len;
	struct ref_field *fields;
	size_t nr;
	uint32_t limit;		/* the decoder's SETTINGS when it was sent */
};

#define NR_BLOCKS	3000

static struct ref_block blocks[NR_BLOCKS];

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33) % n;
}

static char *rnd_string(size_t len, bool binary)
{
	static const char text[] = "abcdefghijklmnopqrstuvwxyz0123456789-_/.=;, ABCXYZ%";
	char *s = malloc(len + 1);

	for (size_t i = 0; i < len; i++)
		s[i] = binary ? (char)rnd(256) : text[rnd(sizeof(text) - 1)];
	s[len] = '\0';
	return s;
}

/* nghttp2's inflater on BLOCK: its fields, or -1. */
static int ref_inflate(nghttp2_hd_inflater *inf, struct ref_block *b)
{
	const uint8_t *in = b->data;
	size_t left = b->len, cap = 0;

	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t rv = nghttp2_hd_inflate_hd2(inf, &nv, &fl, in, left, 1);

		if (rv < 0)
			return -1;
		in += rv;
		left -= rv;
		if (fl & NGHTTP2_HD_INFLATE_EMIT) {
			struct ref_field *f;

			if (b->nr == cap) {
				cap = cap ? cap * 2 : 16;
				b->fields = realloc(b->fields, cap * sizeof(*b->fields));
			}
			f = &b->fields[b->nr++];
			f->name = malloc(nv.namelen + 1);
			f->value = malloc(nv.valuelen + 1);
			memcpy(f->name, nv.name, nv.namelen);
			memcpy(f->value, nv.value, nv.valuelen);
			f->name_len = nv.namelen;
			f->value_len = nv.valuelen;
		}
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(inf);
			return 0;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && !left)
			return 0;
	}
}

/*
 * NR_BLOCKS blocks from nghttp2's deflater: names and values drawn mostly
 * from small pools (so the dynamic table is used), some fresh, some binary,
 * some sensitive; the table size changed now and then, as a SETTINGS would.
 */
static void make_blocks(uint64_t seed)
{
	static const char *const names[] = {
		":method", ":path", ":authority", ":scheme", ":status", "content-type",
		"user-agent", "cookie", "accept-encoding", "grpc-status", "x-request-id",
		"x-custom-a", "x-custom-b", "x-custom-c", "x-trace", "date", "etag",
	};
	static const uint32_t sizes[] = { 0, 64, 256, 1024, 4096, 8192, 16384, 65536 };
	enum { NR_NAMES = sizeof(names) / sizeof(names[0]), NR_VALUES = 80, MAX_NV = 24 };
	char *values[NR_VALUES];
	size_t value_lens[NR_VALUES];
	nghttp2_hd_deflater *def;
	nghttp2_hd_inflater *inf;
	uint32_t limit = 4096;

	rng_state = seed;
	for (int i = 0; i < NR_VALUES; i++) {
		value_lens[i] = rnd(i < 60 ? 30 : 400);
		values[i] = rnd_string(value_lens[i], i % 10 == 9);
	}
	CHECK(!nghttp2_hd_deflate_new(&def, 65536));
	CHECK(!nghttp2_hd_inflate_new(&inf));
	for (int k = 0; k < NR_BLOCKS; k++) {
		struct ref_block *b = &blocks[k];
		nghttp2_nv nva[MAX_NV];
		char *fresh_name[MAX_NV], *fresh_value[MAX_NV];
		size_t nv = 1 + rnd(MAX_NV), bound;
		ssize_t len;

		if (k && !rnd(40)) {
			limit = sizes[rnd(sizeof(sizes) / sizeof(sizes[0]))];
			CHECK(!nghttp2_hd_deflate_change_table_size(def, limit));
			CHECK(!nghttp2_hd_inflate_change_table_size(inf, limit));
		}
		for (size_t i = 0; i < nv; i++) {
			uint32_t n = rnd(NR_NAMES + 3), v = rnd(NR_VALUES + 20);

			if (n < NR_NAMES) {
				nva[i].name = (uint8_t *)names[n];
				nva[i].namelen = strlen(names[n]);
				fresh_name[i] = NULL;
			} else {
				nva[i].namelen = 1 + rnd(20);
				fresh_name[i] = rnd_string(nva[i].namelen, false);
				nva[i].name = (uint8_t *)fresh_name[i];
			}
			if (v < NR_VALUES) {
				nva[i].value = (uint8_t *)values[v];
				nva[i].valuelen = value_lens[v];
				fresh_value[i] = NULL;
			} else {
				nva[i].valuelen = rnd(100);
				fresh_value[i] = rnd_string(nva[i].valuelen, v % 4 == 0);
				nva[i].value = (uint8_t *)fresh_value[i];
			}
			nva[i].flags = rnd(20) ? NGHTTP2_NV_FLAG_NONE : NGHTTP2_NV_FLAG_NO_INDEX;
		}
		bound = nghttp2_hd_deflate_bound(def, nva, nv);
		b->data = malloc(bound);
		len = nghttp2_hd_deflate_hd(def, b->data, bound, nva, nv);
		CHECK(len > 0);
		b->len = len > 0 ? (size_t)len : 0;
		b->limit = limit;
		CHECK(!ref_inflate(inf, b));
		CHECK(b->nr == nv);
		for (size_t i = 0; i < nv; i++) {
			free(fresh_name[i]);
			free(fresh_value[i]);
		}
	}
	nghttp2_hd_deflate_del(def);
	nghttp2_hd_inflate_del(inf);
	for (int i = 0; i < NR_VALUES; i++)
		free(values[i]);
}

static void free_blocks(void)
{
	for (int k = 0; k < NR_BLOCKS; k++) {
		for (size_t i = 0; i < blocks[k].nr; i++) {
			free(blocks[k].fields[i].name);
			free(blocks[k].fields[i].value);
		}
		free(blocks[k].fields);
		free(blocks[k].data);
		memset(&blocks[k], 0, sizeof(blocks[k]));
	}
}

static bool str_eq(const struct http_str *s, const char *p, size_t len)
{
	return s->len == len && !memcmp(s->ptr, p, len);
}

/* Our decoder on every block from the first: exactly nghttp2's fields. */
static void compare_all(void)
{
	struct hpack *t = hpack__new(4096);
	struct arena arena = { 0 };
	size_t fields = 0;

	for (int k = 0; k < NR_BLOCKS && !unit_failures; k++) {
		struct ref_block *b = &blocks[k];
		struct http_header *f;
		uint32_t n;

		hpack__set_limit(t, b->limit);
		CHECK(!hpack__decode(t, b->data, b->len, &arena, &f, &n));
		CHECK(n == b->nr);
		for (uint32_t i = 0; i < n && i < b->nr; i++) {
			CHECK(f[i].flags == 0);
			CHECK(str_eq(&f[i].name, b->fields[i].name, b->fields[i].name_len));
			CHECK(str_eq(&f[i].value, b->fields[i].value, b->fields[i].value_len));
		}
		fields += n;
		if (unit_failures)
			printf("block %d differs from nghttp2's\n", k);
		arena_reset(&arena);
	}
	CHECK(fields > NR_BLOCKS * 5);
	arena_free(&arena);
	hpack__free(t);
}

/*
 * An independent walk of the blocks (the representations only, with
 * nghttp2's fields for the entries' sizes) that tells which fields refer to
 * entries added before block K0, or named by such: the flags a decoder
 * started at K0 must give. The table's maximum at K0 goes to *MAX_AT.
 */
struct model_entry {
	uint32_t size;
	int origin;		/* the block that added it */
	bool name_old;		/* its name came from an entry older than K0 */
};

static struct model_entry model[4096];
static uint32_t model_count, model_size;

static uint32_t model_int(const uint8_t **p, unsigned int prefix)
{
	uint32_t mask = (1u << prefix) - 1, v = **p & mask, shift = 0;

	(*p)++;
	if (v < mask)
		return v;
	do {
		v += (uint32_t)(**p & 0x7f) << shift;
		shift += 7;
	} while (*(*p)++ & 0x80);
	return v;
}

static void model_skip_string(const uint8_t **p)
{
	uint32_t len = model_int(p, 7);

	*p += len;
}

static void model_evict(uint32_t max)
{
	while (model_count && model_size > max)
		model_size -= model[--model_count].size;
}

/* Expected flags of each field of block K into FLAGS; the maximum tracked in *MAX. */
static void model_block(int k, int k0, uint32_t *max, uint32_t *flags)
{
	const uint8_t *p = blocks[k].data, *end = p + blocks[k].len;
	size_t j = 0;

	while (p < end) {
		uint8_t c = *p;
		uint32_t idx, size, fl = 0;
		bool add = false;

		if (c & 0x80) {
			idx = model_int(&p, 7);
			if (idx > 61) {
				struct model_entry *e = &model[idx - 62];

				fl = e->origin < k0 ? HTTP_HDR_NAME_UNKNOWN | HTTP_HDR_VALUE_UNKNOWN :
				     e->name_old ? HTTP_HDR_NAME_UNKNOWN : 0;
			}
			flags[j++] = fl;
			continue;
		}
		if ((c & 0xe0) == 0x20) {
			*max = model_int(&p, 5);
			model_evict(*max);
			continue;
		}
		add = c & 0x40;
		idx = model_int(&p, add ? 6 : 4);
		if (!idx)
			model_skip_string(&p);
		else if (idx > 61 && (model[idx - 62].origin < k0 || model[idx - 62].name_old))
			fl = HTTP_HDR_NAME_UNKNOWN;
		model_skip_string(&p);
		flags[j] = fl;
		if (add) {
			size = blocks[k].fields[j].name_len + blocks[k].fields[j].value_len + 32;
			if (size > *max) {
				model_evict(0);
			} else {
				model_evict(*max - size);
				memmove(model + 1, model, model_count * sizeof(*model));
				model[0] = (struct model_entry){ size, k, fl != 0 };
				model_count++;
				model_size += size;
			}
		}
		j++;
	}
	CHECK(j == blocks[k].nr);
}

/*
 * A capture begun at block K0: a fresh context (with the table's maximum
 * and SETTINGS of that moment) from there on. Returns the fields flagged.
 */
static size_t compare_from(int k0, size_t *exact)
{
	struct hpack *t = NULL;
	struct arena arena = { 0 };
	uint32_t max = 4096, flags[64];
	size_t flagged = 0;

	model_count = model_size = 0;
	for (int k = 0; k < NR_BLOCKS && !unit_failures; k++) {
		struct ref_block *b = &blocks[k];
		struct http_header *f;
		uint32_t n;

		if (k == k0) {
			t = hpack__new(max);
			hpack__set_limit(t, b->limit);
		}
		model_block(k, k0, &max, flags);
		if (k < k0)
			continue;
		hpack__set_limit(t, b->limit);
		CHECK(!hpack__decode(t, b->data, b->len, &arena, &f, &n));
		CHECK(n == b->nr);
		for (uint32_t i = 0; i < n && i < b->nr; i++) {
			struct ref_field *r = &b->fields[i];

			CHECK(f[i].flags == flags[i]);
			if (f[i].flags & HTTP_HDR_NAME_UNKNOWN)
				CHECK(str_eq(&f[i].name, "", 0));
			else
				CHECK(str_eq(&f[i].name, r->name, r->name_len));
			if (f[i].flags & HTTP_HDR_VALUE_UNKNOWN)
				CHECK(str_eq(&f[i].value, "", 0));
			else
				CHECK(str_eq(&f[i].value, r->value, r->value_len));
			if (f[i].flags)
				flagged++;
			else
				(*exact)++;
		}
		if (unit_failures)
			printf("started at block %d: block %d is wrong\n", k0, k);
		arena_reset(&arena);
	}
	arena_free(&arena);
	hpack__free(t);
	return flagged;
}

static void test_nghttp2(void)
{
	static const int starts[] = { 1, 2, 3, 7, 40, 41, 150, 777, 1500, 2999 };
	size_t flagged = 0, exact = 0;

	for (uint64_t seed = 1; seed <= 3 && !unit_failures; seed++) {
		make_blocks(seed);
		compare_all();
		for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]) && !unit_failures; i++)
			flagged += compare_from(starts[i], &exact);
		free_blocks();
	}
	printf("hpack: started mid-connection: %zu fields exact, %zu flagged unknown\n",
	       exact, flagged);
	CHECK(flagged > 100 && exact > flagged);
}

/* Every byte value Huffman-coded by nghttp2 (which codes a value when that is shorter). */
static void test_huffman_bytes(void)
{
	nghttp2_hd_deflater *def;
	static uint8_t value[7000], buf[8192];
	struct arena arena = { 0 };
	struct http_header *f;
	int failures = unit_failures;
	uint32_t n;

	for (int c = 0; c <= 256; c++) {
		struct hpack *t = hpack__new(4096);
		size_t vlen = 0;
		ssize_t len;
		nghttp2_nv nv = { (uint8_t *)"user-agent", value, 10, 0, NGHTTP2_NV_FLAG_NO_INDEX };

		if (c < 256) {	/* one byte among 'a's */
			memset(value, 'a', 24);
			value[20] = c;
			vlen = 24;
		} else {	/* all of them */
			memset(value, 'a', 3000);
			for (int i = 0; i < 256; i++)
				value[3000 + i] = i;
			memset(value + 3256, '0', 3000);
			vlen = 6256;
		}
		nv.valuelen = vlen;
		CHECK(!nghttp2_hd_deflate_new(&def, 4096));
		len = nghttp2_hd_deflate_hd(def, buf, sizeof(buf), &nv, 1);
		/* Shorter than the value: Huffman-coded. */
		CHECK(len > 0 && (size_t)len < vlen);
		CHECK(!hpack__decode(t, buf, len, &arena, &f, &n) && n == 1);
		CHECK(n == 1 && str_eq(&f[0].value, (char *)value, vlen));
		nghttp2_hd_deflate_del(def);
		hpack__free(t);
		arena_reset(&arena);
		if (unit_failures > failures) {
			printf("byte %d\n", c);
			break;
		}
	}
	arena_free(&arena);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* MB/s of header blocks, ours and nghttp2's inflater, on the random blocks. */
static void bench(void)
{
	struct arena arena = { 0 };
	size_t bytes = 0, fields = 0;
	double t0, ours, theirs;

	make_blocks(7);
	t0 = now();
	for (int round = 0; round < 50; round++) {
		struct hpack *t = hpack__new(4096);

		for (int k = 0; k < NR_BLOCKS; k++) {
			struct http_header *f;
			uint32_t n;

			hpack__set_limit(t, blocks[k].limit);
			hpack__decode(t, blocks[k].data, blocks[k].len, &arena, &f, &n);
			bytes += blocks[k].len;
			fields += n;
			arena_reset(&arena);
		}
		hpack__free(t);
	}
	ours = now() - t0;
	t0 = now();
	for (int round = 0; round < 50; round++) {
		nghttp2_hd_inflater *inf;

		nghttp2_hd_inflate_new(&inf);
		for (int k = 0; k < NR_BLOCKS; k++) {
			const uint8_t *in = blocks[k].data;
			size_t left = blocks[k].len;

			nghttp2_hd_inflate_change_table_size(inf, blocks[k].limit);
			for (;;) {
				nghttp2_nv nv;
				int fl = 0;
				ssize_t rv = nghttp2_hd_inflate_hd2(inf, &nv, &fl, in, left, 1);

				if (rv < 0)
					break;
				in += rv;
				left -= rv;
				if (fl & NGHTTP2_HD_INFLATE_FINAL) {
					nghttp2_hd_inflate_end_headers(inf);
					break;
				}
				if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && !left)
					break;
			}
		}
		nghttp2_hd_inflate_del(inf);
	}
	theirs = now() - t0;
	printf("hpack: %.1f MB of blocks (%zu fields): %.0f MB/s, nghttp2's inflater %.0f MB/s\n",
	       bytes / 1e6, fields, bytes / 1e6 / ours, bytes / 1e6 / theirs);
	free_blocks();

	/* One 8 KiB value of header-like text, Huffman-coded. */
	{
		static uint8_t buf[16384];
		nghttp2_nv nv = { (uint8_t *)"cookie", NULL, 6, 8192, NGHTTP2_NV_FLAG_NO_INDEX };
		nghttp2_hd_deflater *def;
		struct hpack *t = hpack__new(4096);
		char *value = rnd_string(8192, false);
		ssize_t len;

		nv.value = (uint8_t *)value;
		nghttp2_hd_deflate_new(&def, 4096);
		len = nghttp2_hd_deflate_hd(def, buf, sizeof(buf), &nv, 1);
		t0 = now();
		for (int round = 0; round < 20000; round++) {
			struct http_header *f;
			uint32_t n;

			hpack__decode(t, buf, len, &arena, &f, &n);
			arena_reset(&arena);
		}
		ours = now() - t0;
		printf("hpack: Huffman-coded text: %.0f MB/s of blocks (%.0f MB/s decoded)\n",
		       len * 20000 / 1e6 / ours, 8192 * 20000 / 1e6 / ours);
		nghttp2_hd_deflate_del(def);
		hpack__free(t);
		free(value);
	}
	arena_free(&arena);
}

int main(void)
{
	test_integers();
	test_fields();
	test_requests();
	test_responses();
	test_huffman_errors();
	test_unknown_and_bounds();
	test_huffman_bytes();
	if (!unit_failures)
		test_nghttp2();
	if (getenv("HPACK_BENCH"))
		bench();
	UNIT_DONE("hpack");
}
