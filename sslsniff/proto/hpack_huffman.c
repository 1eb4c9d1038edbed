// SPDX-License-Identifier: GPL-2.0
/*
 * HPACK's static Huffman code (RFC 7541 5.2, Appendix B), decoding only.
 *
 * The code is canonical: codes are handed out in order of length, then of
 * symbol, each one more than the last and shifted left when the length grows.
 * So the 257 code lengths are the whole table, and a code read left-aligned
 * from the input lies below limit[L] (the first code after the last one of
 * length L, left-aligned) exactly when its length is at most L. The first
 * byte of the input looks up either the symbol (codes of up to 8 bits: the
 * digits, lower case and most punctuation, nearly all of a header) or the
 * shortest length a code with that first byte can have, from which a few
 * comparisons find the length.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include "proto/hpack.h"

#define HUFF_SYMS	257	/* 256 bytes and EOS */
#define HUFF_EOS	256
#define HUFF_MAX_LEN	30

/* Appendix B's "len in bits" column, by symbol. */
static const uint8_t huff_len[HUFF_SYMS] = {
	/*   0 */ 13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,
	/*  16 */ 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
	/*  32 */  6, 10, 10, 12, 13,  6,  8, 11, 10, 10,  8, 11,  8,  6,  6,  6,
	/*  48 */  5,  5,  5,  6,  6,  6,  6,  6,  6,  6,  7,  8, 15,  6, 12, 10,
	/*  64 */ 13,  6,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,  7,
	/*  80 */  7,  7,  7,  7,  7,  7,  7,  7,  8,  7,  8, 13, 19, 13, 14,  6,
	/*  96 */ 15,  5,  6,  5,  6,  5,  6,  6,  6,  5,  7,  7,  6,  6,  6,  5,
	/* 112 */  6,  7,  6,  5,  5,  6,  7,  7,  7,  7,  7, 15, 11, 14, 13, 28,
	/* 128 */ 20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,
	/* 144 */ 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
	/* 160 */ 22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,
	/* 176 */ 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
	/* 192 */ 26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,
	/* 208 */ 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
	/* 224 */ 20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,
	/* 240 */ 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
	/* 256 */ 30,
};

struct huff_tables {
	uint64_t limit[HUFF_MAX_LEN + 1];	/* left-aligned in 32 bits; 2^32 for 30 */
	uint32_t first[HUFF_MAX_LEN + 1];	/* the first code of each length */
	uint16_t base[HUFF_MAX_LEN + 1];	/* its index in sorted[] */
	uint16_t sorted[HUFF_SYMS];		/* symbols by length, then value */
	uint8_t fast_len[256];			/* by first byte: <= 8 exact, else the least */
	uint8_t fast_sym[256];
};

static struct huff_tables huff;
static pthread_once_t huff_once = PTHREAD_ONCE_INIT;

static void huff_build(void)
{
	uint32_t count[HUFF_MAX_LEN + 1] = { 0 }, code = 0;
	uint16_t next = 0;

	for (int s = 0; s < HUFF_SYMS; s++)
		count[huff_len[s]]++;
	for (int l = 1; l <= HUFF_MAX_LEN; l++) {
		huff.first[l] = code;
		huff.base[l] = next;
		next += count[l];
		code += count[l];
		huff.limit[l] = (uint64_t)code << (32 - l);
		code <<= 1;
	}
	next = 0;
	for (int l = 1; l <= HUFF_MAX_LEN; l++)
		for (int s = 0; s < HUFF_SYMS; s++)
			if (huff_len[s] == l)
				huff.sorted[next++] = s;
	for (uint32_t b = 0; b < 256; b++) {
		uint64_t top = (uint64_t)b << 24;
		int l = 1;

		while (top >= huff.limit[l])
			l++;
		huff.fast_len[b] = l;
		if (l <= 8)
			huff.fast_sym[b] = huff.sorted[huff.base[l] + (b >> (8 - l)) - huff.first[l]];
	}
}

/* The symbol whose code begins TOP (left-aligned), its length in *LEN. */
static inline unsigned int huff_symbol(uint32_t top, unsigned int *len)
{
	unsigned int l = huff.fast_len[top >> 24];

	if (l <= 8) {
		*len = l;
		return huff.fast_sym[top >> 24];
	}
	while (top >= huff.limit[l])
		l++;
	*len = l;
	return huff.sorted[huff.base[l] + (top >> (32 - l)) - huff.first[l]];
}

int hpack_huffman_decode(const uint8_t *in, size_t len, uint8_t *out)
{
	const uint8_t *end = in + len;
	uint8_t *o = out;
	uint64_t acc = 0;	/* the next bits, left-aligned (more may follow: input) */
	unsigned int n = 0;	/* how many */
	unsigned int sym, l;

	if (len > (size_t)INT_MAX / 8 * 5)
		return -EBADMSG;	/* the length would not fit the return value */
	pthread_once(&huff_once, huff_build);
	for (;;) {
		if (end - in >= 8) {
			/* Eight bytes at once: the bits past N it ORs in are the
			 * input's next, which the next refill ORs in again. */
			uint64_t w;

			memcpy(&w, in, 8);
			acc |= __builtin_bswap64(w) >> n;
			in += (63 - n) >> 3;
			n |= 56;
		} else {
			while (n <= 56 && in < end) {
				acc |= (uint64_t)*in++ << (56 - n);
				n += 8;
			}
		}
		if (n < HUFF_MAX_LEN)
			break;
		/* A whole code is there, whatever its length. */
		do {
			sym = huff_symbol(acc >> 32, &l);
			if (sym == HUFF_EOS)
				return -EBADMSG;
			*o++ = sym;
			acc <<= l;
			n -= l;
		} while (n >= HUFF_MAX_LEN);
	}
	/* The end: fewer than 30 bits, all the input's (in == end). Past
	 * them, ones: padding is EOS's first bits, so a string ending in
	 * padding decodes to a code longer than what is left. */
	while (n) {
		uint32_t top = (acc >> 32) | (UINT32_MAX >> n);

		sym = huff_symbol(top, &l);
		if (l > n) {
			if (n > 7 || top != UINT32_MAX)
				return -EBADMSG;
			break;
		}
		if (sym == HUFF_EOS)
			return -EBADMSG;
		*o++ = sym;
		acc <<= l;
		n -= l;
	}
	return (int)(o - out);
}
