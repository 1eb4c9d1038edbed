/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __SSLSNIFF_LRU_H
#define __SSLSNIFF_LRU_H

#include <stddef.h>

/*
 * A least-recently-used order of the entries of a bounded table (pcapng
 * streams, the protocol stage's connections): a doubly linked list through
 * a node embedded in each entry, so that using, dropping and finding the
 * oldest are O(1). Zero it to start empty.
 */
struct lru_node {
	struct lru_node *newer, *older;
};

struct lru {
	struct lru_node *newest, *oldest;
};

/* The entry of TYPE whose MEMBER is NODE (NULL for NULL). */
#define lru_entry(node, type, member) \
	((node) ? (type *)((char *)(node) - offsetof(type, member)) : (type *)NULL)

static inline void lru_unlink(struct lru *l, struct lru_node *n)
{
	if (n->newer)
		n->newer->older = n->older;
	else
		l->newest = n->older;
	if (n->older)
		n->older->newer = n->newer;
	else
		l->oldest = n->newer;
	n->newer = n->older = NULL;
}

static inline void lru_push_newest(struct lru *l, struct lru_node *n)
{
	n->newer = NULL;
	n->older = l->newest;
	if (l->newest)
		l->newest->newer = n;
	else
		l->oldest = n;
	l->newest = n;
}

#endif
