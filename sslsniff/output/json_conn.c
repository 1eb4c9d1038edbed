// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "output/json_conn.h"

static void json_conn_key_of(struct json_conn_key *k, const struct event *ev, bool with_direction)
{
	/* Zeroed first: the key is compared with memcmp(), padding included. */
	memset(k, 0, sizeof(*k));
	k->pid = ev->pid;
	k->tid = ev->tid;
	k->uid = ev->uid;
	k->fd = ev->fd;
	k->family = ev->family;
	k->sport = ev->sport;
	k->dport = ev->dport;
	k->tls_version = ev->tls_version;
	k->cipher_id = ev->cipher_id;
	k->func = ev->func;
	k->fd_source = ev->fd_source;
	k->alpn_len = ev->alpn_len;
	k->with_direction = with_direction;
	memcpy(k->saddr, ev->saddr, sizeof(k->saddr));
	memcpy(k->daddr, ev->daddr, sizeof(k->daddr));
	memcpy(k->comm, ev->comm, sizeof(k->comm));
	memcpy(k->cipher, ev->cipher, sizeof(k->cipher));
	memcpy(k->alpn, ev->alpn, sizeof(k->alpn));
}

/* The calls of one thread on one socket share a slot. */
static uint32_t json_conn_slot(const struct event *ev)
{
	uint32_t h = ev->pid * 2654435761U ^ ev->tid * 40503U ^ (uint32_t)ev->fd * 2246822519U ^
		     ev->func * 3266489917U;

	return (h ^ h >> 16) % JSON_CONN_SLOTS;
}

struct json_conn_entry *json_conn_cache__get(struct json_conn_cache *c, const struct event *ev,
					     bool with_direction)
{
	struct json_conn_entry *e;
	struct json_conn_key k;

	if (!c->slots) {
		c->slots = calloc(JSON_CONN_SLOTS, sizeof(*c->slots));
		if (!c->slots)
			return NULL;
	}
	e = &c->slots[json_conn_slot(ev)];
	json_conn_key_of(&k, ev, with_direction);
	if (e->valid && !memcmp(&e->key, &k, sizeof(k)))
		return e;
	memcpy(&e->key, &k, sizeof(k));
	e->valid = false;
	strbuf_reset(&e->text);
	memset(e->end, 0, sizeof(e->end));
	return e;
}

void json_conn_cache__free(struct json_conn_cache *c)
{
	if (!c->slots)
		return;
	for (int i = 0; i < JSON_CONN_SLOTS; i++)
		strbuf_free(&c->slots[i].text);
	free(c->slots);
	c->slots = NULL;
}
