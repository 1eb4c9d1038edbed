// SPDX-License-Identifier: GPL-2.0
/*
 * The streams of the pcapng output, one per connection.
 *
 * A connection is (pid, fd), or (pid, TLS handle) when the fd is unknown.
 * Its addresses are the socket's: local = saddr:sport, remote =
 * daddr:dport. A record whose known addresses differ from its stream's
 * (the fd was closed and reused) starts a new stream. When the addresses
 * are not known, a stable made-up pair stands in (docs/sslsniff.8): IPv4
 * 127.X.Y.Z at both ends, X.Y.Z being the low 24 bits of the PID, and
 * ports 49152 + 14 bits each of a hash of the fd or handle, in the
 * dynamic range that no dissector claims.
 *
 * When both ends of a connection are traced (client and server on this
 * host), their streams would share one address pair and Wireshark would
 * mix them up. The connection is one TCP stream, as on the wire: written
 * from the end first seen, while the other end's calls, the same bytes
 * the other way round, are left out (the stream's mirror flag). A second
 * index, by address pair, finds that first end.
 *
 * The table holds at most STREAM_MAX streams; past that, the least
 * recently used one goes. Every stream is on a list in order of use, so
 * that one is its tail, and the chains are doubly linked, so that taking
 * it out of its buckets walks nothing either: a full table costs no more
 * per record than an empty one.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "output/streams.h"

#define STREAM_BUCKETS	4096
#define SYNTH_PORT_BASE	49152

struct streams {
	uint64_t created;		/* streams ever started: varies the ISNs */
	size_t nr;
	struct lru lru;			/* its streams, most recently used first */
	struct stream *buckets[STREAM_BUCKETS];	/* by (pid, fd or handle) */
	struct stream *tuples[STREAM_BUCKETS];	/* by local and remote address */
};

/* splitmix64's finalizer: every input bit moves every output bit. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t stream_hash(uint32_t pid, bool by_handle, uint64_t id)
{
	return mix64(id ^ mix64((uint64_t)pid << 1 | by_handle));
}

static size_t addr_len(uint16_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static bool event_has_addrs(const struct event *ev)
{
	return ev->family == AF_INET || ev->family == AF_INET6;
}

/* False when EV's known addresses say it is another connection than S. */
static bool stream_same_conn(const struct stream *s, const struct event *ev)
{
	const struct tcp_stream *t = &s->tcp;

	if (!event_has_addrs(ev))
		return true;
	return s->real && t->family == ev->family && t->lport == ev->sport &&
	       t->rport == ev->dport && !memcmp(t->laddr, ev->saddr, addr_len(ev->family)) &&
	       !memcmp(t->raddr, ev->daddr, addr_len(ev->family));
}

static uint64_t tuple_hash(uint16_t family, const uint8_t *laddr, uint16_t lport,
			   const uint8_t *raddr, uint16_t rport)
{
	uint64_t h = mix64((uint64_t)family << 32 | (uint32_t)lport << 16 | rport);

	for (size_t i = 0; i < addr_len(family); i += 4) {
		uint32_t a, b;

		memcpy(&a, laddr + i, 4);
		memcpy(&b, raddr + i, 4);
		h = mix64(h ^ ((uint64_t)a << 32 | b));
	}
	return h;
}

/* S's tuple bucket, or (REVERSE) that of its other end. */
static struct stream **tuple_bucket(struct streams *st, const struct stream *s, bool reverse)
{
	const struct tcp_stream *t = &s->tcp;
	uint64_t h = reverse ? tuple_hash(t->family, t->raddr, t->rport, t->laddr, t->lport)
			     : tuple_hash(t->family, t->laddr, t->lport, t->raddr, t->rport);

	return &st->tuples[h % STREAM_BUCKETS];
}

static void tuple_link(struct streams *st, struct stream *s)
{
	struct stream **b = tuple_bucket(st, s, false);

	s->tnext = *b;
	if (*b)
		(*b)->tpprev = &s->tnext;
	*b = s;
	s->tpprev = b;
}

static void tuple_unlink(struct stream *s)
{
	if (s->tpprev) {
		*s->tpprev = s->tnext;
		if (s->tnext)
			s->tnext->tpprev = s->tpprev;
		s->tnext = NULL;
		s->tpprev = NULL;
	}
}

