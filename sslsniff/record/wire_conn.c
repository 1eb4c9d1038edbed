// SPDX-License-Identifier: GPL-2.0
/*
 * -i: the packets' TCP flows, read as TLS, decrypted with the keys of the
 * traced handshakes, as records of the processes that made them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include "lib/clock.h"
#include "lib/hashset.h"
#include "lib/log.h"
#include "lib/lru.h"
#include "record/record.h"
#include "record/wire_conn.h"
#include "source/tcp_reasm.h"
#include "source/tls_wire.h"
#include "tls_funcs.h"
#include "lib/sock_owner.h"

#define KEYS_WAITING_MAX	16384
#define ENDS_MAX		2
#define KEYS_HOLD_NS		(100 * 1000000ULL)
/* Keys no flow claimed in this long are of a connection the interface
 * does not carry (another interface's, a process in another network
 * namespace): forgotten, counted. */
#define KEYS_UNCLAIMED_NS	(60 * 1000000000ULL)
/* Longer than a few retransmission timeouts: under loss a handshake is
 * slow, and probing a process's calls is the costly way to its keys. */
#define UNKEYED_WAIT_NS		(2000 * 1000000ULL)
/*
 * A flow that ends holding records for want of keys stays this long for
 * them: a connection shorter than a block of packets ends in the same
 * drain whose packets the keys, read from the ring just before, missed.
 */
#define LATE_KEYS_NS		(500 * 1000000ULL)
/* Per-call capture numbers its calls from 0 up with the CPU in the low
 * bits: the wire's records count in the top half, apart from them. */
#define WIRE_CALL_ID_BASE	(1ULL << 63)

/* A traced end of a connection: who made the handshake, and its socket. */
struct wire_end {
	int local;		/* the tuple's end that is its socket, -1 not yet known */
	struct event hdr;	/* its EV_SECRETS header (last: its data[] is not kept) */
};

/* A handshake's keys, until a flow's ClientHello claims them. */
struct wire_keys {
	uint64_t key;		/* of the client random */
	struct tls_keys keys;
	struct wire_end ends[ENDS_MAX];
	int nr_ends;
	uint64_t since;		/* CLOCK_MONOTONIC: when the first came */
	struct lru_node age;
};

struct wire_flow {
	struct wire_conns *w;
	struct packet_tuple tuple;
	struct tls_wire *tls;
	bool keyed;		/* its keys came */
	bool hello;		/* a ClientHello named its random */
	struct wire_end ends[ENDS_MAX];
	int nr_ends;
	/* The keys wait here for the other end's handshake, if it is traced,
	 * so that both ends get every record: until both came, or KEYS_HOLD_NS. */
	struct tls_keys keys;
	uint64_t keys_since;	/* CLOCK_MONOTONIC; 0: none waiting */
	struct lru_node pending;
	/* A ClientHello and no keys yet: when it came, in the unkeyed list. */
	uint64_t hello_ns;
	bool in_unkeyed;
	struct lru_node unkeyed;
	/* Ended, kept for LATE_KEYS_NS in the closing list for its keys. */
	uint64_t closed_ns;	/* 0: live */
	struct lru_node closing;
};

struct wire_conns {
	record_fn fn;
	wire_unkeyed_fn unkeyed_fn;
	void *ctx;
	struct tcp_reasm *reasm;
	struct hashmap waiting;		/* client random → struct wire_keys */
	struct lru waiting_age;
	size_t nr_waiting;
	struct hashmap hello_flows;	/* client random → struct wire_flow */
	struct lru pending;		/* flows whose keys wait for their other end */
	struct lru unkeyed;		/* flows with a ClientHello and no keys, oldest first */
	struct lru closing;		/* ended flows still waiting for their keys */
	uint64_t next_call;
	int64_t mono_from_real;		/* CLOCK_MONOTONIC - CLOCK_REALTIME */
	int err;			/* a writer's, from inside a callback */
	struct wire_stats stats;
	struct wire_stats closed;	/* the TLS counts of flows that ended */
};

static uint64_t random_key(const uint8_t random[TLS_RANDOM_LEN])
{
	return hashset_key(random, TLS_RANDOM_LEN);
}

