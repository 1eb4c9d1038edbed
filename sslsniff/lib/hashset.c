// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include "lib/hashset.h"

void hashset_free(struct hashset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->nr = s->cap = 0;
}

static size_t hashset_probe(const uint64_t *slot, size_t cap, uint64_t key)
{
	size_t j = key & (cap - 1);

	while (slot[j] && slot[j] != key)
		j = (j + 1) & (cap - 1);
	return j;
}

bool hashset_has(const struct hashset *s, uint64_t key)
{
	return s->cap && s->slot[hashset_probe(s->slot, s->cap, key)] == key;
}

static int hashset_grow(struct hashset *s)
{
	size_t cap = s->cap ? 2 * s->cap : 256;
	uint64_t *t = calloc(cap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < s->cap; i++) {
		if (s->slot[i])
			t[hashset_probe(t, cap, s->slot[i])] = s->slot[i];
	}
	free(s->slot);
	s->slot = t;
	s->cap = cap;
	return 0;
}

int hashset_add(struct hashset *s, uint64_t key)
{
	size_t j;

	if (hashset_has(s, key))
		return 0;
	if (2 * (s->nr + 1) > s->cap && hashset_grow(s))
		return -ENOMEM;
	j = hashset_probe(s->slot, s->cap, key);
	s->slot[j] = key;
	s->nr++;
	return 1;
}

uint64_t hashset_key(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}
