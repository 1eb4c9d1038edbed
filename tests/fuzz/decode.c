// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzz target: the ring record decoder (record/decode.c, with
 * record/secrets.c for EV_SECRETS) on any sequence of records. The input
 * is records, each a 16-bit little-endian size then that many bytes (any
 * header, any length fields); every record the decoder delivers must be
 * readable whole and count its bytes consistently.
 */
#include "fuzz.h"
#include "record/decode.h"

static int check_record(const struct record *r, void *ctx)
{
	uint64_t *sum = ctx;
	const struct event *ev = r->ev;

	FUZZ_ASSERT(r->kind == REC_DATA || r->kind == REC_HANDSHAKE || r->kind == REC_SECRETS);
	/* Every byte readable (ASan checks each). */
	for (uint32_t i = 0; i < r->data_len; i++)
		*sum += r->data[i];
	if (r->kind == REC_DATA) {
		/* What arrived and what did not make up the captured range. */
		FUZZ_ASSERT((uint64_t)r->data_len + r->lost <= ev->cap_len);
		FUZZ_ASSERT(r->truncated == ev->len - ev->cap_len);
	}
	if (r->kind == REC_SECRETS)
		FUZZ_ASSERT(r->data_len && memchr(r->data, '\n', r->data_len));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t sum = 0;
	struct decoder *d = decoder__new(check_record, &sum);
	size_t off = 0;

	if (!d)
		abort();
	while (size - off >= 2) {
		size_t n = data[off] | (size_t)data[off + 1] << 8;
		/* A copy of its own size, 8-aligned as the ring's records are:
		 * ASan sees a read past its end. */
		void *rec;

		off += 2;
		if (n > size - off)
			n = size - off;
		rec = fuzz_copy(data + off, n);
		decoder__event(d, rec, n);
		free(rec);
		off += n;
	}
	decoder__flush(d);
	decoder__free(d);
	return 0;
}
