// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol stage. A connection is known by the process and the
 * library's handle (SSL *, gnutls_session_t, PRFileDesc *): what every data
 * record carries whatever the fd source. Its protocol is decided on its
 * first record that says: the preface or a request/status line at the
 * start, frames that chain, or the ALPN the library negotiated (so a
 * connection met in the middle is still known to be HTTP/2). Until then
 * records pass with no items and the writers show their bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/hashset.h"
#include "lib/lru.h"
#include "proto/http1.h"
#include "proto/http2.h"
#include "proto/proto.h"
#include "record/alpn.h"
#include "tls_funcs.h"

/* Past this many connections the least recently used one's state goes. */
#define PROTO_MAX_CONNS		4096

enum proto_kind {
	PROTO_UNKNOWN,
	PROTO_HTTP1,
	PROTO_HTTP2,
};

struct proto_conn {
	uint64_t key;
	uint32_t pid;
	uint64_t handle;
	enum proto_kind kind;
	bool restart;			/* bytes went missing: start the parser again */
	bool carried[2];		/* enum http_dir: this direction has had bytes */
	struct http1_conn *h1;
	struct http2_conn *h2;
	struct lru_node lru;		/* in struct proto's LRU order */
};

struct proto {
	struct hashmap conns;		/* key → struct proto_conn */
	struct lru lru;			/* its connections, most recently used first */
	uint32_t nr_conns;
	struct http_item *items;	/* the current record's */
	uint32_t nr_items, cap_items;
	int err;
	struct proto_stats stats;	/* the stage's own counts */
	struct proto_stats gone;	/* parsers' counts, of those freed */
	struct proto_stats sum;		/* what proto__stats() last gave */
};

static struct proto_conn *conn_of(struct lru_node *n)
{
	return lru_entry(n, struct proto_conn, lru);
}

struct proto *proto__new(void)
{
	struct proto *p = calloc(1, sizeof(*p));

	/* Never NULL: a record's http set means the stage parsed its bytes. */
	if (p) {
		p->cap_items = 16;
		p->items = malloc(p->cap_items * sizeof(*p->items));
	}
	if (p && !p->items) {
		free(p);
		return NULL;
	}
	return p;
}

/* A parser's counts outlive it: added to the stage's when it goes. */
static void stats_add_parsers(struct proto_stats *st, const struct proto_conn *pc)
{
	struct http1_stats h1 = {};
	struct http2_stats h2 = {};

	if (pc->h1) {
		http1_conn__stats(pc->h1, &h1);
		st->resync_bytes += h1.resync_bytes;
		st->http1.bad_heads += h1.bad_heads;
		st->http1.bad_framing += h1.bad_framing;
		st->http1.dropped_requests += h1.dropped_requests;
		st->http1.unpaired_responses += h1.unpaired_responses;
	}
	if (pc->h2) {
		http2_conn__stats(pc->h2, &h2);
		st->resync_bytes += h2.resync_bytes;
		st->http2.blocks_dropped += h2.blocks_dropped;
		st->http2.hpack_errors += h2.hpack_errors;
		st->http2.hpack_resets += h2.hpack_resets;
		st->http2.streams_evicted += h2.streams_evicted;
		st->http2.orphans += h2.orphans;
		st->http2.heads_dropped += h2.heads_dropped;
		st->http2.nomem += h2.nomem;
	}
}

static void conn_parsers_free(struct proto *p, struct proto_conn *pc)
{
	stats_add_parsers(&p->gone, pc);
	http1_conn__free(pc->h1);
	http2_conn__free(pc->h2);
	pc->h1 = NULL;
	pc->h2 = NULL;
}

void proto__free(struct proto *p)
{
	struct proto_conn *pc, *next;

	if (!p)
		return;
	for (pc = conn_of(p->lru.newest); pc; pc = next) {
		next = conn_of(pc->lru.older);
		http1_conn__free(pc->h1);
		http2_conn__free(pc->h2);
		free(pc);
	}
	hashmap_free(&p->conns);
	free(p->items);
	free(p);
}