/* A written stream of the same connection seen from its other end. */
static bool tuple_has_mirror(struct streams *st, const struct stream *s)
{
	const struct tcp_stream *t = &s->tcp;
	size_t alen = addr_len(t->family);
	bool found = false;

	for (struct stream *m = *tuple_bucket(st, s, true); m && !found; m = m->tnext) {
		const struct tcp_stream *mt = &m->tcp;

		found = !m->mirror && mt->family == t->family && mt->lport == t->rport &&
			mt->rport == t->lport && !memcmp(mt->laddr, t->raddr, alen) &&
			!memcmp(mt->raddr, t->laddr, alen);
	}
	return found;
}

static struct stream *streams_oldest(struct streams *st)
{
	return lru_entry(st->lru.oldest, struct stream, lru);
}

/* The socket's addresses, or the made-up pair of the file comment; H is the stream's hash. */
static void stream_set_addrs(struct stream *s, const struct event *ev, uint64_t h)
{
	struct tcp_stream *t = &s->tcp;

	memset(t->laddr, 0, sizeof(t->laddr));
	memset(t->raddr, 0, sizeof(t->raddr));
	s->real = event_has_addrs(ev);
	if (s->real) {
		t->family = ev->family;
		memcpy(t->laddr, ev->saddr, addr_len(t->family));
		memcpy(t->raddr, ev->daddr, addr_len(t->family));
		t->lport = ev->sport;
		t->rport = ev->dport;
	} else {
		t->family = AF_INET;
		t->laddr[0] = 127;
		t->laddr[1] = s->pid >> 16;
		t->laddr[2] = s->pid >> 8;
		t->laddr[3] = s->pid;
		memcpy(t->raddr, t->laddr, 4);
		t->lport = SYNTH_PORT_BASE + (h & 0x3fff);
		t->rport = SYNTH_PORT_BASE + ((h >> 14) & 0x3fff);
		if (t->rport == t->lport)
			t->rport ^= 1;
	}
}

static void stream_start(struct streams *st, struct stream *s, const struct event *ev, uint64_t h)
{
	/* Distinct ISNs keep a reused address pair apart in Wireshark. */
	uint64_t isn = mix64(h ^ ++st->created);

	tuple_unlink(s);
	stream_set_addrs(s, ev, h);
	s->mirror = s->real && tuple_has_mirror(st, s);
	if (s->real)
		tuple_link(st, s);
	s->tcp.lseq = isn;
	s->tcp.rseq = isn >> 32;
	s->tcp.ip_id = 0;
}

static void stream_free(struct streams *st, struct stream *s)
{
	*s->pprev = s->next;
	if (s->next)
		s->next->pprev = s->pprev;
	tuple_unlink(s);
	lru_unlink(&st->lru, &s->lru);
	free(s);
	st->nr--;
}

struct streams *streams__new(void)
{
	return calloc(1, sizeof(struct streams));
}

void streams__free(struct streams *st)
{
	if (!st)
		return;
	while (st->lru.oldest)
		stream_free(st, streams_oldest(st));
	free(st);
}

struct stream *streams__get(struct streams *st, const struct event *ev, bool *fresh)
{
	bool by_handle = ev->fd < 0;
	uint64_t id = by_handle ? ev->handle : (uint64_t)ev->fd;
	uint64_t h = stream_hash(ev->pid, by_handle, id);
	struct stream **b = &st->buckets[h % STREAM_BUCKETS];
	struct stream *s;

	for (s = *b; s; s = s->next) {
		if (s->pid == ev->pid && s->by_handle == by_handle && s->id == id)
			break;
	}
	*fresh = !s || !stream_same_conn(s, ev);
	if (s) {
		lru_unlink(&st->lru, &s->lru);
	} else {
		if (st->nr >= STREAM_MAX)
			stream_free(st, streams_oldest(st));
		s = calloc(1, sizeof(*s));
		if (!s)
			goto out;
		s->pid = ev->pid;
		s->by_handle = by_handle;
		s->id = id;
		s->next = *b;
		if (*b)
			(*b)->pprev = &s->next;
		*b = s;
		s->pprev = b;
		st->nr++;
	}
	lru_push_newest(&st->lru, &s->lru);
	if (*fresh)
		stream_start(st, s, ev, h);
out:
	return s;
}