/*
 * A handshake that named no socket (Go's key log): its end by the sockets
 * its process holds, that one if it is still open (the packets come up to
 * a block later than the keys), else by its role: the server's end if the
 * process listens on that end's port, else the client's. Costly (/proc),
 * so only then.
 */
static int end_of_process(const struct packet_tuple *t, struct tls_wire *tls, pid_t pid)
{
	int client = tls_wire__client_end(tls);

	for (int e = 0; e < 2; e++) {
		if (sock_owned_by(pid, t->family, t->addr[e], t->port[e], t->addr[!e], t->port[!e]))
			return e;
	}
	if (client < 0)
		return -1;
	return sock_listens(pid, t->family, t->port[!client]) ? !client : client;
}

/* Which of F's ends is HDR's socket (its local address and port), or -1. */
static int end_local(struct wire_flow *f, const struct event *hdr)
{
	const struct packet_tuple *t = &f->tuple;
	size_t alen = t->family == AF_INET ? 4 : 16;

	if (!hdr->family)
		return end_of_process(t, f->tls, hdr->pid);
	if (hdr->family != t->family)
		return -1;
	for (int e = 0; e < 2; e++) {
		if (t->port[e] == hdr->sport && t->port[!e] == hdr->dport &&
		    !memcmp(t->addr[e], hdr->saddr, alen) && !memcmp(t->addr[!e], hdr->daddr, alen))
			return e;
	}
	return -1;
}

/* The per-call function the wire's records show, by the library of the
 * function that sent the keys (a handshake, or a call after a fallback). */
static uint8_t wire_func(const struct event *hdr, bool write)
{
	const struct tls_func_info *fi = tls_func_info(hdr->func);

	switch (fi ? fi->lib : LIB_OPENSSL) {
	case LIB_GNUTLS:
		return write ? FUNC_GNUTLS_RECORD_SEND : FUNC_GNUTLS_RECORD_RECV;
	case LIB_GO:
		return write ? FUNC_GO_TLS_WRITE : FUNC_GO_TLS_READ;
	case LIB_NSS:
		return write ? FUNC_PR_WRITE : FUNC_PR_READ;
	default:
		return write ? FUNC_SSL_WRITE : FUNC_SSL_READ;
	}
}

/* One end's record of N plaintext bytes that SENDER sent. */
static int wire_emit(struct wire_flow *f, const struct wire_end *e, int sender, const uint8_t *data,
		     size_t n, uint64_t ts_ns)
{
	struct wire_conns *w = f->w;
	struct event hdr = e->hdr;
	struct record r = { .kind = REC_DATA, .ev = &hdr, .data = data, .data_len = n };

	if (!w->fn)
		return 0;	/* being freed: the writers are gone */
	hdr.call_id = WIRE_CALL_ID_BASE | w->next_call++;
	hdr.ts_ns = ts_ns + w->mono_from_real;
	hdr.latency_ns = 0;
	hdr.kind = EV_DATA;
	hdr.func = wire_func(&e->hdr, e->local == sender);
	hdr.flags = CHUNK_LAST;
	hdr.len = hdr.cap_len = hdr.chunk_len = hdr.ret = n;
	hdr.offset = hdr.lost = 0;
	/* The connection as the packets name it, from this end's side (Go's
	 * key log names none). */
	hdr.family = f->tuple.family;
	memcpy(hdr.saddr, f->tuple.addr[e->local], sizeof(hdr.saddr));
	memcpy(hdr.daddr, f->tuple.addr[!e->local], sizeof(hdr.daddr));
	hdr.sport = f->tuple.port[e->local];
	hdr.dport = f->tuple.port[!e->local];
	hdr.tls_version = tls_wire__version(f->tls);
	hdr.cipher_id = tls_wire__cipher(f->tls);
	hdr.cipher[0] = '\0';	/* the library's name is not on the wire: IANA's then */
	return w->fn(&r, w->ctx);
}

static void on_plaintext(void *ctx, int end, const uint8_t *data, size_t len, uint64_t ts_ns)
{
	struct wire_flow *f = ctx;
	struct wire_conns *w = f->w;

	for (int i = 0; i < f->nr_ends && !w->err; i++) {
		if (f->ends[i].local < 0)
			continue;
		w->err = wire_emit(f, &f->ends[i], end, data, len, ts_ns);
	}
}