/* The stage's counts and every parser's, freed or live. */
const struct proto_stats *proto__stats(struct proto *p)
{
	struct proto_stats *s = &p->sum;

	*s = p->stats;
	s->resync_bytes += p->gone.resync_bytes;
	s->http1 = p->gone.http1;
	s->http2 = p->gone.http2;
	for (struct proto_conn *pc = conn_of(p->lru.newest); pc; pc = conn_of(pc->lru.older))
		stats_add_parsers(s, pc);
	return s;
}

/*
 * A connection's state goes (the oldest at the bound, or one whose key
 * another's collides with: they take turns); its memory serves the next.
 */
static void conn_drop(struct proto *p, struct proto_conn *pc)
{
	lru_unlink(&p->lru, &pc->lru);
	hashmap_del(&p->conns, pc->key);
	conn_parsers_free(p, pc);
	p->stats.conns_evicted++;
}

static uint64_t conn_key(uint32_t pid, uint64_t handle)
{
	uint64_t k[2] = { pid, handle };

	return hashset_key(k, sizeof(k));
}

static struct proto_conn *conn_get(struct proto *p, const struct event *ev)
{
	uint64_t key = conn_key(ev->pid, ev->handle);
	struct proto_conn *pc = hashmap_get(&p->conns, key);

	if (pc && pc->pid == ev->pid && pc->handle == ev->handle) {
		lru_unlink(&p->lru, &pc->lru);
		lru_push_newest(&p->lru, &pc->lru);
		return pc;
	}
	if (!pc && p->nr_conns >= PROTO_MAX_CONNS)
		pc = conn_of(p->lru.oldest);
	if (pc) {
		conn_drop(p, pc);
	} else {
		pc = malloc(sizeof(*pc));
		if (!pc)
			return NULL;
		p->nr_conns++;
	}
	*pc = (struct proto_conn){ .key = key, .pid = ev->pid, .handle = ev->handle };
	if (hashmap_put(&p->conns, key, pc)) {
		p->nr_conns--;
		free(pc);
		return NULL;
	}
	lru_push_newest(&p->lru, &pc->lru);
	p->stats.conns++;
	return pc;
}

static void proto_emit(const struct http_item *it, void *arg)
{
	struct proto *p = arg;

	if (p->nr_items == p->cap_items) {
		uint32_t cap = p->cap_items ? p->cap_items * 2 : 16;
		struct http_item *n = realloc(p->items, cap * sizeof(*n));

		if (!n) {
			p->err = -ENOMEM;
			return;
		}
		p->items = n;
		p->cap_items = cap;
	}
	p->items[p->nr_items++] = *it;
	p->stats.items++;
	if (it->kind == HTTP_ITEM_HEAD) {
		p->stats.messages++;
		p->stats.unknown_headers += it->head.nr_unknown;
	}
}

/* What the library negotiated, when the record carries it. */
static enum proto_kind alpn_kind(const struct event *ev)
{
	if (record_alpn_is(ev, "h2"))
		return PROTO_HTTP2;
	if (record_alpn_is(ev, "http/1.1") || record_alpn_is(ev, "http/1.0"))
		return PROTO_HTTP1;
	return PROTO_UNKNOWN;
}

/*
 * The protocol of a connection first met with DATA; MIDSTREAM set when it
 * did not start there. UNKNOWN leaves it to a later record.
 */
static enum proto_kind proto_detect(const struct event *ev, const uint8_t *data, size_t len,
				    bool *midstream)
{
	enum proto_kind alpn = alpn_kind(ev);

	*midstream = false;
	if (http2_is_preface(data, len))
		return PROTO_HTTP2;
	if (alpn != PROTO_HTTP2 && http1_looks_like(data, len))
		return PROTO_HTTP1;
	*midstream = true;
	if (alpn != PROTO_HTTP1 && http2_looks_like(data, len))
		return PROTO_HTTP2;
	return alpn;
}

static int conn_start(struct proto *p, struct proto_conn *pc, enum proto_kind kind,
		      bool midstream)
{
	conn_parsers_free(p, pc);
	if (kind == PROTO_HTTP1) {
		pc->h1 = http1_conn__new(midstream);
		if (!pc->h1)
			return -ENOMEM;
		if (pc->kind != kind)
			p->stats.http1_conns++;
	} else {
		pc->h2 = http2_conn__new(midstream);
		if (!pc->h2)
			return -ENOMEM;
		if (pc->kind != kind)
			p->stats.http2_conns++;
	}
	pc->kind = kind;
	return 0;
}

