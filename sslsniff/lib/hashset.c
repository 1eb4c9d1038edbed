// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

/* Doubles the table, carrying VALS (NULL for a set) along. */
static int hashset_grow(struct hashset *s, void ***vals)
{
	size_t cap = s->cap ? 2 * s->cap : 256;
	uint64_t *t = calloc(cap, sizeof(*t));
	void **v = vals ? calloc(cap, sizeof(*v)) : NULL;

	if (!t || (vals && !v)) {
		free(t);
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->cap; i++) {
		size_t j;

		if (!s->slot[i])
			continue;
		j = hashset_probe(t, cap, s->slot[i]);
		t[j] = s->slot[i];
		if (v)
			v[j] = (*vals)[i];
	}
	free(s->slot);
	s->slot = t;
	s->cap = cap;
	if (vals) {
		free(*vals);
		*vals = v;
	}
	return 0;
}

/* Where KEY is or goes: its slot, or -ENOMEM. */
static long hashset_place(struct hashset *s, uint64_t key, void ***vals)
{
	size_t j;

	if (s->cap) {
		j = hashset_probe(s->slot, s->cap, key);
		if (s->slot[j] == key)
			return j;
	}
	if (2 * (s->nr + 1) > s->cap && hashset_grow(s, vals))
		return -ENOMEM;
	j = hashset_probe(s->slot, s->cap, key);
	s->slot[j] = key;
	s->nr++;
	return j;
}

int hashset_add(struct hashset *s, uint64_t key)
{
	size_t nr = s->nr;
	long j = hashset_place(s, key, NULL);

	return j < 0 ? (int)j : s->nr != nr;
}

void hashmap_free(struct hashmap *m)
{
	hashset_free(&m->keys);
	free(m->vals);
	m->vals = NULL;
}

void *hashmap_get(const struct hashmap *m, uint64_t key)
{
	const struct hashset *s = &m->keys;
	size_t j;

	if (!s->cap)
		return NULL;
	j = hashset_probe(s->slot, s->cap, key);
	return s->slot[j] == key ? m->vals[j] : NULL;
}

int hashmap_put(struct hashmap *m, uint64_t key, void *val)
{
	long j = hashset_place(&m->keys, key, &m->vals);

	if (j < 0)
		return j;
	m->vals[j] = val;
	return 0;
}

/*
 * Linear probing's deletion: the entries after the hole that would no
 * longer be found past it move back into it (no tombstones to wear the
 * table out under a stream of short-lived keys).
 */
void hashmap_del(struct hashmap *m, uint64_t key)
{
	struct hashset *s = &m->keys;
	size_t mask = s->cap - 1, hole, j;

	if (!s->cap)
		return;
	hole = hashset_probe(s->slot, s->cap, key);
	if (s->slot[hole] != key)
		return;
	for (j = (hole + 1) & mask; s->slot[j]; j = (j + 1) & mask) {
		size_t home = s->slot[j] & mask;

		/* Stays when its home lies cyclically in (hole, j]. */
		if (hole < j ? home > hole && home <= j : home > hole || home <= j)
			continue;
		s->slot[hole] = s->slot[j];
		m->vals[hole] = m->vals[j];
		hole = j;
	}
	s->slot[hole] = 0;
	m->vals[hole] = NULL;
	s->nr--;
}

/* One word into the hash: a multiply, and its high bits folded down. */
static inline uint64_t hashset_mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
	return h ^ h >> 29;
}

uint64_t hashset_key(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ n, w;
	size_t i = 0;

	/* Eight bytes a step: FNV's multiply per byte was most of a lookup. */
	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		h = hashset_mix(h, w);
	}
	if (i < n) {
		w = 0;
		memcpy(&w, b + i, n - i);
		h = hashset_mix(h, w);
	}
	/* MurmurHash3's finaliser: every input bit reaches every output bit. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h ? h : 1;
}