static bool same_end(const struct event *a, const struct event *b);

/*
 * A handshake that named no socket (Go's key log) and whose process holds
 * neither end (it has exited since) is the end the other one is not, once
 * the other is known.
 */
static void flow_resolve_ends(struct wire_flow *f)
{
	if (f->nr_ends != 2 || (f->ends[0].local < 0) == (f->ends[1].local < 0))
		return;
	for (int i = 0; i < 2; i++) {
		if (f->ends[i].local < 0 && !f->ends[i].hdr.family)
			f->ends[i].local = !f->ends[!i].local;
	}
}

/* END (from a handshake), whose socket is F's end LOCAL (-1: not known
 * yet), joins F unless it is there. */
static void flow_add_end(struct wire_flow *f, const struct wire_end *end, int local)
{
	struct wire_end e = *end;

	for (int i = 0; i < f->nr_ends; i++) {
		if (same_end(&f->ends[i].hdr, &end->hdr)) {
			if (f->ends[i].local < 0)
				f->ends[i].local = local;
			flow_resolve_ends(f);
			return;
		}
		if (local >= 0 && f->ends[i].local == local)
			return;
	}
	if (f->keyed && local >= 0)
		f->w->stats.late_ends++;	/* what went before is its peer's only */
	e.local = local;
	if (f->nr_ends < ENDS_MAX)
		f->ends[f->nr_ends++] = e;
	flow_resolve_ends(f);
}

/* ENDS join F. */
static void flow_add_ends(struct wire_flow *f, const struct wire_end *ends, int nr_ends)
{
	for (int i = 0; i < nr_ends; i++)
		flow_add_end(f, &ends[i], end_local(f, &ends[i].hdr));
}

static void flow_keyed(struct wire_flow *f)
{
	if (f->in_unkeyed)
		lru_unlink(&f->w->unkeyed, &f->unkeyed);
	f->in_unkeyed = false;
}

static void flow_finish(struct wire_conns *w, struct wire_flow *f);

/* The keys to the decryptor: what it holds goes out now, to every end. */
static void flow_apply_keys(struct wire_flow *f)
{
	struct wire_conns *w = f->w;

	if (f->keys_since)
		lru_unlink(&w->pending, &f->pending);
	f->keys_since = 0;
	if (!f->keyed)
		w->stats.keyed_conns++;
	f->keyed = true;
	if (tls_wire__set_keys(f->tls, &f->keys) && !w->err)
		w->err = -ENOMEM;
	if (f->closed_ns)
		flow_finish(w, f);	/* it ended waiting for these */
}

static void keys_merge(struct tls_keys *to, const struct tls_keys *k)
{
	memcpy(to->client_random, k->client_random, TLS_RANDOM_LEN);
	for (int i = 0; i < TLS_KEY__MAX; i++) {
		if (k->secret_len[i]) {
			memcpy(to->secret[i], k->secret[i], k->secret_len[i]);
			to->secret_len[i] = k->secret_len[i];
		}
	}
}

static void flow_set_keys(struct wire_flow *f, const struct tls_keys *keys,
			  const struct wire_end *ends, int nr_ends)
{
	flow_add_ends(f, ends, nr_ends);
	flow_keyed(f);
	keys_merge(&f->keys, keys);
	if (f->keyed || (f->nr_ends == ENDS_MAX && f->ends[0].local >= 0 && f->ends[1].local >= 0)) {
		flow_apply_keys(f);
	} else if (!f->keys_since) {
		f->keys_since = clock_ns(CLOCK_MONOTONIC);
		lru_push_newest(&f->w->pending, &f->pending);
	}
}

static void keys_forget(struct wire_conns *w, struct wire_keys *k)
{
	hashmap_del(&w->waiting, k->key);
	lru_unlink(&w->waiting_age, &k->age);
	w->nr_waiting--;
	free(k);
}

/* A ClientHello: its keys may have come already (the handshake's end is
 * often read before its packets). */