static enum http_dir record_dir(const struct event *ev)
{
	const struct tls_func_info *fi = tls_func_info(ev->func);

	return fi && fi->dir == DIR_WRITE ? HTTP_DIR_SENT : HTTP_DIR_RECEIVED;
}

/*
 * A record cut at its end (--max-bytes) is parsed as far as it goes, and
 * the parser starts again, mid-stream, at the next one: that is done on
 * the next record, as this one's items still point into the parser's
 * memory. (One with bytes missing inside it is not parsed at all: where
 * the gap is, is unknown.)
 */
static int proto_feed(struct proto *p, struct proto_conn *pc, const struct record *r)
{
	const struct event *ev = r->ev;
	enum http_dir dir = record_dir(ev);
	int err = 0;

	if (pc->kind == PROTO_HTTP1) {
		err = http1_conn__feed(pc->h1, dir, r->data, r->data_len, ev->ts_ns,
				       proto_emit, p);
		/* Plainly not HTTP/1 after all: the stage looks again. */
		if (err == -EPROTO) {
			pc->restart = true;
			pc->kind = PROTO_UNKNOWN;
			err = 0;
		}
	} else {
		err = http2_conn__feed(pc->h2, dir, r->data, r->data_len, ev->ts_ns,
				       proto_emit, p);
	}
	if (r->truncated) {
		pc->restart = true;
		p->stats.gaps++;
	}
	return err;
}

/*
 * The client preface on a connection already followed. A server sends its
 * SETTINGS before it reads the preface, so the preface coming first that
 * way is the same connection, now known from its start: its parser starts
 * afresh. After other bytes that way, the handle was freed and reused for a
 * new connection. (Not on a request line: a read may start inside an
 * HTTP/2 body.)
 */
static int proto_preface(struct proto *p, struct proto_conn *pc, const struct record *r)
{
	enum http_dir dir = record_dir(r->ev);

	if (pc->kind == PROTO_UNKNOWN || !http2_is_preface(r->data, r->data_len))
		return 0;
	if (pc->kind == PROTO_HTTP2 && !pc->carried[dir]) {
		pc->restart = false;
		return conn_start(p, pc, PROTO_HTTP2, false);
	}
	pc->kind = PROTO_UNKNOWN;
	pc->carried[HTTP_DIR_SENT] = pc->carried[HTTP_DIR_RECEIVED] = false;
	return 0;
}

int proto__record(struct proto *p, struct record *r)
{
	struct proto_conn *pc;
	enum proto_kind kind;
	bool midstream;
	int err;

	p->nr_items = 0;
	p->err = 0;
	r->http = NULL;
	r->nr_http = 0;
	if (r->kind != REC_DATA || !r->data_len)
		return 0;
	pc = conn_get(p, r->ev);
	if (!pc)
		return -ENOMEM;
	/* Not parsed: the writers show its bytes as they are. */
	if (r->lost) {
		if (pc->kind != PROTO_UNKNOWN) {
			pc->restart = true;
			p->stats.gaps++;
		}
		return 0;
	}
	err = proto_preface(p, pc, r);
	if (err)
		return err;
	pc->carried[record_dir(r->ev)] = true;
	if (pc->restart || pc->kind == PROTO_UNKNOWN) {
		kind = pc->restart && pc->kind != PROTO_UNKNOWN ? pc->kind : PROTO_UNKNOWN;
		pc->restart = false;
		if (kind == PROTO_UNKNOWN) {
			kind = proto_detect(r->ev, r->data, r->data_len, &midstream);
			if (kind == PROTO_UNKNOWN) {
				conn_parsers_free(p, pc);
				pc->kind = PROTO_UNKNOWN;
				return 0;
			}
		} else {
			midstream = true;
		}
		err = conn_start(p, pc, kind, midstream);
		if (err)
			return err;
	}
	err = proto_feed(p, pc, r);
	if (!err)
		err = p->err;
	r->http = p->items;
	r->nr_http = p->nr_items;
	return err;
}
