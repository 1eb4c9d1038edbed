/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_HASHSET_H
#define __SSLSNIFF_HASHSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A set of non-zero 64-bit keys (hashes of what is to be remembered:
 * key log lines, connections), open addressing at most half full. Zero it
 * to start empty.
 */
struct hashset {
	uint64_t *slot;		/* 0: empty */
	size_t nr, cap;
};

void hashset_free(struct hashset *s);
bool hashset_has(const struct hashset *s, uint64_t key);
/* Adds KEY. 1 when it was new, 0 when it was there, -ENOMEM. */
int hashset_add(struct hashset *s, uint64_t key);

/* The same with a value per key. */
struct hashmap {
	struct hashset keys;
	void **vals;		/* beside keys.slot */
};

void hashmap_free(struct hashmap *m);
/* KEY's value, or NULL. */
void *hashmap_get(const struct hashmap *m, uint64_t key);
/* Sets KEY's value (VAL not NULL). 0 or -ENOMEM. */
int hashmap_put(struct hashmap *m, uint64_t key, void *val);
/* Forgets KEY, if it is there. */
void hashmap_del(struct hashmap *m, uint64_t key);

/* A 64-bit hash of N bytes, never 0: a key for hashset_add() and hashmap_put()
 * (a word at a time, then mixed; it is not kept anywhere across runs). */
uint64_t hashset_key(const void *p, size_t n);

#endif
