// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "lib/arena.h"

#define ARENA_BLOCK	(16 << 10)

struct arena_block {
	struct arena_block *next;
	size_t size;
	_Alignas(max_align_t) unsigned char mem[];
};

static struct arena_block *arena_block_new(size_t size)
{
	struct arena_block *b = malloc(sizeof(*b) + size);

	if (b) {
		b->next = NULL;
		b->size = size;
	}
	return b;
}

void *arena_alloc(struct arena *a, size_t n)
{
	size_t align = _Alignof(max_align_t);
	size_t need = (n + align - 1) & ~(align - 1);
	struct arena_block *b;

	if (need < n)
		return NULL;
	if (!a->head || a->head->size - a->used < need) {
		size_t size = need > ARENA_BLOCK ? need : ARENA_BLOCK;

		b = arena_block_new(size);
		if (!b)
			return NULL;
		b->next = a->head;
		a->head = b;
		a->used = 0;
		a->total += size;
	}
	a->used += need;
	return a->head->mem + a->used - need;
}

char *arena_strndup(struct arena *a, const void *s, size_t n)
{
	char *p = n < SIZE_MAX ? arena_alloc(a, n + 1) : NULL;

	if (p) {
		if (n)
			memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void arena_reset(struct arena *a)
{
	struct arena_block *b = a->head, *next;

	if (!b)
		return;
	/* Keep the oldest block: the one an ordinary record fits in. */
	while (b->next) {
		next = b->next;
		a->total -= b->size;
		free(b);
		b = next;
	}
	a->head = b;
	a->used = 0;
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head, *next;

	for (; b; b = next) {
		next = b->next;
		free(b);
	}
	a->head = NULL;
	a->used = a->total = 0;
}