static void on_client_hello(void *ctx, const uint8_t random[TLS_RANDOM_LEN])
{
	struct wire_flow *f = ctx;
	struct wire_conns *w = f->w;
	uint64_t key = random_key(random);
	struct wire_keys *k = hashmap_get(&w->waiting, key);

	if (f->hello)
		return;		/* after a HelloRetryRequest: the same random */
	f->hello = true;
	w->stats.tls_conns++;
	/* Claimable by the random until the flow ends: the other end's keys
	 * may come later. */
	if (hashmap_put(&w->hello_flows, key, f) && !w->err)
		w->err = -ENOMEM;
	if (k && !memcmp(k->keys.client_random, random, TLS_RANDOM_LEN)) {
		flow_set_keys(f, &k->keys, k->ends, k->nr_ends);
		keys_forget(w, k);
		return;
	}
	f->hello_ns = clock_ns(CLOCK_MONOTONIC);
	f->in_unkeyed = true;
	lru_push_newest(&w->unkeyed, &f->unkeyed);
}

static const struct tls_wire_ops wire_tls_ops = {
	.plaintext = on_plaintext,
	.client_hello = on_client_hello,
};

static void *flow_open(void *ctx, const struct packet_tuple *t, bool syn_seen, uint64_t ts_ns)
{
	struct wire_conns *w = ctx;
	struct wire_flow *f = calloc(1, sizeof(*f));

	(void)ts_ns;
	if (!f)
		return NULL;
	f->w = w;
	f->tuple = *t;
	f->tls = tls_wire__new(&wire_tls_ops, f);
	if (!f->tls) {
		free(f);
		return NULL;
	}
	w->stats.flows++;
	if (!syn_seen)
		w->stats.midstream_conns++;
	return f;
}

static void flow_data(void *ctx, void *flow, int end, const uint8_t *data, size_t len,
		      uint64_t ts_ns)
{
	struct wire_conns *w = ctx;
	struct wire_flow *f = flow;

	if (tls_wire__feed(f->tls, end, data, len, ts_ns) && !w->err)
		w->err = -ENOMEM;
}

static void flow_gap(void *ctx, void *flow, int end, uint64_t len)
{
	struct wire_conns *w = ctx;
	struct wire_flow *f = flow;

	/* Counted here: the flows' last gaps come as the reassembly is freed. */
	w->stats.tcp_gap_bytes += len;
	tls_wire__gap(f->tls, end, len);
}

static void stats_add_tls(struct wire_stats *to, const struct tls_wire_stats *s)
{
	to->records += s->records;
	to->records_decrypted += s->records_decrypted;
	to->records_failed += s->records_failed;
	to->records_unkeyed += s->records_unkeyed;
	to->bytes_tls += s->bytes_tls;
	to->bytes_plain += s->bytes_plain;
	to->bytes_lost += s->bytes_lost;
}

/* A flow ends: its counts kept; one TLS with data whose keys never came is counted. */
static void flow_finish(struct wire_conns *w, struct wire_flow *f)
{
	const struct tls_wire_stats *s = tls_wire__stats(f->tls);
	const uint8_t *random = tls_wire__client_random(f->tls);

	if (f->closed_ns)
		lru_unlink(&w->closing, &f->closing);
	f->closed_ns = 0;
	if (f->keys_since)
		flow_apply_keys(f);	/* the other end never came */
	flow_keyed(f);			/* out of the unkeyed list */
	for (int i = 0; i < f->nr_ends; i++)
		w->stats.unplaced_ends += f->ends[i].local < 0;
	tls_wire__close(f->tls);	/* what still waits for keys is counted */
	if (!f->keyed && tls_wire__is_tls(f->tls) && (s->records_unkeyed || s->held_bytes)) {
		w->stats.unkeyed_conns++;
		w->stats.unkeyed_bytes += s->bytes_tls;
	}
	stats_add_tls(&w->closed, s);
	if (random && hashmap_get(&w->hello_flows, random_key(random)) == f)
		hashmap_del(&w->hello_flows, random_key(random));
	tls_wire__free(f->tls);
	free(f);
}

static void flow_close(void *ctx, void *flow, enum tcp_close_reason why)
{
	struct wire_conns *w = ctx;
	struct wire_flow *f = flow;

	(void)why;
	if (!f->keyed && f->hello && tls_wire__stats(f->tls)->held_bytes) {
		f->closed_ns = clock_ns(CLOCK_MONOTONIC);
		lru_push_newest(&w->closing, &f->closing);
		return;
	}
	flow_finish(w, f);
}

