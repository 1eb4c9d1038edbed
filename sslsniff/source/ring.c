// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include "source/ring.h"

struct ring {
	ring_sample_fn fn;
	void *ctx;
	uint64_t *consumer_pos;		/* the one page user space may write */
	uint64_t *producer_pos;		/* then the data, read-only */
	uint8_t *data;
	uint64_t mask;			/* data size - 1, a power of two */
	size_t map_len;			/* producer page + data */
	uint8_t *scratch;		/* a record that wraps, made whole */
	size_t scratch_len;
};

struct ring_reader {
	struct ring **rings;
	int nr_rings;
	int nr_fds;		/* rings and other fds in the epoll set */
	int epoll_fd;
	struct epoll_event *events;	/* nr_fds of them */
	size_t page_size;
};

struct ring_reader *ring_reader__new(void)
{
	struct ring_reader *rr = calloc(1, sizeof(*rr));

	if (!rr)
		return NULL;
	rr->page_size = sysconf(_SC_PAGESIZE);
	rr->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (rr->epoll_fd < 0) {
		int err = errno;

		free(rr);
		errno = err;
		return NULL;
	}
	return rr;
}

static void ring_free(struct ring *r, size_t page_size)
{
	if (r->consumer_pos && r->consumer_pos != MAP_FAILED)
		munmap(r->consumer_pos, page_size);
	if (r->producer_pos && r->producer_pos != MAP_FAILED)
		munmap(r->producer_pos, r->map_len);
	free(r->scratch);
	free(r);
}

void ring_reader__free(struct ring_reader *rr)
{
	if (!rr)
		return;
	for (int i = 0; i < rr->nr_rings; i++)
		ring_free(rr->rings[i], rr->page_size);
	free(rr->rings);
	free(rr->events);
	close(rr->epoll_fd);
	free(rr);
}

/* The consumer page read-write, the producer page and the data read-only, once. */
static int ring_map(struct ring *r, int map_fd, size_t page_size)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(map_fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	r->mask = info.max_entries - 1;
	r->consumer_pos = mmap(NULL, page_size, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (r->consumer_pos == MAP_FAILED)
		return -errno;
	r->map_len = page_size + info.max_entries;
	r->producer_pos = mmap(NULL, r->map_len, PROT_READ, MAP_SHARED, map_fd, page_size);
	if (r->producer_pos == MAP_FAILED)
		return -errno;
	r->data = (uint8_t *)r->producer_pos + page_size;
	return 0;
}

int ring_reader__add(struct ring_reader *rr, int map_fd, ring_sample_fn fn, void *ctx)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = rr->nr_rings };
	struct ring **rings;
	struct epoll_event *events;
	struct ring *r;
	int err;

	rings = realloc(rr->rings, (rr->nr_rings + 1) * sizeof(*rings));
	if (!rings)
		return -ENOMEM;
	rr->rings = rings;
	events = realloc(rr->events, (rr->nr_fds + 1) * sizeof(*events));
	if (!events)
		return -ENOMEM;
	rr->events = events;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fn = fn;
	r->ctx = ctx;
	err = ring_map(r, map_fd, rr->page_size);
	if (!err && epoll_ctl(rr->epoll_fd, EPOLL_CTL_ADD, map_fd, &ev))
		err = -errno;
	if (err) {
		ring_free(r, rr->page_size);
		return err;
	}
	rr->rings[rr->nr_rings++] = r;
	rr->nr_fds++;
	return 0;
}

int ring_reader__add_wake_fd(struct ring_reader *rr, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = UINT32_MAX };
	struct epoll_event *events = realloc(rr->events, (rr->nr_fds + 1) * sizeof(*events));

	if (!events)
		return -ENOMEM;
	rr->events = events;
	if (epoll_ctl(rr->epoll_fd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	rr->nr_fds++;
	return 0;
}

/* The record of LEN bytes at data offset OFF, copied whole if it wraps. */
static void *ring_sample(struct ring *r, uint64_t off, uint32_t len)
{
	uint64_t size = r->mask + 1, first;

	if (off + len <= size)
		return r->data + off;
	if (len > r->scratch_len) {
		uint8_t *s = realloc(r->scratch, len);

		if (!s)
			return NULL;
		r->scratch = s;
		r->scratch_len = len;
	}
	first = size - off;
	memcpy(r->scratch, r->data + off, first);
	memcpy(r->scratch + first, r->data, len - first);
	return r->scratch;
}

/*
 * The kernel's record header: the length with a busy bit (still being
 * written: stop there) and a discard bit (skip it), then a page offset.
 * Records start 8-aligned, so a header never wraps; a record may.
 *
 * Space goes back to the kernel every sixteenth of the ring and at the end
 * of a batch, not after each record: every reserve reads consumer_pos, and
 * each store here takes its cache line away from the producing CPU.
 */
static int64_t ring_consume(struct ring *r)
{
	uint64_t cons = __atomic_load_n(r->consumer_pos, __ATOMIC_ACQUIRE), prod;
	uint64_t released = cons, step = (r->mask + 1) / 16;
	int64_t n = 0;
	int err = 0;

	for (;;) {
		prod = __atomic_load_n(r->producer_pos, __ATOMIC_ACQUIRE);
		if (cons >= prod)
			break;
		while (cons < prod) {
			uint32_t *hdr = (uint32_t *)(r->data + (cons & r->mask));
			uint32_t word = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			uint32_t len = word & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			void *sample;

			if (word & BPF_RINGBUF_BUSY_BIT)
				goto out;
			sample = word & BPF_RINGBUF_DISCARD_BIT ? NULL :
				 ring_sample(r, (cons + BPF_RINGBUF_HDR_SZ) & r->mask, len);
			cons += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7ULL;
			if (!(word & BPF_RINGBUF_DISCARD_BIT)) {
				err = sample ? r->fn(r->ctx, sample, len) : -ENOMEM;
				if (err < 0)
					goto out;
				n++;
			}
			if (cons - released >= step) {
				__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
				released = cons;
			}
		}
	}
out:
	if (cons != released)
		__atomic_store_n(r->consumer_pos, cons, __ATOMIC_RELEASE);
	return err < 0 ? err : n;
}

static int count_capped(int64_t total)
{
	return total > INT_MAX ? INT_MAX : (int)total;
}

int ring_reader__consume(struct ring_reader *rr)
{
	int64_t total = 0;

	for (int i = 0; i < rr->nr_rings; i++) {
		int64_t n = ring_consume(rr->rings[i]);

		if (n < 0)
			return (int)n;
		total += n;
	}
	return count_capped(total);
}

int ring_reader__poll(struct ring_reader *rr, int timeout_ms)
{
	int64_t total = 0;
	int cnt = epoll_wait(rr->epoll_fd, rr->events, rr->nr_fds, timeout_ms);

	if (cnt < 0)
		return -errno;
	for (int i = 0; i < cnt; i++) {
		uint32_t idx = rr->events[i].data.u32;
		int64_t n = idx < (uint32_t)rr->nr_rings ? ring_consume(rr->rings[idx]) : 0;

		if (n < 0)
			return (int)n;
		total += n;
	}
	return count_capped(total);
}
