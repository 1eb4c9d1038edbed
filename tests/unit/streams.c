// SPDX-License-Identifier: GPL-2.0
/*
 * The pcapng writer's stream table: one stream per connection, a new one
 * when the addresses change, the made-up pair, the mirror rule, and
 * eviction of exactly the least recently used streams.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "output/streams.h"
#include "unit.h"

/* A record of (PID, FD), or of (PID, HANDLE) when FD is -1, addresses unknown. */
static struct event conn(uint32_t pid, int fd, uint64_t handle)
{
	struct event ev;

	memset(&ev, 0, sizeof(ev));
	ev.pid = pid;
	ev.tid = pid;
	ev.fd = fd;
	ev.handle = handle;
	return ev;
}

/* EV's addresses: IPv4 LA:LP to RA:RP (host order). */
static struct event *v4(struct event *ev, uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp)
{
	uint32_t l = htonl(la), r = htonl(ra);

	ev->family = AF_INET;
	memset(ev->saddr, 0, sizeof(ev->saddr));
	memset(ev->daddr, 0, sizeof(ev->daddr));
	memcpy(ev->saddr, &l, 4);
	memcpy(ev->daddr, &r, 4);
	ev->sport = lp;
	ev->dport = rp;
	return ev;
}

/* The same connection seen from its other end. */
static struct event reversed(const struct event *ev, uint32_t pid, int fd)
{
	struct event r = conn(pid, fd, 0);

	r.family = ev->family;
	memcpy(r.saddr, ev->daddr, sizeof(r.saddr));
	memcpy(r.daddr, ev->saddr, sizeof(r.daddr));
	r.sport = ev->dport;
	r.dport = ev->sport;
	return r;
}

/* streams__get() that must succeed; *FRESH as it says. */
static struct stream *get(struct streams *t, const struct event *ev, bool *fresh)
{
	struct stream *s = streams__get(t, ev, fresh);

	CHECK(s != NULL);
	if (!s) {
		fprintf(stdout, "streams__get: %s\n", strerror(errno));
		exit(1);
	}
	return s;
}

static bool is_fresh(struct streams *t, const struct event *ev)
{
	bool fresh;

	get(t, ev, &fresh);
	return fresh;
}

static void check_identity(void)
{
	struct streams *t = streams__new();
	struct event a = conn(100, 5, 0xaa), h = conn(100, -1, 0xaa), other = conn(101, 5, 0xaa);
	struct stream *s, *s2;
	uint32_t lseq, rseq;
	bool fresh;

	CHECK(t != NULL);
	s = get(t, &a, &fresh);
	CHECK(fresh && !s->mirror);
	lseq = s->tcp.lseq;
	rseq = s->tcp.rseq;
	s->tcp.lseq += 10;	/* what the writer does with it stays */
	CHECK(get(t, &a, &fresh) == s && !fresh && s->tcp.lseq == lseq + 10 && s->tcp.rseq == rseq);
	/* The handle is another key than the fd; another pid another connection. */
	s2 = get(t, &h, &fresh);
	CHECK(fresh && s2 != s);
	CHECK(get(t, &h, &fresh) == s2 && !fresh);
	CHECK(get(t, &other, &fresh) != s && fresh);
	CHECK(get(t, &a, &fresh) == s && !fresh);

	/* The made-up pair: 127.X.Y.Z of the pid's low 24 bits, dynamic ports. */
	a = conn(0x7f123456, 9, 0);
	s = get(t, &a, &fresh);
	CHECK(fresh && s->tcp.family == AF_INET);
	CHECK(!memcmp(s->tcp.laddr, "\x7f\x12\x34\x56", 4));
	CHECK(!memcmp(s->tcp.raddr, s->tcp.laddr, 4));
	CHECK(s->tcp.lport >= 49152 && s->tcp.lport < 49152 + 16384);
	CHECK(s->tcp.rport >= 49152 && s->tcp.rport < 49152 + 16384);
	CHECK(s->tcp.lport != s->tcp.rport);
	streams__free(t);
}

