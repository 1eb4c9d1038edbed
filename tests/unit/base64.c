// SPDX-License-Identifier: GPL-2.0
/* base64_encode (vector path where the CPU has one) against OpenSSL's encoder. */
#include <openssl/evp.h>
#include <stdlib.h>
#include "lib/base64.h"
#include "unit.h"

#define MAX_IN 4099

static uint8_t in[MAX_IN + 64];
static char ours[MAX_IN / 3 * 4 + 8], scalar[sizeof(ours)];
static unsigned char ref[sizeof(ours) + 1];

/* Every length up to MAX_IN, at offsets that misalign the loads. */
static void check_lengths(size_t off)
{
	for (size_t n = 0; n <= MAX_IN; n++) {
		int len = EVP_EncodeBlock(ref, in + off, (int)n);

		memset(ours, '#', sizeof(ours));
		base64_encode(ours, in + off, n);
		base64_encode_scalar(scalar, in + off, n);
		CHECK((size_t)len == base64_len(n));
		CHECK(!memcmp(ours, ref, (size_t)len));
		CHECK(!memcmp(scalar, ref, (size_t)len));
		/* Nothing written past the encoding. */
		CHECK(ours[len] == '#');
		if (unit_failures) {
			printf("at length %zu, offset %zu\n", n, off);
			return;
		}
	}
}

int main(void)
{
	/* Every byte value in every position of a group, then random bytes. */
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + i / 256);
	check_lengths(0);
	srand(1);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)rand();
	check_lengths(0);
	check_lengths(5);
	memset(in, 0xff, sizeof(in));
	check_lengths(3);
	UNIT_DONE("base64");
}