static const struct tcp_reasm_ops wire_tcp_ops = {
	.open = flow_open,
	.data = flow_data,
	.gap = flow_gap,
	.close = flow_close,
};

struct wire_conns *wire_conns__new(record_fn fn, wire_unkeyed_fn unkeyed, void *ctx)
{
	struct wire_conns *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->fn = fn;
	w->unkeyed_fn = unkeyed;
	w->ctx = ctx;
	w->mono_from_real = clock_ns(CLOCK_MONOTONIC) - clock_ns(CLOCK_REALTIME);
	w->reasm = tcp_reasm__new(&wire_tcp_ops, w);
	if (!w->reasm) {
		free(w);
		return NULL;
	}
	return w;
}

void wire_conns__free(struct wire_conns *w)
{
	if (!w)
		return;
	/* Not finished (an error stopped the capture): the flows end unheard. */
	w->fn = NULL;
	w->unkeyed_fn = NULL;
	if (w->reasm)
		wire_conns__finish(w);
	while (w->waiting_age.oldest)
		keys_forget(w, lru_entry(w->waiting_age.oldest, struct wire_keys, age));
	hashmap_free(&w->waiting);
	hashmap_free(&w->hello_flows);
	free(w);
}

/* The key log lines of one REC_SECRETS record into K. */
static bool keys_parse(struct tls_keys *k, const struct record *r)
{
	const char *p = (const char *)r->data, *end = p + r->data_len;
	bool any = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		uint8_t random[TLS_RANDOM_LEN], secret[TLS_SECRET_MAX];
		enum tls_secret_label label;
		size_t slen;

		if (!tls_keylog_parse(p, len, &label, random, secret, &slen) &&
		    (!any || !memcmp(k->client_random, random, TLS_RANDOM_LEN))) {
			memcpy(k->client_random, random, TLS_RANDOM_LEN);
			memcpy(k->secret[label], secret, slen);
			k->secret_len[label] = slen;
			any = true;
		}
		p += len + 1;
	}
	return any;
}

/* Whether A and B are the same end's handshake: its process, handle and socket. */
static bool same_end(const struct event *a, const struct event *b)
{
	return a->pid == b->pid && a->handle == b->handle && a->family == b->family &&
	       a->sport == b->sport && !memcmp(a->saddr, b->saddr, sizeof(a->saddr));
}

/* Keys no flow has claimed yet wait, the oldest forgotten first. */
static int keys_wait(struct wire_conns *w, const struct tls_keys *keys, const struct wire_end *e)
{
	uint64_t key = random_key(keys->client_random);
	struct wire_keys *k = hashmap_get(&w->waiting, key);

	if (k && memcmp(k->keys.client_random, keys->client_random, TLS_RANDOM_LEN)) {
		keys_forget(w, k);	/* another connection's: the hash is all it shares */
		k = NULL;
	}
	if (!k) {
		if (w->nr_waiting == KEYS_WAITING_MAX) {
			keys_forget(w, lru_entry(w->waiting_age.oldest, struct wire_keys, age));
			w->stats.keys_unmatched++;
		}
		k = calloc(1, sizeof(*k));
		if (!k || hashmap_put(&w->waiting, key, k)) {
			free(k);
			return -ENOMEM;
		}
		k->key = key;
		k->since = clock_ns(CLOCK_MONOTONIC);
		lru_push_newest(&w->waiting_age, &k->age);
		w->nr_waiting++;
	}
	keys_merge(&k->keys, keys);
	for (int i = 0; i < k->nr_ends; i++) {
		if (same_end(&k->ends[i].hdr, &e->hdr))
			return 0;	/* another line of the same handshake (Go's) */
	}
	if (k->nr_ends < ENDS_MAX)
		k->ends[k->nr_ends++] = *e;
	return 0;
}

int wire_conns__record(struct wire_conns *w, const struct record *r)
{
	struct wire_keys one = { .nr_ends = 1 };
	struct wire_flow *f;
	int err;

	if (r->kind != REC_SECRETS || !r->ev || !keys_parse(&one.keys, r))
		return 0;
	one.ends[0].hdr = *r->ev;
	one.ends[0].local = -1;
	f = hashmap_get(&w->hello_flows, random_key(one.keys.client_random));
	if (f && !memcmp(tls_wire__client_random(f->tls), one.keys.client_random, TLS_RANDOM_LEN)) {
		flow_set_keys(f, &one.keys, one.ends, 1);
	} else {
		err = keys_wait(w, &one.keys, &one.ends[0]);
		if (err)
			return err;
	}
	err = w->err;
	w->err = 0;
	return err;
}