static void check_addresses(void)
{
	struct streams *t = streams__new(), *t2 = streams__new();
	struct event a = conn(200, 7, 0), none = conn(200, 7, 0);
	struct stream *s;
	uint32_t lseq, rseq;
	bool fresh;

	CHECK(t != NULL && t2 != NULL);
	v4(&a, 0x0a000001, 40000, 0x0a000002, 443);
	s = get(t, &a, &fresh);
	CHECK(fresh && s->tcp.family == AF_INET && s->tcp.lport == 40000 && s->tcp.rport == 443);
	CHECK(!memcmp(s->tcp.laddr, "\x0a\0\0\x01", 4) && !memcmp(s->tcp.raddr, "\x0a\0\0\x02", 4));
	lseq = s->tcp.lseq;
	rseq = s->tcp.rseq;
	/* The same records give the same ISNs. */
	CHECK(get(t2, &a, &fresh)->tcp.lseq == lseq && fresh);
	CHECK(get(t, &a, &fresh) == s && !fresh);
	/* A record that does not know its addresses is still the connection's. */
	CHECK(get(t, &none, &fresh) == s && !fresh && s->tcp.lport == 40000);
	/* The fd reused for another connection: a new stream, new ISNs. */
	v4(&a, 0x0a000001, 40001, 0x0a000002, 443);
	CHECK(is_fresh(t, &a));
	CHECK(s->tcp.lport == 40001 && (s->tcp.lseq != lseq || s->tcp.rseq != rseq));
	CHECK(!is_fresh(t, &a));
	v4(&a, 0x0a000001, 40001, 0x0a000003, 443);
	CHECK(is_fresh(t, &a) && s->tcp.raddr[3] == 3);
	/* IPv6, the same ports and low bytes: another connection again. */
	a.family = AF_INET6;
	CHECK(is_fresh(t, &a) && s->tcp.family == AF_INET6 && !is_fresh(t, &a));
	/* Made up first, then the real addresses: those start the stream again. */
	none = conn(201, 3, 0);
	CHECK(is_fresh(t, &none) && !is_fresh(t, &none));
	a = none;
	v4(&a, 0x0a000001, 1, 0x0a000002, 2);
	CHECK(is_fresh(t, &a) && !is_fresh(t, &a) && !is_fresh(t, &none));
	streams__free(t);
	streams__free(t2);
}

