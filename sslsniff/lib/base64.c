// SPDX-License-Identifier: GPL-2.0
/*
 * Base64 for JSON's "data": at full load it is most of what the JSON writer
 * does, so x86-64 with AVX2 encodes 24 bytes per step (the method of Muła
 * and Lemire, "Faster Base64 Encoding and Decoding using AVX2
 * Instructions"), the rest one 3-byte group at a time.
 */
#include "lib/base64.h"

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void base64_encode_scalar(char *out, const uint8_t *in, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = b64_alphabet[(v >> 6) & 63];
		*out++ = b64_alphabet[v & 63];
	}
	if (i < n) {
		uint32_t v = in[i] << 16 | (i + 1 < n ? in[i + 1] << 8 : 0);

		*out++ = b64_alphabet[v >> 18];
		*out++ = b64_alphabet[(v >> 12) & 63];
		*out++ = i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=';
		*out++ = '=';
	}
}

#if defined(__x86_64__)
#include <immintrin.h>

/* 12 input bytes per 128-bit lane to sixteen 6-bit indices, in order. */
__attribute__((target("avx2"))) static inline __m256i b64_split(__m256i in)
{
	/* Each 3-byte group b0 b1 b2 becomes the dword b1 b0 b2 b1. */
	const __m256i shuf = _mm256_setr_epi8(1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10,
					      1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10);
	__m256i t0, t1, t2, t3;

	in = _mm256_shuffle_epi8(in, shuf);
	/* Fields a and c moved down by 10 and 6 bits (a high multiply). */
	t0 = _mm256_and_si256(in, _mm256_set1_epi32(0x0fc0fc00));
	t1 = _mm256_mulhi_epu16(t0, _mm256_set1_epi32(0x04000040));
	/* Fields b and d moved up by 8 and 4 bits (a low multiply). */
	t2 = _mm256_and_si256(in, _mm256_set1_epi32(0x003f03f0));
	t3 = _mm256_mullo_epi16(t2, _mm256_set1_epi32(0x01000010));
	return _mm256_or_si256(t1, t3);
}

/* 6-bit indices to the alphabet: add the offset of the index's range. */
__attribute__((target("avx2"))) static inline __m256i b64_ascii(__m256i idx)
{
	/* Range 0: A-Z, 1: a-z, 2..11: 0-9, 12: '+', 13: '/'. */
	const __m256i offset = _mm256_setr_epi8(65, 71, -4, -4, -4, -4, -4, -4, -4, -4, -4, -4,
						-19, -16, 0, 0, 65, 71, -4, -4, -4, -4, -4, -4,
						-4, -4, -4, -4, -19, -16, 0, 0);
	__m256i range = _mm256_subs_epu8(idx, _mm256_set1_epi8(51));
	__m256i above_z = _mm256_cmpgt_epi8(idx, _mm256_set1_epi8(25));

	range = _mm256_sub_epi8(range, above_z);
	return _mm256_add_epi8(idx, _mm256_shuffle_epi8(offset, range));
}

/* Returns how many input bytes it encoded (a multiple of 24). */
__attribute__((target("avx2"))) static size_t base64_encode_avx2(char *out, const uint8_t *in,
								size_t n)
{
	size_t i = 0;

	/* Each step reads 28 bytes (two 16-byte loads 12 apart) for 24. */
	for (; i + 28 <= n; i += 24, out += 32) {
		__m128i lo = _mm_loadu_si128((const __m128i *)(in + i));
		__m128i hi = _mm_loadu_si128((const __m128i *)(in + i + 12));
		__m256i v = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);

		_mm256_storeu_si256((__m256i *)out, b64_ascii(b64_split(v)));
	}
	return i;
}

void base64_encode(char *out, const uint8_t *in, size_t n)
{
	static int avx2 = -1;
	size_t done = 0;

	if (avx2 < 0) {
		__builtin_cpu_init();
		avx2 = __builtin_cpu_supports("avx2") != 0;
	}
	if (avx2)
		done = base64_encode_avx2(out, in, n);
	base64_encode_scalar(out + done / 3 * 4, in + done, n - done);
}
#else
void base64_encode(char *out, const uint8_t *in, size_t n)
{
	base64_encode_scalar(out, in, n);
}
#endif
