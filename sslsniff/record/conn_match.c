// SPDX-License-Identifier: GPL-2.0
/* Captured packets matched to traced connections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "record/conn_match.h"

#define HOLD_BYTES	(16 << 20)
#define HOLD_NS		(10ULL * 1000000000ULL)

struct held {
	struct held *next;
	uint64_t key;
	uint64_t ts_ns;
	uint32_t len;
	uint8_t data[];
};

struct wire_sync {
	uint64_t *known;	/* open addressing of tuple keys; 0 is empty */
	size_t nr_known, cap_known;
	struct held *head, **tail;
	size_t held_bytes;
};

struct wire_sync *wire_sync__new(void)
{
	struct wire_sync *ws = calloc(1, sizeof(*ws));

	if (ws)
		ws->tail = &ws->head;
	return ws;
}

void wire_sync__free(struct wire_sync *ws)
{
	if (!ws)
		return;
	while (ws->head) {
		struct held *h = ws->head;

		ws->head = h->next;
		free(h);
	}
	free(ws->known);
	free(ws);
}

static uint64_t tuple_key(const struct wire_tuple *t)
{
	const uint8_t *p = (const uint8_t *)t;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < sizeof(*t); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ? h : 1;
}

static bool is_known(const struct wire_sync *ws, uint64_t key)
{
	for (size_t j = key & (ws->cap_known - 1); ws->cap_known && ws->known[j];
	     j = (j + 1) & (ws->cap_known - 1)) {
		if (ws->known[j] == key)
			return true;
	}
	return false;
}

static int add_known(struct wire_sync *ws, uint64_t key)
{
	size_t j;

	if (2 * (ws->nr_known + 1) > ws->cap_known) {
		size_t cap = ws->cap_known ? 2 * ws->cap_known : 256;
		uint64_t *t = calloc(cap, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t i = 0; i < ws->cap_known; i++) {
			if (!ws->known[i])
				continue;
			for (j = ws->known[i] & (cap - 1); t[j]; j = (j + 1) & (cap - 1))
				;
			t[j] = ws->known[i];
		}
		free(ws->known);
		ws->known = t;
		ws->cap_known = cap;
	}
	for (j = key & (ws->cap_known - 1); ws->known[j]; j = (j + 1) & (ws->cap_known - 1))
		;
	ws->known[j] = key;
	ws->nr_known++;
	return 0;
}

/* Hands on (KEY != 0) or drops (KEY == 0: aged or over the bound) held packets. */
static int release(struct wire_sync *ws, uint64_t key, uint64_t now, wire_out_fn fn, void *ctx)
{
	struct held **pp = &ws->head, *h;
	int err = 0;

	while ((h = *pp)) {
		bool mine = key && h->key == key;
		bool stale = !key && (now - h->ts_ns > HOLD_NS || ws->held_bytes > HOLD_BYTES);

		if (!mine && !stale) {
			pp = &h->next;
			continue;
		}
		if (mine && !err) {
			struct wire_packet p = { .ts_ns = h->ts_ns, .data = h->data, .len = h->len };

			err = fn(&p, ctx);
		}
		*pp = h->next;
		ws->held_bytes -= h->len;
		free(h);
	}
	ws->tail = pp;
	return err;
}

int wire_sync__known(struct wire_sync *ws, const struct wire_tuple *t, wire_out_fn fn, void *ctx)
{
	uint64_t key = tuple_key(t);
	int err;

	if (is_known(ws, key))
		return 0;
	err = add_known(ws, key);
	return err ? err : release(ws, key, 0, fn, ctx);
}

int wire_sync__packet(struct wire_sync *ws, const struct wire_packet *p, wire_out_fn fn, void *ctx)
{
	uint64_t key;
	struct held *h;

	if (!p->tcp)
		return 0;
	key = tuple_key(&p->tuple);
	if (is_known(ws, key))
		return fn(p, ctx);
	h = malloc(sizeof(*h) + p->len);
	if (!h)
		return -ENOMEM;
	h->next = NULL;
	h->key = key;
	h->ts_ns = p->ts_ns;
	h->len = p->len;
	memcpy(h->data, p->data, p->len);
	*ws->tail = h;
	ws->tail = &h->next;
	ws->held_bytes += p->len;
	if (ws->held_bytes > HOLD_BYTES || p->ts_ns - ws->head->ts_ns > HOLD_NS)
		return release(ws, 0, p->ts_ns, fn, ctx);
	return 0;
}
