// SPDX-License-Identifier: GPL-2.0
/* The hash map's deletion keeps every other key findable, collisions and wrap included. */
#include <stdint.h>
#include "lib/hashset.h"
#include "unit.h"

#define N	5000

int main(void)
{
	struct hashmap m = {};
	static uint64_t keys[N];
	uint64_t x = 88172645463325252ULL;
	int found = 0, gone = 0;

	for (int i = 0; i < N; i++) {
		/* Every fourth key shares its low bits with the one before: long probe runs. */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		keys[i] = i % 4 == 3 ? (keys[i - 1] & 0xff) | (x << 8) : x | 1;
		CHECK(!hashmap_put(&m, keys[i], &keys[i]));
	}
	CHECK(m.keys.nr == N);
	for (int i = 0; i < N; i += 2)
		hashmap_del(&m, keys[i]);
	hashmap_del(&m, 12345);		/* absent: nothing happens */
	for (int i = 0; i < N; i++) {
		void *v = hashmap_get(&m, keys[i]);

		if (i % 2)
			found += v == &keys[i];
		else
			gone += !v;
	}
	CHECK(found == N / 2);
	CHECK(gone == N / 2);
	CHECK(m.keys.nr == N / 2);
	/* Deleted slots are reused: the table does not grow under churn. */
	size_t cap = m.keys.cap;

	for (int round = 0; round < 20; round++) {
		for (int i = 0; i < N; i += 2)
			CHECK(!hashmap_put(&m, keys[i] + round * 2 + 2, &keys[i]));
		for (int i = 0; i < N; i += 2)
			hashmap_del(&m, keys[i] + round * 2 + 2);
	}
	CHECK(m.keys.cap == cap);
	CHECK(m.keys.nr == N / 2);
	hashmap_free(&m);
	UNIT_DONE("hashset");
}
