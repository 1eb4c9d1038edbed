// SPDX-License-Identifier: GPL-2.0
/* Captured packets matched to traced connections. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "lib/hashset.h"
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

struct conn_match {
	record_fn fn;
	void *ctx;
	struct hashset known;	/* tuple keys of traced connections */
	struct held *head, **tail;
	size_t held_bytes;
	struct conn_match_stats stats;
};

struct conn_match *conn_match__new(record_fn fn, void *ctx)
{
	struct conn_match *cm = calloc(1, sizeof(*cm));

	if (cm) {
		cm->fn = fn;
		cm->ctx = ctx;
		cm->tail = &cm->head;
	}
	return cm;
}

void conn_match__free(struct conn_match *cm)
{
	if (!cm)
		return;
	while (cm->head) {
		struct held *h = cm->head;

		cm->head = h->next;
		free(h);
	}
	hashset_free(&cm->known);
	free(cm);
}

const struct conn_match_stats *conn_match__stats(const struct conn_match *cm)
{
	return &cm->stats;
}

static int conn_match_out(struct conn_match *cm, const struct packet *p)
{
	struct record r = { .kind = REC_PACKET, .packet = p };

	cm->stats.packets++;
	return cm->fn(&r, cm->ctx);
}

/* Hands on (KEY != 0) or drops (KEY == 0: aged or over the bound) held packets. */
static int conn_match_release(struct conn_match *cm, uint64_t key, uint64_t now)
{
	struct held **pp = &cm->head, *h;
	int err = 0;

	while ((h = *pp)) {
		bool mine = key && h->key == key;
		bool stale = !key && (now - h->ts_ns > HOLD_NS || cm->held_bytes > HOLD_BYTES);

		if (!mine && !stale) {
			pp = &h->next;
			continue;
		}
		if (mine && !err) {
			struct packet p = { .ts_ns = h->ts_ns, .data = h->data, .len = h->len };

			err = conn_match_out(cm, &p);
		} else if (stale) {
			cm->stats.unmatched++;
		}
		*pp = h->next;
		cm->held_bytes -= h->len;
		free(h);
	}
	cm->tail = pp;
	return err;
}

int conn_match__record(struct conn_match *cm, const struct record *r)
{
	const struct event *ev = r->ev;
	struct packet_tuple t;
	uint64_t key;
	int added;

	if ((r->kind != REC_DATA && r->kind != REC_SECRETS) ||
	    (ev->family != AF_INET && ev->family != AF_INET6))
		return 0;
	packet_tuple_make(&t, ev->family, ev->saddr, ev->sport, ev->daddr, ev->dport);
	key = hashset_key(&t, sizeof(t));
	added = hashset_add(&cm->known, key);
	if (added <= 0)
		return added;
	return conn_match_release(cm, key, 0);
}

int conn_match__packet(struct conn_match *cm, const struct packet *p)
{
	uint64_t key;
	struct held *h;

	if (!p->tcp)
		return 0;
	key = hashset_key(&p->tuple, sizeof(p->tuple));
	if (hashset_has(&cm->known, key))
		return conn_match_out(cm, p);
	h = malloc(sizeof(*h) + p->len);
	if (!h)
		return -ENOMEM;
	h->next = NULL;
	h->key = key;
	h->ts_ns = p->ts_ns;
	h->len = p->len;
	memcpy(h->data, p->data, p->len);
	*cm->tail = h;
	cm->tail = &h->next;
	cm->held_bytes += p->len;
	if (cm->held_bytes > HOLD_BYTES || p->ts_ns - cm->head->ts_ns > HOLD_NS)
		return conn_match_release(cm, 0, p->ts_ns);
	return 0;
}
