// SPDX-License-Identifier: GPL-2.0
/* Chunk reassembly: order, interleaving, losses and malformed records. */
#include "record/decode.h"
#include "unit.h"

struct seen {
	int n;
	uint64_t call_id[16];
	uint32_t len[16], lost[16], truncated[16];
	uint8_t data[16][3 * CHUNK_MAX];
};

static int collect(const struct record *r, void *arg)
{
	struct seen *s = arg;

	if (s->n == 16)
		return -1;
	s->call_id[s->n] = r->ev->call_id;
	s->len[s->n] = r->data_len;
	s->lost[s->n] = r->lost;
	s->truncated[s->n] = r->truncated;
	if (r->data_len)
		memcpy(s->data[s->n], r->data, r->data_len);
	s->n++;
	return 0;
}

static uint8_t ringbuf[sizeof(struct event) + CHUNK_MAX];

/* A chunk of call ID as the BPF side would send it; bytes are (off + i) & 0xff. */
static size_t chunk(uint64_t id, uint32_t tid, uint32_t cap, uint32_t len, uint32_t off,
		    uint32_t n, uint32_t lost, int last)
{
	struct event *ev = (struct event *)ringbuf;

	memset(ev, 0, sizeof(*ev));
	ev->kind = EV_DATA;
	ev->call_id = id;
	ev->pid = 100;
	ev->tid = tid;
	ev->len = len;
	ev->cap_len = cap;
	ev->offset = off;
	ev->chunk_len = n;
	ev->lost = lost;
	ev->flags = last ? CHUNK_LAST : 0;
	for (uint32_t i = 0; i < n; i++)
		ev->data[i] = (off + i) & 0xff;
	return sizeof(*ev) + n;
}

static int pattern_ok(const uint8_t *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (d[i] != (i & 0xff))
			return 0;
	return 1;
}

int main(void)
{
	static struct seen s;
	struct decoder *d = decoder__new(collect, &s);
	const uint32_t big = 2 * CHUNK_MAX + 100;

	/* One chunk: delivered at once. */
	CHECK(!decoder__event(d, ringbuf, chunk(1, 1, 5, 5, 0, 5, 0, 1)));
	CHECK(s.n == 1 && s.len[0] == 5 && !s.lost[0] && pattern_ok(s.data[0], 5));

	/* Three chunks of call 2 with a one-chunk call 3 of another thread between. */
	decoder__event(d, ringbuf, chunk(2, 2, big, big, 0, CHUNK_MAX, 0, 0));
	decoder__event(d, ringbuf, chunk(3, 3, 7, 9, 0, 7, 0, 1));
	decoder__event(d, ringbuf, chunk(2, 2, big, big, CHUNK_MAX, CHUNK_MAX, 0, 0));
	CHECK(s.n == 2 && s.call_id[1] == 3 && s.truncated[1] == 2);
	decoder__event(d, ringbuf, chunk(2, 2, big, big, 2 * CHUNK_MAX, 100, 0, 1));
	CHECK(s.n == 3 && s.call_id[2] == 2 && s.len[2] == big && !s.lost[2]);
	CHECK(pattern_ok(s.data[2], big));

	/* The ring filled up: a data-less last record reports the missing tail. */
	decoder__event(d, ringbuf, chunk(4, 4, big, big, 0, CHUNK_MAX, 0, 0));
	decoder__event(d, ringbuf, chunk(4, 4, big, big, CHUNK_MAX, 0, big - CHUNK_MAX, 1));
	CHECK(s.n == 4 && s.len[3] == CHUNK_MAX && s.lost[3] == big - CHUNK_MAX);

	/* Even that record was lost: the thread's next call closes the old one. */
	decoder__event(d, ringbuf, chunk(5, 5, big, big, 0, CHUNK_MAX, 0, 0));
	decoder__event(d, ringbuf, chunk(6, 5, 3, 3, 0, 3, 0, 1));
	CHECK(s.n == 6 && s.call_id[4] == 5 && s.lost[4] == big - CHUNK_MAX);
	CHECK(s.call_id[5] == 6 && !s.lost[5]);

	/* Two threads' calls with the same id (program instances once numbered
	 * calls each on their own): never merged into one record. */
	decoder__event(d, ringbuf, chunk(20, 21, big, big, 0, CHUNK_MAX, 0, 0));
	decoder__event(d, ringbuf, chunk(20, 22, big, big, 0, CHUNK_MAX, 0, 0));
	decoder__event(d, ringbuf, chunk(20, 21, big, big, CHUNK_MAX, CHUNK_MAX, 0, 0));
	decoder__event(d, ringbuf, chunk(20, 21, big, big, 2 * CHUNK_MAX, 100, 0, 1));
	CHECK(s.n == 7 && s.len[6] == big && !s.lost[6] && pattern_ok(s.data[6], big));
	decoder__event(d, ringbuf, chunk(20, 22, big, big, CHUNK_MAX, CHUNK_MAX, 0, 0));
	decoder__event(d, ringbuf, chunk(20, 22, big, big, 2 * CHUNK_MAX, 100, 0, 1));
	CHECK(s.n == 8 && s.len[7] == big && !s.lost[7] && pattern_ok(s.data[7], big));
	s.n = 6;

	/* Malformed records are counted, never read past their end. */
	CHECK(!decoder__event(d, ringbuf, 10));
	chunk(7, 7, 10, 10, 0, 10, 0, 1);
	CHECK(!decoder__event(d, ringbuf, sizeof(struct event) + 5));	/* short */
	chunk(8, 8, 10, 10, 8, 10, 0, 1);
	CHECK(!decoder__event(d, ringbuf, sizeof(struct event) + 10));	/* past cap_len */
	chunk(9, 9, 10, 5, 0, 10, 0, 1);
	CHECK(!decoder__event(d, ringbuf, sizeof(struct event) + 10));	/* cap > len */
	CHECK(decoder__stats(d)->malformed == 4 && s.n == 6);

	/* A call's chunks that contradict what it has already accounted for
	 * (found by tests/fuzz/decode): behind its offset, another captured
	 * length, a lost count that wraps 32 bits. Refused; the call ends with
	 * what did arrive and the rest lost, never more than it captured. */
	decoder__event(d, ringbuf, chunk(11, 11, 300, 300, 0, 0, 100, 0));	/* lost only */
	decoder__event(d, ringbuf, chunk(11, 11, 300, 300, 50, 100, 0, 1));	/* behind */
	decoder__event(d, ringbuf, chunk(11, 11, 600, 600, 100, 400, 0, 1));	/* other cap */
	chunk(11, 11, 300, 300, 100, 10, 0, 0);
	((struct event *)ringbuf)->lost = 0xfffffffa;				/* 10 + lost wraps */
	CHECK(!decoder__event(d, ringbuf, sizeof(struct event) + 10));
	CHECK(decoder__stats(d)->malformed == 7 && s.n == 6);
	decoder__event(d, ringbuf, chunk(11, 11, 300, 300, 100, 200, 0, 1));
	CHECK(s.n == 7 && s.len[6] == 200 && s.lost[6] == 100);
	s.n = 6;

	/* Calls still open at exit are delivered as incomplete. */
	decoder__event(d, ringbuf, chunk(10, 10, big, big, 0, CHUNK_MAX, 0, 0));
	CHECK(!decoder__flush(d));
	CHECK(s.n == 7 && s.lost[6] == big - CHUNK_MAX);
	CHECK(decoder__stats(d)->incomplete == 4);
	decoder__free(d);
	UNIT_DONE("decode");
}
