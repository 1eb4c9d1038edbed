// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the HPACK decoder (proto/hpack.c, hpack_huffman.c) on the
 * header blocks of one connection's direction, which the traced process's
 * peer (anyone) writes. The input: u16 LE, the table size to start with,
 * then records: a byte OP (bit 0: SETTINGS_HEADER_TABLE_SIZE (OP >> 1) KiB
 * before this block), u16 LE length, the block (cut short at the end).
 * One context decodes them all, as it would a connection's.
 */
#include <errno.h>
#include "fuzz.h"
#include "proto/hpack.h"

static void check_fields(const struct http_header *f, uint32_t n)
{
	size_t out = 0;

	FUZZ_ASSERT(n <= 1024 && (!n || f));
	for (uint32_t i = 0; i < n; i++) {
		FUZZ_ASSERT(f[i].name.ptr && f[i].value.ptr);
		FUZZ_ASSERT(!f[i].name.ptr[f[i].name.len] && !f[i].value.ptr[f[i].value.len]);
		FUZZ_ASSERT(!(f[i].flags & ~(HTTP_HDR_NAME_UNKNOWN | HTTP_HDR_VALUE_UNKNOWN)));
		if (f[i].flags & HTTP_HDR_NAME_UNKNOWN)
			FUZZ_ASSERT(!f[i].name.len);
		if (f[i].flags & HTTP_HDR_VALUE_UNKNOWN)
			FUZZ_ASSERT(!f[i].value.len && (f[i].flags & HTTP_HDR_NAME_UNKNOWN));
		out += f[i].name.len + f[i].value.len;
	}
	FUZZ_ASSERT(out <= 256 << 10);
}

/* The Huffman decoder alone on the block, into exactly what it may fill. */
static void check_huffman(const uint8_t *block, size_t len)
{
	size_t max = len * 8 / 5;
	uint8_t *out = malloc(max ? max : 1);
	int n;

	if (!out)
		abort();
	n = hpack_huffman_decode(block, len, out);
	FUZZ_ASSERT(n == -EBADMSG || (n >= 0 && (size_t)n <= max));
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena arena = { 0 };
	struct hpack *t;
	size_t off = 2;

	if (size < 2)
		return 0;
	t = hpack__new(data[0] | data[1] << 8);
	if (!t)
		abort();
	while (off + 3 <= size) {
		uint8_t op = data[off];
		size_t len = data[off + 1] | data[off + 2] << 8;
		struct http_header *f = NULL;
		uint32_t n = 0;
		int rc;

		off += 3;
		if (len > size - off)
			len = size - off;
		if (op & 1)
			hpack__set_limit(t, (uint32_t)(op >> 1) << 10);
		rc = hpack__decode(t, data + off, len, &arena, &f, &n);
		FUZZ_ASSERT(rc == 0 || rc == -EBADMSG);
		check_fields(f, n);
		FUZZ_ASSERT(hpack__table_size(t) <= 64 << 10);
		FUZZ_ASSERT((uint64_t)hpack__table_entries(t) * 32 <= hpack__table_size(t));
		check_huffman(data + off, len);
		arena_reset(&arena);
		off += len;
	}
	arena_free(&arena);
	hpack__free(t);
	return 0;
}