/* Both ends traced: the connection is written from the end first seen. */
static void check_mirror(void)
{
	struct streams *t = streams__new(), *t2 = streams__new();
	struct event a = conn(300, 3, 0), b, c, e, old;
	struct stream *sa, *sb, *s;
	bool fresh;

	CHECK(t != NULL && t2 != NULL);
	v4(&a, 0x7f000001, 50000, 0x7f000001, 443);
	sa = get(t, &a, &fresh);
	CHECK(fresh && !sa->mirror);
	b = reversed(&a, 301, 4);
	sb = get(t, &b, &fresh);
	CHECK(fresh && sb->mirror);
	CHECK(get(t, &b, &fresh) == sb && !fresh && sb->mirror);
	/* A's fd now another connection: its old pair has no written end left. */
	old = a;
	v4(&a, 0x7f000001, 50001, 0x7f000001, 443);
	CHECK(is_fresh(t, &a) && !sa->mirror);
	e = reversed(&old, 302, 6);
	CHECK(!get(t, &e, &fresh)->mirror && fresh);
	/* B stays left out: the stream it mirrored was written. */
	CHECK(get(t, &b, &fresh) == sb && !fresh && sb->mirror);
	/* A second other end of A is a mirror too. */
	e = reversed(&a, 303, 4);
	CHECK(get(t, &e, &fresh)->mirror && fresh);
	/* Another stream of A's direction, whose other ends are all mirrors: written. */
	c = a;
	c.pid = 304;
	CHECK(!get(t, &c, &fresh)->mirror && fresh);
	/* IPv6 the same way. */
	e = conn(305, 5, 0);
	e.family = AF_INET6;
	memcpy(e.saddr, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memcpy(e.daddr, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	e.sport = 1234;
	e.dport = 8443;
	CHECK(!get(t, &e, &fresh)->mirror);
	e = reversed(&e, 306, 5);
	CHECK(get(t, &e, &fresh)->mirror);
	/* The made-up pair of (307, 5), as another table makes it too ... */
	e = conn(307, 5, 0);
	s = get(t2, &e, &fresh);
	/* ... written first from its other end, with real addresses ... */
	c = conn(308, 5, 0);
	c.family = AF_INET;
	memcpy(c.saddr, s->tcp.raddr, 4);
	memcpy(c.daddr, s->tcp.laddr, 4);
	c.sport = s->tcp.rport;
	c.dport = s->tcp.lport;
	CHECK(!get(t, &c, &fresh)->mirror);
	/* ... is still no connection's other end. */
	s = get(t, &e, &fresh);
	CHECK(fresh && !s->mirror && s->tcp.lport == c.dport && s->tcp.rport == c.sport);
	streams__free(t);
	streams__free(t2);
}

#define FILL		(STREAM_MAX - 2)
#define TOUCH_BELOW	32768
#define NEW		40000
#define LATER		(2 * STREAM_MAX)

/* Fill streams, their addresses all distinct, so that the address index holds them all. */
static struct event fill(uint32_t i)
{
	struct event ev = conn(7, i, 0);

	return *v4(&ev, 0x0a000000 | i, 1024 + i % 50000, 0xc0a80001, 443);
}

static bool touched(uint32_t i)
{
	return i < TOUCH_BELOW && i % 16 == 0;
}

static struct stream *fill_s[FILL], *new_s[NEW];

/*
 * Past STREAM_MAX, exactly the least recently used streams go. Nothing is
 * timed, but a table that scanned its streams for the oldest would be
 * plain to see: streams are evicted some 210,000 times here, each from a
 * full table, which takes well over a minute with a scan of every stream
 * per eviction (under ASan; over the runner's timeout) and a fraction of
 * a second with the list.
 */
static void check_eviction(void)
{
	struct streams *t = streams__new();
	struct event a = conn(1, 1, 0), b, n0, n1, old, ev;
	struct stream *sa, *sb, *s0, *s1;
	uint32_t evicted = 0, i, j;
	bool fresh, ok;

	CHECK(t != NULL);
	/* A restarted once: its first pair's bucket must forget it too. */
	v4(&a, 0x0a0a0a0a, 5554, 0x0a0a0a0b, 443);
	get(t, &a, &fresh);
	old = a;
	v4(&a, 0x0a0a0a0a, 5555, 0x0a0a0a0b, 443);
	sa = get(t, &a, &fresh);
	CHECK(fresh);
	b = reversed(&a, 2, 1);
	sb = get(t, &b, &fresh);
	CHECK(!sa->mirror && sb->mirror);
	for (i = 0; i < FILL; i++) {
		ev = fill(i);
		fill_s[i] = get(t, &ev, &fresh);
		CHECK(fresh && !fill_s[i]->mirror);
	}
	/* Full: B and some old ones used again, A now the oldest. */
	CHECK(get(t, &b, &fresh) == sb && !fresh);
	for (i = 0; i < FILL; i++) {
		ev = fill(i);
		if (touched(i))
			CHECK(get(t, &ev, &fresh) == fill_s[i] && !fresh);
	}
	/* A goes first: the other end of its pair, new, is no mirror. */
	n0 = reversed(&a, 3, 1);
	s0 = get(t, &n0, &fresh);
	CHECK(fresh && !s0->mirror);
	/* A's first pair from its other end, which the oldest fill stream
	 * makes room for: the walk meets no freed A (ASan). */
	n1 = reversed(&old, 4, 1);
	s1 = get(t, &n1, &fresh);
	CHECK(fresh && !s1->mirror);
	for (j = 0; j < NEW; j++) {
		ev = conn(8, j, 0);
		new_s[j] = get(t, &ev, &fresh);
		CHECK(fresh);
	}
	/*
	 * The survivors, oldest first: the untouched fill streams after the
	 * first NEW + 1 of them, B, the touched ones, N0, N1, the new ones.
	 * Used in that order they stay in that order, and none is evicted.
	 */
	ok = true;
	for (i = 0; i < FILL; i++) {
		if (touched(i))
			continue;
		if (evicted++ < NEW + 1)
			continue;
		ev = fill(i);
		ok &= get(t, &ev, &fresh) == fill_s[i] && !fresh;
	}
	CHECK(ok);
	CHECK(get(t, &b, &fresh) == sb && !fresh && sb->mirror);
	ok = true;
	for (i = 0; i < FILL; i++) {
		ev = fill(i);
		if (touched(i))
			ok &= get(t, &ev, &fresh) == fill_s[i] && !fresh;
	}
	CHECK(ok);
	CHECK(get(t, &n0, &fresh) == s0 && !fresh);
	CHECK(get(t, &n1, &fresh) == s1 && !fresh);
	ok = true;
	for (j = 0; j < NEW; j++) {
		ev = conn(8, j, 0);
		ok &= get(t, &ev, &fresh) == new_s[j] && !fresh;
	}
	CHECK(ok);
	/* The evicted: the first NEW + 1 untouched fill streams and A, each new again. */
	evicted = 0;
	ok = true;
	for (i = 0; i < FILL && evicted < NEW + 1; i++) {
		if (touched(i))
			continue;
		evicted++;
		ev = fill(i);
		ok &= is_fresh(t, &ev);
	}
	CHECK(ok);
	CHECK(is_fresh(t, &a) && !get(t, &a, &fresh)->mirror);

	/* Many more: only the last STREAM_MAX stay, with the pair made up for them. */
	ok = true;
	for (j = 0; j < LATER; j++) {
		ev = conn(9, j, 0);
		ok &= is_fresh(t, &ev);
	}
	CHECK(ok);
	ok = true;
	for (j = LATER - STREAM_MAX; j < LATER; j++) {
		ev = conn(9, j, 0);
		ok &= !is_fresh(t, &ev);
	}
	CHECK(ok);
	ev = conn(9, LATER - STREAM_MAX - 1, 0);
	s0 = get(t, &ev, &fresh);
	CHECK(fresh && s0->tcp.laddr[0] == 127 && s0->tcp.laddr[3] == 9);
	streams__free(t);
}

int main(void)
{
	check_identity();
	check_addresses();
	check_mirror();
	check_eviction();
	UNIT_DONE("streams");
}
