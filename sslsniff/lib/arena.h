/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_ARENA_H
#define __SSLSNIFF_ARENA_H

#include <stddef.h>
#include <stdint.h>

/*
 * Memory that lives until the next reset: the strings and arrays a parser
 * hands out with its items. Blocks never move, so a pointer stays valid
 * while more is allocated; a reset keeps the first block for reuse.
 */
struct arena_block;

struct arena {
	struct arena_block *head;	/* the block being filled, newest first */
	size_t used;			/* bytes of the head taken */
	size_t total;			/* bytes held in all blocks */
};

/* N bytes aligned for any type, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t n);
/* A copy of S (N bytes) with a NUL after it, or NULL. */
char *arena_strndup(struct arena *a, const void *s, size_t n);
/* Forgets everything allocated; keeps one block. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