int wire_conns__packet(struct wire_conns *w, const struct packet *p)
{
	int err = tcp_reasm__packet(w->reasm, p);

	if (!err)
		err = w->err;
	w->err = 0;
	return err;
}

/* The reassembly's counts, while it is there (wire_conns__finish() frees it). */
static void wire_take_tcp_stats(struct wire_conns *w)
{
	const struct tcp_reasm_stats *t;

	if (!w->reasm)
		return;
	t = tcp_reasm__stats(w->reasm);
	w->stats.tcp_duplicate_bytes = t->bytes_duplicate;
	w->stats.flows_evicted = t->flows_evicted;
}

/* Keys that waited long enough for a second end go to their flow. */
static void wire_apply_held(struct wire_conns *w, bool all)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	while (w->pending.oldest && !w->err) {
		struct wire_flow *f = lru_entry(w->pending.oldest, struct wire_flow, pending);

		if (!all && f->keys_since + KEYS_HOLD_NS > now)
			break;
		flow_apply_keys(f);
	}
}

/* Keys that waited longer than KEYS_UNCLAIMED_NS for their flow. */
static void wire_forget_unclaimed(struct wire_conns *w)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	while (w->waiting_age.oldest) {
		struct wire_keys *k = lru_entry(w->waiting_age.oldest, struct wire_keys, age);

		if (k->since + KEYS_UNCLAIMED_NS > now)
			break;
		keys_forget(w, k);
		w->stats.keys_unmatched++;
	}
}

/* Flows without keys UNKEYED_WAIT_NS after their hello: said once each. */
static void wire_ask_unkeyed(struct wire_conns *w)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	while (w->unkeyed.oldest) {
		struct wire_flow *f = lru_entry(w->unkeyed.oldest, struct wire_flow, unkeyed);

		if (f->hello_ns + UNKEYED_WAIT_NS > now)
			break;
		flow_keyed(f);	/* asked: out of the list */
		w->stats.fallback_conns++;
		if (w->unkeyed_fn)
			w->unkeyed_fn(w->ctx, &f->tuple);
	}
}

/* Ended flows whose keys did not come in time (ALL: every one). */
static void wire_finish_closed(struct wire_conns *w, bool all)
{
	uint64_t now = clock_ns(CLOCK_MONOTONIC);

	while (w->closing.oldest) {
		struct wire_flow *f = lru_entry(w->closing.oldest, struct wire_flow, closing);

		if (!all && f->closed_ns + LATE_KEYS_NS > now)
			break;
		flow_finish(w, f);
	}
}

int wire_conns__expire(struct wire_conns *w)
{
	int err;

	wire_apply_held(w, false);
	wire_finish_closed(w, false);
	wire_ask_unkeyed(w);
	wire_forget_unclaimed(w);
	tcp_reasm__expire(w->reasm, clock_ns(CLOCK_REALTIME));
	err = w->err;
	w->err = 0;
	return err;
}

int wire_conns__finish(struct wire_conns *w)
{
	int err;

	wire_apply_held(w, true);
	/* Every flow ends: what their streams held is delivered or a gap. */
	wire_take_tcp_stats(w);
	tcp_reasm__free(w->reasm);
	w->reasm = NULL;
	wire_finish_closed(w, true);
	w->stats.keys_unmatched += w->nr_waiting;
	err = w->err;
	w->err = 0;
	return err;
}

const struct wire_stats *wire_conns__stats(struct wire_conns *w)
{
	struct wire_stats *s = &w->stats;

	wire_take_tcp_stats(w);

	s->records = w->closed.records;
	s->records_decrypted = w->closed.records_decrypted;
	s->records_failed = w->closed.records_failed;
	s->records_unkeyed = w->closed.records_unkeyed;
	s->bytes_tls = w->closed.bytes_tls;
	s->bytes_plain = w->closed.bytes_plain;
	s->bytes_lost = w->closed.bytes_lost;
	return s;
}
